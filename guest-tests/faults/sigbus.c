/* sigbus: a file mapping beyond EOF.  Two pages of a 100-byte file are
 * mapped; the first page reads as the file then zeros, and a touch of the
 * second page, which has no file behind it, is SIGBUS/BUS_ADRERR (2) at the
 * exact address (printed).  The file is created in the current directory
 * and unlinked before the touch. */
#include "ft.h"
#include <fcntl.h>
#include <sys/mman.h>

int main(void)
{
	char name[64];
	unsigned char data[100];
	volatile unsigned char *p;
	int fd, i;

	snprintf(name, sizeof name, "sigbus-%ld.tmp", (long)getpid());
	for (i = 0; i < 100; i++)
		data[i] = (unsigned char)(i * 7 + 1);
	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data)
		return 2;
	p = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	unlink(name);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < 4096; i++) {
		if (p[i] != (i < 100 ? data[i] : 0)) {
			printf("first page: byte %d is %d\n", i, p[i]);
			return 4;
		}
	}
	ft_print_addr(p + 4096 + 0x10);
	return p[4096 + 0x10];
}
