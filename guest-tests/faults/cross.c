/* cross: accesses that start in a mapped page and run into the next one,
 * which is unmapped (`unmapped`) or PROT_NONE (`prot_none`).  The fault
 * address is the first byte that cannot be accessed, the start of the
 * second page (what CR2 holds), not the start of the access:
 *   load8   an 8-byte load at 4 bytes before the boundary
 *   store8  an 8-byte store there
 *   sse16   a 16-byte movdqu load at 8 bytes before the boundary
 *   movsb   rep movsb of 200 bytes from 96 bytes before the boundary
 *   stosb   rep stosb of 200 bytes to 96 bytes before the boundary
 * SIGSEGV, SEGV_MAPERR (unmapped) or SEGV_ACCERR (PROT_NONE); the
 * boundary is printed as fault_addr=. */
#include "ft.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "";
	const char *op = argc > 2 ? argv[2] : "";
	static unsigned char sink[256];
	unsigned char *p, *b;

	if (argc != 3)
		return ft_usage(argv[0], "unmapped|prot_none load8|store8|sse16|movsb|stosb");
	p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	memset(p, 0x11, 4096);
	b = p + 4096;
	if (!strcmp(kind, "unmapped")) {
		if (munmap(b, 4096) != 0)
			return 3;
	} else if (!strcmp(kind, "prot_none")) {
		if (mprotect(b, 4096, PROT_NONE) != 0)
			return 3;
	} else
		return ft_usage(argv[0], "unmapped|prot_none load8|store8|sse16|movsb|stosb");
	ft_print_addr(b);

	if (!strcmp(op, "load8")) {
		uint64_t v;
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(b - 4) : "memory");
		printf("read 0x%llx\n", (unsigned long long)v);
	} else if (!strcmp(op, "store8")) {
		__asm__ volatile("movq %1, (%0)" : : "r"(b - 4), "r"(~0ULL) : "memory");
	} else if (!strcmp(op, "sse16")) {
		__asm__ volatile("movdqu (%0), %%xmm0" : : "r"(b - 8) : "xmm0", "memory");
	} else if (!strcmp(op, "movsb")) {
		void *d = sink, *s = b - 96;
		size_t n = 200;
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	} else if (!strcmp(op, "stosb")) {
		void *d = b - 96;
		size_t n = 200;
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x22) : "memory");
	} else
		return ft_usage(argv[0], "unmapped|prot_none load8|store8|sse16|movsb|stosb");
	FT_SURVIVED(op);
}
