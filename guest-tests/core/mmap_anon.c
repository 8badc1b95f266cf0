/* mmap_anon: anonymous mappings (mm/mmap.c do_mmap, mm/util.c).
 * Top-down placement, MAP_FIXED replacing, MAP_FIXED_NOREPLACE refusing,
 * mmap_min_addr, hints, splitting munmap, argument errors. */
#include "gt.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define PG GT_PAGE

/* capset(2) without <linux/capability.h> (musl ships no kernel headers). */
struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_V3 0x20080522
#define CAP_SYS_RAWIO 17

/* Root may map below mmap_min_addr (security/commoncap.c cap_mmap_addr
 * asks for CAP_SYS_RAWIO).  Drop it from the effective set so that the
 * check below means the same for root and for everyone else.  An emulator
 * that does not implement capset may refuse; that is fine. */
static void drop_rawio(void)
{
	struct cap_hdr h = {CAP_V3, 0};
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return;
	d[0].effective &= ~(1u << CAP_SYS_RAWIO);
	syscall(SYS_capset, &h, d);
}

static long min_addr_sysctl(void)
{
	char b[64] = {0};
	int fd = open("/proc/sys/vm/mmap_min_addr", O_RDONLY);
	long v = -1;
	if (fd >= 0) {
		if (read(fd, b, sizeof b - 1) > 0)
			v = strtol(b, NULL, 10);
		close(fd);
	}
	return v;
}

static int mapped(void *p)
{
	unsigned char v;
	return mincore(p, PG, &v) == 0;
}

int main(void)
{
	unsigned char *a, *b, *c, *p, *h;
	size_t i;
	long min;

	/* Two hint-less mappings: the second lies below the first (top-down,
	 * arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area_topdown). */
	a = mmap(NULL, 16 * PG, RW, ANON, -1, 0);
	CHECK(1, a != MAP_FAILED);
	b = mmap(NULL, 16 * PG, RW, ANON, -1, 0);
	CHECK(2, b != MAP_FAILED);
	CHECK(3, ((uintptr_t)a & (PG - 1)) == 0 && ((uintptr_t)b & (PG - 1)) == 0);
	CHECK(4, b < a);
	CHECK(5, b + 16 * PG <= a);
	c = mmap(NULL, PG, RW, ANON, -1, 0);
	CHECK(6, c != MAP_FAILED && c < b);
	/* 4-level paging: everything is below the 47-bit window. */
	CHECK(7, (uintptr_t)a < 0x7ffffffff000UL);

	/* Fresh anonymous memory reads as zero, and is writable. */
	for (i = 0; i < 16 * PG; i++)
		CHECK(8, a[i] == 0);
	memset(a, 0xa5, 16 * PG);
	memset(b, 0x5a, 16 * PG);

	/* MAP_FIXED over pages 4..5 of a replaces them with zero pages. */
	p = mmap(a + 4 * PG, 2 * PG, RW, ANON | MAP_FIXED, -1, 0);
	CHECK(9, p == a + 4 * PG);
	for (i = 0; i < 16 * PG; i++)
		CHECK(10, a[i] == ((i >= 4 * PG && i < 6 * PG) ? 0 : 0xa5));

	/* MAP_FIXED_NOREPLACE on an occupied range: EEXIST, content kept. */
	CHECK_ERR(11, mmap(a + 15 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	CHECK_ERR(12, mmap(b, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	CHECK(13, a[15 * PG] == 0xa5 && b[0] == 0x5a);

	/* mmap_min_addr: nothing at page 0 (security/min_addr.c). */
	drop_rawio();
	CHECK_ERR(14, mmap((void *)0, PG, RW, ANON | MAP_FIXED, -1, 0), EPERM);
	/* (raw syscall: musl's mmap() turns EPERM at address 0 into ENOMEM) */
	CHECK_ERR(15, syscall(SYS_mmap, 0, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EPERM);
	/* 0x1000 is below the usual 65536 but some hosts set 4096: only check
	 * where this system says so. */
	min = min_addr_sysctl();
	if (min > 0x1000)
		CHECK_ERR(16, mmap((void *)0x1000, PG, RW, ANON | MAP_FIXED, -1, 0), EPERM);
	/* Without MAP_FIXED a low hint is moved up (mm/mmap.c round_hint_to_min). */
	p = mmap((void *)0x1000, PG, RW, ANON, -1, 0);
	CHECK(17, p != MAP_FAILED && (uintptr_t)p >= 0x1000 && (min <= 0 || (uintptr_t)p >= (uintptr_t)min));
	CHECK(18, munmap(p, PG) == 0);

	/* The top user page is never mappable (TASK_SIZE_MAX = 2^47 - 4096). */
	CHECK_ERR(19, mmap((void *)0x7ffffffff000UL, PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
	CHECK_ERR(20, mmap((void *)0x7fffffffe000UL, 2 * PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
	/* A hint beyond the 47-bit window is ignored under 4-level paging. */
	p = mmap((void *)(1UL << 50), PG, RW, ANON, -1, 0);
	CHECK(21, p != MAP_FAILED && (uintptr_t)p < 0x7ffffffff000UL);
	CHECK(22, munmap(p, PG) == 0);

	/* A free hint is honoured exactly.  Find free space, release it, ask. */
	h = mmap(NULL, 64 * PG, RW, ANON, -1, 0);
	CHECK(23, h != MAP_FAILED);
	CHECK(24, munmap(h, 64 * PG) == 0);
	p = mmap(h + 8 * PG, 4 * PG, RW, ANON, -1, 0);
	CHECK(25, p == h + 8 * PG);
	/* An occupied hint is not: the mapping goes elsewhere, old data stays. */
	p[0] = 0x77;
	c = mmap(h + 9 * PG, PG, RW, ANON, -1, 0);
	CHECK(26, c != MAP_FAILED && c != h + 9 * PG);
	CHECK(27, c + PG <= h + 8 * PG || c >= h + 12 * PG);
	CHECK(28, p[0] == 0x77);
	CHECK(29, munmap(c, PG) == 0);
	/* A misaligned hint without MAP_FIXED is rounded, not refused. */
	c = mmap(h + 20 * PG + 123, PG, RW, ANON, -1, 0);
	CHECK(30, c != MAP_FAILED && ((uintptr_t)c & (PG - 1)) == 0);
	CHECK(31, munmap(c, PG) == 0);

	/* munmap of a middle page splits the mapping in two. */
	CHECK(32, mapped(p) && mapped(p + PG) && mapped(p + 2 * PG));
	CHECK(33, munmap(p + PG, PG) == 0);
	CHECK(34, mapped(p) && !mapped(p + PG) && mapped(p + 2 * PG) && mapped(p + 3 * PG));
	CHECK(35, p[0] == 0x77);
	/* The hole is free for MAP_FIXED_NOREPLACE ... */
	c = mmap(p + PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(36, c == p + PG);
	CHECK(37, c[0] == 0);
	/* ... and munmap of a range with holes in it is fine. */
	CHECK(38, munmap(h, 64 * PG) == 0);
	CHECK(39, !mapped(p) && !mapped(p + 3 * PG));
	CHECK(40, munmap(h, 64 * PG) == 0); /* nothing there: still 0 */

	/* Argument errors (mm/mmap.c do_mmap, mm/util.c vm_mmap_pgoff). */
	CHECK_ERR(41, mmap(NULL, 0, RW, ANON, -1, 0), EINVAL);
	CHECK_ERR(42, mmap(a + 1, PG, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
	CHECK_ERR(43, mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0), EINVAL); /* neither private nor shared */
	CHECK_ERR(44, mmap(NULL, PG, RW, MAP_PRIVATE, -1, 0), EBADF);    /* file mapping, no file */
	CHECK_ERR(45, mmap(NULL, (size_t)1 << 62, RW, ANON, -1, 0), ENOMEM);
	CHECK_ERR(46, munmap(a + 1, PG), EINVAL);
	CHECK_ERR(47, munmap(a, 0), EINVAL);

	/* Sizes are rounded up to whole pages. */
	p = mmap(NULL, 100, RW, ANON, -1, 0);
	CHECK(48, p != MAP_FAILED);
	p[PG - 1] = 1;
	CHECK(49, munmap(p, 100) == 0);
	CHECK(50, !mapped(p));

	/* MAP_POPULATE and MAP_NORESERVE are accepted on anonymous memory. */
	p = mmap(NULL, 8 * PG, RW, ANON | MAP_POPULATE, -1, 0);
	CHECK(51, p != MAP_FAILED && p[7 * PG] == 0);
	CHECK(52, munmap(p, 8 * PG) == 0);
	p = mmap(NULL, 1UL << 34, RW, ANON | MAP_NORESERVE, -1, 0); /* 16 GiB, untouched */
	CHECK(53, p != MAP_FAILED);
	p[0] = 1;
	p[(1UL << 34) - 1] = 2;
	CHECK(54, munmap(p, 1UL << 34) == 0);

	CHECK(55, munmap(a, 16 * PG) == 0 && munmap(b, 16 * PG) == 0);
	printf("mmap_anon ok\n");
	return 0;
}
