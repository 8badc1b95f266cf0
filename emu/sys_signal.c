/*
 * sys_signal.c - signal syscalls, validated as kernel/signal.c validates
 * them: dispositions, the mask and the alternate stack; sending (kill,
 * tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo); waiting
 * (rt_sigpending, rt_sigsuspend, pause, rt_sigtimedwait).  Queueing and
 * delivery are in signal.c, the frame and rt_sigreturn in signal_frame.c.
 *
 * The guest's pid is the host's.  A signal the guest sends to itself is
 * queued in pagemu; one for another process goes to the host's kill()/
 * tgkill(), except that the emulator never sends one to itself: a process
 * group that contains it is signalled member by member (/proc), and the
 * emulator's own other threads are not the guest's threads.
 *
 * Waiting: host signals are not forwarded (but for a child's SIGCHLD, see
 * sigchld.c), so with one guest thread nothing else can make a signal
 * pending while the guest sleeps.  pause() or
 * rt_sigsuspend() with nothing deliverable therefore sleep in the host's
 * sigsuspend with the emulator's mask, as Linux would sleep forever: an
 * outside signal then acts on the emulator with its host disposition (by
 * default ending it with that signal, as it would end the guest).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "pm_signal.h"
#include "process.h"
#include "uaccess.h"
#include "syscall.h"

#define UNBLOCKABLE (SIGMASK_OF(LINUX_SIGKILL) | SIGMASK_OF(LINUX_SIGSTOP))
#define LINUX_SIG_BLOCK 0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

/* ---- dispositions and the mask ------------------------------------------- */

long sys_rt_sigaction(struct pagemu *pm, const uint64_t *a)
{
    int sig = (int)a[0];
    struct linux_sigaction nw;
    if (a[3] != 8)
        return -EINVAL;
    if (a[1] && copy_from_user(pm, &nw, a[1], sizeof(nw)))
        return -EFAULT;
    /* do_sigaction */
    if (sig < 1 || sig > LINUX_NSIG || (a[1] && (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)))
        return -EINVAL;
    struct linux_sigaction old = pm->sigact[sig - 1];
    if (a[1]) {
        /* Unknown flag bits are cleared, so user space can detect them. */
        nw.flags &= LINUX_UAPI_SA_FLAGS;
        nw.mask &= ~UNBLOCKABLE;
        pm->sigact[sig - 1] = nw;
        hostsig_sync(pm, sig);  /* the host's disposition follows (sigchld.c) */
        /* POSIX 3.3.1.3: setting SIG_IGN, or SIG_DFL for a signal whose
         * default is to ignore, discards it if pending, blocked or not. */
        if (sig_handler_ignored(nw.handler, sig))
            flush_sigqueue_mask(pm, SIGMASK_OF(sig));
    }
    if (a[2] && copy_to_user(pm, a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_rt_sigprocmask(struct pagemu *pm, const uint64_t *a)
{
    uint64_t old = pm->sigmask, set;
    if (a[3] != 8)
        return -EINVAL;
    if (a[1]) {
        if (copy_from_user(pm, &set, a[1], sizeof(set)))
            return -EFAULT;
        switch ((int)a[0]) {
        case LINUX_SIG_BLOCK: set |= pm->sigmask; break;
        case LINUX_SIG_UNBLOCK: set = pm->sigmask & ~set; break;
        case LINUX_SIG_SETMASK: break;
        default: return -EINVAL;
        }
        /* Newly unblocked pending signals are delivered on the way out. */
        signal_set_blocked(pm, set);
    }
    if (a[2] && copy_to_user(pm, a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_rt_sigpending(struct pagemu *pm, const uint64_t *a)
{
    /* do_sigpending: pending and blocked; sigsetsize up to 8 bytes. */
    uint64_t set = pm->sig.pending & pm->sigmask;
    if (a[1] > sizeof(set))
        return -EINVAL;
    return copy_to_user(pm, a[0], &set, a[1]) ? -EFAULT : 0;
}

/* ---- the alternate stack --------------------------------------------------- */

bool on_sig_stack_raw(const struct pagemu *pm, uint64_t sp)
{
    return sp > pm->altstack.sp && sp - pm->altstack.sp <= pm->altstack.size;
}

bool on_sig_stack(const struct pagemu *pm, uint64_t sp)
{
    /* With SS_AUTODISARM a process cannot be on the stack by construction. */
    if (pm->altstack.flags & (int32_t)LINUX_SS_AUTODISARM)
        return false;
    return on_sig_stack_raw(pm, sp);
}

int sas_ss_flags(const struct pagemu *pm, uint64_t sp)
{
    if (!pm->altstack.size)
        return LINUX_SS_DISABLE;
    return on_sig_stack(pm, sp) ? LINUX_SS_ONSTACK : 0;
}

void sas_ss_reset(struct pagemu *pm)
{
    pm->altstack.sp = 0;
    pm->altstack.size = 0;
    pm->altstack.flags = LINUX_SS_DISABLE;
}

int do_sigaltstack(struct pagemu *pm, const struct linux_stack *ss, struct linux_stack *oss,
                   uint64_t sp, uint64_t min_ss_size)
{
    if (oss) {
        memset(oss, 0, sizeof(*oss));
        oss->ss_sp = pm->altstack.sp;
        oss->ss_size = pm->altstack.size;
        oss->ss_flags = sas_ss_flags(pm, sp) | (pm->altstack.flags & (int32_t)LINUX_SS_AUTODISARM);
    }
    if (ss) {
        uint64_t ss_sp = ss->ss_sp, ss_size = ss->ss_size;
        int32_t ss_flags = ss->ss_flags;
        if (on_sig_stack(pm, sp))
            return -EPERM;
        int mode = ss_flags & ~(int32_t)LINUX_SS_AUTODISARM;
        if (mode != LINUX_SS_DISABLE && mode != LINUX_SS_ONSTACK && mode != 0)
            return -EINVAL;
        if (pm->altstack.sp == ss_sp && pm->altstack.size == ss_size &&
            pm->altstack.flags == ss_flags)
            return 0;
        if (mode == LINUX_SS_DISABLE) {
            ss_size = 0;
            ss_sp = 0;
        } else if (ss_size < min_ss_size) {
            return -ENOMEM;
        }
        pm->altstack.sp = ss_sp;
        pm->altstack.size = ss_size;
        pm->altstack.flags = ss_flags;
    }
    return 0;
}

long sys_sigaltstack(struct pagemu *pm, const uint64_t *a)
{
    struct linux_stack n, o;
    if (a[0] && copy_from_user(pm, &n, a[0], sizeof(n)))
        return -EFAULT;
    int err = do_sigaltstack(pm, a[0] ? &n : NULL, a[1] ? &o : NULL,
                             reg_read(pm, UC_X86_REG_RSP), LINUX_MINSIGSTKSZ);
    if (!err && a[1] && copy_to_user(pm, a[1], &o, sizeof(o)))
        err = -EFAULT;
    return err;
}

/* ---- sending ----------------------------------------------------------------- */

/* kernel/signal.c: prepare_kill_siginfo — the sender's pid and uid. */
static void kill_info(struct linux_siginfo *info, int sig, int code)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = code;
    info->u.kill.pid = getpid();
    info->u.kill.uid = getuid();
}

/* The guest sends to itself (check_kill_permission, do_send_sig_info). */
static long send_self(struct pagemu *pm, int sig, const struct linux_siginfo *info)
{
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (sig == 0)
        return 0;
    return send_signal_self(pm, info, false);
}

static long host_ret(long r)
{
    return r < 0 ? -errno : r;
}

/* Is tid one of the emulator's own host threads (not the guest's)? */
static bool own_host_thread(int tid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
    return access(path, F_OK) == 0;
}

/* kill(0 or -pgrp) for the emulator's own group: the guest gets it from
 * pagemu, the other members from the host (kernel/signal.c: __kill_pgrp_info
 * succeeds when any member got it; the guest always does). */
static long kill_own_pgrp(struct pagemu *pm, pid_t pgrp, int sig, const struct linux_siginfo *info)
{
    long ret = send_self(pm, sig, info);
    if (ret == -EINVAL)
        return ret;
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t self = getpid();
    while (d && (e = readdir(d)) != NULL) {
        char *end, path[64], buf[512];
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        /* "pid (comm) state ppid pgrp ...": comm may hold ')' */
        char *p = strrchr(buf, ')');
        int ppid, their_pgrp;
        char state;
        if (p && sscanf(p + 1, " %c %d %d", &state, &ppid, &their_pgrp) == 3 &&
            their_pgrp == pgrp)
            kill((pid_t)pid, sig);
    }
    if (d)
        closedir(d);
    return ret;
}

long sys_kill(struct pagemu *pm, const uint64_t *a)
{
    pid_t pid = (pid_t)a[0];
    int sig = (int)a[1];
    struct linux_siginfo info;
    kill_info(&info, sig, LINUX_SI_USER);
    /* kernel/signal.c: kill_something_info */
    /* a thread's tid names its whole thread group */
    if (pid > 0)
        return thread_is_ours(pm, pid) ? send_self(pm, sig, &info) : host_ret(kill(pid, sig));
    if (pid == INT_MIN)
        return -ESRCH;
    if (pid == 0 || -pid == getpgrp())
        return kill_own_pgrp(pm, getpgrp(), sig, &info);
    /* -1: every process but init and the caller; another group */
    return host_ret(kill(pid, sig));
}

/* kernel/signal.c: do_tkill -> do_send_specific */
static long do_tkill(struct pagemu *pm, pid_t tgid, pid_t pid, int sig)
{
    struct linux_siginfo info;
    pid_t self = getpid();
    /* Any thread of ours: the signal is the process's (thread.c keeps no
     * per-thread pending set), taken by whichever thread runs next with
     * it unblocked. */
    if (pid == self || thread_is_ours(pm, pid)) {
        if (tgid > 0 && tgid != self)
            return -ESRCH;
        kill_info(&info, sig, LINUX_SI_TKILL);
        return send_self(pm, sig, &info);
    }
    if (tgid == self || own_host_thread(pid))
        return -ESRCH;
    return tgid > 0 ? host_ret(syscall(SYS_tgkill, tgid, pid, sig))
                    : host_ret(syscall(SYS_tkill, pid, sig));
}

long sys_tgkill(struct pagemu *pm, const uint64_t *a)
{
    pid_t tgid = (pid_t)a[0], pid = (pid_t)a[1];
    if (pid <= 0 || tgid <= 0)
        return -EINVAL;
    return do_tkill(pm, tgid, pid, (int)a[2]);
}

long sys_tkill(struct pagemu *pm, const uint64_t *a)
{
    pid_t pid = (pid_t)a[0];
    if (pid <= 0)
        return -EINVAL;
    return do_tkill(pm, 0, pid, (int)a[1]);
}

/* kernel/signal.c: do_rt_sigqueueinfo / do_rt_tgsigqueueinfo */
static long sigqueueinfo(struct pagemu *pm, pid_t tgid, pid_t pid, int sig, uint64_t uinfo)
{
    struct linux_siginfo info;
    if (copy_from_user(pm, &info, uinfo, sizeof(info)))
        return -EFAULT;
    info.si_signo = sig;
    /* Not even root can pretend to send signals from the kernel, nor
     * impersonate kill()/tgkill(), which add source info. */
    if ((info.si_code >= 0 || info.si_code == LINUX_SI_TKILL) && pid != thread_tid(pm))
        return -EPERM;
    /* one of the guest's threads (pending for the process, thread.c) */
    if (thread_is_ours(pm, pid) && (tgid <= 0 || tgid == getpid()))
        return send_self(pm, sig, &info);
    if (thread_is_ours(pm, pid) || tgid == getpid() || own_host_thread(pid))
        return -ESRCH;
    return tgid > 0 ? host_ret(syscall(SYS_rt_tgsigqueueinfo, tgid, pid, sig, &info))
                    : host_ret(syscall(SYS_rt_sigqueueinfo, pid, sig, &info));
}

long sys_rt_sigqueueinfo(struct pagemu *pm, const uint64_t *a)
{
    return sigqueueinfo(pm, 0, (pid_t)a[0], (int)a[1], a[2]);
}

long sys_rt_tgsigqueueinfo(struct pagemu *pm, const uint64_t *a)
{
    pid_t tgid = (pid_t)a[0], pid = (pid_t)a[1];
    if (pid <= 0 || tgid <= 0)
        return -EINVAL;
    return sigqueueinfo(pm, tgid, pid, (int)a[2], a[3]);
}

/* ---- waiting ------------------------------------------------------------------- */

/* Nothing can wake the guest but a child's SIGCHLD (sigchld.c): sleep
 * until the host gets a signal. */
static void sleep_until_host_signal(struct pagemu *pm)
{
    sigchld_sleep(pm);
}

long sys_pause(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    /* kernel/signal.c: sys_pause; -ERESTARTNOHAND becomes -EINTR when a
     * handler runs (signal.c: syscall_restart). */
    if (!signal_pending_unblocked(&pm->sig, pm->sigmask))
        sleep_until_host_signal(pm);
    return -LINUX_ERESTARTNOHAND;
}

long sys_rt_sigsuspend(struct pagemu *pm, const uint64_t *a)
{
    uint64_t set;
    if (a[1] != 8)
        return -EINVAL;
    if (copy_from_user(pm, &set, a[0], sizeof(set)))
        return -EFAULT;
    /* kernel/signal.c: sigsuspend — the frame saves the old mask, and it
     * is put back after delivery (TIF_RESTORE_SIGMASK). */
    pm->sig.saved_sigmask = pm->sigmask;
    signal_set_blocked(pm, set);
    if (!signal_pending_unblocked(&pm->sig, pm->sigmask))
        sleep_until_host_signal(pm);
    pm->sig.restore_sigmask = true;
    return -LINUX_ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(struct pagemu *pm, const uint64_t *a)
{
    uint64_t these;
    struct { int64_t sec, nsec; } ts;
    struct linux_siginfo info;
    bool from_fault;

    if (a[3] != 8)
        return -EINVAL;
    if (copy_from_user(pm, &these, a[0], sizeof(these)))
        return -EFAULT;
    if (a[2] && copy_from_user(pm, &ts, a[2], sizeof(ts)))
        return -EFAULT;
    /* do_sigtimedwait */
    if (a[2] && (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000))
        return -EINVAL;
    these &= ~UNBLOCKABLE;
    int sig = dequeue_signal(pm, ~these, &info, &from_fault);
    if (!sig) {
        if (!a[2]) {
            sleep_until_host_signal(pm);
            return -EINTR;
        }
        if (ts.sec || ts.nsec) {
            struct timespec t = {(time_t)ts.sec, (long)ts.nsec};
            if (nanosleep(&t, NULL))
                return -EINTR;
        }
        return -EAGAIN;
    }
    if (a[1] && copy_to_user(pm, a[1], &info, sizeof(info)))
        return -EFAULT;
    return sig;
}

/*
 * kernel/signal.c: pidfd_send_signal.  A pidfd of the guest's own process
 * (the host's pidfd of the emulator, /proc/self/fdinfo says whose) gets
 * the signal through pagemu, like kill(getpid()); any other goes to the
 * host.
 */
long sys_pidfd_send_signal(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, (long)a[0]);
    int sig = (int)a[1];
    unsigned flags = (unsigned)a[3];
    struct linux_siginfo info;
    if (host < 0)
        return host;
    if (flags)
        return -EINVAL;
    char path[64], line[128];
    long pid = -1;
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", host);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Pid: %ld", &pid) == 1)
            break;
    if (f)
        fclose(f);
    if (pid != getpid()) {
        /* not ours (or not a pidfd: the host says -EBADF) */
        if (!a[2])
            return host_ret(syscall(SYS_pidfd_send_signal, host, sig, NULL, 0));
        if (copy_from_user(pm, &info, a[2], sizeof(info)))
            return -EFAULT;
        return host_ret(syscall(SYS_pidfd_send_signal, host, sig, &info, 0));
    }
    if (sig < 0 || sig > LINUX_NSIG)
        return -EINVAL;
    if (a[2]) {
        if (copy_from_user(pm, &info, a[2], sizeof(info)))
            return -EFAULT;
        if (info.si_signo != sig)
            return -EINVAL;
        /* sending arbitrary siginfo is allowed to oneself */
    } else {
        kill_info(&info, sig, LINUX_SI_USER);
    }
    return send_self(pm, sig, &info);
}
