/* vex: VEX- and EVEX-encoded (AVX, AVX-512) instructions.
 * pagemu's CPU model advertises no AVX and Unicorn 2.1.1 miscomputes VEX
 * instructions (it ignores the VEX source register), so pagemu must raise
 * SIGILL (ILL_ILLOPN, si_addr = RIP = the instruction) as a CPU without AVX
 * does.
 *
 *   vex           vpxor xmm0, xmm1, xmm2.  Natively, on a host with AVX,
 *                 the instruction runs: the program checks the result and
 *                 exits 0, or 1 on a wrong result (the silent miscompute).
 *   vex evex      vaddps zmm0, zmm1, zmm2 (EVEX): SIGILL wherever the CPU
 *                 has no AVX-512.
 *   vex catch     a SIGILL handler checks siginfo (si_addr = the vpxor,
 *                 ILL_ILLOPN) and siglongjmps out, three times; the xor is
 *                 then done without AVX and checked.  Whether vpxor must
 *                 run or fault follows CPUID (AVX, OSXSAVE and XCR0), so
 *                 the output is the same natively and under pagemu.
 *   vex jit       code written at run time: `ret` at the end of a page is
 *                 called, then overwritten with nops running into a vpxor
 *                 at the start of the next page (a block spanning two
 *                 pages, translated anew after the store) and called again.
 */
#define _GNU_SOURCE 1
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

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
	".size ft_vpxor, .-ft_vpxor\n"
	/* ft_evex(): vaddps zmm0, zmm1, zmm2 */
	".globl ft_evex\n.type ft_evex, @function\n"
	"ft_evex:\n\t"
	"xorps %xmm0, %xmm0\n"
	".globl ft_evex_insn\nft_evex_insn:\n\t"
	"vaddps %zmm2, %zmm1, %zmm0\n\t"
	"ret\n"
	".size ft_evex, .-ft_evex\n");
void ft_vpxor(const void *a, const void *b, void *r);
void ft_evex(void);
extern const char ft_vpxor_insn[], ft_evex_insn[];

static const uint64_t a[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
static const uint64_t b[2] = { 0xffff0000ffff0000ULL, 0x00ff00ff00ff00ffULL };

/* Does the CPU run AVX instructions?  CPUID.1:ECX.AVX and OSXSAVE, and the
 * OS enabled the SSE and AVX state in XCR0. */
static int cpu_has_avx(void)
{
	unsigned eax, ebx, ecx, edx, lo, hi;
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return 0;
	if (!(ecx & (1u << 28)) || !(ecx & (1u << 27)))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static sigjmp_buf jb;
static void *volatile ill_addr;
static volatile int ill_code;

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	ill_addr = si->si_addr;
	ill_code = si->si_code;
	siglongjmp(jb, 1);
}

static int catch_mode(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGILL, &sa, NULL)) {
		printf("sigaction failed\n");
		return 1;
	}
	int avx = cpu_has_avx(), ran = 0, caught = 0, bad = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t r[2] = { 0, 0 };
		uint64_t x[2] = { a[0] + (uint64_t)i, a[1] };
		if (sigsetjmp(jb, 1) == 0) {
			ft_vpxor(x, b, r);
			ran++;
		} else {
			caught++;
			if (ill_addr != (void *)ft_vpxor_insn || ill_code != ILL_ILLOPN) {
				printf("SIGILL %d: si_addr %p si_code %d, expected %p and ILL_ILLOPN\n",
				       i, ill_addr, ill_code, (void *)ft_vpxor_insn);
				bad++;
			}
			r[0] = x[0] ^ b[0]; /* without AVX */
			r[1] = x[1] ^ b[1];
		}
		if (r[0] != (x[0] ^ b[0]) || r[1] != (x[1] ^ b[1])) {
			printf("round %d: wrong result\n", i);
			bad++;
		}
	}
	if (avx ? ran != 3 : caught != 3) {
		printf("CPUID says %s AVX, but vpxor ran %d times and raised SIGILL %d times\n",
		       avx ? "there is" : "there is no", ran, caught);
		bad++;
	}
	printf("%s: vpxor behaved as CPUID says, 3 times; the results are right\n",
	       bad ? "FAILED" : "ok");
	return bad != 0;
}

static int jit_mode(void)
{
	static const uint8_t vpxor_ret[] = { 0xc5, 0xf1, 0xef, 0xc2, 0xc3 };
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap failed\n");
		return 1;
	}
	uint8_t *entry = p + 4096 - 8, *insn = p + 4096;
	void (*fn)(void) = (void (*)(void))(uintptr_t)entry;
	*entry = 0xc3; /* ret */
	fn();          /* translated once as a lone ret */
	memset(entry, 0x90, 8);
	memcpy(insn, vpxor_ret, sizeof(vpxor_ret));
	ft_print_addr(insn);
	ft_print_rip(insn);
	fn();
	FT_SURVIVED("jit vpxor");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "catch"))
		return catch_mode();
	if (argc > 1 && !strcmp(argv[1], "jit"))
		return jit_mode();
	if (argc > 1 && !strcmp(argv[1], "evex")) {
		ft_print_addr(ft_evex_insn);
		ft_print_rip(ft_evex_insn);
		ft_evex();
		FT_SURVIVED("vaddps zmm");
	}
	if (argc > 1)
		return ft_usage(argv[0], "[catch|jit|evex]");

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
