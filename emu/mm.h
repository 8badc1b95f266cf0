/*
 * mm.h - the address space: VMAs, mmap and friends, demand paging.
 *
 * These functions work on struct mm_struct alone (no Unicorn), so the Check
 * suites drive them directly.  A change that removes access sets
 * mm->need_flush; the caller flushes Unicorn's TLB before the guest runs.
 */
#ifndef PAGEMU_MM_H
#define PAGEMU_MM_H

#include <stdbool.h>
#include <stdint.h>

#include "mm_types.h"

/* Linux mmap flags and prot (include/uapi/asm-generic/mman-common.h,
 * arch/x86/include/uapi/asm/mman.h), for the guest ABI. */
#define LINUX_PROT_READ 0x1
#define LINUX_PROT_WRITE 0x2
#define LINUX_PROT_EXEC 0x4
#define LINUX_PROT_GROWSDOWN 0x01000000
#define LINUX_PROT_GROWSUP 0x02000000
#define LINUX_MAP_SHARED 0x01
#define LINUX_MAP_PRIVATE 0x02
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_TYPE 0x0f
#define LINUX_MAP_FIXED 0x10
#define LINUX_MAP_ANONYMOUS 0x20
#define LINUX_MAP_32BIT 0x40
#define LINUX_MAP_GROWSDOWN 0x0100
#define LINUX_MAP_DENYWRITE 0x0800
#define LINUX_MAP_EXECUTABLE 0x1000
#define LINUX_MAP_LOCKED 0x2000
#define LINUX_MAP_NORESERVE 0x4000
#define LINUX_MAP_POPULATE 0x8000
#define LINUX_MAP_NONBLOCK 0x10000
#define LINUX_MAP_STACK 0x20000
#define LINUX_MAP_HUGETLB 0x40000
#define LINUX_MAP_SYNC 0x80000
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_MREMAP_MAYMOVE 1
#define LINUX_MREMAP_FIXED 2
#define LINUX_MREMAP_DONTUNMAP 4

/* ---- vma.c ------------------------------------------------------------- */

int mm_init(struct mm_struct *mm, struct frame_pool *fp, int levels);
void mm_destroy(struct mm_struct *mm);

/* The VMA containing addr, or NULL.  O(log n). */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr);
/* Index of the first VMA with vm_end > addr (nvma if none): the kernel's find_vma. */
size_t vma_find_idx(const struct mm_struct *mm, uint64_t addr);
/* Insert a VMA over a range that is free; merges with compatible neighbours
 * unless nomerge.  Returns 0 or -ENOMEM. */
int vma_insert(struct mm_struct *mm, const struct vm_area_struct *v, bool nomerge);
/* Split VMAs so that addr is a boundary.  0 or -ENOMEM. */
int vma_split_at(struct mm_struct *mm, uint64_t addr);
/* Remove every VMA piece and PTE in [start, end).  0 or -ENOMEM. */
int vma_remove_range(struct mm_struct *mm, uint64_t start, uint64_t end);
/* Merge VMA i with its neighbours where possible. */
void vma_try_merge(struct mm_struct *mm, size_t i);
/* Is [start, end) free of VMAs? */
bool vma_range_free(const struct mm_struct *mm, uint64_t start, uint64_t end);

struct vm_file *vm_file_get(struct vm_file *f);
void vm_file_put(struct vm_file *f);
/* Wrap a host fd (dup'd; the caller keeps its own). NULL on failure. */
struct vm_file *vm_file_open(int hostfd, const char *path);

/* ---- mmap.c ------------------------------------------------------------ */

/* Top-down search for a free range of len bytes below high and at or
 * above low (with an alignment mask), honouring the stack guard gap.
 * Returns the address or -ENOMEM. */
long get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len,
                       uint64_t flags);

/* The syscalls' bodies; return the result or a negative Linux errno. */
long do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot,
             uint64_t flags, struct vm_file *file, uint64_t off);
long do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len);
long do_mprotect(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot);
long do_mremap(struct mm_struct *mm, uint64_t old_addr, uint64_t old_len,
               uint64_t new_len, uint64_t flags, uint64_t new_addr);
long do_brk(struct mm_struct *mm, uint64_t brk);
/* Write dirty MAP_SHARED file pages in [start, end) back to their files. */
void mm_writeback(struct mm_struct *mm, uint64_t start, uint64_t end);
long do_madvise_dontneed(struct mm_struct *mm, uint64_t addr, uint64_t len);

/* VM_* flags for a Linux prot. */
uint32_t calc_vm_prot_bits(uint64_t prot);

/* ---- fault.c ----------------------------------------------------------- */

enum pagemu_fault_kind {
    FAULT_NONE = 0,
    FAULT_MAPERR,        /* no VMA: SIGSEGV/SEGV_MAPERR */
    FAULT_ACCERR,        /* VMA refuses the access: SIGSEGV/SEGV_ACCERR */
    FAULT_NONCANONICAL,  /* #GP: SIGSEGV/SI_KERNEL, si_addr 0 */
    FAULT_KERNEL,        /* kernel half: SIGSEGV/SEGV_MAPERR */
    FAULT_SIGBUS,        /* file page beyond EOF: SIGBUS/BUS_ADRERR */
    FAULT_OOM,           /* the frame pool is exhausted */
    FAULT_VSYSCALL,      /* a fetch from the vsyscall page: emulate the call */
};

struct fault_info {
    enum pagemu_fault_kind kind;
    const char *reason;  /* static string for the report */
};

/* Access kinds match pagemu_access. */
/*
 * The page fault path (arch/x86/mm/fault.c: do_user_addr_fault, and
 * mm/memory.c: handle_mm_fault): make va accessible for access, allocating
 * and filling the frame on demand and growing the stack VMA.  On success
 * returns 0 and the leaf PTE in *ptep; else returns -1 with fi filled.
 */
int handle_mm_fault(struct mm_struct *mm, uint64_t va, int access, pte_t **ptep,
                     struct fault_info *fi);

/* Leaf PTE value from VMA flags. */
pteval_t vm_get_page_prot(uint32_t vm_flags);

#endif
