/* mmap_file: MAP_PRIVATE file mappings (mm/filemap.c, mm/memory.c).
 * Content matches the file, offsets work, the tail of the last page past
 * EOF reads as zero, private writes never reach the file, and
 * /proc/self/maps names the file with the mapping's offset. */
#include "gt.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PG GT_PAGE
#define FSIZE (3 * PG + 100)

static unsigned char want(size_t i)
{
	return (unsigned char)(gt_mix(i / 8) >> (8 * (i % 8)));
}

/* Find the maps line for address p and return its offset field and
 * whether its path ends with "/name". */
static int maps_line(void *p, const char *name, unsigned long *off, char *perms)
{
	static char buf[1 << 16];
	size_t n = 0;
	ssize_t r;
	char *line, *save;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e;
		const char *path = strrchr(line, ' ');
		if (sscanf(line, "%lx-%lx %4s %lx", &s, &e, perms, off) != 4)
			continue;
		if ((uintptr_t)p < s || (uintptr_t)p >= e)
			continue;
		return path && strcmp(gt_base(path + 1), name) == 0;
	}
	return -1;
}

int main(void)
{
	static unsigned char data[FSIZE];
	char dir[256], path[512], perms[5];
	unsigned char *m, *m2;
	unsigned long off;
	size_t i;
	int fd;

	gt_tmpdir("mmap_file", dir, sizeof dir);
	snprintf(path, sizeof path, "%s/data.bin", dir);
	for (i = 0; i < FSIZE; i++)
		data[i] = want(i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(1, fd >= 0);
	CHECK(2, write(fd, data, FSIZE) == FSIZE);

	/* Whole file, read-only private. */
	m = mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(3, m != MAP_FAILED);
	for (i = 0; i < FSIZE; i++)
		CHECK(4, m[i] == want(i));
	for (i = FSIZE; i < 4 * PG; i++)
		CHECK(5, m[i] == 0); /* tail of the last page past EOF */
	CHECK(6, maps_line(m, "data.bin", &off, perms) == 1);
	CHECK(7, off == 0 && strcmp(perms, "r--p") == 0);

	/* At an offset, writable private: copy-on-write, file unchanged. */
	m2 = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	CHECK(8, m2 != MAP_FAILED);
	for (i = 0; i < 2 * PG; i++)
		CHECK(9, m2[i] == want(PG + i));
	CHECK(10, maps_line(m2, "data.bin", &off, perms) == 1);
	CHECK(11, off == PG && strcmp(perms, "rw-p") == 0);
	memset(m2, 0xab, PG);
	CHECK(12, m2[0] == 0xab && m2[PG] == want(2 * PG));
	CHECK(13, m[PG] == want(PG)); /* the other mapping does not see it */
	{
		unsigned char b[16];
		CHECK(14, pread(fd, b, sizeof b, PG) == (ssize_t)sizeof b);
		for (i = 0; i < sizeof b; i++)
			CHECK(15, b[i] == want(PG + i));
	}

	/* The mapping outlives the descriptor. */
	CHECK(16, close(fd) == 0);
	CHECK(17, m[3 * PG + 99] == want(3 * PG + 99));
	CHECK(18, munmap(m, FSIZE) == 0 && munmap(m2, 2 * PG) == 0);

	/* Errors: misaligned offset, write-only descriptor, shared+writable
	 * on a read-only descriptor. */
	fd = open(path, O_RDONLY);
	CHECK(19, fd >= 0);
	CHECK_ERR(20, mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
	CHECK_ERR(21, mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	/* A private writable mapping of a read-only descriptor is fine. */
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(22, m != MAP_FAILED);
	m[0] ^= 0xff;
	CHECK(23, munmap(m, PG) == 0);
	close(fd);
	fd = open(path, O_WRONLY);
	CHECK(24, fd >= 0);
	CHECK_ERR(25, mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(26, fd >= 0);
	CHECK_ERR(27, mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV);
	close(fd);

	/* MAP_FIXED file mapping over anonymous memory. */
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(28, m != MAP_FAILED);
	memset(m, 0x11, 4 * PG);
	fd = open(path, O_RDONLY);
	CHECK(29, fd >= 0);
	m2 = mmap(m + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 2 * PG);
	CHECK(30, m2 == m + PG);
	CHECK(31, m[0] == 0x11 && m2[0] == want(2 * PG) && m[2 * PG] == 0x11);
	close(fd);
	CHECK(32, munmap(m, 4 * PG) == 0);

	gt_rmtree(dir);
	printf("mmap_file ok\n");
	return 0;
}
