/* stack: unbounded recursion.
 *  `gap`     maps a page 2 MiB below the stack (MAP_FIXED_NOREPLACE), as a
 *            thread stack or a JIT region ends up there, then recurses.  The
 *            stack may not grow to within stack_guard_gap (256 pages) of
 *            that mapping: SIGSEGV/SEGV_MAPERR in the guard gap, about
 *            1 MiB below the start, long before the page.
 *  `rlimit`  nothing below: the stack grows until RLIMIT_STACK and the
 *            next growth is refused: SIGSEGV/SEGV_MAPERR just below it.
 *            The soft limit is first lowered to 8 MiB (pagemu's default,
 *            Linux's _STK_LIM) if it is higher or unlimited, so that the
 *            native run never eats memory without bound. */
#include "ft.h"
#include <sys/mman.h>
#include <sys/resource.h>

#pragma GCC diagnostic ignored "-Winfinite-recursion"

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t recurse(uint64_t depth)
{
	volatile char frame[4096];
	frame[0] = (char)depth;
	sink += frame[0];
	return recurse(depth + 1) + frame[100];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char here;

	if (!strcmp(mode, "gap")) {
		uintptr_t below = (((uintptr_t)&here) & ~(uintptr_t)0xfff) -
				  (2u << 20);
		void *p = mmap((void *)below, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		if (p != (void *)below) {
			printf("mmap below the stack failed\n");
			return 2;
		}
		return (int)recurse(0);
	}
	if (!strcmp(mode, "rlimit")) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_STACK, &rl) != 0)
			return 3;
		if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (8u << 20)) {
			rl.rlim_cur = 8u << 20;
			if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
				rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_STACK, &rl) != 0)
				return 4;
		}
		return (int)recurse(0);
	}
	return ft_usage(argv[0], "gap|rlimit");
}
