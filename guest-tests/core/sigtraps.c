/* sigtraps: synchronous signals caught by SA_SIGINFO handlers, with the
 * siginfo (si_signo, si_code, si_addr) and the ucontext (REG_RIP,
 * REG_TRAPNO, REG_ERR, REG_CR2) Linux gives them:
 *   null read, read of an unmapped page (at its base and inside it),
 *   write to .rodata, write to a read-only mapping fixed by the handler
 *   (mprotect, then the write is re-executed), exec of a non-executable
 *   page, a non-canonical and a kernel-half address, idiv by zero, ud2,
 *   int3 and hlt.
 * Handlers leave by siglongjmp, or return after moving REG_RIP past the
 * instruction, or return as they are (int3, the fixed write).
 * Addresses are printed relative to their object, so the output is the
 * same natively and under pagemu. */
#include "gt.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

/* Trap instructions at known addresses. */
__asm__(".text\n"
	".globl gt_div0\n.type gt_div0,@function\ngt_div0:\n"
	"\tmov %edi, %eax\n\tcltd\n\txor %ecx, %ecx\n"
	".globl gt_div0_insn\ngt_div0_insn:\n\tidivl %ecx\n\tret\n"
	".globl gt_ud2\n.type gt_ud2,@function\ngt_ud2:\n"
	".globl gt_ud2_insn\ngt_ud2_insn:\n\tud2\n\tret\n"
	".globl gt_int3\n.type gt_int3,@function\ngt_int3:\n\tint3\n"
	".globl gt_int3_after\ngt_int3_after:\n\tret\n"
	".globl gt_hlt\n.type gt_hlt,@function\ngt_hlt:\n"
	".globl gt_hlt_insn\ngt_hlt_insn:\n\thlt\n\tret\n");
extern int gt_div0(int);
extern void gt_ud2(void), gt_int3(void), gt_hlt(void);
extern char gt_div0_insn[], gt_ud2_insn[], gt_int3_after[], gt_hlt_insn[];

enum { RET, SKIP, JUMP, FIX };
static volatile int action, skip_len;
static sigjmp_buf jb;
static void *fix_page;

static volatile int got_sig, got_code, got_errno, hits;
static volatile uintptr_t got_addr, got_rip, got_trapno, got_err, got_cr2, got_uc;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	hits++;
	got_sig = sig;
	got_code = si->si_code;
	got_errno = si->si_errno;
	got_addr = (uintptr_t)si->si_addr;
	got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	got_trapno = (uintptr_t)uc->uc_mcontext.gregs[REG_TRAPNO];
	got_err = (uintptr_t)uc->uc_mcontext.gregs[REG_ERR];
	got_cr2 = (uintptr_t)uc->uc_mcontext.gregs[REG_CR2];
	got_uc = (uintptr_t)ucv;
	switch (action) {
	case SKIP:
		uc->uc_mcontext.gregs[REG_RIP] += skip_len;
		break;
	case JUMP:
		siglongjmp(jb, 1);
	case FIX:
		mprotect(fix_page, GT_PAGE, PROT_READ | PROT_WRITE);
		break;
	}
}

/* One line per trap: si_addr (and, for a page fault, CR2) as an offset
 * from base, REG_RIP as one from rip_base when given, trapno and err. */
static void report(const char *what, uintptr_t base, uintptr_t rip_base)
{
	printf("%-22s sig %2d code %4d errno %d addr base+%#lx", what, got_sig, got_code,
	       got_errno, (unsigned long)(got_addr - base));
	if (rip_base)
		printf(" rip base+%#lx", (unsigned long)(got_rip - rip_base));
	printf(" trapno %2lu err %#lx", (unsigned long)got_trapno, (unsigned long)got_err);
	if (got_trapno == 14)
		printf(" cr2 base+%#lx", (unsigned long)(got_cr2 - base));
	printf("\n");
}

static int *volatile null_ptr;
static volatile char *volatile vptr;

/* .rodata, one page of it on its own (never written) */
static const char rodata_page[2 * 4096] __attribute__((aligned(4096))) = {1, 2, 3};
/* .data: filled with ret instructions, never executable */
static unsigned char data_page[2 * 4096] __attribute__((aligned(4096))) = {0xc3};

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(1, sigaction(SIGSEGV, &sa, NULL) == 0 && sigaction(SIGFPE, &sa, NULL) == 0 &&
		 sigaction(SIGILL, &sa, NULL) == 0 && sigaction(SIGTRAP, &sa, NULL) == 0 &&
		 sigaction(SIGBUS, &sa, NULL) == 0);

	/* A null read: SEGV_MAPERR at 0, #PF with U (not present, read). */
	action = JUMP;
	if (!sigsetjmp(jb, 1))
		(void)*(volatile int *)null_ptr;
	CHECK(2, hits == 1);
	report("null read", 0, 0);
	CHECK(3, got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == 0);
	CHECK(4, (got_uc & 15) == 0); /* RSP+8 16-byte aligned at entry */

	/* An unmapped page: at its base, then inside it. */
	char *gone = mmap(NULL, GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(5, gone != MAP_FAILED && munmap(gone, GT_PAGE) == 0);
	vptr = gone;
	if (!sigsetjmp(jb, 1))
		(void)*vptr;
	report("unmapped page base", (uintptr_t)gone, 0);
	CHECK(6, got_code == SEGV_MAPERR && got_addr == (uintptr_t)gone);
	vptr = gone + 0x123;
	if (!sigsetjmp(jb, 1))
		(void)*vptr;
	report("unmapped page+0x123", (uintptr_t)gone, 0);
	CHECK(7, got_code == SEGV_MAPERR && got_addr == (uintptr_t)gone + 0x123);

	/* A write to .rodata (read first, so the page is present): ACCERR. */
	vptr = (volatile char *)rodata_page;
	CHECK(8, *vptr == 1);
	if (!sigsetjmp(jb, 1))
		*vptr = 9;
	report("write to rodata", (uintptr_t)rodata_page, 0);
	CHECK(9, got_sig == SIGSEGV && got_code == SEGV_ACCERR && got_addr == (uintptr_t)rodata_page);
	CHECK(10, rodata_page[0] == 1);

	/* A write to a read-only mapping; the handler makes it writable and
	 * returns, and the faulting store runs again. */
	fix_page = mmap(NULL, GT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(11, fix_page != MAP_FAILED);
	action = FIX;
	hits = 0;
	vptr = (char *)fix_page + 8;
	*vptr = 42;
	CHECK(12, hits == 1 && ((volatile char *)fix_page)[8] == 42);
	report("write, fixed, retried", (uintptr_t)fix_page, 0);
	CHECK(13, got_code == SEGV_ACCERR && got_addr == (uintptr_t)fix_page + 8);

	/* A call into .data: an instruction fetch from a non-executable page. */
	action = JUMP;
	data_page[0] = 0xc3;
	if (!sigsetjmp(jb, 1))
		((void (*)(void))(uintptr_t)data_page)();
	report("exec of .data", (uintptr_t)data_page, (uintptr_t)data_page);
	CHECK(14, got_code == SEGV_ACCERR && got_addr == (uintptr_t)data_page &&
		  got_rip == (uintptr_t)data_page);

	/* A non-canonical address is a #GP: SI_KERNEL, no address. */
	vptr = (volatile char *)0x8000000000000000ULL;
	if (!sigsetjmp(jb, 1))
		(void)*vptr;
	report("non-canonical read", 0, 0);
	CHECK(15, got_sig == SIGSEGV && got_code == SI_KERNEL && got_addr == 0 && got_trapno == 13);

	/* A kernel-half address: MAPERR, and the error code claims PROT. */
	vptr = (volatile char *)0xffffffff81000000ULL;
	if (!sigsetjmp(jb, 1))
		(void)*vptr;
	report("kernel-half read", 0xffffffff81000000ULL, 0);
	CHECK(16, got_code == SEGV_MAPERR && got_addr == 0xffffffff81000000ULL);

	/* idiv by zero: FPE_INTDIV at the idiv, which the handler skips. */
	action = SKIP;
	skip_len = 2;
	hits = 0;
	(void)gt_div0(7);
	report("idiv by zero", (uintptr_t)gt_div0_insn, (uintptr_t)gt_div0_insn);
	CHECK(17, hits == 1 && got_sig == SIGFPE && got_code == FPE_INTDIV &&
		  got_addr == (uintptr_t)gt_div0_insn && got_rip == (uintptr_t)gt_div0_insn);

	/* ud2: ILL_ILLOPN at the instruction. */
	gt_ud2();
	report("ud2", (uintptr_t)gt_ud2_insn, (uintptr_t)gt_ud2_insn);
	CHECK(18, got_sig == SIGILL && got_code == ILL_ILLOPN && got_addr == (uintptr_t)gt_ud2_insn);

	/* hlt in user mode: a #GP, SIGSEGV/SI_KERNEL at the instruction. */
	skip_len = 1;
	gt_hlt();
	report("hlt", 0, (uintptr_t)gt_hlt_insn);
	CHECK(19, got_sig == SIGSEGV && got_code == SI_KERNEL && got_rip == (uintptr_t)gt_hlt_insn);

	/* int3: SIGTRAP/SI_KERNEL, RIP already past it. */
	action = RET;
	hits = 0;
	gt_int3();
	report("int3", 0, (uintptr_t)gt_int3_after);
	CHECK(20, hits == 1 && got_sig == SIGTRAP && got_code == SI_KERNEL && got_addr == 0 &&
		  got_rip == (uintptr_t)gt_int3_after);

	printf("sigtraps ok\n");
	return 0;
}
