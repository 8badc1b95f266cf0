/*
 * fdtable.c - the guest's file descriptor table.
 *
 * Guest fd numbers are pagemu's own.  Each used slot owns exactly one host
 * fd, so the emulator's own descriptors (the ELF file, vm_file fds, Unicorn's)
 * never show through to the guest, and closing a guest fd closes its host fd.
 * Allocation is lowest-free, bounded by the guest's RLIMIT_NOFILE soft limit
 * (t->max), as fs/file.c: alloc_fd() does.
 *
 * These functions touch nothing in struct pagemu but pm->fds, so the Check
 * suite can drive them with an otherwise zeroed handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "procfs.h"

/* include/asm-generic/resource.h: INR_OPEN_CUR, the default RLIMIT_NOFILE
 * soft limit a process starts with, when the host's cannot be read. */
#define FDTABLE_DEFAULT_MAX 1024
/* fs/file.c: sysctl_nr_open's default, the ceiling of RLIMIT_NOFILE */
#define FDTABLE_NR_OPEN (1024 * 1024)
#define FDTABLE_INIT_SLOTS 64

/* Grow the slot array so that slot nr exists.  Returns 0 or -ENOMEM. */
static int expand_fdtable(struct fdtable *t, long nr)
{
    long n = t->n ? t->n : FDTABLE_INIT_SLOTS;
    struct gfd *fd;
    long i;

    if (nr < t->n)
        return 0;
    while (n <= nr)
        n *= 2;
    if (n > INT32_MAX)
        return -ENOMEM;
    fd = realloc(t->fd, (size_t)n * sizeof(*fd));
    if (!fd)
        return -ENOMEM;
    for (i = t->n; i < n; i++) {
        fd[i].host = -1;
        fd[i].cloexec = 0;
        fd[i].gen = 0;
    }
    t->fd = fd;
    t->n = (int)n;
    return 0;
}

/*
 * Initialise a table in which guest 0, 1 and 2 are host 0, 1 and 2 when those
 * are open on the host.  Returns 0, or -1 with errno set (like
 * frame_pool_init).
 */
int fdtable_init(struct fdtable *t)
{
    int i;

    t->fd = NULL;
    t->n = 0;
    t->gen = 0;
    /* A process inherits its parent's limits (kernel/fork.c copies
     * signal->rlim), and the guest's parent is the emulator's. */
    t->max = FDTABLE_DEFAULT_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0)
        t->max = rl.rlim_cur > FDTABLE_NR_OPEN ? FDTABLE_NR_OPEN : (int)rl.rlim_cur;
    if (expand_fdtable(t, FDTABLE_INIT_SLOTS - 1) < 0) {
        errno = ENOMEM;
        return -1;
    }
    for (i = 0; i < 3; i++)
        if (fcntl(i, F_GETFD) != -1)
            t->fd[i].host = i;
    return 0;
}

/*
 * Close every host fd the table owns.  Host 0, 1 and 2 are left open: they
 * belong to the program embedding the library (the CLI prints its report on
 * them after the run), not to the guest.
 */
void fdtable_destroy(struct fdtable *t)
{
    int i;

    for (i = 0; i < t->n; i++)
        if (t->fd[i].host > 2)
            close(t->fd[i].host);
    free(t->fd);
    t->fd = NULL;
    t->n = 0;
}

int fd_host(struct pagemu *pm, long gfd)
{
    const struct fdtable *t = &pm->fds;
    int host;

    if (gfd < 0 || gfd >= t->n)
        return -EBADF;
    host = t->fd[gfd].host;
    return host >= 0 ? host : -EBADF;
}

/*
 * fs/file.c: alloc_fd() - the lowest free number >= min below the
 * RLIMIT_NOFILE soft limit, else -EMFILE.  On any failure the host fd is
 * closed, so the caller never leaks it.
 */
long fd_install(struct pagemu *pm, int host, int cloexec, long min)
{
    struct fdtable *t = &pm->fds;
    long i;

    if (min < 0)
        min = 0;
    for (i = min; i < t->max; i++) {
        if (i >= t->n && expand_fdtable(t, i) < 0) {
            close(host);
            return -ENOMEM;
        }
        if (t->fd[i].host < 0) {
            t->fd[i].host = host;
            t->fd[i].cloexec = cloexec ? 1 : 0;
            t->fd[i].gen = ++t->gen;
            return i;
        }
    }
    close(host);
    return -EMFILE;
}

/*
 * fs/file.c: ksys_dup3() gives -EBADF for a target at or above
 * RLIMIT_NOFILE, and do_dup2() installs the new file before closing the one
 * it replaces, ignoring that close's result.  On failure the host fd is
 * closed, as fd_install() does.
 */
long fd_install_at(struct pagemu *pm, int host, int cloexec, long gfd)
{
    struct fdtable *t = &pm->fds;
    int old;
    int err;

    if (gfd < 0 || gfd >= t->max) {
        close(host);
        return -EBADF;
    }
    err = expand_fdtable(t, gfd);
    if (err < 0) {
        close(host);
        return err;
    }
    old = t->fd[gfd].host;
    t->fd[gfd].host = host;
    t->fd[gfd].cloexec = cloexec ? 1 : 0;
    t->fd[gfd].gen = ++t->gen;
    if (old >= 0 && old != host)
        close(old);
    return gfd;
}

/*
 * fs/open.c: close() - the slot is freed whatever the host's close says;
 * an error from it (EIO on some filesystems, EINTR) is still reported.
 */
long fd_close(struct pagemu *pm, long gfd)
{
    struct fdtable *t = &pm->fds;
    int host = fd_host(pm, gfd);

    if (host < 0)
        return host;
    t->fd[gfd].host = -1;
    t->fd[gfd].cloexec = 0;
    t->fd[gfd].gen = ++t->gen;
    procfs_forget(pm, host);
    if (close(host) < 0 && errno != EBADF)
        return linux_err(errno);
    return 0;
}

int host_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int host_rewrite(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    if (ftruncate(fd, 0) != 0)
        return -1;
    while (done < n) {
        ssize_t k = pwrite(fd, p + done, n - done, (off_t)done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return 0;
}
