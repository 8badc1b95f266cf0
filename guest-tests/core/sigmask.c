/* sigmask: the mask and the frame around a handler, and waiting.
 *   - the mask inside a handler (sa_mask + the signal, or not with
 *     SA_NODEFER: then a re-raise nests), uc_sigmask = the interrupted
 *     mask, a handler editing uc_sigmask changes the mask after sigreturn;
 *   - the FPU/SSE state: saved in the frame (uc_mcontext.fpregs), the
 *     handler starts with the default MXCSR and x87 control word, and the
 *     interrupted state comes back intact;
 *   - block + pending + unblock delivers; rt_sigpending;
 *   - sigsuspend, sigtimedwait/sigwaitinfo, sigqueue (SI_QUEUE, si_value);
 *   - SIG_IGN / default-ignored signals are discarded even while pending;
 *   - kill/tgkill argument checks. */
#include "gt.h"
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>

static volatile int hits, depth, max_depth, reraise, edit_mask;
static volatile int usr2_blocked_inside, self_blocked_inside, uc_has_hup, last_sig;
static volatile int last_code, last_value;

static int blocked_now(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	if (++depth > max_depth)
		max_depth = depth;
	usr2_blocked_inside = blocked_now(SIGUSR2);
	self_blocked_inside = blocked_now(sig);
	uc_has_hup = sigismember(&uc->uc_sigmask, SIGHUP);
	if (reraise) {
		reraise = 0;
		raise(sig);
	}
	if (edit_mask)
		sigaddset(&uc->uc_sigmask, SIGHUP);
	depth--;
}

/* ---- FPU state across a handler ---- */
static volatile uint64_t fp_seen_xmm[2];
static volatile unsigned fp_seen_mxcsr, fp_entry_mxcsr, fp_entry_fcw, fp_saved_cwd;

static void fp_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned mx;
	unsigned short cw;
	(void)sig, (void)si;
	__asm__ volatile("stmxcsr %0" : "=m"(mx));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	fp_entry_mxcsr = mx;
	fp_entry_fcw = cw;
	fp_seen_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
	fp_saved_cwd = uc->uc_mcontext.fpregs->cwd;
	memcpy((void *)fp_seen_xmm, &uc->uc_mcontext.fpregs->_xmm[8], 16);
	/* clobber what the interrupted code holds */
	__asm__ volatile("pcmpeqd %%xmm8, %%xmm8" ::: "xmm8");
	mx = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(mx));
}

static void test_fpu(void)
{
	struct sigaction sa;
	uint64_t in[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL}, out[2];
	unsigned mx = 0x7f80 | 0x8000, mx_after; /* round toward zero, FZ */
	unsigned short cw = 0x27f, cw_after;     /* double precision */
	long rax = SYS_tgkill;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fp_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK(40, sigaction(SIGUSR1, &sa, NULL) == 0);
	/* tgkill by hand: the signal arrives on this syscall's return with
	 * xmm8, MXCSR and the x87 control word set as above. */
	__asm__ volatile("ldmxcsr %[mx]\n\t"
			 "fldcw %[cw]\n\t"
			 "movdqu %[in], %%xmm8\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm8, %[out]\n\t"
			 "stmxcsr %[mxa]\n\t"
			 "fnstcw %[cwa]\n\t"
			 : [out] "=m"(out), [mxa] "=m"(mx_after), [cwa] "=m"(cw_after), "+a"(rax)
			 : [mx] "m"(mx), [cw] "m"(cw), [in] "m"(in), "D"((long)getpid()),
			   "S"((long)gettid()), "d"((long)SIGUSR1)
			 : "rcx", "r11", "memory", "xmm8");
	mx = 0x1f80;
	cw = 0x37f;
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" ::"m"(mx), "m"(cw));
	CHECK(41, rax == 0);
	CHECK(42, fp_seen_xmm[0] == in[0] && fp_seen_xmm[1] == in[1]);
	CHECK(43, (fp_seen_mxcsr & 0xffff) == 0xff80 && fp_saved_cwd == 0x27f);
	CHECK(44, fp_entry_mxcsr == 0x1f80 && fp_entry_fcw == 0x37f);
	CHECK(45, out[0] == in[0] && out[1] == in[1]);
	CHECK(46, (mx_after & 0xffff) == 0xff80 && cw_after == 0x27f);
	printf("fpu: saved in the frame, default in the handler, restored after\n");
}

int main(void)
{
	struct sigaction sa;
	sigset_t set, old, pend;
	siginfo_t si;
	struct timespec zero = {0, 0};

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK(1, sigaction(SIGUSR1, &sa, NULL) == 0);

	/* sa_mask and the signal itself are blocked inside, and not after. */
	CHECK(2, raise(SIGUSR1) == 0 && hits == 1);
	CHECK(3, usr2_blocked_inside && self_blocked_inside && !uc_has_hup);
	CHECK(4, !blocked_now(SIGUSR1) && !blocked_now(SIGUSR2));
	/* A re-raise inside waits for the handler to return... */
	reraise = 1;
	max_depth = 0;
	CHECK(5, raise(SIGUSR1) == 0 && hits == 3 && max_depth == 1);
	/* ...unless SA_NODEFER: then it nests. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	CHECK(6, sigaction(SIGUSR1, &sa, NULL) == 0);
	reraise = 1;
	max_depth = 0;
	CHECK(7, raise(SIGUSR1) == 0 && hits == 5 && max_depth == 2 && !self_blocked_inside);
	printf("handler mask: sa_mask + signal; SA_NODEFER nests\n");

	/* uc_sigmask is the interrupted mask; editing it edits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	CHECK(8, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(9, raise(SIGUSR1) == 0 && uc_has_hup);
	CHECK(10, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && !blocked_now(SIGHUP));
	edit_mask = 1;
	CHECK(11, raise(SIGUSR1) == 0 && !uc_has_hup);
	edit_mask = 0;
	CHECK(12, blocked_now(SIGHUP));
	CHECK(13, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	printf("uc_sigmask: the interrupted mask, restored by sigreturn\n");

	/* Blocked: pending; unblocking delivers before sigprocmask returns. */
	hits = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(14, sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CHECK(15, kill(getpid(), SIGUSR1) == 0 && hits == 0);
	CHECK(16, sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	CHECK(17, sigprocmask(SIG_SETMASK, &old, NULL) == 0 && hits == 1 && last_code == SI_USER);
	CHECK(18, sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));
	CHECK_ERR(19, syscall(SYS_rt_sigpending, &pend, 16), EINVAL);

	/* sigsuspend: runs the pending handler, returns EINTR, mask back. */
	CHECK(20, sigprocmask(SIG_BLOCK, &set, NULL) == 0 && raise(SIGUSR1) == 0 && hits == 1);
	sigemptyset(&old);
	CHECK_ERR(21, sigsuspend(&old), EINTR);
	CHECK(22, hits == 2 && blocked_now(SIGUSR1));
	printf("sigsuspend: handler ran, EINTR, mask restored\n");

	/* sigtimedwait takes a blocked pending signal without its handler. */
	CHECK(23, raise(SIGUSR1) == 0 && hits == 2);
	/* (glibc's sigtimedwait folds SI_TKILL into SI_USER; musl does not) */
	CHECK(24, sigtimedwait(&set, &si, &zero) == SIGUSR1 &&
		  (si.si_code == SI_TKILL || si.si_code == SI_USER) && si.si_pid == getpid() &&
		  hits == 2);
	CHECK_ERR(25, sigtimedwait(&set, &si, &zero), EAGAIN);
	struct timespec badts = {0, 1000000000};
	CHECK_ERR(26, sigtimedwait(&set, &si, &badts), EINVAL);
	CHECK(27, kill(getpid(), SIGUSR1) == 0 && sigwaitinfo(&set, &si) == SIGUSR1 &&
		  si.si_code == SI_USER);
	CHECK(28, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && hits == 2);
	printf("sigtimedwait/sigwaitinfo\n");

	/* sigqueue: SI_QUEUE with the value; real-time signals queue. */
	sa.sa_flags = SA_SIGINFO;
	CHECK(29, sigaction(SIGRTMIN + 2, &sa, NULL) == 0);
	union sigval v = {.sival_int = 42};
	CHECK(30, sigqueue(getpid(), SIGRTMIN + 2, v) == 0 && hits == 3 &&
		  last_code == SI_QUEUE && last_value == 42);
	printf("sigqueue: SI_QUEUE, value %d\n", (int)last_value);

	/* Ignored signals are discarded, even when blocked and pending. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	CHECK(31, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(32, raise(SIGCHLD) == 0 && raise(SIGUSR2) == 0);
	CHECK(33, sigpending(&pend) == 0 && sigismember(&pend, SIGCHLD) && sigismember(&pend, SIGUSR2));
	CHECK(34, signal(SIGUSR2, SIG_IGN) != SIG_ERR && signal(SIGCHLD, SIG_DFL) != SIG_ERR);
	CHECK(35, sigpending(&pend) == 0 && !sigismember(&pend, SIGCHLD) && !sigismember(&pend, SIGUSR2));
	CHECK(36, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && raise(SIGCHLD) == 0);
	printf("ignored signals discarded\n");

	/* Sending: argument checks. */
	CHECK(37, kill(getpid(), 0) == 0 && kill(getppid(), 0) == 0);
	CHECK_ERR(38, syscall(SYS_tgkill, 0, gettid(), SIGUSR1), EINVAL);
	CHECK_ERR(39, syscall(SYS_tgkill, getpid(), gettid(), 99), EINVAL);
	CHECK_ERR(47, syscall(SYS_tkill, -1, SIGUSR1), EINVAL);
	CHECK(48, syscall(SYS_tgkill, getpid(), gettid(), 0) == 0);

	test_fpu();
	printf("sigmask ok\n");
	return 0;
}
