/* setjmp: setjmp/longjmp across frames, the value rules, volatile locals,
 * and sigsetjmp/siglongjmp restoring the signal mask. */
#include "gt.h"
#include <setjmp.h>
#include <signal.h>

static jmp_buf env;
static sigjmp_buf senv;
static int depth_reached;
static volatile int do_jump = 1; /* a return path, so gcc sees no endless recursion */

static void __attribute__((noinline)) dive(int n, int val)
{
	volatile char pad[512];
	pad[0] = (char)n;
	depth_reached = pad[0];
	if (n > 0)
		dive(n - 1, val);
	else if (do_jump)
		longjmp(env, val);
}

int main(void)
{
	volatile int count = 0;
	int r;
	sigset_t set, old;

	r = setjmp(env);
	count++;
	printf("setjmp returned %d (count %d)\n", r, count);
	if (r == 0)
		dive(50, 7);
	else if (r == 7)
		dive(3, 0); /* longjmp(env, 0) makes setjmp return 1 */
	CHECK(1, r == 1 && count == 3 && depth_reached == 0);

	/* sigsetjmp with savemask: the mask comes back. */
	sigemptyset(&set);
	CHECK(2, sigprocmask(SIG_SETMASK, &set, NULL) == 0);
	r = sigsetjmp(senv, 1);
	if (r == 0) {
		sigaddset(&set, SIGUSR1);
		CHECK(3, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
		siglongjmp(senv, 5);
	}
	CHECK(4, r == 5);
	CHECK(5, sigprocmask(SIG_SETMASK, NULL, &old) == 0);
	CHECK(6, !sigismember(&old, SIGUSR1));
	printf("sigsetjmp returned %d, mask restored\n", r);
	/* Without savemask the mask stays as it was at the jump. */
	r = sigsetjmp(senv, 0);
	if (r == 0) {
		CHECK(7, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
		siglongjmp(senv, 9);
	}
	CHECK(8, sigprocmask(SIG_SETMASK, NULL, &old) == 0 && sigismember(&old, SIGUSR1));
	printf("setjmp ok\n");
	return 0;
}
