/* ids: process and credential queries are sane and agree with each other
 * (values differ between runs, so none is printed). */
#include "gt.h"
#include <sys/resource.h>
#include <sys/syscall.h>

int main(void)
{
	pid_t pid = getpid();
	uid_t r, e, s;
	gid_t gr, ge, gs;
	struct rlimit rl;
	char exe[64];

	CHECK(1, pid > 0);
	CHECK(2, getppid() > 0 && getppid() != pid);
	/* A single-threaded process: its thread id is its pid. */
	CHECK(3, syscall(SYS_gettid) == pid);
	CHECK(4, getpid() == pid); /* stable */
	CHECK(5, getuid() == geteuid());
	CHECK(6, getgid() == getegid());
	CHECK(7, getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid() && s == e);
	CHECK(8, getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid() && gs == ge);
	/* 0 when the group or session leader lives outside our pid namespace
	 * (a container's runner): kernel/sys.c's getsid() maps it with
	 * pid_vnr(), which gives 0 for a pid not visible here. */
	CHECK(9, getpgrp() >= 0 && getsid(0) >= 0);
	CHECK(10, getpgid(0) == getpgrp());
	CHECK(11, getgroups(0, NULL) >= 0);
	/* The default stack limit the runner runs under (8 MiB unless changed). */
	CHECK(12, getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 8UL << 20);
	CHECK(13, getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 64);
	/* /proc/self resolves to our pid. */
	{
		ssize_t n = readlink("/proc/self", exe, sizeof exe - 1);
		CHECK(14, n > 0);
		exe[n] = 0;
		CHECK(15, atol(exe) == (long)pid);
	}
	printf("ids ok\n");
	return 0;
}
