/* stdin: the guest reads its standard input (tests/guest-tests.sh feeds it
 * stdin.stdin) with read(2) and stdio, and reports counts and a hash. */
#include "gt.h"
#include <ctype.h>

int main(void)
{
	static char buf[1 << 16];
	size_t len = 0, lines = 0, i;
	ssize_t n;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	char first[256];

	/* First line through stdio, the rest through read(2) on fd 0.  stdio
	 * may have buffered more than the line: take that from the buffer. */
	CHECK(1, fgets(first, sizeof first, stdin) != NULL);
	for (i = 0; first[i]; i++)
		putchar(toupper((unsigned char)first[i]));
	len = strlen(first);
	memcpy(buf, first, len);
	while ((n = fread(buf + len, 1, sizeof buf - len, stdin)) > 0)
		len += (size_t)n;
	CHECK(2, !ferror(stdin));
	CHECK(3, len < sizeof buf);
	/* At EOF a raw read must return 0, too. */
	CHECK(4, read(0, buf + len, 16) == 0);
	for (i = 0; i < len; i++) {
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
		if (buf[i] == '\n')
			lines++;
	}
	printf("bytes: %zu\nlines: %zu\nfnv1a: %016llx\n", len, lines,
	       (unsigned long long)h);
	return 0;
}
