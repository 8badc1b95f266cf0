/*
 * sys_fs_path.c - syscalls that take path names: open*, stat family,
 * access, the directory and link calls, readlink*, getcwd/chdir, statfs,
 * utimensat.  Descriptor-only calls are in sys_fs.c.
 *
 * Paths are copied in with strncpy_from_user (PATH_MAX, -ENAMETOOLONG) and
 * handed to the host's *at calls.  A guest dirfd becomes its host fd; since
 * the host's cwd is the guest's, AT_FDCWD passes through.  Paths that could
 * reach /proc are offered to procfs first, which generates the files whose
 * content is pagemu's state (/proc/self/maps, exe, ...).
 *
 * Where the glibc wrapper would change the kernel's behaviour (faccessat
 * flags, fchmodat, utimensat with a NULL path, renameat2, statx), the raw
 * host syscall is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "process.h"
#include "procfs.h"
#include "syscall.h"
#include "uaccess.h"

/* include/uapi/linux/limits.h */
#define LINUX_PATH_MAX 4096
/* include/uapi/linux/magic.h */
#define LINUX_PROC_SUPER_MAGIC 0x9fa0
/* include/uapi/linux/fcntl.h */
#define LINUX_AT_STATX_SYNC_TYPE 0x6000
#define LINUX_AT_EACCESS 0x200
/* include/uapi/linux/stat.h */
#define LINUX_STATX__RESERVED 0x80000000u
/* include/uapi/linux/fs.h */
#define LINUX_RENAME_NOREPLACE 1u
#define LINUX_RENAME_EXCHANGE 2u
#define LINUX_RENAME_WHITEOUT 4u
/* include/linux/stat.h */
#define LINUX_S_IRWXUGO 0777

/* Room for a /proc directory's path, '/', and a guest path. */
#define PROC_ABS_MAX (2 * LINUX_PATH_MAX + 2)

_Static_assert(AT_FDCWD == -100, "AT_FDCWD");
_Static_assert(sizeof(struct stat) == 144, "x86-64 struct stat");
_Static_assert(sizeof(struct statx) == 256, "struct statx");
_Static_assert(sizeof(struct statfs) == 120, "x86-64 struct statfs");
_Static_assert(sizeof(struct timespec) == 16, "struct __kernel_timespec");

/* fs/namei.c: getname() - 0, -EFAULT or -ENAMETOOLONG (PATH_MAX counts the
 * NUL).  An empty name is left to the host, which says -ENOENT unless the
 * call allows AT_EMPTY_PATH. */
static long getname(struct pagemu *pm, uint64_t upath, char *buf)
{
    long n = strncpy_from_user(pm, buf, upath, LINUX_PATH_MAX);

    return n < 0 ? n : 0;
}

/*
 * The host dirfd for a guest (dfd, path) pair.  fs/namei.c: path_init()
 * never looks at dfd for an absolute path, so a bad dfd is no error then.
 * path may be NULL (utimensat, AT_EMPTY_PATH): dfd is used.
 */
static long host_dirfd(struct pagemu *pm, uint64_t udfd, const char *path,
                       int *hd)
{
    int dfd = (int)udfd;   /* the syscalls take `int dfd` */
    int h;

    if ((path && path[0] == '/') || dfd == AT_FDCWD) {
        *hd = AT_FDCWD;
        return 0;
    }
    h = fd_host(pm, dfd);
    if (h < 0)
        return h;
    *hd = h;
    return 0;
}

/* fs/namei.c: user_path_at() - the guest's name into path, then the host
 * dirfd it is relative to: getname() and host_dirfd() in one, the order
 * every *at call checks them in. */
static long user_path_at(struct pagemu *pm, uint64_t udfd, uint64_t upath, char *path,
                         int *hd)
{
    long err = getname(pm, upath, path);

    return err ? err : host_dirfd(pm, udfd, path, hd);
}

/* ---- paths that may lead into /proc ----------------------------------- */

/*
 * Whether the host's cwd lies under /proc: -1 unknown, 0 no, 1 yes.  The
 * cwd belongs to the host process, and the guest's chdir/fchdir are the
 * only calls that change it while a guest runs, so one per-process value is
 * right; they reset it.  It spares relative opens a getcwd in the common case.
 */
static atomic_int cwd_in_proc = -1;

static bool is_under_proc(const char *abs)
{
    return strncmp(abs, "/proc", 5) == 0 && (abs[5] == '/' || abs[5] == '\0');
}

/*
 * Lexically normalise an absolute path in place: no empty or "."
 * components, ".." drops the previous one.  Only used to recognise procfs
 * names, where the symlinks involved (self, thread-self) resolve to
 * directories directly under /proc, so ".." behaves lexically there too.
 */
static void normalise_path(char *p)
{
    const char *in = p;
    size_t wl = 0;

    while (*in) {
        const char *c;
        size_t cl;

        while (*in == '/')
            in++;
        if (!*in)
            break;
        c = in;
        while (*in && *in != '/')
            in++;
        cl = (size_t)(in - c);
        if (cl == 1 && c[0] == '.')
            continue;
        if (cl == 2 && c[0] == '.' && c[1] == '.') {
            while (wl > 0 && p[wl - 1] != '/')
                wl--;
            if (wl > 0)
                wl--;
            continue;
        }
        /* The write cursor never passes the read cursor. */
        p[wl++] = '/';
        memmove(p + wl, c, cl);
        wl += cl;
    }
    if (wl == 0)
        p[wl++] = '/';
    p[wl] = '\0';
}

/*
 * Could (hd, path) name something under /proc?  If so, put its absolute,
 * normalised form in abs (PROC_ABS_MAX bytes) for procfs.  An absolute path
 * costs a strstr; a relative one against the cwd a cached flag, and against
 * a dirfd one fstatfs (a readlink of /proc/self/fd/N only if that is procfs).
 */
static bool proc_candidate(int hd, const char *path, char *abs)
{
    size_t pl = strlen(path), dl;

    if (path[0] == '/') {
        /* /dev/fd is a link to /proc/self/fd and /dev/std{in,out,err} to
         * its entries (udev, systemd's static nodes); resolve them for
         * the guest's fds, not the emulator's. */
        static const char *const devfd[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
        for (int i = 0; i < 3; i++)
            if (!strcmp(path, devfd[i])) {
                snprintf(abs, PROC_ABS_MAX, "/proc/self/fd/%d", i);
                return true;
            }
        if (!strcmp(path, "/dev/fd")) {
            snprintf(abs, PROC_ABS_MAX, "/proc/self/fd");
            return true;
        }
        if (!strncmp(path, "/dev/fd/", 8) && pl < PROC_ABS_MAX - 16) {
            snprintf(abs, PROC_ABS_MAX, "/proc/self/fd/%s", path + 8);
            normalise_path(abs);
            return is_under_proc(abs);
        }
        if (!strstr(path, "proc"))
            return false;
        memcpy(abs, path, pl + 1);
    } else {
        if (pl == 0)
            return false;
        if (hd == AT_FDCWD) {
            int s = atomic_load(&cwd_in_proc);

            if (s == 0)
                return false;
            if (!getcwd(abs, LINUX_PATH_MAX)) {
                return false;
            }
            s = is_under_proc(abs);
            atomic_store(&cwd_in_proc, s);
            if (!s)
                return false;
        } else {
            struct statfs sf;
            char link[40];
            ssize_t n;

            if (fstatfs(hd, &sf) < 0 || sf.f_type != LINUX_PROC_SUPER_MAGIC)
                return false;
            snprintf(link, sizeof(link), "/proc/self/fd/%d", hd);
            n = readlink(link, abs, LINUX_PATH_MAX - 1);
            if (n <= 0)
                return false;
            abs[n] = '\0';
            if (abs[0] != '/')
                return false;
        }
        dl = strlen(abs);
        if (dl + 1 + pl + 1 > PROC_ABS_MAX)
            return false;
        abs[dl] = '/';
        memcpy(abs + dl + 1, path, pl + 1);
    }
    normalise_path(abs);
    return is_under_proc(abs);
}

/*
 * stat() through /proc/self/fd/N (or /dev/fd/N) follows the link to the
 * guest's fd N: the host fd behind it, or -ENOENT when N is not open.
 * Returns PROCFS_NOT_MINE when abs is not such a path.
 */
static long guest_fd_link(struct pagemu *pm, const char *abs)
{
    char own[48];
    const char *rest = NULL;
    int n = snprintf(own, sizeof(own), "/proc/%d/fd/", (int)getpid());
    if (!strncmp(abs, "/proc/self/fd/", 14))
        rest = abs + 14;
    else if (!strncmp(abs, "/proc/thread-self/fd/", 21))
        rest = abs + 21;
    else if (n > 0 && !strncmp(abs, own, (size_t)n))
        rest = abs + n;
    if (!rest || !*rest)
        return PROCFS_NOT_MINE;
    char *end;
    long gfd = strtol(rest, &end, 10);
    if (*end || gfd < 0)
        return PROCFS_NOT_MINE;
    int h = fd_host(pm, gfd);
    return h < 0 ? -ENOENT : h;
}

/*
 * For the stat family: a path naming the guest's fd N through /proc/self/fd
 * (or /dev/fd) becomes the host's /proc/self/fd/H for the host fd H behind
 * it, so that following it reaches the same file and not following it
 * gives the link (fs/proc/fd.c).  0 when p is something else, 1 with the
 * host path in hp, or -ENOENT for an fd that is not open.
 */
static long guest_fd_path(struct pagemu *pm, int hd, const char *p, char *hp, size_t len)
{
    char abs[PROC_ABS_MAX];
    if (!p || !proc_candidate(hd, p, abs))
        return 0;
    long h = guest_fd_link(pm, abs);
    if (h == PROCFS_NOT_MINE)
        return 0;
    if (h < 0)
        return h;
    snprintf(hp, len, "/proc/self/fd/%ld", h);
    return 1;
}

/* ---- open ------------------------------------------------------------- */

/*
 * fs/open.c: do_sys_openat2().  Flags go to the host as given (it applies
 * build_open_flags() itself), plus O_CLOEXEC so the emulator never leaks the
 * fd; the guest's O_CLOEXEC is kept in its own fd table.
 */
long path_open_host(struct pagemu *pm, uint64_t udfd, const char *path, int flags,
                    mode_t mode)
{
    char abs[PROC_ABS_MAX];
    int hd, h;
    long err;

    err = host_dirfd(pm, udfd, path, &hd);
    if (err)
        return err;
    if (proc_candidate(hd, path, abs)) {
        h = procfs_open(pm, abs, flags);
        if (h != PROCFS_NOT_MINE) {
            if (h < 0)
                return h;
            /* whatever procfs did, the host side is close-on-exec */
            fcntl(h, F_SETFD, FD_CLOEXEC);
            return h;
        }
    }
    h = openat(hd, path, flags | O_CLOEXEC, mode);
    return h < 0 ? linux_err(errno) : h;
}

static long do_sys_open(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                        int flags, mode_t mode)
{
    char path[LINUX_PATH_MAX];
    int cloexec = (flags & O_CLOEXEC) != 0;
    long err, h;

    err = getname(pm, upath, path);
    if (err)
        return err;
    h = path_open_host(pm, udfd, path, flags, mode);
    if (h < 0)
        return h;
    return fd_install(pm, (int)h, cloexec, 0);
}

long sys_open(struct pagemu *pm, const uint64_t *a)
{
    return do_sys_open(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], (int)a[1],
                       (mode_t)a[2]);
}

long sys_openat(struct pagemu *pm, const uint64_t *a)
{
    return do_sys_open(pm, a[0], a[1], (int)a[2], (mode_t)a[3]);
}

/* ---- stat family ------------------------------------------------------ */

/*
 * fs/stat.c: vfs_fstatat() -> vfs_statx().  The name is copied before the
 * flags are checked.  With AT_EMPTY_PATH a NULL name means the dirfd itself
 * (vfs_empty_path()): NULL goes to the host unchanged.
 */
static long do_fstatat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                       uint64_t ubuf, int flags)
{
    char path[LINUX_PATH_MAX];
    const char *p = NULL;
    struct stat st;
    int hd;
    long err;

    if (upath || !(flags & AT_EMPTY_PATH)) {
        err = getname(pm, upath, path);
        if (err)
            return err;
        p = path;
    }
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
                  LINUX_AT_STATX_SYNC_TYPE))
        return -EINVAL;
    err = host_dirfd(pm, udfd, p, &hd);
    if (err)
        return err;
    char hp[48];
    err = guest_fd_path(pm, hd, p, hp, sizeof(hp));
    if (err < 0)
        return err;
    if (err) {
        hd = AT_FDCWD;
        p = hp;
    }
    if (syscall(SYS_newfstatat, hd, p, &st, flags) < 0)
        return linux_err(errno);
    return copy_to_user(pm, ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_stat(struct pagemu *pm, const uint64_t *a)
{
    return do_fstatat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0);
}

long sys_lstat(struct pagemu *pm, const uint64_t *a)
{
    return do_fstatat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1],
                      AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(struct pagemu *pm, const uint64_t *a)
{
    return do_fstatat(pm, a[0], a[1], a[2], (int)a[3]);
}

/* fs/stat.c: statx -> do_statx(): reserved mask bit and both sync types
 * are -EINVAL, then vfs_statx()'s flag check; the host does the rest. */
long sys_statx(struct pagemu *pm, const uint64_t *a)
{
    unsigned int flags = (unsigned int)a[2], mask = (unsigned int)a[3];
    char path[LINUX_PATH_MAX];
    const char *p = NULL;
    struct statx stx;
    int hd;
    long err;

    if (a[1] || !(flags & AT_EMPTY_PATH)) {
        err = getname(pm, a[1], path);
        if (err)
            return err;
        p = path;
    }
    if (mask & LINUX_STATX__RESERVED)
        return -EINVAL;
    if ((flags & LINUX_AT_STATX_SYNC_TYPE) == LINUX_AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (flags & ~(unsigned int)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
                                AT_EMPTY_PATH | LINUX_AT_STATX_SYNC_TYPE))
        return -EINVAL;
    err = host_dirfd(pm, a[0], p, &hd);
    if (err)
        return err;
    char hp[48];
    err = guest_fd_path(pm, hd, p, hp, sizeof(hp));
    if (err < 0)
        return err;
    if (err) {
        hd = AT_FDCWD;
        p = hp;
    }
    if (syscall(SYS_statx, hd, p, flags, mask, &stx) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[4], &stx, sizeof(stx)) ? -EFAULT : 0;
}

/* fs/statfs.c: statfs - user_statfs(), then a copy of struct statfs */
long sys_statfs(struct pagemu *pm, const uint64_t *a)
{
    char path[LINUX_PATH_MAX];
    struct statfs sf;
    long err = getname(pm, a[0], path);

    if (err)
        return err;
    if (statfs(path, &sf) < 0)
        return linux_err(errno);
    return copy_to_user(pm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

/* ---- access ----------------------------------------------------------- */

/* fs/open.c: do_faccessat() - mode and flags are checked before the name. */
static long do_faccessat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                         int mode, int flags, bool v2)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err, r;

    if (mode & ~S_IRWXO)
        return -EINVAL;
    if (flags & ~(LINUX_AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    err = user_path_at(pm, udfd, upath, path, &hd);
    if (err)
        return err;
    r = v2 ? syscall(SYS_faccessat2, hd, path, mode, flags)
           : syscall(SYS_faccessat, hd, path, mode);
    return r < 0 ? linux_err(errno) : 0;
}

long sys_access(struct pagemu *pm, const uint64_t *a)
{
    return do_faccessat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], (int)a[1], 0,
                        false);
}

long sys_faccessat(struct pagemu *pm, const uint64_t *a)
{
    return do_faccessat(pm, a[0], a[1], (int)a[2], 0, false);
}

long sys_faccessat2(struct pagemu *pm, const uint64_t *a)
{
    return do_faccessat(pm, a[0], a[1], (int)a[2], (int)a[3], true);
}

/* ---- cwd -------------------------------------------------------------- */

/* fs/d_path.c: getcwd - returns the length including the NUL; -ERANGE
 * when it does not fit.  The raw syscall keeps "(unreachable)" paths. */
long sys_getcwd(struct pagemu *pm, const uint64_t *a)
{
    char buf[LINUX_PATH_MAX];
    long len = syscall(SYS_getcwd, buf, sizeof(buf));

    if (len < 0)
        return linux_err(errno);
    if ((uint64_t)len > a[1])
        return -ERANGE;
    return copy_to_user(pm, a[0], buf, (size_t)len) ? -EFAULT : len;
}

long sys_chdir(struct pagemu *pm, const uint64_t *a)
{
    char path[LINUX_PATH_MAX];
    long err = getname(pm, a[0], path);

    if (err)
        return err;
    if (chdir(path) < 0)
        return linux_err(errno);
    atomic_store(&cwd_in_proc, -1);
    return 0;
}

long sys_fchdir(struct pagemu *pm, const uint64_t *a)
{
    int host = fd_host(pm, (long)(unsigned int)a[0]);

    if (host < 0)
        return host;
    if (fchdir(host) < 0)
        return linux_err(errno);
    atomic_store(&cwd_in_proc, -1);
    return 0;
}

/* fs/open.c: umask - only the permission bits are kept. */
long sys_umask(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return (long)umask((mode_t)(int)a[0] & LINUX_S_IRWXUGO);
}

/* fs/open.c: do_sys_truncate() - a negative length is -EINVAL before the
 * path is looked at. */
long sys_truncate(struct pagemu *pm, const uint64_t *a)
{
    char path[LINUX_PATH_MAX];
    long err;

    if ((int64_t)a[1] < 0)
        return -EINVAL;
    err = getname(pm, a[0], path);
    if (err)
        return err;
    return truncate(path, (off_t)a[1]) < 0 ? linux_err(errno) : 0;
}

/* ---- chmod ------------------------------------------------------------ */

/* fs/open.c: do_fchmodat() with no flags; the raw syscall, since glibc's
 * fchmodat() emulates flags. */
static long do_fchmodat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                        mode_t mode)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err = user_path_at(pm, udfd, upath, path, &hd);

    if (err)
        return err;
    return syscall(SYS_fchmodat, hd, path, mode) < 0 ? linux_err(errno) : 0;
}

long sys_chmod(struct pagemu *pm, const uint64_t *a)
{
    return do_fchmodat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], (mode_t)a[1]);
}

long sys_fchmodat(struct pagemu *pm, const uint64_t *a)
{
    return do_fchmodat(pm, a[0], a[1], (mode_t)a[2]);
}

/* ---- mkdir, unlink, rmdir --------------------------------------------- */

static long do_mkdirat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                       mode_t mode)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err = user_path_at(pm, udfd, upath, path, &hd);

    if (err)
        return err;
    return mkdirat(hd, path, mode) < 0 ? linux_err(errno) : 0;
}

long sys_mkdir(struct pagemu *pm, const uint64_t *a)
{
    return do_mkdirat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], (mode_t)a[1]);
}

long sys_mkdirat(struct pagemu *pm, const uint64_t *a)
{
    return do_mkdirat(pm, a[0], a[1], (mode_t)a[2]);
}

static long do_unlinkat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                        int flags)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err = user_path_at(pm, udfd, upath, path, &hd);

    if (err)
        return err;
    return unlinkat(hd, path, flags) < 0 ? linux_err(errno) : 0;
}

long sys_unlink(struct pagemu *pm, const uint64_t *a)
{
    return do_unlinkat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], 0);
}

/* fs/namei.c: rmdir is do_rmdir(AT_FDCWD, ...), i.e. unlinkat(AT_REMOVEDIR) */
long sys_rmdir(struct pagemu *pm, const uint64_t *a)
{
    return do_unlinkat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], AT_REMOVEDIR);
}

/* fs/namei.c: unlinkat - AT_REMOVEDIR is the only flag. */
long sys_unlinkat(struct pagemu *pm, const uint64_t *a)
{
    int flags = (int)a[2];

    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return do_unlinkat(pm, a[0], a[1], flags);
}

/* ---- rename ----------------------------------------------------------- */

/* fs/namei.c: do_renameat2() - the flags are checked before either name. */
static long do_renameat2(struct pagemu *pm, uint64_t uold_dfd, uint64_t uold,
                         uint64_t unew_dfd, uint64_t unew, unsigned int flags)
{
    char oldp[LINUX_PATH_MAX], newp[LINUX_PATH_MAX];
    int ohd, nhd;
    long err;

    if (flags & ~(LINUX_RENAME_NOREPLACE | LINUX_RENAME_EXCHANGE |
                  LINUX_RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & (LINUX_RENAME_NOREPLACE | LINUX_RENAME_WHITEOUT)) &&
        (flags & LINUX_RENAME_EXCHANGE))
        return -EINVAL;
    err = getname(pm, uold, oldp);
    if (err)
        return err;
    err = getname(pm, unew, newp);
    if (err)
        return err;
    err = host_dirfd(pm, uold_dfd, oldp, &ohd);
    if (err)
        return err;
    err = host_dirfd(pm, unew_dfd, newp, &nhd);
    if (err)
        return err;
    if (syscall(SYS_renameat2, ohd, oldp, nhd, newp, flags) < 0)
        return linux_err(errno);
    return 0;
}

long sys_rename(struct pagemu *pm, const uint64_t *a)
{
    return do_renameat2(pm, (uint64_t)(int64_t)AT_FDCWD, a[0],
                        (uint64_t)(int64_t)AT_FDCWD, a[1], 0);
}

long sys_renameat(struct pagemu *pm, const uint64_t *a)
{
    return do_renameat2(pm, a[0], a[1], a[2], a[3], 0);
}

long sys_renameat2(struct pagemu *pm, const uint64_t *a)
{
    return do_renameat2(pm, a[0], a[1], a[2], a[3], (unsigned int)a[4]);
}

/* ---- link, symlink ---------------------------------------------------- */

/* fs/namei.c: do_linkat() - AT_SYMLINK_FOLLOW and AT_EMPTY_PATH only (the
 * host checks CAP_DAC_READ_SEARCH for the latter). */
static long do_linkat(struct pagemu *pm, uint64_t uold_dfd, uint64_t uold,
                      uint64_t unew_dfd, uint64_t unew, int flags)
{
    char oldp[LINUX_PATH_MAX], newp[LINUX_PATH_MAX];
    int ohd, nhd;
    long err;

    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    err = getname(pm, uold, oldp);
    if (err)
        return err;
    err = getname(pm, unew, newp);
    if (err)
        return err;
    err = host_dirfd(pm, uold_dfd, oldp, &ohd);
    if (err)
        return err;
    err = host_dirfd(pm, unew_dfd, newp, &nhd);
    if (err)
        return err;
    return linkat(ohd, oldp, nhd, newp, flags) < 0 ? linux_err(errno) : 0;
}

long sys_link(struct pagemu *pm, const uint64_t *a)
{
    return do_linkat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0],
                     (uint64_t)(int64_t)AT_FDCWD, a[1], 0);
}

long sys_linkat(struct pagemu *pm, const uint64_t *a)
{
    return do_linkat(pm, a[0], a[1], a[2], a[3], (int)a[4]);
}

/* fs/namei.c: do_symlinkat() - the target is stored as given, never
 * resolved, so it needs no dirfd. */
static long do_symlinkat(struct pagemu *pm, uint64_t utarget, uint64_t udfd,
                         uint64_t upath)
{
    char target[LINUX_PATH_MAX], path[LINUX_PATH_MAX];
    int hd;
    long err;

    err = getname(pm, utarget, target);
    if (err)
        return err;
    err = user_path_at(pm, udfd, upath, path, &hd);
    if (err)
        return err;
    return symlinkat(target, hd, path) < 0 ? linux_err(errno) : 0;
}

long sys_symlink(struct pagemu *pm, const uint64_t *a)
{
    return do_symlinkat(pm, a[0], (uint64_t)(int64_t)AT_FDCWD, a[1]);
}

long sys_symlinkat(struct pagemu *pm, const uint64_t *a)
{
    return do_symlinkat(pm, a[0], a[1], a[2]);
}

/* ---- readlink --------------------------------------------------------- */

/*
 * fs/stat.c: do_readlinkat() - bufsiz is an int and must be > 0; the link
 * text is copied without a NUL.  Generated links (/proc/self/exe) come from
 * procfs.
 */
static long do_readlinkat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                          uint64_t ubuf, int bufsiz)
{
    char path[LINUX_PATH_MAX], abs[PROC_ABS_MAX], out[LINUX_PATH_MAX];
    size_t n = bufsiz > (int)sizeof(out) ? sizeof(out) : (size_t)bufsiz;
    int hd;
    long err, len = PROCFS_NOT_MINE;

    if (bufsiz <= 0)
        return -EINVAL;
    err = user_path_at(pm, udfd, upath, path, &hd);
    if (err)
        return err;
    if (proc_candidate(hd, path, abs))
        len = procfs_readlink(pm, abs, out, n);
    if (len == PROCFS_NOT_MINE) {
        len = readlinkat(hd, path, out, n);
        if (len < 0)
            return linux_err(errno);
    } else if (len < 0) {
        return len;
    }
    return copy_to_user(pm, ubuf, out, (size_t)len) ? -EFAULT : len;
}

long sys_readlink(struct pagemu *pm, const uint64_t *a)
{
    return do_readlinkat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1], (int)a[2]);
}

long sys_readlinkat(struct pagemu *pm, const uint64_t *a)
{
    return do_readlinkat(pm, a[0], a[1], a[2], (int)a[3]);
}

/* ---- utimensat -------------------------------------------------------- */

/*
 * fs/utimes.c: utimensat - the times are read first, and two UTIME_OMITs
 * succeed without looking at the path.  A NULL path with a real dfd is
 * do_utimes_fd() (flags must be 0); otherwise do_utimes_path() allows
 * AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.  The raw syscall, since glibc
 * refuses a NULL path itself.
 */
long sys_utimensat(struct pagemu *pm, const uint64_t *a)
{
    int dfd = (int)a[0], flags = (int)a[3];
    char path[LINUX_PATH_MAX];
    struct timespec ts[2];
    const char *p = NULL;
    int hd;
    long err;

    if (a[2]) {
        if (copy_from_user(pm, ts, a[2], sizeof(ts)))
            return -EFAULT;
        if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
            return 0;
    }
    if (a[1] == 0 && dfd != AT_FDCWD) {
        if (flags)
            return -EINVAL;
    } else {
        if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
            return -EINVAL;
        err = getname(pm, a[1], path);
        if (err)
            return err;
        p = path;
    }
    err = host_dirfd(pm, a[0], p, &hd);
    if (err)
        return err;
    if (syscall(SYS_utimensat, hd, p, a[2] ? ts : NULL, flags) < 0)
        return linux_err(errno);
    return 0;
}

/* ---- chown ------------------------------------------------------------ */

/* fs/open.c: do_fchownat() - flags AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH
 * only, else -EINVAL before the path is read; chown follows links, lchown
 * does not. */
static long do_fchownat(struct pagemu *pm, uint64_t udfd, uint64_t upath,
                        uint64_t user, uint64_t group, int flag)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err;

    if (flag & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    err = user_path_at(pm, udfd, upath, path, &hd);
    if (err)
        return err;
    if (syscall(SYS_fchownat, hd, path, (uid_t)user, (gid_t)group, flag) < 0)
        return linux_err(errno);
    return 0;
}

long sys_chown(struct pagemu *pm, const uint64_t *a)
{
    return do_fchownat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_lchown(struct pagemu *pm, const uint64_t *a)
{
    return do_fchownat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2],
                       AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(struct pagemu *pm, const uint64_t *a)
{
    return do_fchownat(pm, a[0], a[1], a[2], a[3], (int)a[4]);
}

/* ---- creat, mknod ------------------------------------------------------- */

/* fs/open.c: creat is open(O_CREAT|O_WRONLY|O_TRUNC) */
long sys_creat(struct pagemu *pm, const uint64_t *a)
{
    return do_sys_open(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
                       (mode_t)a[1]);
}

/* fs/open.c: openat2 - struct open_how {flags, mode, resolve}; the resolve
 * restrictions are the host's (RESOLVE_* pass through to it only for
 * paths that do not lead into pagemu's /proc) */
long sys_openat2(struct pagemu *pm, const uint64_t *a)
{
    struct { uint64_t flags, mode, resolve; } how;
    uint64_t size = a[3];
    if (size < 24)
        return -EINVAL;
    if (size > 4096)
        return -E2BIG;
    if (copy_from_user(pm, &how, a[2], sizeof(how)))
        return -EFAULT;
    for (uint64_t off = sizeof(how); off < size; off++) {
        uint8_t b;
        if (copy_from_user(pm, &b, a[2] + off, 1))
            return -EFAULT;
        if (b)
            return -E2BIG;
    }
    /* build_open_how/build_open_flags: unknown bits and a mode without
     * O_CREAT/O_TMPFILE are -EINVAL */
    if ((how.flags >> 32) || (how.mode & ~07777ULL) || (how.resolve & ~0x3fULL))
        return -EINVAL;
    if (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE)))
        return -EINVAL;
    if (how.resolve) {
        char path[LINUX_PATH_MAX];
        int hd;
        long err = user_path_at(pm, a[0], a[1], path, &hd);
        if (err)
            return err;
        long fd = syscall(SYS_openat2, hd, path, &how, sizeof(how));
        if (fd < 0)
            return linux_err(errno);
        return fd_install(pm, (int)fd, (how.flags & O_CLOEXEC) != 0, 0);
    }
    return do_sys_open(pm, a[0], a[1], (int)how.flags, (mode_t)how.mode);
}

static long do_mknodat(struct pagemu *pm, uint64_t udfd, uint64_t upath, mode_t mode,
                       unsigned dev)
{
    char path[LINUX_PATH_MAX];
    int hd;
    long err = user_path_at(pm, udfd, upath, path, &hd);

    if (err)
        return err;
    return mknodat(hd, path, mode, dev) < 0 ? linux_err(errno) : 0;
}

long sys_mknod(struct pagemu *pm, const uint64_t *a)
{
    return do_mknodat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], (mode_t)a[1], (unsigned)a[2]);
}

long sys_mknodat(struct pagemu *pm, const uint64_t *a)
{
    return do_mknodat(pm, a[0], a[1], (mode_t)a[2], (unsigned)a[3]);
}

/* ---- utime, utimes, futimesat (fs/utimes.c) ----------------------------- */

/* the timevals (NULL: now) as utimensat's timespecs */
static long do_futimesat(struct pagemu *pm, uint64_t udfd, uint64_t upath, uint64_t utv)
{
    char path[LINUX_PATH_MAX];
    struct timespec ts[2];
    int hd;
    if (utv) {
        struct { int64_t sec, usec; } tv[2];
        if (copy_from_user(pm, tv, utv, sizeof(tv)))
            return -EFAULT;
        /* do_futimesat: microseconds must be in range */
        for (int i = 0; i < 2; i++) {
            if (tv[i].usec < 0 || tv[i].usec >= 1000000)
                return -EINVAL;
            ts[i].tv_sec = tv[i].sec;
            ts[i].tv_nsec = tv[i].usec * 1000;
        }
    }
    long err = user_path_at(pm, udfd, upath, path, &hd);
    if (err)
        return err;
    if (syscall(SYS_utimensat, hd, path, utv ? ts : NULL, 0) < 0)
        return linux_err(errno);
    return 0;
}

long sys_utimes(struct pagemu *pm, const uint64_t *a)
{
    return do_futimesat(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], a[1]);
}

long sys_futimesat(struct pagemu *pm, const uint64_t *a)
{
    return do_futimesat(pm, a[0], a[1], a[2]);
}

/* struct utimbuf {actime, modtime} in seconds */
long sys_utime(struct pagemu *pm, const uint64_t *a)
{
    char path[LINUX_PATH_MAX];
    struct timespec ts[2];
    int hd;
    if (a[1]) {
        int64_t t[2];
        if (copy_from_user(pm, t, a[1], sizeof(t)))
            return -EFAULT;
        ts[0] = (struct timespec){t[0], 0};
        ts[1] = (struct timespec){t[1], 0};
    }
    long err = user_path_at(pm, (uint64_t)(int64_t)AT_FDCWD, a[0], path, &hd);
    if (err)
        return err;
    if (syscall(SYS_utimensat, hd, path, a[1] ? ts : NULL, 0) < 0)
        return linux_err(errno);
    return 0;
}

/* ---- extended attributes (fs/xattr.c) ----------------------------------- */

/* XATTR_NAME_MAX 255, XATTR_SIZE_MAX 64 KiB, XATTR_LIST_MAX 64 KiB */
#define XATTR_NAME_MAX_ 255
#define XATTR_SIZE_MAX_ 65536

static long xattr_name(struct pagemu *pm, uint64_t uname, char *name)
{
    long n = strncpy_from_user(pm, name, uname, XATTR_NAME_MAX_ + 1);
    if (n == -ENAMETOOLONG)
        return -ERANGE;
    if (n < 0)
        return n;
    return n == 0 ? -ERANGE : 0;
}

/* One setxattr/getxattr/listxattr/removexattr on a path (follow or not) or
 * an fd. */
enum xop { XSET, XGET, XLIST, XREMOVE };

static long do_xattr(struct pagemu *pm, enum xop op, int by_fd, int follow, const uint64_t *a)
{
    char path[LINUX_PATH_MAX], name[XATTR_NAME_MAX_ + 1];
    int fd = -1;
    long err;
    if (by_fd) {
        fd = fd_host(pm, (long)a[0]);
        if (fd < 0)
            return fd;
    } else if ((err = getname(pm, a[0], path)) != 0) {
        return err;
    }
    if (op != XLIST && (err = xattr_name(pm, a[1], name)) != 0)
        return err;

    uint64_t ubuf = op == XLIST ? a[1] : a[2];
    size_t size = (size_t)(op == XLIST ? a[2] : a[3]);
    if (op == XREMOVE) {
        err = by_fd ? fremovexattr(fd, name) : follow ? removexattr(path, name) : lremovexattr(path, name);
        return err < 0 ? linux_err(errno) : 0;
    }
    if (size > XATTR_SIZE_MAX_) {
        if (op == XSET)
            return -E2BIG;
        size = XATTR_SIZE_MAX_;
    }
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    long r;
    if (op == XSET) {
        int flags = (int)a[4];
        if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) {
            free(buf);
            return -EINVAL;
        }
        if (size && copy_from_user(pm, buf, ubuf, size)) {
            free(buf);
            return -EFAULT;
        }
        r = by_fd ? fsetxattr(fd, name, buf, size, flags)
            : follow ? setxattr(path, name, buf, size, flags)
                     : lsetxattr(path, name, buf, size, flags);
        r = r < 0 ? linux_err(errno) : 0;
    } else if (op == XGET) {
        r = by_fd ? fgetxattr(fd, name, size ? buf : NULL, size)
            : follow ? getxattr(path, name, size ? buf : NULL, size)
                     : lgetxattr(path, name, size ? buf : NULL, size);
        if (r < 0)
            r = linux_err(errno);
        else if (size && r > 0 && copy_to_user(pm, ubuf, buf, (size_t)r))
            r = -EFAULT;
    } else {
        r = by_fd ? flistxattr(fd, size ? buf : NULL, size)
            : follow ? listxattr(path, size ? buf : NULL, size)
                     : llistxattr(path, size ? buf : NULL, size);
        if (r < 0)
            r = linux_err(errno);
        else if (size && r > 0 && copy_to_user(pm, ubuf, buf, (size_t)r))
            r = -EFAULT;
    }
    free(buf);
    return r;
}

long sys_setxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XSET, 0, 1, a); }
long sys_lsetxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XSET, 0, 0, a); }
long sys_fsetxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XSET, 1, 1, a); }
long sys_getxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XGET, 0, 1, a); }
long sys_lgetxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XGET, 0, 0, a); }
long sys_fgetxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XGET, 1, 1, a); }
long sys_listxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XLIST, 0, 1, a); }
long sys_llistxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XLIST, 0, 0, a); }
long sys_flistxattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XLIST, 1, 1, a); }
long sys_removexattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XREMOVE, 0, 1, a); }
long sys_lremovexattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XREMOVE, 0, 0, a); }
long sys_fremovexattr(struct pagemu *pm, const uint64_t *a) { return do_xattr(pm, XREMOVE, 1, 1, a); }
