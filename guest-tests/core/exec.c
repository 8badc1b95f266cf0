/* exec: execve and execveat — the errors Linux gives before the point of no
 * return (ENOENT, ENOTDIR, EACCES, ENOEXEC, ELOOP, EFAULT, E2BIG, EINVAL),
 * what survives into the new image (argv and envp exactly, the pid and
 * parent, fds without close-on-exec at their offsets, the blocked mask and
 * ignored signals; handlers reset), "#!" scripts (nested too), execveat
 * with a dirfd and with AT_EMPTY_PATH, AT_EXECFN and /proc/self/exe, vfork
 * then exec, and an exec of the test process itself at the end.
 *
 * The program re-executes itself (/proc/self/exe) with argv[1] naming what
 * the new image checks; it answers with its exit status.  Scratch files are
 * made in the current directory and removed. */
#include "gt.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

extern char **environ;

static char self[4096];

static long sys_execveat(int dfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	return syscall(SYS_execveat, dfd, path, argv, envp, flags);
}

/* ---- the new image's side ----------------------------------------------- */

static int child_main(int argc, char **argv)
{
	const char *mode = argv[1];
	if (!strcmp(mode, "child:argv")) {
		static const char *const want_env[] = {"A=1", "B=two words", "EMPTY=", NULL};
		if (argc != 4 || strcmp(argv[0], "first arg") || strcmp(argv[2], "x y") || argv[3][0])
			return 10;
		for (int i = 0;; i++) {
			if (!want_env[i] || !environ[i])
				return want_env[i] || environ[i] ? 11 : 0;
			if (strcmp(want_env[i], environ[i]))
				return 12;
		}
	}
	if (!strcmp(mode, "child:fds")) {
		/* argv: keep-fd high-fd cloexec-fd pipe-fd */
		int keep = atoi(argv[2]), high = atoi(argv[3]), cx = atoi(argv[4]), pw = atoi(argv[5]);
		char b[4] = {0};
		if (fcntl(cx, F_GETFD) != -1 || errno != EBADF)
			return 20;
		if (fcntl(keep, F_GETFD) != 0 || fcntl(high, F_GETFD) != 0)
			return 21;
		if (lseek(keep, 0, SEEK_CUR) != 3 || read(keep, b, 3) != 3 || strcmp(b, "def"))
			return 22;
		if (lseek(high, 0, SEEK_CUR) != 6)   /* a dup shares the offset */
			return 23;
		if (write(pw, "ok", 2) != 2)
			return 24;
		return 0;
	}
	if (!strcmp(mode, "child:sig")) {
		sigset_t cur;
		struct sigaction sa;
		sigprocmask(SIG_BLOCK, NULL, &cur);
		if (!sigismember(&cur, SIGUSR1) || sigismember(&cur, SIGUSR2))
			return 30;
		if (sigaction(SIGUSR2, NULL, &sa) || sa.sa_handler != SIG_IGN)
			return 31;
		if (sigaction(SIGTERM, NULL, &sa) || sa.sa_handler != SIG_DFL)
			return 32;
		if (sigaction(SIGINT, NULL, &sa) || sa.sa_handler != SIG_DFL)
			return 33;
		return 0;
	}
	if (!strcmp(mode, "child:ids")) {
		/* argv: pid ppid */
		if (getpid() != atoi(argv[2]) || getppid() != atoi(argv[3]))
			return 40;
		return 0;
	}
	if (!strcmp(mode, "child:names")) {
		/* argv: expected AT_EXECFN; /proc/self/exe must be self */
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		const char *fn = (const char *)getauxval(AT_EXECFN);
		if (n <= 0)
			return 50;
		exe[n] = 0;
		if (strcmp(exe, getenv("GT_SELF")))
			return 51;
		if (!fn || strcmp(fn, argv[2]))
			return 52;
		return 0;
	}
	if (!strcmp(mode, "child:script")) {
		/* argv[0] is the interpreter, argv[2..] must be GT_EXPECT's '|' list */
		char got[4096] = "";
		if (strcmp(argv[0], getenv("GT_SELF")))
			return 60;
		for (int i = 2; i < argc; i++) {
			if (i > 2)
				strcat(got, "|");
			strcat(got, argv[i]);
		}
		return strcmp(got, getenv("GT_EXPECT")) ? 61 : 0;
	}
	if (!strcmp(mode, "child:segv"))
		*(volatile int *)0 = 1;
	if (!strcmp(mode, "child:exit"))
		return atoi(argv[2]);
	if (!strcmp(mode, "child:final")) {
		printf("the last image ok\n");
		return 0;
	}
	return 99;
}

/* ---- the parent's side ----------------------------------------------------- */

/* fork; the child execs path (execveat when dfd != -2) and exits 126 if
 * that fails; returns the wait status. */
static int run(int dfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	int st;
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		if (dfd == -2)
			execve(path, argv, envp);
		else
			sys_execveat(dfd, path, argv, envp, flags);
		_exit(126);
	}
	if (waitpid(p, &st, 0) != p)
		return -1;
	return st;
}

static int ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	unlink(name);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(90, fd >= 0);
	CHECK(91, write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	chmod(name, mode);
}

static const char *const scratch[] = {
	"gt-exec-text", "gt-exec-plain", "gt-exec-noint", "gt-exec-badint", "gt-exec-textint",
	"gt-exec-loop", "gt-exec-script", "gt-exec-script2", "gt-exec-data", NULL,
};

int main(int argc, char **argv)
{
	if (argc >= 2 && !strncmp(argv[1], "child:", 6))
		return child_main(argc, argv);
	if (argc == 1 && !argv[0][0] && getenv("GT_EXEC_EMPTY"))
		return 0;   /* the empty-argv image */
	if (argc == 1 && !argv[0][0])
		return 77;

	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	CHECK(1, n > 0);
	self[n] = 0;
	char selfenv[4200];
	snprintf(selfenv, sizeof selfenv, "GT_SELF=%s", self);
	char *env0[] = {selfenv, NULL};

	/* ---- errors, in the calling process ---- */
	char *a1[] = {"x", NULL};
	CHECK_ERR(2, execve("/nonexistent-dir/prog", a1, env0), ENOENT);
	CHECK_ERR(3, execve("", a1, env0), ENOENT);
	if (access("/etc/passwd", F_OK) == 0)
		CHECK_ERR(4, execve("/etc/passwd/x", a1, env0), ENOTDIR);
	CHECK_ERR(5, execve(".", a1, env0), EACCES);
	write_file("gt-exec-text", "not executable\n", 0644);
	CHECK_ERR(6, execve("./gt-exec-text", a1, env0), EACCES);
	write_file("gt-exec-plain", "just text, no #!\n", 0755);
	CHECK_ERR(7, execve("./gt-exec-plain", a1, env0), ENOEXEC);
	write_file("gt-exec-noint", "#!\n", 0755);
	CHECK_ERR(8, execve("./gt-exec-noint", a1, env0), ENOEXEC);
	write_file("gt-exec-badint", "#!/nonexistent-dir/interp -x\n", 0755);
	CHECK_ERR(9, execve("./gt-exec-badint", a1, env0), ENOENT);
	write_file("gt-exec-textint", "#!./gt-exec-plain\n", 0755);
	CHECK_ERR(10, execve("./gt-exec-textint", a1, env0), ENOEXEC);
	write_file("gt-exec-loop", "#!./gt-exec-loop\n", 0755);
	CHECK_ERR(11, execve("./gt-exec-loop", a1, env0), ELOOP);
	CHECK_ERR(12, syscall(SYS_execve, self, (char **)8, env0), EFAULT);
	char *badenv[] = {"A=1", (char *)8, NULL};
	CHECK_ERR(13, execve(self, a1, badenv), EFAULT);
	{
		size_t big = 200 * 1024;
		char *s = malloc(big);
		CHECK(14, s != NULL);
		memset(s, 'a', big - 1);
		s[big - 1] = 0;
		char *abig[] = {"x", s, NULL};
		CHECK_ERR(15, execve(self, abig, env0), E2BIG);
		free(s);
	}
	CHECK_ERR(16, sys_execveat(AT_FDCWD, "", a1, env0, 0), ENOENT);
	CHECK_ERR(17, sys_execveat(AT_FDCWD, self, a1, env0, 0x4), EINVAL);
	CHECK_ERR(18, sys_execveat(AT_FDCWD, "", a1, env0, AT_EMPTY_PATH), EACCES);
	CHECK_ERR(19, sys_execveat(9999, "relative", a1, env0, 0), EBADF);
	printf("exec errors ok\n");

	/* ---- what the new image gets ---- */
	{
		char *av[] = {"first arg", "child:argv", "x y", "", NULL};
		char *ev[] = {"A=1", "B=two words", "EMPTY=", NULL};
		CHECK(20, ok(run(-2, self, av, ev, 0)));
	}
	{
		char pid[16], ppid[16];
		char *av[] = {"x", "child:ids", pid, ppid, NULL};
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			snprintf(pid, sizeof pid, "%d", (int)getpid());
			snprintf(ppid, sizeof ppid, "%d", (int)getppid());
			execve(self, av, env0);
			_exit(126);
		}
		int st;
		CHECK(21, waitpid(p, &st, 0) == p && ok(st));
	}
	{
		/* fds: one kept at offset 3, its dup at a high number, one
		 * close-on-exec, a pipe to answer through */
		write_file("gt-exec-data", "abcdefgh", 0644);
		int keep = open("gt-exec-data", O_RDWR);
		int cx = open("gt-exec-data", O_RDONLY | O_CLOEXEC);
		int pp[2];
		CHECK(22, keep >= 0 && cx >= 0 && pipe(pp) == 0);
		CHECK(23, lseek(keep, 3, SEEK_SET) == 3);
		int high = dup2(keep, 100);
		CHECK(24, high == 100);
		char k[12], h[12], c[12], w[12];
		snprintf(k, sizeof k, "%d", keep);
		snprintf(h, sizeof h, "%d", high);
		snprintf(c, sizeof c, "%d", cx);
		snprintf(w, sizeof w, "%d", pp[1]);
		char *av[] = {"x", "child:fds", k, h, c, w, NULL};
		CHECK(25, ok(run(-2, self, av, env0, 0)));
		char b[3] = {0};
		close(pp[1]);
		CHECK(26, read(pp[0], b, 2) == 2 && !strcmp(b, "ok"));
		CHECK(27, lseek(keep, 0, SEEK_CUR) == 6);   /* the child read 3 */
		close(pp[0]);
		close(keep);
		close(high);
		close(cx);
	}
	{
		/* signals: blocked and ignored survive, handlers do not */
		struct sigaction sa;
		sigset_t blk, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_IGN;
		CHECK(28, sigaction(SIGUSR2, &sa, NULL) == 0);
		sa.sa_handler = (void (*)(int))exit;
		CHECK(29, sigaction(SIGTERM, &sa, NULL) == 0);
		sigemptyset(&blk);
		sigaddset(&blk, SIGUSR1);
		sigprocmask(SIG_BLOCK, &blk, &old);
		char *av[] = {"x", "child:sig", NULL};
		CHECK(30, ok(run(-2, self, av, env0, 0)));
		sigprocmask(SIG_SETMASK, &old, NULL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGUSR2, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	{
		/* AT_EXECFN and /proc/self/exe: by path, via a dirfd, via an fd */
		char *av[] = {"x", "child:names", self, NULL};
		CHECK(31, ok(run(-2, self, av, env0, 0)));
		char dir[4096], *slash;
		snprintf(dir, sizeof dir, "%s", self);
		slash = strrchr(dir, '/');
		CHECK(32, slash != NULL);
		*slash = 0;
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		CHECK(33, dfd >= 0);
		char fn[64];
		snprintf(fn, sizeof fn, "/dev/fd/%d/%s", dfd, slash + 1);
		char *av2[] = {"x", "child:names", fn, NULL};
		CHECK(34, ok(run(dfd, slash + 1, av2, env0, 0)));
		int ofd = open(self, O_PATH);
		CHECK(35, ofd >= 0);
		snprintf(fn, sizeof fn, "/dev/fd/%d", ofd);
		CHECK(36, ok(run(ofd, "", av2, env0, AT_EMPTY_PATH)));
		close(ofd);
		close(dfd);
	}
	{
		/* the empty argv becomes {""} */
		char *av[] = {NULL};
		char *ev[] = {"GT_EXEC_EMPTY=1", NULL};
		CHECK(37, ok(run(-2, self, av, ev, 0)));
	}
	{
		/* an exec'd image dies of a signal; one exits with a code */
		char *av[] = {"x", "child:segv", NULL};
		int st = run(-2, self, av, env0, 0);
		CHECK(38, WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		char *av2[] = {"x", "child:exit", "77", NULL};
		st = run(-2, self, av2, env0, 0);
		CHECK(39, WIFEXITED(st) && WEXITSTATUS(st) == 77);
	}
	printf("exec'd images ok\n");

	/* ---- scripts ---- */
	{
		char line[4200], expect[256], expenv[300];
		snprintf(line, sizeof line, "#!%s child:script\n", self);
		write_file("gt-exec-script", line, 0755);
		write_file("gt-exec-script2", "#!./gt-exec-script\nnot read\n", 0755);
		char *av[] = {"ignored", "a1", "a 2", NULL};
		char *ev[] = {selfenv, expenv, NULL};
		snprintf(expect, sizeof expect, "./gt-exec-script|a1|a 2");
		snprintf(expenv, sizeof expenv, "GT_EXPECT=%s", expect);
		CHECK(40, ok(run(-2, "./gt-exec-script", av, ev, 0)));
		snprintf(expenv, sizeof expenv, "GT_EXPECT=./gt-exec-script|./gt-exec-script2|a1|a 2");
		CHECK(41, ok(run(-2, "./gt-exec-script2", av, ev, 0)));
		/* the script through a dirfd that is close-on-exec: its
		 * /dev/fd/N name would be gone, ENOENT */
		int dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CHECK(42, dfd >= 0);
		CHECK_ERR(43, sys_execveat(dfd, "gt-exec-script", av, ev, 0), ENOENT);
		close(dfd);
	}
	printf("scripts ok\n");

	/* ---- vfork then exec ---- */
	{
		char *av[] = {"x", "child:exit", "5", NULL};
		fflush(stdout);
		pid_t p = vfork();
		if (p == 0) {
			execve(self, av, env0);
			_exit(126);
		}
		int st;
		CHECK(50, p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	}
	/* busybox, when there is one, through a pipe */
	if (access("/bin/busybox", X_OK) == 0) {
		int pp[2];
		CHECK(51, pipe(pp) == 0);
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			char *av[] = {"echo", "from", "busybox", NULL};
			dup2(pp[1], 1);
			close(pp[0]);
			close(pp[1]);
			execve("/bin/busybox", av, env0);
			_exit(126);
		}
		close(pp[1]);
		char b[64] = {0};
		ssize_t got = 0, r;
		while ((r = read(pp[0], b + got, sizeof b - 1 - (size_t)got)) > 0)
			got += r;
		int st;
		CHECK(52, waitpid(p, &st, 0) == p && ok(st));
		CHECK(53, !strcmp(b, "from busybox\n"));
		close(pp[0]);
	}
	printf("vfork+exec ok\n");

	for (int i = 0; scratch[i]; i++)
		unlink(scratch[i]);

	/* ---- the test process itself becomes a new image ---- */
	char *av[] = {"x", "child:final", NULL};
	fflush(stdout);
	execve(self, av, env0);
	CHECK(99, 0);
	return 1;
}
