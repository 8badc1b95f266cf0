/* traps: the other synchronous CPU exceptions.
 *  `ud2`   #UD -> SIGILL,  ILL_ILLOPN (2), si_addr = RIP = the ud2
 *  `int3`  #BP -> SIGTRAP, SI_KERNEL (do_int3_user), si_addr 0,
 *                 RIP = the instruction after the int3 (a trap)
 *  `div0`  #DE -> SIGFPE,  FPE_INTDIV (1), si_addr = RIP = the div
 * fault_addr= and fault_rip= are printed first. */
#include "ft.h"

__asm__(".text\n"
	".globl ft_ud2\n.type ft_ud2, @function\n"
	"ft_ud2:\n\tud2\n\tret\n.size ft_ud2, .-ft_ud2\n"
	".globl ft_int3\n.type ft_int3, @function\n"
	"ft_int3:\n\tint3\n"
	".globl ft_int3_next\nft_int3_next:\n\tret\n.size ft_int3, .-ft_int3\n"
	/* ft_div(n, d): n / d, unsigned */
	".globl ft_div\n.type ft_div, @function\n"
	"ft_div:\n\tmov %edi, %eax\n\txor %edx, %edx\n"
	".globl ft_div_insn\nft_div_insn:\n\tdivl %esi\n\tret\n"
	".size ft_div, .-ft_div\n");
void ft_ud2(void);
void ft_int3(void);
unsigned ft_div(unsigned n, unsigned d);
extern const char ft_int3_next[], ft_div_insn[];

static volatile unsigned zero;

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	if (!strcmp(m, "ud2")) {
		ft_print_addr(&ft_ud2);
		ft_print_rip(&ft_ud2);
		ft_ud2();
	} else if (!strcmp(m, "int3")) {
		ft_print_rip(ft_int3_next);
		ft_int3();
	} else if (!strcmp(m, "div0")) {
		ft_print_addr(ft_div_insn);
		ft_print_rip(ft_div_insn);
		printf("1 / 0 = %u\n", ft_div(1, zero));
	} else
		return ft_usage(argv[0], "ud2|int3|div0");
	FT_SURVIVED(m);
}
