/*
 * signal.c - the guest's pending signals and their delivery, following
 * kernel/signal.c (send_signal_locked, prepare_signal, dequeue_signal,
 * get_signal, force_sig_info_to_task) and arch/x86/kernel/signal.c
 * (handle_signal, signal_setup_done).
 *
 * Signals are delivered where Linux delivers them: on the way back to user
 * mode, i.e. after every syscall (do_syscall_64) and after every trap (the
 * run loop).  Each delivery to a handler pushes one rt_sigframe
 * (signal_frame.c); several pending signals stack several frames, the last
 * one's handler running first, as exit_to_user_mode_loop does.
 *
 * Default actions (kernel/signal.c: sig_kernel_* masks):
 *   ignore     SIGCHLD SIGCONT SIGURG SIGWINCH: dropped.
 *   terminate  the rest, real-time signals included: the run ends with the
 *              signal (status 128+signo from the CLI).
 *   core       SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGSEGV SIGSYS
 *              SIGXCPU SIGXFSZ: as terminate, result.core_dumped set.
 *   stop       SIGSTOP SIGTSTP SIGTTIN SIGTTOU: the guest is the emulator's
 *              process as far as the outside world can tell, so pagemu
 *              stops that process for real: it raises the same signal on
 *              itself with the host disposition SIG_DFL.  The host kernel
 *              then applies job control, including the orphaned process
 *              group rule for SIGTSTP/SIGTTIN/SIGTTOU (do_signal_stop /
 *              is_current_pgrp_orphaned), and the run resumes on SIGCONT.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "pagemu_int.h"
#include "strace.h"
#include "pm_signal.h"
#include "process.h"
#include "uaccess.h"

#define M(sig) SIGMASK_OF(sig)

/* kernel/signal.c: SYNCHRONOUS_MASK — dequeued before any other signal, so
 * that the frame's RIP is the faulting instruction's. */
#define SYNCHRONOUS_MASK                                                      \
    (M(LINUX_SIGSEGV) | M(LINUX_SIGBUS) | M(LINUX_SIGILL) | M(LINUX_SIGTRAP) | \
     M(LINUX_SIGFPE) | M(LINUX_SIGSYS))

/* include/linux/signal.h: SIG_KERNEL_*_MASK (x86-64 has no SIGEMT) */
#define SIG_KERNEL_ONLY_MASK (M(LINUX_SIGKILL) | M(LINUX_SIGSTOP))
#define SIG_KERNEL_STOP_MASK                                                  \
    (M(LINUX_SIGSTOP) | M(LINUX_SIGTSTP) | M(LINUX_SIGTTIN) | M(LINUX_SIGTTOU))
#define SIG_KERNEL_COREDUMP_MASK                                              \
    (M(LINUX_SIGQUIT) | M(LINUX_SIGILL) | M(LINUX_SIGTRAP) | M(LINUX_SIGABRT) | \
     M(LINUX_SIGFPE) | M(LINUX_SIGSEGV) | M(LINUX_SIGBUS) | M(LINUX_SIGSYS) |  \
     M(LINUX_SIGXCPU) | M(LINUX_SIGXFSZ))
#define SIG_KERNEL_IGNORE_MASK                                                \
    (M(LINUX_SIGCONT) | M(LINUX_SIGCHLD) | M(LINUX_SIGWINCH) | M(LINUX_SIGURG))

/* Only the classic signals have these default actions (sig < SIGRTMIN). */
static bool in_mask(int sig, uint64_t mask)
{
    return sig < LINUX_SIGRTMIN && (M(sig) & mask);
}

bool sig_kernel_coredump(int sig)
{
    return sig >= 1 && in_mask(sig, SIG_KERNEL_COREDUMP_MASK);
}

bool sig_handler_ignored(uint64_t handler, int sig)
{
    return handler == LINUX_SIG_IGN ||
           (handler == LINUX_SIG_DFL && in_mask(sig, SIG_KERNEL_IGNORE_MASK));
}

void signal_set_blocked(struct pagemu *pm, uint64_t mask)
{
    /* kernel/signal.c: set_current_blocked -> sigdelsetmask(SIGKILL|SIGSTOP) */
    pm->sigmask = mask & ~SIG_KERNEL_ONLY_MASK;
}

/*
 * kernel/signal.c: set_user_sigmask - the mask ppoll, pselect6 and
 * epoll_pwait wait with: a size other than 8 is -EINVAL, a bad pointer
 * -EFAULT; the old mask is kept in saved_sigmask.  *set says whether a mask
 * was installed (umask NULL: none).
 */
long signal_set_user_mask(struct pagemu *pm, uint64_t umask, uint64_t size, bool *set)
{
    uint64_t m;
    *set = false;
    if (!umask)
        return 0;
    if (size != 8)
        return -EINVAL;
    if (copy_from_user(pm, &m, umask, sizeof(m)))
        return -EFAULT;
    pm->sig.saved_sigmask = pm->sigmask;
    signal_set_blocked(pm, m);
    *set = true;
    return 0;
}

/* kernel/signal.c: restore_saved_sigmask_unless - a wait a signal ended
 * keeps its mask until that signal's handler is set up (its frame saves
 * the old one, TIF_RESTORE_SIGMASK); any other outcome puts it back now. */
void signal_restore_user_mask(struct pagemu *pm, bool set, bool interrupted)
{
    if (!set)
        return;
    if (interrupted)
        pm->sig.restore_sigmask = true;
    else
        signal_set_blocked(pm, pm->sig.saved_sigmask);
}

/* Is a signal the wait's mask lets through already pending (a forwarded
 * host one included)?  Such a wait does not sleep (fs/select.c: do_poll
 * and do_select check signal_pending after a first pass over the fds). */
bool signal_wait_interrupted(struct pagemu *pm)
{
    sigchld_poll(pm);
    return signal_pending_unblocked(&pm->sig, pm->sigmask);
}

/* ---- the queue (struct sigpending) ------------------------------------- */

static void queue_del(struct pm_signal_state *s, int i)
{
    memmove(&s->q[i], &s->q[i + 1], (size_t)(s->nq - i - 1) * sizeof(s->q[0]));
    s->nq--;
}

void flush_sigqueue_mask(struct pagemu *pm, uint64_t mask)
{
    /* kernel/signal.c: flush_sigqueue_mask */
    struct pm_signal_state *s = &pm->sig;
    for (int i = 0; i < s->nq;) {
        if (mask & M(s->q[i].info.si_signo))
            queue_del(s, i);
        else
            i++;
    }
    s->pending &= ~mask;
}

/* kernel/signal.c: sig_ignored (for the one thread, never ptraced). */
static bool sig_ignored(struct pagemu *pm, int sig)
{
    /* Blocked signals are never ignored: the handler may change by the
     * time they are unblocked. */
    if (pm->sigmask & M(sig))
        return false;
    return sig_handler_ignored(pm->sigact[sig - 1].handler, sig);
}

/* kernel/signal.c: prepare_signal — stop and continue signals cancel each
 * other's pending instances; ignored signals are dropped. */
static bool prepare_signal(struct pagemu *pm, int sig)
{
    if (in_mask(sig, SIG_KERNEL_STOP_MASK))
        flush_sigqueue_mask(pm, M(LINUX_SIGCONT));
    else if (sig == LINUX_SIGCONT)
        flush_sigqueue_mask(pm, SIG_KERNEL_STOP_MASK);
    return !sig_ignored(pm, sig);
}

int send_signal_self(struct pagemu *pm, const struct linux_siginfo *info, bool from_fault)
{
    struct pm_signal_state *s = &pm->sig;
    int sig = info->si_signo;

    if (!prepare_signal(pm, sig))
        return 0;
    /* legacy_queue: a standard signal already pending is not queued twice. */
    if (sig < LINUX_SIGRTMIN && (s->pending & M(sig)))
        return 0;
    if (s->nq < PM_SIGQUEUE_MAX) {
        s->q[s->nq].info = *info;
        s->q[s->nq].from_fault = from_fault;
        s->nq++;
    } else if (sig >= LINUX_SIGRTMIN && info->si_code != LINUX_SI_USER) {
        /* __send_signal_locked: real-time queue overflow, not from kill(). */
        return -EAGAIN;
    }
    /* else: the signal stays pending without its info (collect_signal
     * then reports SI_USER with no sender). */
    s->pending |= M(sig);
    return 0;
}

void force_sig_info(struct pagemu *pm, const struct linux_siginfo *info, bool from_fault)
{
    /* kernel/signal.c: force_sig_info_to_task(HANDLER_CURRENT): a blocked
     * or ignored trap signal cannot be held off, so it is reset to SIG_DFL
     * and unblocked — and kills. */
    int sig = info->si_signo;
    struct linux_sigaction *ka = &pm->sigact[sig - 1];
    bool blocked = pm->sigmask & M(sig);
    if (blocked || ka->handler == LINUX_SIG_IGN) {
        ka->handler = LINUX_SIG_DFL;
        if (blocked)
            pm->sigmask &= ~M(sig);
    }
    send_signal_self(pm, info, from_fault);
}

void force_sig_fault(struct pagemu *pm, int sig, int code, uint64_t addr)
{
    /* kernel/signal.c: force_sig_fault; SI_KERNEL traps use force_sig(),
     * whose siginfo has no address (si_addr reads 0). */
    struct linux_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = sig;
    info.si_code = code;
    if (code != LINUX_SI_KERNEL)
        info.u.fault.addr = addr;
    force_sig_info(pm, &info, true);
}

/* kernel/signal.c: collect_signal */
static void collect_signal(struct pagemu *pm, int sig, struct linux_siginfo *info, bool *from_fault)
{
    struct pm_signal_state *s = &pm->sig;
    int first = -1;
    bool still_pending = false;
    for (int i = 0; i < s->nq; i++) {
        if (s->q[i].info.si_signo != sig)
            continue;
        if (first >= 0) {
            still_pending = true;
            break;
        }
        first = i;
    }
    if (!still_pending)
        s->pending &= ~M(sig);
    if (first >= 0) {
        *info = s->q[first].info;
        *from_fault = s->q[first].from_fault;
        queue_del(s, first);
    } else {
        /* It was not in the queue: out of queue space.  Zero the info. */
        memset(info, 0, sizeof(*info));
        info->si_signo = sig;
        info->si_code = LINUX_SI_USER;
        *from_fault = false;
    }
}

int dequeue_signal(struct pagemu *pm, uint64_t blocked, struct linux_siginfo *info, bool *from_fault)
{
    /* kernel/signal.c: next_signal — synchronous signals first, then the
     * lowest number. */
    uint64_t x = pm->sig.pending & ~blocked;
    if (!x)
        return 0;
    if (x & SYNCHRONOUS_MASK)
        x &= SYNCHRONOUS_MASK;
    int sig = __builtin_ctzll(x) + 1;
    collect_signal(pm, sig, info, from_fault);
    return sig;
}

/* kernel/signal.c: dequeue_synchronous_signal — the first queued signal a
 * trap raised (positive si_code), ahead of a kill()ed one of the same kind. */
static int dequeue_synchronous_signal(struct pagemu *pm, struct linux_siginfo *info, bool *from_fault)
{
    struct pm_signal_state *s = &pm->sig;
    if (!(s->pending & ~pm->sigmask & SYNCHRONOUS_MASK))
        return 0;
    for (int i = 0; i < s->nq; i++) {
        int sig = s->q[i].info.si_signo;
        if (s->q[i].info.si_code > LINUX_SI_USER && (M(sig) & SYNCHRONOUS_MASK)) {
            bool more = false;
            for (int j = i + 1; j < s->nq && !more; j++)
                more = s->q[j].info.si_signo == sig;
            if (!more)
                s->pending &= ~M(sig);
            *info = s->q[i].info;
            *from_fault = s->q[i].from_fault;
            queue_del(s, i);
            return sig;
        }
    }
    return 0;
}

/* ---- outcomes ---------------------------------------------------------- */

static const char *sent_by(int code)
{
    switch (code) {
    case LINUX_SI_USER: return "signal sent by kill()";
    case LINUX_SI_TKILL: return "signal sent by tgkill()/tkill() (raise)";
    case LINUX_SI_QUEUE: return "signal sent by sigqueue()";
    case LINUX_SI_KERNEL: return "signal sent by the kernel";
    default: return "signal";
    }
}

/*
 * The default action terminates: the run ends with sig (kernel/signal.c:
 * get_signal -> do_group_exit).  A trap's signal keeps the trap's record in
 * pm->fault for the report; any other one gets a record of its own.
 */
static void signal_fatal(struct pagemu *pm, int sig, const struct linux_siginfo *info,
                         bool from_fault, const char *reason)
{
    if (!reason && !from_fault && sig == LINUX_SIGSEGV && info->si_code == LINUX_SI_KERNEL)
        reason = pm->sig.forced_reason;
    if (!from_fault) {
        memset(&pm->fault, 0, sizeof(pm->fault));
        pm->fault.si_code = info->si_code;
        pm->fault.access = PAGEMU_ACCESS_NONE;
        pm->fault.rip = signal_user_rip(pm);
        pm->fault.region = "";
        pm->fault.reason = reason ? reason : sent_by(info->si_code);
    }
    pm->fault.signo = sig;
    pm->fatal_signo = sig;
    pm->stop = true;
    uc_emu_stop(pm->uc);
}

/* kernel/signal.c: do_signal_stop, carried out on the emulator itself. */
static void do_signal_stop(int sig)
{
    struct sigaction dfl, old;
    sigset_t one, oldmask;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&one);
    sigaddset(&one, sig);
    if (sig != SIGSTOP)
        sigaction(sig, &dfl, &old);
    pthread_sigmask(SIG_UNBLOCK, &one, &oldmask);
    raise(sig);
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (sig != SIGSTOP)
        sigaction(sig, &old, NULL);
}

/*
 * arch/x86/kernel/signal.c: signal_setup_done -> force_sigsegv when the
 * frame could not be written.  For SIGSEGV itself that is fatal
 * (force_fatal_sig); any other signal turns into a forced SIGSEGV.
 */
void force_sigsegv_reason(struct pagemu *pm, const char *reason)
{
    struct linux_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = LINUX_SIGSEGV;
    info.si_code = LINUX_SI_KERNEL;
    pm->sig.forced_reason = reason;
    force_sig_info(pm, &info, false);
}

static void force_sigsegv(struct pagemu *pm, int sig, bool from_fault)
{
    static const char why[] = "the signal frame could not be written to the handler's stack";
    struct linux_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = LINUX_SIGSEGV;
    info.si_code = LINUX_SI_KERNEL;
    if (sig == LINUX_SIGSEGV)
        signal_fatal(pm, LINUX_SIGSEGV, &info, from_fault, why);
    else
        force_sigsegv_reason(pm, why);
}

/*
 * Syscall restarting (arch/x86/kernel/signal.c): on the way out of a syscall
 * that returned a restart code, handle_signal (ka: the handler about to
 * run) turns it into -EINTR or, for SA_RESTART / -ERESTARTNOINTR, into a
 * restart; with no handler (ka NULL) arch_do_signal_or_restart restarts it.
 * A restart re-executes the syscall: RAX = orig_ax, RIP back by 2.
 */
static void syscall_restart(struct pagemu *pm, const struct linux_sigaction *ka)
{
    if (!pm->sig.in_syscall || pm->sig.syscall_nr == (uint64_t)-1)
        return;
    int64_t err = (int64_t)reg_read(pm, UC_X86_REG_RAX);
    bool restart;
    switch (err) {
    case -LINUX_ERESTARTNOHAND: restart = !ka; break;
    case -LINUX_ERESTARTSYS: restart = !ka || (ka->flags & LINUX_SA_RESTART); break;
    case -LINUX_ERESTARTNOINTR: restart = true; break;
    default: return;
    }
    if (restart) {
        reg_write(pm, UC_X86_REG_RAX, pm->sig.syscall_nr);
        reg_write(pm, UC_X86_REG_RIP, reg_read(pm, UC_X86_REG_RIP) - 2);
    } else {
        reg_write(pm, UC_X86_REG_RAX, (uint64_t)-EINTR);
    }
}

/* arch/x86/kernel/signal.c: handle_signal + kernel/signal.c: signal_delivered */
static void handle_signal(struct pagemu *pm, int sig, const struct linux_sigaction *ka,
                          const struct linux_siginfo *info, bool from_fault)
{
    syscall_restart(pm, ka);
    /* sigmask_to_save(): the mask rt_sigsuspend replaced, if any. */
    uint64_t saved = pm->sig.restore_sigmask ? pm->sig.saved_sigmask : pm->sigmask;
    if (setup_rt_frame(pm, sig, ka, info, saved) < 0) {
        force_sigsegv(pm, sig, from_fault);
        return;
    }
    pm->sig.restore_sigmask = false;
    uint64_t blocked = pm->sigmask | ka->mask;
    if (!(ka->flags & LINUX_SA_NODEFER))
        blocked |= M(sig);
    signal_set_blocked(pm, blocked);
    if (pm->altstack.flags & (int32_t)LINUX_SS_AUTODISARM)
        sas_ss_reset(pm);
}

void signal_deliver(struct pagemu *pm)
{
    for (;;) {
        while (!pm->exited && !pm->fatal_signo &&
               signal_pending_unblocked(&pm->sig, pm->sigmask)) {
            /* kernel/signal.c: get_signal */
            struct linux_siginfo info;
            bool from_fault = false;
            int sig = dequeue_synchronous_signal(pm, &info, &from_fault);
            if (!sig)
                sig = dequeue_signal(pm, pm->sigmask, &info, &from_fault);
            if (!sig)
                break;
            struct linux_sigaction *ka = &pm->sigact[sig - 1];
            if (ka->handler == LINUX_SIG_IGN)
                continue;
            if (ka->handler != LINUX_SIG_DFL) {
                struct linux_sigaction k = *ka;
                if (k.flags & LINUX_SA_RESETHAND) /* SA_ONESHOT */
                    ka->handler = LINUX_SIG_DFL;
                if (pm->trace_mask & PAGEMU_TRACE_SIGNAL)
                    trace_emit(pm, PAGEMU_TRACE_SIGNAL,
                               "deliver %s (si_code %d%s) to handler 0x%llx at rip 0x%llx%s",
                               linux_signal_name(sig), info.si_code,
                               from_fault ? ", from a fault" : "",
                               (unsigned long long)k.handler,
                               (unsigned long long)reg_read(pm, UC_X86_REG_RIP),
                               (k.flags & LINUX_SA_ONSTACK) && pm->altstack.size ? ", on the alternate stack" : "");
                handle_signal(pm, sig, &k, &info, from_fault);
                continue;
            }
            if (in_mask(sig, SIG_KERNEL_IGNORE_MASK))
                continue;
            if (in_mask(sig, SIG_KERNEL_STOP_MASK)) {
                do_signal_stop(sig);
                continue;
            }
            if (pm->trace_mask & PAGEMU_TRACE_SIGNAL)
                trace_emit(pm, PAGEMU_TRACE_SIGNAL, "%s: default action kills the process",
                           linux_signal_name(sig));
            signal_fatal(pm, sig, &info, from_fault, NULL);
            return;
        }
        if (pm->exited || pm->fatal_signo)
            return;
        syscall_restart(pm, NULL);
        if (!pm->sig.restore_sigmask)
            return;
        /* No handler ran: put the mask rt_sigsuspend replaced back
         * (restore_saved_sigmask), which may unblock more. */
        pm->sig.restore_sigmask = false;
        signal_set_blocked(pm, pm->sig.saved_sigmask);
    }
}
