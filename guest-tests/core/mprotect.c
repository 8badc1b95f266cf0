/* mprotect: permission changes split and merge VMAs (mm/mprotect.c), seen
 * through /proc/self/maps; content survives PROT_NONE; argument errors. */
#include "gt.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG GT_PAGE

/* Print the VMAs that intersect [base, base+len) as page offsets relative
 * to base, with their permission letters, e.g. "  0-1 rw-p". */
static int show(const char *what, unsigned char *base, size_t len)
{
	static char buf[1 << 16];
	size_t n = 0;
	ssize_t r;
	char *line, *save;
	int fd = open("/proc/self/maps", O_RDONLY), count = 0;

	CHECK(90, fd >= 0);
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	printf("%s:\n", what);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) != 3)
			continue;
		if (e <= (uintptr_t)base || s >= (uintptr_t)base + len)
			continue;
		printf("  %ld-%ld %s\n", ((long)s - (long)(uintptr_t)base) / (long)PG,
		       ((long)e - (long)(uintptr_t)base) / (long)PG, perms);
		count++;
	}
	return count;
}

int main(void)
{
	unsigned char *g, *p;
	size_t i;

	/* Read-only guard pages around the test area, so nothing merges with
	 * it.  (Not PROT_NONE: whether a PROT_NONE VMA merges with a
	 * neighbour that was once writable depends on VM_ACCOUNT, a detail
	 * this test leaves alone.) */
	g = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(1, g != MAP_FAILED);
	p = mmap(g + 2 * PG, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(2, p == g + 2 * PG);
	for (i = 0; i < 4 * PG; i++)
		p[i] = (unsigned char)(i % 251);
	CHECK(3, show("rw 4 pages", g, 8 * PG) == 3);

	/* Read-only middle: three VMAs. */
	CHECK(4, mprotect(p + PG, 2 * PG, PROT_READ) == 0);
	CHECK(5, show("middle read-only", g, 8 * PG) == 5);
	for (i = 0; i < 4 * PG; i++)
		CHECK(6, p[i] == (unsigned char)(i % 251));

	/* Back to read-write: they merge again (mm/vma.c vma_merge). */
	CHECK(7, mprotect(p + PG, 2 * PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(8, show("merged again", g, 8 * PG) == 3);
	p[PG] = 0xee;

	/* PROT_NONE and back keeps the content. */
	CHECK(9, mprotect(p, 4 * PG, PROT_NONE) == 0);
	CHECK(10, show("none", g, 8 * PG) == 3);
	CHECK(11, mprotect(p, 4 * PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(12, p[PG] == 0xee && p[2 * PG + 5] == (unsigned char)((2 * PG + 5) % 251));

	/* Exec permission on anonymous memory is allowed (no W^X on Linux). */
	CHECK(13, mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
	CHECK(14, mprotect(p + 3 * PG, PG, PROT_EXEC) == 0);
	CHECK(15, show("rwx / exec-only", g, 8 * PG) == 5);

	/* Running code from an anonymous page: mov eax, 42; ret. */
	{
		static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
		int (*fn)(void);
		memcpy(p, code, sizeof code);
		fn = (int (*)(void))(void *)p;
		CHECK(16, fn() == 42);
		p[1] = 43; /* a store into code that already ran */
		CHECK(17, fn() == 43);
	}

	/* Errors (mm/mprotect.c do_mprotect_pkey).  Raw syscalls: musl's
	 * mprotect() rounds a misaligned start down itself. */
	CHECK_ERR(18, syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
	CHECK_ERR(19, syscall(SYS_mprotect, p, PG, 0x40), EINVAL); /* unknown bit */
	CHECK(20, munmap(g, 8 * PG) == 0);
	CHECK_ERR(21, mprotect(p, PG, PROT_READ), ENOMEM);
	/* A range that is only partly mapped fails too. */
	g = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(22, g != MAP_FAILED);
	CHECK(23, munmap(g + PG, PG) == 0);
	CHECK_ERR(24, mprotect(g, 2 * PG, PROT_READ | PROT_WRITE), ENOMEM);
	CHECK(25, munmap(g, PG) == 0);
	/* Length 0 is a no-op success. */
	CHECK(26, mprotect(g, 0, PROT_READ) == 0);

	printf("mprotect ok\n");
	return 0;
}
