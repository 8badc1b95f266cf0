/*
 * The documented x86-64 virtual address layout, for 4- and 5-level paging.
 *
 * Source: the Linux kernel's Documentation/arch/x86/x86_64/mm.rst (6.x,
 * including the split guard-page and non-canonical rows). pagemu uses these
 * tables to name the region of every address it refuses, e.g. "direct
 * mapping of all physical memory (page_offset_base)" for a kernel pointer.
 */
#ifndef PAGEMU_LAYOUT_H
#define PAGEMU_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

enum layout_kind {
	LAYOUT_USER,          /* user space (below TASK_SIZE_MAX) */
	LAYOUT_USER_GUARD,    /* the guard page at the top of user space (TASK_SIZE_MAX .. end of user half) */
	LAYOUT_NONCANONICAL,  /* the non-canonical hole */
	LAYOUT_KERNEL,        /* a named kernel-half region */
	LAYOUT_KERNEL_HOLE,   /* an "unused hole" in the kernel half */
	LAYOUT_VSYSCALL,      /* legacy vsyscall ABI page(s) */
};

struct layout_region {
	uint64_t start;       /* first byte */
	uint64_t last;        /* last byte, inclusive: the table must reach 2^64-1, which a half-open end cannot express */
	const char *name;     /* the mm.rst description, e.g. "direct mapping of all physical memory (page_offset_base)" */
	const char *size;     /* the mm.rst size column, e.g. "64 TB" */
	enum layout_kind kind;
};

/* levels is 4 or 5. Returns the table sorted by start; *n gets its length. NULL for other levels. */
const struct layout_region *layout_table(int levels, size_t *n);

/* The region containing addr (never NULL for levels 4/5 because the table tiles the space). */
const struct layout_region *layout_find(int levels, uint64_t addr);

/* TASK_SIZE_MAX for the mode: (1<<47)-4096 or (1<<56)-4096 (arch/x86/include/asm/page_64_types.h) */
uint64_t layout_task_size_max(int levels);

/* true if addr is canonical for the mode (bits 63..47 or 63..56 all equal) */
int layout_is_canonical(int levels, uint64_t addr);

/* Short stable name of a kind ("user", "user-guard", ...), for reports; "?" if unknown. */
const char *layout_kind_name(enum layout_kind kind);

#endif /* PAGEMU_LAYOUT_H */
