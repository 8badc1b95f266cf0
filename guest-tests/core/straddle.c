/* straddle.c - an instruction that straddles into an unmapped page faults
 * with RIP on that instruction and si_addr at the start of the unmapped
 * page, after every instruction before it has run (precise exceptions).
 * Unicorn reports such a fetch fault at the start of its translated block;
 * pagemu must make it precise. */
#include "gt.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

static unsigned char *page;
static sigjmp_buf back;
static volatile long addr_off, rip_off, rax_seen;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	addr_off = (unsigned char *)si->si_addr - page;
	rip_off = (unsigned char *)uc->uc_mcontext.gregs[REG_RIP] - page;
	rax_seen = uc->uc_mcontext.gregs[REG_RAX];
	siglongjmp(back, 1);
}

int main(void)
{
	page = mmap(NULL, 2 * GT_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(1, page != MAP_FAILED);
	CHECK(2, munmap(page + GT_PAGE, GT_PAGE) == 0);
	/* mov eax, 7 at the start; nops; then mov eax, imm32 whose immediate
	 * runs into the unmapped page. */
	memset(page, 0x90, GT_PAGE);
	page[0] = 0xb8, page[1] = 7, page[2] = 0, page[3] = 0, page[4] = 0;
	page[GT_PAGE - 2] = 0xb8;
	page[GT_PAGE - 1] = 0x11;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	CHECK(3, sigaction(SIGSEGV, &sa, NULL) == 0);
	if (!sigsetjmp(back, 1))
		((void (*)(void))page)();
	CHECK(4, addr_off == (long)GT_PAGE);
	CHECK(5, rip_off == (long)GT_PAGE - 2);
	/* The instructions before the straddler ran. */
	CHECK(6, rax_seen == 7);
	printf("straddle ok\n");
	return 0;
}
