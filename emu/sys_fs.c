/*
 * sys_fs.c - syscalls on file descriptors: read/write and their vector and
 * positional forms, lseek, ioctl, fcntl, dup*, pipe*, getdents64, fstat.
 * Path-based calls are in sys_fs_path.c.
 *
 * Guest buffers are never copied on the read/write paths: user_iovec() turns
 * a guest range into host iovecs pointing into the frame pool, and the host
 * readv/writev/preadv/pwritev work on them directly.
 *
 * The host is x86-64 Linux like the guest, so the host's struct stat,
 * statfs, flock, winsize and linux_dirent64 are the guest ABI; their sizes
 * are pinned below.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "procfs.h"
#include "syscall.h"
#include "uaccess.h"

/* include/linux/fs.h: MAX_RW_COUNT - every read/write is capped here. */
#define MAX_RW_COUNT ((size_t)(INT_MAX & ~4095))
/* include/uapi/linux/uio.h */
#define LINUX_UIO_FASTIOV 8
#define LINUX_UIO_MAXIOV 1024
/* include/uapi/linux/watch_queue.h: O_NOTIFICATION_PIPE is O_EXCL */
#define LINUX_O_NOTIFICATION_PIPE O_EXCL

/* Host iovecs per host call: 256 pages at worst, 4 KiB of stack. */
#define RW_BATCH 256

/* The guest's struct iovec: addresses are guest virtual. */
struct linux_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};

/* include/uapi/asm-generic/termbits.h: the kernel's struct termios that
 * TCGETS/TCSETS* copy (glibc's struct termios is larger). */
struct linux_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};

/* include/linux/dirent.h: struct linux_dirent64 - 19 bytes of header, then
 * a name of at most NAME_MAX bytes and its NUL, padded to 8. */
#define LINUX_DIRENT64_MAX ((19 + 255 + 1 + 7) & ~7)

_Static_assert(sizeof(struct linux_iovec) == 16, "struct iovec");
_Static_assert(sizeof(struct iovec) == 16, "host struct iovec");
_Static_assert(sizeof(struct linux_termios) == 36, "kernel struct termios");
_Static_assert(sizeof(struct winsize) == 8, "struct winsize");
_Static_assert(sizeof(struct stat) == 144, "x86-64 struct stat");
_Static_assert(sizeof(struct statfs) == 120, "x86-64 struct statfs");
_Static_assert(sizeof(struct flock) == 32, "x86-64 struct flock");
_Static_assert(sizeof(int) == 4 && sizeof(pid_t) == 4, "int, pid_t");

/* Syscalls take `unsigned int fd`; the upper half of the register is
 * ignored, as the kernel's SYSCALL_DEFINE casts do. */
static inline long ufd(uint64_t v)
{
    return (long)(unsigned int)v;
}

/* include/asm-generic/access_ok.h: __access_ok() - the range must lie below
 * TASK_SIZE_MAX; nothing is touched. */
static inline bool access_ok(const struct pagemu *pm, uint64_t addr, uint64_t size)
{
    uint64_t limit = pm->mm.task_size;

    return size <= limit && addr <= limit - size;
}

/*
 * fs/read_write.c: vfs_read()/vfs_write() refuse a descriptor not open for
 * that direction (-EBADF) before they look at the buffer.  Only consulted on
 * error paths, so the common case costs no extra host call.
 */
static long rw_mode_error(int host, int write, long err)
{
    int fl = fcntl(host, F_GETFL);

    if (fl >= 0) {
        int acc = fl & O_ACCMODE;

        if ((fl & O_PATH) || acc == (write ? O_RDONLY : O_WRONLY))
            return -EBADF;
    }
    return err;
}

/* ---- the read/write engine -------------------------------------------- */

struct rw_req {
    int host;
    int write;        /* 1: guest memory -> host fd */
    int positional;   /* pread64/pwrite64: pos is used, f_pos is not */
    int scalar;       /* read/write/pread64/pwrite64 (not the vector forms) */
    off_t pos;
};

static ssize_t host_rw(const struct rw_req *r, const struct iovec *iov, int n,
                       off_t pos)
{
    /* One contiguous piece (the common case: a buffer within a page, or
     * frames that happen to be adjacent): the scalar call spares the
     * kernel its iovec import. */
    if (n == 1 && r->scalar) {
        if (r->write)
            return r->positional ? pwrite(r->host, iov->iov_base, iov->iov_len, pos)
                                 : write(r->host, iov->iov_base, iov->iov_len);
        return r->positional ? pread(r->host, iov->iov_base, iov->iov_len, pos)
                             : read(r->host, iov->iov_base, iov->iov_len);
    }
    if (r->write)
        return r->positional ? pwritev(r->host, iov, n, pos)
                             : writev(r->host, iov, n);
    return r->positional ? preadv(r->host, iov, n, pos)
                         : readv(r->host, iov, n);
}

/*
 * A transfer of nothing still goes to the host: read(dir, buf, 0) is -EISDIR
 * and write(rdonly, buf, 0) is -EBADF there, while readv with no iovecs
 * returns 0 (fs/read_write.c: vfs_readv() stops at a zero total).
 */
static ssize_t host_rw_empty(const struct rw_req *r)
{
    if (!r->scalar)
        return host_rw(r, NULL, 0, r->pos);
    if (r->write)
        return r->positional ? pwrite(r->host, NULL, 0, r->pos)
                             : write(r->host, NULL, 0);
    return r->positional ? pread(r->host, NULL, 0, r->pos)
                         : read(r->host, NULL, 0);
}

/*
 * May a read go on with the next batch after a complete one?  Only where a
 * further read cannot block: a pipe, socket or tty that has just satisfied a
 * read must return what it gave (fs/pipe.c: pipe_read()).
 */
static bool read_may_continue(const struct rw_req *r)
{
    struct stat st;

    if (r->positional)
        return true;
    if (fstat(r->host, &st) < 0)
        return false;
    return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
}

/*
 * Move bytes between a host fd and the guest ranges seg[0..nseg), whose
 * lengths are already capped to MAX_RW_COUNT in total.  As on Linux, the
 * bytes moved before an inaccessible page count; -EFAULT comes back only if
 * nothing could be moved (fs/read_write.c, lib/iov_iter.c: a short copy
 * ends the transfer).
 */
static long rw_guest(struct pagemu *pm, const struct rw_req *r,
                     const struct linux_iovec *seg, unsigned nseg)
{
    struct iovec hv[RW_BATCH];
    size_t total = 0;
    unsigned s = 0;
    uint64_t off = 0;
    bool fault = false;

    for (;;) {
        size_t want = 0;
        ssize_t got;
        int n = 0;

        /* Gather up to RW_BATCH host iovecs, stopping at a bad page. */
        while (s < nseg && n < RW_BATCH) {
            uint64_t left = seg[s].iov_len - off;
            size_t cov = 0;
            int k;

            if (left == 0) {
                s++;
                off = 0;
                continue;
            }
            /* Reading from the fd writes guest memory. */
            k = user_iovec(pm, seg[s].iov_base + off, left, !r->write,
                           hv + n, RW_BATCH - n, &cov);
            if (k <= 0) {
                fault = true;
                break;
            }
            n += k;
            want += cov;
            off += cov;
            if (cov < left) {
                /* Out of iovecs: the next round goes on from here.  With
                 * room left, user_iovec stopped at an inaccessible page. */
                if (n < RW_BATCH)
                    fault = true;
                break;
            }
            s++;
            off = 0;
        }

        if (n == 0) {
            if (total > 0)
                return (long)total;
            if (fault)
                return rw_mode_error(r->host, r->write, -EFAULT);
            got = host_rw_empty(r);
            return got < 0 ? linux_err(errno) : got;
        }

        got = host_rw(r, hv, n, r->pos + (off_t)total);
        if (got < 0)
            return total > 0 ? (long)total : linux_err(errno);
        total += (size_t)got;
        if ((size_t)got < want || fault || s >= nseg)
            return (long)total;
        if (!r->write && !read_may_continue(r))
            return (long)total;
    }
}

/* read/write/pread64/pwrite64: one guest buffer. */
static long rw_single(struct pagemu *pm, uint64_t fd, uint64_t buf,
                      uint64_t count, int write, int positional, off_t pos)
{
    struct rw_req r = { .write = write, .positional = positional,
                        .scalar = 1, .pos = pos };
    struct linux_iovec seg;

    /* fs/read_write.c: ksys_pread64()/ksys_pwrite64() */
    if (positional && pos < 0)
        return -EINVAL;
    r.host = fd_host(pm, ufd(fd));
    if (r.host < 0)
        return r.host;
    if (!write)
        procfs_before_read(pm, r.host, positional ? (long long)pos : -1);
    /* fs/read_write.c: vfs_read()/vfs_write() - access_ok, then the cap */
    if (!access_ok(pm, buf, count))
        return rw_mode_error(r.host, write, -EFAULT);
    /*
     * A read that spans pages may land in frames that are not adjacent,
     * and then the host sees a readv.  Files of records without a file
     * type (anon inodes: inotify, timerfd, signalfd) read each segment on
     * its own (fs/read_write.c: do_loop_readv_writev), so one event that
     * straddles two segments would fail with -EINVAL where a read() gets
     * it: such a read goes through one host buffer.
     */
    if (!write && !positional && (buf & 4095) + count > 4096) {
        struct stat st;
        if (fstat(r.host, &st) == 0 && (st.st_mode & S_IFMT) == 0) {
            size_t n = count > 65536 ? 65536 : (size_t)count;
            char *b = malloc(n);
            if (!b)
                return -ENOMEM;
            ssize_t got = read(r.host, b, n);
            long ret = got < 0 ? linux_err(errno)
                       : copy_to_user(pm, buf, b, (size_t)got) ? -EFAULT : (long)got;
            free(b);
            return ret;
        }
    }
    seg.iov_base = buf;
    seg.iov_len = count > MAX_RW_COUNT ? MAX_RW_COUNT : count;
    return rw_guest(pm, &r, &seg, 1);
}

long sys_read(struct pagemu *pm, const uint64_t *a)
{
    return rw_single(pm, a[0], a[1], a[2], 0, 0, 0);
}

long sys_write(struct pagemu *pm, const uint64_t *a)
{
    return rw_single(pm, a[0], a[1], a[2], 1, 0, 0);
}

long sys_pread64(struct pagemu *pm, const uint64_t *a)
{
    return rw_single(pm, a[0], a[1], a[2], 0, 1, (off_t)a[3]);
}

long sys_pwrite64(struct pagemu *pm, const uint64_t *a)
{
    return rw_single(pm, a[0], a[1], a[2], 1, 1, (off_t)a[3]);
}

/*
 * fs/read_write.c: do_readv()/do_writev() -> vfs_readv() -> import_iovec().
 * lib/iov_iter.c: at most UIO_MAXIOV segments (-EINVAL), each length must
 * fit ssize_t (-EINVAL) and pass access_ok (-EFAULT); the total is capped to
 * MAX_RW_COUNT by shortening segments, so it can never overflow ssize_t.
 */
static long do_readv_writev(struct pagemu *pm, const uint64_t *a, int write,
                            int positional, off_t pos)
{
    struct linux_iovec fast[LINUX_UIO_FASTIOV], *vec = fast;
    struct rw_req r = { .write = write, .positional = positional, .pos = pos };
    /* import_iovec() takes `unsigned nr_segs`: vlen is truncated to 32 bits */
    unsigned nr = (unsigned)a[2];
    size_t total = 0;
    long ret;
    unsigned i;

    r.host = fd_host(pm, ufd(a[0]));
    if (r.host < 0)
        return r.host;
    if (!write)
        procfs_before_read(pm, r.host, positional ? (long long)pos : -1);
    if (nr > LINUX_UIO_MAXIOV)
        return rw_mode_error(r.host, write, -EINVAL);
    if (nr > LINUX_UIO_FASTIOV) {
        vec = malloc(nr * sizeof(*vec));
        if (!vec)
            return -ENOMEM;
    }
    ret = copy_from_user(pm, vec, a[1], nr * sizeof(*vec));
    if (ret < 0)
        goto out_err;
    /* lib/iov_iter.c: copy_iovec_from_user() rejects every negative length
     * before __import_iovec() checks any address. */
    for (i = 0; i < nr; i++) {
        if ((int64_t)vec[i].iov_len < 0) {
            ret = -EINVAL;
            goto out_err;
        }
    }
    for (i = 0; i < nr; i++) {
        if (!access_ok(pm, vec[i].iov_base, vec[i].iov_len)) {
            ret = -EFAULT;
            goto out_err;
        }
        if (vec[i].iov_len > MAX_RW_COUNT - total)
            vec[i].iov_len = MAX_RW_COUNT - total;
        total += vec[i].iov_len;
    }
    ret = rw_guest(pm, &r, vec, nr);
    goto out;
out_err:
    ret = rw_mode_error(r.host, write, ret);
out:
    if (vec != fast)
        free(vec);
    return ret;
}

long sys_readv(struct pagemu *pm, const uint64_t *a)
{
    return do_readv_writev(pm, a, 0, 0, 0);
}

long sys_writev(struct pagemu *pm, const uint64_t *a)
{
    return do_readv_writev(pm, a, 1, 0, 0);
}

/* fs/read_write.c: preadv/pwritev take the offset split in pos_l/pos_h;
 * on 64-bit pos_l holds all of it.  A negative offset is -EINVAL. */
long sys_preadv(struct pagemu *pm, const uint64_t *a)
{
    if ((int64_t)a[3] < 0)
        return -EINVAL;
    return do_readv_writev(pm, a, 0, 1, (off_t)a[3]);
}

long sys_pwritev(struct pagemu *pm, const uint64_t *a)
{
    if ((int64_t)a[3] < 0)
        return -EINVAL;
    return do_readv_writev(pm, a, 1, 1, (off_t)a[3]);
}

/* preadv2/pwritev2: offset -1 means the file position.  pagemu accepts no
 * RWF_* flags yet: -EOPNOTSUPP, as kiocb_set_rw_flags gives unknown ones. */
static long do_rw2(struct pagemu *pm, const uint64_t *a, int write)
{
    if (a[5])
        return -EOPNOTSUPP;
    if ((int64_t)a[3] == -1)
        return do_readv_writev(pm, a, write, 0, 0);
    if ((int64_t)a[3] < 0)
        return -EINVAL;
    return do_readv_writev(pm, a, write, 1, (off_t)a[3]);
}

long sys_preadv2(struct pagemu *pm, const uint64_t *a)
{
    return do_rw2(pm, a, 0);
}

long sys_pwritev2(struct pagemu *pm, const uint64_t *a)
{
    return do_rw2(pm, a, 1);
}

/* ---- simple descriptor calls ------------------------------------------ */

long sys_close(struct pagemu *pm, const uint64_t *a)
{
    return fd_close(pm, ufd(a[0]));
}

long sys_lseek(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));
    off_t r;

    if (host < 0)
        return host;
    /* fs/read_write.c: lseek takes `unsigned int whence`; an out-of-range
     * value becomes a negative int here, which the host rejects alike. */
    r = lseek(host, (off_t)a[1], (int)(unsigned int)a[2]);
    return r < 0 ? linux_err(errno) : (long)r;
}

long sys_fsync(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    return fsync(host) < 0 ? linux_err(errno) : 0;
}

long sys_fdatasync(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    return fdatasync(host) < 0 ? linux_err(errno) : 0;
}

long sys_ftruncate(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    return ftruncate(host, (off_t)a[1]) < 0 ? linux_err(errno) : 0;
}

long sys_fchmod(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    /* umode_t: the host kernel truncates the mode exactly as the guest's would */
    return fchmod(host, (mode_t)a[1]) < 0 ? linux_err(errno) : 0;
}

/* fs/stat.c: newfstat - vfs_fstat(), then cp_new_stat() */
long sys_fstat(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));
    struct stat st;

    if (host < 0)
        return host;
    if (fstat(host, &st) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

/* fs/statfs.c: fstatfs */
long sys_fstatfs(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));
    struct statfs sf;

    if (host < 0)
        return host;
    if (fstatfs(host, &sf) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

/* ---- getdents64 ------------------------------------------------------- */

static long host_getdents64(int host, void *buf, size_t len)
{
    long r = syscall(SYS_getdents64, host, buf, len);

    return r < 0 ? linux_err(errno) : r;
}

/*
 * fs/readdir.c: getdents64 - entries are written one by one, the directory
 * position only moves past entries that were delivered, and a fault after
 * the first entry shortens the result instead of failing it.  Asking the
 * host for no more bytes than are writable in the guest gives exactly that:
 * whatever it returns can be delivered.
 */
long sys_getdents64(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));
    unsigned int count = (unsigned int)a[2];
    struct iovec iov[16];
    size_t covered = 0, done, i;
    char bounce[32768];
    long r;
    int n;

    if (host < 0)
        return host;
    n = user_iovec(pm, a[1], count, 1, iov, 16, &covered);
    if (n < 0) {
        /* Nothing writable: at EOF or on a non-directory Linux never
         * touches the buffer, so ask the host with room for nothing. */
        r = host_getdents64(host, NULL, 0);
        return r == -EINVAL ? -EFAULT : r;
    }
    if (n <= 1 && !procfs_is_fd_dir(pm, host)) {
        r = host_getdents64(host, n ? iov[0].iov_base : NULL, covered);
    } else {
        size_t want = covered < sizeof(bounce) ? covered : sizeof(bounce);
        /* /proc/self/fd lists the guest's fds (procfs.c), not the host's */
        r = procfs_is_fd_dir(pm, host) ? procfs_fd_dir_getdents(pm, host, bounce, want)
                                       : host_getdents64(host, bounce, want);
        for (i = 0, done = 0; r > 0 && done < (size_t)r; i++) {
            size_t c = (size_t)r - done;

            if (c > iov[i].iov_len)
                c = iov[i].iov_len;
            memcpy(iov[i].iov_base, bounce + done, c);
            done += c;
        }
    }
    /* The first entry did not fit in the writable part of the buffer, but
     * may have fit in the whole: Linux would have faulted writing it. */
    if (r == -EINVAL && covered < count && covered < LINUX_DIRENT64_MAX)
        return -EFAULT;
    return r;
}

/* ---- ioctl ------------------------------------------------------------ */

static bool host_is_o_path(int host)
{
    int fl = fcntl(host, F_GETFL);

    return fl >= 0 && (fl & O_PATH);
}

/*
 * Only terminal queries and the generic fd ioctls.  fs/ioctl.c: do_vfs_ioctl()
 * handles FIOCLEX/FIONCLEX/FIONBIO/FIONREAD before the driver;
 * drivers/tty/tty_io.c: tty_ioctl() and drivers/tty/tty_ioctl.c the rest.
 * Each struct is copied with the kernel's exact size.
 */
long sys_ioctl(struct pagemu *pm, const uint64_t *a)
{
    long gfd = ufd(a[0]);
    int host = fd_host(pm, gfd);
    unsigned int cmd = (unsigned int)a[1];
    uint64_t arg = a[2];
    union {
        struct linux_termios t;
        struct winsize w;
        int i;
        pid_t p;
        unsigned char pad[64];   /* more than any of them */
    } u;
    size_t in = 0, out = 0;
    bool tty = false;
    int r;

    if (host < 0)
        return host;
    switch (cmd) {
    case FIOCLEX:
    case FIONCLEX:
        /* fs/ioctl.c: ioctl uses fdget(), which does not see O_PATH files */
        if (host_is_o_path(host))
            return -EBADF;
        pm->fds.fd[gfd].cloexec = cmd == FIOCLEX;
        return 0;
    case TCGETS:
        out = sizeof(u.t);
        break;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        in = sizeof(u.t);
        tty = true;
        break;
    case TIOCGWINSZ:
        out = sizeof(u.w);
        break;
    case TIOCSWINSZ:
        in = sizeof(u.w);
        tty = true;
        break;
    case TIOCGPGRP:
        out = sizeof(u.p);
        break;
    case TIOCSPGRP:
        in = sizeof(u.p);
        tty = true;
        break;
    case FIONREAD:
        out = sizeof(u.i);
        break;
    case FIONBIO:
        in = sizeof(u.i);
        break;
    default:
        return host_is_o_path(host) ? -EBADF : -ENOTTY;
    }
    memset(&u, 0, sizeof(u));
    if (in && copy_from_user(pm, &u, arg, in)) {
        /* A non-tty never reads the argument: it says -ENOTTY first. */
        if (tty) {
            struct linux_termios probe;

            if (ioctl(host, TCGETS, &probe) < 0 && errno == ENOTTY)
                return -ENOTTY;
        }
        return -EFAULT;
    }
    r = ioctl(host, cmd, &u);
    if (r < 0)
        return linux_err(errno);
    if (out && copy_to_user(pm, arg, &u, out))
        return -EFAULT;
    return r;
}

/* ---- fcntl ------------------------------------------------------------ */

/* fs/fcntl.c: f_dupfd() - the lowest free guest fd >= from. */
static long f_dupfd(struct pagemu *pm, int host, unsigned int from, int cloexec)
{
    int nh;

    if (from >= (unsigned int)pm->fds.max)
        return -EINVAL;
    nh = fcntl(host, F_DUPFD_CLOEXEC, 0);
    if (nh < 0)
        return linux_err(errno);
    return fd_install(pm, nh, cloexec, (long)from);
}

/* fs/fcntl.c: fcntl_getlk()/fcntl_setlk() with the 32-byte struct flock. */
static long fcntl_lock(struct pagemu *pm, int host, unsigned int cmd, uint64_t arg)
{
    struct flock fl;
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;

    if (copy_from_user(pm, &fl, arg, sizeof(fl)))
        return -EFAULT;
    if (fcntl(host, (int)cmd, &fl) < 0)
        return linux_err(errno);
    if (get && copy_to_user(pm, arg, &fl, sizeof(fl)))
        return -EFAULT;
    return 0;
}

/* fs/fcntl.c: do_fcntl() - the commands static programs use; others -EINVAL. */
long sys_fcntl(struct pagemu *pm, const uint64_t *a)
{
    long gfd = ufd(a[0]);
    int host = fd_host(pm, gfd);
    unsigned int cmd = (unsigned int)a[1];
    uint64_t arg = a[2];
    unsigned int argi = (unsigned int)arg;   /* do_fcntl(): argi */
    int r;

    if (host < 0)
        return host;
    switch (cmd) {
    case F_DUPFD:
        return f_dupfd(pm, host, argi, 0);
    case F_DUPFD_CLOEXEC:
        return f_dupfd(pm, host, argi, 1);
    case F_GETFD:
        return pm->fds.fd[gfd].cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
        pm->fds.fd[gfd].cloexec = (argi & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
    case F_SETFL:
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
    case F_ADD_SEALS:   /* mm/memfd.c: memfd_fcntl - the host memfd's seals */
    case F_GET_SEALS:
        r = fcntl(host, (int)cmd, (int)argi);
        return r < 0 ? linux_err(errno) : r;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_lock(pm, host, cmd, arg);
    default:
        return -EINVAL;
    }
}

/* ---- dup, dup2, dup3 -------------------------------------------------- */

/* fs/file.c: dup - same file, lowest free number, FD_CLOEXEC clear. */
long sys_dup(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));
    int nh;

    if (host < 0)
        return host;
    nh = fcntl(host, F_DUPFD_CLOEXEC, 0);
    if (nh < 0)
        return linux_err(errno);
    return fd_install(pm, nh, 0, 0);
}

/* fs/file.c: ksys_dup3() - the checks in the kernel's order. */
static long do_dup3(struct pagemu *pm, long oldfd, long newfd, unsigned int flags)
{
    int host, nh;

    if (flags & ~(unsigned int)O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    if (newfd >= pm->fds.max)
        return -EBADF;
    host = fd_host(pm, oldfd);
    if (host < 0)
        return host;
    nh = fcntl(host, F_DUPFD_CLOEXEC, 0);
    if (nh < 0)
        return linux_err(errno);
    return fd_install_at(pm, nh, (flags & O_CLOEXEC) != 0, newfd);
}

/* fs/file.c: dup2 - dup2(fd, fd) is fd if fd is open, else -EBADF. */
long sys_dup2(struct pagemu *pm, const uint64_t *a)
{
    long oldfd = ufd(a[0]), newfd = ufd(a[1]);

    if (oldfd == newfd) {
        int host = fd_host(pm, oldfd);

        return host < 0 ? host : oldfd;
    }
    return do_dup3(pm, oldfd, newfd, 0);
}

long sys_dup3(struct pagemu *pm, const uint64_t *a)
{
    return do_dup3(pm, ufd(a[0]), ufd(a[1]), (unsigned int)a[2]);
}

/* ---- pipe, pipe2 ------------------------------------------------------ */

/*
 * fs/pipe.c: do_pipe2() - flags checked by __do_pipe_flags(); the two fds
 * are written to the guest before they become visible, and a fault there
 * gives them back.
 */
static long do_pipe2(struct pagemu *pm, uint64_t ufds, unsigned int flags)
{
    const unsigned int valid = O_CLOEXEC | O_NONBLOCK | O_DIRECT |
                               LINUX_O_NOTIFICATION_PIPE;
    int hp[2], gfd[2];
    long r, w;
    int cloexec = (flags & O_CLOEXEC) != 0;

    if (flags & ~valid)
        return -EINVAL;
    if (pipe2(hp, O_CLOEXEC | (int)(flags & ~(unsigned int)O_CLOEXEC)) < 0)
        return linux_err(errno);
    r = fd_install(pm, hp[0], cloexec, 0);
    if (r < 0) {
        close(hp[1]);
        return r;
    }
    w = fd_install(pm, hp[1], cloexec, 0);
    if (w < 0) {
        fd_close(pm, r);
        return w;
    }
    gfd[0] = (int)r;
    gfd[1] = (int)w;
    if (copy_to_user(pm, ufds, gfd, sizeof(gfd))) {
        fd_close(pm, r);
        fd_close(pm, w);
        return -EFAULT;
    }
    return 0;
}

long sys_pipe(struct pagemu *pm, const uint64_t *a)
{
    return do_pipe2(pm, a[0], 0);
}

long sys_pipe2(struct pagemu *pm, const uint64_t *a)
{
    return do_pipe2(pm, a[0], (unsigned int)a[1]);
}

/* ---- sendfile, copy_file_range, memfd_create, syncfs, fchown ---------- */

/* fs/read_write.c: do_sendfile() - both fds are looked up (in first), a
 * NULL offset uses in's file position, a given one is read, advanced by
 * what was copied and written back; count is capped at MAX_RW_COUNT. */
long sys_sendfile(struct pagemu *pm, const uint64_t *a)
{
    int out = fd_host(pm, ufd(a[0]));
    int in = fd_host(pm, ufd(a[1]));
    size_t count = a[3] > MAX_RW_COUNT ? MAX_RW_COUNT : (size_t)a[3];
    off_t off;
    ssize_t n;

    if (in < 0)
        return in;
    if (out < 0)
        return out;
    /* fs/splice.c: do_splice_direct - no splice_read, -EINVAL */
    if (procfs_is_generated(in))
        return -EINVAL;
    if (!a[2]) {
        procfs_before_read(pm, in, -1);
        n = sendfile(out, in, NULL, count);
        return n < 0 ? linux_err(errno) : (long)n;
    }
    if (copy_from_user(pm, &off, a[2], sizeof(off)))
        return -EFAULT;
    procfs_before_read(pm, in, (long long)off);
    n = sendfile(out, in, &off, count);
    if (n < 0)
        return linux_err(errno);
    if (copy_to_user(pm, a[2], &off, sizeof(off)))
        return -EFAULT;
    return (long)n;
}

/* fs/read_write.c: copy_file_range - the offsets are copied in, the host
 * does the copy (flags must be 0: it says -EINVAL), and a given offset is
 * advanced and copied back. */
long sys_copy_file_range(struct pagemu *pm, const uint64_t *a)
{
    int in = fd_host(pm, ufd(a[0]));
    int out = fd_host(pm, ufd(a[2]));
    loff_t oin, oout;
    ssize_t n;

    if (in < 0)
        return in;
    if (out < 0)
        return out;
    if (a[1] && copy_from_user(pm, &oin, a[1], sizeof(oin)))
        return -EFAULT;
    if (a[3] && copy_from_user(pm, &oout, a[3], sizeof(oout)))
        return -EFAULT;
    n = syscall(SYS_copy_file_range, in, a[1] ? &oin : NULL, out,
                a[3] ? &oout : NULL, (size_t)a[4], (unsigned int)a[5]);
    if (n < 0)
        return linux_err(errno);
    if (a[1] && copy_to_user(pm, a[1], &oin, sizeof(oin)))
        return -EFAULT;
    if (a[3] && copy_to_user(pm, a[3], &oout, sizeof(oout)))
        return -EFAULT;
    return (long)n;
}

/* mm/memfd.c: memfd_create - the name is at most MFD_NAME_MAX_LEN (249)
 * bytes, longer is -EINVAL; the flags are the host's to check (same
 * values).  The host memfd carries the name ("memfd:NAME" in
 * /proc/self/fd), the seals and the size; it is a regular file, so
 * mmap's file path takes it. */
#define LINUX_MFD_NAME_MAX_LEN (255 - 6)
long sys_memfd_create(struct pagemu *pm, const uint64_t *a)
{
    char name[LINUX_MFD_NAME_MAX_LEN + 1];
    unsigned int flags = (unsigned int)a[1];
    long n = strncpy_from_user(pm, name, a[0], sizeof(name));
    int h;

    if (n == -ENAMETOOLONG)
        return -EINVAL;
    if (n < 0)
        return n;
    h = (int)syscall(SYS_memfd_create, name, flags | MFD_CLOEXEC);
    if (h < 0)
        return linux_err(errno);
    return fd_install(pm, h, (flags & MFD_CLOEXEC) != 0, 0);
}

/* fs/sync.c: syncfs */
long sys_syncfs(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    return syncfs(host) < 0 ? linux_err(errno) : 0;
}

/* fs/open.c: ksys_fchown - uid/gid are 32-bit, (uid_t)-1 keeps the id */
long sys_fchown(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, ufd(a[0]));

    if (host < 0)
        return host;
    return fchown(host, (uid_t)a[1], (gid_t)a[2]) < 0 ? linux_err(errno) : 0;
}
