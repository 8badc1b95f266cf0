/* touch: 1M first touches of anonymous pages: 4 rounds of a 1 GiB
 * MAP_NORESERVE mapping (256Ki pages), one byte written per page, then
 * munmap.  Measures demand paging (page-fault or TLB-fill cost). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGES (256UL * 1024)
#define ROUNDS 4
#define PG 4096UL

int main(void)
{
	uint64_t sum = 0;
	unsigned long r, i;

	for (r = 0; r < ROUNDS; r++) {
		volatile unsigned char *p = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (i = 0; i < PAGES; i++)
			p[i * PG] = (unsigned char)(i + r);
		for (i = 0; i < PAGES; i += 4097)
			sum += p[i * PG];
		if (munmap((void *)p, PAGES * PG) != 0) {
			perror("munmap");
			return 1;
		}
	}
	printf("touched %lu pages, checksum %llu\n", PAGES * ROUNDS, (unsigned long long)sum);
	return 0;
}
