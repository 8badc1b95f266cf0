/*
 * mm_types.h - VMAs and the address space, with the kernel's names
 * (include/linux/mm_types.h, include/linux/mm.h).
 */
#ifndef PAGEMU_MM_TYPES_H
#define PAGEMU_MM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pgtable.h"

/* include/linux/mm.h */
#define VM_READ 0x00000001u
#define VM_WRITE 0x00000002u
#define VM_EXEC 0x00000004u
#define VM_SHARED 0x00000008u
#define VM_MAYREAD 0x00000010u
#define VM_MAYWRITE 0x00000020u
#define VM_MAYEXEC 0x00000040u
#define VM_MAYSHARE 0x00000080u
#define VM_GROWSDOWN 0x00000100u
#define VM_ACCOUNT 0x00100000u   /* charged as private writable memory */
#define VM_NORESERVE 0x00200000u /* MAP_NORESERVE: not charged */
#define VM_DONTEXPAND 0x00040000u /* [vvar], [vdso], [vsyscall]: no mremap growth */
/*
 * pagemu-private: the VMA was made by brk(2).  Linux never merges the heap
 * with the bss below it (native maps show them apart), so the flag keeps
 * them apart here.  Never shown to the guest.
 */
#define VM_PAGEMU_BRK 0x80000000u

/*
 * A file behind a mapping.  pagemu keeps its own host fd so the guest may
 * close its fd after mmap, as on Linux.  Reference-counted: VMA splits share.
 */
struct vm_file {
    int refs;
    int fd;            /* host fd, O_RDONLY or O_RDWR */
    dev_t dev;
    ino_t ino;
    char *path;        /* absolute path, as /proc/self/maps shows it */
};

struct vm_area_struct {
    uint64_t vm_start;  /* first byte */
    uint64_t vm_end;    /* first byte after: [vm_start, vm_end) */
    uint32_t vm_flags;  /* VM_* */
    uint64_t vm_pgoff;  /* file offset in pages, for file mappings */
    struct vm_file *vm_file;
    const char *vm_name; /* "[vsyscall]", "[vdso]", ... or NULL (static storage) */
};

struct mm_struct {
    struct pgtable pt;

    /* VMAs sorted by vm_start, non-overlapping: binary search is O(log n). */
    struct vm_area_struct *vma;
    size_t nvma, vma_cap;

    uint64_t task_size;       /* TASK_SIZE_MAX of the paging mode */
    uint64_t mmap_base;       /* top of the top-down mmap area */
    uint64_t mmap_min_addr;
    uint64_t start_code, end_code, start_data, end_data;
    uint64_t start_brk, brk;  /* [start_brk, brk) is the heap */
    uint64_t start_stack;     /* address of argc at entry */
    uint64_t stack_top;       /* the stack VMA's vm_end */
    uint64_t stack_rlimit;
    uint64_t arg_start, arg_end, env_start, env_end;
    uint64_t minor_faults;
    uint64_t total_vm;        /* pages in all VMAs */

    /* Set when a change removed access: Unicorn's TLB must be flushed. */
    bool need_flush;
    /* Called when the host writes into a page that has VM_EXEC, so stale
     * translated code is dropped (uc_ctl_remove_cache); may be NULL. */
    void (*invalidate_code)(void *ctx, uint64_t va);
    void *invalidate_ctx;
};

#endif
