/* fileio: regular-file I/O syscalls on a file in a private temp dir:
 * openat, read, write, lseek, pread/pwrite, readv/writev, fstat/stat/lstat,
 * O_APPEND, O_TRUNC, O_EXCL, ftruncate, and the usual errors. */
#include "gt.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

int main(void)
{
	char dir[256], path[512], buf[256];
	struct stat st, st2;
	struct iovec iov[3];
	char a[5], b[7], c[3];
	int dfd, fd;
	off_t off;

	gt_tmpdir("fileio", dir, sizeof dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(1, dfd >= 0);

	/* openat relative to a directory descriptor, write, read back. */
	fd = openat(dfd, "f.txt", O_RDWR | O_CREAT | O_EXCL, 0640);
	CHECK(2, fd >= 0);
	CHECK(3, write(fd, "hello, file\n", 12) == 12);
	CHECK(4, lseek(fd, 0, SEEK_CUR) == 12);
	CHECK(5, lseek(fd, 0, SEEK_SET) == 0);
	memset(buf, 0, sizeof buf);
	CHECK(6, read(fd, buf, sizeof buf) == 12);
	CHECK(7, memcmp(buf, "hello, file\n", 12) == 0);
	CHECK(8, read(fd, buf, sizeof buf) == 0); /* EOF */
	printf("read back: %s", buf);
	snprintf(path, sizeof path, "%s/f.txt", dir);
	CHECK_ERR(9, openat(dfd, "f.txt", O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);

	/* lseek variants; a hole past EOF reads as zeros. */
	CHECK(10, lseek(fd, -5, SEEK_END) == 7);
	CHECK(11, read(fd, buf, 5) == 5 && memcmp(buf, "file\n", 5) == 0);
	CHECK(12, lseek(fd, 100, SEEK_SET) == 100);
	CHECK(13, write(fd, "X", 1) == 1);
	CHECK(14, fstat(fd, &st) == 0 && st.st_size == 101);
	CHECK(15, pread(fd, buf, 10, 50) == 10);
	CHECK(16, memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) == 0);
	CHECK_ERR(17, lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(18, lseek(fd, 0, 42), EINVAL);

	/* pread/pwrite leave the file offset alone. */
	off = lseek(fd, 3, SEEK_SET);
	CHECK(19, off == 3);
	CHECK(20, pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK(21, pread(fd, buf, 5, 0) == 5 && memcmp(buf, "HELLO", 5) == 0);
	CHECK(22, lseek(fd, 0, SEEK_CUR) == 3);

	/* writev/readv gather and scatter in order. */
	CHECK(23, ftruncate(fd, 0) == 0);
	CHECK(24, lseek(fd, 0, SEEK_SET) == 0);
	iov[0].iov_base = "abcde";
	iov[0].iov_len = 5;
	iov[1].iov_base = "fghijkl";
	iov[1].iov_len = 7;
	iov[2].iov_base = "mno";
	iov[2].iov_len = 3;
	CHECK(25, writev(fd, iov, 3) == 15);
	CHECK(26, lseek(fd, 0, SEEK_SET) == 0);
	iov[0].iov_base = c;
	iov[0].iov_len = sizeof c;
	iov[1].iov_base = a;
	iov[1].iov_len = sizeof a;
	iov[2].iov_base = b;
	iov[2].iov_len = sizeof b;
	CHECK(27, readv(fd, iov, 3) == 15);
	CHECK(28, memcmp(c, "abc", 3) == 0 && memcmp(a, "defgh", 5) == 0 &&
			  memcmp(b, "ijklmno", 7) == 0);
	CHECK(29, preadv(fd, iov, 1, 12) == 3 && memcmp(c, "mno", 3) == 0);
	iov[0].iov_base = "Z";
	iov[0].iov_len = 1;
	CHECK(30, pwritev(fd, iov, 1, 14) == 1);

	/* fstat and stat agree; the mode is what we asked for, less the
	 * inherited umask. */
	CHECK(31, fstat(fd, &st) == 0);
	CHECK(32, stat(path, &st2) == 0);
	CHECK(33, st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	CHECK(34, S_ISREG(st.st_mode) && st.st_size == 15 && st.st_nlink == 1);
	{
		mode_t um = umask(022);
		umask(um);
		CHECK(35, (st.st_mode & 0777) == (0640 & ~um));
	}
	CHECK(36, st.st_blksize > 0);
	CHECK(37, lstat(path, &st2) == 0 && S_ISREG(st2.st_mode));
	CHECK(38, fstatat(dfd, "f.txt", &st2, 0) == 0 && st2.st_ino == st.st_ino);
	printf("size after writev: %lld\n", (long long)st.st_size);
	CHECK(39, close(fd) == 0);
	CHECK_ERR(40, close(fd), EBADF);

	/* O_APPEND writes at the end whatever the offset. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(41, fd >= 0);
	CHECK(42, lseek(fd, 0, SEEK_SET) == 0);
	CHECK(43, write(fd, "+tail", 5) == 5);
	CHECK(44, fstat(fd, &st) == 0 && st.st_size == 20);
	CHECK_ERR(45, read(fd, buf, 1), EBADF); /* write-only */
	close(fd);

	/* Whole content now. */
	fd = open(path, O_RDONLY);
	CHECK(46, fd >= 0);
	memset(buf, 0, sizeof buf);
	CHECK(47, read(fd, buf, sizeof buf) == 20);
	printf("content: %s\n", buf);
	CHECK_ERR(48, write(fd, "x", 1), EBADF); /* read-only */
	close(fd);

	/* O_TRUNC empties it. */
	fd = open(path, O_RDWR | O_TRUNC);
	CHECK(49, fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);

	/* A bigger file in odd-sized chunks. */
	fd = open(path, O_RDWR | O_TRUNC);
	CHECK(50, fd >= 0);
	{
		static unsigned char big[300000], back[300000];
		size_t i, done = 0;
		for (i = 0; i < sizeof big; i++)
			big[i] = (unsigned char)gt_mix(i);
		while (done < sizeof big) {
			size_t n = sizeof big - done < 12345 ? sizeof big - done : 12345;
			CHECK(51, write(fd, big + done, n) == (ssize_t)n);
			done += n;
		}
		CHECK(52, pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back);
		CHECK(53, memcmp(big, back, sizeof big) == 0);
	}
	close(fd);

	/* Errors on paths. */
	CHECK_ERR(54, open("/nonexistent/dir/file", O_RDONLY), ENOENT);
	CHECK_ERR(55, openat(dfd, "f.txt/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(56, open(dir, O_WRONLY), EISDIR);
	CHECK_ERR(57, read(-1, buf, 1), EBADF);
	CHECK_ERR(58, fstat(12345, &st), EBADF);
	CHECK_ERR(59, stat("", &st), ENOENT);

	close(dfd);
	gt_rmtree(dir);
	printf("fileio ok\n");
	return 0;
}
