/* sigloop: many caught traps in one run — the regression test for Unicorn
 * 2.1.1's stuck exception state (emu/uc_excp.c), where the second #DE
 * arrived as a double fault and the third stopped the run silently.
 *   1000 SIGFPE  idiv by zero; the handler moves REG_RIP past the idiv
 *   1000 SIGSEGV null reads; the handler siglongjmps out
 *   1000 SIGSEGV hlt (#GP, contributory like #DE); RIP moved past it
 *   1000 SIGTRAP int3;  1000 SIGILL ud2, RIP moved past it
 * first each kind in a row, then all interleaved. */
#include "gt.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

__asm__(".text\n"
	".globl gl_div0\n.type gl_div0,@function\ngl_div0:\n"
	"\tmov %edi, %eax\n\tcltd\n\txor %ecx, %ecx\n"
	".globl gl_div0_insn\ngl_div0_insn:\n\tidivl %ecx\n\tret\n"
	".globl gl_ud2\n.type gl_ud2,@function\ngl_ud2:\n\tud2\n\tret\n"
	".globl gl_int3\n.type gl_int3,@function\ngl_int3:\n\tint3\n\tret\n"
	".globl gl_hlt\n.type gl_hlt,@function\ngl_hlt:\n\thlt\n\tret\n");
extern int gl_div0(int);
extern void gl_ud2(void), gl_int3(void), gl_hlt(void);
extern char gl_div0_insn[];

#define N 1000

static volatile int nfpe, nsegv, ngp, ntrap, nill, bad;
static sigjmp_buf jb;
static int *volatile null_ptr;

static void on_fpe(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	if (sig != SIGFPE || si->si_code != FPE_INTDIV || si->si_addr != (void *)gl_div0_insn)
		bad++;
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* idivl %ecx */
	nfpe++;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	if (sig != SIGSEGV || si->si_addr != NULL)
		bad++;
	if (si->si_code == SI_KERNEL) { /* hlt */
		uc->uc_mcontext.gregs[REG_RIP] += 1;
		ngp++;
		return;
	}
	if (si->si_code != SEGV_MAPERR)
		bad++;
	nsegv++;
	siglongjmp(jb, 1);
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	(void)ucv;
	if (sig != SIGTRAP || si->si_code != SI_KERNEL)
		bad++;
	ntrap++;
}

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	if (sig != SIGILL || si->si_code != ILL_ILLOPN)
		bad++;
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* ud2 */
	nill++;
}

static void catch(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(1, sigaction(sig, &sa, NULL) == 0);
}

static void null_read(void)
{
	if (!sigsetjmp(jb, 1))
		(void)*(volatile int *)null_ptr;
}

int main(void)
{
	catch(SIGFPE, on_fpe);
	catch(SIGSEGV, on_segv);
	catch(SIGTRAP, on_trap);
	catch(SIGILL, on_ill);

	for (int i = 0; i < N; i++)
		(void)gl_div0(i);
	CHECK(2, nfpe == N && !bad);
	for (int i = 0; i < N; i++)
		null_read();
	CHECK(3, nsegv == N && !bad);
	for (int i = 0; i < N; i++)
		gl_hlt();
	CHECK(4, ngp == N && !bad);
	for (int i = 0; i < N; i++)
		gl_int3();
	CHECK(5, ntrap == N && !bad);
	for (int i = 0; i < N; i++)
		gl_ud2();
	CHECK(6, nill == N && !bad);
	printf("in a row: %d SIGFPE, %d SIGSEGV, %d #GP, %d SIGTRAP, %d SIGILL\n",
	       (int)nfpe, (int)nsegv, (int)ngp, (int)ntrap, (int)nill);

	for (int i = 0; i < N; i++) {
		(void)gl_div0(i);
		null_read();
		gl_hlt();
		gl_int3();
		(void)gl_div0(i);
		gl_ud2();
	}
	CHECK(7, nfpe == 3 * N && nsegv == 2 * N && ngp == 2 * N && ntrap == 2 * N &&
		 nill == 2 * N && !bad);
	printf("interleaved: %d SIGFPE, %d SIGSEGV, %d #GP, %d SIGTRAP, %d SIGILL\n",
	       (int)nfpe, (int)nsegv, (int)ngp, (int)ntrap, (int)nill);
	printf("sigloop ok\n");
	return 0;
}
