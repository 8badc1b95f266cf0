/* misc: prctl (name, dumpable, pdeathsig, seccomp, no_new_privs, unknown
 * options), flock, fallocate, fadvise, sync, close_range, priorities and
 * scheduling parameters, sched_setaffinity, membarrier, mlock and
 * mlockall, personality, splice and tee, pidfd_open. */
#include "gt.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static char dir[] = "/tmp/gt-misc-XXXXXX";
static volatile int got_usr2;
static void on_usr2(int sig)
{
	got_usr2 = sig;
}
static char path[64];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* The comm field of /proc/self/stat and Name: of /proc/self/status. */
static void proc_names(char *stat_comm, char *status_name)
{
	char buf[512];
	FILE *f = fopen("/proc/self/stat", "r");
	stat_comm[0] = status_name[0] = 0;
	if (f && fgets(buf, sizeof buf, f)) {
		char *l = strchr(buf, '('), *r = strrchr(buf, ')');
		if (l && r && r > l) {
			memcpy(stat_comm, l + 1, (size_t)(r - l - 1));
			stat_comm[r - l - 1] = 0;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/status", "r");
	while (f && fgets(buf, sizeof buf, f))
		if (sscanf(buf, "Name:\t%63s", status_name) == 1)
			break;
	if (f)
		fclose(f);
}

int main(void)
{
	char name[32], sc[64], sn[64];
	int v;

	CHECK(1, mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/f", dir);

	/* prctl: the name, 15 bytes at most, seen in /proc */
	CHECK(2, prctl(PR_SET_NAME, "worker-thread-number-one", 0, 0, 0) == 0);
	memset(name, 'x', sizeof name);
	CHECK(3, prctl(PR_GET_NAME, name, 0, 0, 0) == 0);
	CHECK(4, strcmp(name, "worker-thread-n") == 0 && name[16] == 'x');
	proc_names(sc, sn);
	CHECK(5, strcmp(sc, "worker-thread-n") == 0 && strcmp(sn, "worker-thread-n") == 0);
	printf("name %s\n", name);
	CHECK_ERR(6, prctl(PR_SET_NAME, (char *)8, 0, 0, 0), EFAULT);

	CHECK(7, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
	CHECK(8, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
	CHECK(9, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
	CHECK_ERR(10, prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
	CHECK(11, prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0) == 0);
	v = 0;
	CHECK(12, prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0) == 0 && v == SIGUSR1);
	CHECK(13, prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) == 0);
	CHECK_ERR(14, prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0), EINVAL);
	CHECK(15, prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0);
	CHECK(16, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(17, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK_ERR(18, prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
	CHECK(19, prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0) == 0 && prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 1000);
	printf("prctl ok\n");

	/* flock: a second open file description conflicts */
	int fd = open(path, O_RDWR | O_CREAT, 0600), fd2 = open(path, O_RDWR);
	CHECK(20, fd >= 0 && fd2 >= 0);
	CHECK(21, flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK_ERR(22, flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK(23, flock(fd, LOCK_UN) == 0 && flock(fd2, LOCK_SH | LOCK_NB) == 0);
	CHECK_ERR(24, flock(fd, 0), EINVAL);
	CHECK_ERR(25, flock(-1, LOCK_SH), EBADF);

	/* fallocate, fadvise, sync */
	struct stat st;
	CHECK(26, fallocate(fd, 0, 0, 12345) == 0 && fstat(fd, &st) == 0 && st.st_size == 12345);
	CHECK(27, fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536) == 0 && fstat(fd, &st) == 0 &&
		  st.st_size == 12345);
	CHECK(28, posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
	int p[2];
	CHECK(29, pipe(p) == 0);
	CHECK(30, posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE);
	sync();
	printf("flock, fallocate, fadvise ok\n");

	/* splice from a pipe into the file, tee between pipes */
	int q[2];
	CHECK(31, pipe(q) == 0);
	CHECK(32, write(p[1], "spliced!", 8) == 8);
	CHECK(33, tee(p[0], q[1], 8, 0) == 8);
	loff_t off = 100;
	CHECK(34, splice(p[0], NULL, fd, &off, 8, 0) == 8 && off == 108);
	char b[16] = {0};
	CHECK(35, pread(fd, b, 8, 100) == 8 && memcmp(b, "spliced!", 8) == 0);
	CHECK(36, read(q[0], b, sizeof b) == 8 && memcmp(b, "spliced!", 8) == 0);
	CHECK_ERR(37, splice(p[0], &off, fd, NULL, 8, 0), ESPIPE);
	CHECK(32, write(p[1], "more", 4) == 4);
	CHECK_ERR(37, splice(p[0], NULL, fd, (loff_t *)8, 8, 0), EFAULT);
	printf("splice, tee ok\n");

	/* close_range */
	int lo = dup(fd);
	CHECK(38, lo >= 0 && dup2(fd, lo + 1) == lo + 1 && dup2(fd, lo + 2) == lo + 2);
#ifdef SYS_close_range
	CHECK(39, syscall(SYS_close_range, lo + 1, lo + 2, 4 /* CLOEXEC */) == 0);
	CHECK(40, fcntl(lo + 1, F_GETFD) == FD_CLOEXEC && fcntl(lo, F_GETFD) == 0);
	CHECK(41, syscall(SYS_close_range, lo, lo + 2, 0) == 0);
	CHECK(42, fcntl(lo, F_GETFD) == -1 && fcntl(lo + 2, F_GETFD) == -1);
	CHECK_ERR(43, syscall(SYS_close_range, 5, 4, 0), EINVAL);
	CHECK_ERR(44, syscall(SYS_close_range, 3, 4, 0x100), EINVAL);
#else
	close(lo);
	close(lo + 1);
	close(lo + 2);
#endif
	printf("close_range ok\n");

	/* priorities and scheduling parameters */
	errno = 0;
	int nice0 = getpriority(PRIO_PROCESS, 0);
	CHECK(45, errno == 0);
	CHECK(46, setpriority(PRIO_PROCESS, 0, nice0 + 1) == 0 &&
		  getpriority(PRIO_PROCESS, getpid()) == nice0 + 1);
	/* musl's sched_getscheduler and friends are ENOSYS stubs: the raw
	 * syscalls */
	CHECK(47, syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER);
	struct sched_param sp;
	CHECK(48, syscall(SYS_sched_getparam, 0, &sp) == 0 && sp.sched_priority == 0);
	CHECK(49, sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
	CHECK_ERR(50, sched_get_priority_max(12345), EINVAL);
	CHECK_ERR(51, syscall(SYS_sched_getparam, -1, &sp), EINVAL);
	cpu_set_t cs;
	CHECK(52, sched_getaffinity(0, sizeof cs, &cs) == 0 && sched_setaffinity(0, sizeof cs, &cs) == 0);
	printf("scheduling ok\n");

	/* membarrier */
#ifdef SYS_membarrier
	long q0 = syscall(SYS_membarrier, 0, 0, 0);
	CHECK(53, q0 > 0 && (q0 & 8) && (q0 & 16));
	CHECK_ERR(54, syscall(SYS_membarrier, 8, 0, 0), EPERM);
	CHECK(55, syscall(SYS_membarrier, 16, 0, 0) == 0 && syscall(SYS_membarrier, 8, 0, 0) == 0);
	CHECK_ERR(56, syscall(SYS_membarrier, 0, 1, 0), EINVAL);
#endif
	printf("membarrier ok\n");

	/* mlock */
	char *m = mmap(NULL, 3 * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(57, m != MAP_FAILED && munmap(m + GT_PAGE, GT_PAGE) == 0);
	CHECK(58, mlock(m, GT_PAGE) == 0 && munlock(m, GT_PAGE) == 0);
	CHECK_ERR(59, mlock(m, 3 * GT_PAGE), ENOMEM);
	CHECK_ERR(60, mlockall(0), EINVAL);
	printf("mlock ok\n");

	/* personality: asking does not change it */
	int per = personality(0xffffffff);
	CHECK(61, per == PER_LINUX);
	CHECK(62, personality(ADDR_NO_RANDOMIZE) == PER_LINUX &&
		  personality(0xffffffff) == ADDR_NO_RANDOMIZE);
	CHECK(63, personality(PER_LINUX) == ADDR_NO_RANDOMIZE);
	printf("personality ok\n");

#ifdef SYS_pidfd_open
	int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	CHECK(64, pfd >= 0 && fcntl(pfd, F_GETFD) == FD_CLOEXEC);
#ifdef SYS_pidfd_send_signal
	signal(SIGUSR2, on_usr2);
	CHECK(67, syscall(SYS_pidfd_send_signal, pfd, SIGUSR2, NULL, 0) == 0 && got_usr2 == SIGUSR2);
	CHECK(68, syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0) == 0);
	CHECK_ERR(69, syscall(SYS_pidfd_send_signal, 1, SIGUSR2, NULL, 0), EBADF);
	CHECK_ERR(70, syscall(SYS_pidfd_send_signal, pfd, SIGUSR2, NULL, 0x100), EINVAL);
#endif
	CHECK(65, close(pfd) == 0);
	CHECK_ERR(66, syscall(SYS_pidfd_open, getpid(), 0x1234), EINVAL);
#endif
	printf("pidfd_open ok\n");
	return 0;
}
