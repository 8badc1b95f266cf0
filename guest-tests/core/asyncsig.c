/* asyncsig.c - signals from another process while the guest computes
 * without syscalls must not disturb the computation: every increment
 * happens exactly once.  (An asynchronous engine stop in Unicorn 2.1.1
 * re-runs part of a block; pagemu must not use one.) */
#include "gt.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile long hits;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	CHECK(1, sigaction(SIGUSR1, &sa, NULL) == 0);
	pid_t parent = getpid();
	pid_t c = fork();
	CHECK(2, c >= 0);
	if (c == 0) {
		struct timespec ms = {0, 1000000};
		for (int i = 0; i < 200; i++) {
			kill(parent, SIGUSR1);
			nanosleep(&ms, NULL);
		}
		_exit(0);
	}
	static volatile long mem[2];
	const long n = 60000000;
	for (long i = 0; i < n; i++) {
		mem[0]++;
		mem[1] += 3;
	}
	int st;
	CHECK(3, waitpid(c, &st, 0) == c && WIFEXITED(st));
	CHECK(4, mem[0] == n);
	CHECK(5, mem[1] == 3 * n);
	printf("asyncsig ok\n");
	return 0;
}
