/* maps: print /proc/self/maps verbatim, with nothing but open/read/write
 * (no stdio, no malloc), so that the program itself changes its address
 * space as little as possible.  tests/guest-tests.sh runs it natively under
 * `setarch -R` and under `pagemu --no-aslr` and compares the two after
 * dropping the dev/inode columns, the directory part of paths and the
 * [vvar]/[vvar_vclock]/[vdso] lines.  Not a self-checking test: its output
 * holds addresses, so it only makes sense with ASLR off. */
#include <fcntl.h>
#include <unistd.h>

static char buf[1 << 16];

int main(void)
{
	ssize_t n, w, off;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0) {
		write(2, "maps: cannot open /proc/self/maps\n", 34);
		return 1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (off = 0; off < n; off += w) {
			w = write(1, buf + off, (size_t)(n - off));
			if (w <= 0)
				return 2;
		}
	}
	close(fd);
	return n == 0 ? 0 : 3;
}
