/* sysfuzz: hostile syscall arguments.  sysfuzz SEED CHILDREN CALLS forks
 * CHILDREN children; each makes CALLS syscalls picked from a list with
 * arguments drawn from a seeded generator: 0, -1, small and huge numbers,
 * pointers into a scratch mapping (filled with random bytes), into
 * unmapped, read-only and guard pages, kernel and non-canonical
 * addresses.  Calls that would harm the machine (kill, reboot, unlink,
 * ...), reach other processes (sigqueueinfo, prlimit64, setaffinity with
 * a pid) or end the child at once (exit, execve) are not in the list;
 * memory calls get addresses inside the scratch area only, and the random
 * bytes hold no '/', so a path is always relative (run it in a scratch
 * directory).  The children close every fd above 2 first, so nothing the
 * test harness holds open is written to.  A child may die of a
 * signal (a fuzzed sigaction, a SIGSEGV from a clobbered mapping): that is
 * the guest's business.  The parent kills a child that hangs (2 s) and
 * prints how each child ended: the emulator must survive all of it, with
 * no sanitizer report and no internal error (tests/sysfuzz.sh checks). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* syscalls that only look, or act on the caller's own fds, memory and
 * state in ways that cannot reach beyond the child */
static const int calls[] = {
	SYS_read, SYS_write, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lstat, SYS_poll,
	SYS_lseek, SYS_mmap, SYS_mprotect, SYS_munmap, SYS_brk, SYS_rt_sigaction,
	SYS_rt_sigprocmask, SYS_ioctl, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev,
	SYS_access, SYS_pipe, SYS_select, SYS_sched_yield, SYS_mremap, SYS_msync, SYS_mincore,
	SYS_madvise, SYS_dup, SYS_dup2, SYS_nanosleep, SYS_getitimer, SYS_alarm, SYS_setitimer,
	SYS_getpid, SYS_sendfile, SYS_socket, SYS_connect, SYS_accept, SYS_sendto, SYS_recvfrom,
	SYS_sendmsg, SYS_recvmsg, SYS_shutdown, SYS_bind, SYS_listen, SYS_getsockname,
	SYS_getpeername, SYS_socketpair, SYS_setsockopt, SYS_getsockopt, SYS_wait4, SYS_uname,
	SYS_fcntl, SYS_flock, SYS_fsync, SYS_fdatasync, SYS_getdents, SYS_getcwd,
	SYS_gettimeofday, SYS_getrlimit, SYS_getrusage, SYS_sysinfo, SYS_times, SYS_getuid,
	SYS_getgid, SYS_geteuid, SYS_getegid, SYS_getppid, SYS_getpgrp, SYS_getgroups,
	SYS_getresuid, SYS_getresgid, SYS_getpgid, SYS_getsid, SYS_capget, SYS_rt_sigpending,
	SYS_rt_sigtimedwait, SYS_sigaltstack, SYS_personality, SYS_statfs,
	SYS_fstatfs, SYS_getpriority, SYS_sched_getparam, SYS_sched_getscheduler,
	SYS_sched_get_priority_max, SYS_sched_rr_get_interval, SYS_mlock, SYS_munlock,
	SYS_prctl, SYS_arch_prctl, SYS_gettid, SYS_readahead, SYS_getxattr, SYS_lgetxattr,
	SYS_fgetxattr, SYS_listxattr, SYS_flistxattr, SYS_time, SYS_futex,
	SYS_sched_getaffinity, SYS_epoll_create, SYS_getdents64, SYS_set_tid_address,
	SYS_timer_create, SYS_timer_settime, SYS_timer_gettime, SYS_timer_getoverrun,
	SYS_timer_delete, SYS_clock_gettime, SYS_clock_getres, SYS_clock_nanosleep,
	SYS_epoll_wait, SYS_epoll_ctl, SYS_openat, SYS_newfstatat, SYS_readlinkat,
	SYS_faccessat, SYS_pselect6, SYS_ppoll, SYS_set_robust_list, SYS_get_robust_list,
	SYS_splice, SYS_tee, SYS_epoll_pwait, SYS_timerfd_create, SYS_eventfd,
	SYS_fallocate, SYS_timerfd_settime, SYS_timerfd_gettime, SYS_accept4, SYS_eventfd2,
	SYS_epoll_create1, SYS_dup3, SYS_pipe2, SYS_inotify_init1, SYS_preadv, SYS_pwritev,
	SYS_recvmmsg, SYS_sendmmsg, SYS_getcpu, SYS_getrandom,
	SYS_memfd_create, SYS_membarrier, SYS_mlock2, SYS_copy_file_range, SYS_preadv2,
	SYS_pwritev2, SYS_statx, SYS_rseq, SYS_close_range, SYS_faccessat2, SYS_epoll_pwait2,
	SYS_sigaltstack, SYS_mlockall, SYS_munlockall, SYS_umask,
	SYS_inotify_add_watch, SYS_inotify_rm_watch, SYS_vmsplice, SYS_waitid,
};

static char *scratch;        /* 16 pages: rw, ro, none, rw... */
#define SCRATCH_PAGES 16

static uint64_t arg(int memcall)
{
	uint64_t r = next();
	switch (r % 16) {
	case 0: return 0;
	case 1: return (uint64_t)-1;
	case 2: return next() % 16;
	case 3: return next() % 4096;
	case 4: return (uint64_t)scratch + (next() % (SCRATCH_PAGES * 4096));
	case 5: return (uint64_t)scratch + (next() % SCRATCH_PAGES) * 4096;
	case 6: return memcall ? (uint64_t)scratch + (next() % SCRATCH_PAGES) * 4096 : 0x1000;
	case 7: return memcall ? 4096 * (next() % 8) : 0xffffffff81000000ULL;
	case 8: return memcall ? 4096 : 0x8000000000000000ULL;
	case 9: return 1ULL << (next() % 64);
	case 10: return (uint64_t)scratch + 4096 - (next() % 16);   /* straddles */
	case 11: return next() & 0xffffffff;
	case 12: return (uint64_t)(int32_t)next();
	case 13: return 0xffffffffffff0000ULL | (next() & 0xffff);
	default: return next();
	}
}

static void child(unsigned calls_n)
{
	/* the scratch area: random bytes, one page read-only, one PROT_NONE */
	scratch = mmap(NULL, SCRATCH_PAGES * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		_exit(90);
	for (size_t i = 0; i < SCRATCH_PAGES * 4096 / 8; i++)
		((uint64_t *)scratch)[i] = next();
	for (size_t i = 0; i < SCRATCH_PAGES * 4096; i++)
		if (scratch[i] == '/')
			scratch[i] = 'x';
	mprotect(scratch + 4 * 4096, 4096, PROT_READ);
	mprotect(scratch + 5 * 4096, 4096, PROT_NONE);
	alarm(0);
	for (unsigned i = 0; i < calls_n; i++) {
		int nr = calls[next() % (sizeof calls / sizeof calls[0])];
		int memcall = nr == SYS_mmap || nr == SYS_mprotect || nr == SYS_munmap ||
			      nr == SYS_mremap || nr == SYS_madvise || nr == SYS_msync ||
			      nr == SYS_brk || nr == SYS_mlock || nr == SYS_munlock ||
			      nr == SYS_mlock2 || nr == SYS_mincore;
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = arg(memcall);
		/* memory calls: a range inside the scratch area, flags sane
		 * enough not to map over the program */
		if (memcall) {
			a[0] = (uint64_t)scratch + (next() % SCRATCH_PAGES) * 4096;
			a[1] = 4096 * (1 + next() % 4);
			if (nr == SYS_mmap)
				a[3] &= ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE | 0x40000000);
			if (nr == SYS_mremap)
				a[3] &= ~(uint64_t)MREMAP_FIXED;
			if (nr == SYS_brk)
				a[0] = 0;
		}
		/* never block the whole child for long */
		if (nr == SYS_nanosleep || nr == SYS_clock_nanosleep || nr == SYS_alarm ||
		    nr == SYS_setitimer || nr == SYS_timer_settime || nr == SYS_timerfd_settime)
			alarm(1);
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SEED CHILDREN CALLS\n", argv[0]);
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	unsigned nchild = (unsigned)atoi(argv[2]), ncalls = (unsigned)atoi(argv[3]);
	unsigned exited = 0, signaled = 0, killed = 0;
	for (unsigned c = 0; c < nchild; c++) {
		rng = (seed + c) * 0x9e3779b97f4a7c15ULL | 1;
		fflush(NULL);
		pid_t p = fork();
		if (p < 0)
			return 3;
		if (p == 0) {
			/* stdin and stdout of the child: /dev/null; stderr stays,
			 * so that the emulator's own messages are seen */
			for (int fd = 3; fd < 4096; fd++)
				close(fd);
			if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
				_exit(91);
			child(ncalls);
		}
		int st = 0;
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			pid_t w = waitpid(p, &st, WNOHANG);
			if (w == p)
				break;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= 3) {
				kill(p, SIGKILL);
				waitpid(p, &st, 0);
				killed++;
				break;
			}
			struct timespec ms = {0, 5000000};
			nanosleep(&ms, NULL);
		}
		if (WIFEXITED(st))
			exited++;
		else if (!killed || WTERMSIG(st) != SIGKILL)
			signaled++;
		printf("child %u: %s %d\n", c, WIFEXITED(st) ? "exit" : "signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	printf("%u children: %u exited, %u died of a signal, %u hung and were killed\n", nchild,
	       exited, signaled, killed);
	return 0;
}
