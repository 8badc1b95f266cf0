/* fdops: descriptor-table syscalls: dup/dup2/dup3, fcntl (F_DUPFD,
 * F_DUPFD_CLOEXEC, F_GETFD/F_SETFD, F_GETFL/F_SETFL), pipe2 within one
 * process (blocking and O_NONBLOCK), and the lowest-free-fd rule. */
#include "gt.h"
#include <fcntl.h>
#include <sys/syscall.h>

int main(void)
{
	int p[2], fd, fd2, fl;
	char buf[70000];
	ssize_t n;
	size_t i, total;

	/* pipe2: data goes through in order. */
	CHECK(1, pipe2(p, 0) == 0);
	CHECK(2, p[0] >= 3 && p[1] >= 3 && p[0] != p[1]);
	CHECK(3, write(p[1], "ping", 4) == 4);
	CHECK(4, write(p[1], "pong", 4) == 4);
	CHECK(5, read(p[0], buf, sizeof buf) == 8 && memcmp(buf, "pingpong", 8) == 0);

	/* dup gives the lowest free descriptor and shares the pipe. */
	fd = dup(p[1]);
	CHECK(6, fd > p[1] || fd > p[0]);
	CHECK(7, write(fd, "via dup", 7) == 7);
	CHECK(8, read(p[0], buf, 7) == 7 && memcmp(buf, "via dup", 7) == 0);
	close(fd);
	CHECK(9, dup(p[1]) == fd); /* the same number comes back */
	close(fd);

	/* dup2 onto a chosen number, dup2 to itself, dup3 flags. */
	CHECK(10, dup2(p[1], 50) == 50);
	CHECK(11, fcntl(50, F_GETFD) == 0); /* dup2 clears FD_CLOEXEC */
	CHECK(12, dup2(50, 50) == 50);
	CHECK(13, dup3(p[1], 51, O_CLOEXEC) == 51);
	CHECK(14, fcntl(51, F_GETFD) == FD_CLOEXEC);
	CHECK_ERR(15, dup3(51, 51, 0), EINVAL);
	/* unknown flag (raw syscall: musl's dup3() ignores unknown flags) */
	CHECK_ERR(16, syscall(SYS_dup3, p[1], 52, 0x4), EINVAL);
	CHECK_ERR(17, dup2(p[1], -1), EBADF);
	CHECK_ERR(18, dup(999), EBADF);
	CHECK(19, write(51, "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x');
	close(50);
	close(51);

	/* fcntl F_DUPFD: lowest free >= arg. */
	fd = fcntl(p[0], F_DUPFD, 40);
	CHECK(20, fd == 40);
	fd2 = fcntl(p[0], F_DUPFD, 40);
	CHECK(21, fd2 == 41);
	close(fd);
	CHECK(22, fcntl(p[0], F_DUPFD_CLOEXEC, 40) == 40);
	CHECK(23, fcntl(40, F_GETFD) == FD_CLOEXEC);
	CHECK(24, fcntl(40, F_SETFD, 0) == 0 && fcntl(40, F_GETFD) == 0);
	close(40);
	close(fd2);
	CHECK_ERR(25, fcntl(999, F_GETFD), EBADF);

	/* File status flags. */
	fl = fcntl(p[0], F_GETFL);
	CHECK(26, fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && !(fl & O_NONBLOCK));
	CHECK(27, (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
	CHECK(28, fcntl(p[0], F_SETFL, fl | O_NONBLOCK) == 0);
	CHECK(29, fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_ERR(30, read(p[0], buf, 1), EAGAIN);
	close(p[0]);
	close(p[1]);

	/* pipe2 with O_NONBLOCK | O_CLOEXEC, filled to capacity. */
	CHECK(31, pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
	CHECK(32, fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	CHECK(33, (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
	memset(buf, 'q', sizeof buf);
	total = 0;
	while ((n = write(p[1], buf, 4096)) > 0)
		total += (size_t)n;
	CHECK(34, n == -1 && errno == EAGAIN);
	CHECK(35, total >= 4096 && total % 4096 == 0);
	for (i = 0; i < total; i += (size_t)n) {
		n = read(p[0], buf, sizeof buf);
		CHECK(36, n > 0);
	}
	CHECK(37, i == total);
	CHECK_ERR(38, read(p[0], buf, 1), EAGAIN);
	/* Closing the write end gives EOF on the read end. */
	close(p[1]);
	CHECK(39, read(p[0], buf, 1) == 0);
	close(p[0]);
	CHECK_ERR(40, pipe2(p, 0x12345678 & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT)), EINVAL);

	/* stdin/stdout/stderr are open (the runner gives all three). */
	CHECK(41, fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0);
	/* Descriptor numbers are reused lowest-first after close. */
	fd = dup(1);
	fd2 = dup(1);
	CHECK(42, fd2 == fd + 1);
	close(fd);
	CHECK(43, dup(1) == fd);
	close(fd);
	close(fd2);
	printf("fdops ok\n");
	return 0;
}
