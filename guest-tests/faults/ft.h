/* ft.h - shared by the fault tests in guest-tests/faults.
 *
 * Each program here dies of one synchronous fault, natively and under
 * pagemu; the NAME.expect files next to them say which (see README in this
 * directory).  Before faulting, a program may print on stdout the exact
 * address it is about to touch and the address the kernel will report as
 * RIP, as lines
 *     fault_addr=0x...
 *     fault_rip=0x...
 * (`printed` and `printed_rip` in a .expect), so that expectations need not
 * hard-code addresses that move with the libc, the variant or ASLR.
 * Instructions whose exact address matters live in file-scope asm blocks
 * with a global label on the instruction itself.
 */
#ifndef FT_H
#define FT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ft_print: `WHAT=0x...` on stdout, written before the fault (write(2),
 * so nothing is left in a stdio buffer when the process dies). */
static inline void ft_print(const char *what, uintptr_t v)
{
	char buf[80];
	int n = snprintf(buf, sizeof buf, "%s=0x%llx\n", what,
			 (unsigned long long)v);
	if (n <= 0 || write(1, buf, (size_t)n) != n)
		_exit(97);
}

/* the address the fault will be reported at (si_addr or the JSON addr) */
#define ft_print_addr(p) ft_print("fault_addr", (uintptr_t)(p))
/* the RIP the kernel will report */
#define ft_print_rip(p) ft_print("fault_rip", (uintptr_t)(p))

/* ft_addr_arg: a number from argv (0x... hex, or decimal). */
static inline uint64_t ft_addr_arg(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (*s == '\0' || *end != '\0') {
		printf("bad address argument '%s'\n", s);
		exit(98);
	}
	return (uint64_t)v;
}

/* ft_usage: the program was given no or an unknown mode. */
static inline int ft_usage(const char *prog, const char *modes)
{
	printf("usage: %s %s\n", prog, modes);
	return 99;
}

/* Reached only if the fault did not happen. */
#define FT_SURVIVED(what)                                                      \
	do {                                                                   \
		printf("no fault: %s\n", (what));                              \
		return 1;                                                      \
	} while (0)

#endif
