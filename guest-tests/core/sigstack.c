/* sigstack: handlers on the alternate signal stack.
 *   - a stack overflow (recursion until the stack rlimit) caught by a
 *     SIGSEGV handler running on the sigaltstack, which siglongjmps out;
 *   - uc_stack in the frame, sigaltstack() from inside the handler
 *     (SS_ONSTACK, EPERM on change), nested delivery on the same stack;
 *   - SS_AUTODISARM: disarmed inside the handler, re-armed by sigreturn. */
#include "gt.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#ifndef SS_AUTODISARM /* glibc leaves it to <linux/signal.h> */
#define SS_AUTODISARM (1U << 31)
#endif

#define ALT_SIZE (256 * 1024)
static char *alt;
static sigjmp_buf jb;
static volatile int depth_at_fault, segv_on_alt, segv_code, segv_flags_ok;
static volatile int usr_hits, usr_on_alt, nested_ok, inner_flags, eperm_ok;
static volatile uintptr_t outer_local;
static volatile int autodisarm_mode, ad_flags_inside, ad_uc_flags;

static int on_alt(const void *p)
{
	return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	char here;
	ucontext_t *uc = ucv;
	(void)sig;
	segv_on_alt = on_alt(&here);
	segv_code = si->si_code;
	segv_flags_ok = uc->uc_stack.ss_sp == alt && uc->uc_stack.ss_size == ALT_SIZE &&
			uc->uc_stack.ss_flags == 0;
	siglongjmp(jb, 1);
}

static volatile int recursion_depth;
static int __attribute__((noinline)) recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	recursion_depth = n;
	return recurse(n + 1) + pad[0];
}

static void on_usr2(int sig)
{
	char here;
	(void)sig;
	/* nested: below the outer handler's frame, still on the alt stack */
	nested_ok = on_alt(&here) && (uintptr_t)&here < outer_local;
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	char here;
	stack_t ss, cur;
	ucontext_t *uc = ucv;
	(void)sig, (void)si;
	usr_hits++;
	usr_on_alt = on_alt(&here);
	outer_local = (uintptr_t)&here;
	if (autodisarm_mode) {
		ad_uc_flags = uc->uc_stack.ss_flags;
		if (sigaltstack(NULL, &cur) == 0)
			ad_flags_inside = cur.ss_flags;
		return;
	}
	if (sigaltstack(NULL, &cur) == 0)
		inner_flags = cur.ss_flags;
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	eperm_ok = sigaltstack(&ss, NULL) == -1 && errno == EPERM;
	raise(SIGUSR2);
}

int main(void)
{
	struct sigaction sa;
	stack_t ss, old;

	alt = malloc(ALT_SIZE);
	CHECK(1, alt != NULL);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	CHECK(2, sigaltstack(&ss, &old) == 0 && old.ss_flags == SS_DISABLE);
	CHECK(3, sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_size == ALT_SIZE &&
		 old.ss_flags == 0);
	ss.ss_size = 1024;
	CHECK_ERR(4, sigaltstack(&ss, NULL), ENOMEM);
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 12345;
	CHECK_ERR(5, sigaltstack(&ss, NULL), EINVAL);
	ss.ss_flags = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	CHECK(6, sigaction(SIGSEGV, &sa, NULL) == 0);

	/* Recurse until the stack cannot grow; the SIGSEGV frame goes on the
	 * alternate stack, since the normal one is full. */
	if (!sigsetjmp(jb, 1)) {
		recurse(0);
		CHECK(7, 0);
	}
	depth_at_fault = recursion_depth;
	CHECK(8, depth_at_fault > 1000);
	CHECK(9, segv_on_alt && segv_code == SEGV_MAPERR && segv_flags_ok);
	printf("stack overflow caught on the alternate stack (SEGV_MAPERR)\n");
	/* siglongjmp restored the mask: it happens again */
	segv_on_alt = 0;
	if (!sigsetjmp(jb, 1))
		recurse(0);
	CHECK(10, segv_on_alt);
	printf("and again after siglongjmp\n");

	/* A handler on the alternate stack: sigaltstack() says SS_ONSTACK and
	 * refuses changes; a nested SA_ONSTACK signal stacks below. */
	sa.sa_sigaction = on_usr1;
	CHECK(11, sigaction(SIGUSR1, &sa, NULL) == 0);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_ONSTACK;
	CHECK(12, sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(13, raise(SIGUSR1) == 0 && usr_hits == 1 && usr_on_alt);
	CHECK(14, inner_flags == SS_ONSTACK && eperm_ok && nested_ok);
	CHECK(15, sigaltstack(NULL, &old) == 0 && old.ss_flags == 0);
	printf("nested delivery on the alternate stack\n");

	/* SS_AUTODISARM: while the handler runs the stack is disarmed; the
	 * frame's uc_stack re-arms it on sigreturn. */
	ss.ss_flags = SS_AUTODISARM;
	CHECK(16, sigaltstack(&ss, NULL) == 0);
	CHECK(17, sigaltstack(NULL, &old) == 0 && old.ss_flags == (int)SS_AUTODISARM);
	autodisarm_mode = 1;
	CHECK(18, raise(SIGUSR1) == 0 && usr_hits == 2 && usr_on_alt);
	CHECK(19, ad_flags_inside == SS_DISABLE && ad_uc_flags == (int)SS_AUTODISARM);
	CHECK(20, sigaltstack(NULL, &old) == 0 && old.ss_flags == (int)SS_AUTODISARM &&
		  old.ss_sp == alt);
	printf("SS_AUTODISARM: disarmed in the handler, re-armed after\n");

	/* Disabled: handlers run on the normal stack. */
	ss.ss_flags = SS_DISABLE;
	CHECK(21, sigaltstack(&ss, NULL) == 0);
	CHECK(22, sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE && old.ss_size == 0);
	CHECK(23, raise(SIGUSR1) == 0 && usr_hits == 3 && !usr_on_alt);
	printf("sigstack ok\n");
	return 0;
}
