/* procself.c - /proc/self/auxv, stat, status and fd/N as the kernel
 * generates them (fs/proc/base.c, fs/proc/array.c, fs/proc/fd.c). */
#include "gt.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

extern char **environ;

static size_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	CHECK(90, fd >= 0);
	size_t n = 0;
	ssize_t r;
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return n;
}

static unsigned long long stat_field(const char *s, int f)
{
	const char *p = strrchr(s, ')');
	CHECK(91, p != NULL);
	p += 2; /* field 3 */
	for (int i = 3; i < f; i++) {
		p = strchr(p, ' ');
		CHECK(92, p != NULL);
		p++;
	}
	return strtoull(p, NULL, 10);
}

static unsigned long long status_val(const char *s, const char *key, int hex)
{
	char k[64];
	snprintf(k, sizeof k, "\n%s:", key);
	const char *p = strstr(s, k);
	CHECK(93, p != NULL);
	return strtoull(p + strlen(k), NULL, hex ? 16 : 10);
}

static void on_int(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	static char buf[65536];
	(void)argc;

	/* auxv: pairs up to AT_NULL, matching getauxval */
	size_t n = slurp("/proc/self/auxv", buf, sizeof buf);
	CHECK(1, n > 0 && n % 16 == 0);
	const uint64_t *av = (const uint64_t *)buf;
	size_t pairs = n / 16;
	CHECK(2, av[2 * (pairs - 1)] == AT_NULL);
	int seen = 0;
	for (size_t i = 0; i < pairs - 1; i++) {
		uint64_t t = av[2 * i], v = av[2 * i + 1];
		if (t == AT_PHDR || t == AT_ENTRY || t == AT_RANDOM || t == AT_PAGESZ ||
		    t == AT_EXECFN) {
			CHECK(3, getauxval(t) == v);
			seen++;
		}
	}
	CHECK(4, seen == 5);
	printf("auxv ok\n");

	/* signal state for stat and status */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(10, sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGINT, on_int);

	/* stat */
	slurp("/proc/self/stat", buf, sizeof buf);
	CHECK(11, (int)strtol(buf, NULL, 10) == getpid());
	const char *b = strrchr(argv[0], '/');
	b = b ? b + 1 : argv[0];
	char comm[40];
	snprintf(comm, sizeof comm, "(%.15s) R ", b);
	CHECK(12, strstr(buf, comm) == strchr(buf, '('));
	CHECK(13, (int)stat_field(buf, 4) == getppid());
	CHECK(14, stat_field(buf, 20) == 1);
	CHECK(15, stat_field(buf, 23) > 0); /* rss may lag natively (split counters) */
	uintptr_t m = (uintptr_t)&main;
	CHECK(16, stat_field(buf, 26) <= m && m < stat_field(buf, 27));
	CHECK(17, stat_field(buf, 48) == (uintptr_t)argv[0]);
	CHECK(18, stat_field(buf, 50) == (uintptr_t)environ[0] || !environ[0]);
	CHECK(19, stat_field(buf, 32) & (1ULL << (SIGUSR1 - 1)));
	CHECK(20, stat_field(buf, 33) & (1ULL << (SIGUSR2 - 1)));
	CHECK(21, stat_field(buf, 34) & (1ULL << (SIGINT - 1)));
	CHECK(22, stat_field(buf, 28) > stat_field(buf, 48) - 65536 * 16);
	printf("stat ok\n");

	/* status */
	slurp("/proc/self/status", buf, sizeof buf);
	char name[40];
	snprintf(name, sizeof name, "Name:\t%.15s\n", b);
	CHECK(30, !strncmp(buf, name, strlen(name)));
	CHECK(31, strstr(buf, "\nState:\tR (running)\n") != NULL);
	CHECK(32, (int)status_val(buf, "Pid", 0) == getpid());
	CHECK(33, (int)status_val(buf, "PPid", 0) == getppid());
	CHECK(34, status_val(buf, "Threads", 0) == 1);
	CHECK(35, status_val(buf, "SigBlk", 1) & (1ULL << (SIGUSR1 - 1)));
	CHECK(36, status_val(buf, "SigIgn", 1) & (1ULL << (SIGUSR2 - 1)));
	CHECK(37, status_val(buf, "SigCgt", 1) & (1ULL << (SIGINT - 1)));
	unsigned long long size0 = status_val(buf, "VmSize", 0);
	unsigned long long rss0 = status_val(buf, "VmRSS", 0);
	CHECK(38, status_val(buf, "VmStk", 0) >= 4 && status_val(buf, "VmExe", 0) >= 4);
	CHECK(39, status_val(buf, "VmPeak", 0) >= size0);
	CHECK(40, strstr(buf, "\nVmRSS:\t") && strstr(buf, " kB\n"));
	char *z = mmap(NULL, 1000 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(41, z != MAP_FAILED);
	madvise(z, 1000 * 4096, MADV_NOHUGEPAGE);
	slurp("/proc/self/status", buf, sizeof buf);
	CHECK(42, status_val(buf, "VmSize", 0) >= size0 + 4000);
	CHECK(43, status_val(buf, "VmRSS", 0) < rss0 + 400);
	for (int i = 0; i < 1000; i++)
		z[i * 4096] = 1;
	slurp("/proc/self/status", buf, sizeof buf);
	CHECK(44, status_val(buf, "VmRSS", 0) >= rss0 + 3900);
	CHECK(45, status_val(buf, "VmData", 0) >= 4000);
	printf("status ok\n");

	/* fd/N and /dev/fd/N name the program's own fds */
	char dir[256], path[300], link[64], tgt[400];
	gt_tmpdir("procself", dir, sizeof dir);
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(50, fd >= 0 && write(fd, "hello", 5) == 5);
	CHECK(51, dup2(fd, 50) == 50);
	ssize_t tl = readlink("/proc/self/fd/50", tgt, sizeof tgt - 1);
	CHECK(52, tl > 0);
	tgt[tl] = 0;
	CHECK(53, !strcmp(tgt, path));
	int g = open("/dev/fd/50", O_RDONLY);
	CHECK(54, g >= 0);
	char h[8] = {0};
	CHECK(55, read(g, h, 8) == 5 && !strcmp(h, "hello"));
	close(g);
	CHECK_ERR(56, readlink("/proc/self/fd/77", tgt, sizeof tgt), ENOENT);
	CHECK_ERR(57, open("/dev/fd/77", O_RDONLY), ENOENT);
	snprintf(link, sizeof link, "/proc/%d/fd/50", (int)getpid());
	CHECK(58, readlink(link, tgt, sizeof tgt) == tl);
	close(50);
	close(fd);
	gt_rmtree(dir);
	printf("fd ok\n");

	/* The generated files are seq_file reads: no sendfile/splice source
	 * (-EINVAL: busybox cat then falls back to read), no mmap (-ENODEV). */
	static const char *const gen[] = {"/proc/self/maps", "/proc/self/status", "/proc/self/stat",
					  "/proc/self/cmdline", "/proc/self/auxv"};
	int devnull = open("/dev/null", O_WRONLY);
	CHECK(59, devnull >= 0);
	for (unsigned i = 0; i < sizeof gen / sizeof gen[0]; i++) {
		int g2 = open(gen[i], O_RDONLY);
		CHECK(60, g2 >= 0);
		CHECK_ERR(61, sendfile(devnull, g2, NULL, 4096), EINVAL);
		errno = 0;
		CHECK(62, mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, g2, 0) == MAP_FAILED && errno == ENODEV);
		char c;
		CHECK(63, read(g2, &c, 1) == 1);
		close(g2);
	}
	close(devnull);
	printf("generated files: no sendfile, no mmap\n");
	return 0;
}
