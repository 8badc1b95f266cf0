/* malloc: many small blocks (brk heap) and large ones (mmap path in both
 * glibc, threshold 128 KiB, and musl), realloc, calloc, aligned allocation. */
#include "gt.h"

#define NSMALL 20000

static void *blk[NSMALL];
static size_t blen[NSMALL];

int main(void)
{
	uint64_t sum = 0, seed = 1;
	size_t i, j, sizes[] = {200000, 1 << 20, 16 << 20, 3 * 1024 * 1024 + 17};
	unsigned char *p, *q;
	void *al;

	/* Small blocks, filled with a per-block byte, freed in a shuffled order. */
	for (i = 0; i < NSMALL; i++) {
		blen[i] = 1 + gt_mix(i) % 700;
		blk[i] = malloc(blen[i]);
		CHECK(1, blk[i] != NULL);
		CHECK(2, ((uintptr_t)blk[i] & 15) == 0); /* max_align_t */
		memset(blk[i], (int)(i & 0xff), blen[i]);
	}
	for (i = 0; i < NSMALL; i++) {
		p = blk[i];
		for (j = 0; j < blen[i]; j++)
			CHECK(3, p[j] == (i & 0xff));
		sum += blen[i] * (i & 0xff);
	}
	for (i = NSMALL - 1; i > 0; i--) {
		void *t;
		size_t tl;
		seed = gt_mix(seed);
		j = seed % (i + 1);
		t = blk[i], blk[i] = blk[j], blk[j] = t;
		tl = blen[i], blen[i] = blen[j], blen[j] = tl;
	}
	for (i = 0; i < NSMALL; i += 2)
		free(blk[i]);
	for (i = 0; i < NSMALL; i += 2) {
		blk[i] = malloc(blen[i]);
		CHECK(4, blk[i] != NULL);
	}
	for (i = 0; i < NSMALL; i++)
		free(blk[i]);
	printf("small: %d blocks, sum %llu\n", NSMALL, (unsigned long long)sum);

	/* Large blocks: written at every page, read back, freed. */
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t s = 0;
		p = malloc(sizes[i]);
		CHECK(5, p != NULL);
		for (j = 0; j < sizes[i]; j += 4096)
			p[j] = (unsigned char)(j >> 12);
		p[sizes[i] - 1] = 0x5a;
		for (j = 0; j < sizes[i]; j += 4096)
			s += p[j];
		s += p[sizes[i] - 1];
		printf("large %zu: %llu\n", sizes[i], (unsigned long long)s);
		free(p);
	}

	/* calloc returns zeroed memory, also after a dirty block was freed. */
	p = malloc(1 << 20);
	CHECK(6, p != NULL);
	memset(p, 0xff, 1 << 20);
	free(p);
	p = calloc(1 << 18, 4);
	CHECK(7, p != NULL);
	for (j = 0; j < (1 << 20); j++)
		CHECK(8, p[j] == 0);
	free(p);
	p = calloc(1000, 3);
	CHECK(9, p != NULL);
	for (j = 0; j < 3000; j++)
		CHECK(10, p[j] == 0);
	free(p);

	/* realloc keeps the content while growing from small to mmap-sized. */
	p = malloc(100);
	CHECK(11, p != NULL);
	for (j = 0; j < 100; j++)
		p[j] = (unsigned char)j;
	for (i = 200; i <= (8u << 20); i *= 4) {
		q = realloc(p, i);
		CHECK(12, q != NULL);
		p = q;
		for (j = 0; j < 100; j++)
			CHECK(13, p[j] == (unsigned char)j);
		p[i - 1] = 1;
	}
	q = realloc(p, 50);
	CHECK(14, q != NULL);
	for (j = 0; j < 50; j++)
		CHECK(15, q[j] == (unsigned char)j);
	free(q);

	CHECK(16, posix_memalign(&al, 4096, 10000) == 0);
	CHECK(17, ((uintptr_t)al & 4095) == 0);
	memset(al, 1, 10000);
	free(al);
	al = aligned_alloc(65536, 65536);
	CHECK(18, al != NULL && ((uintptr_t)al & 65535) == 0);
	free(al);
	errno = 0;
	CHECK(19, malloc((size_t)-1 / 2) == NULL && errno == ENOMEM);

	printf("malloc ok\n");
	return 0;
}
