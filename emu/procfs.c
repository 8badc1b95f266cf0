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

#include "mm.h"
#include "pagemu_int.h"
#include "uaccess.h"

struct sbuf {
    char *buf;
    size_t len, pos;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->pos < s->len ? s->buf + s->pos : NULL,
                      s->pos < s->len ? s->len - s->pos : 0, fmt, ap);
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
    struct sbuf s = {buf, len, 0};
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
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            close(fd);
            return -EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    lseek(fd, 0, SEEK_SET);
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
    } else if (ftruncate(fd, 0) == 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = pwrite(fd, b + off, n - off, (off_t)off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
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
    for (size_t i = 0; i < 8; i++)
        if (pm->proc_maps_fd[i] == host)
            pm->proc_maps_fd[i] = 0;
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
    return PROCFS_NOT_MINE;
}

long procfs_readlink(struct pagemu *pm, const char *path, char *buf, size_t bufsz)
{
    const char *e = self_entry(path);
    if (!e || strcmp(e, "exe"))
        return PROCFS_NOT_MINE;
    size_t n = strlen(pm->exe_path);
    if (n > bufsz)
        n = bufsz;
    memcpy(buf, pm->exe_path, n);
    return (long)n;
}
