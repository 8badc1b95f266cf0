/* sockets.c - the socket calls (net/socket.c): socketpair stream and dgram
 * traffic and flags, SCM_RIGHTS and SCM_CREDENTIALS (net/core/scm.c),
 * listening AF_UNIX sockets (a path and the abstract namespace), AF_INET on
 * loopback (TCP and UDP), options, shutdown, sendmmsg/recvmmsg, and the
 * errors Linux gives for bad fds, non-sockets and bad memory, and memory
 * at the edges (many pieces, PROT_NONE pages, pidfds).  Calls with
 * a bad msghdr or mmsghdr are made with syscall(): musl's wrappers copy
 * them in user space first, and its accept4 retries a failed call as accept. */
#include "gt.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#ifndef SO_ATTACH_FILTER
#define SO_ATTACH_FILTER 26
#endif
#ifndef SO_DETACH_FILTER
#define SO_DETACH_FILTER 27
#endif
#ifndef SO_GET_FILTER
#define SO_GET_FILTER SO_ATTACH_FILTER
#endif

/* include/uapi/linux/filter.h (not every libc has it) */
struct gt_sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct gt_sock_fprog {
	unsigned short len;
	struct gt_sock_filter *filter;
};

/* A page that is not there: a pointer the kernel cannot use (volatile, so
 * that the compiler does not warn about what is done with it). */
static void *volatile badptr = (void *)8;
#define BADPTR ((void *)badptr)

/* Send one byte with the fds in fds[0..n) as SCM_RIGHTS. */
static ssize_t send_fds(int s, const int *fds, int n)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = {(void *)"F", 1};
	struct msghdr m;
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(s, &m, 0);
}

/* Receive one byte and up to room fds; returns how many fds came, the
 * message flags in *mflags. */
static int recv_fds(int s, int *fds, int room, int flags, int *mflags)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} u;
	char c1;
	struct iovec iov = {&c1, 1};
	struct msghdr m;
	struct cmsghdr *c;
	int n = 0;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = CMSG_LEN(room * sizeof(int));
	if (recvmsg(s, &m, flags) != 1)
		return -1;
	*mflags = m.msg_flags;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
			n += k;
		}
	}
	return n;
}

/* The lowest free fd, which the next new fd gets. */
static int lowest_free(void)
{
	int fd = dup(2);
	if (fd >= 0)
		close(fd);
	return fd;
}

static void stream_pair(void)
{
	int sv[2];
	char buf[64];

	CHECK(1, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(2, write(sv[0], "hello", 5) == 5);
	CHECK(3, read(sv[1], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));
	CHECK(4, send(sv[1], "world", 5, 0) == 5);
	CHECK(5, recv(sv[0], buf, sizeof(buf), 0) == 5 && !memcmp(buf, "world", 5));
	CHECK_ERR(6, recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK(7, fcntl(sv[0], F_GETFD) == 0);

	/* MSG_PEEK leaves the bytes; MSG_WAITALL waits for all of them. */
	CHECK(8, send(sv[0], "peekaboo", 8, 0) == 8);
	CHECK(9, recv(sv[1], buf, 4, MSG_PEEK) == 4 && !memcmp(buf, "peek", 4));
	CHECK(10, recv(sv[1], buf, 8, MSG_WAITALL) == 8 && !memcmp(buf, "peekaboo", 8));

	/* Gather three pieces, scatter into two. */
	struct iovec out[3] = {{(void *)"ab", 2}, {(void *)"", 0}, {(void *)"cdefg", 5}};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = out;
	m.msg_iovlen = 3;
	CHECK(11, sendmsg(sv[0], &m, 0) == 7);
	char x[3], y[8];
	struct iovec in[2] = {{x, 3}, {y, 8}};
	memset(&m, 0, sizeof(m));
	m.msg_iov = in;
	m.msg_iovlen = 2;
	CHECK(12, recvmsg(sv[1], &m, 0) == 7);
	CHECK(13, !memcmp(x, "abc", 3) && !memcmp(y, "defg", 4) && m.msg_flags == 0);

	/* A bad buffer on a stream: -EFAULT, and the bytes stay queued. */
	CHECK(14, send(sv[0], "kept", 4, 0) == 4);
	CHECK_ERR(15, recv(sv[1], BADPTR, 4, 0), EFAULT);
	CHECK(16, recv(sv[1], buf, sizeof(buf), 0) == 4 && !memcmp(buf, "kept", 4));
	CHECK_ERR(17, send(sv[0], BADPTR, 4, 0), EFAULT);
	CHECK_ERR(17, recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	/* More than a page, non-blocking both ways until all of it is over. */
	size_t total = 300000, sent = 0, got = 0;
	unsigned char *src = malloc(total), *dst = malloc(total);
	CHECK(18, src && dst);
	for (size_t i = 0; i < total; i++)
		src[i] = (unsigned char)gt_mix(i);
	while (got < total) {
		if (sent < total) {
			ssize_t n = send(sv[0], src + sent, total - sent, MSG_DONTWAIT);
			CHECK(19, n > 0 || (n < 0 && errno == EAGAIN));
			if (n > 0)
				sent += (size_t)n;
		}
		ssize_t n = recv(sv[1], dst + got, total - got, MSG_DONTWAIT);
		CHECK(20, n > 0 || (n < 0 && errno == EAGAIN && sent > got));
		if (n > 0)
			got += (size_t)n;
	}
	CHECK(21, !memcmp(src, dst, total));
	free(src);
	free(dst);

	/* shutdown(SHUT_WR): the peer reads end of file, and can still send. */
	CHECK(22, shutdown(sv[0], SHUT_WR) == 0);
	CHECK(23, recv(sv[1], buf, sizeof(buf), 0) == 0);
	CHECK(24, send(sv[1], "back", 4, 0) == 4);
	CHECK(25, recv(sv[0], buf, sizeof(buf), 0) == 4);
	CHECK_ERR(26, shutdown(sv[0], 7), EINVAL);
	close(sv[0]);
	close(sv[1]);

	/* SOCK_CLOEXEC and SOCK_NONBLOCK on both ends. */
	CHECK(27, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(28, fcntl(sv[0], F_GETFD) == FD_CLOEXEC && fcntl(sv[1], F_GETFD) == FD_CLOEXEC);
	CHECK(29, (fcntl(sv[1], F_GETFL) & O_NONBLOCK) != 0);
	CHECK_ERR(30, recv(sv[1], buf, sizeof(buf), 0), EAGAIN);
	close(sv[0]);
	close(sv[1]);
	printf("stream pair ok\n");
}

static void dgram_pair(void)
{
	int sv[2];
	char buf[64];

	CHECK(31, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(32, send(sv[0], "one", 3, 0) == 3);
	CHECK(32, send(sv[0], "three", 5, 0) == 5);
	CHECK(32, send(sv[0], "", 0, 0) == 0);
	/* Message boundaries; a short buffer drops the rest of the message. */
	CHECK(33, recv(sv[1], buf, 2, 0) == 2 && !memcmp(buf, "on", 2));
	/* MSG_TRUNC: the real length */
	CHECK(34, recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC) == 5);
	struct iovec iov = {buf, 3};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK(35, recvmsg(sv[1], &m, 0) == 3 && (m.msg_flags & MSG_TRUNC) && !memcmp(buf, "thr", 3));
	CHECK(36, recv(sv[1], buf, sizeof(buf), 0) == 0);
	CHECK_ERR(37, recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	/* A bad buffer on a datagram socket: -EFAULT, and the message is gone. */
	CHECK(38, send(sv[0], "lost", 4, 0) == 4);
	CHECK_ERR(39, recv(sv[1], BADPTR, 4, 0), EFAULT);
	CHECK_ERR(40, recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(41, send(sv[0], BADPTR, 4, 0), EFAULT);
	CHECK_ERR(41, recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	/* A buffer that runs into a PROT_NONE page: what the kernel makes of
	 * it, natively and emulated. */
	char *pg = mmap(NULL, 2 * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(42, pg != MAP_FAILED && mprotect(pg + GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	char *edge = pg + GT_PAGE - 4;
	memcpy(edge, "edge", 4);
	CHECK(43, send(sv[0], "0123456789", 10, 0) == 10 && send(sv[0], "ab", 2, 0) == 2);
	errno = 0;
	long r1 = recv(sv[1], edge, 10, 0);
	int e1 = errno;
	errno = 0;
	long r2 = recv(sv[1], edge, 10, MSG_DONTWAIT);
	int e2 = errno;
	CHECK(43, r2 != 2 || !memcmp(edge, "ab", 2));
	memcpy(edge, "edge", 4);
	errno = 0;
	long r3 = send(sv[0], edge, 10, 0);
	int e3 = errno;
	printf("dgram edge: recv %ld/%d, then %ld/%d, send %ld/%d\n", r1, e1, r2, e2, r3, e3);
	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;

	int st[2];
	CHECK(44, socketpair(AF_UNIX, SOCK_STREAM, 0, st) == 0);
	CHECK(45, send(st[0], "0123456789", 10, 0) == 10);
	errno = 0;
	r1 = recv(st[1], edge, 10, 0);
	e1 = errno;
	errno = 0;
	r2 = recv(st[1], buf, sizeof(buf), MSG_DONTWAIT);
	e2 = errno;
	memcpy(edge, "edge", 4);
	errno = 0;
	r3 = send(st[0], edge, 10, 0);
	e3 = errno;
	printf("stream edge: recv %ld/%d, then %ld/%d, send %ld/%d\n", r1, e1, r2, e2, r3, e3);
	close(st[0]);
	close(st[1]);
	munmap(pg, 2 * GT_PAGE);

	/* sendmmsg / recvmmsg: two datagrams each way. */
	struct mmsghdr mm[3];
	struct iovec v[3];
	char rb[3][16];
	memset(mm, 0, sizeof(mm));
	v[0] = (struct iovec){(void *)"alpha", 5};
	v[1] = (struct iovec){(void *)"be", 2};
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_iov = &v[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_len = 99;
	}
	CHECK(46, sendmmsg(sv[0], mm, 2, 0) == 2);
	CHECK(47, mm[0].msg_len == 5 && mm[1].msg_len == 2);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		v[i] = (struct iovec){rb[i], sizeof(rb[i])};
		mm[i].msg_hdr.msg_iov = &v[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	/* MSG_WAITFORONE: the third would block, so two come back. */
	CHECK(48, recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL) == 2);
	CHECK(49, mm[0].msg_len == 5 && !memcmp(rb[0], "alpha", 5));
	CHECK(50, mm[1].msg_len == 2 && !memcmp(rb[1], "be", 2));
	CHECK_ERR(51, recvmmsg(sv[1], mm, 2, MSG_DONTWAIT, NULL), EAGAIN);
	/* With a timeout, two pending: both, and the timeout is written back. */
	v[0] = (struct iovec){(void *)"x", 1};
	v[1] = (struct iovec){(void *)"yz", 2};
	CHECK(52, send(sv[0], "x", 1, 0) == 1 && send(sv[0], "yz", 2, 0) == 2);
	for (int i = 0; i < 2; i++)
		v[i] = (struct iovec){rb[i], sizeof(rb[i])};
	struct timespec to = {5, 0};
	CHECK(53, recvmmsg(sv[1], mm, 2, 0, &to) == 2 && mm[1].msg_len == 2);
	CHECK(54, to.tv_sec <= 5 && to.tv_nsec >= 0 && to.tv_nsec < 1000000000);
	struct timespec badto = {0, 1000000000};
	CHECK_ERR(55, recvmmsg(sv[1], mm, 2, 0, &badto), EINVAL);
	CHECK_ERR(56, syscall(SYS_recvmmsg, sv[1], mm, 2, 0, BADPTR), EFAULT);
	CHECK_ERR(57, syscall(SYS_sendmmsg, sv[0], BADPTR, 2, 0), EFAULT);
	CHECK(58, syscall(SYS_sendmmsg, sv[0], mm, 0, 0) == 0);

	/* SO_ATTACH_FILTER: a program that drops everything, then none. */
	struct gt_sock_filter drop = {0x06, 0, 0, 0};   /* BPF_RET|BPF_K, 0 */
	struct gt_sock_fprog prog = {1, &drop};
	CHECK(59, setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0);
	CHECK(60, send(sv[0], "dropped", 7, 0) == 7);
	CHECK_ERR(61, recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	socklen_t fl = 0;
	CHECK(62, getsockopt(sv[1], SOL_SOCKET, SO_GET_FILTER, NULL, &fl) == 0 && fl == 1);
	struct gt_sock_filter back[2];
	fl = 2;
	CHECK(63, getsockopt(sv[1], SOL_SOCKET, SO_GET_FILTER, back, &fl) == 0 && fl == 1);
	CHECK(64, back[0].code == 0x06 && back[0].k == 0);
	int zero = 0;
	CHECK(65, setsockopt(sv[1], SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)) == 0);
	CHECK(66, send(sv[0], "kept", 4, 0) == 4 && recv(sv[1], buf, sizeof(buf), 0) == 4);
	prog.filter = BADPTR;
	CHECK_ERR(67, setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), EFAULT);
	prog.len = 0;
	CHECK_ERR(67, setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), EINVAL);
	close(sv[0]);
	close(sv[1]);
	printf("dgram pair ok\n");
}

static void passing(void)
{
	int sv[2], p[2], q[2], got[4], mflags = 0;
	char c;

	CHECK(68, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(68, pipe(p) == 0 && pipe(q) == 0);

	/* A pipe's write end over the socket: a new fd for the same pipe. */
	CHECK(69, send_fds(sv[0], &p[1], 1) == 1);
	int want = lowest_free();
	CHECK(70, recv_fds(sv[1], got, 1, MSG_CMSG_CLOEXEC, &mflags) == 1);
	CHECK(71, got[0] == want && got[0] != p[1] && !(mflags & MSG_CTRUNC));
	CHECK(72, fcntl(got[0], F_GETFD) == FD_CLOEXEC);
	CHECK(73, write(got[0], "via", 3) == 3);
	char buf[8];
	CHECK(74, read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "via", 3));
	close(got[0]);

	/* Two fds, room for one: MSG_CTRUNC, and the other is not installed. */
	int two[2] = {p[1], q[1]};
	CHECK(75, send_fds(sv[0], two, 2) == 1);
	CHECK(76, recv_fds(sv[1], got, 1, 0, &mflags) == 1 && (mflags & MSG_CTRUNC));
	CHECK(77, fcntl(got[0], F_GETFD) == 0);
	close(got[0]);
	close(q[1]);
	CHECK(78, read(q[0], &c, 1) == 0);    /* no write end left anywhere */

	/* No control buffer at all: the fd is dropped, MSG_CTRUNC. */
	CHECK(79, send_fds(sv[0], &p[1], 1) == 1);
	close(p[1]);
	struct iovec iov = {&c, 1};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK(80, recvmsg(sv[1], &m, 0) == 1 && (m.msg_flags & MSG_CTRUNC));
	CHECK(81, read(p[0], &c, 1) == 0);

	/* A bad fd in SCM_RIGHTS. */
	int bad = lowest_free();
	CHECK_ERR(82, send_fds(sv[0], &bad, 1), EBADF);

	/* SCM_CREDENTIALS with SO_PASSCRED: the sender's pid and ids. */
	int one = 1;
	CHECK(83, setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
	CHECK(84, send(sv[0], "c", 1, 0) == 1);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} u;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.b;
	m.msg_controllen = sizeof(u.b);
	CHECK(85, recvmsg(sv[1], &m, 0) == 1);
	struct cmsghdr *ch = CMSG_FIRSTHDR(&m);
	CHECK(86, ch && ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == SCM_CREDENTIALS);
	struct ucred cr;
	memcpy(&cr, CMSG_DATA(ch), sizeof(cr));
	CHECK(87, cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid());
	CHECK(88, m.msg_controllen == CMSG_SPACE(sizeof(struct ucred)));

	/* MSG_CMSG_COMPAT is not for 64-bit callers. */
	CHECK_ERR(89, syscall(SYS_sendmsg, sv[0], &m, 0x80000000u), EINVAL);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(q[0]);
	printf("fd passing ok\n");
}

static void unix_listen(void)
{
	char dir[64];
	struct sockaddr_un sa, got;
	socklen_t len;
	char buf[16];

	gt_tmpdir("sockets", dir, sizeof(dir));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + 1);

	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(90, ls >= 0 && bind(ls, (struct sockaddr *)&sa, salen) == 0 && listen(ls, 4) == 0);
	CHECK_ERR(91, accept(ls, NULL, NULL), EAGAIN);
	int cs = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(92, cs >= 0 && connect(cs, (struct sockaddr *)&sa, salen) == 0);
	CHECK_ERR(93, syscall(SYS_accept4, ls, NULL, NULL, 0x1234), EINVAL);
	len = sizeof(got);
	memset(&got, 0x55, sizeof(got));
	int as = accept4(ls, (struct sockaddr *)&got, &len, SOCK_CLOEXEC);
	CHECK(94, as >= 0 && fcntl(as, F_GETFD) == FD_CLOEXEC);
	/* the client is not bound: just the family */
	CHECK(95, len == sizeof(sa_family_t) && got.sun_family == AF_UNIX);
	len = sizeof(got);
	CHECK(96, getsockname(ls, (struct sockaddr *)&got, &len) == 0 && len == salen);
	CHECK(96, !strcmp(got.sun_path, sa.sun_path));
	len = sizeof(got);
	memset(&got, 0, sizeof(got));
	CHECK(97, getpeername(cs, (struct sockaddr *)&got, &len) == 0 && len == salen);
	CHECK(97, !strcmp(got.sun_path, sa.sun_path));
	/* a short buffer: as much as fits, and the full length */
	len = 4;
	memset(&got, 0, sizeof(got));
	CHECK(98, getsockname(ls, (struct sockaddr *)&got, &len) == 0 && len == salen);
	CHECK(98, got.sun_family == AF_UNIX && got.sun_path[0] == sa.sun_path[0] && got.sun_path[2] == 0);
	int neg = -1;
	CHECK_ERR(99, getsockname(ls, (struct sockaddr *)&got, (socklen_t *)&neg), EINVAL);
	CHECK(99, write(cs, "ping", 4) == 4 && read(as, buf, sizeof(buf)) == 4);
	close(as);
	close(cs);
	close(ls);
	unlink(sa.sun_path);
	gt_rmtree(dir);

	/* The abstract namespace, and SOCK_SEQPACKET. */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "gt-sockets-%ld", (long)getpid());
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(90, ls >= 0 && bind(ls, (struct sockaddr *)&sa, salen) == 0 && listen(ls, 4) == 0);
	cs = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(91, cs >= 0 && connect(cs, (struct sockaddr *)&sa, salen) == 0);
	as = accept(ls, NULL, NULL);
	CHECK(92, as >= 0 && fcntl(as, F_GETFD) == 0);
	len = sizeof(got);
	CHECK(93, getpeername(cs, (struct sockaddr *)&got, &len) == 0 && len == salen);
	CHECK(93, !memcmp(&got, &sa, salen));
	CHECK(94, send(cs, "abc", 3, 0) == 3 && send(cs, "de", 2, 0) == 2);
	CHECK(95, recv(as, buf, sizeof(buf), 0) == 3 && recv(as, buf, sizeof(buf), 0) == 2);
	close(as);
	close(cs);
	close(ls);
	printf("unix listen ok\n");
}

static void inet(void)
{
	struct sockaddr_in sa, peer, me;
	socklen_t len;
	char buf[16];

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;

	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1, v = 0;
	CHECK(1, ls >= 0);
	CHECK(2, setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	len = sizeof(v);
	CHECK(3, getsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v == 1 && len == sizeof(v));
	CHECK(4, bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 8) == 0);
	len = sizeof(sa);
	CHECK(5, getsockname(ls, (struct sockaddr *)&sa, &len) == 0 && len == sizeof(sa));
	CHECK(6, sa.sin_port != 0 && sa.sin_addr.s_addr == htonl(INADDR_LOOPBACK));

	int cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(7, cs >= 0 && fcntl(cs, F_GETFD) == FD_CLOEXEC);
	CHECK(8, connect(cs, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	len = sizeof(peer);
	int as = accept(ls, (struct sockaddr *)&peer, &len);
	CHECK(9, as >= 0 && len == sizeof(peer) && peer.sin_family == AF_INET);
	len = sizeof(me);
	CHECK(10, getsockname(cs, (struct sockaddr *)&me, &len) == 0);
	CHECK(11, peer.sin_port == me.sin_port && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	len = sizeof(peer);
	CHECK(12, getpeername(cs, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == sa.sin_port);

	CHECK(13, send(cs, "request", 7, 0) == 7);
	CHECK(14, recv(as, buf, 7, MSG_WAITALL) == 7 && !memcmp(buf, "request", 7));
	CHECK(15, send(as, "reply", 5, 0) == 5);
	CHECK(16, recv(cs, buf, 5, MSG_WAITALL) == 5 && !memcmp(buf, "reply", 5));
	/* recvfrom on a connected stream: no address */
	CHECK(17, send(as, "z", 1, 0) == 1);
	len = sizeof(peer);
	CHECK(18, recvfrom(cs, buf, 1, 0, (struct sockaddr *)&peer, &len) == 1);
	printf("tcp recvfrom addrlen %u\n", (unsigned)len);
	CHECK(19, shutdown(cs, SHUT_WR) == 0);
	CHECK(20, recv(as, buf, sizeof(buf), 0) == 0);
	CHECK(21, send(as, "last", 4, 0) == 4 && recv(cs, buf, 4, MSG_WAITALL) == 4);

	/* Options: SO_RCVBUF is doubled; SO_TYPE; a short length. */
	int rb = 4096;
	CHECK(22, setsockopt(cs, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)) == 0);
	len = sizeof(rb);
	CHECK(23, getsockopt(cs, SOL_SOCKET, SO_RCVBUF, &rb, &len) == 0 && len == sizeof(rb));
	printf("SO_RCVBUF %d\n", rb);
	len = sizeof(v);
	CHECK(24, getsockopt(cs, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	len = 2;
	v = 0;
	CHECK(25, getsockopt(cs, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	printf("SO_TYPE with 2 bytes: len %u\n", (unsigned)len);
	CHECK_ERR(26, setsockopt(cs, SOL_SOCKET, SO_REUSEADDR, &one, -1), EINVAL);
	CHECK_ERR(27, setsockopt(cs, SOL_SOCKET, SO_REUSEADDR, BADPTR, sizeof(int)), EFAULT);
	CHECK_ERR(28, getsockopt(cs, SOL_SOCKET, SO_TYPE, &v, BADPTR), EFAULT);
	len = sizeof(v);
	CHECK_ERR(29, getsockopt(cs, SOL_SOCKET, SO_TYPE, BADPTR, &len), EFAULT);
	len = sizeof(v);
	CHECK_ERR(30, getsockopt(cs, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
	close(as);
	close(cs);
	close(ls);

	/* UDP: sendto and recvfrom with addresses. */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a1 = sa, a2 = sa;
	a1.sin_port = a2.sin_port = 0;
	CHECK(31, u1 >= 0 && u2 >= 0);
	CHECK(32, bind(u1, (struct sockaddr *)&a1, sizeof(a1)) == 0);
	CHECK(32, bind(u2, (struct sockaddr *)&a2, sizeof(a2)) == 0);
	len = sizeof(a1);
	CHECK(33, getsockname(u1, (struct sockaddr *)&a1, &len) == 0);
	len = sizeof(a2);
	CHECK(33, getsockname(u2, (struct sockaddr *)&a2, &len) == 0);
	CHECK(34, sendto(u1, "datagram", 8, 0, (struct sockaddr *)&a2, sizeof(a2)) == 8);
	len = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	CHECK(35, recvfrom(u2, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len) == 8);
	CHECK(36, len == sizeof(peer) && peer.sin_port == a1.sin_port && !memcmp(buf, "datagram", 8));
	CHECK_ERR(37, sendto(u1, "x", 1, 0, NULL, 0), EDESTADDRREQ);
	CHECK_ERR(38, sendto(u1, "x", 1, 0, (struct sockaddr *)&a2, 1000), EINVAL);
	CHECK_ERR(39, sendto(u1, "x", 1, 0, BADPTR, sizeof(a2)), EFAULT);
	/* recvmsg fills msg_name, msg_namelen */
	CHECK(40, sendto(u1, "again", 5, 0, (struct sockaddr *)&a2, sizeof(a2)) == 5);
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	memset(&peer, 0, sizeof(peer));
	m.msg_name = &peer;
	m.msg_namelen = sizeof(peer);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK(41, recvmsg(u2, &m, 0) == 5);
	CHECK(41, m.msg_namelen == sizeof(peer) && peer.sin_port == a1.sin_port);
	/* a recvfrom whose address cannot be written: the datagram is taken */
	CHECK(42, sendto(u1, "gone", 4, 0, (struct sockaddr *)&a2, sizeof(a2)) == 4);
	len = sizeof(peer);
	CHECK_ERR(43, recvfrom(u2, buf, sizeof(buf), 0, BADPTR, &len), EFAULT);
	CHECK_ERR(44, recv(u2, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(u1);
	close(u2);
	printf("inet ok\n");
}

static void errors(void)
{
	int p[2];
	struct sockaddr_un sa;
	char buf[8];

	CHECK(45, pipe(p) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	int closed = lowest_free();

	CHECK_ERR(46, send(-1, "x", 1, 0), EBADF);
	CHECK_ERR(47, bind(closed, (struct sockaddr *)&sa, sizeof(sa)), EBADF);
	CHECK_ERR(48, listen(closed, 1), EBADF);
	CHECK_ERR(49, accept(closed, NULL, NULL), EBADF);
	CHECK_ERR(50, recv(closed, buf, 1, 0), EBADF);

	CHECK_ERR(51, listen(p[0], 1), ENOTSOCK);
	CHECK_ERR(52, bind(p[0], (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK);
	CHECK_ERR(53, bind(p[0], BADPTR, sizeof(sa)), ENOTSOCK);
	CHECK_ERR(54, getsockname(p[0], (struct sockaddr *)&sa, BADPTR), ENOTSOCK);
	CHECK_ERR(55, send(p[1], "x", 1, 0), ENOTSOCK);
	CHECK_ERR(56, recv(p[0], buf, 1, MSG_DONTWAIT), ENOTSOCK);
	CHECK_ERR(57, accept(p[0], NULL, NULL), ENOTSOCK);
	CHECK_ERR(58, shutdown(p[0], SHUT_RD), ENOTSOCK);
	CHECK_ERR(59, syscall(SYS_sendmsg, p[1], BADPTR, 0), ENOTSOCK);
	CHECK_ERR(60, syscall(SYS_recvmsg, p[0], BADPTR, 0), ENOTSOCK);
	CHECK_ERR(61, setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, BADPTR, 4), ENOTSOCK);
	socklen_t len = 4;
	CHECK_ERR(62, getsockopt(p[0], SOL_SOCKET, SO_TYPE, buf, &len), ENOTSOCK);
	CHECK_ERR(63, syscall(SYS_sendmmsg, p[1], NULL, 0, 0), ENOTSOCK);
	/* connect reads the address before it looks for a socket */
	CHECK_ERR(64, connect(p[0], BADPTR, sizeof(sa)), EFAULT);

	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(65, s >= 0);
	CHECK_ERR(66, connect(s, BADPTR, sizeof(sa)), EFAULT);
	CHECK_ERR(67, bind(s, BADPTR, sizeof(sa)), EFAULT);
	CHECK_ERR(68, bind(s, (struct sockaddr *)&sa, 1000), EINVAL);
	CHECK_ERR(69, bind(s, (struct sockaddr *)&sa, -1), EINVAL);
	CHECK_ERR(70, getsockname(s, BADPTR, &len), EFAULT);
	len = sizeof(sa);
	CHECK_ERR(71, getsockname(s, (struct sockaddr *)&sa, BADPTR), EFAULT);
	/* a kernel address is not the guest's to give */
	CHECK_ERR(72, send(s, (void *)0xffff800000000000UL, 1, 0), EFAULT);
	CHECK_ERR(72, send(closed, (void *)0xffff800000000000UL, 1, 0), EFAULT);
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_iovlen = 1025;
	CHECK_ERR(73, syscall(SYS_sendmsg, s, &m, 0), EMSGSIZE);
	m.msg_iovlen = 1;
	m.msg_iov = BADPTR;
	CHECK_ERR(74, syscall(SYS_sendmsg, s, &m, 0), EFAULT);
	CHECK_ERR(74, syscall(SYS_sendmsg, s, BADPTR, 0), EFAULT);
	struct iovec neg = {buf, (size_t)-1};
	m.msg_iov = &neg;
	m.msg_iovlen = 1;
	CHECK_ERR(75, syscall(SYS_recvmsg, s, &m, MSG_DONTWAIT), EINVAL);
	m.msg_iovlen = 0;
	m.msg_name = &sa;
	m.msg_namelen = -1;
	CHECK_ERR(76, syscall(SYS_sendmsg, s, &m, 0), EINVAL);
	close(s);

	CHECK_ERR(77, socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(78, socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL);
	int sv[2];
	CHECK_ERR(79, socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
	CHECK_ERR(80, socketpair(12345, SOCK_STREAM, 0, BADPTR), EFAULT);
	CHECK_ERR(81, socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv), EINVAL);
	/* the socketpair's fds were never made */
	CHECK(82, lowest_free() == closed);

	/* AF_NETLINK: a route socket, bound by the kernel. */
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	CHECK(83, nl >= 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_NETLINK;
	CHECK(84, bind(nl, (struct sockaddr *)&ss, 12) == 0);
	len = sizeof(ss);
	CHECK(85, getsockname(nl, (struct sockaddr *)&ss, &len) == 0);
	CHECK(85, len == 12 && ss.ss_family == AF_NETLINK);
	close(nl);
	close(p[0]);
	close(p[1]);
	printf("errors ok\n");
}

/* Memory at the edges: more pieces than the host takes in one call,
 * buffers that run into PROT_NONE pages, option values and control
 * buffers the kernel cannot use in full.  The results are printed, so
 * that the emulated run must give what the native one does. */
static void edges(void)
{
	int sv[2], st[2];
	size_t np = 1030;
	static struct iovec iv[1024], ov[1024];

	CHECK(1, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(2, socketpair(AF_UNIX, SOCK_STREAM, 0, st) == 0);
	char *a = mmap(NULL, np * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, np * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(3, a != MAP_FAILED && b != MAP_FAILED);
	/* 1024 two-byte pieces, each across a page boundary */
	for (int i = 0; i < 1024; i++) {
		size_t at = (size_t)(i + 1) * GT_PAGE - 1;
		iv[i] = (struct iovec){a + at, 2};
		ov[i] = (struct iovec){b + at, 2};
		a[at] = (char)i;
		a[at + 1] = (char)(i * 7);
	}
	struct msghdr m, r;
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.msg_iov = iv;
	m.msg_iovlen = 1024;
	r.msg_iov = ov;
	r.msg_iovlen = 1024;
	CHECK(4, sendmsg(sv[0], &m, 0) == 2048);
	CHECK(5, recvmsg(sv[1], &r, 0) == 2048 && r.msg_flags == 0);
	for (int i = 0; i < 1024; i++) {
		size_t at = (size_t)(i + 1) * GT_PAGE - 1;
		CHECK(6, b[at] == (char)i && b[at + 1] == (char)(i * 7));
	}
	/* with a PROT_NONE page on the way: past the pieces one host call
	 * takes (through a bounce buffer under pagemu), and within them */
	long res[6];
	int err[6];
	char buf[64];
	static char big[4096];
	CHECK(7, mprotect(a + 1020 * GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	errno = 0;
	res[0] = sendmsg(sv[0], &m, 0);
	err[0] = errno;
	CHECK(7, mprotect(a + 1020 * GT_PAGE, GT_PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(7, mprotect(b + 900 * GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	CHECK(7, sendmsg(sv[0], &m, 0) == 2048 && sendmsg(st[0], &m, 0) == 2048);
	errno = 0;
	res[1] = recvmsg(sv[1], &r, 0);
	err[1] = errno;
	errno = 0;
	res[2] = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	err[2] = errno;
	errno = 0;
	res[3] = recvmsg(st[1], &r, 0);
	err[3] = errno;
	errno = 0;
	res[4] = recv(st[1], big, sizeof(big), MSG_DONTWAIT);
	err[4] = errno;
	CHECK(7, mprotect(a + 10 * GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	errno = 0;
	res[5] = sendmsg(st[0], &m, 0);
	err[5] = errno;
	for (int k = 0; k < 6; k++)
		if (res[k] >= 0)
			err[k] = 0;
	printf("pieces: dgram send %ld/%d, recv %ld/%d, then %ld/%d; ", res[0], err[0], res[1], err[1],
	       res[2], err[2]);
	printf("stream recv %ld/%d, then %ld/%d, send %ld/%d\n", res[3], err[3], res[4], err[4], res[5],
	       err[5]);
	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (recv(st[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	munmap(a, np * GT_PAGE);
	munmap(b, np * GT_PAGE);

	/* option values across a PROT_NONE page */
	char *pg = mmap(NULL, 2 * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(8, pg != MAP_FAILED && mprotect(pg + GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	int one = 1;
	memcpy(pg + GT_PAGE - 4, &one, 4);
	int in = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(9, in >= 0);
	errno = 0;
	long r1 = setsockopt(in, SOL_SOCKET, SO_REUSEADDR, pg + GT_PAGE - 4, 8);
	int e1 = errno;
	errno = 0;
	long r2 = setsockopt(in, SOL_SOCKET, SO_BINDTODEVICE, pg + GT_PAGE - 2, 8);
	int e2 = errno;
	/* an unreadable optlen: the protocol's own checks come first */
	errno = 0;
	long r3 = getsockopt(st[0], IPPROTO_IP, IP_TTL, buf, (socklen_t *)(void *)(pg + GT_PAGE));
	int e3 = errno;
	errno = 0;
	long r4 = getsockopt(in, IPPROTO_IP, IP_TTL, buf, (socklen_t *)(void *)(pg + GT_PAGE));
	int e4 = errno;
	printf("options: %ld/%d %ld/%d %ld/%d %ld/%d\n", r1, e1, r2, e2, r3, e3, r4, e4);
	close(in);

	/* fds to a control buffer the receiver cannot write: not installed */
	int p[2];
	CHECK(10, pipe(p) == 0 && send_fds(st[0], &p[1], 1) == 1);
	close(p[1]);
	char c;
	struct iovec io = {&c, 1};
	memset(&r, 0, sizeof(r));
	r.msg_iov = &io;
	r.msg_iovlen = 1;
	CHECK(11, mprotect(pg, GT_PAGE, PROT_READ) == 0);
	r.msg_control = pg;
	r.msg_controllen = 64;
	int lo = lowest_free();
	errno = 0;
	r1 = recvmsg(st[1], &r, 0);
	printf("read-only control: %ld/%d controllen %lu ctrunc %d\n", r1, r1 < 0 ? errno : 0,
	       (unsigned long)r.msg_controllen, (r.msg_flags & MSG_CTRUNC) != 0);
	CHECK(12, lowest_free() == lo && read(p[0], &c, 1) == 0);
	close(p[0]);
	munmap(pg, 2 * GT_PAGE);

	/* pidfds: SO_PEERPIDFD, SO_PASSPIDFD / SCM_PIDFD (Linux 6.5 on):
	 * new fds, always close-on-exec */
	int pfd = -1;
	socklen_t len = sizeof(pfd);
	lo = lowest_free();
	errno = 0;
	if (getsockopt(st[0], SOL_SOCKET, 77, &pfd, &len) == 0) {
		CHECK(13, pfd == lo && len == sizeof(int) && fcntl(pfd, F_GETFD) == FD_CLOEXEC);
		close(pfd);
		printf("SO_PEERPIDFD ok\n");
	} else {
		printf("SO_PEERPIDFD errno %d\n", errno);
	}
	errno = 0;
	if (setsockopt(st[1], SOL_SOCKET, 76, &one, sizeof(one)) == 0) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} u;
		CHECK(14, send(st[0], "p", 1, 0) == 1);
		memset(&r, 0, sizeof(r));
		r.msg_iov = &io;
		r.msg_iovlen = 1;
		r.msg_control = u.b;
		r.msg_controllen = sizeof(u.b);
		CHECK(15, recvmsg(st[1], &r, 0) == 1);
		struct cmsghdr *ch = CMSG_FIRSTHDR(&r);
		CHECK(16, ch && ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == 4);
		memcpy(&pfd, CMSG_DATA(ch), sizeof(pfd));
		CHECK(17, pfd == lo && fcntl(pfd, F_GETFD) == FD_CLOEXEC);
		close(pfd);
		printf("SCM_PIDFD ok\n");
	} else {
		printf("SO_PASSPIDFD errno %d\n", errno);
	}
	close(sv[0]);
	close(sv[1]);
	close(st[0]);
	close(st[1]);
	printf("edges ok\n");
}

int main(void)
{
	stream_pair();
	dgram_pair();
	passing();
	unix_listen();
	inet();
	errors();
	edges();
	printf("sockets ok\n");
	return 0;
}
