/* det.c - everything a program can see that changes from run to run:
 * clocks, the time-stamp counter, random bytes and addresses.  Run by
 * tests/determinism.sh under `pagemu --deterministic` (the output of
 * several runs must be the same, byte for byte) and without it (the clocks
 * must then be the host's).  Not a self-checking test: it prints values,
 * one "key value" line each, and the script judges them.
 *
 *   det             the values
 *   det sleep       clocks around a nanosleep of 10 s and an absolute
 *                   clock_nanosleep 5 s ahead
 *   det exec        the realtime clock, then execve of itself as
 *                   `det after-exec`, which prints it again
 *
 * Only under pagemu: the vsyscall page is called directly, which a host
 * with vsyscall=none would kill.  Builds with gcc -static (-pie).
 */
#define _GNU_SOURCE 1
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static void clock_line(const char *key, clockid_t c)
{
	struct timespec t;

	if (clock_gettime(c, &t) != 0) {
		printf("%s error\n", key);
		return;
	}
	printf("%s %lld.%09ld\n", key, (long long)t.tv_sec, t.tv_nsec);
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	*aux = c;
	return (uint64_t)hi << 32 | lo;
}

static void hex_line(const char *key, const unsigned char *p, size_t n)
{
	printf("%s ", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int values(void)
{
	struct timeval tv;
	struct timespec ts;
	unsigned a, b, c, d;
	unsigned char rnd[16];
	int i;

	for (i = 0; i < 3; i++)
		clock_line("realtime", CLOCK_REALTIME);
	for (i = 0; i < 3; i++)
		clock_line("monotonic", CLOCK_MONOTONIC);
	clock_line("boottime", CLOCK_BOOTTIME);
	clock_line("realtime_coarse", CLOCK_REALTIME_COARSE);
	clock_line("cputime", CLOCK_PROCESS_CPUTIME_ID);
	printf("time %lld\n", (long long)time(NULL));
	gettimeofday(&tv, NULL);
	printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	/* the legacy vsyscall page: time() at 0xffffffffff600400 */
	printf("vsyscall_time %lld\n",
	       (long long)((time_t(*)(time_t *))0xffffffffff600400UL)(NULL));
	for (i = 0; i < 3; i++)
		printf("rdtsc %llu\n", (unsigned long long)rdtsc());
	/* rdtscp only where CPUID reports it (0x80000001:EDX bit 27) */
	if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (d >> 27 & 1)) {
		for (i = 0; i < 2; i++) {
			uint32_t aux;
			uint64_t t = rdtscp(&aux);

			printf("rdtscp %llu aux %u\n", (unsigned long long)t, aux);
		}
	} else {
		printf("rdtscp absent\n");
	}
	clock_line("realtime", CLOCK_REALTIME);
	/* CPU times: times(), getrusage */
	struct tms tm;
	clock_t up = times(&tm);
	printf("times %lld utime %lld stime %lld\n", (long long)up, (long long)tm.tms_utime,
	       (long long)tm.tms_stime);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("rusage utime %lld.%06ld stime %lld.%06ld\n", (long long)ru.ru_utime.tv_sec,
	       (long)ru.ru_utime.tv_usec, (long long)ru.ru_stime.tv_sec,
	       (long)ru.ru_stime.tv_usec);
	/* randomness */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	hex_line("getrandom", rnd, sizeof(rnd));
	hex_line("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
	/* addresses */
	int local = 0;
	void *m = malloc(100);
	void *big = malloc(1 << 20);
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("stack %p\n", (void *)&local);
	printf("malloc %p\n", m);
	printf("malloc_big %p\n", big);
	printf("mmap %p\n", map);
	printf("brk %p\n", sbrk(0));
	printf("main %p\n", (void *)values);
	/* a sleep moves the clock on (by 1 ms here) */
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	nanosleep(&ts, NULL);
	clock_line("realtime", CLOCK_REALTIME);
	return 0;
}

static int sleeps(void)
{
	struct timespec req = {10, 0}, t;

	clock_line("before_mono", CLOCK_MONOTONIC);
	clock_line("before_real", CLOCK_REALTIME);
	if (nanosleep(&req, NULL) != 0)
		printf("nanosleep error\n");
	clock_line("after_mono", CLOCK_MONOTONIC);
	clock_line("after_real", CLOCK_REALTIME);
	/* an absolute sleep until 5 s from now */
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 5;
	printf("abs_target %lld.%09ld\n", (long long)t.tv_sec, t.tv_nsec);
	if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) != 0)
		printf("clock_nanosleep error\n");
	clock_line("abs_after", CLOCK_MONOTONIC);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "sleep"))
		return sleeps();
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		char *nargv[] = {argv[0], "after-exec", NULL};

		clock_line("before_exec", CLOCK_REALTIME);
		execv("/proc/self/exe", nargv);
		printf("execv failed\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "after-exec")) {
		clock_line("after_exec", CLOCK_REALTIME);
		return 0;
	}
	return values();
}
