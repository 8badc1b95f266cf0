/*
 * sys_time.c - clocks and sleeps.
 *
 * Every time the guest reads goes through pm_clock_gettime(), and every sleep
 * through pm_clock_nanosleep(), so that the virtual clock of
 * cfg.deterministic (vclock.c) replaces the host's in these two places:
 * then a read takes the next tick of the virtual clock and a sleep moves it
 * on and returns at once.  Otherwise both pass through to the host clocks.
 * The clock ids are validated as kernel/time/posix-timers.c does, the same
 * way in both modes.  times() and getrusage() report CPU times derived from
 * the virtual clock too.
 */
#include <errno.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "pagemu_int.h"
#include "syscall.h"
#include "uaccess.h"

/* include/vdso/time64.h */
#define NSEC_PER_SEC 1000000000L
/* include/uapi/linux/time.h: clock ids; 10 was CLOCK_SGI_CYCLE, removed */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_MONOTONIC_RAW 4
#define LINUX_CLOCK_REALTIME_COARSE 5
#define LINUX_CLOCK_MONOTONIC_COARSE 6
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_CLOCK_REALTIME_ALARM 8
#define LINUX_CLOCK_BOOTTIME_ALARM 9
#define LINUX_CLOCK_TAI 11
#define LINUX_TIMER_ABSTIME 0x01
/* include/linux/posix-timers_types.h: dynamic (fd-backed) clocks */
#define CLOCKFD 3
#define CLOCKFD_MASK 7

/* The guest ABI: struct __kernel_timespec and __kernel_old_timeval. */
struct linux_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
struct linux_timezone {
    int32_t tz_minuteswest;
    int32_t tz_dsttime;
};

_Static_assert(sizeof(struct timespec) == sizeof(struct linux_timespec),
               "struct timespec");
_Static_assert(sizeof(struct timezone) == sizeof(struct linux_timezone),
               "struct timezone");

/* What a clock id is, as clockid_to_kclock() sees it. */
enum kclock {
    KCLOCK_NONE,      /* no such clock: -EINVAL */
    KCLOCK_NOSLEEP,   /* exists, but k_clock.nsleep is NULL: -EOPNOTSUPP */
    KCLOCK_OK,
};

/*
 * kernel/time/posix-timers.c: clockid_to_kclock() and posix_clocks[].
 * Negative ids are CPU clocks of a given pid/tid (kernel/time/
 * posix-cpu-timers.c) or, with CLOCKFD in the low bits, dynamic clocks
 * named by an fd; the host checks those.  The nsleep-less clocks are
 * MONOTONIC_RAW, both COARSE ones and THREAD_CPUTIME_ID (clock_thread).
 */
static enum kclock kclock_of(clockid_t id)
{
    if (id < 0)
        return KCLOCK_OK;
    switch (id) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
    case LINUX_CLOCK_BOOTTIME:
    case LINUX_CLOCK_REALTIME_ALARM:
    case LINUX_CLOCK_BOOTTIME_ALARM:
    case LINUX_CLOCK_TAI:
        return KCLOCK_OK;
    case LINUX_CLOCK_THREAD_CPUTIME_ID:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_REALTIME_COARSE:
    case LINUX_CLOCK_MONOTONIC_COARSE:
        return KCLOCK_NOSLEEP;
    default:
        return KCLOCK_NONE;
    }
}

/*
 * The host clock id for a valid guest id.  A dynamic clock carries a guest
 * fd (include/linux/posix-timers_types.h: CLOCKID_TO_FD/FD_TO_CLOCKID),
 * which must become the host fd; a bad fd is -EINVAL there
 * (kernel/time/posix-clock.c: get_clock_desc()).
 */
static int host_clockid(struct pagemu *pm, clockid_t id, clockid_t *out)
{
    if (id < 0 && (id & CLOCKFD_MASK) == CLOCKFD) {
        unsigned int gfd = (unsigned int)~(id >> 3);
        int host = fd_host(pm, gfd);

        if (host < 0)
            return -EINVAL;
        *out = (clockid_t)((~(unsigned int)host) << 3) | CLOCKFD;
        return 0;
    }
    *out = id;
    return 0;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
    ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

/*
 * Which virtual clock a clock id reads (vclock.c): the wall clock, the
 * clock since boot, or the CPU time.  The negative ids that are not dynamic
 * clocks are CPU clocks of a pid or tid (kernel/time/posix-cpu-timers.c:
 * CPUCLOCK_PID, CPUCLOCK_WHICH); the guest is one thread, and other
 * processes' CPU clocks are read as the guest's own.  Dynamic (fd) clocks
 * are the host's: VCLOCK_HOST.
 */
enum vclock_kind { VCLOCK_REAL, VCLOCK_BOOT, VCLOCK_CPU, VCLOCK_HOST };

static enum vclock_kind vclock_kind_of(clockid_t id)
{
    if (id < 0)
        return (id & CLOCKFD_MASK) == CLOCKFD ? VCLOCK_HOST : VCLOCK_CPU;
    switch (id) {
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_BOOTTIME:
    case LINUX_CLOCK_BOOTTIME_ALARM:
        return VCLOCK_BOOT;
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
    case LINUX_CLOCK_THREAD_CPUTIME_ID:
        return VCLOCK_CPU;
    default:    /* REALTIME, its COARSE and ALARM forms, TAI */
        return VCLOCK_REAL;
    }
}

/* The value of a virtual clock for a reading `real` of the virtual time. */
static uint64_t vclock_of(const struct pagemu *pm, enum vclock_kind k, uint64_t real)
{
    switch (k) {
    case VCLOCK_BOOT:
        return vclock_mono(pm, real);
    case VCLOCK_CPU:
        return vclock_elapsed(pm, real);
    default:
        return real;
    }
}

/*
 * The one place the guest's time comes from.  id has passed kclock_of().
 * Returns 0 or a negative errno.
 */
static int pm_clock_gettime(struct pagemu *pm, clockid_t id, struct timespec *ts)
{
    clockid_t hid;
    int err = host_clockid(pm, id, &hid);

    if (err)
        return err;
    if (pm->cfg.deterministic) {
        enum vclock_kind k = vclock_kind_of(id);

        /* a CPU clock of a pid that does not exist is still -EINVAL */
        if (k == VCLOCK_CPU && id < 0 && clock_gettime(hid, ts) < 0)
            return (int)linux_err(errno);
        if (k != VCLOCK_HOST) {
            ns_to_timespec(vclock_of(pm, k, vclock_read(pm)), ts);
            return 0;
        }
    }
    return clock_gettime(hid, ts) < 0 ? (int)linux_err(errno) : 0;
}

/*
 * The one place the guest sleeps.  rem, when not NULL, receives the time
 * left after -EINTR.  The raw syscall: glibc's clock_nanosleep() returns the
 * error instead of setting errno and refuses THREAD_CPUTIME_ID itself.
 */
static int pm_clock_nanosleep(struct pagemu *pm, clockid_t id, int flags,
                              const struct timespec *req, struct timespec *rem)
{
    clockid_t hid;
    int err = host_clockid(pm, id, &hid);

    if (err)
        return err;
    /*
     * The virtual clock: the sleep ends at once, with the clock moved on by
     * the time asked for (a relative sleep) or to the time asked for (an
     * absolute one, when it is still ahead: kernel/time/hrtimer.c expires a
     * timer already in the past at once).  A sleep on a CPU clock ends when
     * that much CPU time has gone by, which the derived CPU time does by the
     * same jump.  The clock is not read for it: no step is taken.
     */
    if (pm->cfg.deterministic && vclock_kind_of(id) != VCLOCK_HOST) {
        uint64_t want = (uint64_t)req->tv_sec >= (uint64_t)INT64_MAX / NSEC_PER_SEC
                            ? (uint64_t)INT64_MAX
                            : (uint64_t)req->tv_sec * NSEC_PER_SEC + (uint64_t)req->tv_nsec;

        if (flags & LINUX_TIMER_ABSTIME) {
            uint64_t now = vclock_of(pm, vclock_kind_of(id), pm->vclock_ns);

            want = want > now ? want - now : 0;
        }
        vclock_advance(pm, want);
        return 0;
    }
    if (syscall(SYS_clock_nanosleep, hid, flags, req, rem) < 0)
        return (int)linux_err(errno);
    return 0;
}

static int pm_clock_getres(struct pagemu *pm, clockid_t id, struct timespec *ts)
{
    clockid_t hid;
    int err = host_clockid(pm, id, &hid);

    if (err)
        return err;
    return clock_getres(hid, ts) < 0 ? (int)linux_err(errno) : 0;
}

/* include/linux/time64.h: timespec64_valid() */
static bool timespec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && (uint64_t)ts->tv_nsec < (uint64_t)NSEC_PER_SEC;
}

/*
 * kernel/time/hrtimer.c: nanosleep and kernel/time/posix-timers.c:
 * clock_nanosleep share this: read and check the request, sleep, and on
 * -EINTR write the remainder if asked (nanosleep_copyout()).  nanosleep is
 * a relative CLOCK_MONOTONIC sleep.
 */
static long do_nanosleep(struct pagemu *pm, clockid_t id, int flags,
                         uint64_t ureq, uint64_t urem)
{
    struct linux_timespec lreq;
    struct timespec req, rem;
    int r;

    if (copy_from_user(pm, &lreq, ureq, sizeof(lreq)))
        return -EFAULT;
    if (!timespec_valid(&lreq))
        return -EINVAL;
    /* posix-timers.c: an absolute sleep has no remainder to report */
    if (flags & LINUX_TIMER_ABSTIME)
        urem = 0;
    req.tv_sec = lreq.tv_sec;
    req.tv_nsec = lreq.tv_nsec;
    /* With other guest threads to run, this one parks until its
     * deadline (thread.c) instead of sleeping the whole emulator.  (The
     * virtual clock's sleeps take no host time.) */
    if (thread_count(pm) > 1 && !pm->cfg.deterministic) {
        struct timespec now = {0, 0}, dl;
        if (flags & LINUX_TIMER_ABSTIME)
            clock_gettime(id == LINUX_CLOCK_REALTIME || id == 11 /* TAI */ ? CLOCK_REALTIME
                                                                       : CLOCK_MONOTONIC, &now);
        thread_deadline(&dl, (int64_t)req.tv_sec - now.tv_sec, (int64_t)req.tv_nsec - now.tv_nsec);
        thread_sleep(pm, &dl);
        return 0;
    }
    r = pm_clock_nanosleep(pm, id, flags, &req, &rem);
    if (r == -EINTR && urem) {
        struct linux_timespec lrem = { rem.tv_sec, rem.tv_nsec };

        if (copy_to_user(pm, urem, &lrem, sizeof(lrem)))
            return -EFAULT;
    }
    return r;
}

long sys_nanosleep(struct pagemu *pm, const uint64_t *a)
{
    return do_nanosleep(pm, LINUX_CLOCK_MONOTONIC, 0, a[0], a[1]);
}

/* kernel/time/posix-timers.c: clock_nanosleep - unknown clock -EINVAL,
 * a clock that cannot sleep -EOPNOTSUPP, both before the request is read. */
long sys_clock_nanosleep(struct pagemu *pm, const uint64_t *a)
{
    clockid_t id = (clockid_t)a[0];

    switch (kclock_of(id)) {
    case KCLOCK_NONE:
        return -EINVAL;
    case KCLOCK_NOSLEEP:
        return -EOPNOTSUPP;
    default:
        break;
    }
    return do_nanosleep(pm, id, (int)a[1], a[2], a[3]);
}

/* kernel/time/time.c: gettimeofday - either pointer may be NULL; tz is the
 * kernel's sys_tz, which the host reports the same way (the virtual clock:
 * 0, as a kernel that was never told a time zone has it). */
long sys_gettimeofday(struct pagemu *pm, const uint64_t *a)
{
    if (a[0]) {
        struct timespec ts;
        struct linux_timeval tv;
        int r = pm_clock_gettime(pm, LINUX_CLOCK_REALTIME, &ts);

        if (r)
            return r;
        tv.tv_sec = ts.tv_sec;
        tv.tv_usec = ts.tv_nsec / 1000;
        if (copy_to_user(pm, a[0], &tv, sizeof(tv)))
            return -EFAULT;
    }
    if (a[1]) {
        struct timezone tz = {0, 0};

        if (!pm->cfg.deterministic && syscall(SYS_gettimeofday, NULL, &tz) < 0)
            return linux_err(errno);
        if (copy_to_user(pm, a[1], &tz, sizeof(tz)))
            return -EFAULT;
    }
    return 0;
}

/* kernel/time/time.c: time - the seconds, also stored at tloc if given. */
long sys_time(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    int64_t t;
    int r = pm_clock_gettime(pm, LINUX_CLOCK_REALTIME, &ts);

    if (r)
        return r;
    t = ts.tv_sec;
    if (a[0] && copy_to_user(pm, a[0], &t, sizeof(t)))
        return -EFAULT;
    return (long)t;
}

/* kernel/time/posix-timers.c: clock_gettime */
long sys_clock_gettime(struct pagemu *pm, const uint64_t *a)
{
    clockid_t id = (clockid_t)a[0];
    struct timespec ts;
    struct linux_timespec lts;
    int r;

    if (kclock_of(id) == KCLOCK_NONE)
        return -EINVAL;
    r = pm_clock_gettime(pm, id, &ts);
    if (r)
        return r;
    lts.tv_sec = ts.tv_sec;
    lts.tv_nsec = ts.tv_nsec;
    return copy_to_user(pm, a[1], &lts, sizeof(lts)) ? -EFAULT : 0;
}

/* kernel/time/posix-timers.c: clock_getres - tp may be NULL. */
long sys_clock_getres(struct pagemu *pm, const uint64_t *a)
{
    clockid_t id = (clockid_t)a[0];
    struct timespec ts;
    struct linux_timespec lts;
    int r;

    if (kclock_of(id) == KCLOCK_NONE)
        return -EINVAL;
    r = pm_clock_getres(pm, id, &ts);
    if (r)
        return r;
    if (!a[1])
        return 0;
    lts.tv_sec = ts.tv_sec;
    lts.tv_nsec = ts.tv_nsec;
    return copy_to_user(pm, a[1], &lts, sizeof(lts)) ? -EFAULT : 0;
}

/* ---- times, getrusage ------------------------------------------------- */

/* include/asm-generic/param.h: USER_HZ, the unit of times() and of the
 * times in /proc/PID/stat (clock_t) */
#define LINUX_USER_HZ 100

/* kernel/sys.c: times - the guest's CPU time is the emulator's; the result
 * is clock ticks since boot (jiffies_64_to_clock_t), which the host's
 * times() returns alike.  With the virtual clock: its CPU time as user
 * time, no system time, no children's, and the ticks since its boot.  A
 * NULL buffer is allowed. */
long sys_times(struct pagemu *pm, const uint64_t *a)
{
    struct tms t;
    clock_t r;

    if (pm->cfg.deterministic) {
        uint64_t real = vclock_read(pm);

        memset(&t, 0, sizeof(t));
        t.tms_utime = (clock_t)(vclock_elapsed(pm, real) / (NSEC_PER_SEC / LINUX_USER_HZ));
        r = (clock_t)(vclock_mono(pm, real) / (NSEC_PER_SEC / LINUX_USER_HZ));
    } else {
        r = times(&t);
    }
    _Static_assert(sizeof(struct tms) == 32, "struct tms");
    if (a[0] && copy_to_user(pm, a[0], &t, sizeof(t)))
        return -EFAULT;
    return (long)r;
}

/* include/uapi/linux/resource.h */
#define LINUX_RUSAGE_SELF 0
#define LINUX_RUSAGE_CHILDREN (-1)
#define LINUX_RUSAGE_THREAD 1

/* kernel/sys.c: getrusage - who other than SELF, CHILDREN or THREAD is
 * -EINVAL.  Times, maxrss and the rest are the host's for the emulator
 * (or its reaped children, which are guest children); ru_minflt is the
 * guest's own count of demand-paging faults (mm.minor_faults, counted by
 * fault.c as handle_mm_fault would: one per page made present), which a
 * child's emulator reports for itself, so RUSAGE_CHILDREN's sums are
 * emulator counts for the children.  With the virtual clock nothing of the
 * host is reported: the user time is the virtual CPU time, ru_maxrss the
 * frames the guest ever had at once (frame_pool.bump, page tables
 * included), ru_minflt the guest's count, the rest 0, and the children's
 * all 0. */
long sys_getrusage(struct pagemu *pm, const uint64_t *a)
{
    int who = (int)a[0];
    struct rusage ru;

    _Static_assert(sizeof(struct rusage) == 144, "struct rusage");
    if (who != LINUX_RUSAGE_SELF && who != LINUX_RUSAGE_CHILDREN &&
        who != LINUX_RUSAGE_THREAD)
        return -EINVAL;
    if (pm->cfg.deterministic) {
        memset(&ru, 0, sizeof(ru));
        if (who != LINUX_RUSAGE_CHILDREN) {
            uint64_t cpu = vclock_elapsed(pm, vclock_read(pm));

            ru.ru_utime.tv_sec = (time_t)(cpu / NSEC_PER_SEC);
            ru.ru_utime.tv_usec = (suseconds_t)(cpu % NSEC_PER_SEC / 1000);
            ru.ru_maxrss = (long)(pm->fp.bump * 4);
        }
    } else if (getrusage(who, &ru) < 0) {
        return linux_err(errno);
    }
    if (who != LINUX_RUSAGE_CHILDREN)
        ru.ru_minflt = (long)pm->mm.minor_faults;
    return copy_to_user(pm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

/* ---- alarm, interval timers, POSIX timers ----------------------------- */

/*
 * The guest's timers are the emulator's host timers: one guest process is
 * one host process, so the host's alarm/itimer/posix-timer machinery
 * (kernel/time/itimer.c, kernel/time/alarm.c, kernel/time/posix-timers.c)
 * gives the guest's semantics - fork does not inherit them, execve keeps
 * alarm and the itimers - and the signal they raise reaches the guest
 * through the host-signal forwarding of sigchld.c (a handler installed by
 * the guest is mirrored on the host).  Timer ids are the host's, so
 * si_timerid in the forwarded siginfo is the id the guest holds.  The
 * structs (itimerval, itimerspec, sigevent) are the same on the host.
 * They stay on the host's clocks under cfg.deterministic too (README,
 * "Known limits"): the virtual clock only moves when it is read or slept
 * on, and a timer would need it to move by itself.
 */
long sys_alarm(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    /* kernel/time/itimer.c: alarm_setitimer - seconds are unsigned int */
    return (long)alarm((unsigned int)a[0]);
}

long sys_getitimer(struct pagemu *pm, const uint64_t *a)
{
    struct itimerval v;

    if (syscall(SYS_getitimer, (int)a[0], &v) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

/* kernel/time/itimer.c: setitimer - a NULL new value is allowed (and
 * disarms, with a warning, as the kernel still does); the old value is
 * written after the timer changed. */
long sys_setitimer(struct pagemu *pm, const uint64_t *a)
{
    struct itimerval nv, ov;

    _Static_assert(sizeof(struct itimerval) == 32, "struct itimerval");
    if (a[1] && copy_from_user(pm, &nv, a[1], sizeof(nv)))
        return -EFAULT;
    if (syscall(SYS_setitimer, (int)a[0], a[1] ? &nv : NULL, a[2] ? &ov : NULL) < 0)
        return linux_err(errno);
    if (a[2] && copy_to_user(pm, a[2], &ov, sizeof(ov)))
        return -EFAULT;
    return 0;
}

/* include/uapi/asm-generic/siginfo.h: struct sigevent, 64 bytes */
struct linux_sigevent {
    uint64_t sigev_value;
    int32_t sigev_signo;
    int32_t sigev_notify;
    int32_t tid;            /* _sigev_un._tid (SIGEV_THREAD_ID) */
    int32_t pad[11];
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "struct sigevent");

/* kernel/time/posix-timers.c: timer_create - the clock and the sigevent
 * are the host's to check; the id is written back to the guest. */
long sys_timer_create(struct pagemu *pm, const uint64_t *a)
{
    struct linux_sigevent ev;
    int id;

    if (a[1] && copy_from_user(pm, &ev, a[1], sizeof(ev)))
        return -EFAULT;
    if (syscall(SYS_timer_create, (clockid_t)a[0], a[1] ? &ev : NULL, &id) < 0)
        return linux_err(errno);
    if (copy_to_user(pm, a[2], &id, sizeof(id))) {
        syscall(SYS_timer_delete, id);
        return -EFAULT;
    }
    return 0;
}

long sys_timer_settime(struct pagemu *pm, const uint64_t *a)
{
    struct itimerspec nv, ov;

    if (copy_from_user(pm, &nv, a[2], sizeof(nv)))
        return -EFAULT;
    if (syscall(SYS_timer_settime, (int)a[0], (int)a[1], &nv, a[3] ? &ov : NULL) < 0)
        return linux_err(errno);
    if (a[3] && copy_to_user(pm, a[3], &ov, sizeof(ov)))
        return -EFAULT;
    return 0;
}

long sys_timer_gettime(struct pagemu *pm, const uint64_t *a)
{
    struct itimerspec v;

    if (syscall(SYS_timer_gettime, (int)a[0], &v) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

long sys_timer_getoverrun(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    long r = syscall(SYS_timer_getoverrun, (int)a[0]);
    return r < 0 ? linux_err(errno) : r;
}

long sys_timer_delete(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return syscall(SYS_timer_delete, (int)a[0]) < 0 ? linux_err(errno) : 0;
}
