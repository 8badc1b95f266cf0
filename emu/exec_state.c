/*
 * exec_state.c - what survives a guest's execve, carried from the old
 * emulator image to the new one in the --exec-state option (process.h).
 *
 * Linux keeps across execve (fs/exec.c: begin_new_exec and the calls it
 * makes):
 *   - the pid, cwd, umask, credentials and rlimits: the host's execve keeps
 *     them for the emulator process; the two rlimits pagemu enforces for the
 *     guest itself (RLIMIT_STACK, RLIMIT_NOFILE) are passed here;
 *   - every fd without close-on-exec, under the same number
 *     (do_close_on_exec closes the others);
 *   - the blocked mask, and dispositions that are SIG_IGN; handlers go back
 *     to SIG_DFL (kernel/signal.c: flush_signal_handlers(current, 0)), and
 *     the alternate stack is dropped;
 * and builds a new mm (exec_mmap), so nothing of the memory is passed.
 * pagemu's own settings (paging mode, ASLR, the memory limit) are passed
 * too, so that the new image is emulated the way the old one was; so is
 * the virtual clock of cfg.deterministic (vclock.c): its start and step,
 * and its current time, from which the new image's clock goes on (the
 * clocks of a process run on across its execve).
 *
 * The string is one argv word: fields "key=value" separated by ';', numbers
 * in hex, file names hex-encoded byte by byte (they may hold anything but
 * NUL), the fd table as "guest.host" pairs separated by ','.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "process.h"

#define STATE_VERSION "pagemu-exec-1"

/* The signals Linux never lets a process block (kernel/signal.c:
 * sigprocmask, sigdelsetmask(SIGKILL|SIGSTOP)). */
#define UNBLOCKABLE ((1ULL << (9 - 1)) | (1ULL << (19 - 1)))
#define LINUX_SIG_IGN 1ULL

/* ---- a growing string ---------------------------------------------------- */

struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap : 256);
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static void sb_hex(struct sbuf *b, const char *key, const char *str)
{
    sb_add(b, ";%s=", key);
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        sb_add(b, "%02x", *p);
}

/* ---- encoding (the old image) -------------------------------------------- */

char *exec_state_encode(struct pagemu *pm, int prog_fd, const char *exe_path,
                        const char *filename, int argc)
{
    struct sbuf b = {0};
    uint64_t ignored = 0;

    for (int sig = 1; sig <= 64; sig++)
        if (pm->sigact[sig - 1].handler == LINUX_SIG_IGN)
            ignored |= 1ULL << (sig - 1);
    /* A reproducible run stays reproducible: the new image's seed is the
     * next value of this one's generator. */
    uint64_t seed = pm->cfg.have_seed ? pm_random(pm) : 0;
    sb_add(&b, "%s;p=%d;a=%d;S=%d;s=%" PRIx64 ";st=%" PRIx64 ";m=%" PRIx64 ";mm=%" PRIx64
               ";nf=%x;blk=%" PRIx64 ";ign=%" PRIx64 ";prog=%x;argc=%x",
           STATE_VERSION, pm->cfg.paging_levels, pm->cfg.aslr ? 1 : 0,
           pm->cfg.have_seed ? 1 : 0, seed, pm->cfg.stack_rlimit, pm->cfg.mem_limit,
           pm->cfg.mmap_min_addr, pm->fds.max, pm->sigmask, ignored, prog_fd, argc);
    if (pm->personality)
        sb_add(&b, ";per=%x", pm->personality);
    if (pm->cfg.deterministic)
        sb_add(&b, ";d=1;vs=%" PRIx64 ";vst=%" PRIx64 ";vc=%" PRIx64, pm->cfg.vclock_start_ns,
               pm->cfg.vclock_step_ns, pm->vclock_ns);
    sb_hex(&b, "exe", exe_path);
    sb_hex(&b, "fn", filename);
    sb_add(&b, ";fd=");
    bool first = true;
    for (int g = 0; g < pm->fds.n; g++) {
        const struct gfd *f = &pm->fds.fd[g];
        if (f->host < 0 || f->cloexec)
            continue;
        sb_add(&b, "%s%x.%x", first ? "" : ",", g, f->host);
        first = false;
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- decoding (the new image) -------------------------------------------- */

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && whylen)
        vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool parse_u64(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 16);
    if (errno || end == v || *end)
        return false;
    *out = x;
    return true;
}

static char *unhex(const char *v)
{
    size_t n = strlen(v);
    if (n % 2)
        return NULL;
    char *s = malloc(n / 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1 || x == 0) {
            free(s);
            return NULL;
        }
        s[i] = (char)x;
    }
    s[n / 2] = 0;
    return s;
}

static int parse_fds(const char *v, struct exec_import *imp)
{
    size_t n = *v ? 1 : 0;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    imp->fds = calloc(n ? n : 1, sizeof(*imp->fds));
    if (!imp->fds)
        return -1;
    imp->nfds = 0;
    while (*v) {
        unsigned g, h;
        int used = 0;
        if (sscanf(v, "%x.%x%n", &g, &h, &used) != 2 || g > INT32_MAX || h > INT32_MAX)
            return -1;
        imp->fds[imp->nfds].guest = (int)g;
        imp->fds[imp->nfds].host = (int)h;
        imp->nfds++;
        v += used;
        if (*v == ',')
            v++;
        else if (*v)
            return -1;
    }
    return 0;
}

int exec_state_parse(const char *s, const pagemu_config *base, struct exec_import *imp,
                     char *why, size_t whylen)
{
    memset(imp, 0, sizeof(*imp));
    imp->cfg = *base;
    imp->prog_fd = -1;
    char *copy = strdup(s);
    if (!copy)
        return fail(why, whylen, "out of memory");
    char *save = NULL, *tok = strtok_r(copy, ";", &save);
    int ret = 0;
    if (!tok || strcmp(tok, STATE_VERSION)) {
        ret = fail(why, whylen, "--exec-state is not a %s state", STATE_VERSION);
        goto out;
    }
    while ((tok = strtok_r(NULL, ";", &save)) != NULL) {
        char *eq = strchr(tok, '=');
        uint64_t x = 0;
        if (!eq) {
            ret = fail(why, whylen, "--exec-state: bad field '%s'", tok);
            goto out;
        }
        *eq = 0;
        const char *k = tok, *v = eq + 1;
        bool num = strcmp(k, "exe") && strcmp(k, "fn") && strcmp(k, "fd");
        if (num && !parse_u64(v, &x)) {
            ret = fail(why, whylen, "--exec-state: bad number in '%s'", k);
            goto out;
        }
        if (!strcmp(k, "p"))
            imp->cfg.paging_levels = (int)x;
        else if (!strcmp(k, "a"))
            imp->cfg.aslr = (int)x;
        else if (!strcmp(k, "S"))
            imp->cfg.have_seed = (int)x;
        else if (!strcmp(k, "s"))
            imp->cfg.seed = x;
        else if (!strcmp(k, "st"))
            imp->cfg.stack_rlimit = x;
        else if (!strcmp(k, "m"))
            imp->cfg.mem_limit = x;
        else if (!strcmp(k, "mm"))
            imp->cfg.mmap_min_addr = x;
        else if (!strcmp(k, "nf"))
            imp->nofile = (int)x;
        else if (!strcmp(k, "blk"))
            imp->blocked = x;
        else if (!strcmp(k, "ign"))
            imp->ignored = x;
        else if (!strcmp(k, "prog"))
            imp->prog_fd = (int)x;
        else if (!strcmp(k, "argc"))
            imp->argc = (int)x;
        else if (!strcmp(k, "d"))
            imp->cfg.deterministic = (int)x;
        else if (!strcmp(k, "vs"))
            imp->cfg.vclock_start_ns = x;
        else if (!strcmp(k, "vst"))
            imp->cfg.vclock_step_ns = x;
        else if (!strcmp(k, "vc"))
            imp->vclock_ns = x;
        else if (!strcmp(k, "per"))
            imp->personality = (uint32_t)x;
        else if (!strcmp(k, "exe") || !strcmp(k, "fn")) {
            char *str = unhex(v);
            if (!str) {
                ret = fail(why, whylen, "--exec-state: bad string in '%s'", k);
                goto out;
            }
            free(!strcmp(k, "exe") ? imp->exe_path : imp->filename);
            *(!strcmp(k, "exe") ? &imp->exe_path : &imp->filename) = str;
        } else if (!strcmp(k, "fd")) {
            if (parse_fds(v, imp)) {
                ret = fail(why, whylen, "--exec-state: bad fd table");
                goto out;
            }
        }
        /* Unknown keys are ignored: a newer old image may say more. */
    }
    if (imp->prog_fd < 0 || !imp->filename) {
        ret = fail(why, whylen, "--exec-state names no program");
        goto out;
    }
    /* fs/binfmt_elf.c: load_elf_binary randomizes only without
     * ADDR_NO_RANDOMIZE (what setarch -R sets before its exec) */
    if (imp->personality & 0x0040000)
        imp->cfg.aslr = 0;
out:
    free(copy);
    return ret;
}

void exec_import_free(struct exec_import *imp)
{
    if (imp->prog_fd >= 0)
        close(imp->prog_fd);
    free(imp->exe_path);
    free(imp->filename);
    free(imp->fds);
    memset(imp, 0, sizeof(*imp));
    imp->prog_fd = -1;
}

/* The slot whose host fd is h, or -1. */
static int slot_of_host(const struct fdtable *t, int h)
{
    for (int g = 0; g < t->n; g++)
        if (t->fd[g].host == h)
            return g;
    return -1;
}

int exec_state_apply(struct pagemu *pm, struct exec_import *imp)
{
    struct fdtable *t = &pm->fds;

    pm->personality = imp->personality;

    /* The program's fd may have any number the old image had free; keep it
     * out of the way of the guest's 0-2 below. */
    if (imp->prog_fd >= 0 && imp->prog_fd < 3) {
        int nfd = fcntl(imp->prog_fd, F_DUPFD_CLOEXEC, 3);
        if (nfd < 0)
            return -1;
        close(imp->prog_fd);
        imp->prog_fd = nfd;
    }
    /* fdtable_init mapped host 0-2; the old image's table replaces that.
     * Fds at or above a lowered RLIMIT_NOFILE stay open, as on Linux. */
    for (int g = 0; g < t->n; g++)
        t->fd[g].host = -1;
    t->max = INT32_MAX;
    for (int i = 0; i < imp->nfds; i++) {
        int g = imp->fds[i].guest, h = imp->fds[i].host;
        if (h == imp->prog_fd || fcntl(h, F_SETFD, FD_CLOEXEC) < 0)
            continue;   /* not passed after all: the guest has no such fd */
        long r = fd_install_at(pm, h, 0, g);
        if (r < 0)
            return -1;
    }
    t->max = imp->nofile > 0 ? imp->nofile : 1024;
    /*
     * Host 0, 1 and 2 become the guest's 0, 1 and 2, as at a fresh start, so
     * the emulator's own messages (a fault report) go where the program's
     * stderr goes.  First move guest fds of other numbers off them.
     */
    for (int h = 0; h < 3; h++) {
        int g = slot_of_host(t, h);
        if (g >= 0 && g != h) {
            int nh = fcntl(h, F_DUPFD_CLOEXEC, 3);
            if (nh < 0)
                return -1;
            close(h);
            t->fd[g].host = nh;
        }
    }
    for (int g = 0; g < 3 && g < t->n; g++) {
        int h = t->fd[g].host;
        if (h < 0 || h == g)
            continue;
        if (dup2(h, g) < 0)
            return -1;
        close(h);
        t->fd[g].host = g;
    }
    /* The blocked mask and the ignored signals survive; everything else of
     * the signal state starts afresh (flush_signal_handlers). */
    pm->sigmask = imp->blocked & ~UNBLOCKABLE;
    for (int sig = 1; sig <= 64; sig++)
        if (imp->ignored & (1ULL << (sig - 1)))
            pm->sigact[sig - 1].handler = LINUX_SIG_IGN;
    return 0;
}
