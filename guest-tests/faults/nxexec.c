/* nxexec: execution of non-executable data.  A `ret` (0xc3) is copied
 * into a buffer on the stack (`stack`), in the malloc heap (`heap`), in
 * .data (`data`) or in an anonymous PROT_READ|PROT_WRITE mapping (`mmap`),
 * and called.  The VMA is there but lacks VM_EXEC: SIGSEGV/SEGV_ACCERR on
 * the instruction fetch, si_addr = RIP = the buffer (printed first). */
#include "ft.h"
#include <sys/mman.h>

static unsigned char data_buf[64] = { 1 };

static int call_buffer(unsigned char *buf)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)buf;

	buf[0] = 0xc3; /* ret */
	__asm__ volatile("" ::: "memory");
	ft_print_addr(buf);
	ft_print_rip(buf);
	fn();
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "stack")) {
		unsigned char buf[64];
		memset(buf, 0, sizeof buf);
		call_buffer(buf);
		FT_SURVIVED("exec of stack");
	}
	if (!strcmp(mode, "heap")) {
		unsigned char *buf = malloc(64);
		if (!buf)
			return 2;
		call_buffer(buf);
		FT_SURVIVED("exec of heap");
	}
	if (!strcmp(mode, "data")) {
		call_buffer(data_buf);
		FT_SURVIVED("exec of .data");
	}
	if (!strcmp(mode, "mmap")) {
		unsigned char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return 2;
		call_buffer(buf + 0x40);
		FT_SURVIVED("exec of an rw- mapping");
	}
	return ft_usage(argv[0], "stack|heap|data|mmap");
}
