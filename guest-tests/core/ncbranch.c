/* ncbranch: branches to a non-canonical address, caught by a SA_SIGINFO
 * handler.  The CPU raises #GP on the branch itself, before it commits
 * (SDM vol. 2: JMP, CALL, RET "#GP(0) if the target offset is
 * non-canonical"): the handler sees SIGSEGV/SI_KERNEL, si_addr 0, trapno
 * 13, REG_RIP on the branch and REG_RSP as before it (a call has pushed
 * nothing, a ret popped nothing).  Both targets are non-canonical under
 * 4- and 5-level paging.  pagemu needs --precise-branches for jmp and ret
 * (ncbranch.pagemu-args); a call is unwound through its return address. */
#include "gt.h"
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

/* gt_nc_*(target, &rsp): store RSP as the branch will find it, then
 * branch to target. */
__asm__(".text\n"
	".globl gt_nc_jmp\ngt_nc_jmp:\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_jmp_insn\ngt_nc_jmp_insn:\n\tjmp *%rdi\n"
	".globl gt_nc_jmpm\ngt_nc_jmpm:\n\tpush %rdi\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_jmpm_insn\ngt_nc_jmpm_insn:\n\tjmp *(%rsp)\n"
	".globl gt_nc_call\ngt_nc_call:\n\tsub $8, %rsp\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_call_insn\ngt_nc_call_insn:\n\tcall *%rdi\n"
	".globl gt_nc_callm\ngt_nc_callm:\n\tpush %rdi\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_callm_insn\ngt_nc_callm_insn:\n\tcall *(%rsp)\n"
	".globl gt_nc_ret\ngt_nc_ret:\n\tpush %rdi\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_ret_insn\ngt_nc_ret_insn:\n\tret\n"
	".globl gt_nc_retimm\ngt_nc_retimm:\n\tsub $16, %rsp\n\tpush %rdi\n\tmov %rsp, (%rsi)\n"
	".globl gt_nc_retimm_insn\ngt_nc_retimm_insn:\n\tret $16\n"
	/* leave; ret with a smashed return address, the classic overflow */
	".globl gt_nc_leave\ngt_nc_leave:\n\tpush %rbp\n\tmov %rsp, %rbp\n\tsub $32, %rsp\n"
	"\tmov %rdi, 8(%rbp)\n\tlea 8(%rbp), %rax\n\tmov %rax, (%rsi)\n\tleave\n"
	".globl gt_nc_leave_insn\ngt_nc_leave_insn:\n\tret\n");
typedef void nc_fn(uint64_t, uintptr_t *);
extern nc_fn gt_nc_jmp, gt_nc_jmpm, gt_nc_call, gt_nc_callm, gt_nc_ret, gt_nc_retimm, gt_nc_leave;
extern char gt_nc_jmp_insn[], gt_nc_jmpm_insn[], gt_nc_call_insn[], gt_nc_callm_insn[],
	gt_nc_ret_insn[], gt_nc_retimm_insn[], gt_nc_leave_insn[];

static sigjmp_buf jb;
static volatile int got_sig, got_code, hits;
static volatile uintptr_t got_addr, got_rip, got_rsp, got_trapno, got_err;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	hits++;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	got_rsp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	got_trapno = (uintptr_t)uc->uc_mcontext.gregs[REG_TRAPNO];
	got_err = (uintptr_t)uc->uc_mcontext.gregs[REG_ERR];
	siglongjmp(jb, 1);
}

int main(void)
{
	static const struct {
		const char *name;
		nc_fn *fn;
		const char *insn;
	} nc[] = {
		{"jmp *%rdi", gt_nc_jmp, gt_nc_jmp_insn},
		{"jmp *(%rsp)", gt_nc_jmpm, gt_nc_jmpm_insn},
		{"call *%rdi", gt_nc_call, gt_nc_call_insn},
		{"call *(%rsp)", gt_nc_callm, gt_nc_callm_insn},
		{"ret", gt_nc_ret, gt_nc_ret_insn},
		{"ret $16", gt_nc_retimm, gt_nc_retimm_insn},
		{"leave; ret", gt_nc_leave, gt_nc_leave_insn},
	};
	static const uint64_t target[] = {0x8000000000000000ULL, 0xfe00000000000000ULL,
					  0x4141414141414141ULL};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(1, sigaction(SIGSEGV, &sa, NULL) == 0);

	for (unsigned i = 0; i < sizeof nc / sizeof nc[0]; i++)
		for (unsigned j = 0; j < sizeof target / sizeof target[0]; j++) {
			static uintptr_t rsp;
			hits = 0;
			if (!sigsetjmp(jb, 1))
				nc[i].fn(target[j], &rsp);
			printf("%-13s to %#018llx: sig %d code %d addr %#lx trapno %lu err %#lx "
			       "rip insn%+ld rsp %+ld\n",
			       nc[i].name, (unsigned long long)target[j], got_sig, got_code,
			       (unsigned long)got_addr, (unsigned long)got_trapno,
			       (unsigned long)got_err, (long)(got_rip - (uintptr_t)nc[i].insn),
			       (long)(got_rsp - rsp));
			CHECK(2, hits == 1 && got_sig == SIGSEGV && got_code == SI_KERNEL &&
				 got_addr == 0 && got_trapno == 13 && got_err == 0);
			CHECK(3, got_rip == (uintptr_t)nc[i].insn);
			CHECK(4, got_rsp == rsp);
		}
	printf("ncbranch ok\n");
	return 0;
}
