/* fsmore: creat, openat2, mknod/mknodat (a FIFO), utime/utimes/futimesat,
 * extended attributes, and credentials: set*id to the same ids,
 * setgroups, setfsuid, capget's version probe, get_robust_list. */
#include "gt.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>
#include <grp.h>

static char dir[] = "/tmp/gt-fsmore-XXXXXX";
static char f1[80], f2[80], fifo[80], fifo2[80];

static void cleanup(void)
{
	unlink(f1);
	unlink(f2);
	unlink(fifo);
	unlink(fifo2);
	rmdir(dir);
}

int main(void)
{
	struct stat st;
	CHECK(1, mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(f1, sizeof f1, "%s/creat", dir);
	snprintf(f2, sizeof f2, "%s/openat2", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	snprintf(fifo2, sizeof fifo2, "%s/fifo2", dir);

	/* creat: O_CREAT|O_WRONLY|O_TRUNC */
	int fd = (int)syscall(SYS_creat, f1, 0640);
	CHECK(2, fd >= 0 && write(fd, "abc", 3) == 3);
	CHECK(3, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
	char b[8];
	CHECK_ERR(4, read(fd, b, 1), EBADF);
	close(fd);
	CHECK(5, stat(f1, &st) == 0 && st.st_size == 3 && (st.st_mode & 0777) == 0640);
	fd = (int)syscall(SYS_creat, f1, 0600);
	CHECK(6, fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);
	printf("creat ok\n");

	/* openat2 */
#ifdef SYS_openat2
	struct { unsigned long long flags, mode, resolve; } how = {O_CREAT | O_RDWR | O_CLOEXEC, 0600, 0};
	fd = (int)syscall(SYS_openat2, AT_FDCWD, f2, &how, sizeof how);
	CHECK(7, fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
	how.flags = O_RDONLY;
	how.mode = 0600;
	CHECK_ERR(8, syscall(SYS_openat2, AT_FDCWD, f2, &how, sizeof how), EINVAL);
	how.mode = 0;
	CHECK_ERR(9, syscall(SYS_openat2, AT_FDCWD, f2, &how, 8), EINVAL);
	how.resolve = 0x08; /* RESOLVE_BENEATH: an absolute path escapes */
	CHECK_ERR(10, syscall(SYS_openat2, AT_FDCWD, f2, &how, sizeof how), EXDEV);
	how.resolve = 0;
	CHECK_ERR(11, syscall(SYS_openat2, AT_FDCWD, f2, (void *)8, sizeof how), EFAULT);
#endif
	printf("openat2 ok\n");

	/* mknod / mknodat: FIFOs */
	CHECK(12, mknod(fifo, S_IFIFO | 0600, 0) == 0 && stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(13, dfd >= 0 && mknodat(dfd, "fifo2", S_IFIFO | 0644, 0) == 0);
	CHECK(14, fstatat(dfd, "fifo2", &st, 0) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644);
	CHECK_ERR(15, mknod(fifo, S_IFIFO | 0600, 0), EEXIST);
	printf("mknod ok\n");

	/* utime, utimes, futimesat */
	struct utimbuf ub = {1000000000, 1234567890};
	CHECK(16, utime(f1, &ub) == 0 && stat(f1, &st) == 0 && st.st_mtime == 1234567890 &&
		  st.st_atime == 1000000000);
	struct timeval tv[2] = {{1111111111, 500000}, {1222222222, 250000}};
	CHECK(17, utimes(f1, tv) == 0 && stat(f1, &st) == 0 && st.st_mtime == 1222222222 &&
		  st.st_mtim.tv_nsec == 250000000);
	tv[1].tv_usec = 1000000;
	CHECK_ERR(18, utimes(f1, tv), EINVAL);
	tv[1].tv_usec = 0;
	CHECK(19, syscall(SYS_futimesat, dfd, "creat", tv) == 0 && stat(f1, &st) == 0 &&
		  st.st_mtime == 1222222222 && st.st_mtim.tv_nsec == 0);
	CHECK_ERR(20, utime("/nonexistent/x", &ub), ENOENT);
	printf("utime ok\n");

	/* extended attributes (where the filesystem has user.*) */
	int r = setxattr(f1, "user.pagemu", "value1", 6, 0);
	if (r == 0) {
		char v[32];
		CHECK(21, getxattr(f1, "user.pagemu", v, sizeof v) == 6 && memcmp(v, "value1", 6) == 0);
		CHECK(22, getxattr(f1, "user.pagemu", NULL, 0) == 6);
		CHECK_ERR(23, getxattr(f1, "user.pagemu", v, 2), ERANGE);
		CHECK_ERR(24, setxattr(f1, "user.pagemu", "x", 1, XATTR_CREATE), EEXIST);
		CHECK_ERR(25, setxattr(f1, "user.other", "x", 1, XATTR_REPLACE), ENODATA);
		char list[256];
		ssize_t n = listxattr(f1, list, sizeof list);
		CHECK(26, n > 0 && memmem(list, (size_t)n, "user.pagemu", 12) != NULL);
		fd = open(f1, O_RDONLY);
		CHECK(27, fd >= 0 && fgetxattr(fd, "user.pagemu", v, sizeof v) == 6);
		CHECK(28, fremovexattr(fd, "user.pagemu") == 0);
		CHECK_ERR(29, fgetxattr(fd, "user.pagemu", v, sizeof v), ENODATA);
		close(fd);
		CHECK_ERR(30, lgetxattr(f1, "", v, sizeof v), ERANGE);
		printf("xattr ok\n");
	} else {
		printf("xattr: errno %d\n", errno);
	}
	CHECK_ERR(31, getxattr(f1, (char *)8, NULL, 0), EFAULT);

	/* credentials, to the same values */
	uid_t ru, eu, su;
	CHECK(32, getresuid(&ru, &eu, &su) == 0);
	CHECK(33, setresuid(ru, eu, su) == 0 && setreuid(-1, -1) == 0);
	CHECK(34, setuid(geteuid()) == 0 || errno == EPERM);
	CHECK(35, setgid(getegid()) == 0 || errno == EPERM);
	CHECK(36, (uid_t)syscall(SYS_setfsuid, -1) == geteuid() && (gid_t)syscall(SYS_setfsgid, -1) == getegid());
	gid_t g[64];
	int ng = getgroups(64, g);
	CHECK(37, ng >= 0);
	r = setgroups((size_t)ng, g);
	CHECK(38, r == 0 || errno == EPERM);
	CHECK_ERR(39, syscall(SYS_setgroups, -1, g), EINVAL);
	struct { unsigned version; int pid; } hdr = {0, 0};
	/* kernel/capability.c: a probe (NULL data) with an unknown version
	 * gets the preferred one written back and 0 */
	CHECK(40, syscall(SYS_capget, &hdr, NULL) == 0);
	CHECK(41, hdr.version == 0x20080522);
	unsigned v1[3];
	hdr.version = 0x12345678;
	CHECK_ERR(40, syscall(SYS_capget, &hdr, v1), EINVAL);
	CHECK(41, hdr.version == 0x20080522);
	unsigned caps[6];
	CHECK(42, syscall(SYS_capget, &hdr, caps) == 0);
	printf("credentials ok\n");

	void *head;
	size_t len;
	CHECK(43, syscall(SYS_get_robust_list, 0, &head, &len) == 0 && len == 24);
	CHECK_ERR(44, syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT);
	printf("get_robust_list ok\n");
	close(dfd);
	return 0;
}
