/*
 * mremap.c - mremap(2) (mm/mremap.c).  Moving a mapping moves its PTEs, not
 * the data: the frames change their virtual address only.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>

struct moved {
    uint64_t va;
    pteval_t val;
};

struct collect {
    struct moved *m;
    size_t n, cap;
    int oom;
};

static void take_pte(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    struct collect *c = arg;
    pte_journal(pt, va, pte); /* the old place loses its page */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        struct moved *m = realloc(c->m, cap * sizeof(*m));
        if (!m) {
            c->oom = 1;
            return;
        }
        c->m = m;
        c->cap = cap;
    }
    c->m[c->n].va = va;
    c->m[c->n].val = pte->pte;
    c->n++;
    pte->pte = 0;
}

/* Move [old, old+len) to new_addr: VMAs and PTEs.  new range must be free. */
static long move_vma(struct mm_struct *mm, uint64_t old, uint64_t len,
                     uint64_t new_addr, int dontunmap)
{
    struct vm_area_struct *v = vma_lookup(mm, old);
    struct vm_area_struct nv = *v;
    nv.vm_start = new_addr;
    nv.vm_end = new_addr + len;
    if (nv.vm_file)
        nv.vm_pgoff += (old - v->vm_start) >> PAGE_SHIFT;

    /* Reserve the page-table pages first so that the move cannot fail half way. */
    for (uint64_t a = new_addr; a < new_addr + len; a += PAGE_SIZE)
        if (!pte_alloc(&mm->pt, a))
            return -ENOMEM;
    struct collect c = {0};
    pgtable_for_each(&mm->pt, old, old + len, take_pte, &c);
    if (c.oom) {
        for (size_t k = 0; k < c.n; k++)
            pte_lookup(&mm->pt, c.m[k].va)->pte = c.m[k].val;
        free(c.m);
        return -ENOMEM;
    }
    for (size_t k = 0; k < c.n; k++) {
        pte_lookup(&mm->pt, c.m[k].va - old + new_addr)->pte = c.m[k].val;
        pte_journal_new(&mm->pt, c.m[k].va - old + new_addr);
    }
    free(c.m);
    mm->need_flush = true;

    if (vma_insert(mm, &nv, false))
        return -ENOMEM;
    /* The old range keeps its VMA (now empty of pages) with MREMAP_DONTUNMAP. */
    if (!dontunmap)
        vma_remove_range(mm, old, old + len);
    return (long)new_addr;
}

/* After a move of old_len bytes to addr, extend that VMA to new_len (the
 * range above it was reserved free by the caller). */
static long grow_moved(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len)
{
    if (new_len > old_len) {
        size_t i = vma_find_idx(mm, addr + old_len - 1);
        mm->total_vm += (new_len - old_len) >> PAGE_SHIFT;
        mm->vma[i].vm_end = addr + new_len;
        vma_try_merge(mm, i);
    }
    return (long)addr;
}

long do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len,
               uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
    /* mm/mremap.c: SYSCALL_DEFINE5(mremap) checks, in its order. */
    if (flags & ~(uint64_t)(LINUX_MREMAP_FIXED | LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_DONTUNMAP))
        return -EINVAL;
    if ((flags & LINUX_MREMAP_FIXED) && !(flags & LINUX_MREMAP_MAYMOVE))
        return -EINVAL;
    if ((flags & LINUX_MREMAP_DONTUNMAP) &&
        (!(flags & LINUX_MREMAP_MAYMOVE) || old_len != new_len))
        return -EINVAL;
    if (addr & ~PAGE_MASK)
        return -EINVAL;
    uint64_t ol = PAGE_ALIGN(old_len), nl = PAGE_ALIGN(new_len);
    if (ol < old_len || nl < new_len || !nl)
        return -EINVAL;
    old_len = ol;
    new_len = nl;

    struct vm_area_struct *v = vma_lookup(mm, addr);
    if (!v)
        return -EFAULT;
    /* old_len == 0 duplicates shared mappings only. */
    if (!old_len && !(v->vm_flags & VM_SHARED))
        return -EINVAL;
    if (old_len && addr + old_len > v->vm_end)
        return -EFAULT;
    if ((v->vm_flags & VM_DONTEXPAND) && new_len > old_len)
        return -EFAULT;
    if ((flags & LINUX_MREMAP_DONTUNMAP) && (v->vm_flags & VM_SHARED))
        return -EINVAL;

    if (flags & LINUX_MREMAP_FIXED) {
        if (new_addr & ~PAGE_MASK)
            return -EINVAL;
        if (new_addr > mm->task_size || new_len > mm->task_size - new_addr)
            return -EINVAL;
        if (new_addr < addr + old_len && addr < new_addr + new_len)
            return -EINVAL; /* overlapping ranges */
        if (new_addr < mm->mmap_min_addr)
            return -EPERM;
        long r = do_munmap(mm, new_addr, new_len);
        if (r)
            return r;
        if (old_len > new_len) {
            r = do_munmap(mm, addr + new_len, old_len - new_len);
            if (r)
                return r;
            old_len = new_len;
        }
        long r2 = move_vma(mm, addr, old_len, new_addr, flags & LINUX_MREMAP_DONTUNMAP);
        return r2 < 0 ? r2 : grow_moved(mm, new_addr, old_len, new_len);
    }

    if (new_len <= old_len) {
        if (new_len < old_len) {
            long r = do_munmap(mm, addr + new_len, old_len - new_len);
            if (r)
                return r;
        }
        return (long)addr;
    }

    /* Grow in place when the VMA ends at the old end and room follows. */
    if (addr + old_len == v->vm_end) {
        size_t i = vma_find_idx(mm, addr);
        uint64_t end = addr + new_len;
        uint64_t next = i + 1 < mm->nvma ? mm->vma[i + 1].vm_start : mm->task_size;
        if (i + 1 < mm->nvma && (mm->vma[i + 1].vm_flags & VM_GROWSDOWN))
            next = next > STACK_GUARD_GAP ? next - STACK_GUARD_GAP : 0;
        if (end <= next && end <= mm->task_size && end > addr) {
            mm->total_vm += (end - v->vm_end) >> PAGE_SHIFT;
            v->vm_end = end;
            vma_try_merge(mm, i);
            return (long)addr;
        }
    }
    if (!(flags & LINUX_MREMAP_MAYMOVE))
        return -ENOMEM;
    long na = get_unmapped_area(mm, 0, new_len, 0);
    if (na < 0)
        return na;
    /* Move the old range, then extend the new VMA to new_len. */
    long r = move_vma(mm, addr, old_len, (uint64_t)na, 0);
    return r < 0 ? r : grow_moved(mm, (uint64_t)na, old_len, new_len);
}
