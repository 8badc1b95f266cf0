/* tls: __thread variables in the static TLS block set up by the libc's
 * startup code through arch_prctl(ARCH_SET_FS).  Initialised and zeroed
 * TLS, alignment, and the x86-64 TCB self pointer at %fs:0. */
#include "gt.h"
#include <sys/syscall.h>

#define ARCH_GET_FS 0x1003 /* arch/x86/include/uapi/asm/prctl.h */

static __thread int tls_init = 42;
static __thread long tls_zero;
static __thread char tls_str[16] = "thread-local";
static __thread double tls_arr[64] __attribute__((aligned(64))) = {1.5, 2.5};
static __thread char tls_page[8192];
__thread int tls_extern_visible = 7;

static int __attribute__((noinline)) bump(void)
{
	return ++tls_init;
}

int main(void)
{
	unsigned long fs = 0, self;
	size_t i;
	uint64_t sum = 0;

	CHECK(1, tls_init == 42 && tls_zero == 0 && tls_extern_visible == 7);
	CHECK(2, strcmp(tls_str, "thread-local") == 0);
	CHECK(3, tls_arr[0] == 1.5 && tls_arr[1] == 2.5 && tls_arr[2] == 0.0);
	CHECK(4, ((uintptr_t)tls_arr & 63) == 0);
	for (i = 0; i < sizeof tls_page; i++)
		CHECK(5, tls_page[i] == 0);
	CHECK(6, bump() == 43 && bump() == 44 && tls_init == 44);
	tls_zero = -5;
	strcpy(tls_str, "changed");
	for (i = 0; i < sizeof tls_page; i++)
		tls_page[i] = (char)i;
	for (i = 0; i < sizeof tls_page; i++)
		sum += (unsigned char)tls_page[i];
	printf("tls: %d %ld %s %.1f %llu\n", tls_init, tls_zero, tls_str, tls_arr[1],
	       (unsigned long long)sum);

	/* The thread pointer: ARCH_GET_FS, and the TCB's self pointer at
	 * %fs:0 (both glibc and musl keep it there, per the x86-64 ABI). */
	CHECK(7, syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	CHECK(8, fs != 0 && self == fs);
	/* Variant II TLS: the static block lies just below the thread pointer. */
	CHECK(9, (uintptr_t)&tls_init < fs && fs - (uintptr_t)&tls_init < (1UL << 20));
	CHECK(10, (uintptr_t)tls_page < fs);
	/* %fs-relative access reaches the same variable. */
	{
		long off = (long)((uintptr_t)&tls_init - fs);
		int v;
		__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off));
		CHECK(11, v == 44);
	}
	printf("tls ok\n");
	return 0;
}
