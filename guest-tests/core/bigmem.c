/* bigmem: write then read back 64 MiB of anonymous memory (16384 pages of
 * demand paging), word by word, and print a checksum. */
#include "gt.h"
#include <sys/mman.h>

#define SZ (64UL << 20)

int main(void)
{
	uint64_t *p, sum = 0, x;
	size_t i, n = SZ / sizeof *p;
	int pass;

	p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(1, p != MAP_FAILED);
	for (pass = 0; pass < 2; pass++) {
		x = 0x0123456789abcdefULL + (uint64_t)pass;
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = x;
		}
		x = 0x0123456789abcdefULL + (uint64_t)pass;
		sum = 0;
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			CHECK(2, p[i] == x);
			sum = (sum ^ p[i]) * 0x100000001b3ULL + i;
		}
		printf("pass %d checksum %016llx\n", pass, (unsigned long long)sum);
	}
	CHECK(3, munmap(p, SZ) == 0);
	printf("bigmem ok\n");
	return 0;
}
