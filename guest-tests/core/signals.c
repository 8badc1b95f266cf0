/* signals: catching signals the process sends itself.  rt_sigaction with
 * SA_SIGINFO, raise (tgkill: SI_TKILL) and kill (SI_USER), blocking and
 * pending, SA_RESETHAND, sigaltstack, and an ignored signal. */
#include "gt.h"
#include <signal.h>

static volatile sig_atomic_t hits, last_sig, last_code, on_alt;
static volatile pid_t last_pid;
static char *alt_lo, *alt_hi;

static void handler(int sig, siginfo_t *si, void *uc)
{
	char here;
	(void)uc;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid = si->si_pid;
	on_alt = (&here >= alt_lo && &here < alt_hi);
}

int main(void)
{
	struct sigaction sa, old;
	sigset_t set, pend;
	stack_t ss;
	static char altstack[65536];

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(1, sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(2, sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_sigaction == handler);

	/* raise(): delivered before it returns, SI_TKILL. */
	CHECK(3, raise(SIGUSR1) == 0);
	CHECK(4, hits == 1 && last_sig == SIGUSR1 && last_code == SI_TKILL);
	CHECK(5, last_pid == getpid());
	/* kill(getpid()): SI_USER. */
	CHECK(6, kill(getpid(), SIGUSR1) == 0);
	CHECK(7, hits == 2 && last_code == SI_USER && last_pid == getpid());
	printf("delivered: %d\n", (int)hits);

	/* Blocked: pending until unblocked, then delivered once. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(8, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(9, raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0);
	CHECK(10, hits == 2);
	CHECK(11, sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	CHECK(12, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(13, hits == 3); /* standard signals do not queue */
	CHECK(14, sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));

	/* Real-time signals do queue. */
	CHECK(15, sigaction(SIGRTMIN + 1, &sa, NULL) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	CHECK(16, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(17, raise(SIGRTMIN + 1) == 0 && raise(SIGRTMIN + 1) == 0);
	CHECK(18, sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(19, hits == 5 && last_sig == SIGRTMIN + 1);

	/* SA_RESETHAND: the second delivery would take the default action,
	 * so after one delivery the disposition reads SIG_DFL. */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	CHECK(20, sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(21, raise(SIGUSR2) == 0 && hits == 6 && last_sig == SIGUSR2);
	CHECK(22, sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL);

	/* sigaltstack + SA_ONSTACK: the handler runs on the alternate stack. */
	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	ss.ss_flags = 0;
	alt_lo = altstack;
	alt_hi = altstack + sizeof altstack;
	CHECK(23, sigaltstack(&ss, NULL) == 0);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK(24, sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(25, raise(SIGUSR1) == 0 && hits == 7 && on_alt);
	sa.sa_flags = SA_SIGINFO;
	CHECK(26, sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(27, raise(SIGUSR1) == 0 && hits == 8 && !on_alt);

	/* Ignored signals vanish; invalid ones are refused. */
	CHECK(28, signal(SIGUSR2, SIG_IGN) != SIG_ERR);
	CHECK(29, raise(SIGUSR2) == 0 && hits == 8);
	CHECK_ERR(30, sigaction(SIGKILL, &sa, NULL), EINVAL);
	CHECK_ERR(31, kill(getpid(), 12345), EINVAL);
	CHECK(32, kill(getpid(), 0) == 0);

	printf("handled: %d\n", (int)hits);
	printf("signals ok\n");
	return 0;
}
