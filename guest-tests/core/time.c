/* time: clocks move forward, sleeps sleep, and the clocks agree
 * (values are never printed, only the verdicts). */
#include "gt.h"
#include <sys/time.h>
#include <time.h>

static int64_t ns(clockid_t c)
{
	struct timespec t;
	CHECK(90, clock_gettime(c, &t) == 0);
	CHECK(91, t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void)
{
	int64_t a, b, prev;
	struct timespec req, res;
	struct timeval tv;
	int i;
	time_t t;

	/* Monotonic never goes back, and does move. */
	prev = ns(CLOCK_MONOTONIC);
	a = prev;
	for (i = 0; i < 100000; i++) {
		b = ns(CLOCK_MONOTONIC);
		CHECK(1, b >= prev);
		prev = b;
	}
	CHECK(2, prev > a);

	/* Realtime is after 2020 and agrees with time() and gettimeofday(). */
	a = ns(CLOCK_REALTIME);
	CHECK(3, a / 1000000000 > 1577836800);
	/* time() may read the tick-granular coarse clock (the vDSO's does), so
	 * it can trail CLOCK_REALTIME by a second boundary. */
	t = time(NULL);
	CHECK(4, t - a / 1000000000 >= -1 && t - a / 1000000000 <= 2);
	CHECK(5, gettimeofday(&tv, NULL) == 0);
	CHECK(6, tv.tv_sec - a / 1000000000 >= 0 && tv.tv_sec - a / 1000000000 <= 2);
	CHECK(7, tv.tv_usec >= 0 && tv.tv_usec < 1000000);

	/* nanosleep 20 ms: at least 20 ms pass, and not absurdly more. */
	a = ns(CLOCK_MONOTONIC);
	req.tv_sec = 0;
	req.tv_nsec = 20 * 1000000;
	CHECK(8, nanosleep(&req, NULL) == 0);
	b = ns(CLOCK_MONOTONIC);
	CHECK(9, b - a >= 20 * 1000000);
	CHECK(10, b - a < 5 * 1000000000LL);
	/* clock_nanosleep, relative and absolute. */
	a = ns(CLOCK_MONOTONIC);
	req.tv_nsec = 5 * 1000000;
	CHECK(11, clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
	b = ns(CLOCK_MONOTONIC);
	CHECK(12, b - a >= 5 * 1000000);
	req.tv_sec = (b + 5000000) / 1000000000;
	req.tv_nsec = (b + 5000000) % 1000000000;
	CHECK(13, clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0);
	CHECK(14, ns(CLOCK_MONOTONIC) >= b + 5000000);
	req.tv_sec = 0;
	req.tv_nsec = 1000000000; /* out of range */
	CHECK_ERR(15, nanosleep(&req, NULL), EINVAL);

	/* Resolution and the other clocks. */
	CHECK(16, clock_getres(CLOCK_MONOTONIC, &res) == 0);
	CHECK(17, res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
	a = ns(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0, prev = 0; i < 2000000; i++)
		prev += i ^ (prev >> 3);
	b = ns(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(18, b >= a && prev != 12345);
	CHECK(19, ns(CLOCK_THREAD_CPUTIME_ID) > 0);
	CHECK(20, ns(CLOCK_BOOTTIME) >= 0 && ns(CLOCK_MONOTONIC_RAW) > 0 &&
			  ns(CLOCK_MONOTONIC_COARSE) > 0 && ns(CLOCK_REALTIME_COARSE) > 0);
	CHECK_ERR(21, clock_gettime((clockid_t)12345, &res), EINVAL);

	printf("time ok\n");
	return 0;
}
