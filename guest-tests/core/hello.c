/* hello: stdout, argv and envp as the loader laid them out.
 * The runner passes the arguments in hello.args and a fixed environment
 * (env -i ... GT_*=...).  Only GT_* variables are printed, so whatever a
 * launcher adds (PWD, LD_LIBRARY_PATH, ...) does not change the output. */
#include "gt.h"

extern char **environ;

int main(int argc, char **argv, char **envp)
{
	int i, n = 0;

	printf("Hello, world!\n");
	CHECK(1, argc >= 1);
	CHECK(2, argv[argc] == NULL);
	CHECK(3, envp == environ);
	/* Linux puts envp right after argv's NULL terminator. */
	CHECK(4, envp == argv + argc + 1);
	printf("argv[0] base: %s\n", gt_base(argv[0]));
	printf("argc: %d\n", argc);
	for (i = 1; i < argc; i++)
		printf("argv[%d]: \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
	for (i = 0; envp[i]; i++) {
		CHECK(5, strchr(envp[i], '=') != NULL);
		if (strncmp(envp[i], "GT_", 3) == 0) {
			printf("env: %s\n", envp[i]);
			n++;
		}
	}
	printf("GT_ variables: %d\n", n);
	CHECK(6, getenv("GT_GREETING") && !strcmp(getenv("GT_GREETING"), "hello there"));
	CHECK(7, getenv("GT_NO_SUCH_VARIABLE") == NULL);
	/* The argument and environment strings are contiguous and in order on
	 * the initial stack (fs/exec.c copy_strings), argv first. */
	for (i = 1; i < argc; i++)
		CHECK(8, argv[i] == argv[i - 1] + strlen(argv[i - 1]) + 1);
	if (envp[0])
		CHECK(9, envp[0] == argv[argc - 1] + strlen(argv[argc - 1]) + 1);
	return 0;
}
