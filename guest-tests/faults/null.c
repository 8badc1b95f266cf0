/* null: the null page.  `read` and `write` dereference a NULL pointer,
 * `call` calls through a NULL function pointer (the fetch at 0 faults, with
 * RIP = 0).  Nothing maps below mmap_min_addr: SIGSEGV/SEGV_MAPERR at 0. */
#include "ft.h"

/* volatile, so that the compiler cannot see the NULL and emit a trap */
static int *volatile null_ptr;
static void (*volatile null_fn)(void);

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "read"))
		return *(volatile int *)null_ptr;
	if (!strcmp(mode, "write")) {
		*(volatile int *)null_ptr = 1;
		FT_SURVIVED("write");
	}
	if (!strcmp(mode, "call")) {
		null_fn();
		FT_SURVIVED("call");
	}
	return ft_usage(argv[0], "read|write|call");
}
