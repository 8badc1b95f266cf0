/*
 * sys_net.c - sockets: net/socket.c, with the parts of net/core/scm.c
 * (fd passing) and lib/iov_iter.c (iovec import) it relies on.
 *
 * A guest socket is a host socket behind a guest fd: the host kernel keeps
 * the state (bindings, connections, queues, options) and does the waiting.
 * What pagemu does is
 *   - translate fds: the socket argument; the fds a message carries
 *     (SCM_RIGHTS: guest numbers become host fds on the way out, and
 *     received host fds are installed in the guest's table and their guest
 *     numbers written into the message); SO_ATTACH_BPF's program fd; the
 *     pidfds of SO_PEERPIDFD and SCM_PIDFD;
 *   - move guest memory: socket addresses, options and control data
 *     through bounded copies; message data zero-copy, as host iovecs over
 *     the guest's frames (user_iovec), as sys_fs.c does for read/write;
 *   - make the checks Linux (v6.18) makes on guest memory before a
 *     protocol sees the call, in Linux's order, so that a call with
 *     several things wrong fails with the same errno.  Where Linux looks
 *     the socket up first, an error found in guest memory is reported only
 *     once the host says the fd is a socket (sock_err).
 *
 * Where a guest buffer runs into an inaccessible page, the host gets the
 * accessible part followed by an inaccessible reservation of its own for
 * the rest (nomap_get), so that it fails, or stops short, exactly where
 * Linux's copy would for the guest: -EFAULT, a partial stream transfer, a
 * datagram consumed by a receive that could not copy it.
 *
 * Host fds are always close-on-exec, as sys_fs.c's are; the guest's
 * SOCK_CLOEXEC and MSG_CMSG_CLOEXEC are kept in its fd table.  A blocking
 * host call that a forwarded signal interrupts (sigchld.c) gives
 * -ERESTARTSYS, as net/core/sock.c: sock_intr_errno() does for a wait
 * without a timeout: -EINTR once a guest handler runs, a restart when none
 * does.
 *
 * Limits:
 *   - Options whose value carries a user-space pointer pagemu does not
 *     translate are refused with -ENOPROTOOPT (opt_denied: netfilter table
 *     replacement, TCP_ZEROCOPY_RECEIVE, ...).  SO_ATTACH_FILTER and
 *     SO_ATTACH_REUSEPORT_CBPF are translated: the program is copied.
 *   - Option values are capped at NET_OPT_MAX bytes; control data at
 *     NET_CTL_MAX (Linux's default optmem_max: more is -ENOBUFS to send,
 *     and is cut there on receive).
 *   - A message whose data needs more than NET_MAXIOV host iovecs (pieces
 *     of guest memory that are not adjacent on the host) goes through a
 *     bounce buffer of at most NET_BOUNCE_MAX bytes; a longer one is cut
 *     there, which a stream socket sees as a short transfer.
 *   - Received control data is written to the guest after the host call,
 *     all or nothing: a control buffer the guest can write only in part
 *     gets none of it (the fds are dropped, MSG_CTRUNC), where Linux writes
 *     the messages that fit before the bad page.
 *   - getsockopt's host buffer ends at an inaccessible page: an option that
 *     writes more than the length it was given (trusting a count in the
 *     guest's argument instead) fails with -EFAULT rather than writing
 *     past the guest's length as Linux would.
 *   - recvmmsg cannot leave an error met after the first datagram in the
 *     socket (sk_err) for the next call, as Linux does; the next call sees
 *     it only if the host socket still has it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "syscall.h"
#include "uaccess.h"

/* include/linux/fs.h: MAX_RW_COUNT - every transfer is capped here. */
#define MAX_RW_COUNT ((size_t)(INT_MAX & ~4095))
/* include/uapi/linux/uio.h */
#define LINUX_UIO_FASTIOV 8
#define LINUX_UIO_MAXIOV 1024
/* include/linux/net.h */
#define LINUX_SOCK_TYPE_MASK 0xf
/* include/linux/socket.h */
#define LINUX_MSG_EOR 0x80u
#define LINUX_MSG_OOB 0x1u
#define LINUX_MSG_CTRUNC 0x8u
#define LINUX_MSG_DONTWAIT 0x40u
#define LINUX_MSG_WAITFORONE 0x10000u
#define LINUX_MSG_BATCH 0x40000u
#define LINUX_MSG_CMSG_CLOEXEC 0x40000000u
#define LINUX_MSG_CMSG_COMPAT 0x80000000u
#define LINUX_SOL_IP 0
#define LINUX_SOL_TCP 6
#define LINUX_SOL_IPV6 41
#define LINUX_SOL_SCTP 132
#define LINUX_SOL_PACKET 263
#define LINUX_SOL_RDS 276
#define LINUX_SOL_XDP 283
#define LINUX_SOL_MPTCP 284
/* include/uapi/asm-generic/socket.h */
#define LINUX_SOL_SOCKET 1
#define LINUX_SO_TYPE 3
#define LINUX_SO_ATTACH_FILTER 26   /* getsockopt: SO_GET_FILTER */
#define LINUX_SO_ATTACH_BPF 50
#define LINUX_SO_ATTACH_REUSEPORT_CBPF 51
#define LINUX_SO_ATTACH_REUSEPORT_EBPF 52
#define LINUX_SO_PEERPIDFD 77
/* include/linux/socket.h */
#define LINUX_SCM_RIGHTS 0x01
#define LINUX_SCM_PIDFD 0x04
/* include/uapi/linux/bpf_common.h */
#define LINUX_BPF_MAXINSNS 4096

/* Host iovecs per host call: the host's UIO_MAXIOV.  The last one is kept
 * for the inaccessible rest of a message (net_map). */
#define NET_MAXIOV LINUX_UIO_MAXIOV
#define NET_BOUNCE_MAX ((size_t)64 << 20)
/* net/core/sock.c: sysctl_optmem_max's default (128 KiB since 6.9), the
 * most control data ____sys_sendmsg() can allocate */
#define NET_CTL_MAX ((size_t)128 << 10)
#define NET_CTL_FAST 2048            /* 253 fds (SCM_MAX_FD) and more */
#define NET_OPT_MAX ((size_t)64 << 10)
#define NET_PAGE 4096UL

/* include/uapi/linux/socket.h: the guest's struct user_msghdr and
 * struct mmsghdr; addresses are guest virtual. */
struct linux_msghdr {
    uint64_t msg_name;
    int32_t msg_namelen;
    uint32_t pad1;
    uint64_t msg_iov;
    uint64_t msg_iovlen;
    uint64_t msg_control;
    uint64_t msg_controllen;
    uint32_t msg_flags;
    uint32_t pad2;
};

struct linux_mmsghdr {
    struct linux_msghdr msg_hdr;
    uint32_t msg_len;
    uint32_t pad;
};

struct linux_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};

/* include/uapi/linux/filter.h: struct sock_fprog, the guest's and the
 * host's (8-byte struct sock_filter instructions) */
struct linux_sock_fprog {
    uint16_t len;
    uint16_t pad[3];
    uint64_t filter;
};

struct host_sock_fprog {
    unsigned short len;
    const void *filter;
};

/* include/linux/socket.h: the cmsg layout, for the 16-byte struct cmsghdr */
#define LINUX_CMSG_ALIGN(len) (((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define LINUX_CMSG_LEN(n) (sizeof(struct cmsghdr) + (n))
#define LINUX_CMSG_SPACE(n) (sizeof(struct cmsghdr) + LINUX_CMSG_ALIGN(n))

_Static_assert(sizeof(struct linux_msghdr) == 56, "struct user_msghdr");
_Static_assert(offsetof(struct linux_msghdr, msg_controllen) == 40, "struct user_msghdr");
_Static_assert(sizeof(struct linux_mmsghdr) == 64, "struct mmsghdr");
_Static_assert(offsetof(struct linux_mmsghdr, msg_len) == 56, "struct mmsghdr");
_Static_assert(sizeof(struct cmsghdr) == 16, "x86-64 struct cmsghdr");
_Static_assert(sizeof(struct sockaddr_storage) == 128, "struct sockaddr_storage");
_Static_assert(sizeof(struct host_sock_fprog) == 16, "struct sock_fprog");
_Static_assert(sizeof(struct timespec) == 16, "struct __kernel_timespec");
_Static_assert(SOL_SOCKET == LINUX_SOL_SOCKET && SCM_RIGHTS == LINUX_SCM_RIGHTS &&
               MSG_CMSG_CLOEXEC == LINUX_MSG_CMSG_CLOEXEC && MSG_CTRUNC == LINUX_MSG_CTRUNC &&
               MSG_DONTWAIT == LINUX_MSG_DONTWAIT && SO_TYPE == LINUX_SO_TYPE,
               "host socket constants");

/* Socket calls take `int fd`: the upper half of the register is ignored and
 * a negative fd is -EBADF. */
static inline long sfd(uint64_t v)
{
    return (long)(int)v;
}

/* include/asm-generic/access_ok.h: __access_ok() - the range must lie below
 * TASK_SIZE_MAX; nothing is touched. */
static inline bool access_ok(const struct pagemu *pm, uint64_t addr, uint64_t size)
{
    uint64_t limit = pm->mm.task_size;

    return size <= limit && addr <= limit - size;
}

/* A host error from a call that may have waited (see the top). */
static long net_err(int host_errno)
{
    return host_errno == EINTR ? -LINUX_ERESTARTSYS : linux_err(host_errno);
}

/* SO_TYPE, asked of the host: the socket's type, or -ENOTSOCK (-EBADF for
 * an O_PATH fd) as net/socket.c: sockfd_lookup_light() finds them. */
static int sock_type(int host)
{
    int type;
    socklen_t len = sizeof(type);

    if (getsockopt(host, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return (int)linux_err(errno);
    return type;
}

/* err, found in guest memory before the host saw the call, where Linux
 * looks the socket up first. */
static long sock_err(int host, long err)
{
    int type = sock_type(host);

    return type < 0 ? type : err;
}

/* fs/file.c: alloc_fd() - the lowest free guest fd >= from, or -EMFILE,
 * for the calls where Linux reserves the number before it makes the file
 * (accept, socketpair).  fd_install() then puts the file there. */
static long fd_next_free(const struct pagemu *pm, long from)
{
    const struct fdtable *t = &pm->fds;
    long i;

    for (i = from; i < t->max; i++)
        if (i >= t->n || t->fd[i].host < 0)
            return i;
    return -EMFILE;
}

/* ---- host memory that faults where the guest's does ------------------- */

struct nomap {
    void *base;
    size_t size;
};

static size_t page_up(size_t n)
{
    return (n + NET_PAGE - 1) & ~(NET_PAGE - 1);
}

/*
 * ok bytes of host memory directly followed by an inaccessible reservation
 * of rest bytes: returns where the ok bytes start, or NULL.  The host
 * kernel copying from or to there fails at byte ok, as Linux does at the
 * guest's first inaccessible byte.  The reservation is PROT_NONE address
 * space, never touched.
 */
static char *nomap_get(struct nomap *nm, size_t ok, size_t rest)
{
    size_t a = page_up(ok), b = page_up(rest ? rest : 1);
    char *p = mmap(NULL, a + b, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED)
        return NULL;
    if (a && mprotect(p, a, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, a + b);
        return NULL;
    }
    nm->base = p;
    nm->size = a + b;
    return p + a - ok;
}

static void nomap_put(struct nomap *nm)
{
    if (nm->base)
        munmap(nm->base, nm->size);
    nm->base = NULL;
}

/*
 * The first len bytes of the guest ranges seg[0..nseg): copied into buf
 * (to_guest 0) or out of it (to_guest 1), or with buf NULL only checked
 * (for writing if to_guest).  Returns how many bytes that was, up to the
 * first inaccessible one.
 */
static size_t seg_walk(struct pagemu *pm, const struct linux_iovec *seg, unsigned nseg,
                       char *buf, size_t len, int to_guest)
{
    size_t done = 0;
    unsigned s;

    for (s = 0; s < nseg && done < len; s++) {
        uint64_t off = 0;

        while (off < seg[s].iov_len && done < len) {
            struct iovec hv[16];
            size_t ask = seg[s].iov_len - off, cov = 0;
            int k, i;

            if (ask > len - done)
                ask = len - done;
            k = user_iovec(pm, seg[s].iov_base + off, ask, to_guest, hv, 16, &cov);
            if (k <= 0)
                return done;
            for (i = 0; buf && i < k; i++) {
                if (to_guest)
                    memcpy(hv[i].iov_base, buf + done, hv[i].iov_len);
                else
                    memcpy(buf + done, hv[i].iov_base, hv[i].iov_len);
                done += hv[i].iov_len;
            }
            if (!buf)
                done += cov;
            off += cov;
        }
    }
    return done;
}

/* ---- message data ------------------------------------------------------ */

/* A message's data as the host call sees it. */
struct net_data {
    struct iovec iov[NET_MAXIOV];
    int n;
    char *bounce;        /* the data go through here instead of iov over frames */
    size_t bounce_len;   /* its guest-accessible bytes */
    struct nomap nm;
};

static void net_unmap(struct net_data *d)
{
    free(d->bounce);
    d->bounce = NULL;
    nomap_put(&d->nm);
}

/* The inaccessible rest of a message, as a last host iovec. */
static int net_fault_iov(struct net_data *d, size_t rest)
{
    char *p = nomap_get(&d->nm, 0, rest);

    if (!p)
        return -ENOMEM;
    d->iov[d->n].iov_base = p;
    d->iov[d->n].iov_len = rest;
    d->n++;
    return 0;
}

/* More pieces than one host call takes: a bounce buffer.  A send copies
 * the bytes now; a receive checks that they are writable, to fill them
 * once the host has. */
static int net_bounce(struct pagemu *pm, struct net_data *d, const struct linux_iovec *seg,
                      unsigned nseg, size_t want, int recv)
{
    size_t len = want < NET_BOUNCE_MAX ? want : NET_BOUNCE_MAX;

    d->n = 0;
    d->bounce = malloc(len);
    if (!d->bounce)
        return -ENOMEM;
    d->bounce_len = seg_walk(pm, seg, nseg, recv ? NULL : d->bounce, len, recv);
    d->iov[0].iov_base = d->bounce;
    d->iov[0].iov_len = d->bounce_len;
    d->n = 1;
    return d->bounce_len < len ? net_fault_iov(d, want - d->bounce_len) : 0;
}

/*
 * Host iovecs for the guest ranges seg[0..nseg), want bytes in all (each
 * range already capped so that the total is at most MAX_RW_COUNT):
 * zero-copy over the guest's frames, written to if recv.  From the first
 * inaccessible byte on, the rest is an inaccessible host range.
 */
static int net_map(struct pagemu *pm, struct net_data *d, const struct linux_iovec *seg,
                   unsigned nseg, size_t want, int recv)
{
    size_t covered = 0;
    unsigned s;

    d->n = 0;
    d->bounce = NULL;
    d->bounce_len = 0;
    d->nm.base = NULL;
    for (s = 0; s < nseg; s++) {
        size_t len = seg[s].iov_len, cov = 0;
        int k = 0;

        if (len == 0)
            continue;
        if (d->n < NET_MAXIOV - 1)
            k = user_iovec(pm, seg[s].iov_base, len, recv, d->iov + d->n,
                           NET_MAXIOV - 1 - d->n, &cov);
        if (k < 0)
            break;
        d->n += k;
        covered += cov;
        if (cov < len) {
            /* user_iovec stopped at an inaccessible page or ran out of
             * iovecs: only in the second case is the next byte there. */
            struct iovec probe;
            size_t pc;

            if (d->n == NET_MAXIOV - 1 &&
                user_iovec(pm, seg[s].iov_base + cov, 1, recv, &probe, 1, &pc) == 1)
                return net_bounce(pm, d, seg, nseg, want, recv);
            break;
        }
    }
    return covered < want ? net_fault_iov(d, want - covered) : 0;
}

/* One message out: h has the name and control data. */
static long net_send(struct pagemu *pm, int host, struct msghdr *h, struct net_data *d,
                     const struct linux_iovec *seg, unsigned nseg, size_t want,
                     unsigned int flags)
{
    long r = net_map(pm, d, seg, nseg, want, 0);

    if (r == 0) {
        ssize_t n;

        h->msg_iov = d->iov;
        h->msg_iovlen = (size_t)d->n;
        n = sendmsg(host, h, (int)flags);
        r = n < 0 ? net_err(errno) : (long)n;
    }
    net_unmap(d);
    return r;
}

/* One message in.  Received fds are always close-on-exec on the host. */
static long net_recv(struct pagemu *pm, int host, struct msghdr *h, struct net_data *d,
                     const struct linux_iovec *seg, unsigned nseg, size_t want,
                     unsigned int flags)
{
    long r = net_map(pm, d, seg, nseg, want, 1);

    if (r == 0) {
        ssize_t n;

        h->msg_iov = d->iov;
        h->msg_iovlen = (size_t)d->n;
        n = recvmsg(host, h, (int)(flags | LINUX_MSG_CMSG_CLOEXEC));
        if (n < 0) {
            r = net_err(errno);
        } else {
            r = (long)n;
            if (d->bounce)
                seg_walk(pm, seg, nseg, d->bounce,
                         (size_t)n < d->bounce_len ? (size_t)n : d->bounce_len, 1);
        }
    }
    net_unmap(d);
    return r;
}

/* ---- socket addresses -------------------------------------------------- */

/* net/socket.c: move_addr_to_kernel() */
static long move_addr_to_kernel(struct pagemu *pm, uint64_t uaddr, int ulen,
                                struct sockaddr_storage *kaddr)
{
    if (ulen < 0 || (size_t)ulen > sizeof(*kaddr))
        return -EINVAL;
    if (ulen == 0)
        return 0;
    return copy_from_user(pm, kaddr, uaddr, (size_t)ulen) ? -EFAULT : 0;
}

/*
 * net/socket.c: move_addr_to_user() - the guest's *ulen is read, at most
 * that much of the address written (a negative length is -EINVAL), and the
 * address's full length written back.
 */
static long move_addr_to_user(struct pagemu *pm, const struct sockaddr_storage *kaddr,
                              int klen, uint64_t uaddr, uint64_t ulen)
{
    int len;

    if (klen < 0)
        klen = 0;
    if ((size_t)klen > sizeof(*kaddr))
        klen = sizeof(*kaddr);
    if (copy_from_user(pm, &len, ulen, sizeof(len)))
        return -EFAULT;
    if (len > klen)
        len = klen;
    if (len < 0)
        return -EINVAL;
    if (len && copy_to_user(pm, uaddr, kaddr, (size_t)len))
        return -EFAULT;
    return copy_to_user(pm, ulen, &klen, sizeof(klen)) ? -EFAULT : 0;
}

/* ---- socket, socketpair, bind, listen, connect, accept ----------------- */

/* net/socket.c: __sys_socket() - the host checks family, type and flags. */
long sys_socket(struct pagemu *pm, const uint64_t *a)
{
    int type = (int)a[1];
    int host = socket((int)a[0], type | SOCK_CLOEXEC, (int)a[2]);

    if (host < 0)
        return linux_err(errno);
    return fd_install(pm, host, (type & SOCK_CLOEXEC) != 0, 0);
}

/*
 * net/socket.c: __sys_socketpair() - the flags (-EINVAL), two fds reserved
 * (-EMFILE) and their numbers written to the guest (-EFAULT), and only then
 * the sockets made: the host's errors (-EAFNOSUPPORT, -EOPNOTSUPP) come
 * after those, with the numbers already written.
 */
long sys_socketpair(struct pagemu *pm, const uint64_t *a)
{
    int type = (int)a[1];
    int flags = type & ~LINUX_SOCK_TYPE_MASK;
    int cloexec = (flags & SOCK_CLOEXEC) != 0;
    int gfd[2], hs[2];
    long fd1, fd2;

    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    fd1 = fd_next_free(pm, 0);
    if (fd1 < 0)
        return fd1;
    fd2 = fd_next_free(pm, fd1 + 1);
    if (fd2 < 0)
        return fd2;
    gfd[0] = (int)fd1;
    gfd[1] = (int)fd2;
    if (copy_to_user(pm, a[3], gfd, sizeof(gfd)))
        return -EFAULT;
    if (socketpair((int)a[0], type | SOCK_CLOEXEC, (int)a[2], hs) < 0)
        return linux_err(errno);
    fd1 = fd_install(pm, hs[0], cloexec, 0);
    if (fd1 < 0) {
        close(hs[1]);
        return fd1;
    }
    fd2 = fd_install(pm, hs[1], cloexec, 0);
    if (fd2 < 0) {
        fd_close(pm, fd1);
        return fd2;
    }
    return 0;
}

/* net/socket.c: __sys_bind() - the socket, then move_addr_to_kernel(). */
long sys_bind(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));
    int len = (int)a[2];
    struct sockaddr_storage addr;
    long err;

    if (host < 0)
        return host;
    err = move_addr_to_kernel(pm, a[1], len, &addr);
    if (err)
        return sock_err(host, err);
    return bind(host, (struct sockaddr *)&addr, (socklen_t)len) < 0 ? linux_err(errno) : 0;
}

/* net/socket.c: __sys_listen() - the host caps the backlog at somaxconn. */
long sys_listen(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));

    if (host < 0)
        return host;
    return listen(host, (int)a[1]) < 0 ? linux_err(errno) : 0;
}

/* net/socket.c: __sys_connect() - move_addr_to_kernel() before the fd is
 * known to be a socket. */
long sys_connect(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));
    int len = (int)a[2];
    struct sockaddr_storage addr;
    long err;

    if (host < 0)
        return host;
    err = move_addr_to_kernel(pm, a[1], len, &addr);
    if (err)
        return err;
    return connect(host, (struct sockaddr *)&addr, (socklen_t)len) < 0 ? net_err(errno) : 0;
}

/*
 * net/socket.c: __sys_accept4() / __sys_accept4_file() / do_accept() - the
 * fd, the flags (-EINVAL), a guest fd reserved (-EMFILE), the accept; then
 * the peer's address (move_addr_to_user), whose failure closes the new
 * connection.
 */
static long do_accept4(struct pagemu *pm, const uint64_t *a, unsigned int flags)
{
    int host = fd_host(pm, sfd(a[0]));
    uint64_t uaddr = a[1];
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);
    long err;
    int nh;

    if (host < 0)
        return host;
    if (flags & ~(unsigned int)(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    err = fd_next_free(pm, 0);
    if (err < 0)
        return err;
    nh = accept4(host, uaddr ? (struct sockaddr *)&addr : NULL, uaddr ? &len : NULL,
                 (int)(flags & SOCK_NONBLOCK) | SOCK_CLOEXEC);
    if (nh < 0)
        return net_err(errno);
    if (uaddr) {
        err = move_addr_to_user(pm, &addr, (int)len, uaddr, a[2]);
        if (err) {
            close(nh);
            return err;
        }
    }
    return fd_install(pm, nh, (flags & SOCK_CLOEXEC) != 0, 0);
}

long sys_accept(struct pagemu *pm, const uint64_t *a)
{
    return do_accept4(pm, a, 0);
}

long sys_accept4(struct pagemu *pm, const uint64_t *a)
{
    return do_accept4(pm, a, (unsigned int)a[3]);
}

/* net/socket.c: __sys_getsockname() / __sys_getpeername() - the name from
 * the protocol, then move_addr_to_user(). */
static long do_getname(struct pagemu *pm, const uint64_t *a, bool peer)
{
    int host = fd_host(pm, sfd(a[0]));
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);
    int r;

    if (host < 0)
        return host;
    memset(&addr, 0, sizeof(addr));
    r = peer ? getpeername(host, (struct sockaddr *)&addr, &len)
             : getsockname(host, (struct sockaddr *)&addr, &len);
    if (r < 0)
        return linux_err(errno);
    return move_addr_to_user(pm, &addr, (int)len, a[1], a[2]);
}

long sys_getsockname(struct pagemu *pm, const uint64_t *a)
{
    return do_getname(pm, a, false);
}

long sys_getpeername(struct pagemu *pm, const uint64_t *a)
{
    return do_getname(pm, a, true);
}

/* net/socket.c: __sys_shutdown() */
long sys_shutdown(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));

    if (host < 0)
        return host;
    return shutdown(host, (int)a[1]) < 0 ? linux_err(errno) : 0;
}

/* ---- sendto, recvfrom -------------------------------------------------- */

/*
 * net/socket.c: __sys_sendto() - import_ubuf() first (the buffer, capped
 * at MAX_RW_COUNT, must pass access_ok), then the socket, then
 * move_addr_to_kernel() for a given address.
 */
long sys_sendto(struct pagemu *pm, const uint64_t *a)
{
    struct linux_iovec seg = { a[1], a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2] };
    struct sockaddr_storage addr;
    struct msghdr h;
    struct net_data d;
    int host;
    long err;

    if (!access_ok(pm, seg.iov_base, seg.iov_len))
        return -EFAULT;
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    memset(&h, 0, sizeof(h));
    if (a[4]) {
        err = move_addr_to_kernel(pm, a[4], (int)a[5], &addr);
        if (err)
            return sock_err(host, err);
        h.msg_name = &addr;
        h.msg_namelen = (socklen_t)(int)a[5];
    }
    return net_send(pm, host, &h, &d, &seg, 1, seg.iov_len, (unsigned int)a[3]);
}

/*
 * net/socket.c: __sys_recvfrom() - import_ubuf(), the socket, the receive;
 * a wanted address is written with move_addr_to_user() after it, whose
 * failure is the call's.
 */
long sys_recvfrom(struct pagemu *pm, const uint64_t *a)
{
    struct linux_iovec seg = { a[1], a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2] };
    struct sockaddr_storage addr;
    struct msghdr h;
    struct net_data d;
    int host;
    long r, err;

    if (!access_ok(pm, seg.iov_base, seg.iov_len))
        return -EFAULT;
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    memset(&h, 0, sizeof(h));
    if (a[4]) {
        h.msg_name = &addr;
        h.msg_namelen = sizeof(addr);
    }
    r = net_recv(pm, host, &h, &d, &seg, 1, seg.iov_len, (unsigned int)a[3]);
    if (r >= 0 && a[4]) {
        err = move_addr_to_user(pm, &addr, (int)h.msg_namelen, a[4], a[5]);
        if (err)
            r = err;
    }
    return r;
}

/* ---- control messages -------------------------------------------------- */

static bool cmsg_has_fds(const struct cmsghdr *ch, bool pidfd)
{
    return ch->cmsg_level == SOL_SOCKET &&
           (ch->cmsg_type == LINUX_SCM_RIGHTS || (pidfd && ch->cmsg_type == LINUX_SCM_PIDFD));
}

/*
 * Guest fds in the SCM_RIGHTS messages of control data to be sent become
 * host fds (-1 for a bad one: the host says -EBADF).  The walk is
 * include/linux/socket.h: for_each_cmsghdr() with net/core/scm.c:
 * __scm_send()'s CMSG_OK check; the host stops at the same malformed
 * header (-EINVAL).
 */
static void scm_to_host(struct pagemu *pm, unsigned char *ctl, size_t len)
{
    size_t pos = 0;

    while (len - pos >= sizeof(struct cmsghdr)) {
        struct cmsghdr ch;
        size_t i, n, step;

        memcpy(&ch, ctl + pos, sizeof(ch));
        if (ch.cmsg_len < sizeof(ch) || ch.cmsg_len > len - pos)
            return;
        if (cmsg_has_fds(&ch, false)) {
            n = (ch.cmsg_len - sizeof(ch)) / sizeof(int);
            for (i = 0; i < n; i++) {
                unsigned char *p = ctl + pos + sizeof(ch) + i * sizeof(int);
                int fd, host;

                memcpy(&fd, p, sizeof(fd));
                host = fd_host(pm, fd);
                if (host < 0)
                    host = -1;
                memcpy(p, &host, sizeof(host));
            }
        }
        step = LINUX_CMSG_ALIGN(ch.cmsg_len);
        if (step > len - pos)
            return;
        pos += step;
    }
}

/*
 * Received control data (len bytes as the host wrote them) for the guest:
 * the host fds of SCM_RIGHTS and SCM_PIDFD are installed in the guest's
 * table (SCM_RIGHTS ones close-on-exec with MSG_CMSG_CLOEXEC) and replaced
 * by their guest numbers.  As net/core/scm.c: scm_detach_fds() does, the
 * fds from the first one that does not fit in the table on are dropped and
 * MSG_CTRUNC set; a message left with none is dropped whole.  Returns the
 * guest's control length.
 */
static size_t scm_to_guest(struct pagemu *pm, unsigned char *ctl, size_t len, int cloexec,
                           uint32_t *mflags)
{
    size_t in = 0, out = 0;

    while (len - in >= sizeof(struct cmsghdr)) {
        struct cmsghdr ch;
        size_t step, n, k, j;

        memcpy(&ch, ctl + in, sizeof(ch));
        if (ch.cmsg_len < sizeof(ch) || ch.cmsg_len > len - in)
            break;
        step = LINUX_CMSG_ALIGN(ch.cmsg_len);
        if (step > len - in)
            step = len - in;
        if (cmsg_has_fds(&ch, true)) {
            unsigned char *p = ctl + in + sizeof(ch);
            /* include/net/scm.h: scm_pidfd_recv() - a pidfd is always
             * close-on-exec */
            int ce = ch.cmsg_type == LINUX_SCM_PIDFD ? 1 : cloexec;

            n = (ch.cmsg_len - sizeof(ch)) / sizeof(int);
            for (k = 0; k < n; k++) {
                int host, gfd;
                long r;

                memcpy(&host, p + k * sizeof(int), sizeof(host));
                r = fd_install(pm, host, ce, 0);
                if (r < 0)
                    break;
                gfd = (int)r;
                memcpy(p + k * sizeof(int), &gfd, sizeof(gfd));
            }
            if (k < n) {
                for (j = k + 1; j < n; j++) {
                    int host;

                    memcpy(&host, p + j * sizeof(int), sizeof(host));
                    close(host);
                }
                *mflags |= LINUX_MSG_CTRUNC;
                if (k == 0) {
                    in += step;
                    continue;
                }
                ch.cmsg_len = LINUX_CMSG_LEN(k * sizeof(int));
                memcpy(ctl + in, &ch, sizeof(ch));
                step = LINUX_CMSG_SPACE(k * sizeof(int));
                if (step > len - in)
                    step = len - in;
            }
        }
        memmove(ctl + out, ctl + in, step);
        out += step;
        in += step;
    }
    if (in < len) {
        memmove(ctl + out, ctl + in, len - in);
        out += len - in;
    }
    return out;
}

/* Close the guest fds scm_to_guest() installed. */
static void scm_close_guest(struct pagemu *pm, const unsigned char *ctl, size_t len)
{
    size_t pos = 0;

    while (len - pos >= sizeof(struct cmsghdr)) {
        struct cmsghdr ch;
        size_t i, n;

        memcpy(&ch, ctl + pos, sizeof(ch));
        if (ch.cmsg_len < sizeof(ch) || ch.cmsg_len > len - pos)
            return;
        if (cmsg_has_fds(&ch, true)) {
            n = (ch.cmsg_len - sizeof(ch)) / sizeof(int);
            for (i = 0; i < n; i++) {
                int gfd;

                memcpy(&gfd, ctl + pos + sizeof(ch) + i * sizeof(int), sizeof(gfd));
                fd_close(pm, gfd);
            }
        }
        if (LINUX_CMSG_ALIGN(ch.cmsg_len) > len - pos)
            return;
        pos += LINUX_CMSG_ALIGN(ch.cmsg_len);
    }
}

/* ---- sendmsg, recvmsg -------------------------------------------------- */

/* A guest msghdr and what the host call is made of. */
struct net_msg {
    struct linux_msghdr u;
    struct msghdr h;
    struct sockaddr_storage name;
    struct linux_iovec fast[LINUX_UIO_FASTIOV];
    struct linux_iovec *seg;
    unsigned nseg;
    size_t want;
    union {
        struct cmsghdr align;
        unsigned char b[NET_CTL_FAST];
    } ctl_fast;
    unsigned char *ctl;
    struct net_data d;
};

static void msg_free(struct net_msg *m)
{
    if (m->seg != m->fast)
        free(m->seg);
    m->seg = m->fast;
    if (m->ctl != m->ctl_fast.b)
        free(m->ctl);
    m->ctl = NULL;
}

/*
 * lib/iov_iter.c: __import_iovec() - copy_iovec_from_user() rejects a
 * negative length (-EINVAL) before any address is looked at; every segment
 * must pass access_ok (-EFAULT, on its length capped at MAX_RW_COUNT when
 * it is the only one: import_ubuf()); the total is capped at MAX_RW_COUNT
 * by shortening segments.  nr is at most UIO_MAXIOV.
 */
static long import_iovec(struct pagemu *pm, struct net_msg *m, uint64_t uvec, unsigned nr)
{
    size_t total = 0;
    unsigned i;

    if (nr > LINUX_UIO_FASTIOV) {
        m->seg = malloc(nr * sizeof(*m->seg));
        if (!m->seg) {
            m->seg = m->fast;
            return -ENOMEM;
        }
    }
    if (copy_from_user(pm, m->seg, uvec, nr * sizeof(*m->seg)))
        return -EFAULT;
    for (i = 0; i < nr; i++)
        if ((int64_t)m->seg[i].iov_len < 0)
            return -EINVAL;
    for (i = 0; i < nr; i++) {
        uint64_t len = m->seg[i].iov_len;

        if (nr == 1 && len > MAX_RW_COUNT)
            len = MAX_RW_COUNT;
        if (!access_ok(pm, m->seg[i].iov_base, len))
            return -EFAULT;
        if (m->seg[i].iov_len > MAX_RW_COUNT - total)
            m->seg[i].iov_len = MAX_RW_COUNT - total;
        total += m->seg[i].iov_len;
    }
    m->nseg = nr;
    m->want = total;
    return 0;
}

/*
 * net/socket.c: copy_msghdr_from_user() / __copy_msghdr() - the header
 * (-EFAULT); msg_namelen, 0 without a name, negative is -EINVAL and it is
 * capped at sizeof(struct sockaddr_storage); for a send the name itself
 * (move_addr_to_kernel); more than UIO_MAXIOV iovecs is -EMSGSIZE; then
 * the iovecs.
 */
static long msg_import(struct pagemu *pm, struct net_msg *m, uint64_t umsg, int recv)
{
    int namelen;
    long err;

    m->seg = m->fast;
    m->nseg = 0;
    m->want = 0;
    m->ctl = NULL;
    memset(&m->h, 0, sizeof(m->h));
    if (copy_from_user(pm, &m->u, umsg, sizeof(m->u)))
        return -EFAULT;
    namelen = m->u.msg_name ? m->u.msg_namelen : 0;
    if (namelen < 0)
        return -EINVAL;
    if ((size_t)namelen > sizeof(m->name))
        namelen = sizeof(m->name);
    if (recv) {
        if (m->u.msg_name) {
            m->h.msg_name = &m->name;
            m->h.msg_namelen = sizeof(m->name);
        }
    } else if (namelen) {
        err = move_addr_to_kernel(pm, m->u.msg_name, namelen, &m->name);
        if (err)
            return err;
        m->h.msg_name = &m->name;
        m->h.msg_namelen = (socklen_t)namelen;
    }
    if (m->u.msg_iovlen > LINUX_UIO_MAXIOV)
        return -EMSGSIZE;
    return import_iovec(pm, m, m->u.msg_iov, (unsigned)m->u.msg_iovlen);
}

/*
 * net/socket.c: ____sys_sendmsg() - msg_controllen above INT_MAX is
 * -ENOBUFS, as is more than sock_kmalloc() allows (optmem_max); the
 * control data is copied in (-EFAULT) and its fds translated.
 */
static long msg_control_send(struct pagemu *pm, struct net_msg *m)
{
    uint64_t len = m->u.msg_controllen;

    if (len > INT_MAX || len > NET_CTL_MAX)
        return -ENOBUFS;
    if (len == 0)
        return 0;
    m->ctl = len <= sizeof(m->ctl_fast.b) ? m->ctl_fast.b : malloc(len);
    if (!m->ctl)
        return -ENOBUFS;
    if (copy_from_user(pm, m->ctl, m->u.msg_control, len))
        return -EFAULT;
    scm_to_host(pm, m->ctl, len);
    m->h.msg_control = m->ctl;
    m->h.msg_controllen = len;
    return 0;
}

/* A host buffer for received control data, as long as the guest's (up to
 * NET_CTL_MAX).  Without a guest buffer the host gets none either, and
 * says MSG_CTRUNC where Linux would. */
static long msg_control_recv(struct net_msg *m)
{
    size_t len = m->u.msg_controllen < NET_CTL_MAX ? m->u.msg_controllen : NET_CTL_MAX;

    if (!m->u.msg_control)
        return 0;
    m->ctl = len <= sizeof(m->ctl_fast.b) ? m->ctl_fast.b : malloc(len);
    if (!m->ctl)
        return -ENOMEM;
    m->h.msg_control = m->ctl;
    m->h.msg_controllen = len;
    return 0;
}

/*
 * net/socket.c: ___sys_sendmsg() for the guest msghdr at umsg; the flags
 * in allowed are taken from its msg_flags (sendmmsg: MSG_EOR).  *want is
 * the message's length.
 */
static long sendmsg_one(struct pagemu *pm, int host, uint64_t umsg, unsigned int flags,
                        unsigned int allowed, struct net_msg *m, size_t *want)
{
    long r = msg_import(pm, m, umsg, 0);

    if (r == 0)
        r = msg_control_send(pm, m);
    if (r < 0) {
        r = sock_err(host, r);
    } else {
        *want = m->want;
        r = net_send(pm, host, &m->h, &m->d, m->seg, m->nseg, m->want,
                     flags | (m->u.msg_flags & allowed));
    }
    msg_free(m);
    return r;
}

/*
 * net/socket.c: ___sys_recvmsg() / ____sys_recvmsg() for the guest msghdr
 * at umsg: the data and control messages arrive, then the name is written
 * (move_addr_to_user into msg_name / msg_namelen), then msg_flags, then
 * msg_controllen (the control bytes written).  *mflags_out gets the
 * message's flags.
 */
static long recvmsg_one(struct pagemu *pm, int host, uint64_t umsg, unsigned int flags,
                        struct net_msg *m, uint32_t *mflags_out)
{
    long r = msg_import(pm, m, umsg, 1), len;
    uint64_t clen = 0;
    uint32_t mflags;

    if (r == 0)
        r = msg_control_recv(m);
    if (r < 0) {
        r = sock_err(host, r);
        goto out;
    }
    r = net_recv(pm, host, &m->h, &m->d, m->seg, m->nseg, m->want, flags);
    if (r < 0)
        goto out;
    len = r;
    /* The host was always asked for MSG_CMSG_CLOEXEC; the guest's flags
     * show it only if it asked. */
    mflags = ((uint32_t)m->h.msg_flags & ~(LINUX_MSG_CMSG_CLOEXEC | LINUX_MSG_CMSG_COMPAT)) |
             (flags & LINUX_MSG_CMSG_CLOEXEC);
    if (m->ctl) {
        clen = scm_to_guest(pm, m->ctl, m->h.msg_controllen,
                            (flags & LINUX_MSG_CMSG_CLOEXEC) != 0, &mflags);
        if (clen && copy_to_user(pm, m->u.msg_control, m->ctl, clen)) {
            /* net/core/scm.c: an fd whose number cannot be written is not
             * installed */
            scm_close_guest(pm, m->ctl, clen);
            clen = 0;
            mflags |= LINUX_MSG_CTRUNC;
        }
    }
    if (m->u.msg_name) {
        r = move_addr_to_user(pm, &m->name, (int)m->h.msg_namelen, m->u.msg_name,
                              umsg + offsetof(struct linux_msghdr, msg_namelen));
        if (r < 0)
            goto out;
    }
    if (copy_to_user(pm, umsg + offsetof(struct linux_msghdr, msg_flags), &mflags,
                     sizeof(mflags)) ||
        copy_to_user(pm, umsg + offsetof(struct linux_msghdr, msg_controllen), &clen,
                     sizeof(clen))) {
        r = -EFAULT;
        goto out;
    }
    *mflags_out = mflags;
    r = len;
out:
    msg_free(m);
    return r;
}

/* net/socket.c: __sys_sendmsg() - MSG_CMSG_COMPAT is -EINVAL from a 64-bit
 * caller, before the fd is looked at. */
long sys_sendmsg(struct pagemu *pm, const uint64_t *a)
{
    unsigned int flags = (unsigned int)a[2];
    struct net_msg m;
    size_t want;
    int host;

    if (flags & LINUX_MSG_CMSG_COMPAT)
        return -EINVAL;
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    return sendmsg_one(pm, host, a[1], flags, 0, &m, &want);
}

/* net/socket.c: __sys_recvmsg() */
long sys_recvmsg(struct pagemu *pm, const uint64_t *a)
{
    unsigned int flags = (unsigned int)a[2];
    struct net_msg m;
    uint32_t mflags;
    int host;

    if (flags & LINUX_MSG_CMSG_COMPAT)
        return -EINVAL;
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    return recvmsg_one(pm, host, a[1], flags, &m, &mflags);
}

/*
 * net/socket.c: __sys_sendmmsg() - at most UIO_MAXIOV messages; all but
 * the last are sent with MSG_BATCH; each one's length goes to its msg_len;
 * a message sent only in part ends the call.  An error is returned only if
 * no message was sent.
 */
long sys_sendmmsg(struct pagemu *pm, const uint64_t *a)
{
    unsigned int vlen = (unsigned int)a[2], oflags = (unsigned int)a[3];
    unsigned int flags = oflags | LINUX_MSG_BATCH;
    unsigned int datagrams = 0;
    struct net_msg m;
    long err = 0;
    int host, type;

    if (oflags & LINUX_MSG_CMSG_COMPAT)
        return -EINVAL;
    if (vlen > LINUX_UIO_MAXIOV)
        vlen = LINUX_UIO_MAXIOV;
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    type = sock_type(host);
    if (type < 0)
        return type;
    while (datagrams < vlen) {
        uint64_t entry = a[1] + (uint64_t)datagrams * sizeof(struct linux_mmsghdr);
        size_t want = 0;
        uint32_t len;
        long r;

        if (datagrams == vlen - 1)
            flags = oflags;
        r = sendmsg_one(pm, host, entry, flags, LINUX_MSG_EOR, &m, &want);
        if (r < 0) {
            err = r;
            break;
        }
        len = (uint32_t)r;
        if (copy_to_user(pm, entry + offsetof(struct linux_mmsghdr, msg_len), &len, sizeof(len))) {
            err = -EFAULT;
            break;
        }
        datagrams++;
        if ((size_t)r < want)
            break;
    }
    return datagrams ? (long)datagrams : err;
}

/*
 * net/socket.c: __sys_recvmmsg() / do_recvmmsg() - the timeout is read
 * (-EFAULT) and checked (-EINVAL) first; a pending socket error is the
 * result before anything is received (sock_error(), here SO_ERROR, which
 * clears it alike).  Each message's length goes to its msg_len;
 * MSG_WAITFORONE makes the ones after the first MSG_DONTWAIT.  The timeout
 * is only looked at between messages, and what is left of it written back.
 */
long sys_recvmmsg(struct pagemu *pm, const uint64_t *a)
{
    unsigned int vlen = (unsigned int)a[2], flags = (unsigned int)a[3];
    unsigned int datagrams = 0;
    struct timespec to, end, now;
    struct net_msg m;
    long err = 0;
    int host, soerr;
    socklen_t sl = sizeof(soerr);

    if (flags & LINUX_MSG_CMSG_COMPAT)
        return -EINVAL;
    if (a[4]) {
        if (copy_from_user(pm, &to, a[4], sizeof(to)))
            return -EFAULT;
        /* fs/select.c: poll_select_set_timeout() */
        if (to.tv_sec < 0 || to.tv_nsec < 0 || to.tv_nsec >= 1000000000)
            return -EINVAL;
        end.tv_sec = 0;
        end.tv_nsec = 0;
        if (to.tv_sec || to.tv_nsec) {
            clock_gettime(CLOCK_MONOTONIC, &end);
            end.tv_sec += to.tv_sec;
            end.tv_nsec += to.tv_nsec;
            if (end.tv_nsec >= 1000000000) {
                end.tv_sec++;
                end.tv_nsec -= 1000000000;
            }
        }
    }
    host = fd_host(pm, sfd(a[0]));
    if (host < 0)
        return host;
    if (flags & MSG_ERRQUEUE) {
        soerr = sock_type(host);
        if (soerr < 0)
            return soerr;
    } else {
        if (getsockopt(host, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            return linux_err(errno);
        if (soerr)
            return -(long)soerr;
    }
    while (datagrams < vlen) {
        uint64_t entry = a[1] + (uint64_t)datagrams * sizeof(struct linux_mmsghdr);
        uint32_t mflags = 0, len;
        long r = recvmsg_one(pm, host, entry, flags & ~LINUX_MSG_WAITFORONE, &m, &mflags);

        if (r < 0) {
            err = r;
            break;
        }
        len = (uint32_t)r;
        if (copy_to_user(pm, entry + offsetof(struct linux_mmsghdr, msg_len), &len, sizeof(len))) {
            err = -EFAULT;
            break;
        }
        datagrams++;
        if (flags & LINUX_MSG_WAITFORONE)
            flags |= LINUX_MSG_DONTWAIT;
        if (a[4]) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            to.tv_sec = end.tv_sec - now.tv_sec;
            to.tv_nsec = end.tv_nsec - now.tv_nsec;
            if (to.tv_nsec < 0) {
                to.tv_sec--;
                to.tv_nsec += 1000000000;
            }
            if (to.tv_sec < 0) {
                to.tv_sec = 0;
                to.tv_nsec = 0;
                break;
            }
            if (to.tv_sec == 0 && to.tv_nsec == 0)
                break;
        }
        if (mflags & LINUX_MSG_OOB)
            break;
    }
    if (datagrams == 0)
        return err;
    if (a[4] && copy_to_user(pm, a[4], &to, sizeof(to)))
        return -EFAULT;
    return datagrams;
}

/* ---- setsockopt, getsockopt -------------------------------------------- */

/*
 * Options whose value holds a user-space address (or, inside a struct, an
 * fd) that pagemu does not translate: the host would take it for one of
 * its own.  -ENOPROTOOPT, as for an option the protocol does not have.
 *   SOL_IP/SOL_IPV6: IPT/IP6T/ARPT_SO_SET_REPLACE (a counters pointer),
 *     EBT_SO_SET_ENTRIES/COUNTERS and EBT_SO_GET_ENTRIES/INIT_ENTRIES
 *     (entries and counters pointers): include/uapi/linux/netfilter*
 *   SOL_TCP TCP_ZEROCOPY_RECEIVE (a mapping address, msg_control)
 *   SOL_PACKET PACKET_FANOUT_DATA (a sock_fprog, or a bpf fd)
 *   SOL_XDP XDP_UMEM_REG (the umem's address)
 *   SOL_MPTCP MPTCP_FULL_INFO (two array pointers)
 *   SOL_SCTP SCTP_SOCKOPT_CONNECTX3 (an address array pointer)
 *   SOL_RDS: all (several carry addresses)
 */
static bool opt_denied(int level, int name, bool set)
{
    switch (level) {
    case LINUX_SOL_IP:
        return set ? name == 64 || name == 96 || name == 128 || name == 129
                   : name == 129 || name == 131;
    case LINUX_SOL_IPV6:
        return set && name == 64;
    case LINUX_SOL_TCP:
        return !set && name == 35;
    case LINUX_SOL_PACKET:
        return set && name == 22;
    case LINUX_SOL_XDP:
        return set && name == 4;
    case LINUX_SOL_MPTCP:
        return !set && name == 4;
    case LINUX_SOL_SCTP:
        return !set && name == 111;
    case LINUX_SOL_RDS:
        return true;
    default:
        return false;
    }
}

/*
 * SO_ATTACH_FILTER / SO_ATTACH_REUSEPORT_CBPF: net/core/sock.c:
 * copy_bpf_fprog_from_user() wants exactly a struct sock_fprog (-EINVAL,
 * -EFAULT), and net/core/filter.c: __get_filter() then copies the program
 * its pointer gives.  The program is copied here and the host gets a
 * sock_fprog pointing to the copy; one without instructions, or with more
 * than BPF_MAXINSNS, gets no pointer and the host's -EINVAL.
 */
static long set_fprog(struct pagemu *pm, int host, int name, uint64_t uopt, int optlen)
{
    struct linux_sock_fprog gf;
    struct host_sock_fprog hf;
    void *prog = NULL;
    long r;

    if (optlen != (int)sizeof(gf))
        return sock_err(host, -EINVAL);
    if (copy_from_user(pm, &gf, uopt, sizeof(gf)))
        return sock_err(host, -EFAULT);
    hf.len = gf.len;
    hf.filter = NULL;
    if (gf.filter && gf.len && gf.len <= LINUX_BPF_MAXINSNS) {
        prog = malloc((size_t)gf.len * 8);
        if (!prog)
            return -ENOMEM;
        if (copy_from_user(pm, prog, gf.filter, (size_t)gf.len * 8)) {
            free(prog);
            return sock_err(host, -EFAULT);
        }
        hf.filter = prog;
    }
    r = setsockopt(host, SOL_SOCKET, name, &hf, sizeof(hf)) < 0 ? linux_err(errno) : 0;
    free(prog);
    return r;
}

/*
 * net/socket.c: __sys_setsockopt() / do_sock_setsockopt() - the socket,
 * then a negative optlen is -EINVAL; the option reads what it needs of the
 * value.  The host gets the value (up to NET_OPT_MAX bytes) in a copy that
 * ends where the guest's readable bytes do, at an inaccessible page: it
 * faults where Linux would, and can never read past the value.
 * SO_ATTACH_BPF's value is a bpf program's fd: translated.
 */
long sys_setsockopt(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));
    int level = (int)a[1], name = (int)a[2], optlen = (int)a[4];
    struct linux_iovec seg = { a[3], 0 };
    struct nomap nm = { NULL, 0 };
    size_t ok;
    char *val;
    long r;

    if (host < 0)
        return host;
    if (optlen < 0)
        return sock_err(host, -EINVAL);
    if (opt_denied(level, name, true))
        return sock_err(host, -ENOPROTOOPT);
    if (level == SOL_SOCKET &&
        (name == LINUX_SO_ATTACH_FILTER || name == LINUX_SO_ATTACH_REUSEPORT_CBPF))
        return set_fprog(pm, host, name, seg.iov_base, optlen);
    seg.iov_len = (size_t)optlen < NET_OPT_MAX ? (size_t)optlen : NET_OPT_MAX;
    ok = seg_walk(pm, &seg, 1, NULL, seg.iov_len, 0);
    val = nomap_get(&nm, ok, seg.iov_len - ok);
    if (!val)
        return -ENOMEM;
    seg_walk(pm, &seg, 1, val, ok, 0);
    if (level == SOL_SOCKET && ok >= sizeof(int) &&
        (name == LINUX_SO_ATTACH_BPF || name == LINUX_SO_ATTACH_REUSEPORT_EBPF)) {
        int fd, h;

        memcpy(&fd, val, sizeof(fd));
        h = fd_host(pm, fd);
        if (h < 0)
            h = -1;
        memcpy(val, &h, sizeof(h));
    }
    r = setsockopt(host, level, name, val, (socklen_t)seg.iov_len) < 0 ? linux_err(errno) : 0;
    nomap_put(&nm);
    return r;
}

/*
 * net/socket.c: do_sock_getsockopt() - the option reads *optlen (-EFAULT)
 * itself, after its own checks: when the guest's cannot be read, the host
 * reads an inaccessible one and fails where Linux would.  The host gets a
 * buffer of the guest's length (up to NET_OPT_MAX) holding the guest's
 * bytes, as some options read an argument there (IP_MSFILTER,
 * PACKET_HDRLEN); it ends at an inaccessible page, so an option that
 * trusts a count in that argument more than the length (ip_mc_msfget())
 * faults instead of writing past it.  What the option wrote is copied
 * back, then the length.  SO_GET_FILTER counts its length in 8-byte
 * instructions (net/core/filter.c: sk_get_filter()); SO_PEERPIDFD's value
 * is a new pidfd (always close-on-exec), installed in the guest's table.
 */
long sys_getsockopt(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, sfd(a[0]));
    int level = (int)a[1], name = (int)a[2];
    uint64_t uopt = a[3], ulen = a[4];
    bool filter = level == SOL_SOCKET && name == LINUX_SO_ATTACH_FILTER;
    size_t unit = filter ? 8 : 1, size, nbytes;
    struct nomap nm = { NULL, 0 };
    socklen_t hlen, asked;
    long pidfd = -1, r;
    char *buf;
    int len;

    if (host < 0)
        return host;
    if (opt_denied(level, name, false))
        return sock_err(host, -ENOPROTOOPT);
    if (copy_from_user(pm, &len, ulen, sizeof(len))) {
        char *bad = nomap_get(&nm, 0, NET_PAGE);

        if (!bad)
            return -ENOMEM;
        r = getsockopt(host, level, name, bad + sizeof(int), (socklen_t *)(void *)bad) < 0
                ? linux_err(errno) : -EFAULT;
        nomap_put(&nm);
        return r;
    }
    if (len < 0) {
        /* the option says -EINVAL, or takes it as unsigned and writes
         * what it has */
        hlen = (socklen_t)len;
        size = NET_OPT_MAX;
    } else {
        size_t cap = filter ? LINUX_BPF_MAXINSNS : NET_OPT_MAX;

        hlen = (socklen_t)((size_t)len < cap ? (size_t)len : cap);
        size = hlen * unit;
    }
    buf = nomap_get(&nm, size, 0);
    if (!buf)
        return -ENOMEM;
    if (len > 0) {
        struct linux_iovec seg = { uopt, size };

        seg_walk(pm, &seg, 1, buf, size, 0);
    }
    asked = hlen;
    if (getsockopt(host, level, name, buf, &hlen) < 0) {
        int e = errno;

        /* a length the option wrote back with its error (SO_PEERGROUPS:
         * -ERANGE with the length it needs) */
        if (hlen != asked)
            copy_to_user(pm, ulen, &hlen, sizeof(hlen));
        r = linux_err(e);
        goto out;
    }
    if (level == SOL_SOCKET && name == LINUX_SO_PEERPIDFD && hlen >= sizeof(int)) {
        int hfd, gfd;

        memcpy(&hfd, buf, sizeof(hfd));
        pidfd = fd_install(pm, hfd, 1, 0);
        if (pidfd < 0) {
            r = pidfd;
            goto out;
        }
        gfd = (int)pidfd;
        memcpy(buf, &gfd, sizeof(gfd));
    }
    nbytes = (size_t)hlen * unit;
    if (filter && hlen > asked)
        nbytes = 0;            /* the count of a program that did not fit */
    if (nbytes > size)
        nbytes = size;
    if ((nbytes && copy_to_user(pm, uopt, buf, nbytes)) ||
        copy_to_user(pm, ulen, &hlen, sizeof(hlen))) {
        if (pidfd >= 0)
            fd_close(pm, pidfd);
        r = -EFAULT;
        goto out;
    }
    r = 0;
out:
    nomap_put(&nm);
    return r;
}
