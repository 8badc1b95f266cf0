/*
 * sys_exec.c - execve and execveat (fs/exec.c, fs/binfmt_script.c,
 * fs/binfmt_elf.c).
 *
 * Everything that can fail is checked here, in the old image, in the
 * kernel's order, so that the guest gets Linux's errno and keeps running:
 *   1. the file (do_open_execat): ENOENT, ENOTDIR, ELOOP, ... from the
 *      lookup; EACCES for a file that is not regular, has no execute
 *      permission or is on a noexec mount;
 *   2. argv and envp (count, copy_strings, bprm_stack_limits): EFAULT,
 *      E2BIG;
 *   3. the binary handler (exec_binprm -> search_binary_handler), at most
 *      5 interpreter levels (ELOOP past them):
 *        "#!"  binfmt_script: the argv is rewritten to
 *              interpreter [optional-arg] script-path args...
 *              and the interpreter is looked up like the file itself;
 *        ELF   binfmt_elf: a static x86-64 executable or static-pie;
 *        else  ENOEXEC.
 *
 * pagemu's limits: a dynamically linked ELF (PT_INTERP) is ENOEXEC here,
 * where Linux would start its interpreter, since pagemu runs static
 * programs only (a shell then falls back as for any ENOEXEC).  So is a "#!"
 * script whose interpreter is one.  A file pagemu cannot read (execute-only,
 * mode --x) is EACCES, since the emulator has to read what it runs.  A
 * malformed ELF is ENOEXEC (EIO for a read error).
 *
 * Then the point of no return: the emulator process replaces its own image
 * with the emulator program (pagemu_config.exec_program), passing what Linux
 * keeps across an exec in --exec-state (exec_state.c), and the guest's argv
 * and environment as arguments (the emulator's own environment is empty,
 * see process.h).  The host's execve
 * keeps the pid, and keeps exactly the fds without close-on-exec, so each
 * surviving guest fd's host fd has its close-on-exec flag cleared just
 * before and the others set.  If the host's execve itself fails, the flags
 * are put back and the guest gets its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "binfmt.h"
#include "elf_image.h"
#include "mm.h"
#include "pagemu_int.h"
#include "process.h"
#include "strace.h"
#include "syscall.h"
#include "uaccess.h"

/* include/uapi/linux/limits.h */
#define LINUX_PATH_MAX 4096
/* include/uapi/linux/binfmts.h: BINPRM_BUF_SIZE */
#define BINPRM_BUF_SIZE 256
/* include/uapi/linux/fcntl.h */
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_EMPTY_PATH 0x1000
#define LINUX_AT_FDCWD (-100)
/* fs/exec.c: exec_binprm — interpreters nest at most this deep */
#define MAX_INTERP_DEPTH 5

/* A list of strings copied out of the guest (or built by binfmt_script). */
struct strvec {
    char **v;     /* NULL-terminated */
    int n, cap;
};

static void strvec_free(struct strvec *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int strvec_insert(struct strvec *s, int at, const char *str)
{
    if (s->n + 2 > s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, (size_t)cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    char *d = strdup(str);
    if (!d)
        return -ENOMEM;
    memmove(&s->v[at + 1], &s->v[at], (size_t)(s->n - at) * sizeof(*s->v));
    s->v[at] = d;
    s->n++;
    s->v[s->n] = NULL;
    return 0;
}

static void strvec_remove0(struct strvec *s)
{
    if (!s->n)
        return;
    free(s->v[0]);
    memmove(&s->v[0], &s->v[1], (size_t)s->n * sizeof(*s->v));
    s->n--;
}

/*
 * fs/exec.c: count() and copy_strings() for a guest argv or envp: a NULL
 * array is empty; a bad pointer is EFAULT; more than MAX_ARG_STRINGS, or
 * one string longer than MAX_ARG_STRLEN (NUL included), is E2BIG.
 */
static long copy_strings_user(struct pagemu *pm, uint64_t uvec, struct strvec *out)
{
    memset(out, 0, sizeof(*out));
    if (!uvec)
        return 0;
    char *buf = malloc(MAX_ARG_STRLEN);
    if (!buf)
        return -ENOMEM;
    long err = 0;
    for (uint64_t i = 0;; i++) {
        uint64_t p;
        if (copy_from_user(pm, &p, uvec + i * 8, sizeof(p))) {
            err = -EFAULT;
            break;
        }
        if (!p)
            break;
        if (i >= MAX_ARG_STRINGS) {
            err = -E2BIG;
            break;
        }
        long n = strncpy_from_user(pm, buf, p, MAX_ARG_STRLEN);
        if (n < 0) {
            err = n == -ENAMETOOLONG ? -E2BIG : n;
            break;
        }
        if ((err = strvec_insert(out, out->n, buf)) < 0)
            break;
    }
    free(buf);
    if (!err && !out->v) {
        /* an empty list still needs its NULL */
        out->v = calloc(1, sizeof(*out->v));
        if (!out->v)
            err = -ENOMEM;
    }
    if (err)
        strvec_free(out);
    return err;
}

/*
 * fs/exec.c: do_open_execat — the file must be found, be a regular file
 * (S_ISREG), be executable by the caller (MAY_EXEC) and not lie on a noexec
 * mount (path_noexec); all three failures are EACCES.  Returns a host fd
 * (close-on-exec) or a negative errno.
 */
static long open_exec_at(struct pagemu *pm, uint64_t udfd, const char *path, int flags)
{
    long h;

    if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    if (path[0] == '\0') {
        /* AT_EMPTY_PATH: the dirfd itself (fexecve), possibly O_PATH */
        char self[40];
        long hd = fd_host(pm, (long)(int)udfd);
        if ((int)udfd == LINUX_AT_FDCWD)
            return -EACCES;   /* the cwd: a directory */
        if (hd < 0)
            return hd;
        snprintf(self, sizeof(self), "/proc/self/fd/%ld", hd);
        h = open(self, O_RDONLY | O_CLOEXEC);
        if (h < 0)
            return linux_err(errno);
    } else {
        int of = O_RDONLY;
        if (flags & LINUX_AT_SYMLINK_NOFOLLOW)
            of |= O_NOFOLLOW;
        h = path_open_host(pm, udfd, path, of, 0);
        if (h < 0)
            return h;
    }
    struct stat st;
    struct statvfs vfs;
    if (fstat((int)h, &st) < 0 || !S_ISREG(st.st_mode) ||
        syscall(SYS_faccessat2, (int)h, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) != 0 ||
        (fstatvfs((int)h, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))) {
        close((int)h);
        return -EACCES;
    }
    return h;
}

/* ---- fs/binfmt_script.c ------------------------------------------------- */

static bool spacetab(char c)
{
    return c == ' ' || c == '\t';
}

static char *next_non_spacetab(char *first, const char *last)
{
    for (; first <= last; first++)
        if (!spacetab(*first))
            return first;
    return NULL;
}

static char *next_terminator(char *first, const char *last)
{
    for (; first <= last; first++)
        if (spacetab(*first) || !*first)
            return first;
    return NULL;
}

/*
 * load_script: parse the "#!" line of buf (BINPRM_BUF_SIZE bytes, zero
 * padded) and rewrite argv to interp-name [interp-arg] script argv[1..].
 * *iname receives the interpreter path (pointing into buf).  Returns 0 or a
 * negative errno.
 */
static long load_script(char *buf, const char *script, bool path_inaccessible,
                        struct strvec *argv, const char **iname)
{
    char *i_name, *i_sep, *i_arg, *i_end;
    const char *buf_end = buf + BINPRM_BUF_SIZE - 1;

    /* We do not want to exec a truncated interpreter path: either there is
     * a newline, or a space/tab/NUL after the path. */
    i_end = memchr(buf, '\n', BINPRM_BUF_SIZE);
    if (!i_end) {
        i_end = next_non_spacetab(buf + 2, buf_end);
        if (!i_end)
            return -ENOEXEC;   /* entire buf is spaces/tabs */
        if (!next_terminator(i_end, buf_end))
            return -ENOEXEC;   /* the path may be truncated */
        i_end = (char *)buf_end;
    }
    while (spacetab(i_end[-1]))
        i_end--;
    i_name = next_non_spacetab(buf + 2, i_end);
    if (!i_name || i_name == i_end)
        return -ENOEXEC;       /* no interpreter name */
    i_arg = NULL;
    i_sep = next_terminator(i_name, i_end);
    if (i_sep && *i_sep != '\0')
        i_arg = next_non_spacetab(i_sep, i_end);
    /* A "/dev/fd/N/..." name of a close-on-exec fd would be gone after the
     * exec, so the interpreter could not open the script. */
    if (path_inaccessible)
        return -ENOENT;

    /* remove_arg_zero, then argv[0..] = i_name, [i_arg], the script */
    strvec_remove0(argv);
    long err = strvec_insert(argv, 0, script);
    *i_end = '\0';
    if (!err && i_arg) {
        *i_sep = '\0';
        err = strvec_insert(argv, 0, i_arg);
    }
    if (!err)
        err = strvec_insert(argv, 0, i_name);
    *iname = i_name;
    return err;
}

/* ---- the binary handlers -------------------------------------------------- */

static bool is_elf(const char *buf)
{
    return !memcmp(buf, ELFMAG, SELFMAG);
}

/* binfmt_elf's verdict on a file pagemu would load (loader/elf.c checks). */
static long check_elf(int fd)
{
    struct elf_image img;
    char why[256];
    pagemu_err e = elf_parse_fd(fd, &img, why, sizeof(why));
    elf_image_free(&img);
    switch (e) {
    case PAGEMU_EOK:
        return 0;
    case PAGEMU_EIO:
        return -EIO;
    case PAGEMU_ENOMEM:
        return -ENOMEM;
    default:
        /* wrong class or machine, malformed, or dynamic (PT_INTERP) */
        return -ENOEXEC;
    }
}

/* bprm_stack_limits and the string-size checks, with the final argv. */
static long check_limits(struct pagemu *pm, const char *filename, struct strvec *argv,
                         struct strvec *envp)
{
    struct linux_binprm bprm;
    char saved[sizeof(pm->errbuf)];
    memcpy(saved, pm->errbuf, sizeof(saved));
    pagemu_err e = bprm_init(pm, &bprm, filename, argv->n, argv->v, envp->v);
    memcpy(pm->errbuf, saved, sizeof(saved));
    return e == PAGEMU_EOK ? 0 : -E2BIG;
}

/* ---- the point of no return ---------------------------------------------- */

/* Host FD_CLOEXEC as execve must see it: clear on the guest fds that
 * survive, set on the others.  old[] receives the flags to put back. */
static int set_exec_fd_flags(struct pagemu *pm, int *old)
{
    for (int g = 0; g < pm->fds.n; g++) {
        int h = pm->fds.fd[g].host;
        old[g] = -1;
        if (h < 0)
            continue;
        old[g] = fcntl(h, F_GETFD);
        if (old[g] < 0)
            continue;
        int want = pm->fds.fd[g].cloexec ? (old[g] | FD_CLOEXEC) : (old[g] & ~FD_CLOEXEC);
        if (want != old[g] && fcntl(h, F_SETFD, want) < 0)
            return -1;
    }
    return 0;
}

static void restore_fd_flags(struct pagemu *pm, const int *old)
{
    for (int g = 0; g < pm->fds.n; g++)
        if (old[g] >= 0 && pm->fds.fd[g].host >= 0)
            fcntl(pm->fds.fd[g].host, F_SETFD, old[g]);
}

/*
 * Replace the emulator process's image: exec_program with the state, then
 * "--", the guest's argv and the guest's envp.  Returns only on failure,
 * with a negative errno, everything put back.
 */
static long reexec(struct pagemu *pm, int prog_fd, const char *filename,
                   struct strvec *argv, struct strvec *envp)
{
    char link[40], exe[LINUX_PATH_MAX + 32];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", prog_fd);
    ssize_t n = readlink(link, exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (n <= 0)
        snprintf(exe, sizeof(exe), "%s", filename);

    char *state = exec_state_encode(pm, prog_fd, exe, filename, argv->n);
    size_t nargs = 0;
    while (pm->cfg.exec_args && pm->cfg.exec_args[nargs])
        nargs++;
    char **hargv = calloc(nargs + (size_t)argv->n + (size_t)envp->n + 5, sizeof(*hargv));
    char *opt = state ? malloc(strlen(state) + sizeof("--exec-state=")) : NULL;
    int *oldfl = calloc((size_t)pm->fds.n + 1, sizeof(*oldfl));
    if (!hargv || !opt || !oldfl) {
        free(state);
        free(hargv);
        free(opt);
        free(oldfl);
        return -ENOMEM;
    }
    strcpy(opt, "--exec-state=");
    strcat(opt, state);
    free(state);
    size_t k = 0;
    hargv[k++] = (char *)"pagemu";
    for (size_t i = 0; i < nargs; i++)
        hargv[k++] = pm->cfg.exec_args[i];
    hargv[k++] = opt;
    hargv[k++] = (char *)"--";
    for (int i = 0; i < argv->n; i++)
        hargv[k++] = argv->v[i];
    for (int i = 0; i < envp->n; i++)
        hargv[k++] = envp->v[i];
    hargv[k] = NULL;
    static char *const no_env[] = {NULL};

    long err;
    int pflags = fcntl(prog_fd, F_GETFD);
    if (set_exec_fd_flags(pm, oldfl) < 0 || pflags < 0 ||
        fcntl(prog_fd, F_SETFD, pflags & ~FD_CLOEXEC) < 0) {
        err = linux_err(errno);
    } else {
        /* What the old mm owes a MAP_SHARED file reaches it now, as
         * exec_mmap's mmput would have it there; and buffered output of
         * the embedding program (the trace) is not lost or repeated. */
        mm_writeback(&pm->mm, 0, pm->mm.task_size);
        fflush(NULL);
        execve(pm->cfg.exec_program, hargv, no_env);
        err = linux_err(errno);
    }
    restore_fd_flags(pm, oldfl);
    free(oldfl);
    free(opt);
    free(hargv);
    return err;
}

/* fs/exec.c: do_execveat_common */
static long do_execveat(struct pagemu *pm, uint64_t udfd, uint64_t ufilename,
                        uint64_t uargv, uint64_t uenvp, int flags)
{
    char path[LINUX_PATH_MAX], bprm_filename[LINUX_PATH_MAX + 32];
    struct strvec argv = {0}, envp = {0};
    long fd = -1, err;
    int dfd = (int)udfd;

    /* getname_flags: an empty name is ENOENT unless AT_EMPTY_PATH */
    err = strncpy_from_user(pm, path, ufilename, sizeof(path));
    if (err < 0)
        return err;
    if (!path[0] && !(flags & LINUX_AT_EMPTY_PATH))
        return -ENOENT;
    if (!pm->cfg.exec_program)
        return -ENOSYS;   /* an embedding program that cannot re-execute */

    /* alloc_bprm: the file, and its name for AT_EXECFN and scripts */
    fd = open_exec_at(pm, udfd, path, flags);
    if (fd < 0)
        return fd;
    bool path_inaccessible = false;
    if (dfd == LINUX_AT_FDCWD || path[0] == '/') {
        snprintf(bprm_filename, sizeof(bprm_filename), "%s", path);
    } else {
        if (!path[0])
            snprintf(bprm_filename, sizeof(bprm_filename), "/dev/fd/%d", dfd);
        else
            snprintf(bprm_filename, sizeof(bprm_filename), "/dev/fd/%d/%s", dfd, path);
        /* BINPRM_FLAGS_PATH_INACCESSIBLE */
        path_inaccessible = dfd >= 0 && dfd < pm->fds.n && pm->fds.fd[dfd].cloexec;
    }

    /* count, bprm_stack_limits, copy_strings */
    if ((err = copy_strings_user(pm, uargv, &argv)) < 0 ||
        (err = copy_strings_user(pm, uenvp, &envp)) < 0 ||
        (err = check_limits(pm, bprm_filename, &argv, &envp)) < 0)
        goto out;
    /* argc 0: "" becomes argv[0] (the new image's loader does the same) */
    if (argv.n == 0 && (err = strvec_insert(&argv, 0, "")) < 0)
        goto out;

    /* exec_binprm */
    char interp[LINUX_PATH_MAX + 32];
    snprintf(interp, sizeof(interp), "%s", bprm_filename);
    for (int depth = 0;; depth++) {
        char buf[BINPRM_BUF_SIZE];
        const char *iname;
        if (depth > MAX_INTERP_DEPTH) {
            err = -ELOOP;
            goto out;
        }
        /* prepare_binprm: the first bytes, zero padded */
        memset(buf, 0, sizeof(buf));
        if (pread((int)fd, buf, sizeof(buf), 0) < 0) {
            err = linux_err(errno);
            goto out;
        }
        if (is_elf(buf)) {
            if ((err = check_elf((int)fd)) < 0)
                goto out;
            break;
        }
        if (buf[0] != '#' || buf[1] != '!') {
            err = -ENOEXEC;
            goto out;
        }
        err = load_script(buf, interp, path_inaccessible, &argv, &iname);
        if (err < 0 || (err = check_limits(pm, bprm_filename, &argv, &envp)) < 0)
            goto out;
        /* bprm_change_interp, open_exec(i_name) */
        snprintf(interp, sizeof(interp), "%s", iname);
        long ifd = open_exec_at(pm, (uint64_t)(int64_t)LINUX_AT_FDCWD, interp, 0);
        if (ifd < 0) {
            err = ifd;
            goto out;
        }
        close((int)fd);
        fd = ifd;
    }

    if (pm->trace_mask & PAGEMU_TRACE_SYSCALL)
        trace_emit(pm, PAGEMU_TRACE_SYSCALL, "execve(\"%s\") = 0 (the emulator re-executes itself as pid %d)",
                   bprm_filename, (int)getpid());
    err = reexec(pm, (int)fd, bprm_filename, &argv, &envp);
out:
    if (fd >= 0)
        close((int)fd);
    strvec_free(&argv);
    strvec_free(&envp);
    return err;
}

long sys_execve(struct pagemu *pm, const uint64_t *a)
{
    return do_execveat(pm, (uint64_t)(int64_t)LINUX_AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_execveat(struct pagemu *pm, const uint64_t *a)
{
    return do_execveat(pm, a[0], a[1], a[2], a[3], (int)a[4]);
}
