/*
 * sys_fork.c - fork, vfork, clone and clone3 for a new process, and the
 * waits: wait4, waitid (kernel/fork.c, kernel/exit.c).
 *
 * A new guest process is a new emulator process: the host fork()s, so the
 * child carries the whole guest — Unicorn with its registers and
 * translated code, the frame pool (a MAP_PRIVATE mapping, so copy-on-write),
 * the page table, the VMAs and the fd table, whose host fds the host's fork
 * duplicates.  The parent's guest gets the child's host pid, which is its
 * guest pid (getpid passes through), and the child's gets 0.
 *
 * What kernel/fork.c: copy_process does not copy is reset in the child:
 * pending signals (init_sigpending), the robust-futex list (futex_init_task),
 * clear_child_tid unless CLONE_CHILD_CLEARTID; and pagemu's own per-process
 * state: the /proc/self/maps regeneration registry (the child's inherited fd
 * then reads the parent's maps, as a Linux seq_file bound to the parent
 * would), the random generator (so parent and child differ), and a vfork
 * parent's wake-up pipe.  stdio is flushed before the fork so that output
 * the embedding program has buffered (the trace) is written once.
 *
 * Shared memory between processes cannot be had this way, so CLONE_VM is
 * refused with ENOSYS — threads (CLONE_THREAD, CLONE_SIGHAND) included —
 * except together with CLONE_VFORK, which is what vfork(), posix_spawn,
 * system() and popen() use: the child then runs on a copy of the memory,
 * and the parent sleeps until it execs or exits (kernel/fork.c:
 * wait_for_vfork_done) on a close-on-exec pipe that the child's exec or
 * exit closes.  Stores the child makes before its exec are not seen by the
 * parent; glibc's and musl's posix_spawn cope (an exec failure then shows
 * as exit status 127).  CLONE_FILES and CLONE_FS (sharing the fd table or
 * cwd with another process) are ENOSYS for the same reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "process.h"
#include "procfs.h"
#include "syscall.h"
#include "uaccess.h"

/* include/uapi/linux/sched.h (the host's is the same ABI) */
#define LINUX_CSIGNAL 0x000000ffULL
#define LINUX_SIGCHLD 17
#define LINUX_NSIG 64
#define LINUX_SIG_DFL 0ULL
#define LINUX_SIG_IGN 1ULL
/* include/uapi/linux/sched.h: CLONE_ARGS_SIZE_VER0..2 */
#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER2 88
/* include/linux/pid_namespace.h: MAX_PID_NS_LEVEL */
#define MAX_PID_NS_LEVEL 32
#define PAGE_SZ 4096
/* include/uapi/linux/wait.h */
#define LINUX_P_PIDFD 3

/* kernel/fork.c: CLONE_LEGACY_FLAGS, the flags clone3 also takes */
#define LEGACY_FLAGS 0xffffffffULL

/* Flags the host's clone3 gets as they are: namespaces, CLONE_PARENT,
 * CLONE_PIDFD; they do the same to the emulator as to the guest. */
#define HOST_FLAGS                                                            \
    (CLONE_PARENT | CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
     CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)
/* Flags with no effect on a process that shares no memory with its parent
 * and is not traced: CLONE_PTRACE, CLONE_UNTRACED (tracing), CLONE_IO (I/O
 * scheduling), CLONE_SYSVSEM (pagemu has no SysV semaphores) and
 * CLONE_DETACHED (ignored by Linux itself). */
#define NOOP_FLAGS                                                            \
    (CLONE_PTRACE | CLONE_UNTRACED | CLONE_IO | CLONE_SYSVSEM | CLONE_DETACHED)

/* kernel/fork.c: struct kernel_clone_args, the part pagemu uses */
struct kernel_clone_args {
    uint64_t flags;
    uint64_t pidfd;           /* guest pointer */
    uint64_t child_tid;       /* guest pointer */
    uint64_t parent_tid;      /* guest pointer */
    int exit_signal;
    uint64_t stack;           /* the child's RSP, 0: the parent's */
    uint64_t tls;
    uint64_t set_tid;         /* guest pointer to set_tid_size pids */
    uint64_t set_tid_size;
    uint64_t cgroup;
};

/* ---- the child -------------------------------------------------------------- */

/* Start the child's own life (copy_process, schedule_tail). */
static void child_setup(struct pagemu *pm, const struct kernel_clone_args *args,
                        int vfork_wfd, uint64_t seed)
{
    /* A vfork child's child must not keep its grandparent waiting. */
    if (pm->vfork_done_fd >= 0)
        close(pm->vfork_done_fd);
    pm->vfork_done_fd = vfork_wfd;

    /* Only the calling thread goes on in the child. */
    thread_after_fork(pm);
    /* init_sigpending: the child starts with no pending signal. */
    pm->sig.pending = 0;
    pm->sig.nq = 0;
    sigchld_forget();
    /* copy_process: p->min_flt = p->maj_flt = 0 (getrusage's counts) */
    pm->mm.minor_faults = 0;
    /* futex_init_task; CLONE_CHILD_CLEARTID */
    pm->robust_list = 0;
    pm->robust_len = 0;
    pm->clear_child_tid = (args->flags & CLONE_CHILD_CLEARTID) ? args->child_tid : 0;
    /* The maps files the parent opened stay the parent's (procfs.c). */
    memset(pm->proc_maps_fd, 0, sizeof(pm->proc_maps_fd));
    pm_seed_rng(pm, seed, pm->cfg.have_seed);

    /* copy_sighand: CLONE_CLEAR_SIGHAND resets handlers, not SIG_IGN
     * (flush_signal_handlers(p, 0)). */
    if (args->flags & CLONE_CLEAR_SIGHAND) {
        for (int i = 0; i < LINUX_NSIG; i++)
            if (pm->sigact[i].handler != LINUX_SIG_IGN) {
                pm->sigact[i].handler = LINUX_SIG_DFL;
                pm->sigact[i].flags = 0;
                pm->sigact[i].restorer = 0;
                pm->sigact[i].mask = 0;
            }
        sigchld_sync(pm);
    }
    /* copy_thread: the new stack and TLS */
    if (args->stack)
        reg_write(pm, UC_X86_REG_RSP, args->stack);
    if (args->flags & CLONE_SETTLS)
        reg_write(pm, UC_X86_REG_FS_BASE, args->tls);
    /* schedule_tail: CLONE_CHILD_SETTID, in the child's memory */
    if (args->flags & CLONE_CHILD_SETTID) {
        int32_t tid = getpid();
        copy_to_user(pm, args->child_tid, &tid, sizeof(tid));
    }
}

/* ---- kernel_clone ------------------------------------------------------------- */

/* copy_process's consistency checks, then pagemu's limits. */
static long clone_flags_ok(struct pagemu *pm, const struct kernel_clone_args *a)
{
    uint64_t f = a->flags;
    if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
        (f & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
        return -EINVAL;
    /* Thread groups share signals; shared signal handlers imply shared VM. */
    if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
        return -EINVAL;
    if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
        return -EINVAL;
    if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID)))
        return -EINVAL;
    if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
        return -EINVAL;
    /* kernel_clone: for legacy clone both would be written at parent_tid */
    if ((f & CLONE_PIDFD) && (f & CLONE_PARENT_SETTID) && a->pidfd == a->parent_tid)
        return -EINVAL;
    /* copy_thread -> do_arch_prctl_64(ARCH_SET_FS): a canonical user base */
    if ((f & CLONE_SETTLS) && a->tls >= pm->mm.task_size)
        return -EPERM;

    /*
     * A thread (thread.c) shares everything.  Otherwise pagemu has no
     * memory, fd table or fs state shared between processes.
     */
    if (f & CLONE_THREAD) {
        if (!(f & CLONE_VM) || (f & (CLONE_VFORK | CLONE_INTO_CGROUP | HOST_FLAGS)))
            return -ENOSYS;
        return 0;
    }
    if (f & (CLONE_SIGHAND | CLONE_FILES | CLONE_FS))
        return -ENOSYS;
    if ((f & CLONE_VM) && !(f & CLONE_VFORK))
        return -ENOSYS;
    if (f & CLONE_INTO_CGROUP)
        return -ENOSYS;
    uint64_t known = CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID |
                     CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_CLEAR_SIGHAND |
                     HOST_FLAGS | NOOP_FLAGS;
    if (f & ~known)
        return -EINVAL;
    return 0;
}

/* The host's clone3 for what glibc's fork() cannot ask for (another exit
 * signal, namespaces, a pidfd, CLONE_PARENT, set_tid).  No CLONE_VM: the
 * child is a full copy, so the C library's state in it stays consistent
 * (pagemu has one thread and holds no lock here). */
static pid_t host_clone3(const struct kernel_clone_args *a, const pid_t *set_tid,
                         int *pidfd)
{
    struct clone_args h;
    memset(&h, 0, sizeof(h));
    h.flags = a->flags & HOST_FLAGS;
    h.pidfd = (uint64_t)(uintptr_t)pidfd;
    h.exit_signal = (uint64_t)a->exit_signal;
    if (a->set_tid_size) {
        h.set_tid = (uint64_t)(uintptr_t)set_tid;
        h.set_tid_size = a->set_tid_size;
    }
    return (pid_t)syscall(SYS_clone3, &h, sizeof(h));
}

/* kernel/fork.c: kernel_clone, for a new process. */
static long kernel_clone(struct pagemu *pm, struct kernel_clone_args *args)
{
    long err = clone_flags_ok(pm, args);
    if (err)
        return err;
    if (args->flags & CLONE_THREAD)
        return thread_clone(pm, args->flags, args->stack, args->parent_tid, args->child_tid,
                            args->tls);

    pid_t set_tid[MAX_PID_NS_LEVEL];
    if (args->set_tid_size &&
        copy_from_user(pm, set_tid, args->set_tid, args->set_tid_size * sizeof(pid_t)))
        return -EFAULT;

    /* wait_for_vfork_done: the child's exec or exit closes the write end */
    int vfd[2] = {-1, -1};
    if ((args->flags & CLONE_VFORK) && pipe2(vfd, O_CLOEXEC) < 0)
        return linux_err(errno);

    /* The child's generator seed: the next value of a seeded run's
     * generator (reproducible), else fresh entropy. */
    uint64_t seed = pm->cfg.have_seed ? pm_random(pm) : 0;
    fflush(NULL);

    int pidfd = -1;
    pid_t pid;
    if (!(args->flags & HOST_FLAGS) && args->exit_signal == LINUX_SIGCHLD && !args->set_tid_size)
        pid = fork();
    else
        pid = host_clone3(args, set_tid, &pidfd);
    if (pid < 0) {
        err = linux_err(errno);
        if (vfd[0] >= 0) {
            close(vfd[0]);
            close(vfd[1]);
        }
        return err;
    }
    if (pid == 0) {
        if (vfd[0] >= 0)
            close(vfd[0]);
        child_setup(pm, args, vfd[1], seed);
        return 0;
    }

    /* The parent.  CLONE_PIDFD: an O_CLOEXEC pidfd in the parent only. */
    if (args->flags & CLONE_PIDFD) {
        long g = fd_install(pm, pidfd, 1, 0);
        int32_t gfd = (int32_t)g;
        if (g >= 0)
            copy_to_user(pm, args->pidfd, &gfd, sizeof(gfd));
    }
    if (args->flags & CLONE_PARENT_SETTID) {
        int32_t nr = pid;
        copy_to_user(pm, args->parent_tid, &nr, sizeof(nr));
    }
    if (vfd[0] >= 0) {
        char c;
        close(vfd[1]);
        while (read(vfd[0], &c, 1) < 0 && errno == EINTR)
            ;
        close(vfd[0]);
    }
    return pid;
}

long sys_fork(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    struct kernel_clone_args args = {.exit_signal = LINUX_SIGCHLD};
    return kernel_clone(pm, &args);
}

long sys_vfork(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    struct kernel_clone_args args = {
        .flags = CLONE_VFORK | CLONE_VM,
        .exit_signal = LINUX_SIGCHLD,
    };
    return kernel_clone(pm, &args);
}

/* x86-64 clone(flags, newsp, parent_tidptr, child_tidptr, tls) */
long sys_clone(struct pagemu *pm, const uint64_t *a)
{
    uint32_t flags = (uint32_t)a[0];   /* lower_32_bits(clone_flags) */
    struct kernel_clone_args args = {
        .flags = flags & ~LINUX_CSIGNAL,
        .pidfd = a[2],
        .child_tid = a[3],
        .parent_tid = a[2],
        .exit_signal = (int)(flags & LINUX_CSIGNAL),
        .stack = a[1],
        .tls = a[4],
    };
    if (args.exit_signal > LINUX_NSIG)
        return -EINVAL;
    /* With CLONE_PARENT the exit signal is the parent's own (kernel_clone),
     * which clone3 wants as 0. */
    if (args.flags & CLONE_PARENT)
        args.exit_signal = 0;
    return kernel_clone(pm, &args);
}

/* include/uapi/linux/sched.h: struct clone_args (VER2, 88 bytes) */
struct linux_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
_Static_assert(sizeof(struct linux_clone_args) == CLONE_ARGS_SIZE_VER2, "clone_args");

/* kernel/fork.c: copy_clone_args_from_user and clone3_args_valid */
long sys_clone3(struct pagemu *pm, const uint64_t *a)
{
    uint64_t uargs = a[0], usize = a[1];
    struct linux_clone_args ca;

    if (usize > PAGE_SZ)
        return -E2BIG;
    if (usize < CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    /* copy_struct_from_user: a larger struct's tail must be zero */
    memset(&ca, 0, sizeof(ca));
    if (copy_from_user(pm, &ca, uargs, usize < sizeof(ca) ? usize : sizeof(ca)))
        return -EFAULT;
    for (uint64_t off = sizeof(ca); off < usize; off++) {
        uint8_t b;
        if (copy_from_user(pm, &b, uargs + off, 1))
            return -EFAULT;
        if (b)
            return -E2BIG;
    }
    if (ca.set_tid_size > MAX_PID_NS_LEVEL || (!ca.set_tid && ca.set_tid_size) ||
        (ca.set_tid && !ca.set_tid_size))
        return -EINVAL;
    if ((ca.exit_signal & ~LINUX_CSIGNAL) || ca.exit_signal > LINUX_NSIG)
        return -EINVAL;
    if ((ca.flags & CLONE_INTO_CGROUP) && (ca.cgroup > INT32_MAX || usize < CLONE_ARGS_SIZE_VER2))
        return -EINVAL;
    /* clone3_args_valid */
    if (ca.flags & ~(LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
        return -EINVAL;
    if (ca.flags & (CLONE_DETACHED | (LINUX_CSIGNAL & ~(uint64_t)CLONE_NEWTIME)))
        return -EINVAL;
    if ((ca.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
        return -EINVAL;
    if ((ca.flags & (CLONE_THREAD | CLONE_PARENT)) && ca.exit_signal)
        return -EINVAL;
    /* clone3_stack_valid: a stack is its lowest address and a size */
    uint64_t sp = 0;
    if (ca.stack == 0) {
        if (ca.stack_size)
            return -EINVAL;
    } else {
        if (!ca.stack_size || ca.stack_size > pm->mm.task_size ||
            ca.stack > pm->mm.task_size - ca.stack_size)
            return -EINVAL;
        sp = ca.stack + ca.stack_size;
    }
    struct kernel_clone_args args = {
        .flags = ca.flags,
        .pidfd = ca.pidfd,
        .child_tid = ca.child_tid,
        .parent_tid = ca.parent_tid,
        .exit_signal = (int)ca.exit_signal,
        .stack = sp,
        .tls = ca.tls,
        .set_tid = ca.set_tid,
        .set_tid_size = ca.set_tid_size,
        .cgroup = ca.cgroup,
    };
    return kernel_clone(pm, &args);
}

/* ---- waiting (kernel/exit.c) ------------------------------------------------ */

_Static_assert(sizeof(struct rusage) == 144, "x86-64 struct rusage");

/*
 * wait4: the host's, for the host pid is the guest's.  The status and the
 * rusage are written only for a reaped child (ret > 0), the status first,
 * as kernel_wait4 and sys_wait4 do.  The rusage is the child emulator's
 * (all 0 with the virtual clock: the host's times and sizes would differ
 * from run to run).
 */
long sys_wait4(struct pagemu *pm, const uint64_t *a)
{
    struct rusage ru;
    int status = 0;
    pid_t r = wait4((pid_t)a[0], a[1] ? &status : NULL, (int)a[2], a[3] ? &ru : NULL);
    if (r < 0)
        return linux_err(errno);
    if (pm->cfg.deterministic)
        memset(&ru, 0, sizeof(ru));
    if (r > 0 && a[1] && copy_to_user(pm, a[1], &status, sizeof(status)))
        return -EFAULT;
    if (r > 0 && a[3] && copy_to_user(pm, a[3], &ru, sizeof(ru)))
        return -EFAULT;
    return r;
}

/*
 * waitid: the host's; P_PIDFD names a guest fd.  kernel/exit.c: waitid
 * writes si_signo (SIGCHLD, or 0 when nothing was reaped under WNOHANG),
 * si_errno, si_code, si_pid, si_uid and si_status, and nothing else of the
 * siginfo; the rusage only when a child was found.
 */
long sys_waitid(struct pagemu *pm, const uint64_t *a)
{
    int which = (int)a[0];
    long id = (long)(int)a[1];
    siginfo_t si;
    struct rusage ru;

    if (which == LINUX_P_PIDFD) {
        long h = fd_host(pm, id);
        if (h < 0)
            return h;
        id = h;
    }
    memset(&si, 0, sizeof(si));
    long r = syscall(SYS_waitid, which, id, &si, (int)a[3], a[4] ? &ru : NULL);
    if (r < 0)
        return linux_err(errno);
    if (pm->cfg.deterministic)   /* as for wait4 */
        memset(&ru, 0, sizeof(ru));
    if (si.si_signo && a[4] && copy_to_user(pm, a[4], &ru, sizeof(ru)))
        return -EFAULT;
    if (a[2]) {
        /* {si_signo, si_errno, si_code} at 0, {si_pid, si_uid, si_status} at 16 */
        int32_t head[3] = {si.si_signo, 0, si.si_code};
        int32_t tail[3] = {si.si_pid, (int32_t)si.si_uid, si.si_status};
        if (copy_to_user(pm, a[2], head, sizeof(head)) ||
            copy_to_user(pm, a[2] + 16, tail, sizeof(tail)))
            return -EFAULT;
    }
    return 0;
}

/* ---- process groups and sessions (kernel/sys.c) ------------------------------- */

long sys_setpgid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return setpgid((pid_t)a[0], (pid_t)a[1]) < 0 ? linux_err(errno) : 0;
}

long sys_setsid(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    pid_t r = setsid();
    return r < 0 ? linux_err(errno) : r;
}
