/* writes: 1M one-byte write() calls to /dev/null: the syscall round trip. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define COUNT (1 << 20)

int main(void)
{
	long i, ok = 0;
	int fd = open("/dev/null", O_WRONLY);

	if (fd < 0) {
		perror("/dev/null");
		return 1;
	}
	for (i = 0; i < COUNT; i++)
		ok += write(fd, "x", 1) == 1;
	close(fd);
	printf("writes %ld of %d\n", ok, COUNT);
	return ok == COUNT ? 0 : 1;
}
