/* protnone: a read of a PROT_NONE mapping.  The VMA exists and refuses
 * every access: SIGSEGV/SEGV_ACCERR at the exact address (printed). */
#include "ft.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "read";
	unsigned char *p = mmap(NULL, 3 * 4096, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile unsigned char *q;

	if (p == MAP_FAILED)
		return 2;
	q = p + 4096 + 0x123;
	ft_print_addr(q);
	if (!strcmp(mode, "read"))
		return *q;
	if (!strcmp(mode, "write")) {
		*q = 1;
		FT_SURVIVED("write");
	}
	return ft_usage(argv[0], "read|write");
}
