/*
 * sys_mm.c - memory syscalls: mmap, munmap, mprotect, mremap, brk, msync,
 * mincore, madvise.  The bodies live in mmap.c / mremap.c; this layer
 * turns guest fds into mapped files and checks the fd's access mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mm.h"
#include "pagemu_int.h"
#include "procfs.h"
#include "uaccess.h"
#include "syscall.h"
#include "strace.h"

/* --trace=mm: the VMAs a call left behind in the range it touched. */
static void trace_vmas(struct pagemu *pm, const char *what, long ret, uint64_t start, uint64_t end)
{
    if (!(pm->trace_mask & PAGEMU_TRACE_MM))
        return;
    if (ret < 0) {
        trace_emit(pm, PAGEMU_TRACE_MM, "%s %llx-%llx failed: %ld", what,
                   (unsigned long long)start, (unsigned long long)end, ret);
        return;
    }
    trace_emit(pm, PAGEMU_TRACE_MM, "%s %llx-%llx (now %zu VMAs, %llu pages mapped)", what,
               (unsigned long long)start, (unsigned long long)end, pm->mm.nvma,
               (unsigned long long)pm->mm.total_vm);
    for (size_t i = vma_find_idx(&pm->mm, start); i < pm->mm.nvma && pm->mm.vma[i].vm_start < end; i++) {
        const struct vm_area_struct *v = &pm->mm.vma[i];
        trace_emit(pm, PAGEMU_TRACE_MM, "  vma %llx-%llx %c%c%c%c%s%s",
                   (unsigned long long)v->vm_start, (unsigned long long)v->vm_end,
                   v->vm_flags & VM_READ ? 'r' : '-', v->vm_flags & VM_WRITE ? 'w' : '-',
                   v->vm_flags & VM_EXEC ? 'x' : '-', v->vm_flags & VM_MAYSHARE ? 's' : 'p',
                   v->vm_file ? " " : "", v->vm_file ? v->vm_file->path : "");
    }
}

long sys_mmap(struct pagemu *pm, const uint64_t *a)
{
    uint64_t addr = a[0], len = a[1], prot = a[2], flags = a[3], off = a[5];
    int gfd = (int)a[4];
    struct vm_file *f = NULL;
    uint64_t type = flags & LINUX_MAP_TYPE;
    bool clear_maywrite = false;

    if (!(flags & LINUX_MAP_ANONYMOUS)) {
        /* mm/mmap.c: ksys_mmap_pgoff and do_mmap's file checks. */
        int h = fd_host(pm, gfd);
        if (h < 0)
            return -EBADF;
        struct stat st;
        if (fstat(h, &st) != 0)
            return linux_err(errno);
        int fl = fcntl(h, F_GETFL);
        if ((fl & O_ACCMODE) == O_WRONLY)
            return -EACCES;
        if (type != LINUX_MAP_PRIVATE) {
            if ((prot & LINUX_PROT_WRITE) && (fl & O_ACCMODE) != O_RDWR)
                return -EACCES;
            if ((fl & O_ACCMODE) != O_RDWR)
                clear_maywrite = true;
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5)) {
            /* /dev/zero: drivers/char/mem.c mmap_zero makes it anonymous. */
            flags |= LINUX_MAP_ANONYMOUS;
        } else if ((!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) || procfs_is_generated(h)) {
            /* no f_op->mmap: a pipe, a socket, a generated /proc file */
            return -ENODEV;
        } else {
            char link[64], path[4096];
            snprintf(link, sizeof(link), "/proc/self/fd/%d", h);
            ssize_t n = readlink(link, path, sizeof(path) - 1);
            path[n > 0 ? n : 0] = 0;
            f = vm_file_open(h, path);
            if (!f)
                return -ENOMEM;
        }
    }
    long r = do_mmap(&pm->mm, addr, len, prot, flags, f, off);
    vm_file_put(f);
    trace_vmas(pm, "mmap", r, r < 0 ? addr : (uint64_t)r, (r < 0 ? addr : (uint64_t)r) + PAGE_ALIGN(len));
    if (r >= 0 && clear_maywrite)
        for (size_t i = vma_find_idx(&pm->mm, (uint64_t)r);
             i < pm->mm.nvma && pm->mm.vma[i].vm_start < (uint64_t)r + PAGE_ALIGN(len); i++)
            pm->mm.vma[i].vm_flags &= ~VM_MAYWRITE;
    return r;
}

long sys_munmap(struct pagemu *pm, const uint64_t *a)
{
    long r = do_munmap(&pm->mm, a[0], a[1]);
    trace_vmas(pm, "munmap", r, a[0], a[0] + PAGE_ALIGN(a[1]));
    return r;
}

long sys_mprotect(struct pagemu *pm, const uint64_t *a)
{
    long r = do_mprotect(&pm->mm, a[0], a[1], a[2]);
    trace_vmas(pm, "mprotect", r, a[0], a[0] + PAGE_ALIGN(a[1]));
    return r;
}

long sys_mremap(struct pagemu *pm, const uint64_t *a)
{
    long r = do_mremap(&pm->mm, a[0], a[1], a[2], a[3], a[4]);
    trace_vmas(pm, "mremap", r, r < 0 ? a[0] : (uint64_t)r, (r < 0 ? a[0] : (uint64_t)r) + PAGE_ALIGN(a[2]));
    return r;
}

long sys_brk(struct pagemu *pm, const uint64_t *a)
{
    uint64_t old = pm->mm.brk;
    long r = do_brk(&pm->mm, a[0]);
    if (a[0] && (uint64_t)r != old)
        trace_vmas(pm, "brk", 0, PAGE_ALIGN(old < (uint64_t)r ? old : (uint64_t)r),
                   PAGE_ALIGN(old > (uint64_t)r ? old : (uint64_t)r));
    return r;
}

/* Is [start, end) covered by VMAs with no hole? */
static bool range_mapped(struct mm_struct *mm, uint64_t start, uint64_t end)
{
    for (uint64_t x = start; x < end;) {
        struct vm_area_struct *v = vma_lookup(mm, x);
        if (!v)
            return false;
        x = v->vm_end;
    }
    return true;
}

long sys_msync(struct pagemu *pm, const uint64_t *a)
{
    /* mm/msync.c */
    uint64_t start = a[0], len = a[1], flags = a[2];
    if (flags & ~(uint64_t)(1 | 2 | 4))
        return -EINVAL;
    if ((flags & 1) && (flags & 4))
        return -EINVAL;
    if (start & ~PAGE_MASK)
        return -EINVAL;
    uint64_t end = start + PAGE_ALIGN(len);
    if (end < start)
        return -ENOMEM;
    if (end == start)
        return 0;
    mm_writeback(&pm->mm, start, end);
    return range_mapped(&pm->mm, start, end) ? 0 : -ENOMEM;
}

long sys_mincore(struct pagemu *pm, const uint64_t *a)
{
    /* mm/mincore.c */
    uint64_t start = a[0], len = a[1], vec = a[2];
    if (start & ~PAGE_MASK)
        return -EINVAL;
    if (start > pm->mm.task_size || len > pm->mm.task_size - start)
        return -ENOMEM;
    uint64_t end = start + PAGE_ALIGN(len);
    if (!range_mapped(&pm->mm, start, end))
        return -ENOMEM;
    uint8_t buf[256];
    for (uint64_t x = start; x < end;) {
        size_t n = 0;
        for (; n < sizeof(buf) && x < end; n++, x += PAGE_SIZE) {
            pte_t *p = pte_lookup(&pm->mm.pt, x);
            buf[n] = p && (p->pte & _PAGE_PRESENT);
        }
        if (copy_to_user(pm, vec, buf, n))
            return -EFAULT;
        vec += n;
    }
    return 0;
}

long sys_madvise(struct pagemu *pm, const uint64_t *a)
{
    /* mm/madvise.c: madvise_behavior_valid, then the behaviours. */
    uint64_t start = a[0], len = a[1];
    int advice = (int)a[2];
    switch (advice) {
    case 0: case 1: case 2: case 3:     /* NORMAL RANDOM SEQUENTIAL WILLNEED */
    case 4:                             /* DONTNEED */
    case 8:                             /* FREE */
    case 9: case 10:                    /* REMOVE DONTFORK */
    case 11: case 12: case 13:          /* DOFORK MERGEABLE UNMERGEABLE */
    case 14: case 15: case 16: case 17: /* HUGEPAGE NOHUGEPAGE DONTDUMP DODUMP */
    case 18: case 19: case 20: case 21: /* WIPEONFORK KEEPONFORK COLD PAGEOUT */
    case 22: case 23: case 25:          /* POPULATE_READ POPULATE_WRITE COLLAPSE */
        break;
    default:
        return -EINVAL;
    }
    if (start & ~PAGE_MASK)
        return -EINVAL;
    uint64_t alen = PAGE_ALIGN(len);
    if (alen < len)
        return -EINVAL;
    uint64_t end = start + alen;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    /* MADV_FREE may drop the pages or keep them; dropping is exact for
     * anonymous memory as the guest cannot tell the two apart afterwards
     * except by reading zeros, which Linux allows too. */
    if (advice == 4)
        return do_madvise_dontneed(&pm->mm, start, alen);
    return range_mapped(&pm->mm, start, end) ? 0 : -ENOMEM;
}
