/*
 * mmap.c - mmap, munmap, mprotect, mremap, brk and madvise(DONTNEED) with
 * Linux semantics (mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c,
 * arch/x86/kernel/sys_x86_64.c).  Everything works on the mm alone; a
 * change that removes access sets mm->need_flush.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t calc_vm_prot_bits(uint64_t prot)
{
    return (prot & LINUX_PROT_READ ? VM_READ : 0) |
           (prot & LINUX_PROT_WRITE ? VM_WRITE : 0) |
           (prot & LINUX_PROT_EXEC ? VM_EXEC : 0);
}

/* The start of the gap below a VMA: a VM_GROWSDOWN stack keeps
 * stack_guard_gap free beneath it (include/linux/mm.h: vm_start_gap). */
static uint64_t vm_start_gap(const struct vm_area_struct *v)
{
    uint64_t s = v->vm_start;
    if (v->vm_flags & VM_GROWSDOWN)
        s = s > STACK_GUARD_GAP ? s - STACK_GUARD_GAP : 0;
    return s;
}

/*
 * Top-down search (mm/mmap.c: unmapped_area_topdown): the highest gap
 * [low, high) that holds len bytes, below each VMA's guard gap.
 */
static long unmapped_area_topdown(struct mm_struct *mm, uint64_t len,
                                  uint64_t low, uint64_t high)
{
    if (high < len || high - len < low)
        return -ENOMEM;
    size_t i = vma_find_idx(mm, high);
    /* Walk gaps downward: the gap below vma[i] (or below high). */
    for (;;) {
        uint64_t gap_end = high;
        if (i < mm->nvma && vm_start_gap(&mm->vma[i]) < gap_end)
            gap_end = vm_start_gap(&mm->vma[i]);
        uint64_t gap_start = i > 0 ? mm->vma[i - 1].vm_end : 0;
        if (gap_start < low)
            gap_start = low;
        if (gap_end >= gap_start + len && gap_end > gap_start)
            return (long)((gap_end - len) & PAGE_MASK);
        if (i == 0 || mm->vma[i - 1].vm_end <= low)
            return -ENOMEM;
        i--;
    }
}

/* arch/x86/kernel/sys_x86_64.c: arch_get_unmapped_area_topdown */
long get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len,
                       uint64_t flags)
{
    uint64_t low = mm->mmap_min_addr > PAGE_SIZE ? mm->mmap_min_addr : PAGE_SIZE;
    uint64_t high = mm->mmap_base;

    if (len > mm->task_size)
        return -ENOMEM;
    if (flags & LINUX_MAP_FIXED)
        return (long)addr;
    /* A hint above the 47-bit window opens the full 5-level space
     * (arch/x86/include/asm/elf.h: mmap_address_hint_valid and
     * arch/x86/kernel/sys_x86_64.c: get_mmap_base with a high hint). */
    if (addr > DEFAULT_MAP_WINDOW && mm->task_size > DEFAULT_MAP_WINDOW)
        high += mm->task_size - DEFAULT_MAP_WINDOW;
    if (addr) {
        addr = PAGE_ALIGN(addr);
        if (addr >= low && mm->task_size - len >= addr) {
            size_t i = vma_find_idx(mm, addr);
            bool ok = i == mm->nvma || addr + len <= vm_start_gap(&mm->vma[i]);
            if (ok && i > 0 && mm->vma[i - 1].vm_end > addr)
                ok = false;
            if (ok)
                return (long)addr;
        }
    }
    long r = unmapped_area_topdown(mm, len, low, high);
    if (r < 0) {
        /* mm/mmap.c: fall back to a bottom-up search from TASK_UNMAPPED_BASE.
         * pagemu searches the rest of the window top-down instead. */
        r = unmapped_area_topdown(mm, len, low, mm->task_size > DEFAULT_MAP_WINDOW &&
                                  addr > DEFAULT_MAP_WINDOW ? mm->task_size : DEFAULT_MAP_WINDOW);
    }
    return r;
}

/* ---- write-back of shared file pages ----------------------------------- */

struct wb {
    struct mm_struct *mm;
    const struct vm_area_struct *v;
};

static void writeback_page(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    const struct vm_area_struct *v = ((struct wb *)arg)->v;
    if (!(pte->pte & _PAGE_DIRTY))
        return;
    uint64_t off = (v->vm_pgoff << PAGE_SHIFT) + (va - v->vm_start);
    struct stat st;
    if (fstat(v->vm_file->fd, &st) != 0 || (uint64_t)st.st_size <= off)
        return;
    uint64_t n = (uint64_t)st.st_size - off;
    if (n > PAGE_SIZE)
        n = PAGE_SIZE;
    if (pwrite(v->vm_file->fd, frame_host(pt->fp, pte->pte & PTE_PFN_MASK), n, (off_t)off) == (ssize_t)n)
        pte->pte &= ~_PAGE_DIRTY;
}

/* Write the dirty pages of MAP_SHARED file VMAs in [start, end) back to
 * their files (mm/msync.c, and the unmap/exit path). */
void mm_writeback(struct mm_struct *mm, uint64_t start, uint64_t end)
{
    for (size_t i = vma_find_idx(mm, start); i < mm->nvma && mm->vma[i].vm_start < end; i++) {
        struct vm_area_struct *v = &mm->vma[i];
        if (!(v->vm_flags & VM_SHARED) || !v->vm_file)
            continue;
        struct wb w = {mm, v};
        uint64_t s = v->vm_start > start ? v->vm_start : start;
        uint64_t e = v->vm_end < end ? v->vm_end : end;
        pgtable_for_each(&mm->pt, s, e, writeback_page, &w);
        /* Clean pages must trap their next write to become dirty again. */
        mm->need_flush = true;
    }
}

/* ---- mmap -------------------------------------------------------------- */

long do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot,
             uint64_t flags, struct vm_file *file, uint64_t off)
{
    uint64_t type = flags & LINUX_MAP_TYPE;

    /* arch/x86/kernel/sys_x86_64.c: sys_mmap */
    if (off & ~PAGE_MASK)
        return -EINVAL;
    /* mm/mmap.c: do_mmap */
    if (!len)
        return -EINVAL;
    if (type != LINUX_MAP_SHARED && type != LINUX_MAP_PRIVATE &&
        type != LINUX_MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (flags & LINUX_MAP_FIXED_NOREPLACE)
        flags |= LINUX_MAP_FIXED;
    if (prot & ~(uint64_t)(LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC |
                           LINUX_PROT_GROWSDOWN | LINUX_PROT_GROWSUP))
        return -EINVAL;
    uint64_t alen = PAGE_ALIGN(len);
    if (!alen || alen < len)
        return -ENOMEM;
    uint64_t pgoff = off >> PAGE_SHIFT;
    if (pgoff + (alen >> PAGE_SHIFT) < pgoff)
        return -EOVERFLOW;
    if (flags & LINUX_MAP_ANONYMOUS)
        file = NULL;
    len = alen;

    if (flags & LINUX_MAP_FIXED) {
        if (addr & ~PAGE_MASK)
            return -EINVAL;
        if (addr > mm->task_size || len > mm->task_size - addr)
            return -ENOMEM;
        /* security/commoncap.c: cap_mmap_addr — pagemu models an
         * unprivileged process, so no CAP_SYS_RAWIO exemption. */
        if (addr < mm->mmap_min_addr)
            return -EPERM;
    } else {
        long a = get_unmapped_area(mm, addr, len, flags);
        if (a < 0)
            return a;
        addr = (uint64_t)a;
        if (addr > mm->task_size - len)
            return -ENOMEM;
    }
    if ((flags & LINUX_MAP_FIXED_NOREPLACE) && !vma_range_free(mm, addr, addr + len))
        return -EEXIST;

    struct vm_area_struct v = {
        .vm_start = addr,
        .vm_end = addr + len,
        .vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
        .vm_pgoff = file ? pgoff : 0,
        .vm_file = file,
    };
    if (type != LINUX_MAP_PRIVATE)
        v.vm_flags |= VM_SHARED | VM_MAYSHARE;
    if (flags & LINUX_MAP_NORESERVE)
        v.vm_flags |= VM_NORESERVE;
    /* mm/mmap.c: accountable_mapping.  VM_ACCOUNT matters to pagemu only
     * because it stops merges exactly where Linux's stop: a RELRO range
     * mprotected to read-only stays apart from the rodata before it. */
    if ((v.vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE)
        v.vm_flags |= VM_ACCOUNT;
    if (flags & LINUX_MAP_GROWSDOWN)
        v.vm_flags |= VM_GROWSDOWN;

    if (!vma_range_free(mm, addr, addr + len)) {
        mm_writeback(mm, addr, addr + len);
        int e = vma_remove_range(mm, addr, addr + len);
        if (e)
            return e;
    }
    int e = vma_insert(mm, &v, false);
    if (e)
        return e;
    return (long)addr;
}

/* ---- munmap ------------------------------------------------------------ */

long do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
    /* mm/vma.c: do_vmi_munmap */
    if ((addr & ~PAGE_MASK) || addr > mm->task_size || len > mm->task_size - addr)
        return -EINVAL;
    len = PAGE_ALIGN(len);
    if (!len)
        return -EINVAL;
    mm_writeback(mm, addr, addr + len);
    return vma_remove_range(mm, addr, addr + len);
}

/* ---- mprotect ---------------------------------------------------------- */

pteval_t vm_get_page_prot(uint32_t vm_flags)
{
    /* arch/x86/mm/pgprot.c: protection_map — on x86 any of R/W/X means the
     * page is present and readable; write needs RW; NX unless VM_EXEC. */
    pteval_t p = _PAGE_PRESENT | _PAGE_USER;
    /* PROT_NONE keeps the frame (the entry stays present) but makes it a
     * supervisor page, so every user access traps: the role Linux gives
     * _PAGE_PROTNONE. */
    if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
        p &= ~_PAGE_USER;
    if (vm_flags & VM_WRITE)
        p |= _PAGE_RW;
    if (!(vm_flags & VM_EXEC))
        p |= _PAGE_NX;
    return p;
}

struct reprot {
    pteval_t prot;
};

static void change_pte(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    pte_journal(pt, va, pte);
    pteval_t keep = pte->pte & (PTE_PFN_MASK | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFTW1);
    pte->pte = keep | ((struct reprot *)arg)->prot;
}

static void change_protection(struct mm_struct *mm, uint64_t s, uint64_t e, uint32_t flags)
{
    struct reprot r = {vm_get_page_prot(flags)};
    pgtable_for_each(&mm->pt, s, e, change_pte, &r);
    mm->need_flush = true;
}

long do_mprotect(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t prot)
{
    /* mm/mprotect.c: do_mprotect_pkey */
    if (start & ~PAGE_MASK)
        return -EINVAL;
    if (!len)
        return 0;
    len = PAGE_ALIGN(len);
    uint64_t end = start + len;
    if (end <= start)
        return -ENOMEM;
    if (prot & ~(uint64_t)(LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC |
                           LINUX_PROT_GROWSDOWN | LINUX_PROT_GROWSUP))
        return -EINVAL;
    if ((prot & LINUX_PROT_GROWSDOWN) && (prot & LINUX_PROT_GROWSUP))
        return -EINVAL;
    struct vm_area_struct *v = vma_lookup(mm, start);
    if (!v)
        return -ENOMEM;
    if (prot & LINUX_PROT_GROWSDOWN) {
        if (!(v->vm_flags & VM_GROWSDOWN))
            return -EINVAL;
        start = v->vm_start;
    }
    uint32_t newbits = calc_vm_prot_bits(prot);
    uint64_t nstart = start;
    while (nstart < end) {
        v = vma_lookup(mm, nstart);
        if (!v || v->vm_start > nstart)
            return -ENOMEM;
        /* VM_MAY* bound what mprotect may grant. */
        if ((newbits & VM_WRITE) && !(v->vm_flags & VM_MAYWRITE))
            return -EACCES;
        if ((newbits & VM_EXEC) && !(v->vm_flags & VM_MAYEXEC))
            return -EACCES;
        uint64_t tmp = v->vm_end < end ? v->vm_end : end;
        if (vma_split_at(mm, nstart) || vma_split_at(mm, tmp))
            return -ENOMEM;
        size_t i = vma_find_idx(mm, nstart);
        v = &mm->vma[i];
        uint32_t nf = (v->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | newbits;
        /* mm/mprotect.c: mprotect_fixup charges a private mapping that
         * becomes writable; the charge (VM_ACCOUNT) stays when write goes. */
        if ((newbits & VM_WRITE) &&
            !(v->vm_flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
            nf |= VM_ACCOUNT;
        if (nf != v->vm_flags) {
            v->vm_flags = nf;
            change_protection(mm, v->vm_start, v->vm_end, nf);
        }
        vma_try_merge(mm, i);
        nstart = tmp;
    }
    return 0;
}

/* ---- brk --------------------------------------------------------------- */

long do_brk(struct mm_struct *mm, uint64_t brk)
{
    /* mm/mmap.c: SYSCALL_DEFINE1(brk) — failure returns the old break. */
    if (brk < mm->start_brk || brk > mm->task_size)
        return (long)mm->brk;
    uint64_t newbrk = PAGE_ALIGN(brk), oldbrk = PAGE_ALIGN(mm->brk);
    if (oldbrk == newbrk) {
        mm->brk = brk;
        return (long)brk;
    }
    if (brk <= mm->brk) {
        if (vma_remove_range(mm, newbrk, oldbrk))
            return (long)mm->brk;
        mm->brk = brk;
        return (long)brk;
    }
    /* Keep a page and the next VMA's guard gap free above the heap. */
    size_t i = vma_find_idx(mm, oldbrk);
    if (i < mm->nvma && newbrk + PAGE_SIZE > vm_start_gap(&mm->vma[i]))
        return (long)mm->brk;
    if (!vma_range_free(mm, oldbrk, newbrk))
        return (long)mm->brk;
    /* mm/mmap.c: do_brk_flags — extend the heap VMA when it ends at oldbrk. */
    struct vm_area_struct *prev = i > 0 ? &mm->vma[i - 1] : NULL;
    if (prev && prev->vm_end == oldbrk && (prev->vm_flags & VM_PAGEMU_BRK)) {
        mm->total_vm += (newbrk - oldbrk) >> PAGE_SHIFT;
        prev->vm_end = newbrk;
    } else {
        struct vm_area_struct v = {
            .vm_start = oldbrk, .vm_end = newbrk,
            .vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
                        VM_MAYEXEC | VM_ACCOUNT | VM_PAGEMU_BRK,
        };
        if (vma_insert(mm, &v, false))
            return (long)mm->brk;
    }
    mm->brk = brk;
    return (long)brk;
}

/* ---- madvise(MADV_DONTNEED) -------------------------------------------- */

long do_madvise_dontneed(struct mm_struct *mm, uint64_t start, uint64_t len)
{
    /* mm/madvise.c: the range must be mapped throughout, else -ENOMEM
     * (after acting on what is mapped). */
    uint64_t end = start + PAGE_ALIGN(len);
    long ret = 0;
    for (uint64_t a = start; a < end;) {
        struct vm_area_struct *v = vma_lookup(mm, a);
        if (!v) {
            size_t i = vma_find_idx(mm, a);
            ret = -ENOMEM;
            if (i == mm->nvma || mm->vma[i].vm_start >= end)
                break;
            a = mm->vma[i].vm_start;
            continue;
        }
        uint64_t e = v->vm_end < end ? v->vm_end : end;
        if (v->vm_flags & VM_SHARED)
            mm_writeback(mm, a, e);
        if (pgtable_unmap_range(&mm->pt, a, e))
            mm->need_flush = true;
        a = e;
    }
    return ret;
}
