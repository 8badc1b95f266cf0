/*
 * procfs.c - the generated part of the guest's /proc/self (see procfs.h).
 * Formats follow fs/proc/task_mmu.c and fs/proc/base.c.
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../loader/loader.h"
#include "mm.h"
#include "pgtable.h"
#include "fuzz.h"
#include "pagemu_int.h"
#include "uaccess.h"

struct sbuf {
    char *buf;
    size_t len, pos;
    bool grow;  /* realloc buf as needed (else truncate, snprintf-style) */
    bool oom;   /* a grow failed */
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(s->pos < s->len ? s->buf + s->pos : NULL,
                      s->pos < s->len ? s->len - s->pos : 0, fmt, ap);
    if (n > 0 && s->grow && s->pos + (size_t)n >= s->len) {
        size_t cap = s->len ? s->len * 2 : 4096;
        while (cap <= s->pos + (size_t)n)
            cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (nb) {
            s->buf = nb;
            s->len = cap;
            vsnprintf(s->buf + s->pos, cap - s->pos, fmt, again);
        } else {
            s->oom = true;
        }
    }
    va_end(again);
    va_end(ap);
    if (n > 0)
        s->pos += (size_t)n;
}

/*
 * fs/proc/task_mmu.c: show_map_vma / show_vma_header_prefix.  The header
 * is padded to 25 + 6 * sizeof(void *) - 1 = 72 columns, then one space,
 * then the name; a line without a name ends in the header's space.
 */
static void show_map_vma(struct pagemu *pm, struct sbuf *s, const struct vm_area_struct *v)
{
    const struct mm_struct *mm = &pm->mm;
    uint64_t pgoff = 0;
    unsigned maj = 0, min = 0;
    unsigned long ino = 0;
    const char *name = v->vm_name;

    if (v->vm_file) {
        pgoff = v->vm_pgoff << PAGE_SHIFT;
        maj = major(v->vm_file->dev);
        min = minor(v->vm_file->dev);
        ino = v->vm_file->ino;
        name = v->vm_file->path;
    } else if (!name) {
        /* include/linux/mm.h: vma_is_initial_heap (strict) and
         * vma_is_initial_stack (inclusive) */
        if (v->vm_start < mm->brk && v->vm_end > mm->start_brk)
            name = "[heap]";
        else if (v->vm_start <= mm->start_stack && v->vm_end >= mm->start_stack)
            name = "[stack]";
    }
    size_t start = s->pos;
    sb_printf(s, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ",
              (unsigned long long)v->vm_start, (unsigned long long)v->vm_end,
              v->vm_flags & VM_READ ? 'r' : '-', v->vm_flags & VM_WRITE ? 'w' : '-',
              v->vm_flags & VM_EXEC ? 'x' : '-', v->vm_flags & VM_MAYSHARE ? 's' : 'p',
              (unsigned long long)pgoff, maj, min, ino);
    if (name) {
        size_t w = s->pos - start;
        if (w < 72)
            sb_printf(s, "%*s", (int)(72 - w), "");
        sb_printf(s, " %s", name);
    }
    sb_printf(s, "\n");
}

size_t procfs_maps(struct pagemu *pm, char *buf, size_t len)
{
    struct sbuf s = {.buf = buf, .len = len};
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < pm->mm.nvma; i++)
        show_map_vma(pm, &s, &pm->mm.vma[i]);
    return s.pos;
}

/* An unlinked in-memory file holding content, positioned at 0. */
static int content_fd(const void *data, size_t n)
{
    int fd = memfd_create("pagemu-proc", MFD_CLOEXEC);
    if (fd < 0)
        return linux_err(errno);
    if (host_write_all(fd, data, n)) {
        close(fd);
        return -EIO;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/*
 * Is host one of those files?  The guest must not find out that it is a
 * memfd: Linux's generated /proc files have neither splice_read nor mmap
 * (fs/proc/base.c, task_mmu.c: seq_file reads only), so sendfile and
 * splice from them are -EINVAL and mmap of them -ENODEV.
 */
bool procfs_is_generated(int host)
{
    char link[64], target[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", host);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return false;
    target[n] = 0;
    return strcmp(target, "/memfd:pagemu-proc (deleted)") == 0;
}

/* The text a growable sbuf collected, as such an fd; frees the buffer. */
static int sb_to_fd(struct sbuf *sb)
{
    int fd = sb->oom ? -ENOMEM : content_fd(sb->buf ? sb->buf : "", sb->pos);
    free(sb->buf);
    return fd;
}

/* The part after "/proc/self/" (or /proc/<pid>/, /proc/thread-self/),
 * or NULL when path is not in the guest's own /proc directory. */
static const char *self_entry(const char *path)
{
    static const char *const prefixes[] = {"/proc/self/", "/proc/thread-self/"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(path, prefixes[i], n))
            return path + n;
    }
    char own[64];
    int n = snprintf(own, sizeof(own), "/proc/%d/", (int)getpid());
    if (!strncmp(path, own, (size_t)n))
        return path + n;
    return NULL;
}

/* Write the current maps into fd (an existing memfd when fd >= 0). */
static int gen_maps(struct pagemu *pm, int fd)
{
    size_t need = procfs_maps(pm, NULL, 0) + 1;
    char *b = malloc(need);
    if (!b)
        return -ENOMEM;
    size_t n = procfs_maps(pm, b, need);
    if (fd < 0) {
        fd = content_fd(b, n);
        for (size_t i = 0; fd >= 0 && i < 8; i++)
            if (pm->proc_maps_fd[i] <= 0) {
                pm->proc_maps_fd[i] = fd;
                break;
            }
    } else {
        host_rewrite(fd, b, n); /* a failed write leaves a short file, as read(2) would show */
    }
    free(b);
    return fd;
}

void procfs_before_read(struct pagemu *pm, int host, long long pos)
{
    for (size_t i = 0; i < 8; i++) {
        if (pm->proc_maps_fd[i] != host || host <= 0)
            continue;
        if (pos < 0)
            pos = lseek(host, 0, SEEK_CUR);
        if (pos == 0)
            gen_maps(pm, host);
        return;
    }
}

void procfs_forget(struct pagemu *pm, int host)
{
    for (size_t i = 0; i < 8; i++) {
        if (pm->proc_maps_fd[i] == host)
            pm->proc_maps_fd[i] = 0;
        if (pm->proc_fddir_fd[i] == host)
            pm->proc_fddir_fd[i] = 0;
    }
}

/* ---- /proc/self/fd, the directory ---------------------------------------- */

/*
 * The host's own /proc/self/fd lists the emulator's fds (the program file,
 * Unicorn's, the host numbers of the guest's), so the directory is opened
 * for real (fstat, fchdir and openat through it work) but listed from the
 * guest's table, as fs/proc/fd.c: proc_readfd_common does: ".", "..", then
 * each open fd in increasing order, DT_LNK, f_pos counting entries.
 */
static int open_fd_dir(struct pagemu *pm, int flags)
{
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EISDIR;
    int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return linux_err(errno);
    for (size_t i = 0; i < 8; i++)
        if (pm->proc_fddir_fd[i] <= 0) {
            pm->proc_fddir_fd[i] = fd;
            return fd;
        }
    return fd; /* more than 8 open at once: the host's listing */
}

bool procfs_is_fd_dir(struct pagemu *pm, int host)
{
    for (size_t i = 0; i < 8; i++)
        if (pm->proc_fddir_fd[i] == host && host > 0)
            return true;
    return false;
}

long procfs_fd_dir_getdents(struct pagemu *pm, int host, void *buf, size_t len)
{
    off_t pos = lseek(host, 0, SEEK_CUR);
    if (pos < 0)
        pos = 0;
    uint8_t *p = buf;
    size_t used = 0;
    long idx = 0;   /* 0 ".", 1 "..", then one per open guest fd */
    for (int g = -2; g < pm->fds.n; g++) {
        if (g >= 0 && pm->fds.fd[g].host < 0)
            continue;
        if (idx++ < pos)
            continue;
        char name[16];
        if (g == -2)
            strcpy(name, ".");
        else if (g == -1)
            strcpy(name, "..");
        else
            snprintf(name, sizeof(name), "%d", g);
        /* include/linux/dirent.h: struct linux_dirent64, 8-byte aligned */
        size_t nl = strlen(name) + 1;
        size_t reclen = (19 + nl + 7) & ~(size_t)7;
        if (used + reclen > len) {
            if (!used)
                return -EINVAL;
            break;
        }
        uint64_t ino = g < 0 ? 1 : (uint64_t)g + 100; /* proc's inodes are its own */
        int64_t off = idx;
        uint16_t rl = (uint16_t)reclen;
        uint8_t type = g < 0 ? 4 /* DT_DIR */ : 10 /* DT_LNK */;
        memset(p + used, 0, reclen);
        memcpy(p + used, &ino, 8);
        memcpy(p + used + 8, &off, 8);
        memcpy(p + used + 16, &rl, 2);
        p[used + 18] = type;
        memcpy(p + used + 19, name, nl);
        used += reclen;
        pos = idx;
    }
    lseek(host, pos, SEEK_SET);
    return (long)used;
}

/* fs/proc/base.c: proc_pid_cmdline_read — the bytes of [arg_start, arg_end). */
static int gen_range(struct pagemu *pm, uint64_t start, uint64_t end)
{
    size_t n = end > start ? (size_t)(end - start) : 0;
    char *b = malloc(n + 1);
    if (!b)
        return -ENOMEM;
    if (copy_from_user(pm, b, start, n))
        n = 0;
    int fd = content_fd(b, n);
    free(b);
    return fd;
}

/* ---- auxv, stat, status ------------------------------------------------ */

/* fs/proc/base.c: proc_pid_auxv - mm->saved_auxv up to and including the
 * AT_NULL pair, as the loader wrote it. */
static int gen_auxv(struct pagemu *pm)
{
    if (!pm->elf)
        return content_fd("", 0);
    return content_fd(pm->elf->saved_auxv, pm->elf->nauxv * sizeof(uint64_t));
}

/* What fs/proc/task_mmu.c: task_mem and fs/proc/array.c read from the mm:
 * page counts by mm/internal.h's is_{data,exec,stack}_mapping, and the
 * present pages of the page table split into file and anonymous. */
struct mem_counts {
    uint64_t total, data, exec, stack;   /* pages of VMAs */
    uint64_t rss_file, rss_anon;         /* present pages */
};

static void count_present(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    (void)pt, (void)va, (void)pte;
    ++*(uint64_t *)arg;
}

static void mem_counts(struct pagemu *pm, struct mem_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->total = pm->mm.total_vm;
    for (size_t i = 0; i < pm->mm.nvma; i++) {
        const struct vm_area_struct *v = &pm->mm.vma[i];
        uint64_t pages = (v->vm_end - v->vm_start) >> PAGE_SHIFT, present = 0;
        uint32_t f = v->vm_flags;
        if (f & VM_GROWSDOWN)
            c->stack += pages;
        else if ((f & (VM_WRITE | VM_SHARED)) == VM_WRITE)
            c->data += pages;
        else if ((f & (VM_EXEC | VM_WRITE)) == VM_EXEC)
            c->exec += pages;
        pgtable_for_each(&pm->mm.pt, v->vm_start, v->vm_end, count_present, &present);
        if (v->vm_file)
            c->rss_file += present;
        else
            c->rss_anon += present;
    }
}

/* The comm: fs/exec.c: begin_new_exec sets it to kbasename(bprm->filename),
 * at most TASK_COMM_LEN - 1 = 15 bytes. */
void proc_comm_exec(struct pagemu *pm, char comm[16])
{
    const char *p = pm->execfn ? pm->execfn : pm->exe_path;
    const char *b = p ? strrchr(p, '/') : NULL;
    b = b ? b + 1 : (p ? p : "");
    snprintf(comm, 16, "%s", b);
}

void proc_comm(struct pagemu *pm, char comm[16])
{
    /* /proc/<pid> is the thread-group leader's: its prctl(PR_SET_NAME) */
    const char *set = thread_leader_comm(pm);
    if (set[0])
        memcpy(comm, set, 16);
    else
        proc_comm_exec(pm, comm);
}

static void sig_sets(struct pagemu *pm, uint64_t *ign, uint64_t *cgt)
{
    *ign = *cgt = 0;
    /* fs/proc/array.c: collect_sigign_sigcatch */
    for (int i = 0; i < LINUX_NSIG; i++) {
        if (pm->sigact[i].handler == LINUX_SIG_IGN)
            *ign |= 1ULL << i;
        else if (pm->sigact[i].handler != LINUX_SIG_DFL)
            *cgt |= 1ULL << i;
    }
}

/* The host's own file for this process, NUL-terminated (malloc'd). */
static char *host_file(const char *name)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 8192, n = 0;
    char *b = malloc(cap);
    for (ssize_t r; b; n += (size_t)r) {
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        r = read(fd, b + n, cap - n - 1);
        if (r <= 0)
            break;
    }
    close(fd);
    if (b)
        b[n] = 0;
    return b;
}

/*
 * fs/proc/array.c: do_task_stat.  The host's line for the emulator gives
 * what pagemu does not model (ids, tty, times, priority, start time,
 * rsslim, processor, policy); pagemu's state replaces comm, state, the
 * fault counts, num_threads, vsize, rss, the code/stack/data/brk/arg/env
 * addresses, the signal words and exit_code.  kstkesp/kstkeip are 0 as
 * for a task that is not exiting or dumping core.  With the virtual clock
 * (vclock.c) the times are its own: utime its CPU time, stime and the
 * children's 0, starttime its moment of boot-relative start, in USER_HZ
 * ticks (fs/proc/array.c: nsec_to_clock_t).
 */
static int gen_stat(struct pagemu *pm)
{
    char *h = host_file("stat");
    char *rp = h ? strrchr(h, ')') : NULL;
    if (!rp)
        return -EIO;
    /* fields 3.. of the host line */
    char *fld[64];
    int nf = 0;
    for (char *t = strtok(rp + 1, " \n"); t && nf < 64; t = strtok(NULL, " \n"))
        fld[nf++] = t;
    if (nf < 50) {
        free(h);
        return -EIO;
    }
    struct mem_counts c;
    mem_counts(pm, &c);
    uint64_t ign, cgt;
    sig_sets(pm, &ign, &cgt);
    char comm[16], num[40][32];
    proc_comm(pm, comm);
    const struct mm_struct *mm = &pm->mm;
    /* field number (1-based) -> replacement */
    struct { int f; unsigned long long v; } rep[] = {
        {10, mm->minor_faults}, {12, 0}, {20, 1}, {23, c.total << PAGE_SHIFT},
        {24, c.rss_file + c.rss_anon}, {26, mm->start_code}, {27, mm->end_code},
        {28, mm->start_stack}, {29, 0}, {30, 0}, {31, pm->sig.pending},
        {32, pm->sigmask}, {33, ign}, {34, cgt}, {45, mm->start_data},
        {46, mm->end_data}, {47, mm->start_brk}, {48, mm->arg_start},
        {49, mm->arg_end}, {50, mm->env_start}, {51, mm->env_end}, {52, 0},
    };
    for (size_t i = 0; i < sizeof(rep) / sizeof(rep[0]); i++) {
        int k = rep[i].f - 3;
        if (k < nf) {
            snprintf(num[i], sizeof(num[i]), "%llu", rep[i].v);
            fld[k] = num[i];
        }
    }
    char vnum[5][32];
    if (pm->cfg.deterministic) {
        const uint64_t tick = 1000000000 / 100;   /* USER_HZ */
        struct { int f; uint64_t v; } vrep[] = {
            {14, vclock_elapsed(pm, pm->vclock_ns) / tick}, {15, 0}, {16, 0}, {17, 0},
            {22, vclock_mono(pm, pm->cfg.vclock_start_ns) / tick},
        };
        for (size_t i = 0; i < 5; i++) {
            snprintf(vnum[i], sizeof(vnum[i]), "%llu", (unsigned long long)vrep[i].v);
            fld[vrep[i].f - 3] = vnum[i];
        }
    }
    fld[0] = "R";
    struct sbuf sb = {.grow = true};
    sb_printf(&sb, "%d (%s)", (int)getpid(), comm);
    for (int i = 0; i < nf; i++)
        sb_printf(&sb, " %s", fld[i]);
    sb_printf(&sb, "\n");
    free(h);
    return sb_to_fd(&sb);
}

/*
 * fs/proc/array.c: proc_pid_status, with task_mem (fs/proc/task_mmu.c) and
 * task_sig.  The host's file is copied line by line; the lines pagemu knows
 * are replaced: Name, State, the Vm and Rss lines from the VMAs and the
 * page table (VmPeak and VmHWM are the current values: no high-water mark
 * is kept), VmPTE from the page-table frames, Threads, and the signal
 * masks (all pending signals show as ShdPnd, as kill() makes them).
 */
static int gen_status(struct pagemu *pm)
{
    char *h = host_file("status");
    if (!h)
        return -EIO;
    struct mem_counts c;
    mem_counts(pm, &c);
    uint64_t ign, cgt;
    sig_sets(pm, &ign, &cgt);
    char comm[16];
    proc_comm(pm, comm);
    const struct mm_struct *mm = &pm->mm;
    uint64_t rss = c.rss_anon + c.rss_file;
    /* task_mem: text = PAGE_ALIGN(end_code) - (start_code & PAGE_MASK),
     * lib = exec_vm << PAGE_SHIFT - text (at least 0) */
    uint64_t text = (PAGE_ALIGN(mm->end_code) - (mm->start_code & ~(PAGE_SIZE - 1))) >> 10;
    uint64_t lib = (c.exec << (PAGE_SHIFT - 10)) > text ? (c.exec << (PAGE_SHIFT - 10)) - text : 0;
    struct { const char *key; int kb; unsigned long long v; } rep[] = {
        {"VmPeak", 1, c.total << (PAGE_SHIFT - 10)}, {"VmSize", 1, c.total << (PAGE_SHIFT - 10)},
        {"VmLck", 1, 0}, {"VmPin", 1, 0},
        {"VmHWM", 1, rss << (PAGE_SHIFT - 10)}, {"VmRSS", 1, rss << (PAGE_SHIFT - 10)},
        {"RssAnon", 1, c.rss_anon << (PAGE_SHIFT - 10)},
        {"RssFile", 1, c.rss_file << (PAGE_SHIFT - 10)}, {"RssShmem", 1, 0},
        {"VmData", 1, c.data << (PAGE_SHIFT - 10)}, {"VmStk", 1, c.stack << (PAGE_SHIFT - 10)},
        {"VmExe", 1, text}, {"VmLib", 1, lib},
        {"VmPTE", 1, mm->pt.ntables << (PAGE_SHIFT - 10)}, {"VmSwap", 1, 0},
        {"Threads", 0, (unsigned long long)thread_count(pm)},
    };
    struct sbuf sb = {.grow = true};
    for (char *line = h, *nl; *line; line = nl) {
        nl = strchr(line, '\n');
        nl = nl ? nl + 1 : line + strlen(line);
        int len = (int)(nl - line);
        const char *colon = memchr(line, ':', (size_t)len);
        size_t kl = colon ? (size_t)(colon - line) : 0;
#define KEY(k) (kl == strlen(k) && !strncmp(line, k, kl))
        bool done = false;
        if (KEY("Name")) {
            sb_printf(&sb, "Name:\t%s\n", comm);
            done = true;
        } else if (KEY("State")) {
            sb_printf(&sb, "State:\tR (running)\n");
            done = true;
        } else if (KEY("SigPnd")) {
            sb_printf(&sb, "SigPnd:\t%016llx\n", 0ULL);
            done = true;
        } else if (KEY("ShdPnd")) {
            sb_printf(&sb, "ShdPnd:\t%016llx\n", (unsigned long long)pm->sig.pending);
            done = true;
        } else if (KEY("SigBlk")) {
            sb_printf(&sb, "SigBlk:\t%016llx\n", (unsigned long long)pm->sigmask);
            done = true;
        } else if (KEY("SigIgn")) {
            sb_printf(&sb, "SigIgn:\t%016llx\n", (unsigned long long)ign);
            done = true;
        } else if (KEY("SigCgt")) {
            sb_printf(&sb, "SigCgt:\t%016llx\n", (unsigned long long)cgt);
            done = true;
        }
        for (size_t i = 0; !done && i < sizeof(rep) / sizeof(rep[0]); i++)
            if (KEY(rep[i].key)) {
                if (rep[i].kb)
                    /* SEQ_PUT_DEC: width 8, then " kB" */
                    sb_printf(&sb, "%s:\t%8llu kB\n", rep[i].key, rep[i].v);
                else
                    sb_printf(&sb, "%s:\t%llu\n", rep[i].key, rep[i].v);
                done = true;
            }
#undef KEY
        if (!done)
            sb_printf(&sb, "%.*s", len, line);
    }
    free(h);
    return sb_to_fd(&sb);
}

/*
 * fs/proc/fd.c: /proc/self/fd/N names the guest's fd N, not the
 * emulator's: the host fd behind it, through the host's own
 * /proc/self/fd/H, so that open reopens the same file (proc_fd_link) and
 * readlink gives its path (d_path).  A guest fd that is not open is
 * -ENOENT, as a missing entry of the fd directory is.  Returns 0 with the
 * host's path for it in hostpath, a negative errno, or PROCFS_NOT_MINE if
 * e is not "fd/N".  Listing /proc/self/fd stays the host's directory.
 */
static int fd_entry(struct pagemu *pm, const char *e, char *hostpath, size_t len)
{
    char *end;
    long n;

    if (strncmp(e, "fd/", 3) || e[3] < '0' || e[3] > '9')
        return PROCFS_NOT_MINE;
    errno = 0;
    n = strtol(e + 3, &end, 10);
    if (*end || errno || n < 0 || n > INT32_MAX)
        return PROCFS_NOT_MINE;
    int h = fd_host(pm, n);
    if (h < 0)
        return -ENOENT;
    snprintf(hostpath, len, "/proc/self/fd/%d", h);
    return 0;
}

int procfs_open(struct pagemu *pm, const char *path, int flags)
{
    const char *e = self_entry(path);
    if (!e)
        return PROCFS_NOT_MINE;
    bool writing = (flags & O_ACCMODE) != O_RDONLY;
    if (!strcmp(e, "maps"))
        return writing ? -EACCES : gen_maps(pm, -1);
    if (!strcmp(e, "cmdline"))
        return writing ? -EACCES : gen_range(pm, pm->mm.arg_start, pm->mm.arg_end);
    if (!strcmp(e, "environ"))
        return writing ? -EACCES : gen_range(pm, pm->mm.env_start, pm->mm.env_end);
    if (!strcmp(e, "exe")) {
        int fd = open(pm->exe_path, (flags & ~O_CREAT) | O_CLOEXEC);
        return fd < 0 ? linux_err(errno) : fd;
    }
    if (!strcmp(e, "auxv"))
        return writing ? -EACCES : gen_auxv(pm);
    if (!strcmp(e, "stat"))
        return writing ? -EACCES : gen_stat(pm);
    if (!strcmp(e, "status"))
        return writing ? -EACCES : gen_status(pm);
    if (!strcmp(e, "fd") || !strcmp(e, "fd/"))
        return open_fd_dir(pm, flags);
    char hp[64];
    int r = fd_entry(pm, e, hp, sizeof(hp));
    if (r == 0) {
        int fd = open(hp, (flags & ~O_CREAT) | O_CLOEXEC);
        return fd < 0 ? linux_err(errno) : fd;
    }
    return r;
}

long procfs_readlink(struct pagemu *pm, const char *path, char *buf, size_t bufsz)
{
    const char *e = self_entry(path);
    if (!e)
        return PROCFS_NOT_MINE;
    if (strcmp(e, "exe")) {
        char hp[64];
        int r = fd_entry(pm, e, hp, sizeof(hp));
        if (r)
            return r;
        ssize_t n = readlink(hp, buf, bufsz);
        return n < 0 ? linux_err(errno) : (long)n;
    }
    size_t n = strlen(pm->exe_path);
    if (n > bufsz)
        n = bufsz;
    memcpy(buf, pm->exe_path, n);
    return (long)n;
}
