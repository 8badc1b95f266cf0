/* poll.c - poll, ppoll, select and pselect on pipes (fs/select.c). */
#include "gt.h"

#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/epoll.h>

static volatile int hits;
static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

/* Is SIGUSR1 blocked right now? */
static int usr1_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGUSR1);
}

/* The temporary mask of ppoll, pselect and epoll_pwait: SIGUSR1 is blocked
 * and pending; a wait whose mask lets it through runs the handler and
 * fails with EINTR at once, and the old mask is back afterwards; a wait
 * whose mask keeps it blocked times out; a ready fd wins over the signal
 * (no handler, the signal stays pending). */
static void temp_masks(void)
{
	int pp[2];
	CHECK(29, pipe(pp) == 0);
	int rd = pp[0], wr = pp[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	CHECK(30, sigaction(SIGUSR1, &sa, NULL) == 0);
	sigset_t block, none, keep;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	keep = block;
	CHECK(31, sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, out;
	CHECK(32, ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, rd, &ev) == 0);
	struct pollfd p = {.fd = rd, .events = POLLIN};
	struct timespec sec = {1, 0}, short_ts = {0, 20 * 1000000};
	fd_set r;

	for (int kind = 0; kind < 3; kind++) {
		const char *name = kind == 0 ? "ppoll" : kind == 1 ? "pselect" : "epoll_pwait";
		int ret;
		/* kept blocked: the wait times out, nothing runs */
		raise(SIGUSR1);
		hits = 0;
		FD_ZERO(&r);
		FD_SET(rd, &r);
		ret = kind == 0 ? ppoll(&p, 1, &short_ts, &keep)
		      : kind == 1 ? pselect(rd + 1, &r, NULL, NULL, &short_ts, &keep)
				  : epoll_pwait(ep, &out, 1, 20, &keep);
		CHECK(33, ret == 0 && hits == 0 && usr1_blocked());
		/* let through: the handler, EINTR, the old mask back */
		errno = 0;
		FD_ZERO(&r);
		FD_SET(rd, &r);
		ret = kind == 0 ? ppoll(&p, 1, &sec, &none)
		      : kind == 1 ? pselect(rd + 1, &r, NULL, NULL, &sec, &none)
				  : epoll_pwait(ep, &out, 1, 1000, &none);
		CHECK(34, ret == -1 && errno == EINTR && hits == 1 && usr1_blocked());
		/* a ready fd wins: no handler, the signal stays pending */
		raise(SIGUSR1);
		hits = 0;
		CHECK(35, write(wr, "r", 1) == 1);
		FD_ZERO(&r);
		FD_SET(rd, &r);
		ret = kind == 0 ? ppoll(&p, 1, &sec, &none)
		      : kind == 1 ? pselect(rd + 1, &r, NULL, NULL, &sec, &none)
				  : epoll_pwait(ep, &out, 1, 1000, &none);
		CHECK(36, ret == 1 && hits == 0 && usr1_blocked());
		char c;
		CHECK(37, read(rd, &c, 1) == 1);
		/* the pending one is taken by a sigsuspend-free unblock */
		CHECK(38, sigprocmask(SIG_UNBLOCK, &block, NULL) == 0 && hits == 1);
		CHECK(39, sigprocmask(SIG_BLOCK, &block, NULL) == 0);
		printf("%s: temporary mask ok\n", name);
	}
	close(ep);
	close(rd);
	close(wr);
	CHECK(40, sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
}

int main(void)
{
	int p[2];
	CHECK(1, pipe(p) == 0);

	struct pollfd f[3] = {{p[0], POLLIN, 0}, {-1, POLLIN, 0}, {p[1], POLLOUT, 0}};
	/* Nothing to read yet; the write end is writable. */
	CHECK(2, poll(f, 3, 0) == 1);
	CHECK(3, f[0].revents == 0 && f[1].revents == 0 && f[2].revents == POLLOUT);
	CHECK(4, write(p[1], "x", 1) == 1);
	CHECK(5, poll(f, 1, 1000) == 1 && f[0].revents == POLLIN);

	/* A closed fd is POLLNVAL and counts; the call returns at once. */
	struct pollfd bad = {999, POLLIN, 0};
	CHECK(6, poll(&bad, 1, 5000) == 1 && bad.revents == POLLNVAL);

	/* A timeout with nothing ready returns 0. */
	struct pollfd empty = {p[0], POLLOUT, 0};
	char c;
	CHECK(7, read(p[0], &c, 1) == 1);
	CHECK(8, poll(&empty, 1, 10) == 0 && empty.revents == 0);

	/* ppoll: timespec checks. */
	struct timespec bad_ts = {0, 2000000000L};
	CHECK_ERR(9, syscall(SYS_ppoll, f, 1, &bad_ts, NULL, 8), EINVAL);
	struct timespec zero = {0, 0};
	CHECK(10, ppoll(f, 1, &zero, NULL) == 0);

	/* Hang-up: closing the write end makes the read end POLLHUP. */
	int q[2];
	CHECK(11, pipe(q) == 0);
	close(q[1]);
	struct pollfd h = {q[0], POLLIN, 0};
	CHECK(12, poll(&h, 1, 0) == 1 && (h.revents & POLLHUP));

	/* select: readable and writable sets. */
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	CHECK(13, select(p[1] + 1, &r, &w, NULL, &tv) == 1);
	CHECK(14, !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	CHECK(15, write(p[1], "yz", 2) == 2);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK(16, select(p[0] + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r));

	/* select on a closed fd: EBADF.  The runner may hand us any fd
	 * (a lock on 200, a jobserver), so close one we know we own. */
	int closed = dup(p[0]);
	CHECK(17, closed >= 0 && closed < FD_SETSIZE && close(closed) == 0);
	FD_ZERO(&r);
	FD_SET(closed, &r);
	tv.tv_usec = 0;
	CHECK_ERR(17, select(closed + 1, &r, NULL, NULL, &tv), EBADF);

	/* pselect with a mask. */
	sigset_t m;
	sigemptyset(&m);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK(18, pselect(p[0] + 1, &r, NULL, NULL, &zero, &m) == 1);

	temp_masks();
	printf("poll ok\n");
	return 0;
}
