/*
 * sys_info.c - the identity, limit and information calls of the
 * "sys_process.c" group: getpid and the other ids, uname, the rlimit calls,
 * sysinfo, sched_getaffinity, sched_yield, getrandom, rseq.
 * exit, exit_group, arch_prctl, futex, set_tid_address and set_robust_list
 * live with the run loop.
 *
 * The guest is one single-threaded process that is the host process, so
 * ids pass through and gettid is getpid.  Limits that pagemu itself
 * enforces (RLIMIT_STACK for stack growth, RLIMIT_NOFILE for the guest fd
 * table) live in the handle; the rest are the host's.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fuzz.h"
#include "pagemu_int.h"
#include "syscall.h"
#include "uaccess.h"

/* include/linux/fs.h: MAX_RW_COUNT */
#define MAX_RW_COUNT ((size_t)(INT_MAX & ~4095))
/* include/uapi/linux/random.h */
#define LINUX_GRND_NONBLOCK 0x0001u
#define LINUX_GRND_RANDOM 0x0002u
#define LINUX_GRND_INSECURE 0x0004u
/* include/uapi/asm-generic/resource.h */
#define LINUX_RLIM_NLIMITS 16u
/* fs/file.c: sysctl_nr_open default (1024 * 1024) */
#define LINUX_NR_OPEN (1024u * 1024u)

_Static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname");
_Static_assert(sizeof(struct rlimit) == 16, "struct rlimit/rlimit64");
_Static_assert(sizeof(struct sysinfo) == 112, "x86-64 struct sysinfo");
_Static_assert(RLIMIT_NLIMITS == LINUX_RLIM_NLIMITS, "RLIM_NLIMITS");

/* include/asm-generic/access_ok.h: __access_ok() */
static inline bool access_ok(const struct pagemu *pm, uint64_t addr, uint64_t size)
{
    uint64_t limit = pm->mm.task_size;

    return size <= limit && addr <= limit - size;
}

/* ---- ids -------------------------------------------------------------- */

long sys_getpid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return getpid();
}

/* The thread-group leader's tid is the pid (thread.c numbers the others). */
long sys_gettid(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    return thread_tid(pm);
}

long sys_getppid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return getppid();
}

long sys_getuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return (long)getuid();
}

long sys_getgid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return (long)getgid();
}

long sys_geteuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return (long)geteuid();
}

long sys_getegid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return (long)getegid();
}

long sys_getpgrp(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return getpgrp();
}

long sys_getpgid(struct pagemu *pm, const uint64_t *a)
{
    pid_t r = getpgid((pid_t)a[0]);

    (void)pm;
    return r < 0 ? linux_err(errno) : r;
}

long sys_getsid(struct pagemu *pm, const uint64_t *a)
{
    pid_t r = getsid((pid_t)a[0]);

    (void)pm;
    return r < 0 ? linux_err(errno) : r;
}

/* kernel/sys.c: getresuid/getresgid - three put_user()s in order, the
 * first fault ends it. */
static long put_ids3(struct pagemu *pm, const uint64_t *a, const uint32_t id[3])
{
    int i;

    for (i = 0; i < 3; i++)
        if (copy_to_user(pm, a[i], &id[i], sizeof(id[i])))
            return -EFAULT;
    return 0;
}

long sys_getresuid(struct pagemu *pm, const uint64_t *a)
{
    uid_t r, e, s;
    uint32_t id[3];

    if (getresuid(&r, &e, &s) < 0)
        return linux_err(errno);
    id[0] = r;
    id[1] = e;
    id[2] = s;
    return put_ids3(pm, a, id);
}

long sys_getresgid(struct pagemu *pm, const uint64_t *a)
{
    gid_t r, e, s;
    uint32_t id[3];

    if (getresgid(&r, &e, &s) < 0)
        return linux_err(errno);
    id[0] = r;
    id[1] = e;
    id[2] = s;
    return put_ids3(pm, a, id);
}

/* kernel/groups.c: getgroups — size 0 asks for the count; a smaller
 * nonzero size is -EINVAL; negative is -EINVAL. */
long sys_getgroups(struct pagemu *pm, const uint64_t *a)
{
    int size = (int)a[0];
    gid_t g[65536];
    int n = getgroups(65536, g);

    if (size < 0)
        return -EINVAL;
    if (n < 0)
        return linux_err(errno);
    if (size == 0)
        return n;
    if (size < n)
        return -EINVAL;
    uint32_t out[256];
    for (int i = 0; i < n; i += 256) {
        int k = n - i < 256 ? n - i : 256;
        for (int j = 0; j < k; j++)
            out[j] = g[i + j];
        if (copy_to_user(pm, a[1] + (uint64_t)i * 4, out, (size_t)k * 4))
            return -EFAULT;
    }
    return n;
}

/* ---- uname, sysinfo --------------------------------------------------- */

/* kernel/sys.c: newuname - the host's, with the machine this guest is. */
long sys_uname(struct pagemu *pm, const uint64_t *a)
{
    struct utsname u;

    if (uname(&u) < 0)
        return linux_err(errno);
    memset(u.machine, 0, sizeof(u.machine));
    memcpy(u.machine, "x86_64", sizeof("x86_64"));
    return copy_to_user(pm, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

/* kernel/sys.c: sysinfo - the host's figures; with the virtual clock
 * (vclock.c) the uptime is its CLOCK_BOOTTIME, rounded up as do_sysinfo
 * does, and the load averages are 0 (the memory and process counts stay
 * the host's). */
long sys_sysinfo(struct pagemu *pm, const uint64_t *a)
{
    struct sysinfo si;

    memset(&si, 0, sizeof(si));
    if (sysinfo(&si) < 0)
        return linux_err(errno);
    if (pm->cfg.deterministic) {
        uint64_t boot = vclock_mono(pm, vclock_read(pm));

        si.uptime = (long)(boot / 1000000000 + (boot % 1000000000 != 0));
        memset(si.loads, 0, sizeof(si.loads));
    }
    return copy_to_user(pm, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

/* ---- rlimits ---------------------------------------------------------- */

static int host_prlimit(unsigned int resource, const struct rlimit *new,
                        struct rlimit *old)
{
    return (int)syscall(SYS_prlimit64, 0, resource, new, old);
}

static uint64_t stack_rlimit(const struct pagemu *pm)
{
    return pm->mm.stack_rlimit ? pm->mm.stack_rlimit : pm->cfg.stack_rlimit;
}

/*
 * Limits whose soft value the host must not take: RLIMIT_STACK and
 * RLIMIT_NOFILE are enforced by pagemu for the guest, and RLIMIT_AS and
 * RLIMIT_DATA would starve the emulator itself (the frame pool alone is
 * a large private mapping).
 */
static bool guest_owned(unsigned int resource)
{
    return resource == RLIMIT_STACK || resource == RLIMIT_NOFILE ||
           resource == RLIMIT_AS || resource == RLIMIT_DATA;
}

/*
 * kernel/sys.c: do_prlimit() - reads the old value and installs the new one.
 * Checks in the kernel's order: resource < RLIM_NLIMITS (-EINVAL), soft <=
 * hard (-EINVAL), RLIMIT_NOFILE hard <= nr_open (-EPERM), raising the hard
 * limit needs CAP_SYS_RESOURCE (-EPERM; asked of the host by raising its
 * hard limit, which is harmless).
 *
 * The guest's hard limits are the host's: a guest that lowers a hard limit
 * of a guest-owned resource sees its soft value change, but the hard value
 * is not remembered (struct pagemu has no place for it).  For RLIMIT_AS and
 * RLIMIT_DATA the new value is checked and accepted but not kept.
 */
static long do_prlimit(struct pagemu *pm, unsigned int resource,
                       const struct rlimit *new, struct rlimit *old)
{
    struct rlimit host, cur;

    if (resource >= LINUX_RLIM_NLIMITS)
        return -EINVAL;
    if (new) {
        if (new->rlim_cur > new->rlim_max)
            return -EINVAL;
        if (resource == RLIMIT_NOFILE && new->rlim_max > LINUX_NR_OPEN)
            return -EPERM;
    }
    if (host_prlimit(resource, NULL, &host) < 0)
        return linux_err(errno);
    cur = host;
    if (resource == RLIMIT_STACK)
        cur.rlim_cur = stack_rlimit(pm);
    else if (resource == RLIMIT_NOFILE)
        cur.rlim_cur = (rlim_t)pm->fds.max;
    if (cur.rlim_cur > cur.rlim_max)
        cur.rlim_max = cur.rlim_cur;

    if (new && guest_owned(resource)) {
        struct rlimit h = host;
        bool change = false;

        if (new->rlim_max > cur.rlim_max) {
            h.rlim_max = new->rlim_max;
            change = true;
        }
        /* host fd numbers must have room for as many guest fds */
        if (resource == RLIMIT_NOFILE && new->rlim_cur > h.rlim_cur) {
            h.rlim_cur = h.rlim_max;
            change = true;
        }
        if (change && host_prlimit(resource, &h, NULL) < 0)
            return linux_err(errno);
        if (resource == RLIMIT_STACK) {
            /* stack growth and the next exec's layout use it */
            pm->mm.stack_rlimit = new->rlim_cur;
            pm->cfg.stack_rlimit = new->rlim_cur;
        } else if (resource == RLIMIT_NOFILE) {
            pm->fds.max = (int)new->rlim_cur;   /* <= LINUX_NR_OPEN */
        }
    } else if (new) {
        if (host_prlimit(resource, new, NULL) < 0)
            return linux_err(errno);
    }
    if (old)
        *old = cur;
    return 0;
}

/* kernel/sys.c: getrlimit */
long sys_getrlimit(struct pagemu *pm, const uint64_t *a)
{
    struct rlimit r;
    long err = do_prlimit(pm, (unsigned int)a[0], NULL, &r);

    if (err)
        return err;
    return copy_to_user(pm, a[1], &r, sizeof(r)) ? -EFAULT : 0;
}

/* kernel/sys.c: setrlimit - the new value is read first. */
long sys_setrlimit(struct pagemu *pm, const uint64_t *a)
{
    struct rlimit r;

    if (copy_from_user(pm, &r, a[1], sizeof(r)))
        return -EFAULT;
    return do_prlimit(pm, (unsigned int)a[0], &r, NULL);
}

/* kernel/sys.c: prlimit64 - new is read before the pid is looked up; only
 * the guest itself (pid 0 or its own pid) can be named. */
long sys_prlimit64(struct pagemu *pm, const uint64_t *a)
{
    pid_t pid = (pid_t)a[0];
    struct rlimit new, old;
    long err;

    if (a[2] && copy_from_user(pm, &new, a[2], sizeof(new)))
        return -EFAULT;
    if (pid != 0 && pid != getpid())
        return -ESRCH;
    err = do_prlimit(pm, (unsigned int)a[1], a[2] ? &new : NULL,
                     a[3] ? &old : NULL);
    if (err)
        return err;
    if (a[3] && copy_to_user(pm, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* ---- scheduler -------------------------------------------------------- */

/*
 * kernel/sched/syscalls.c: sched_getaffinity - len*8 < nr_cpu_ids and a
 * len that is not a multiple of 8 are -EINVAL; the result is
 * min(len, cpumask_size()) bytes and that count is returned.  Passing len
 * to the host unchanged gives exactly those checks (the 32-bit wrap of
 * len * 8 included); the host writes at most cpumask_size() bytes, which
 * on x86 (NR_CPUS <= 8192) is at most 1 KiB.
 */
long sys_sched_getaffinity(struct pagemu *pm, const uint64_t *a)
{
    unsigned char mask[8192];
    unsigned int len = (unsigned int)a[1];
    long r;

    if (len > sizeof(mask)) {
        /* Only pass a larger len once the host's mask is known to fit. */
        r = syscall(SYS_sched_getaffinity, (pid_t)a[0], sizeof(mask), mask);
        if (r >= (long)sizeof(mask))
            len = sizeof(mask);
    }
    r = syscall(SYS_sched_getaffinity, (pid_t)a[0], len, mask);
    if (r < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[2], mask, (size_t)r) ? -EFAULT : r;
}

long sys_sched_yield(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    if (thread_count(pm) > 1)
        thread_yield(pm);   /* the next guest thread's turn */
    else
        sched_yield();
    return 0;
}

/* ---- getrandom -------------------------------------------------------- */

/*
 * drivers/char/random.c: getrandom - flags GRND_NONBLOCK|GRND_RANDOM|
 * GRND_INSECURE only, and not INSECURE with RANDOM; the length is capped to
 * MAX_RW_COUNT (import_ubuf(); since Linux 5.18 there is no smaller cap),
 * and a fault after some bytes returns those bytes.  The bytes come from the
 * handle's generator, so a --seed makes them deterministic.  pagemu's pool
 * is always "ready", so GRND_NONBLOCK never gives -EAGAIN.
 */
long sys_getrandom(struct pagemu *pm, const uint64_t *a)
{
    unsigned int flags = (unsigned int)a[2];
    size_t len = a[1] > MAX_RW_COUNT ? MAX_RW_COUNT : (size_t)a[1];
    size_t total = 0;

    if (flags & ~(LINUX_GRND_NONBLOCK | LINUX_GRND_RANDOM | LINUX_GRND_INSECURE))
        return -EINVAL;
    if ((flags & (LINUX_GRND_INSECURE | LINUX_GRND_RANDOM)) ==
        (LINUX_GRND_INSECURE | LINUX_GRND_RANDOM))
        return -EINVAL;
    if (!access_ok(pm, a[0], len))
        return -EFAULT;
    while (total < len) {
        struct iovec iov[16];
        size_t cov = 0;
        int n = user_iovec(pm, a[0] + total, len - total, 1, iov, 16, &cov);
        int i;

        if (n <= 0)
            break;
        for (i = 0; i < n; i++)
            pm_random_bytes(pm, iov[i].iov_base, iov[i].iov_len);
        total += cov;
    }
    if (total == 0 && len > 0)
        return -EFAULT;
    return (long)total;
}

/* glibc registers rseq at start-up and carries on without it on -ENOSYS. */
long sys_rseq(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

/* kernel/sys.c: getcpu — the guest's one CPU is CPU 0 on node 0. */
long sys_getcpu(struct pagemu *pm, const uint64_t *a)
{
    uint32_t zero = 0;
    if ((a[0] && copy_to_user(pm, a[0], &zero, sizeof(zero))) ||
        (a[1] && copy_to_user(pm, a[1], &zero, sizeof(zero))))
        return -EFAULT;
    return 0;
}
