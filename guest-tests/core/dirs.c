/* dirs: directory syscalls in a private temp dir: mkdir(at), getdents64
 * through opendir/readdir (names printed sorted), rename(at), unlink(at),
 * rmdir, symlink/readlink, access/faccessat, getcwd/chdir/fchdir, and
 * readlink("/proc/self/exe"). */
#include "gt.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *what, const char *path)
{
	char *names[64];
	int n = 0, i;
	struct dirent *e;
	DIR *d = opendir(path);

	CHECK(90, d != NULL);
	while ((e = readdir(d)) != NULL) {
		CHECK(91, n < 64);
		/* d_type comes from getdents64 on every Linux filesystem we use. */
		names[n] = malloc(strlen(e->d_name) + 4);
		CHECK(92, names[n] != NULL);
		sprintf(names[n], "%s%s", e->d_name,
			e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "");
		n++;
	}
	CHECK(93, closedir(d) == 0);
	qsort(names, (size_t)n, sizeof names[0], cmp);
	printf("%s:", what);
	for (i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void touch(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(94, fd >= 0);
	CHECK(95, write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

int main(int argc, char **argv)
{
	char dir[256], path[600], cwd0[PATH_MAX], cwd[PATH_MAX], link[PATH_MAX];
	struct stat st;
	int dfd, i;
	ssize_t n;

	(void)argc;
	gt_tmpdir("dirs", dir, sizeof dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(1, dfd >= 0);

	/* mkdir and friends. */
	snprintf(path, sizeof path, "%s/sub", dir);
	CHECK(2, mkdir(path, 0755) == 0);
	CHECK_ERR(3, mkdir(path, 0755), EEXIST);
	CHECK(4, mkdirat(dfd, "sub/deeper", 0700) == 0);
	CHECK(5, stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	touch(dfd, "a.txt", "alpha\n");
	touch(dfd, "b.txt", "bravo\n");
	touch(dfd, "sub/c.txt", "charlie\n");
	/* Many entries, so getdents64 needs more than one small record run. */
	for (i = 0; i < 40; i++) {
		char nm[32];
		snprintf(nm, sizeof nm, "sub/deeper/f%02d", i);
		touch(dfd, nm, "x");
	}
	CHECK(6, symlinkat("a.txt", dfd, "link-to-a") == 0);
	list("top", dir);
	snprintf(path, sizeof path, "%s/sub", dir);
	list("sub", path);
	snprintf(path, sizeof path, "%s/sub/deeper", dir);
	list("deeper", path);

	/* readlink on our symlink and on /proc/self/exe. */
	n = readlinkat(dfd, "link-to-a", link, sizeof link);
	CHECK(7, n == 5 && memcmp(link, "a.txt", 5) == 0);
	CHECK_ERR(8, readlinkat(dfd, "a.txt", link, sizeof link), EINVAL);
	n = readlink("/proc/self/exe", link, sizeof link - 1);
	CHECK(9, n > 0);
	link[n] = 0;
	CHECK(10, link[0] == '/');
	CHECK(11, strcmp(gt_base(link), gt_base(argv[0])) == 0);
	CHECK(12, lstat(dir, &st) == 0);
	snprintf(path, sizeof path, "%s/link-to-a", dir);
	CHECK(13, lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 5);
	CHECK(14, stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6);

	/* access / faccessat. */
	CHECK(15, access(dir, F_OK) == 0);
	CHECK(16, faccessat(dfd, "a.txt", R_OK | W_OK, 0) == 0);
	CHECK_ERR(17, faccessat(dfd, "nope", F_OK, 0), ENOENT);
	CHECK(18, access("/", X_OK) == 0);

	/* rename within and across directories, and over an existing file. */
	CHECK(19, renameat(dfd, "a.txt", dfd, "sub/a-moved.txt") == 0);
	CHECK_ERR(20, faccessat(dfd, "a.txt", F_OK, 0), ENOENT);
	snprintf(path, sizeof path, "%s/b.txt", dir);
	{
		char to[700];
		snprintf(to, sizeof to, "%s/sub/c.txt", dir);
		CHECK(21, rename(path, to) == 0); /* replaces c.txt */
		{
			char t[16] = {0};
			int fd = open(to, O_RDONLY);
			CHECK(22, fd >= 0 && read(fd, t, sizeof t - 1) == 6);
			close(fd);
			CHECK(23, strcmp(t, "bravo\n") == 0);
		}
	}
	list("after renames, top", dir);
	snprintf(path, sizeof path, "%s/sub", dir);
	list("after renames, sub", path);

	/* getcwd/chdir/fchdir. */
	CHECK(24, getcwd(cwd0, sizeof cwd0) != NULL);
	CHECK(25, chdir(dir) == 0);
	CHECK(26, getcwd(cwd, sizeof cwd) != NULL);
	CHECK(27, strcmp(cwd, dir) == 0);
	CHECK(28, chdir("sub/deeper") == 0);
	CHECK(29, getcwd(cwd, sizeof cwd) != NULL);
	printf("cwd tail: %s\n", cwd + strlen(dir));
	CHECK(30, chdir("..") == 0 && access("c.txt", F_OK) == 0);
	CHECK(31, fchdir(dfd) == 0 && access("sub", F_OK) == 0);
	CHECK_ERR(32, chdir("a.txt-none"), ENOENT);
	errno = 0;
	CHECK(33, getcwd(cwd, 2) == NULL && errno == ERANGE);

	/* unlink / rmdir, with the errors on the way. */
	CHECK_ERR(34, rmdir("sub"), ENOTEMPTY);
	CHECK_ERR(35, unlink("sub"), EISDIR);
	for (i = 0; i < 40; i++) {
		char nm[32];
		snprintf(nm, sizeof nm, "sub/deeper/f%02d", i);
		CHECK(36, unlink(nm) == 0);
	}
	CHECK(37, unlinkat(dfd, "sub/deeper", AT_REMOVEDIR) == 0);
	CHECK(38, unlink("sub/c.txt") == 0 && unlink("sub/a-moved.txt") == 0);
	CHECK_ERR(39, unlink("sub/c.txt"), ENOENT);
	CHECK(40, rmdir("sub") == 0);
	CHECK(41, unlink("link-to-a") == 0);
	list("emptied", ".");
	CHECK(42, chdir(cwd0) == 0);
	CHECK(43, rmdir(dir) == 0);
	CHECK_ERR(44, fstatat(dfd, "x", &st, 0), ENOENT); /* dir is gone, fd lives */
	close(dfd);
	printf("dirs ok\n");
	return 0;
}
