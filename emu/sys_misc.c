/*
 * sys_misc.c - prctl, file locks and space, scheduling parameters, memory
 * locking, membarrier, personality, splice and tee, pidfd_open.
 *
 * A guest process is a host process with the same pid, so what concerns
 * the process as the host kernel sees it (its scheduling, its locks, its
 * parent-death signal) is the host's; what concerns the guest image
 * (its name, its personality, the tid address) is pagemu's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "mm.h"
#include "syscall.h"
#include "uaccess.h"
#include "procfs.h"

static long host_ret(long r)
{
    return r < 0 ? linux_err(errno) : r;
}

/* A pid argument that names this process or one of its threads: the
 * host's 0 (the emulator); others pass through. */
static pid_t own_pid(const struct pagemu *pm, pid_t pid)
{
    return pid == 0 || thread_is_ours(pm, pid) ? 0 : pid;
}

/* ---- prctl (kernel/sys.c) ------------------------------------------------- */

long sys_prctl(struct pagemu *pm, const uint64_t *a)
{
    int opt = (int)a[0];
    uint64_t arg2 = a[1];
    switch (opt) {
    case PR_SET_NAME: {
        /* set_task_comm: at most TASK_COMM_LEN - 1 bytes */
        char name[16];
        memset(name, 0, sizeof(name));
        long n = strncpy_from_user(pm, name, arg2, sizeof(name));
        if (n == -EFAULT)
            return -EFAULT;
        name[15] = 0;
        memcpy(pm->comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME: {
        /* the calling thread's own (get_task_comm) */
        char name[16];
        if (pm->comm[0])
            memcpy(name, pm->comm, sizeof(name));
        else
            proc_comm_exec(pm, name);
        return copy_to_user(pm, arg2, name, sizeof(name)) ? -EFAULT : 0;
    }
    case PR_SET_DUMPABLE:
        /* SUID_DUMP_DISABLE or SUID_DUMP_USER only */
        if (arg2 > 1)
            return -EINVAL;
        pm->dumpable_off = arg2 == 0;
        return 0;
    case PR_GET_DUMPABLE:
        return pm->dumpable_off ? 0 : 1;
    case PR_GET_TID_ADDRESS:
        return copy_to_user(pm, arg2, &pm->clear_child_tid, 8) ? -EFAULT : 0;
    case PR_SET_TIMERSLACK:
        /* 0 resets to the default (50 us) */
        pm->timer_slack = arg2 ? arg2 : 50000;
        return 0;
    case PR_GET_TIMERSLACK:
        return (long)(pm->timer_slack ? pm->timer_slack : 50000);
    case PR_SET_THP_DISABLE:
        if (a[2] || a[3] || a[4])
            return -EINVAL;
        pm->thp_disable = arg2 != 0;
        return 0;
    case PR_GET_THP_DISABLE:
        if (arg2 || a[2] || a[3] || a[4])
            return -EINVAL;
        return pm->thp_disable;
    case PR_GET_SECCOMP:
        return 0; /* SECCOMP_MODE_DISABLED */
    case PR_SET_SECCOMP:
        /* pagemu does not filter the guest's syscalls: as a kernel
         * without CONFIG_SECCOMP */
        return -EINVAL;
    case PR_SET_PDEATHSIG:
        if (arg2 > 64)
            return -EINVAL; /* !valid_signal */
        /* the emulator gets the signal, and passes it on like any other */
        return host_ret(prctl(PR_SET_PDEATHSIG, (unsigned long)arg2, 0, 0, 0));
    case PR_GET_PDEATHSIG: {
        int sig = 0;
        if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
            return linux_err(errno);
        return copy_to_user(pm, arg2, &sig, sizeof(sig)) ? -EFAULT : 0;
    }
    case PR_GET_CHILD_SUBREAPER: {
        int v = 0;
        if (prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) < 0)
            return linux_err(errno);
        return copy_to_user(pm, arg2, &v, sizeof(v)) ? -EFAULT : 0;
    }
    case PR_SET_CHILD_SUBREAPER:
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
    case PR_CAPBSET_READ:
    case PR_CAP_AMBIENT:
    case PR_GET_SECUREBITS:
    case PR_GET_SPECULATION_CTRL:
    case PR_MCE_KILL_GET:
        /* integers in and out: the host process's own */
        return host_ret(prctl(opt, (unsigned long)arg2, (unsigned long)a[2], (unsigned long)a[3],
                              (unsigned long)a[4]));
    default:
        /* PR_SET_MM, PR_SET_VMA, PR_SET_PTRACER and the rest: as a kernel
         * without them */
        return -EINVAL;
    }
}

/* ---- files ---------------------------------------------------------------- */

/* fs/locks.c: flock - the host's lock on the host file */
long sys_flock(struct pagemu *pm, const uint64_t *a)
{
    int fd = fd_host(pm, (long)a[0]);
    unsigned cmd = (unsigned)a[1] & ~(unsigned)LOCK_NB;
    if (fd < 0)
        return fd;
    if (cmd != LOCK_SH && cmd != LOCK_EX && cmd != LOCK_UN)
        return -EINVAL;
    return host_ret(flock(fd, (int)a[1]));
}

long sys_fallocate(struct pagemu *pm, const uint64_t *a)
{
    int fd = fd_host(pm, (long)a[0]);
    if (fd < 0)
        return fd;
    return host_ret(syscall(SYS_fallocate, fd, (int)a[1], (off_t)a[2], (off_t)a[3]));
}

long sys_fadvise64(struct pagemu *pm, const uint64_t *a)
{
    int fd = fd_host(pm, (long)a[0]);
    if (fd < 0)
        return fd;
    return host_ret(syscall(SYS_fadvise64, fd, (off_t)a[1], (off_t)a[2], (int)a[3]));
}

long sys_sync(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    /* MAP_SHARED file pages pagemu holds reach the file first */
    mm_writeback(&pm->mm, 0, pm->mm.task_size);
    sync();
    return 0;
}

/* fs/file.c: close_range - [first, last] of the guest's table */
#define CLOSE_RANGE_UNSHARE_ (1u << 1)
#define CLOSE_RANGE_CLOEXEC_ (1u << 2)

long sys_close_range(struct pagemu *pm, const uint64_t *a)
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
    if (flags & ~(CLOSE_RANGE_UNSHARE_ | CLOSE_RANGE_CLOEXEC_))
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    for (long g = first; g <= (long)last && g < pm->fds.n; g++) {
        if (pm->fds.fd[g].host < 0)
            continue;
        if (flags & CLOSE_RANGE_CLOEXEC_)
            pm->fds.fd[g].cloexec = 1;
        else
            fd_close(pm, g);
    }
    return 0;
}

/* fs/splice.c: splice and tee between the host files, offsets copied */
long sys_splice(struct pagemu *pm, const uint64_t *a)
{
    int in = fd_host(pm, (long)a[0]), out = fd_host(pm, (long)a[2]);
    loff_t off_in, off_out;
    if (in < 0)
        return in;
    if (out < 0)
        return out;
    /* __do_splice: an offset for a pipe end is -ESPIPE, before it is read */
    struct stat si, so;
    if (fstat(in, &si) < 0 || fstat(out, &so) < 0)
        return linux_err(errno);
    if ((a[1] && S_ISFIFO(si.st_mode)) || (a[3] && S_ISFIFO(so.st_mode)))
        return -ESPIPE;
    if (procfs_is_generated(in))
        return -EINVAL; /* no splice_read, as Linux's /proc files */
    if (a[1] && copy_from_user(pm, &off_in, a[1], sizeof(off_in)))
        return -EFAULT;
    if (a[3] && copy_from_user(pm, &off_out, a[3], sizeof(off_out)))
        return -EFAULT;
    long r = syscall(SYS_splice, in, a[1] ? &off_in : NULL, out, a[3] ? &off_out : NULL,
                     (size_t)a[4], (unsigned)a[5]);
    if (r < 0)
        return linux_err(errno);
    if (a[1] && copy_to_user(pm, a[1], &off_in, sizeof(off_in)))
        return -EFAULT;
    if (a[3] && copy_to_user(pm, a[3], &off_out, sizeof(off_out)))
        return -EFAULT;
    return r;
}

long sys_tee(struct pagemu *pm, const uint64_t *a)
{
    int in = fd_host(pm, (long)a[0]), out = fd_host(pm, (long)a[1]);
    if (in < 0)
        return in;
    if (out < 0)
        return out;
    return host_ret(syscall(SYS_tee, in, out, (size_t)a[2], (unsigned)a[3]));
}

/* kernel/pid.c: pidfd_open - the host's pidfd (guest pids are host pids),
 * always close-on-exec */
long sys_pidfd_open(struct pagemu *pm, const uint64_t *a)
{
    pid_t pid = (pid_t)a[0];
    if (thread_is_ours(pm, pid) && pid != getpid())
        return -ENOENT; /* not a thread-group leader: no PIDFD_THREAD */
    long fd = syscall(SYS_pidfd_open, pid, (unsigned)a[1]);
    if (fd < 0)
        return linux_err(errno);
    return fd_install(pm, (int)fd, 1, 0);
}

/* ---- scheduling (kernel/sched/core.c, kernel/sys.c) ------------------------ */

long sys_getpriority(struct pagemu *pm, const uint64_t *a)
{
    int which = (int)a[0];
    id_t who = (id_t)a[1];
    if (which == PRIO_PROCESS)
        who = (id_t)own_pid(pm, (pid_t)who);
    /* the raw syscall: 20 - nice, never negative */
    return host_ret(syscall(SYS_getpriority, which, who));
}

long sys_setpriority(struct pagemu *pm, const uint64_t *a)
{
    int which = (int)a[0];
    id_t who = (id_t)a[1];
    if (which == PRIO_PROCESS)
        who = (id_t)own_pid(pm, (pid_t)who);
    return host_ret(syscall(SYS_setpriority, which, who, (int)a[2]));
}

long sys_sched_setaffinity(struct pagemu *pm, const uint64_t *a)
{
    unsigned char mask[8192];
    size_t len = (size_t)a[1] < sizeof(mask) ? (size_t)a[1] : sizeof(mask);
    memset(mask, 0, sizeof(mask));
    if (copy_from_user(pm, mask, a[2], len))
        return -EFAULT;
    return host_ret(syscall(SYS_sched_setaffinity, own_pid(pm, (pid_t)a[0]), len, mask));
}

long sys_sched_setparam(struct pagemu *pm, const uint64_t *a)
{
    struct sched_param p;
    if ((pid_t)a[0] < 0 || !a[1])
        return -EINVAL;
    if (copy_from_user(pm, &p, a[1], sizeof(p)))
        return -EFAULT;
    return host_ret(syscall(SYS_sched_setparam, own_pid(pm, (pid_t)a[0]), &p));
}

long sys_sched_getparam(struct pagemu *pm, const uint64_t *a)
{
    struct sched_param p;
    if ((pid_t)a[0] < 0 || !a[1])
        return -EINVAL;
    if (syscall(SYS_sched_getparam, own_pid(pm, (pid_t)a[0]), &p) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &p, sizeof(p)) ? -EFAULT : 0;
}

long sys_sched_setscheduler(struct pagemu *pm, const uint64_t *a)
{
    struct sched_param p;
    if ((pid_t)a[0] < 0 || !a[2])
        return -EINVAL;
    if (copy_from_user(pm, &p, a[2], sizeof(p)))
        return -EFAULT;
    return host_ret(syscall(SYS_sched_setscheduler, own_pid(pm, (pid_t)a[0]), (int)a[1], &p));
}

long sys_sched_getscheduler(struct pagemu *pm, const uint64_t *a)
{
    if ((pid_t)a[0] < 0)
        return -EINVAL;
    return host_ret(syscall(SYS_sched_getscheduler, own_pid(pm, (pid_t)a[0])));
}

long sys_sched_get_priority_max(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_sched_get_priority_max, (int)a[0]));
}

long sys_sched_get_priority_min(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_sched_get_priority_min, (int)a[0]));
}

long sys_sched_rr_get_interval(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    if ((pid_t)a[0] < 0)
        return -EINVAL;
    if (syscall(SYS_sched_rr_get_interval, own_pid(pm, (pid_t)a[0]), &ts) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

/*
 * kernel/sched/membarrier.c.  pagemu's threads take turns on one CPU, so
 * every barrier is already there: the commands succeed once their
 * registration rules are met.
 */
enum {
    MB_QUERY = 0, MB_GLOBAL = 1, MB_GLOBAL_EXPEDITED = 2, MB_REGISTER_GLOBAL_EXPEDITED = 4,
    MB_PRIVATE_EXPEDITED = 8, MB_REGISTER_PRIVATE_EXPEDITED = 16,
    MB_PRIVATE_EXPEDITED_SYNC_CORE = 32, MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64,
};

long sys_membarrier(struct pagemu *pm, const uint64_t *a)
{
    int cmd = (int)a[0];
    if (a[1])
        return -EINVAL;
    switch (cmd) {
    case MB_QUERY:
        return MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED |
               MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED |
               MB_PRIVATE_EXPEDITED_SYNC_CORE | MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
    case MB_GLOBAL:
    case MB_GLOBAL_EXPEDITED:
        return 0;
    case MB_REGISTER_GLOBAL_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        pm->membarrier_reg |= (unsigned)cmd;
        return 0;
    case MB_PRIVATE_EXPEDITED:
    case MB_PRIVATE_EXPEDITED_SYNC_CORE:
        /* -EPERM before the process registered for it */
        return pm->membarrier_reg & (unsigned)(cmd << 1) ? 0 : -EPERM;
    default:
        return -EINVAL;
    }
}

/* ---- memory locking (mm/mlock.c) ------------------------------------------- */

/* Every page of [start, start+len) must be mapped: -ENOMEM otherwise. */
static long mlock_range(struct pagemu *pm, uint64_t start, uint64_t len)
{
    uint64_t end = (start + len + 4095) & ~4095ULL;
    start &= ~4095ULL;
    if (end < start)
        return -EINVAL;
    while (start < end) {
        struct vm_area_struct *v = vma_lookup(&pm->mm, start);
        if (!v)
            return -ENOMEM;
        start = v->vm_end;
    }
    /* The frames are never paged out: locked already. */
    return 0;
}

long sys_mlock(struct pagemu *pm, const uint64_t *a)
{
    return mlock_range(pm, a[0], a[1]);
}

long sys_mlock2(struct pagemu *pm, const uint64_t *a)
{
    if (a[2] & ~1ULL) /* MLOCK_ONFAULT */
        return -EINVAL;
    return mlock_range(pm, a[0], a[1]);
}

long sys_munlock(struct pagemu *pm, const uint64_t *a)
{
    return mlock_range(pm, a[0], a[1]);
}

long sys_mlockall(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    uint64_t f = a[0];
    /* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4: one of the first two */
    if (!f || (f & ~7ULL) || f == 4)
        return -EINVAL;
    return 0;
}

long sys_munlockall(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return 0;
}

/* ---- personality (kernel/exec_domain.c) ----------------------------------- */

long sys_personality(struct pagemu *pm, const uint64_t *a)
{
    uint32_t old = pm->personality;
    /* 0xffffffff only asks */
    if ((uint32_t)a[0] != 0xffffffffu)
        pm->personality = (uint32_t)a[0];
    return old;
}

/* ---- credentials (kernel/sys.c, kernel/groups.c, kernel/capability.c) ------- */

/*
 * The guest's credentials are the emulator's: a guest that drops root
 * drops it for the files pagemu opens on its behalf too.  Raw syscalls,
 * so only the thread that runs the guest changes (as Linux's own calls
 * are per task; the C library's wrappers are what spread them).
 */
long sys_setuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setuid, (uid_t)a[0]));
}

long sys_setgid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setgid, (gid_t)a[0]));
}

long sys_setreuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setreuid, (uid_t)a[0], (uid_t)a[1]));
}

long sys_setregid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setregid, (gid_t)a[0], (gid_t)a[1]));
}

long sys_setresuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setresuid, (uid_t)a[0], (uid_t)a[1], (uid_t)a[2]));
}

long sys_setresgid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_setresgid, (gid_t)a[0], (gid_t)a[1], (gid_t)a[2]));
}

/* setfsuid/setfsgid never fail: they return the old value */
long sys_setfsuid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return syscall(SYS_setfsuid, (uid_t)a[0]);
}

long sys_setfsgid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return syscall(SYS_setfsgid, (gid_t)a[0]);
}

/* kernel/groups.c: setgroups - at most NGROUPS_MAX (65536) */
long sys_setgroups(struct pagemu *pm, const uint64_t *a)
{
    int n = (int)a[0];
    if (n < 0 || n > 65536)
        return -EINVAL;
    gid_t *g = malloc((size_t)(n ? n : 1) * sizeof(gid_t));
    if (!g)
        return -ENOMEM;
    long r = n && copy_from_user(pm, g, a[1], (size_t)n * sizeof(gid_t)) ? -EFAULT
             : host_ret(syscall(SYS_setgroups, n, g));
    free(g);
    return r;
}

/* kernel/capability.c: the header's version picks 1 (v1) or 2 (v2, v3)
 * data structs of three u32; an unknown version is written back as the
 * preferred one with -EINVAL. */
static long caps(struct pagemu *pm, const uint64_t *a, bool set)
{
    struct { uint32_t version; int pid; } hdr;
    uint32_t data[6];
    if (copy_from_user(pm, &hdr, a[0], sizeof(hdr)))
        return -EFAULT;
    int n = hdr.version == 0x19980330 ? 1 : 2; /* _LINUX_CAPABILITY_VERSION_1 */
    struct { uint32_t version; int pid; } h = {hdr.version, own_pid(pm, hdr.pid)};
    if (set && a[1] && copy_from_user(pm, data, a[1], (size_t)n * 12))
        return -EFAULT;
    long r = syscall(set ? SYS_capset : SYS_capget, &h, a[1] ? data : NULL);
    int e = errno;
    if (h.version != hdr.version) {
        hdr.version = h.version;
        if (copy_to_user(pm, a[0], &hdr, sizeof(hdr)))
            return -EFAULT;
    }
    if (r < 0)
        return linux_err(e);
    if (!set && a[1] && copy_to_user(pm, a[1], data, (size_t)n * 12))
        return -EFAULT;
    return 0;
}

long sys_capget(struct pagemu *pm, const uint64_t *a)
{
    return caps(pm, a, false);
}

long sys_capset(struct pagemu *pm, const uint64_t *a)
{
    return caps(pm, a, true);
}

/* kernel/futex/syscalls.c: get_robust_list - of this process's threads */
long sys_get_robust_list(struct pagemu *pm, const uint64_t *a)
{
    int pid = (int)a[0];
    uint64_t head = pm->robust_list, len = 24;
    if (pid && pid != thread_tid(pm)) {
        if (!thread_is_ours(pm, pid))
            return -ESRCH;
        for (int i = 0; i < pm->thr.n; i++)
            if (pm->thr.t[i].tid == pid)
                head = pm->thr.t[i].robust_list;
    }
    if (copy_to_user(pm, a[1], &head, 8) || copy_to_user(pm, a[2], &len, 8))
        return -EFAULT;
    return 0;
}
