/*
 * sigchld.c - a child's death reaches its guest parent as SIGCHLD.
 *
 * Guest children are host children of the emulator process, so the host
 * kernel sends the emulator SIGCHLD (kernel/signal.c: do_notify_parent,
 * do_notify_parent_cldstop) exactly when Linux would send it to the guest.
 * pagemu mirrors the guest's SIGCHLD disposition on the host:
 *
 *   guest SIG_DFL  host SIG_DFL: nothing happens, as for the guest;
 *   guest SIG_IGN  host SIG_IGN: the host reaps the children itself and
 *                  wait4 fails with ECHILD, which is what POSIX.1 asks of
 *                  an ignored SIGCHLD (kernel/signal.c: do_notify_parent,
 *                  "psig->action[SIGCHLD-1].sa.sa_handler == SIG_IGN");
 *   a handler      a host handler that records the siginfo; with the
 *                  guest's SA_RESTART, SA_NOCLDSTOP and SA_NOCLDWAIT, so
 *                  a blocking host call is interrupted (EINTR) or restarted
 *                  as the guest's would be.
 *
 * The recorded SIGCHLD is queued for the guest (with the host's siginfo:
 * the x86-64 layouts are the same) on the way back to user mode after a
 * syscall, and before a wait for a signal (sigchld_sleep), where the host
 * SIGCHLD is blocked around the check so that none is lost in between.  A
 * guest computing without syscalls gets it at its next syscall.
 */
#include <signal.h>
#include <string.h>

#include "pagemu_int.h"
#include "pm_signal.h"
#include "process.h"

/*
 * The same mirroring for the other signals the outside world sends a
 * process (a terminal's SIGINT/SIGQUIT/SIGWINCH, kill's SIGTERM/SIGHUP/
 * SIGUSR*, the host timers of sys_time.c: SIGALRM/SIGVTALRM/SIGPROF, and
 * SIGPIPE, which the host raises for the emulator's own write to a pipe
 * without readers exactly when Linux would for the guest's:
 * fs/pipe.c: pipe_write, send_sig(SIGPIPE) and -EPIPE).  With the guest's
 * SIG_DFL the host default applies to the emulator, which is Linux's
 * result for the guest (death by that signal, which the parent sees);
 * SIG_IGN is ignored by the host too (write just fails with EPIPE).
 *
 * A recorded signal is queued for the guest at the next return from a
 * syscall, in a wait (sigchld_sleep), or when the run loop next gets
 * control (kernel/entry/common.c: exit_to_user_mode_loop).  A guest that
 * computes without syscalls gets it at its next syscall: see host_forward
 * for why the engine is not stopped asynchronously.
 */
static const int forwarded[] = {
    LINUX_SIGCHLD, LINUX_SIGHUP, LINUX_SIGINT, LINUX_SIGQUIT, LINUX_SIGUSR1,
    LINUX_SIGUSR2, LINUX_SIGPIPE, LINUX_SIGALRM, LINUX_SIGTERM,
    LINUX_SIGVTALRM, LINUX_SIGPROF, LINUX_SIGWINCH,
};
#define NFWD (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile sig_atomic_t host_pending[LINUX_NSIG + 1];
static volatile sig_atomic_t any_pending;
static siginfo_t host_info[LINUX_NSIG + 1];

static void host_forward(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    /* A standard signal is pending once: the first one's info is kept
     * (kernel/signal.c: legacy_queue). */
    if (!host_pending[sig])
        host_info[sig] = *si;
    host_pending[sig] = 1;
    any_pending = 1;
    /*
     * No uc_emu_stop() here.  An asynchronous stop is not precise in
     * Unicorn 2.1.1: its exit-request check after a memory access leaves
     * the block with TB_EXIT_REQUESTED, which puts RIP back at the start
     * of the block although part of it has run, so the part runs twice
     * (measured: a loop of `mem[0]++` counted 151 too many under 300
     * SIGUSR1s).  The signal waits for the guest's next syscall instead.
     */
}

bool hostsig_forwarded(int sig)
{
    for (size_t i = 0; i < NFWD; i++)
        if (forwarded[i] == sig)
            return true;
    return false;
}

void hostsig_sync(struct pagemu *pm, int sig)
{
    const struct linux_sigaction *ka = &pm->sigact[sig - 1];
    struct sigaction sa;

    if (!hostsig_forwarded(sig))
        return;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    if (ka->handler == LINUX_SIG_DFL) {
        sa.sa_handler = SIG_DFL;
    } else if (ka->handler == LINUX_SIG_IGN) {
        sa.sa_handler = SIG_IGN;
    } else {
        sa.sa_sigaction = host_forward;
        sa.sa_flags = SA_SIGINFO | ((ka->flags & LINUX_SA_RESTART) ? SA_RESTART : 0);
    }
    if (sig == LINUX_SIGCHLD) {
        if (ka->flags & LINUX_SA_NOCLDSTOP)
            sa.sa_flags |= SA_NOCLDSTOP;
        if (ka->flags & LINUX_SA_NOCLDWAIT)
            sa.sa_flags |= SA_NOCLDWAIT;
    }
    sigaction(sig, &sa, NULL);
}

void sigchld_sync(struct pagemu *pm)
{
    for (size_t i = 0; i < NFWD; i++)
        hostsig_sync(pm, forwarded[i]);
}

void sigchld_forget(void)
{
    for (size_t i = 0; i < NFWD; i++)
        host_pending[forwarded[i]] = 0;
    any_pending = 0;
}

bool hostsig_pending(void)
{
    return any_pending != 0;
}

static void block_forwarded(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < NFWD; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

void sigchld_poll(struct pagemu *pm)
{
    if (!any_pending)
        return;
    sigset_t old;
    struct linux_siginfo info[NFWD];
    int n = 0;
    block_forwarded(&old);
    _Static_assert(sizeof(info[0]) == sizeof(host_info[0]), "siginfo_t layouts");
    for (size_t i = 0; i < NFWD; i++) {
        int sig = forwarded[i];
        if (host_pending[sig]) {
            memcpy(&info[n++], &host_info[sig], sizeof(info[0]));
            host_pending[sig] = 0;
        }
    }
    any_pending = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < n; i++)
        send_signal_self(pm, &info[i], false);
}

void sigchld_sleep(struct pagemu *pm)
{
    sigset_t old;
    block_forwarded(&old);
    sigchld_poll(pm);
    if (!signal_pending_unblocked(&pm->sig, pm->sigmask)) {
        sigset_t wait = old;
        for (size_t i = 0; i < NFWD; i++)
            sigdelset(&wait, forwarded[i]);
        sigsuspend(&wait);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigchld_poll(pm);
}
