/*
 * strace.c - --trace=syscall: one line per syscall in strace's style, with
 * decoded flags, strings and return values, driven by the argument kinds
 * of each syscall_64.tbl row.  Only called when syscall tracing is on.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pagemu_int.h"
#include "strace.h"
#include "syscall.h"
#include "uaccess.h"
#include "fault_addr.h"

struct line {
    char buf[1024];
    size_t pos;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
    if (l->pos >= sizeof(l->buf))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->pos, sizeof(l->buf) - l->pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->pos += (size_t)n;
    if (l->pos > sizeof(l->buf))
        l->pos = sizeof(l->buf);
}

/* A guest byte string, quoted and escaped like strace, at most max bytes. */
static void add_bytes(struct line *l, struct pagemu *pm, uint64_t addr, size_t len, bool cstr)
{
    enum { MAX = 32 };
    uint8_t b[MAX + 1];
    size_t want = len < MAX ? len : MAX;
    if (cstr)
        want = MAX + 1;
    size_t got = guest_peek(pm, addr, b, want);
    if (!got && want) {
        add(l, "0x%llx", (unsigned long long)addr);
        return;
    }
    size_t n = got;
    bool more = !cstr && len > MAX;
    if (cstr) {
        void *z = memchr(b, 0, got);
        n = z ? (size_t)((uint8_t *)z - b) : (got > MAX ? MAX : got);
        more = !z;
    }
    add(l, "\"");
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        switch (c) {
        case '\n': add(l, "\\n"); break;
        case '\t': add(l, "\\t"); break;
        case '"': add(l, "\\\""); break;
        case '\\': add(l, "\\\\"); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                add(l, "%c", c);
            else
                add(l, "\\%o", c);
        }
    }
    add(l, "\"%s", more ? "..." : "");
}

struct flag { uint64_t bit; const char *name; };

static void add_flags(struct line *l, uint64_t v, const struct flag *f, const char *zero)
{
    bool first = true;
    for (; f->name; f++) {
        if (f->bit && (v & f->bit) == f->bit) {
            add(l, "%s%s", first ? "" : "|", f->name);
            v &= ~f->bit;
            first = false;
        }
    }
    if (v)
        add(l, first ? "0x%llx" : "|0x%llx", (unsigned long long)v);
    else if (first)
        add(l, "%s", zero);
}

static const struct flag open_flags[] = {
    {0100, "O_CREAT"}, {0200, "O_EXCL"}, {0400, "O_NOCTTY"}, {01000, "O_TRUNC"},
    {02000, "O_APPEND"}, {04000, "O_NONBLOCK"}, {010000, "O_DSYNC"}, {020000, "O_ASYNC"},
    {040000, "O_DIRECT"}, {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},
    {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"}, {010000000, "O_PATH"},
    {020000000 | 0200000, "O_TMPFILE"}, {0, NULL},
};
static const struct flag prot_flags[] = {
    {1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"},
    {0x01000000, "PROT_GROWSDOWN"}, {0, NULL},
};
static const struct flag map_flags[] = {
    {0x03, "MAP_SHARED_VALIDATE"}, {0x01, "MAP_SHARED"}, {0x02, "MAP_PRIVATE"},
    {0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x40, "MAP_32BIT"},
    {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
    {0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"},
    {0x100000, "MAP_FIXED_NOREPLACE"}, {0, NULL},
};

static void add_open_flags(struct line *l, uint64_t v)
{
    static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    add(l, "%s", acc[v & 3]);
    v &= ~3ULL;
    if (v) {
        add(l, "|");
        add_flags(l, v, open_flags, "0");
    }
}

static const char *const signames[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
    "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
    "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
    "SIGIO", "SIGPWR", "SIGSYS",
};

const char *linux_signal_name(int sig)
{
    if (sig > 0 && sig < (int)(sizeof(signames) / sizeof(signames[0])))
        return signames[sig];
    return sig >= 32 && sig <= 64 ? "SIGRT" : "signal";
}

/* Output buffers are shown after the call, with what it wrote. */
static bool is_read_like(const char *name)
{
    return !strcmp(name, "read") || !strcmp(name, "pread64") || !strcmp(name, "getrandom") ||
           !strcmp(name, "readlink") || !strcmp(name, "readlinkat");
}

void strace_syscall(struct pagemu *pm, uint64_t nr, const uint64_t *a, long ret)
{
    const struct syscall_desc *d = syscall_lookup(nr);
    struct line l = {.pos = 0};

    if (!d) {
        add(&l, "syscall_%llu(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx)",
            (unsigned long long)nr, (unsigned long long)a[0], (unsigned long long)a[1],
            (unsigned long long)a[2], (unsigned long long)a[3], (unsigned long long)a[4],
            (unsigned long long)a[5]);
    } else {
        add(&l, "%s(", d->name);
        bool rd = is_read_like(d->name);
        for (unsigned i = 0; i < d->nargs && d->kinds[i]; i++) {
            uint64_t v = a[i];
            if (i)
                add(&l, ", ");
            switch (d->kinds[i]) {
            case 'f':
                if ((int)v == -100)
                    add(&l, "AT_FDCWD");
                else
                    add(&l, "%d", (int)v);
                break;
            case 'd': add(&l, "%lld", (long long)v); break;
            case 'u': case 'z': add(&l, "%llu", (unsigned long long)v); break;
            case 'x': add(&l, "0x%llx", (unsigned long long)v); break;
            case 'm': add(&l, "0%llo", (unsigned long long)v); break;
            case 'p': add(&l, v ? "0x%llx" : "NULL", (unsigned long long)v); break;
            case 's':
                if (v)
                    add_bytes(&l, pm, v, 0, true);
                else
                    add(&l, "NULL");
                break;
            case 'b': {
                uint64_t len = i + 1 < 6 ? a[i + 1] : 0;
                if (rd)
                    len = ret > 0 ? (uint64_t)ret : 0;
                if (rd && ret < 0)
                    add(&l, "0x%llx", (unsigned long long)v);
                else
                    add_bytes(&l, pm, v, len, false);
                break;
            }
            case 'o': add_open_flags(&l, v); break;
            case 'P': add_flags(&l, v, prot_flags, "PROT_NONE"); break;
            case 'M': add_flags(&l, v, map_flags, "0"); break;
            case 'S':
                if (v < sizeof(signames) / sizeof(signames[0]) && signames[v])
                    add(&l, "%s", signames[v]);
                else
                    add(&l, "%llu", (unsigned long long)v);
                break;
            default: add(&l, "0x%llx", (unsigned long long)v); break;
            }
        }
        add(&l, ")");
    }
    if (pm->exited) {
        add(&l, " = ?");
    } else if (ret < 0 && ret >= -4095) {
        const char *en = strerrorname_np((int)-ret);
        add(&l, " = -1 %s (%s)", en ? en : "E?", strerror((int)-ret));
    } else if (d && (!strcmp(d->name, "mmap") || !strcmp(d->name, "brk") ||
                     !strcmp(d->name, "mremap"))) {
        add(&l, " = 0x%llx", (unsigned long long)ret);
    } else {
        add(&l, " = %ld", ret);
    }
    trace_emit(pm, PAGEMU_TRACE_SYSCALL, "%s", l.buf);
}

void trace_emit(struct pagemu *pm, unsigned kind, const char *fmt, ...)
{
    if (!pm->trace_fn || !(pm->trace_mask & kind))
        return;
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pm->trace_fn((pagemu_trace_kind)kind, buf, pm->trace_ud);
}

/* --trace=insn: every instruction, disassembled.  Opt-in only: a code hook
 * on all code costs about 17x (DESIGN.md). */
static void hook_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)uc;
    struct pagemu *pm = ud;
    uint8_t code[16];
    size_t n = guest_peek(pm, addr, code, size < 16 ? size : 16);
    csh h;
    cs_insn *insn;
    if (n && cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK) {
        if (cs_disasm(h, code, n, addr, 1, &insn) == 1) {
            trace_emit(pm, PAGEMU_TRACE_INSN, "%016llx  %s %s", (unsigned long long)addr,
                       insn->mnemonic, insn->op_str);
            cs_free(insn, 1);
        }
        cs_close(&h);
    }
}

PAGEMU_API pagemu_err pagemu_set_trace(pagemu_t *pm, unsigned mask, pagemu_trace_cb cb,
                                       void *user_data)
{
    if (!pm || (mask && !cb))
        return PAGEMU_EINVAL;
    pm->trace_mask = cb ? mask : 0;
    pm->trace_fn = cb;
    pm->trace_ud = user_data;
    if ((pm->trace_mask & PAGEMU_TRACE_INSN) && !pm->insn_hook) {
        if (uc_hook_add(pm->uc, &pm->insn_hook, UC_HOOK_CODE, (void *)hook_insn, pm, 1, 0))
            return PAGEMU_EENGINE;
    } else if (!(pm->trace_mask & PAGEMU_TRACE_INSN) && pm->insn_hook) {
        uc_hook_del(pm->uc, pm->insn_hook);
        pm->insn_hook = 0;
    }
    return PAGEMU_EOK;
}
