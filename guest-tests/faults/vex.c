/* vex: a VEX-encoded (AVX) instruction, vpxor xmm0, xmm1, xmm2.
 * pagemu's CPU model advertises no AVX and Unicorn 2.1.1 miscomputes VEX
 * instructions (it ignores the VEX source register), so pagemu must raise
 * SIGILL (ILL_ILLOPN, si_addr = RIP = the vpxor) as a CPU without AVX does.
 * Natively, on a host with AVX, the instruction runs: the program checks
 * the result and exits 0, or 1 on a wrong result (the silent miscompute). */
#include "ft.h"

/* ft_vpxor(a, b, r): r = a ^ b with vpxor */
__asm__(".text\n"
	".globl ft_vpxor\n.type ft_vpxor, @function\n"
	"ft_vpxor:\n\t"
	"movdqu (%rdi), %xmm1\n\t"
	"movdqu (%rsi), %xmm2\n\t"
	"pxor %xmm0, %xmm0\n"
	".globl ft_vpxor_insn\nft_vpxor_insn:\n\t"
	"vpxor %xmm2, %xmm1, %xmm0\n\t"
	"movdqu %xmm0, (%rdx)\n\t"
	"ret\n"
	".size ft_vpxor, .-ft_vpxor\n");
void ft_vpxor(const void *a, const void *b, void *r);
extern const char ft_vpxor_insn[];

int main(void)
{
	uint64_t a[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	uint64_t b[2] = { 0xffff0000ffff0000ULL, 0x00ff00ff00ff00ffULL };
	uint64_t r[2] = { 0, 0 };

	ft_print_addr(ft_vpxor_insn);
	ft_print_rip(ft_vpxor_insn);
	ft_vpxor(a, b, r);
	if (r[0] != (a[0] ^ b[0]) || r[1] != (a[1] ^ b[1])) {
		printf("vpxor computed a wrong result\n");
		return 1;
	}
	printf("vpxor ran (the CPU has AVX)\n");
	return 0;
}
