/* covloop - a loop of exactly two translated blocks per iteration, for the
 * cost of a block hook (bench/fuzz.sh).
 *
 *   covloop [N]     (default 100000000 iterations)
 *
 * Each iteration runs block A (lea, inc, test, jz) and then either block B
 * (add, dec, jnz: the fall-through, which runs on through label 2) or block
 * C (dec, jnz): a branch ends a block, a label does not.  Which one depends
 * on the data, so neither is predictable for the host's branch predictor
 * in the way a constant pattern would be.  Prints the final value.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000000UL;
	unsigned long x = 1, i = n;
	if (!n)
		return 0;
	__asm__ volatile("1:\n\t"
			 "lea (%[x],%[x],4), %[x]\n\t"
			 "inc %[x]\n\t"
			 "test $0x100, %[x]\n\t"
			 "jz 2f\n\t"
			 "add $3, %[x]\n"
			 "2:\n\t"
			 "dec %[i]\n\t"
			 "jnz 1b\n"
			 : [x] "+r"(x), [i] "+r"(i)
			 :
			 : "cc");
	printf("%lu\n", x);
	return 0;
}
