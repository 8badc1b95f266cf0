/* epoll.c - epoll (fs/eventpoll.c), eventfd (fs/eventfd.c), timerfd
 * (fs/timerfd.c) and inotify (fs/notify/inotify/inotify_user.c). */
#include "gt.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

#define EP_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))

static volatile sig_atomic_t alrm;
static void on_alrm(int s) { (void)s; alrm++; }

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e;
	memset(&e, 0, sizeof e);
	e.events = events;
	e.data.u64 = data;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e;
	memset(&e, 0, sizeof e);
	e.events = events;
	e.data.u64 = data;
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static int cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);
	return f >= 0 && (f & FD_CLOEXEC);
}

/* A closed fd number we know is ours (the runner may hold others open). */
static int closed_fd(void)
{
	int fd = dup(0);
	CHECK(99, fd >= 0 && close(fd) == 0);
	return fd;
}

static void test_epoll_pipe(void)
{
	struct epoll_event ev[8];
	int p[2];
	char c;

	/* creation: sizes and flags (fs/eventpoll.c: epoll_create, do_epoll_create) */
	CHECK_ERR(1, syscall(SYS_epoll_create, 0), EINVAL);
	CHECK_ERR(1, syscall(SYS_epoll_create, -5), EINVAL);
	CHECK_ERR(2, epoll_create1(1), EINVAL);
	int ep0 = (int)syscall(SYS_epoll_create, 1);
	CHECK(3, ep0 >= 0 && !cloexec(ep0));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(4, ep >= 0 && cloexec(ep));
	CHECK(4, close(ep0) == 0);

	CHECK(5, pipe(p) == 0);
	const uint64_t tag = 0x1122334455667788ULL;
	CHECK(6, add(ep, p[0], EPOLLIN, tag) == 0);
	CHECK(7, epoll_wait(ep, ev, 8, 0) == 0);
	CHECK(8, write(p[1], "a", 1) == 1);
	memset(ev, 0xa5, sizeof ev);
	CHECK(9, epoll_wait(ep, ev, 8, 1000) == 1);
	CHECK(10, ev[0].events == EPOLLIN && ev[0].data.u64 == tag);
	/* level-triggered: still there */
	CHECK(11, epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == tag);

	/* errors of epoll_ctl */
	CHECK_ERR(12, add(ep, p[0], EPOLLIN, 0), EEXIST);
	CHECK_ERR(13, epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT);
	CHECK_ERR(14, mod(ep, p[1], EPOLLIN, 0), ENOENT);
	int bad = closed_fd();
	CHECK_ERR(15, add(ep, bad, EPOLLIN, 0), EBADF);
	CHECK_ERR(16, add(bad, p[0], EPOLLIN, 0), EBADF);
	CHECK_ERR(17, add(ep, ep, EPOLLIN, 0), EINVAL);     /* epoll on itself */
	CHECK_ERR(18, add(p[0], p[1], EPOLLIN, 0), EINVAL); /* not an epoll fd */
	CHECK_ERR(19, epoll_ctl(ep, 77, p[0], &ev[0]), EINVAL);
	CHECK_ERR(20, epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (struct epoll_event *)8), EFAULT);

	/* errors of epoll_wait (fs/eventpoll.c: do_epoll_wait) */
	CHECK_ERR(21, epoll_wait(ep, ev, 0, 0), EINVAL);
	CHECK_ERR(22, syscall(SYS_epoll_wait, ep, ev, -1, 0), EINVAL);
	CHECK_ERR(23, syscall(SYS_epoll_wait, ep, ev, EP_MAX_EVENTS + 1, 0), EINVAL);
	/* the largest maxevents is fine (the buffer is only written as far as
	 * there are events; access_ok wants it below the top of user space,
	 * so not on the stack) */
	static struct epoll_event big[8];
	CHECK(23, syscall(SYS_epoll_wait, ep, big, EP_MAX_EVENTS, 0) == 1 && big[0].data.u64 == tag);
	CHECK_ERR(24, epoll_wait(bad, ev, 8, 0), EBADF);
	CHECK_ERR(25, epoll_wait(p[0], ev, 8, 0), EINVAL);
	/* A bad fd with a bad maxevents or buffer: Linux 6.15 looks the fd up
	 * first (ep_check_params), older kernels check the others first. */
	errno = 0;
	CHECK(26, epoll_wait(bad, ev, 0, 0) == -1);
	int e1 = errno;
	CHECK(26, epoll_wait(bad, (struct epoll_event *)0xffff800000000000ULL, 1, 0) == -1);
	int e2 = errno;
	CHECK(26, (e1 == EBADF && e2 == EBADF) || (e1 == EINVAL && e2 == EFAULT));

	/* EPOLLOUT on the write end; MOD; DEL with a NULL event */
	CHECK(27, add(ep, p[1], EPOLLOUT, 2) == 0);
	CHECK(28, read(p[0], &c, 1) == 1 && c == 'a');
	CHECK(29, epoll_wait(ep, ev, 8, 0) == 1 && ev[0].events == EPOLLOUT && ev[0].data.u64 == 2);
	CHECK(30, mod(ep, p[1], EPOLLIN, 3) == 0);
	CHECK(31, epoll_wait(ep, ev, 8, 0) == 0);
	CHECK(32, mod(ep, p[1], EPOLLOUT, 4) == 0);
	CHECK(33, epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 4);
	CHECK(34, epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	CHECK(35, epoll_wait(ep, ev, 8, 0) == 0);

	/* a 10 ms timeout with nothing ready returns 0 after waiting */
	long long t0 = now_ns();
	CHECK(36, epoll_wait(ep, ev, 8, 10) == 0);
	CHECK(37, now_ns() - t0 >= 5000000LL);

	/* a closed fd leaves the set: the write end hangs up the read end */
	CHECK(38, close(p[1]) == 0);
	CHECK(39, epoll_wait(ep, ev, 8, 0) == 1 && (ev[0].events & EPOLLHUP) && ev[0].data.u64 == tag);
	close(p[0]);
	CHECK(39, epoll_wait(ep, ev, 8, 0) == 0);
	close(ep);
	printf("epoll pipe ok\n");
}

static void test_epoll_modes(void)
{
	struct epoll_event ev[4];
	int p[2];
	char buf[8];
	int ep = epoll_create1(0);
	CHECK(40, ep >= 0 && pipe(p) == 0);

	/* EPOLLET: one report per edge */
	CHECK(41, add(ep, p[0], EPOLLIN | EPOLLET, 7) == 0);
	CHECK(41, epoll_wait(ep, ev, 4, 0) == 0);
	CHECK(42, write(p[1], "x", 1) == 1);
	CHECK(42, epoll_wait(ep, ev, 4, 0) == 1 && ev[0].events == EPOLLIN && ev[0].data.u64 == 7);
	CHECK(43, epoll_wait(ep, ev, 4, 0) == 0);
	CHECK(44, write(p[1], "y", 1) == 1);
	CHECK(44, epoll_wait(ep, ev, 4, 0) == 1);
	CHECK(44, epoll_wait(ep, ev, 4, 0) == 0);
	CHECK(45, read(p[0], buf, sizeof buf) == 2);

	/* EPOLLONESHOT: disabled after one report until MOD re-arms it */
	CHECK(46, mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 8) == 0);
	CHECK(46, write(p[1], "z", 1) == 1);
	CHECK(47, epoll_wait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 8);
	CHECK(47, epoll_wait(ep, ev, 4, 0) == 0);
	CHECK(48, mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 9) == 0);
	CHECK(48, epoll_wait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 9);
	CHECK(49, read(p[0], buf, sizeof buf) == 1);

	/* epoll_pwait: NULL mask, a mask, a mask of the wrong size */
	sigset_t m;
	sigemptyset(&m);
	CHECK(50, epoll_pwait(ep, ev, 4, 0, NULL) == 0);
	CHECK(50, epoll_pwait(ep, ev, 4, 0, &m) == 0);
	CHECK_ERR(51, syscall(SYS_epoll_pwait, ep, ev, 4, 0, &m, 4), EINVAL);
	CHECK_ERR(51, syscall(SYS_epoll_pwait, ep, ev, 4, 0, (void *)8, 8), EFAULT);
	CHECK(52, mod(ep, p[0], EPOLLIN, 10) == 0);
	CHECK(52, write(p[1], "w", 1) == 1);
	CHECK(52, epoll_pwait(ep, ev, 4, -1, &m) == 1 && ev[0].data.u64 == 10);

#ifdef SYS_epoll_pwait2
	/* epoll_pwait2 (Linux 5.11): a timespec timeout, NULL for none */
	struct timespec ts = {0, 0};
	long r = syscall(SYS_epoll_pwait2, ep, ev, 4, &ts, NULL, 0);
	if (!(r == -1 && errno == ENOSYS)) {
		CHECK(53, r == 1 && ev[0].data.u64 == 10);
		CHECK(53, syscall(SYS_epoll_pwait2, ep, ev, 4, NULL, &m, 8) == 1);
		CHECK(54, read(p[0], buf, sizeof buf) == 1);
		ts.tv_nsec = 10000000;
		long long t0 = now_ns();
		CHECK(54, syscall(SYS_epoll_pwait2, ep, ev, 4, &ts, NULL, 0) == 0);
		CHECK(54, now_ns() - t0 >= 5000000LL);
		struct timespec badts = {0, 1000000000L};
		CHECK_ERR(55, syscall(SYS_epoll_pwait2, ep, ev, 4, &badts, NULL, 0), EINVAL);
		badts.tv_sec = -1;
		badts.tv_nsec = 0;
		CHECK_ERR(55, syscall(SYS_epoll_pwait2, ep, ev, 4, &badts, NULL, 0), EINVAL);
		CHECK_ERR(55, syscall(SYS_epoll_pwait2, ep, ev, 4, (void *)8, NULL, 0), EFAULT);
		CHECK_ERR(55, syscall(SYS_epoll_pwait2, ep, ev, 4, &ts, &m, 16), EINVAL);
		CHECK_ERR(55, syscall(SYS_epoll_pwait2, ep, ev, 0, &ts, NULL, 0), EINVAL);
	} else {
		CHECK(54, read(p[0], buf, sizeof buf) == 1);
	}
#else
	CHECK(54, read(p[0], buf, sizeof buf) == 1);
#endif
	close(p[0]);
	close(p[1]);
	close(ep);
	printf("epoll modes ok\n");
}

/* Bad event buffers: access_ok fails at once; an inaccessible user buffer
 * fails when an event is there to copy, and the event stays ready. */
static void test_epoll_efault(void)
{
	struct epoll_event ev[4];
	int p[2], q[2];
	int ep = epoll_create1(0);
	CHECK(56, ep >= 0 && pipe(p) == 0 && pipe(q) == 0);
	char *pg = mmap(NULL, 2 * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(56, pg != MAP_FAILED && mprotect(pg + GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	struct epoll_event *none = (struct epoll_event *)(pg + GT_PAGE);
	struct epoll_event *kernel = (struct epoll_event *)0xffff800000000000ULL;

	CHECK_ERR(57, epoll_wait(ep, kernel, 1, 0), EFAULT);
	/* nothing ready: no copy, no fault */
	CHECK(57, add(ep, p[0], EPOLLIN | EPOLLET, 1) == 0);
	CHECK(57, epoll_wait(ep, none, 4, 0) == 0);
	CHECK(58, write(p[1], "a", 1) == 1);
	CHECK_ERR(58, epoll_wait(ep, none, 4, 0), EFAULT);
	CHECK_ERR(58, epoll_wait(ep, none, 4, 1000), EFAULT);
	/* the edge-triggered event was put back */
	CHECK(59, epoll_wait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 1);
	CHECK(59, epoll_wait(ep, ev, 4, 0) == 0);

	/* room for one event before the inaccessible page: one comes back,
	 * the other stays ready */
	CHECK(60, add(ep, q[0], EPOLLIN | EPOLLET, 2) == 0);
	CHECK(60, write(p[1], "b", 1) == 1 && write(q[1], "c", 1) == 1);
	struct epoll_event *one = none - 1;
	CHECK(61, epoll_wait(ep, one, 2, 0) == 1);
	uint64_t first = one->data.u64;
	CHECK(61, epoll_wait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 3 - first);
	CHECK(61, epoll_wait(ep, ev, 4, 0) == 0);

	munmap(pg, 2 * GT_PAGE);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(ep);
	printf("epoll efault ok\n");
}

/* A handler ends an epoll_wait with EINTR, SA_RESTART or not (signal(7)). */
static void test_epoll_eintr(void)
{
	struct epoll_event ev[2];
	int p[2];
	int ep = epoll_create1(0);
	CHECK(62, ep >= 0 && pipe(p) == 0 && add(ep, p[0], EPOLLIN, 1) == 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	sa.sa_flags = SA_RESTART;
	CHECK(62, sigaction(SIGALRM, &sa, NULL) == 0);
	struct itimerval it = {{0, 0}, {0, 20000}};
	alrm = 0;
	CHECK(63, setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK_ERR(63, epoll_wait(ep, ev, 2, 10000), EINTR);
	CHECK(63, alrm == 1);
	sa.sa_flags = 0;
	CHECK(64, sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(64, setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK_ERR(64, epoll_pwait(ep, ev, 2, -1, NULL), EINTR);
	CHECK(64, alrm == 2);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(ep);
	printf("epoll eintr ok\n");
}

static void test_eventfd(void)
{
	uint64_t v;
	int fd = eventfd(0, 0);
	CHECK(65, fd >= 0 && !cloexec(fd));
	v = 3;
	CHECK(65, write(fd, &v, 8) == 8);
	v = 0;
	CHECK(66, read(fd, &v, 8) == 8 && v == 3);
	/* a read needs 8 bytes; a write of ULLONG_MAX is -EINVAL */
	CHECK_ERR(66, read(fd, &v, 4), EINVAL);
	v = UINT64_MAX;
	CHECK_ERR(66, write(fd, &v, 8), EINVAL);
	close(fd);

	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(67, fd >= 0 && cloexec(fd));
	CHECK(67, read(fd, &v, 8) == 8 && v == 1);
	CHECK(67, read(fd, &v, 8) == 8 && v == 1);
	CHECK_ERR(68, read(fd, &v, 8), EAGAIN);
	close(fd);

	fd = eventfd(0, EFD_NONBLOCK);
	CHECK_ERR(68, read(fd, &v, 8), EAGAIN);
	CHECK_ERR(69, eventfd(0, 0x10), EINVAL);
	/* the old eventfd(count) */
	int old = (int)syscall(SYS_eventfd, 7);
	CHECK(69, old >= 0 && read(old, &v, 8) == 8 && v == 7);
	close(old);

	/* epoll on an eventfd: readable while the counter is nonzero */
	struct epoll_event ev[2];
	int ep = epoll_create1(0);
	CHECK(70, ep >= 0 && add(ep, fd, EPOLLIN, 0xe) == 0);
	CHECK(70, epoll_wait(ep, ev, 2, 0) == 0);
	v = 5;
	CHECK(71, write(fd, &v, 8) == 8);
	CHECK(71, epoll_wait(ep, ev, 2, 1000) == 1 && ev[0].events == EPOLLIN && ev[0].data.u64 == 0xe);
	CHECK(71, read(fd, &v, 8) == 8 && v == 5);
	CHECK(71, epoll_wait(ep, ev, 2, 0) == 0);
	close(ep);
	close(fd);
	printf("eventfd ok\n");
}

static void test_timerfd(void)
{
	uint64_t n;
	struct itimerspec its, old;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(72, fd >= 0 && !cloexec(fd));

	/* a 20 ms one-shot: one expiration, then it is disarmed */
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 20000000;
	CHECK(72, timerfd_settime(fd, 0, &its, NULL) == 0);
	CHECK(73, timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 &&
		  old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 20000000);
	CHECK(73, read(fd, &n, 8) == 8 && n == 1);
	CHECK(74, timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 &&
		  old.it_value.tv_nsec == 0 && old.it_interval.tv_sec == 0 &&
		  old.it_interval.tv_nsec == 0);
	close(fd);

	/* TFD_NONBLOCK: nothing yet is EAGAIN; disarming returns the old value */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(75, fd >= 0 && cloexec(fd));
	its.it_value.tv_sec = 5;
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = 1;
	CHECK(75, timerfd_settime(fd, 0, &its, NULL) == 0);
	CHECK_ERR(76, read(fd, &n, 8), EAGAIN);
	memset(&its, 0, sizeof its);
	CHECK(76, timerfd_settime(fd, 0, &its, &old) == 0);
	CHECK(76, old.it_value.tv_sec <= 5 && (old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0) &&
		  old.it_interval.tv_sec == 1 && old.it_interval.tv_nsec == 0);
	CHECK(77, timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);

	/* an absolute time on CLOCK_MONOTONIC, waited for with epoll */
	struct timespec now;
	CHECK(78, clock_gettime(CLOCK_MONOTONIC, &now) == 0);
	its.it_value = now;
	its.it_value.tv_nsec += 10000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	CHECK(78, timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0);
	struct epoll_event ev[2];
	int ep = epoll_create1(0);
	CHECK(79, ep >= 0 && add(ep, fd, EPOLLIN, 0x7f) == 0);
	CHECK(79, epoll_wait(ep, ev, 2, 5000) == 1 && ev[0].data.u64 == 0x7f);
	CHECK(79, read(fd, &n, 8) == 8 && n == 1);
	close(ep);

	/* a periodic timer counts every expiration */
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 2000000;
	its.it_interval.tv_nsec = 2000000;
	CHECK(80, timerfd_settime(fd, 0, &its, NULL) == 0);
	struct timespec nap = {0, 30000000};
	nanosleep(&nap, NULL);
	CHECK(80, read(fd, &n, 8) == 8 && n >= 2);
	memset(&its, 0, sizeof its);
	CHECK(80, timerfd_settime(fd, 0, &its, NULL) == 0);

	/* errors (fs/timerfd.c) */
	CHECK_ERR(81, timerfd_create(12345, 0), EINVAL);
	CHECK_ERR(81, timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_ERR(81, timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
	its.it_value.tv_nsec = 1000000000;
	CHECK_ERR(82, timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_value.tv_nsec = -1;
	CHECK_ERR(82, timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = -1;
	CHECK_ERR(82, timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_interval.tv_sec = 0;
	CHECK_ERR(83, timerfd_settime(fd, 4, &its, NULL), EINVAL);
	int bad = closed_fd();
	CHECK_ERR(83, timerfd_settime(bad, 0, &its, NULL), EBADF);
	/* flags are checked before the fd */
	CHECK_ERR(83, timerfd_settime(bad, 4, &its, NULL), EINVAL);
	CHECK_ERR(84, timerfd_settime(fd, 0, (struct itimerspec *)8, NULL), EFAULT);
	CHECK_ERR(84, timerfd_gettime(fd, (struct itimerspec *)8), EFAULT);
	CHECK_ERR(84, timerfd_gettime(bad, &old), EBADF);
	int p[2];
	CHECK(85, pipe(p) == 0);
	CHECK_ERR(85, timerfd_gettime(p[0], &old), EINVAL);
	CHECK_ERR(85, timerfd_settime(p[0], 0, &its, NULL), EINVAL);
	close(p[0]);
	close(p[1]);
	close(fd);

	/* the other clocks; the alarm ones need CAP_WAKE_ALARM */
	int rt = timerfd_create(CLOCK_REALTIME, 0), bt = timerfd_create(CLOCK_BOOTTIME, 0);
	CHECK(86, rt >= 0 && bt >= 0);
	close(rt);
	close(bt);
	int al = timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
	CHECK(86, al >= 0 || errno == EPERM);
	if (al >= 0)
		close(al);
	printf("timerfd ok\n");
}

static void test_inotify(void)
{
	char dir[] = "/tmp/gt-epoll-XXXXXX";
	CHECK(87, mkdtemp(dir) != NULL);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(87, in >= 0 && cloexec(in));
	int wd = inotify_add_watch(in, dir, IN_CREATE);
	CHECK(88, wd >= 0);

	/* an event buffer aligned for struct inotify_event */
	static union {
		struct inotify_event e;
		char b[4096];
	} u;
	CHECK_ERR(88, read(in, u.b, sizeof u.b), EAGAIN);

	char path[128];
	snprintf(path, sizeof path, "%s/hello.txt", dir);
	int f = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(89, f >= 0 && close(f) == 0);
	ssize_t n = read(in, u.b, sizeof u.b);
	CHECK(89, n >= (ssize_t)sizeof(struct inotify_event));
	CHECK(90, u.e.wd == wd && u.e.mask == IN_CREATE && u.e.cookie == 0);
	CHECK(90, n == (ssize_t)(sizeof(struct inotify_event) + u.e.len));
	CHECK(90, strcmp(u.e.name, "hello.txt") == 0);
	printf("inotify: %s\n", u.e.name);

	/* an event read into a buffer that straddles two pages, the second
	 * one touched first (so under pagemu their frames are apart) */
	char *two = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(99, two != MAP_FAILED);
	two[8192] = 1;
	two[4096] = 1;
	two[0] = 1;
	snprintf(path, sizeof path, "%s/straddle", dir);
	f = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(99, f >= 0 && close(f) == 0);
	n = read(in, two + 4096 - 8, 4096);
	CHECK(99, n == (ssize_t)(sizeof(struct inotify_event) + 16));
	CHECK(99, strcmp(two + 4096 - 8 + sizeof(struct inotify_event), "straddle") == 0);
	CHECK(99, unlink(path) == 0 && munmap(two, 3 * 4096) == 0);
	printf("inotify: an event across two pages\n");

	/* a relative name, through epoll; the same inode gives the same wd */
	char cwd[512];
	CHECK(91, getcwd(cwd, sizeof cwd) != NULL && chdir(dir) == 0);
	CHECK(91, inotify_add_watch(in, ".", IN_DELETE) == wd);
	CHECK_ERR(91, inotify_add_watch(in, "missing", IN_DELETE), ENOENT);
	CHECK_ERR(91, inotify_add_watch(in, "hello.txt", IN_DELETE | IN_ONLYDIR), ENOTDIR);
	struct epoll_event ev[2];
	int ep = epoll_create1(0);
	CHECK(92, ep >= 0 && add(ep, in, EPOLLIN, 0x1f) == 0);
	CHECK(92, epoll_wait(ep, ev, 2, 0) == 0);
	CHECK(92, unlink("hello.txt") == 0);
	CHECK(92, epoll_wait(ep, ev, 2, 1000) == 1 && ev[0].data.u64 == 0x1f);
	n = read(in, u.b, sizeof u.b);
	CHECK(93, n > 0 && u.e.wd == wd && u.e.mask == IN_DELETE && strcmp(u.e.name, "hello.txt") == 0);
	CHECK(93, chdir(cwd) == 0);
	close(ep);

	/* rm_watch: IN_IGNORED, then the wd is gone */
	CHECK(94, inotify_rm_watch(in, wd) == 0);
	n = read(in, u.b, sizeof u.b);
	CHECK(94, n > 0 && u.e.wd == wd && (u.e.mask & IN_IGNORED));
	CHECK_ERR(94, inotify_rm_watch(in, wd), EINVAL);
	CHECK_ERR(95, inotify_rm_watch(in, 12345), EINVAL);

	/* errors: mask, fd, instance, then the name */
	int p[2];
	CHECK(96, pipe(p) == 0);
	int bad = closed_fd();
	CHECK_ERR(96, inotify_add_watch(in, dir, 0), EINVAL);
	CHECK_ERR(96, inotify_add_watch(bad, dir, IN_CREATE), EBADF);
	CHECK_ERR(96, inotify_add_watch(p[0], dir, IN_CREATE), EINVAL);
	CHECK_ERR(97, inotify_add_watch(in, (const char *)8, IN_CREATE), EFAULT);
	CHECK_ERR(97, inotify_add_watch(bad, (const char *)8, IN_CREATE), EBADF);
	CHECK_ERR(97, inotify_add_watch(p[0], (const char *)8, IN_CREATE), EINVAL);
	CHECK_ERR(97, inotify_add_watch(in, (const char *)8, 0), EINVAL);
	CHECK_ERR(98, inotify_rm_watch(bad, 1), EBADF);
	CHECK_ERR(98, inotify_rm_watch(p[0], 1), EINVAL);
	CHECK_ERR(98, inotify_init1(1), EINVAL);
	close(p[0]);
	close(p[1]);
	close(in);

	/* the old inotify_init() */
	int old = (int)syscall(SYS_inotify_init);
	CHECK(98, old >= 0 && !cloexec(old));
	close(old);
	CHECK(98, rmdir(dir) == 0);
	printf("inotify ok\n");
}

int main(void)
{
	test_epoll_pipe();
	test_epoll_modes();
	test_epoll_efault();
	test_epoll_eintr();
	test_eventfd();
	test_timerfd();
	test_inotify();
	return 0;
}
