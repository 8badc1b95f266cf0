/* fork: new processes and their statuses — fork/vfork/clone/clone3/
 * posix_spawn, wait4/waitpid/waitid, exit codes, deaths by signal, pipes
 * between parent and child, ids and groups, what a child inherits.
 * (A child that dies of SIGSEGV under pagemu prints a fault report on
 * stderr; only stdout is compared.) */
#include "gt.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

/* fork, run fn in the child (its return value is the exit code) */
static pid_t spawn_fn(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		_exit(fn(arg));
	return p;
}

static int wait_status(pid_t p)
{
	int st = -1;
	pid_t r;
	do
		r = waitpid(p, &st, 0);
	while (r < 0 && errno == EINTR);
	return r == p ? st : -1;
}

static int exit_code(void *arg) { return (int)(long)arg; }
static int segv(void *arg) { (void)arg; *(volatile int *)0 = 1; return 99; }
static int kill_self(void *arg) { raise((int)(long)arg); return 98; }
static int abort_it(void *arg) { (void)arg; abort(); }
static int divide(void *arg) { volatile int z = (int)(long)arg; return 10 / z; }

static volatile int cld_count;
static void on_chld(int sig) { (void)sig; cld_count++; }

int main(void)
{
	pid_t me = getpid();
	int st;

	/* exit codes, including the ones that look like signals */
	static const int codes[] = {0, 1, 42, 127, 128, 255};
	for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		st = wait_status(spawn_fn(exit_code, (void *)(long)codes[i]));
		CHECK(1, WIFEXITED(st) && WEXITSTATUS(st) == codes[i]);
	}
	/* exit(256) is 0 */
	st = wait_status(spawn_fn(exit_code, (void *)256L));
	CHECK(2, WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* deaths by signal: a fault, raise, abort, a divide error */
	st = wait_status(spawn_fn(segv, NULL));
	CHECK(3, WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = wait_status(spawn_fn(kill_self, (void *)(long)SIGKILL));
	CHECK(4, WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	st = wait_status(spawn_fn(kill_self, (void *)(long)SIGTERM));
	CHECK(5, WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	st = wait_status(spawn_fn(kill_self, (void *)(long)SIGUSR1));
	CHECK(6, WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
	st = wait_status(spawn_fn(abort_it, NULL));
	CHECK(7, WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = wait_status(spawn_fn(divide, (void *)0L));
	CHECK(8, WIFSIGNALED(st) && WTERMSIG(st) == SIGFPE);
	printf("exit codes and signal deaths ok\n");

	/* kill() of a child from the parent */
	{
		int p2c[2];
		CHECK(10, pipe(p2c) == 0);
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			char c;
			close(p2c[1]);
			read(p2c[0], &c, 1);  /* blocks until the parent dies or kills */
			_exit(0);
		}
		close(p2c[0]);
		CHECK(11, kill(p, SIGTERM) == 0);
		st = wait_status(p);
		CHECK(12, WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
		close(p2c[1]);
		CHECK_ERR(13, kill(p, 0), ESRCH);
	}

	/* a pipe both ways: the child doubles every byte it reads */
	{
		int down[2], up[2];
		CHECK(20, pipe(down) == 0 && pipe(up) == 0);
		fflush(stdout);
		pid_t p = fork();
		CHECK(21, p >= 0);
		if (p == 0) {
			unsigned char b[64];
			ssize_t n;
			close(down[1]);
			close(up[0]);
			while ((n = read(down[0], b, sizeof b)) > 0) {
				for (ssize_t i = 0; i < n; i++)
					b[i] = (unsigned char)(b[i] * 2);
				if (write(up[1], b, (size_t)n) != n)
					_exit(2);
			}
			_exit(n == 0 ? 0 : 3);
		}
		close(down[0]);
		close(up[1]);
		unsigned char out[100], in[100];
		for (int i = 0; i < 100; i++)
			out[i] = (unsigned char)i;
		CHECK(22, write(down[1], out, 100) == 100);
		close(down[1]);
		size_t got = 0;
		ssize_t n;
		while (got < sizeof in && (n = read(up[0], in + got, sizeof in - got)) > 0)
			got += (size_t)n;
		CHECK(23, got == 100);
		for (int i = 0; i < 100; i++)
			CHECK(24, in[i] == (unsigned char)(2 * i));
		CHECK(25, read(up[0], in, 1) == 0);   /* EOF: the child closed it */
		st = wait_status(p);
		CHECK(26, WIFEXITED(st) && WEXITSTATUS(st) == 0);
		close(up[0]);
	}
	printf("pipes ok\n");

	/* the child's view: its ids, a copy of memory, the fds */
	{
		static int shared = 5;
		int fds[2];
		CHECK(30, pipe(fds) == 0);
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			int bad = 0;
			if (getppid() != me) bad |= 1;
			if (getpid() == me) bad |= 2;
			if (syscall(SYS_gettid) != getpid()) bad |= 4;
			shared = 6;   /* the parent's copy stays 5 */
			pid_t mine = getpid();
			if (write(fds[1], &mine, sizeof mine) != sizeof mine) bad |= 8;
			_exit(bad);
		}
		pid_t told = 0;
		CHECK(31, read(fds[0], &told, sizeof told) == sizeof told && told == p);
		st = wait_status(p);
		CHECK(32, WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK(33, shared == 5);
		close(fds[0]);
		close(fds[1]);
	}

	/* process groups and sessions */
	{
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			int bad = 0;
			if (getpgid(0) != getpgrp()) bad |= 1;
			if (setpgid(0, 0) != 0 || getpgrp() != getpid()) bad |= 2;
			if (setsid() != -1 || errno != EPERM) bad |= 4;  /* a group leader */
			pid_t q = fork();
			if (q == 0) {
				pid_t s = setsid();
				_exit(s == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
			}
			int qs = wait_status(q);
			if (!WIFEXITED(qs) || WEXITSTATUS(qs)) bad |= 8;
			_exit(bad);
		}
		st = wait_status(p);
		CHECK(40, WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK_ERR(41, setpgid(0, 12345678), EPERM);
	}

	/* umask is inherited, and the child's change stays its own */
	{
		mode_t old = umask(027);
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			mode_t m = umask(0);
			_exit(m == 027 ? 0 : 1);
		}
		st = wait_status(p);
		CHECK(45, WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK(46, umask(old) == 027);
	}
	printf("ids, groups and umask ok\n");

	/* wait4 with rusage, WNOHANG, waitid, ECHILD */
	{
		int gate[2];
		struct rusage ru;
		CHECK(50, pipe(gate) == 0);
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			char c;
			close(gate[1]);
			read(gate[0], &c, 1);
			_exit(7);
		}
		close(gate[0]);
		CHECK(51, wait4(p, &st, WNOHANG, &ru) == 0);   /* still running */
		siginfo_t si;
		memset(&si, 0x55, sizeof si);
		CHECK(52, waitid(P_PID, (id_t)p, &si, WEXITED | WNOHANG) == 0);
		CHECK(53, si.si_pid == 0 && si.si_signo == 0);
		close(gate[1]);   /* lets the child go */
		memset(&si, 0, sizeof si);
		CHECK(54, waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT) == 0);
		CHECK(55, si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == p &&
			  si.si_status == 7 && si.si_uid == getuid());
		memset(&ru, 0, sizeof ru);
		CHECK(56, wait4(p, &st, 0, &ru) == p);   /* WNOWAIT left it */
		CHECK(57, WIFEXITED(st) && WEXITSTATUS(st) == 7);
		CHECK_ERR(58, wait4(-1, &st, 0, NULL), ECHILD);
		CHECK_ERR(59, waitid(P_ALL, 0, &si, WEXITED), ECHILD);
		CHECK_ERR(60, wait4(-1, &st, WNOWAIT, NULL), EINVAL);
		/* a killed child through waitid */
		p = spawn_fn(segv, NULL);
		memset(&si, 0, sizeof si);
		CHECK(61, waitid(P_PID, (id_t)p, &si, WEXITED) == 0);
		CHECK(62, si.si_code == CLD_KILLED && si.si_status == SIGSEGV && si.si_pid == p);
	}
	printf("wait4 and waitid ok\n");

	/* SIGCHLD reaches a handler; SIG_IGN makes children reap themselves */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_chld;
		sa.sa_flags = SA_RESTART;
		CHECK(70, sigaction(SIGCHLD, &sa, NULL) == 0);
		sigset_t blk, old;
		sigemptyset(&blk);
		sigaddset(&blk, SIGCHLD);
		sigprocmask(SIG_BLOCK, &blk, &old);
		pid_t p = spawn_fn(exit_code, (void *)3L);
		st = wait_status(p);   /* the child is gone, its SIGCHLD pending */
		CHECK(71, WIFEXITED(st) && WEXITSTATUS(st) == 3);
		while (cld_count == 0)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		CHECK(72, cld_count == 1);

		sa.sa_handler = SIG_IGN;
		sa.sa_flags = 0;
		CHECK(73, sigaction(SIGCHLD, &sa, NULL) == 0);
		p = spawn_fn(exit_code, (void *)4L);
		CHECK_ERR(74, waitpid(p, &st, 0), ECHILD);
		sa.sa_handler = SIG_DFL;
		CHECK(75, sigaction(SIGCHLD, &sa, NULL) == 0);
	}
	printf("SIGCHLD ok\n");

	/* vfork: the parent waits for the child's _exit */
	{
		fflush(stdout);
		pid_t p = vfork();
		if (p == 0)
			_exit(9);
		CHECK(80, p > 0);
		st = wait_status(p);
		CHECK(81, WIFEXITED(st) && WEXITSTATUS(st) == 9);
	}

	/* clone without CLONE_VM: SETTID and exit signal */
	{
		static pid_t ptid, ctid;
		fflush(stdout);
		long r = syscall(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD,
				 NULL, &ptid, &ctid, NULL);
		if (r == 0)
			_exit(ctid == getpid() && ptid == 0 ? 0 : 1);
		CHECK(85, r > 0 && ptid == r && ctid == 0);
		st = wait_status((pid_t)r);
		CHECK(86, WIFEXITED(st) && WEXITSTATUS(st) == 0);

		/* no exit signal: a "clone child", seen only with __WALL/__WCLONE */
		r = syscall(SYS_clone, 0, NULL, NULL, NULL, NULL);
		if (r == 0)
			_exit(5);
		CHECK(87, r > 0);
		CHECK_ERR(88, waitpid((pid_t)r, &st, WNOHANG), ECHILD);
		CHECK(89, waitpid((pid_t)r, &st, __WCLONE) == r && WIFEXITED(st) && WEXITSTATUS(st) == 5);
		/* inconsistent flags */
		CHECK_ERR(90, syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, NULL, NULL, NULL, NULL), EINVAL);
		CHECK_ERR(91, syscall(SYS_clone, CLONE_THREAD | SIGCHLD, NULL, NULL, NULL, NULL), EINVAL);
	}

	/* clone3, if the kernel has it */
	{
		struct {
			uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
		} ca;
		memset(&ca, 0, sizeof ca);
		ca.exit_signal = SIGCHLD;
		fflush(stdout);
		long r = syscall(435, &ca, sizeof ca);
		if (r == 0)
			_exit(6);
		if (r > 0) {
			st = wait_status((pid_t)r);
			CHECK(95, WIFEXITED(st) && WEXITSTATUS(st) == 6);
			CHECK_ERR(96, syscall(435, &ca, 8UL), EINVAL);   /* too small */
			ca.exit_signal = 0x1000;
			CHECK_ERR(97, syscall(435, &ca, sizeof ca), EINVAL);
		} else {
			CHECK(98, errno == ENOSYS);
		}
	}
	printf("vfork, clone and clone3 ok\n");

	/* posix_spawn (clone with CLONE_VM|CLONE_VFORK in the C library) */
	{
		pid_t p;
		char *argv[] = {"/proc/self/exe-does-not-exist", NULL};
		int r = posix_spawn(&p, argv[0], NULL, NULL, argv, environ);
		if (r == 0) {
			st = wait_status(p);   /* glibc < 2.24 style: status 127 */
			CHECK(100, WIFEXITED(st) && WEXITSTATUS(st) == 127);
		} else {
			CHECK(101, r == ENOENT);
		}
	}
	printf("posix_spawn ok\n");
	return 0;
}
