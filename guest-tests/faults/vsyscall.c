/* vsyscall: calls of the legacy vsyscall page's three entries, which Linux
 * emulates (vsyscall=xonly, the default): gettimeofday at
 * 0xffffffffff600000, time at +0x400, getcpu at +0x800.  The calls must
 * succeed and agree with the real syscalls; the program prints only
 * verdicts and exits 0 (compared with the native run, not a fault). */
#include "ft.h"
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#define VSYS_GETTIMEOFDAY 0xffffffffff600000ULL
#define VSYS_TIME 0xffffffffff600400ULL
#define VSYS_GETCPU 0xffffffffff600800ULL

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	if (!strcmp(m, "time")) {
		time_t (*vtime)(time_t *) =
			(time_t (*)(time_t *))(uintptr_t)VSYS_TIME;
		time_t tloc = 0, t, s;
		t = vtime(&tloc);
		s = (time_t)syscall(SYS_time, NULL);
		if (t != tloc)
			FT_SURVIVED("time(&t) returned and stored different values");
		if (t < s - 2 || t > s) {
			printf("vsyscall time %lld, SYS_time %lld\n",
			       (long long)t, (long long)s);
			return 1;
		}
		printf("vsyscall time: ok\n");
		return 0;
	}
	if (!strcmp(m, "gettimeofday")) {
		int (*vgtod)(struct timeval *, void *) =
			(int (*)(struct timeval *, void *))(uintptr_t)VSYS_GETTIMEOFDAY;
		struct timeval tv = { 0, -1 };
		struct timespec ts;
		int r = vgtod(&tv, NULL);
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
		if (r != 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000 ||
		    tv.tv_sec < ts.tv_sec - 2 || tv.tv_sec > ts.tv_sec) {
			printf("vsyscall gettimeofday: r=%d %lld.%06ld vs %lld\n", r,
			       (long long)tv.tv_sec, (long)tv.tv_usec,
			       (long long)ts.tv_sec);
			return 1;
		}
		printf("vsyscall gettimeofday: ok\n");
		return 0;
	}
	if (!strcmp(m, "getcpu")) {
		long (*vgetcpu)(unsigned *, unsigned *, void *) =
			(long (*)(unsigned *, unsigned *, void *))(uintptr_t)VSYS_GETCPU;
		unsigned cpu = ~0u, node = ~0u;
		long r = vgetcpu(&cpu, &node, NULL);
		long n = sysconf(_SC_NPROCESSORS_CONF);
		if (r != 0 || cpu == ~0u || (n > 0 && cpu >= (unsigned long)n) ||
		    node == ~0u) {
			printf("vsyscall getcpu: r=%ld cpu=%u node=%u\n", r, cpu, node);
			return 1;
		}
		printf("vsyscall getcpu: ok\n");
		return 0;
	}
	return ft_usage(argv[0], "time|gettimeofday|getcpu");
}
