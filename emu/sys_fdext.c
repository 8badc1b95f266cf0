/*
 * sys_fdext.c - epoll (fs/eventpoll.c), eventfd (fs/eventfd.c), timerfd
 * (fs/timerfd.c) and inotify (fs/notify/inotify/inotify_user.c).
 *
 * Each of these files is a host file of the same kind behind a guest fd:
 * the host kernel keeps the state (the interest list, the counter, the
 * timer, the watches) and does the waiting, and read/write on the fds work
 * through sys_read/sys_write like on any other fd.  What pagemu does is
 * translate the fds (epoll_ctl's target fd too: an epoll set is keyed by
 * the host fd, which only pagemu ever sees), copy the guest's structures
 * through the page walk, and keep the guest's O_CLOEXEC in its own fd
 * table (the host fds are always close-on-exec, as sys_fs.c's are).
 *
 * The checks Linux makes before it touches a file are made here too, in
 * Linux's order, so that a call with several things wrong fails with the
 * same errno; the rest (which kind of file an fd is, capabilities, limits)
 * the host reports.
 *
 * Limits:
 *   - epoll_pwait/epoll_pwait2 check their signal mask (size, readable)
 *     but do not install it for the wait, as ppoll/pselect6 (sys_poll.c);
 *     guest signals are pagemu's own and only a forwarded host signal
 *     (sigchld.c) can end a host wait.
 *   - One epoll wait returns at most EPOLL_BATCH events (Linux: maxevents).
 *   - timerfds run on host time, also with cfg.deterministic, whose guest
 *     clocks are virtual (vclock.c): a TFD_TIMER_ABSTIME time is taken on
 *     the host's clock.  The epoll timeouts are host time as well, as the
 *     poll ones are.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "pm_signal.h"
#include "syscall.h"
#include "uaccess.h"

/* The host's structures are the guest's: both are x86-64 Linux, where
 * struct epoll_event is packed (include/uapi/linux/eventpoll.h:
 * EPOLL_PACKED) and the time structures are 64-bit. */
_Static_assert(sizeof(struct epoll_event) == 12, "x86-64 struct epoll_event");
_Static_assert(offsetof(struct epoll_event, data) == 4, "x86-64 struct epoll_event");
_Static_assert(sizeof(struct timespec) == 16, "struct __kernel_timespec");
_Static_assert(sizeof(struct itimerspec) == 32, "struct __kernel_itimerspec");

/* include/uapi/linux/eventpoll.h */
#define LINUX_EPOLL_CLOEXEC 02000000
#define LINUX_EPOLL_CTL_DEL 2
/* include/linux/eventfd.h: EFD_FLAGS_SET */
#define LINUX_EFD_SEMAPHORE 1
#define LINUX_EFD_CLOEXEC 02000000
#define LINUX_EFD_NONBLOCK 00004000
/* include/linux/timerfd.h (uapi/linux/timerfd.h) */
#define LINUX_TFD_TIMER_ABSTIME 1
#define LINUX_TFD_TIMER_CANCEL_ON_SET 2
#define LINUX_TFD_CLOEXEC 02000000
#define LINUX_TFD_NONBLOCK 00004000
/* include/uapi/linux/time.h */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_CLOCK_REALTIME_ALARM 8
#define LINUX_CLOCK_BOOTTIME_ALARM 9
/* include/uapi/linux/inotify.h */
#define LINUX_IN_CLOEXEC 02000000
#define LINUX_IN_NONBLOCK 00004000
/* include/uapi/linux/limits.h */
#define LINUX_PATH_MAX 4096

_Static_assert(EPOLL_CLOEXEC == LINUX_EPOLL_CLOEXEC && EPOLL_CTL_DEL == LINUX_EPOLL_CTL_DEL,
               "epoll constants");
_Static_assert(EFD_CLOEXEC == LINUX_EFD_CLOEXEC && EFD_NONBLOCK == LINUX_EFD_NONBLOCK &&
               EFD_SEMAPHORE == LINUX_EFD_SEMAPHORE, "eventfd constants");
_Static_assert(TFD_CLOEXEC == LINUX_TFD_CLOEXEC && TFD_NONBLOCK == LINUX_TFD_NONBLOCK &&
               TFD_TIMER_ABSTIME == LINUX_TFD_TIMER_ABSTIME, "timerfd constants");
_Static_assert(IN_CLOEXEC == LINUX_IN_CLOEXEC && IN_NONBLOCK == LINUX_IN_NONBLOCK,
               "inotify constants");

#define NSEC_PER_SEC 1000000000LL

/* include/asm-generic/access_ok.h: __access_ok() - the range must lie below
 * TASK_SIZE_MAX; nothing is touched. */
static inline bool access_ok(const struct pagemu *pm, uint64_t addr, uint64_t size)
{
    uint64_t limit = pm->mm.task_size;

    return size <= limit && addr <= limit - size;
}

/* A fresh host fd (always close-on-exec on the host) as a guest fd. */
static long install(struct pagemu *pm, int host, bool cloexec)
{
    if (host < 0)
        return linux_err(errno);
    return fd_install(pm, host, cloexec, 0);
}

/* include/linux/time64.h: timespec64_valid() - tv_nsec is compared as
 * unsigned, so a negative one is invalid too. */
static bool timespec_valid(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && (uint64_t)ts->tv_nsec < (uint64_t)NSEC_PER_SEC;
}

/* ---- epoll ------------------------------------------------------------ */

/* fs/eventpoll.c: EP_MAX_EVENTS */
#define EP_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))
/* The events one host wait returns at most. */
#define EPOLL_BATCH 1024

static long do_epoll_create(struct pagemu *pm, int flags)
{
    /* fs/eventpoll.c: do_epoll_create - "Check the EPOLL_* constant for
     * consistency." */
    if (flags & ~LINUX_EPOLL_CLOEXEC)
        return -EINVAL;
    return install(pm, epoll_create1(EPOLL_CLOEXEC), (flags & LINUX_EPOLL_CLOEXEC) != 0);
}

long sys_epoll_create(struct pagemu *pm, const uint64_t *a)
{
    /* fs/eventpoll.c: epoll_create - the size is only checked */
    if ((int)a[0] <= 0)
        return -EINVAL;
    return do_epoll_create(pm, 0);
}

long sys_epoll_create1(struct pagemu *pm, const uint64_t *a)
{
    return do_epoll_create(pm, (int)a[0]);
}

/*
 * fs/eventpoll.c: epoll_ctl - the event is copied first for every op but
 * EPOLL_CTL_DEL (ep_op_has_event: an unknown op copies it too), then
 * do_epoll_ctl looks up epfd and fd (-EBADF each).  The rest (-EPERM for a
 * file without poll, -EINVAL for epfd == fd or a non-epoll epfd, -EEXIST,
 * -ENOENT, -ELOOP, the EPOLLEXCLUSIVE rules) is the host's, on the host
 * fds.  The event's data is opaque and goes through unchanged.
 */
long sys_epoll_ctl(struct pagemu *pm, const uint64_t *a)
{
    int op = (int)a[1];
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    if (op != LINUX_EPOLL_CTL_DEL && copy_from_user(pm, &ev, a[3], sizeof(ev)))
        return -EFAULT;
    int epfd = fd_host(pm, (int)a[0]);
    if (epfd < 0)
        return epfd;
    int fd = fd_host(pm, (int)a[2]);
    if (fd < 0)
        return fd;
    return epoll_ctl(epfd, op, fd, &ev) < 0 ? linux_err(errno) : 0;
}

/* One host wait; to NULL: no timeout.  epoll_pwait2 takes the timespec as
 * it is; a host without it (before 5.11) gets milliseconds, rounded up. */
static long host_epoll_wait(int epfd, struct epoll_event *ev, int n, const struct timespec *to)
{
    long r = syscall(SYS_epoll_pwait2, epfd, ev, n, to, NULL, (size_t)0);
    if (r < 0 && errno == ENOSYS) {
        int ms = -1;
        if (to) {
            long long v = (long long)to->tv_nsec / 1000000 + (to->tv_nsec % 1000000 != 0);
            ms = to->tv_sec > INT_MAX / 1000 ? INT_MAX : (int)(to->tv_sec * 1000 + v);
            if (ms < 0)
                ms = INT_MAX;
        }
        r = epoll_wait(epfd, ev, n, ms);
    }
    return r;
}

/*
 * Does the host look the epoll fd up before it checks maxevents and the
 * buffer?  Older kernels check maxevents and access_ok first
 * (do_epoll_wait); since io_uring's IORING_OP_EPOLL_WAIT (6.15) the fd is
 * looked up first and ep_check_params, which both share, does the rest.  The
 * host decides for the guest here too, as it does for every check left to
 * it, so a guest sees one kernel's behaviour: one probe, -EBADF or -EINVAL.
 */
static bool epfd_checked_first(void)
{
    static atomic_int probe = -1;
    int v = atomic_load(&probe);

    if (v < 0) {
        v = syscall(SYS_epoll_wait, -1, NULL, 0, 0) < 0 && errno == EBADF;
        atomic_store(&probe, v);
    }
    return v;
}

/*
 * fs/eventpoll.c: do_epoll_wait - maxevents must be in 1..EP_MAX_EVENTS
 * (-EINVAL), the buffer must pass access_ok (-EFAULT), and epfd must be
 * open (-EBADF; not an epoll file: the host's -EINVAL, last).  Which of
 * epfd and the other two is checked first depends on the kernel (see
 * epfd_checked_first): the host's order is followed.  ep_poll waits;
 * ep_send_events copies the ready events out one by one, and one that
 * cannot be copied is put back on the ready list (an edge-triggered event
 * is not lost), the call returning the events copied so far, or -EFAULT
 * if none.
 *
 * The host wait gets only as many slots as the guest buffer has writable
 * ones, so that the host keeps what could not be copied, as Linux does.
 * With no writable slot at all the host waits on an inaccessible buffer of
 * the emulator's own: it then waits, times out or fails with -EFAULT
 * exactly as Linux would for the guest.
 *
 * A forwarded host signal (sigchld.c) that ends the wait gives
 * -ERESTARTNOHAND, as sys_poll.c does: -EINTR when a guest handler runs
 * (Linux's epoll_wait is never restarted after a handler, whatever
 * SA_RESTART says), a restart when none does.
 */
static long do_epoll_wait(struct pagemu *pm, uint64_t uepfd, uint64_t uevents, uint64_t umax,
                          const struct timespec *to)
{
    int maxevents = (int)umax;
    int epfd = fd_host(pm, (int)uepfd);

    if (epfd < 0 && epfd_checked_first())
        return epfd;
    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
        return -EINVAL;
    if (!access_ok(pm, uevents, (uint64_t)maxevents * sizeof(struct epoll_event)))
        return -EFAULT;
    if (epfd < 0)
        return epfd;

    int n = maxevents < EPOLL_BATCH ? maxevents : EPOLL_BATCH;
    struct iovec iov[8];
    size_t covered = 0;
    /* Whole slots the guest can take (pages are faulted in, as the
     * kernel's copy would). */
    int room = user_iovec(pm, uevents, (size_t)n * sizeof(struct epoll_event), 1, iov, 8,
                          &covered) > 0
                   ? (int)(covered / sizeof(struct epoll_event))
                   : 0;
    struct epoll_event ev[EPOLL_BATCH];
    long r;
    int err;
    if (room > 0) {
        r = host_epoll_wait(epfd, ev, room, to);
        err = errno;
    } else {
        void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (none == MAP_FAILED)
            return -ENOMEM;
        r = host_epoll_wait(epfd, none, 1, to);
        err = errno;
        munmap(none, 4096);
        if (r > 0)
            return -EFAULT; /* cannot happen: the host could not copy it */
    }
    if (r < 0)
        return err == EINTR ? -LINUX_ERESTARTNOHAND : linux_err(err);
    if (r > 0 && copy_to_user(pm, uevents, ev, (size_t)r * sizeof(ev[0])))
        return -EFAULT;
    return r;
}

/* fs/eventpoll.c: ep_timeout_to_timespec - a negative timeout is none */
static const struct timespec *ms_timeout(int ms, struct timespec *ts)
{
    if (ms < 0)
        return NULL;
    ts->tv_sec = ms / 1000;
    ts->tv_nsec = (long)(ms % 1000) * 1000000;
    return ts;
}

/*
 * fs/eventpoll.c: do_epoll_pwait - the wait runs with the caller's mask in
 * place (signal.c: signal_set_user_mask); a signal it lets through that is
 * pending already ends it after a look for events (ep_poll: -EINTR), and
 * then the handler runs with that mask; otherwise the old mask is back
 * when the call returns (restore_saved_sigmask_unless).
 */
static long epoll_pwait_common(struct pagemu *pm, const uint64_t *a, const struct timespec *to)
{
    static const struct timespec zero = {0, 0};
    bool masked;
    long e = signal_set_user_mask(pm, a[4], a[5], &masked);
    if (e)
        return e;
    bool sig = signal_wait_interrupted(pm);
    long ret = do_epoll_wait(pm, a[0], a[1], a[2], sig ? &zero : to);
    if (sig && ret == 0)
        ret = -EINTR;
    signal_restore_user_mask(pm, masked, ret == -EINTR || ret == -LINUX_ERESTARTNOHAND);
    return ret;
}

long sys_epoll_wait(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    return do_epoll_wait(pm, a[0], a[1], a[2], ms_timeout((int)a[3], &ts));
}

/* fs/eventpoll.c: epoll_pwait -> do_epoll_pwait: the mask first */
long sys_epoll_pwait(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    return epoll_pwait_common(pm, a, ms_timeout((int)a[3], &ts));
}

/* fs/eventpoll.c: epoll_pwait2 - the timeout is read (-EFAULT) and checked
 * (poll_select_set_timeout: -EINVAL) before the mask; NULL is none. */
long sys_epoll_pwait2(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    if (a[3]) {
        if (copy_from_user(pm, &ts, a[3], sizeof(ts)))
            return -EFAULT;
        if (!timespec_valid(&ts))
            return -EINVAL;
    }
    return epoll_pwait_common(pm, a, a[3] ? &ts : NULL);
}

/* ---- eventfd ---------------------------------------------------------- */

/* fs/eventfd.c: do_eventfd - flags outside EFD_FLAGS_SET are -EINVAL */
static long do_eventfd(struct pagemu *pm, unsigned int count, int flags)
{
    if (flags & ~(LINUX_EFD_CLOEXEC | LINUX_EFD_NONBLOCK | LINUX_EFD_SEMAPHORE))
        return -EINVAL;
    return install(pm, eventfd(count, flags | EFD_CLOEXEC), (flags & LINUX_EFD_CLOEXEC) != 0);
}

long sys_eventfd(struct pagemu *pm, const uint64_t *a)
{
    return do_eventfd(pm, (unsigned int)a[0], 0);
}

long sys_eventfd2(struct pagemu *pm, const uint64_t *a)
{
    return do_eventfd(pm, (unsigned int)a[0], (int)a[1]);
}

/* ---- timerfd ---------------------------------------------------------- */

/* fs/timerfd.c: timerfd_create - flags and clock checked together
 * (-EINVAL); the *_ALARM clocks need CAP_WAKE_ALARM (the host's -EPERM). */
long sys_timerfd_create(struct pagemu *pm, const uint64_t *a)
{
    int clockid = (int)a[0], flags = (int)a[1];

    if ((flags & ~(LINUX_TFD_CLOEXEC | LINUX_TFD_NONBLOCK)) ||
        (clockid != LINUX_CLOCK_MONOTONIC && clockid != LINUX_CLOCK_REALTIME &&
         clockid != LINUX_CLOCK_REALTIME_ALARM && clockid != LINUX_CLOCK_BOOTTIME &&
         clockid != LINUX_CLOCK_BOOTTIME_ALARM))
        return -EINVAL;
    return install(pm, timerfd_create(clockid, flags | TFD_CLOEXEC),
                   (flags & LINUX_TFD_CLOEXEC) != 0);
}

/*
 * fs/timerfd.c: timerfd_settime - the new value is copied (-EFAULT), then
 * do_timerfd_settime checks the flags and both timespecs (-EINVAL) before
 * it looks at the fd (-EBADF; not a timerfd: the host's -EINVAL).  The old
 * value is written after the timer is set, so a bad otmr leaves it set
 * and returns -EFAULT.
 */
long sys_timerfd_settime(struct pagemu *pm, const uint64_t *a)
{
    int flags = (int)a[1];
    struct itimerspec its, old;

    if (copy_from_user(pm, &its, a[2], sizeof(its)))
        return -EFAULT;
    if ((flags & ~(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET)) ||
        !timespec_valid(&its.it_value) || !timespec_valid(&its.it_interval))
        return -EINVAL;
    int h = fd_host(pm, (int)a[0]);
    if (h < 0)
        return h;
    if (timerfd_settime(h, flags, &its, &old) < 0)
        return linux_err(errno);
    if (a[3] && copy_to_user(pm, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* fs/timerfd.c: timerfd_gettime */
long sys_timerfd_gettime(struct pagemu *pm, const uint64_t *a)
{
    struct itimerspec cur;

    int h = fd_host(pm, (int)a[0]);
    if (h < 0)
        return h;
    if (timerfd_gettime(h, &cur) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}

/* ---- inotify ---------------------------------------------------------- */

/* fs/notify/inotify/inotify_user.c: do_inotify_init - "Check the IN_*
 * constants for consistency." */
static long do_inotify_init(struct pagemu *pm, int flags)
{
    if (flags & ~(LINUX_IN_CLOEXEC | LINUX_IN_NONBLOCK))
        return -EINVAL;
    return install(pm, inotify_init1(flags | IN_CLOEXEC), (flags & LINUX_IN_CLOEXEC) != 0);
}

long sys_inotify_init(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    return do_inotify_init(pm, 0);
}

long sys_inotify_init1(struct pagemu *pm, const uint64_t *a)
{
    return do_inotify_init(pm, (int)a[0]);
}

/*
 * fs/notify/inotify/inotify_user.c: inotify_add_watch - the mask (-EINVAL),
 * the fd (-EBADF) and that it is an inotify instance (-EINVAL) are checked
 * before the name is looked up (inotify_find_inode: user_path_at, which
 * copies it: -EFAULT, -ENAMETOOLONG).  When the guest's fd or name is bad,
 * the host is asked with a NULL name, which it would reject last
 * (-EFAULT): any other error it gives comes first on Linux.
 *
 * The name is relative to the cwd, the host's and the guest's alike, and
 * goes to the host as it is (a /proc/self/fd/N in it names the host's fd
 * N, not the guest's).  The events read from the fd are the host's, with
 * the host's watch descriptors, which are this instance's own numbers.
 */
long sys_inotify_add_watch(struct pagemu *pm, const uint64_t *a)
{
    char path[LINUX_PATH_MAX];
    uint32_t mask = (uint32_t)a[2];
    int h = fd_host(pm, (int)a[0]);
    long n = h < 0 ? 0 : strncpy_from_user(pm, path, a[1], sizeof(path));

    if (h < 0 || n < 0) {
        if (syscall(SYS_inotify_add_watch, h < 0 ? -1 : h, NULL, mask) < 0 && errno != EFAULT)
            return linux_err(errno);
        return h < 0 ? h : n;
    }
    long r = syscall(SYS_inotify_add_watch, h, path, mask);
    return r < 0 ? linux_err(errno) : r;
}

/* fs/notify/inotify/inotify_user.c: inotify_rm_watch */
long sys_inotify_rm_watch(struct pagemu *pm, const uint64_t *a)
{
    int h = fd_host(pm, (int)a[0]);
    if (h < 0)
        return h;
    return inotify_rm_watch(h, (int)a[1]) < 0 ? linux_err(errno) : 0;
}
