/* poll.c - poll, ppoll, select and pselect on pipes (fs/select.c). */
#include "gt.h"

#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>

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

	printf("poll ok\n");
	return 0;
}
