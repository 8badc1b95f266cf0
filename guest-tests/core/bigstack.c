/* bigstack: a 4 MiB local array, touched page by page from the top down,
 * makes the [stack] VMA grow on demand (VM_GROWSDOWN, mm/mmap.c
 * expand_stack) well within the 8 MiB RLIMIT_STACK. */
#include "gt.h"

#define SZ (4UL << 20)

static uint64_t __attribute__((noinline)) use_stack(unsigned seed)
{
	volatile unsigned char big[SZ];
	uint64_t sum = 0;
	size_t i;

	/* Top down: the natural direction of growth. */
	for (i = SZ; i >= GT_PAGE; i -= GT_PAGE)
		big[i - 1] = (unsigned char)(seed + i / GT_PAGE);
	big[0] = (unsigned char)seed;
	for (i = SZ; i >= GT_PAGE; i -= GT_PAGE)
		sum += big[i - 1];
	sum += big[0];
	/* And every byte of a few pages in the middle. */
	for (i = SZ / 2; i < SZ / 2 + 3 * GT_PAGE; i++)
		big[i] = (unsigned char)i;
	for (i = SZ / 2; i < SZ / 2 + 3 * GT_PAGE; i++)
		sum += big[i];
	return sum;
}

int main(void)
{
	uint64_t a, b;

	a = use_stack(1);
	printf("first: %llu\n", (unsigned long long)a);
	/* The second call reuses the now-grown stack. */
	b = use_stack(7);
	printf("second: %llu\n", (unsigned long long)b);
	CHECK(1, a != b);
	printf("bigstack ok\n");
	return 0;
}
