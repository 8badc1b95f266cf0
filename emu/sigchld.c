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

static volatile sig_atomic_t chld_pending;
static siginfo_t chld_info;

static void host_sigchld(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    /* A standard signal is pending once: the first one's info is kept
     * (kernel/signal.c: legacy_queue). */
    if (!chld_pending)
        chld_info = *si;
    chld_pending = 1;
}

void sigchld_sync(struct pagemu *pm)
{
    const struct linux_sigaction *ka = &pm->sigact[LINUX_SIGCHLD - 1];
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    if (ka->handler == LINUX_SIG_DFL) {
        sa.sa_handler = SIG_DFL;
    } else if (ka->handler == LINUX_SIG_IGN) {
        sa.sa_handler = SIG_IGN;
    } else {
        sa.sa_sigaction = host_sigchld;
        sa.sa_flags = SA_SIGINFO | ((ka->flags & LINUX_SA_RESTART) ? SA_RESTART : 0);
    }
    if (ka->flags & LINUX_SA_NOCLDSTOP)
        sa.sa_flags |= SA_NOCLDSTOP;
    if (ka->flags & LINUX_SA_NOCLDWAIT)
        sa.sa_flags |= SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
}

void sigchld_forget(void)
{
    chld_pending = 0;
}

void sigchld_poll(struct pagemu *pm)
{
    if (!chld_pending)
        return;
    sigset_t one, old;
    struct linux_siginfo info;
    sigemptyset(&one);
    sigaddset(&one, SIGCHLD);
    sigprocmask(SIG_BLOCK, &one, &old);
    _Static_assert(sizeof(info) == sizeof(chld_info), "siginfo_t layouts");
    memcpy(&info, &chld_info, sizeof(info));
    chld_pending = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    send_signal_self(pm, &info, false);
}

void sigchld_sleep(struct pagemu *pm)
{
    sigset_t one, old;
    sigemptyset(&one);
    sigaddset(&one, SIGCHLD);
    sigprocmask(SIG_BLOCK, &one, &old);
    sigchld_poll(pm);
    if (!signal_pending_unblocked(&pm->sig, pm->sigmask)) {
        sigset_t wait = old;
        sigdelset(&wait, SIGCHLD);
        sigsuspend(&wait);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigchld_poll(pm);
}
