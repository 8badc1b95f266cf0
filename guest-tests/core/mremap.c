/* mremap: grow in place, grow by moving, shrink, MREMAP_FIXED; content
 * always kept (mm/mremap.c). */
#define _GNU_SOURCE 1
#include "gt.h"
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG GT_PAGE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int mapped(void *p)
{
	unsigned char v;
	return mincore(p, PG, &v) == 0;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(gt_mix(seed + i / 8) >> (8 * (i % 8)));
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(gt_mix(seed + i / 8) >> (8 * (i % 8))))
			return 0;
	return 1;
}

static int zero(const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	unsigned char *a, *b, *r, *t;

	/* Grow in place: reserve 9 pages, give back the top 5, regrow to 8. */
	a = mmap(NULL, 9 * PG, RW, ANON, -1, 0);
	CHECK(1, a != MAP_FAILED);
	CHECK(2, munmap(a + 4 * PG, 5 * PG) == 0);
	fill(a, 4 * PG, 1);
	r = mremap(a, 4 * PG, 8 * PG, 0);
	CHECK(3, r == a);
	CHECK(4, same(a, 4 * PG, 1) && zero(a + 4 * PG, 4 * PG));
	CHECK(5, mapped(a + 7 * PG));

	/* Blocked without MREMAP_MAYMOVE: ENOMEM, nothing changes. */
	b = mmap(a + 8 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(6, b == a + 8 * PG);
	CHECK_ERR(7, mremap(a, 8 * PG, 16 * PG, 0), ENOMEM);
	CHECK(8, same(a, 4 * PG, 1));

	/* With MREMAP_MAYMOVE it moves; the old range is gone. */
	r = mremap(a, 8 * PG, 64 * PG, MREMAP_MAYMOVE);
	CHECK(9, r != MAP_FAILED && r != a);
	CHECK(10, same(r, 4 * PG, 1) && zero(r + 4 * PG, 60 * PG));
	CHECK(11, !mapped(a) && !mapped(a + 7 * PG));
	CHECK(12, mapped(b));
	r[64 * PG - 1] = 9;

	/* Shrink: same address, the tail unmapped, the head intact. */
	t = mremap(r, 64 * PG, 2 * PG, 0);
	CHECK(13, t == r);
	CHECK(14, same(r, 2 * PG, 1));
	CHECK(15, mapped(r + PG) && !mapped(r + 2 * PG) && !mapped(r + 63 * PG));

	/* MREMAP_FIXED: move onto a chosen address, replacing what is there. */
	t = mmap(NULL, 4 * PG, RW, ANON, -1, 0);
	CHECK(16, t != MAP_FAILED);
	memset(t, 0xcc, 4 * PG);
	a = mremap(r, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, t + PG);
	CHECK(17, a == t + PG);
	CHECK(18, same(a, 2 * PG, 1));
	CHECK(19, t[0] == 0xcc && t[3 * PG] == 0xcc);
	CHECK(20, !mapped(r));
	/* ... growing at the same time. */
	fill(t, PG, 7);
	r = mmap(NULL, 16 * PG, RW, ANON, -1, 0);
	CHECK(21, r != MAP_FAILED);
	a = mremap(t, PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, r + 4 * PG);
	CHECK(22, a == r + 4 * PG);
	CHECK(23, same(a, PG, 7) && zero(a + PG, 2 * PG));
	CHECK(24, !mapped(t) && mapped(t + PG));

	/* Errors. */
	CHECK_ERR(25, mremap(a + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	CHECK_ERR(26, mremap(a, PG, 2 * PG, MREMAP_FIXED, r), EINVAL);   /* FIXED needs MAYMOVE */
	CHECK_ERR(27, mremap(a, PG, 0, MREMAP_MAYMOVE), EINVAL);
	CHECK_ERR(28, mremap(a, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, a), EINVAL); /* overlap */
	CHECK_ERR(29, mremap(t, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT); /* unmapped */
	/* The old range must lie in one VMA: here it spans a hole. */
	CHECK(30, munmap(r + PG, PG) == 0);
	CHECK_ERR(31, mremap(r, 3 * PG, 8 * PG, MREMAP_MAYMOVE), EFAULT);

	/* A large move keeps every page (4 MiB crosses page-table levels). */
	a = mmap(NULL, 4 << 20, RW, ANON, -1, 0);
	CHECK(32, a != MAP_FAILED);
	fill(a, 4 << 20, 99);
	b = mremap(a, 4 << 20, 8 << 20, MREMAP_MAYMOVE);
	CHECK(33, b != MAP_FAILED);
	CHECK(34, same(b, 4 << 20, 99) && zero(b + (4 << 20), 4 << 20));
	CHECK(35, munmap(b, 8 << 20) == 0);

	printf("mremap ok\n");
	return 0;
}
