/*
 * fault.c - the page-fault path: demand paging, stack growth, and the
 * classification of refused accesses (arch/x86/mm/fault.c:
 * do_user_addr_fault, access_error, bad_area*; mm/memory.c:
 * handle_mm_fault; mm/mmap.c: expand_stack).
 */
#include "mm.h"
#include "layout.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pagemu.h"

/* arch/x86/mm/fault.c: access_error().  On x86 every accessible VMA is
 * readable (no write-only or exec-only pages without protection keys). */
static bool access_error(int access, const struct vm_area_struct *v)
{
    if (access == PAGEMU_ACCESS_WRITE)
        return !(v->vm_flags & VM_WRITE);
    if (access == PAGEMU_ACCESS_EXEC)
        return !(v->vm_flags & VM_EXEC);
    return !(v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
}

static int fail(struct fault_info *fi, enum pagemu_fault_kind k, const char *why)
{
    fi->kind = k;
    fi->reason = why;
    return -1;
}

/*
 * mm/mmap.c: expand_downwards().  The stack may grow to va if the result
 * stays within RLIMIT_STACK and keeps stack_guard_gap above the previous
 * accessible VMA.
 */
static struct vm_area_struct *expand_stack(struct mm_struct *mm, uint64_t va,
                                           struct fault_info *fi)
{
    size_t i = vma_find_idx(mm, va);
    if (i == mm->nvma || !(mm->vma[i].vm_flags & VM_GROWSDOWN)) {
        fail(fi, FAULT_MAPERR, "address is not inside any mapping");
        return NULL;
    }
    struct vm_area_struct *v = &mm->vma[i];
    uint64_t addr = va & PAGE_MASK;
    if (v->vm_end - addr > mm->stack_rlimit) {
        fail(fi, FAULT_MAPERR, "stack would grow beyond RLIMIT_STACK");
        return NULL;
    }
    if (i > 0) {
        const struct vm_area_struct *prev = &mm->vma[i - 1];
        if (!(prev->vm_flags & VM_GROWSDOWN) &&
            (prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) &&
            addr - prev->vm_end < STACK_GUARD_GAP) {
            fail(fi, FAULT_MAPERR, "address is in the stack guard gap");
            return NULL;
        }
    }
    if (addr < mm->mmap_min_addr) {
        fail(fi, FAULT_MAPERR, "address is below mmap_min_addr");
        return NULL;
    }
    mm->total_vm += (v->vm_start - addr) >> PAGE_SHIFT;
    v->vm_start = addr;
    return v;
}

/* Fill a new frame of a file mapping: file bytes up to EOF, zeros after.
 * A page wholly beyond EOF is SIGBUS (mm/filemap.c: filemap_fault). */
static int fill_from_file(struct mm_struct *mm, const struct vm_area_struct *v,
                          uint64_t va, uint64_t paddr, struct fault_info *fi)
{
    uint64_t off = (v->vm_pgoff << PAGE_SHIFT) + ((va & PAGE_MASK) - v->vm_start);
    struct stat st;
    if (fstat(v->vm_file->fd, &st) != 0)
        return fail(fi, FAULT_SIGBUS, "cannot read the mapped file");
    if (off >= PAGE_ALIGN((uint64_t)st.st_size))
        return fail(fi, FAULT_SIGBUS, "file mapping accessed beyond end of file");
    uint8_t *dst = frame_host(mm->pt.fp, paddr);
    size_t got = 0;
    while (got < PAGE_SIZE) {
        ssize_t n = pread(v->vm_file->fd, dst + got, PAGE_SIZE - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return 0;
}

int handle_mm_fault(struct mm_struct *mm, uint64_t va, int access, pte_t **ptep,
                    struct fault_info *fi)
{
    int levels = mm->pt.levels;

    fi->kind = FAULT_NONE;
    fi->reason = NULL;
    if (!layout_is_canonical(levels, va))
        return fail(fi, FAULT_NONCANONICAL, "non-canonical address (#GP)");
    if (va >> 63) {
        if (va >= VSYSCALL_ADDR && va < VSYSCALL_ADDR + PAGE_SIZE) {
            if (access == PAGEMU_ACCESS_EXEC)
                return fail(fi, FAULT_VSYSCALL, "vsyscall call");
            /* arch/x86/entry/vsyscall/vsyscall_64.c: the page is execute-only;
             * data access is an ordinary user fault on an unmapped page. */
            return fail(fi, FAULT_MAPERR, "data access to the execute-only vsyscall page");
        }
        return fail(fi, FAULT_KERNEL, "user access to the kernel half");
    }
    if (va >= mm->task_size)
        return fail(fi, FAULT_MAPERR, "address is in the guard page at the top of user space");

    pte_t *pte = pte_lookup(&mm->pt, va);
    struct vm_area_struct *v = vma_lookup(mm, va);
    if (!v) {
        if (va < mm->mmap_min_addr)
            return fail(fi, FAULT_MAPERR, va < PAGE_SIZE ? "NULL pointer dereference"
                                                         : "address is below mmap_min_addr");
        v = expand_stack(mm, va, fi);
        if (!v)
            return -1;
    }
    if (access_error(access, v)) {
        if (!(v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
            return fail(fi, FAULT_ACCERR, "mapping is PROT_NONE");
        if (access == PAGEMU_ACCESS_WRITE)
            return fail(fi, FAULT_ACCERR, "write to a mapping without PROT_WRITE");
        return fail(fi, FAULT_ACCERR, "instruction fetch from a mapping without PROT_EXEC");
    }

    if (!pte || !(pte->pte & _PAGE_PRESENT)) {
        pte = pte_alloc(&mm->pt, va);
        uint64_t paddr = pte ? frame_alloc(mm->pt.fp) : 0;
        if (!paddr)
            return fail(fi, FAULT_OOM, "guest memory limit exhausted");
        if (v->vm_file && fill_from_file(mm, v, va, paddr, fi)) {
            frame_free(mm->pt.fp, paddr);
            return -1;
        }
        pte->pte = paddr | vm_get_page_prot(v->vm_flags) | _PAGE_ACCESSED;
        mm->minor_faults++;
        pte_journal_new(&mm->pt, va);
    }
    pte->pte |= _PAGE_ACCESSED;
    if (access == PAGEMU_ACCESS_WRITE) {
        pte_journal(&mm->pt, va, pte);
        pte->pte |= _PAGE_DIRTY;
    }
    *ptep = pte;
    return 0;
}
