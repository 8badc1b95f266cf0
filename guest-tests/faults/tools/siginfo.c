/* siginfo.c - native-only helper of tests/guest-tests.sh (fault tests).
 *
 * Usage: siginfo OUTFILE PROGRAM [ARGS...]
 *
 * Runs PROGRAM under ptrace and, for every signal it is about to receive,
 * appends one line to OUTFILE:
 *     signo=11 code=1 addr=0x0 rip=0x401a2b rsp=0x7ffd5c3a8f10
 * taken with PTRACE_GETSIGINFO / PTRACE_GETREGS at the signal-delivery
 * stop, then lets the signal through unchanged.  No signal handler is
 * installed in the program, so it dies exactly as it would on its own; the
 * helper exits with the shell's encoding of the program's end (the exit
 * code, or 128 + the signal).  This is how the runner compares si_code and
 * si_addr with the real kernel's without any help from the program.
 * Exit 99: ptrace is unavailable (the runner then checks the signal only).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <stdint.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	FILE *out;
	pid_t pid;
	int status, first = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: siginfo OUTFILE PROGRAM [ARGS...]\n");
		return 98;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 98;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 98;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(99);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &status, 0) < 0) {
			if (errno == EINTR)
				continue;
			perror("waitpid");
			return 98;
		}
		if (WIFEXITED(status)) {
			fclose(out);
			return WEXITSTATUS(status);
		}
		if (WIFSIGNALED(status)) {
			fclose(out);
			return 128 + WTERMSIG(status);
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status);
		if (first && sig == SIGTRAP) {
			/* the stop after a successful execv */
			first = 0;
			ptrace(PTRACE_SETOPTIONS, pid, NULL,
			       (void *)(long)PTRACE_O_EXITKILL);
			ptrace(PTRACE_CONT, pid, NULL, NULL);
			continue;
		}
		first = 0;
		siginfo_t si;
		struct user_regs_struct regs;
		memset(&si, 0, sizeof si);
		memset(&regs, 0, sizeof regs);
		if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0 &&
		    ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0) {
			fprintf(out, "signo=%d code=%d addr=0x%llx rip=0x%llx rsp=0x%llx\n",
				si.si_signo, si.si_code,
				(unsigned long long)(uintptr_t)si.si_addr,
				(unsigned long long)regs.rip,
				(unsigned long long)regs.rsp);
			fflush(out);
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
}
