/* hello: the start-up benchmark (run 50 times per round by bench/run.sh). */
#include <stdio.h>

int main(void)
{
	puts("hello, world");
	return 0;
}
