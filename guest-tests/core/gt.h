/* gt.h - tiny check harness shared by the guest tests in guest-tests/core.
 *
 * Every guest test is a plain C program (libc + Linux syscalls only) that
 * builds with `gcc -static`, `gcc -static-pie -fPIE` and `musl-gcc -static`.
 * It checks itself: on the first failed check it prints one line on stdout
 * and exits with that check's own code (1..99), otherwise it exits 0.
 * Output must be deterministic (no addresses, pids or times) because
 * tests/guest-tests.sh diffs the native stdout against the emulated one.
 */
#ifndef GT_H
#define GT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

/* CHECK(code, cond): exit(code) with a message when cond is false.  errno is
 * printed as a number only: strerror() texts differ between glibc and musl,
 * and a number is all a reader needs to compare two runs. */
#define CHECK(code, cond)                                                     \
	do {                                                                  \
		if (!(cond)) {                                                \
			int gt_errno_ = errno;                                \
			printf("FAIL %s:%d check %d: %s (errno %d)\n",        \
			       __FILE__, __LINE__, (code), #cond, gt_errno_); \
			fflush(stdout);                                       \
			exit(code);                                           \
		}                                                             \
	} while (0)

/* CHECK_ERR(code, expr, err): expr must fail with -1 and errno == err. */
#define CHECK_ERR(code, expr, err)                                            \
	do {                                                                  \
		errno = 0;                                                    \
		long gt_r_ = (long)(expr);                                    \
		CHECK(code, gt_r_ == -1 && errno == (err));                   \
	} while (0)

#define GT_PAGE 4096UL

/* A deterministic 64-bit generator (splitmix64) for test patterns. */
static inline uint64_t gt_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The last path component, without touching the argument (unlike the POSIX
 * basename(), whose glibc and musl versions differ). */
static inline const char *gt_base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* gt_tmpdir: make a fresh directory /tmp/gt-NAME-PID and return its path in
 * buf.  The pid keeps a native run and an emulated run (or two concurrent
 * runners) apart; it is never printed. */
static inline const char *gt_tmpdir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/gt-%s-%ld", name, (long)getpid());
	if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
		printf("FAIL cannot create %s (errno %d)\n", name, errno);
		exit(98);
	}
	return buf;
}

/* gt_rmtree: remove a directory tree made by a test (no symlink following). */
static inline void gt_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char sub[1024];
		size_t pl = strlen(path), nl;
		while (d && (e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			nl = strlen(e->d_name);
			if (pl + 1 + nl >= sizeof sub)
				continue;
			memcpy(sub, path, pl);
			sub[pl] = '/';
			memcpy(sub + pl + 1, e->d_name, nl + 1);
			gt_rmtree(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

#endif /* GT_H */
