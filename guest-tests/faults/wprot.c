/* wprot: writes into mapped but read-only memory: the program's own text
 * (`text`, r-xp) and a `static const` object in .rodata (`rodata`, r--p).
 * The VMA exists but refuses the write: SIGSEGV/SEGV_ACCERR at the exact
 * address, printed first as fault_addr=. */
#include "ft.h"

static const int table[16] = { 2, 3, 5, 7, 11, 13, 17, 19,
			       23, 29, 31, 37, 41, 43, 47, 53 };

__attribute__((noinline)) int victim(int x)
{
	return x * 3 + 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	volatile unsigned char *p;

	if (!strcmp(mode, "text")) {
		p = (volatile unsigned char *)(uintptr_t)&victim + 1;
		ft_print_addr(p);
		*p = 0xc3;
		FT_SURVIVED("write to text");
	}
	if (!strcmp(mode, "rodata")) {
		p = (volatile unsigned char *)(uintptr_t)&table[5];
		ft_print_addr(p);
		*(volatile int *)p = victim(table[1]);
		FT_SURVIVED("write to rodata");
	}
	return ft_usage(argv[0], "text|rodata");
}
