/* fileops2.c - sendfile, copy_file_range, memfd_create (+ mmap of it),
 * syncfs, chown family, times, getrusage. */
#include "gt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/times.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif

static long memfd(const char *name, unsigned flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
	char dir[256], a[300], b[300], buf[8192];
	gt_tmpdir("fileops2", dir, sizeof dir);
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);

	/* sendfile with and without an offset */
	int fa = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(1, fa >= 0);
	for (int i = 0; i < 8192; i++)
		buf[i] = (char)('a' + i % 26);
	CHECK(2, write(fa, buf, 8192) == 8192);
	int fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(3, fb >= 0);
	off_t off = 100;
	CHECK(4, sendfile(fb, fa, &off, 1000) == 1000);
	CHECK(5, off == 1100);
	CHECK(6, lseek(fa, 0, SEEK_CUR) == 8192);
	lseek(fa, 8000, SEEK_SET);
	CHECK(7, sendfile(fb, fa, NULL, 1000) == 192);
	CHECK(8, lseek(fa, 0, SEEK_CUR) == 8192);
	char r[1192];
	CHECK(9, pread(fb, r, sizeof r, 0) == 1192);
	CHECK(10, !memcmp(r, buf + 100, 1000) && !memcmp(r + 1000, buf + 8000, 192));
	CHECK_ERR(11, sendfile(fb, 999, NULL, 10), EBADF);
	CHECK_ERR(12, sendfile(fb, fa, (off_t *)8, 10), EFAULT);

	/* copy_file_range */
	loff_t oi = 10, oo = 0;
	long n = syscall(SYS_copy_file_range, fa, &oi, fb, &oo, (size_t)50, 0u);
	CHECK(13, n == 50 && oi == 60 && oo == 50);
	CHECK(14, pread(fb, r, 50, 0) == 50 && !memcmp(r, buf + 10, 50));
	CHECK_ERR(15, syscall(SYS_copy_file_range, fa, &oi, fb, &oo, (size_t)5, 1u), EINVAL);
	printf("sendfile, copy_file_range ok\n");

	/* memfd_create: a regular file, sealing, mmap shared and private */
	int m = (int)memfd("gt-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(20, m >= 0);
	CHECK(21, fcntl(m, F_GETFD) == FD_CLOEXEC);
	struct stat st;
	CHECK(22, fstat(m, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK(23, ftruncate(m, 3 * 4096) == 0);
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	CHECK(24, p != MAP_FAILED);
	strcpy(p + 4096, "through the mapping");
	/* pagemu's MAP_SHARED pages reach the file at msync/munmap (README) */
	CHECK(44, msync(p, 3 * 4096, MS_SYNC) == 0);
	CHECK(25, pread(m, r, 19, 4096) == 19 && !memcmp(r, "through the mapping", 19));
	CHECK(26, pwrite(m, "via write", 9, 8192) == 9);
	CHECK(27, !memcmp(p + 8192, "via write", 9));
	char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, m, 4096);
	CHECK(28, q != MAP_FAILED && !strcmp(q, "through the mapping"));
	q[0] = 'T';
	CHECK(29, p[4096] == 't');
	CHECK(30, munmap(q, 4096) == 0 && munmap(p, 3 * 4096) == 0);
	CHECK(31, fcntl(m, F_GET_SEALS) == 0);
	CHECK(32, fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	CHECK(33, fcntl(m, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW));
	CHECK_ERR(34, ftruncate(m, 4096), EPERM);
	int m2 = (int)memfd("plain", 0);
	CHECK(35, m2 >= 0 && fcntl(m2, F_GETFD) == 0);
	CHECK(36, fcntl(m2, F_GET_SEALS) == F_SEAL_SEAL);
	CHECK_ERR(37, fcntl(m2, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	char lname[300];
	memset(lname, 'x', 250);
	lname[250] = 0;
	CHECK_ERR(38, memfd(lname, 0), EINVAL);
	lname[249] = 0;
	int m3 = (int)memfd(lname, 0);
	CHECK(39, m3 >= 0);
	CHECK_ERR(40, memfd("bad", 0x100), EINVAL);
	char link[64], target[400];
	snprintf(link, sizeof link, "/proc/self/fd/%d", m2);
	ssize_t tl = readlink(link, target, sizeof target - 1);
	CHECK(41, tl > 0);
	target[tl] = 0;
	CHECK(42, !strncmp(target, "/memfd:plain", 12));
	close(m);
	close(m2);
	close(m3);
	printf("memfd_create ok\n");

	/* fsync family, chown family (to our own ids: allowed unprivileged) */
	CHECK(50, fdatasync(fb) == 0 && fsync(fb) == 0 && syncfs(fb) == 0);
	CHECK(51, fchown(fa, getuid(), getgid()) == 0);
	CHECK(52, chown(a, (uid_t)-1, (gid_t)-1) == 0);
	CHECK(53, lchown(a, getuid(), (gid_t)-1) == 0);
	CHECK(54, fchownat(AT_FDCWD, a, getuid(), getgid(), AT_SYMLINK_NOFOLLOW) == 0);
	CHECK_ERR(55, fchownat(AT_FDCWD, a, getuid(), getgid(), 0x4), EINVAL);
	CHECK_ERR(56, chown("/nonexistent/x", 0, 0), ENOENT);
	CHECK_ERR(57, fchown(999, 0, 0), EBADF);
	printf("sync, chown ok\n");

	/* times, getrusage */
	struct tms t;
	clock_t c = times(&t);
	CHECK(60, c != (clock_t)-1 && t.tms_utime >= 0);
	struct rusage ru0, ru1;
	CHECK(61, getrusage(RUSAGE_SELF, &ru0) == 0);
	char *z = mmap(NULL, 200 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(62, z != MAP_FAILED);
	madvise(z, 200 * 4096, MADV_NOHUGEPAGE);
	for (int i = 0; i < 200; i++)
		z[i * 4096] = 1;
	CHECK(63, getrusage(RUSAGE_SELF, &ru1) == 0);
	CHECK(64, ru1.ru_minflt - ru0.ru_minflt >= 200);
	CHECK(65, ru1.ru_minflt - ru0.ru_minflt < 400);
	CHECK(66, ru1.ru_maxrss > 0);
	CHECK(67, getrusage(RUSAGE_CHILDREN, &ru1) == 0);
	CHECK_ERR(68, getrusage(5, &ru1), EINVAL);
	printf("times, getrusage ok\n");

	close(fa);
	close(fb);
	gt_rmtree(dir);
	return 0;
}
