/* addr: touch one literal address.
 *   addr read ADDR    load 8 bytes (mov reg, [reg])
 *   addr write ADDR   store 8 bytes
 *   addr jmp ADDR     indirect jmp, nothing pushed
 *   addr call ADDR    indirect call
 *   addr ret ADDR     ret to ADDR (as if a return address were smashed)
 * The .expect files use it for the holes of the layout: the non-canonical
 * hole, the kernel half, the guard holes, the vsyscall page.  For jmp and
 * call the address of the branch is printed as fault_rip=: a branch to a
 * non-canonical address raises #GP on the branch itself (RIP stays there,
 * nothing is pushed), while a branch to a canonical unmapped address
 * completes and the fetch faults with RIP = ADDR. */
#include "ft.h"

/* ft_jmp(a): jmp *%rdi.  ft_call(a): call *%rdi, then return.
 * ft_ret(a): push %rdi; ret. */
__asm__(".text\n"
	".globl ft_jmp\n"
	".type ft_jmp, @function\n"
	"ft_jmp:\n\t"
	"jmp *%rdi\n"
	".size ft_jmp, .-ft_jmp\n"
	".globl ft_call\n"
	".type ft_call, @function\n"
	"ft_call:\n\t"
	"sub $8, %rsp\n"
	".globl ft_call_insn\n"
	"ft_call_insn:\n\t"
	"call *%rdi\n\t"
	"add $8, %rsp\n\t"
	"ret\n"
	".size ft_call, .-ft_call\n"
	".globl ft_ret\n"
	".type ft_ret, @function\n"
	"ft_ret:\n\t"
	"push %rdi\n"
	".globl ft_ret_insn\n"
	"ft_ret_insn:\n\t"
	"ret\n"
	".size ft_ret, .-ft_ret\n");
void ft_jmp(uint64_t a);
void ft_call(uint64_t a);
void ft_ret(uint64_t a);
extern const char ft_call_insn[], ft_ret_insn[];

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uint64_t a;

	if (argc != 3)
		return ft_usage(argv[0], "read|write|jmp|call|ret ADDR");
	a = ft_addr_arg(argv[2]);
	if (!strcmp(mode, "read")) {
		uint64_t v = *(volatile uint64_t *)(uintptr_t)a;
		printf("read 0x%llx\n", (unsigned long long)v);
		FT_SURVIVED("read");
	}
	if (!strcmp(mode, "write")) {
		*(volatile uint64_t *)(uintptr_t)a = 0x5a5a5a5a5a5a5a5aULL;
		FT_SURVIVED("write");
	}
	if (!strcmp(mode, "jmp")) {
		ft_print_rip(&ft_jmp);
		ft_jmp(a);
		FT_SURVIVED("jmp");
	}
	if (!strcmp(mode, "ret")) {
		ft_print_rip(ft_ret_insn);
		ft_ret(a);
		FT_SURVIVED("ret");
	}
	if (!strcmp(mode, "call")) {
		ft_print_rip(ft_call_insn);
		ft_call(a);
		FT_SURVIVED("call");
	}
	return ft_usage(argv[0], "read|write|jmp|call|ret ADDR");
}
