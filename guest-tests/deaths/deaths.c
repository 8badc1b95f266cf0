/* deaths: a guest that dies of a signal, chosen by argv[1].  Run by
 * tests/signal-deaths.sh natively and under pagemu; the exit status
 * (128 + signo) and stdout must match.  Every case prints a line first,
 * so a death before the interesting point shows up as an output diff. */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int *volatile null_ptr;
static volatile int zero;

static void note(int sig)
{
	/* async-signal-safe enough for a test: write(2) only */
	static const char msg[] = "handler ran\n";
	(void)sig;
	if (write(1, msg, sizeof msg - 1) < 0)
		_exit(99);
}

static void on(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		printf("sigaction failed\n");
		exit(98);
	}
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	printf("case %s\n", c);
	fflush(stdout);

	if (!strcmp(c, "abort")) {
		abort(); /* raise(SIGABRT) with the default action */
	} else if (!strcmp(c, "abort-handled")) {
		on(SIGABRT, note, 0); /* the handler returns; abort() still dies */
		abort();
	} else if (!strcmp(c, "resethand")) {
		on(SIGUSR1, note, SA_RESETHAND);
		raise(SIGUSR1); /* handled, and the action reset to SIG_DFL */
		raise(SIGUSR1); /* kills */
	} else if (!strcmp(c, "segv-blocked")) {
		sigset_t s;
		on(SIGSEGV, note, 0);
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		sigprocmask(SIG_BLOCK, &s, NULL);
		(void)*(volatile int *)null_ptr; /* force_sig: unblocked, SIG_DFL */
	} else if (!strcmp(c, "segv-ignored")) {
		on(SIGSEGV, SIG_IGN, 0);
		(void)*(volatile int *)null_ptr;
	} else if (!strcmp(c, "fpe")) {
		printf("%d\n", (int)strlen(c) / zero); /* (1/x is not a division to gcc) */
	} else if (!strcmp(c, "term")) {
		kill(getpid(), SIGTERM);
	} else if (!strcmp(c, "rt")) {
		raise(SIGRTMIN + 3); /* real-time: the default action terminates */
	} else if (!strcmp(c, "kill")) {
		on(SIGUSR2, note, 0);
		raise(SIGUSR2);
		kill(getpid(), SIGKILL);
	} else if (!strcmp(c, "bad-stack")) {
		/* The handler's frame cannot be written (RSP near 0): the kernel
		 * forces SIGSEGV instead (signal_setup_done -> force_sigsegv). */
		on(SIGUSR1, note, 0);
		long rax = SYS_tgkill;
		__asm__ volatile("mov %%rsp, %%r12\n\t"
				 "mov $64, %%rsp\n\t"
				 "syscall\n\t"
				 "mov %%r12, %%rsp"
				 : "+a"(rax)
				 : "D"((long)getpid()), "S"((long)gettid()), "d"((long)SIGUSR1)
				 : "rcx", "r11", "r12", "memory");
	} else if (!strcmp(c, "pending-unblock")) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGINT);
		sigprocmask(SIG_BLOCK, &s, NULL);
		raise(SIGINT);
		printf("still alive while SIGINT is blocked\n");
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &s, NULL); /* delivered here: dies */
	}
	printf("survived\n");
	return 0;
}
