/* brk: the program break through the raw syscall (mm/mmap.c SYSCALL(brk)).
 * brk(0) reports the break; growing maps zeroed pages; shrinking unmaps the
 * pages above the new break, so growing again gives zeroed pages; a failed
 * request returns the unchanged break.  No libc allocation happens between
 * the first brk(0) and the final restore, so malloc's view stays valid
 * (musl's brk()/sbrk(n) refuse to work, hence the raw syscall). */
#include "gt.h"
#include <sys/mman.h>
#include <sys/syscall.h>

#define PAGE_ALIGN(x) (((x) + GT_PAGE - 1) & ~(GT_PAGE - 1))

static uintptr_t sys_brk(uintptr_t a)
{
	return (uintptr_t)syscall(SYS_brk, a);
}

int main(void)
{
	uintptr_t b0, top, r;
	size_t i, grow = 1 << 20;
	unsigned char *p;
	void *m;

	/* Make sure stdout's buffer is allocated before we start. */
	printf("brk test\n");
	fflush(stdout);

	b0 = sys_brk(0);
	CHECK(1, b0 != 0 && b0 != (uintptr_t)-1);
	CHECK(2, sys_brk(0) == b0);

	/* Grow by 1 MiB: exactly the requested break comes back. */
	r = sys_brk(b0 + grow);
	CHECK(3, r == b0 + grow);
	CHECK(4, sys_brk(0) == b0 + grow);
	p = (unsigned char *)b0;
	for (i = 0; i < grow; i++)
		CHECK(5, PAGE_ALIGN(b0) > (uintptr_t)p + i || p[i] == 0);
	for (i = 0; i < grow; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < grow; i++)
		CHECK(6, p[i] == (unsigned char)(i * 7 + 1));

	/* Shrink to b0 + 64 KiB, then grow back: the pages freed in between
	 * come back zeroed; what stayed mapped keeps its content. */
	r = sys_brk(b0 + 65536);
	CHECK(7, r == b0 + 65536);
	CHECK(8, sys_brk(0) == b0 + 65536);
	r = sys_brk(b0 + grow);
	CHECK(9, r == b0 + grow);
	for (i = 0; i < 65536; i++)
		CHECK(10, p[i] == (unsigned char)(i * 7 + 1));
	for (i = PAGE_ALIGN(b0 + 65536) - b0; i < grow; i++)
		CHECK(11, p[i] == 0);

	/* The pages above the break are gone: mincore() says ENOMEM. */
	r = sys_brk(b0 + 65536);
	CHECK(12, r == b0 + 65536);
	{
		unsigned char vec[4];
		CHECK_ERR(13, mincore((void *)PAGE_ALIGN(b0 + 65536 + GT_PAGE), GT_PAGE, vec), ENOMEM);
		CHECK(14, mincore((void *)(PAGE_ALIGN(b0 + 65536) - GT_PAGE), GT_PAGE, vec) == 0);
	}

	/* Below the start of the heap: refused, break unchanged. */
	CHECK(15, sys_brk(0x10000) == b0 + 65536);

	/* A mapping just above the heap blocks growth into it. */
	top = PAGE_ALIGN(b0 + 65536);
	m = mmap((void *)(top + 16 * GT_PAGE), GT_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(16, m == (void *)(top + 16 * GT_PAGE));
	CHECK(17, sys_brk(top + 32 * GT_PAGE) == b0 + 65536);
	CHECK(18, sys_brk(0) == b0 + 65536);
	/* ... but up to it is fine (brk keeps no guard page to a plain
	 * mapping other than the one page check_brk_limits needs). */
	CHECK(19, sys_brk(top + 8 * GT_PAGE) == top + 8 * GT_PAGE);
	CHECK(20, munmap(m, GT_PAGE) == 0);

	/* Restore the original break for malloc. */
	CHECK(21, sys_brk(b0) == b0);
	CHECK(22, sys_brk(0) == b0);

#ifdef __GLIBC__
	/* glibc's sbrk() tracks the same break. */
	{
		void *old = sbrk(0);
		CHECK(23, (uintptr_t)old == b0);
		CHECK(24, sbrk(8192) == old);
		CHECK(25, sys_brk(0) == b0 + 8192);
		memset(old, 0x33, 8192);
		CHECK(26, sbrk(-8192) == (char *)old + 8192);
		CHECK(27, sys_brk(0) == b0);
	}
#endif

	/* malloc still works afterwards. */
	p = malloc(1000);
	CHECK(28, p != NULL);
	memset(p, 0, 1000);
	free(p);
	printf("brk ok\n");
	return 0;
}
