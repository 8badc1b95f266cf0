/*
 * pgtable_types.h - x86-64 page-table entry format and user layout constants.
 *
 * pagemu keeps a real x86-64 page table (4- or 5-level, 512 entries per
 * table) in guest-physical frames of its frame pool.  The bit names and the
 * level shifts are the kernel's (arch/x86/include/asm/pgtable_types.h,
 * arch/x86/include/asm/pgtable_64_types.h).
 */
#ifndef PAGEMU_PGTABLE_TYPES_H
#define PAGEMU_PGTABLE_TYPES_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PTRS_PER_PTE 512

#define PTE_SHIFT 12
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define P4D_SHIFT 39 /* the PGD under 4-level paging */
#define PGDIR_SHIFT_LA57 48

/* arch/x86/include/asm/pgtable_types.h */
#define _PAGE_BIT_PRESENT 0
#define _PAGE_BIT_RW 1
#define _PAGE_BIT_USER 2
#define _PAGE_BIT_PWT 3
#define _PAGE_BIT_PCD 4
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY 6
#define _PAGE_BIT_PSE 7
#define _PAGE_BIT_GLOBAL 8
#define _PAGE_BIT_SOFTW1 9
#define _PAGE_BIT_SOFTW2 10
#define _PAGE_BIT_SOFTW3 11
#define _PAGE_BIT_NX 63

#define _PAGE_PRESENT (1ULL << _PAGE_BIT_PRESENT)   /* entry maps something */
#define _PAGE_RW (1ULL << _PAGE_BIT_RW)             /* writes allowed */
#define _PAGE_USER (1ULL << _PAGE_BIT_USER)         /* CPL 3 may access */
#define _PAGE_PWT (1ULL << _PAGE_BIT_PWT)
#define _PAGE_PCD (1ULL << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED (1ULL << _PAGE_BIT_ACCESSED) /* set on any fill */
#define _PAGE_DIRTY (1ULL << _PAGE_BIT_DIRTY)       /* set on the first write fill */
#define _PAGE_PSE (1ULL << _PAGE_BIT_PSE)           /* huge page; pagemu never sets it */
#define _PAGE_GLOBAL (1ULL << _PAGE_BIT_GLOBAL)
#define _PAGE_SOFTW1 (1ULL << _PAGE_BIT_SOFTW1)     /* pagemu: frame is shared with a file (MAP_SHARED) */
#define _PAGE_SOFTW2 (1ULL << _PAGE_BIT_SOFTW2)     /* pagemu: _PAGE_SNAP */
#define _PAGE_SOFTW3 (1ULL << _PAGE_BIT_SOFTW3)     /* pagemu: reserved */
#define _PAGE_NX (1ULL << _PAGE_BIT_NX)             /* no instruction fetch */
/*
 * pagemu: the entry and its frame's bytes are as they were when the
 * snapshot was taken (snapshot.c).  The first change to such an entry
 * (a write, an unmap, a new protection) journals it first.
 */
#define _PAGE_SNAP _PAGE_SOFTW2

/* Physical address bits 51..12 (arch/x86/include/asm/pgtable_types.h). */
#define PTE_PFN_MASK 0x000ffffffffff000ULL

/* Flags of a non-leaf entry: the leaf decides, as Linux's _KERNPG_TABLE|_PAGE_USER. */
#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Typed entries so the compiler checks the levels, as in the kernel. */
typedef uint64_t pteval_t;
typedef struct { pteval_t pte; } pte_t;

/*
 * User address-space constants (arch/x86/include/asm/page_64_types.h,
 * arch/x86/include/asm/processor.h).
 */
#define TASK_SIZE_MAX_4 ((1ULL << 47) - PAGE_SIZE)
#define TASK_SIZE_MAX_5 ((1ULL << 56) - PAGE_SIZE)
#define DEFAULT_MAP_WINDOW ((1ULL << 47) - PAGE_SIZE)
#define STACK_TOP_NOASLR DEFAULT_MAP_WINDOW              /* 0x7ffffffff000 */
#define ELF_ET_DYN_BASE ((DEFAULT_MAP_WINDOW / 3) * 2)   /* arch/x86/include/asm/elf.h */
#define VSYSCALL_ADDR 0xffffffffff600000ULL              /* arch/x86/include/uapi/asm/vsyscall.h */
#define STACK_GUARD_GAP (256ULL << PAGE_SHIFT)           /* mm/mmap.c: stack_guard_gap */
#define DEFAULT_STACK_RLIMIT (8ULL << 20)                /* include/uapi/linux/resource.h _STK_LIM */
#define DEFAULT_MMAP_MIN_ADDR 65536ULL                   /* security/Kconfig LSM_MMAP_MIN_ADDR, x86 default */

#endif
