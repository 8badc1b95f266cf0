/* recursion: deep (100k frames, a few MiB of stack) but bounded recursion,
 * mutual recursion, and Ackermann; results printed. */
#include "gt.h"

static volatile unsigned sink;

/* Not a tail call, and a local array the compiler must keep per frame. */
static uint64_t __attribute__((noinline)) deep(unsigned n)
{
	volatile unsigned pad[6];
	uint64_t r;

	pad[0] = n;
	pad[5] = n * 3;
	if (n == 0)
		return 1;
	r = deep(n - 1);
	return r * 31 + pad[0] + pad[5] + sink;
}

static int __attribute__((noinline)) is_odd(unsigned n);
static int __attribute__((noinline)) is_even(unsigned n)
{
	return n == 0 ? 1 : is_odd(n - 1) + (int)sink;
}
static int __attribute__((noinline)) is_odd(unsigned n)
{
	return n == 0 ? 0 : is_even(n - 1) + (int)sink;
}

static unsigned long ack(unsigned long m, unsigned long n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

int main(void)
{
	printf("deep(100000): %016llx\n", (unsigned long long)deep(100000));
	printf("deep(10): %llu\n", (unsigned long long)deep(10));
	printf("is_even(50001): %d\n", is_even(50001));
	printf("is_even(50000): %d\n", is_even(50000));
	printf("ack(2, 500): %lu\n", ack(2, 500));
	printf("ack(3, 8): %lu\n", ack(3, 8));
	CHECK(1, ack(3, 8) == 2045);
	CHECK(2, is_even(20000) == 1);
	printf("recursion ok\n");
	return 0;
}
