/*
 * pm_signal.h - guest signals: the pending queue, delivery to handlers on an
 * x86-64 rt_sigframe, and the synchronous traps (kernel/signal.c,
 * arch/x86/kernel/signal.c, arch/x86/kernel/signal_64.c).
 *
 * The file is not called signal.h: emu/ is on the include path, and a
 * header of that name would shadow the C library's <signal.h> for every
 * file that includes it.
 *
 * Host signals the guest handles (SIGCHLD, SIGINT, SIGTERM, SIGALRM, ...)
 * are forwarded to it by sigchld.c; otherwise only the guest itself (kill,
 * tgkill, sigqueue, faults) makes signals pending.
 */
#ifndef PM_SIGNAL_H
#define PM_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pagemu;
struct linux_sigaction;

/* ---- Linux constants (x86-64 uapi) ------------------------------------- */

/* arch/x86/include/uapi/asm/signal.h */
#define LINUX_NSIG 64
#define LINUX_SIGRTMIN 32
#define LINUX_SIGHUP 1
#define LINUX_SIGINT 2
#define LINUX_SIGQUIT 3
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGABRT 6
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
#define LINUX_SIGKILL 9
#define LINUX_SIGUSR1 10
#define LINUX_SIGSEGV 11
#define LINUX_SIGUSR2 12
#define LINUX_SIGPIPE 13
#define LINUX_SIGALRM 14
#define LINUX_SIGTERM 15
#define LINUX_SIGSTKFLT 16
#define LINUX_SIGCHLD 17
#define LINUX_SIGCONT 18
#define LINUX_SIGSTOP 19
#define LINUX_SIGTSTP 20
#define LINUX_SIGTTIN 21
#define LINUX_SIGTTOU 22
#define LINUX_SIGURG 23
#define LINUX_SIGXCPU 24
#define LINUX_SIGXFSZ 25
#define LINUX_SIGVTALRM 26
#define LINUX_SIGPROF 27
#define LINUX_SIGWINCH 28
#define LINUX_SIGIO 29
#define LINUX_SIGPWR 30
#define LINUX_SIGSYS 31

#define LINUX_SIG_DFL 0ULL
#define LINUX_SIG_IGN 1ULL

/* include/uapi/asm-generic/signal-defs.h, arch/x86/include/uapi/asm/signal.h */
#define LINUX_SA_NOCLDSTOP 0x00000001ULL
#define LINUX_SA_NOCLDWAIT 0x00000002ULL
#define LINUX_SA_SIGINFO 0x00000004ULL
#define LINUX_SA_EXPOSE_TAGBITS 0x00000800ULL
#define LINUX_SA_RESTORER 0x04000000ULL
#define LINUX_SA_ONSTACK 0x08000000ULL
#define LINUX_SA_RESTART 0x10000000ULL
#define LINUX_SA_NODEFER 0x40000000ULL
#define LINUX_SA_RESETHAND 0x80000000ULL
/* include/linux/signal_types.h: UAPI_SA_FLAGS, the flags sigaction keeps */
#define LINUX_UAPI_SA_FLAGS                                                   \
    (LINUX_SA_NOCLDSTOP | LINUX_SA_NOCLDWAIT | LINUX_SA_SIGINFO |             \
     LINUX_SA_ONSTACK | LINUX_SA_RESTART | LINUX_SA_NODEFER |                 \
     LINUX_SA_RESETHAND | LINUX_SA_EXPOSE_TAGBITS | LINUX_SA_RESTORER)

/* include/uapi/linux/signal.h: sigaltstack */
#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ 2048

/* include/uapi/asm-generic/siginfo.h */
#define LINUX_SI_USER 0
#define LINUX_SI_KERNEL 0x80
#define LINUX_SI_QUEUE (-1)
#define LINUX_SI_TKILL (-6)
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_BUS_ADRERR 2
#define LINUX_FPE_INTDIV 1
#define LINUX_ILL_ILLOPN 2

/* arch/x86/include/asm/trapnr.h */
#define X86_TRAP_DE 0
#define X86_TRAP_DB 1
#define X86_TRAP_BP 3
#define X86_TRAP_UD 6
#define X86_TRAP_GP 13
#define X86_TRAP_PF 14
/* arch/x86/include/asm/trap_pf.h: the page-fault error code */
#define X86_PF_PROT (1u << 0)
#define X86_PF_WRITE (1u << 1)
#define X86_PF_USER (1u << 2)
#define X86_PF_INSTR (1u << 4)

/* include/linux/errno.h: the syscall-restart codes (never seen by user
 * space: turned into -EINTR or a restart on the way out) */
#define LINUX_ERESTARTSYS 512
#define LINUX_ERESTARTNOINTR 513
#define LINUX_ERESTARTNOHAND 514

#define SIGMASK_OF(sig) (1ULL << ((sig) - 1))

/* include/uapi/asm-generic/siginfo.h: siginfo_t, 128 bytes */
struct linux_siginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t pad0;
    union {
        struct { int32_t pid; uint32_t uid; uint64_t value; } kill; /* _kill, _rt */
        struct { uint64_t addr; } fault;                            /* _sigfault */
        uint8_t raw[112];
    } u;
};
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo_t is 128 bytes");

/* include/uapi/asm-generic/signal.h: stack_t */
struct linux_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

/* ---- per-process state ------------------------------------------------- */

/* Queued siginfo, at most this many at once (RLIMIT_SIGPENDING, scaled to
 * one process).  Past it a standard or kill()-sent signal is still made
 * pending without its info; other real-time signals fail with -EAGAIN
 * (kernel/signal.c: __send_signal_locked). */
#define PM_SIGQUEUE_MAX 128

struct pm_sigqueue {
    struct linux_siginfo info;
    bool from_fault;          /* raised by a trap whose record is pm->fault */
};

struct pm_signal_state {
    uint64_t pending;         /* struct sigpending.signal: bit sig-1 */
    int nq;
    struct pm_sigqueue q[PM_SIGQUEUE_MAX]; /* struct sigpending.list, oldest first */
    uint64_t saved_sigmask;   /* current->saved_sigmask (rt_sigsuspend) */
    bool restore_sigmask;     /* TIF_RESTORE_SIGMASK */
    bool in_syscall;          /* inside the syscall hook: RIP is at the syscall */
    uint64_t syscall_nr;      /* regs->orig_ax of that syscall, for restarts */
    bool regs_restored;       /* rt_sigreturn set RAX/RCX/R11: leave them */
    /* current->thread.trap_nr, error_code, cr2: the sigcontext's trapno,
     * err and cr2 (arch/x86/kernel/signal_64.c: setup_sigcontext) */
    uint64_t trap_nr, error_code, cr2;
    /* why the kernel forced the pending SIGSEGV (a frame it could not
     * write or read), for the report if it kills */
    const char *forced_reason;
};

/* ---- signal.c: queue and delivery -------------------------------------- */

/* send_signal_locked() to the guest itself: prepare_signal (ignored and
 * duplicate standard signals are dropped) and queueing.  0 or -EAGAIN. */
int send_signal_self(struct pagemu *pm, const struct linux_siginfo *info, bool from_fault);

/* force_sig_info_to_task(HANDLER_CURRENT): a blocked or ignored signal is
 * unblocked and reset to SIG_DFL first, so it kills. */
void force_sig_info(struct pagemu *pm, const struct linux_siginfo *info, bool from_fault);

/* force_sig_fault(sig, code, addr): a trap's signal (si_addr given). */
void force_sig_fault(struct pagemu *pm, int sig, int code, uint64_t addr);

/* force_sigsegv() for a frame that cannot be written or read (reason:
 * static text for the report). */
void force_sigsegv_reason(struct pagemu *pm, const char *reason);

/* Deliver every pending unblocked signal, as the return to user mode does
 * (kernel/entry/common.c: exit_to_user_mode_loop -> arch_do_signal_or_restart). */
void signal_deliver(struct pagemu *pm);

/* Is there a pending signal that is not blocked (signal_pending())? */
static inline bool signal_pending_unblocked(const struct pm_signal_state *s, uint64_t blocked)
{
    return (s->pending & ~blocked) != 0;
}

/* Dequeue one pending signal not in blocked (dequeue_signal()); 0 if none. */
int dequeue_signal(struct pagemu *pm, uint64_t blocked, struct linux_siginfo *info, bool *from_fault);

/* Drop queued and pending instances of the signals in mask. */
void flush_sigqueue_mask(struct pagemu *pm, uint64_t mask);

/* set_current_blocked(): SIGKILL and SIGSTOP are never blocked. */
void signal_set_blocked(struct pagemu *pm, uint64_t mask);
/* ppoll/pselect6/epoll_pwait's temporary mask (kernel/signal.c:
 * set_user_sigmask and restore_saved_sigmask_unless), and whether a
 * signal it lets through is pending already */
long signal_set_user_mask(struct pagemu *pm, uint64_t umask, uint64_t size, bool *set);
void signal_restore_user_mask(struct pagemu *pm, bool set, bool interrupted);
bool signal_wait_interrupted(struct pagemu *pm);

/* sig_handler_ignored(): SIG_IGN, or SIG_DFL with the default action ignore. */
bool sig_handler_ignored(uint64_t handler, int sig);

/* The default action dumps core (SIG_KERNEL_COREDUMP_MASK). */
bool sig_kernel_coredump(int sig);

/* ---- signal_frame.c: the rt_sigframe ----------------------------------- */

/* x64_setup_rt_frame() and the register changes of handle_signal(): 0, or
 * -EFAULT when the frame cannot be written. */
int setup_rt_frame(struct pagemu *pm, int sig, const struct linux_sigaction *ka,
                   const struct linux_siginfo *info, uint64_t saved_mask);

/* The user-visible RIP (after the syscall instruction while in a syscall). */
uint64_t signal_user_rip(struct pagemu *pm);

/* ---- sys_signal.c ------------------------------------------------------ */

/* kernel/signal.c: do_sigaltstack(); oss is filled before ss is applied. */
int do_sigaltstack(struct pagemu *pm, const struct linux_stack *ss, struct linux_stack *oss,
                   uint64_t sp, uint64_t min_ss_size);

/* include/linux/sched/signal.h: on_sig_stack(), sas_ss_flags(), sas_ss_reset() */
bool on_sig_stack(const struct pagemu *pm, uint64_t sp);
bool on_sig_stack_raw(const struct pagemu *pm, uint64_t sp); /* __on_sig_stack() */
int sas_ss_flags(const struct pagemu *pm, uint64_t sp);
void sas_ss_reset(struct pagemu *pm);

/* ---- uc_excp.c: Unicorn 2.1.1's stuck exception state ------------------- */

/* After UC_HOOK_INTR reported a CPU exception: clear the engine's
 * "exception in flight" so that the next exception is not turned into a
 * double or triple fault. */
void uc_exception_reset(struct pagemu *pm);

#endif
