/* random: getrandom(2) and /dev/urandom deliver bytes that are not all
 * zero and not repeated (contents are random, so only verdicts print). */
#include "gt.h"
#include <fcntl.h>
#include <sys/random.h>
#include <sys/syscall.h>

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int main(void)
{
	static unsigned char a[4096], b[4096];
	unsigned char small[16];
	int fd, hist[256] = {0}, i, max = 0;

	CHECK(1, getrandom(small, sizeof small, 0) == (ssize_t)sizeof small);
	CHECK(2, !all_zero(small, sizeof small));
	CHECK(3, getrandom(a, 256, 0) == 256);
	CHECK(4, getrandom(b, 256, GRND_NONBLOCK) == 256);
	CHECK(5, memcmp(a, b, 256) != 0);
	CHECK(6, syscall(SYS_getrandom, a, sizeof a, 0) == (long)sizeof a);
	CHECK(7, !all_zero(a, sizeof a));
	/* A rough sanity check on the distribution: no byte value takes more
	 * than 4x its share of 4096 bytes. */
	for (i = 0; i < (int)sizeof a; i++)
		hist[a[i]]++;
	for (i = 0; i < 256; i++)
		if (hist[i] > max)
			max = hist[i];
	CHECK(8, max < 64);
	CHECK_ERR(9, syscall(SYS_getrandom, a, 16, 0x1000), EINVAL);
	CHECK(10, getrandom(a, 0, 0) == 0);

	fd = open("/dev/urandom", O_RDONLY);
	CHECK(11, fd >= 0);
	CHECK(12, read(fd, b, sizeof b) == (ssize_t)sizeof b);
	CHECK(13, !all_zero(b, sizeof b) && memcmp(a, b, sizeof b) != 0);
	close(fd);
	printf("random ok\n");
	return 0;
}
