/*
 * The x86-64 virtual memory layout tables, 4-level and 5-level paging.
 *
 * Transcribed from the Linux kernel's Documentation/arch/x86/x86_64/mm.rst
 * (Linux 6.x, after "x86/mm/doc: Add missing details in virtual memory
 * layout", which split off the 4 kB user guard page and the two halves of
 * the non-canonical hole). Constants cross-checked against
 * arch/x86/include/asm/page_64_types.h (TASK_SIZE_MAX) and
 * arch/x86/include/asm/pgtable_64_types.h (region bases).
 *
 * Deviations from the printed table, all deliberate:
 *  - Circulating copies of the 4-level table carry a bogus direct-map row
 *    "ffffc88000000000 .. ffffc87fffffffff" (it ends before it starts). The
 *    kernel's row is ffff888000000000-ffffc87fffffffff, followed by the
 *    0.5 TB unused hole ffffc88000000000-ffffc8ffffffffff.
 *  - mm.rst prints the 5-level user row as ending at 00fffffffffff000, which
 *    is the first byte of the guard page; the last user byte is ...efff.
 *  - The fixmap starts at FIXADDR_START, which varies with the kernel
 *    config. mm.rst leaves MODULES_END (ffffffffff000000) .. FIXADDR_START
 *    unlabelled, so the fixmap row here starts at MODULES_END.
 *  - mm.rst leaves ffffffffff601000-ffffffffffdfffff unlabelled between the
 *    vsyscall page and the final 2 MB hole; pagemu calls it an unused hole.
 *  - Marker lines without an end address ("ffffffff80000000 | -2048 MB",
 *    "ffffffffff000000 | -16 MB") are offsets, not regions, and are skipped.
 */
#include "layout.h"

#define LAYOUT_PAGE_SIZE	4096ULL

/*
 * Everything from fffffc0000000000 up is the same in both modes (mm.rst:
 * "Identical layout to the 47-bit one from here on"). A macro rather than
 * a shared array, so that each mode's table is one contiguous sorted array
 * that layout_find() can bisect.
 */
#define LAYOUT_COMMON_TAIL						\
	{ 0xfffffc0000000000ULL, 0xfffffdffffffffffULL,			\
	  "... unused hole", "2 TB", LAYOUT_KERNEL_HOLE },		\
	{ 0xfffffe0000000000ULL, 0xfffffe7fffffffffULL,			\
	  "cpu_entry_area mapping", "0.5 TB", LAYOUT_KERNEL },		\
	{ 0xfffffe8000000000ULL, 0xfffffeffffffffffULL,			\
	  "... unused hole", "0.5 TB", LAYOUT_KERNEL_HOLE },		\
	{ 0xffffff0000000000ULL, 0xffffff7fffffffffULL,			\
	  "%esp fixup stacks", "0.5 TB", LAYOUT_KERNEL },		\
	{ 0xffffff8000000000ULL, 0xffffffeeffffffffULL,			\
	  "... unused hole", "444 GB", LAYOUT_KERNEL_HOLE },		\
	{ 0xffffffef00000000ULL, 0xfffffffeffffffffULL,			\
	  "EFI region mapping space", "64 GB", LAYOUT_KERNEL },		\
	{ 0xffffffff00000000ULL, 0xffffffff7fffffffULL,			\
	  "... unused hole", "2 GB", LAYOUT_KERNEL_HOLE },		\
	{ 0xffffffff80000000ULL, 0xffffffff9fffffffULL,			\
	  "kernel text mapping, mapped to physical address 0",		\
	  "512 MB", LAYOUT_KERNEL },					\
	{ 0xffffffffa0000000ULL, 0xfffffffffeffffffULL,			\
	  "module mapping space", "1520 MB", LAYOUT_KERNEL },		\
	{ 0xffffffffff000000ULL, 0xffffffffff5fffffULL,			\
	  "kernel-internal fixmap range, variable size and offset",	\
	  "~0.5 MB", LAYOUT_KERNEL },					\
	{ 0xffffffffff600000ULL, 0xffffffffff600fffULL,			\
	  "legacy vsyscall ABI", "4 kB", LAYOUT_VSYSCALL },		\
	{ 0xffffffffff601000ULL, 0xffffffffffdfffffULL,			\
	  "... unused hole", "8188 kB", LAYOUT_KERNEL_HOLE },		\
	{ 0xffffffffffe00000ULL, 0xffffffffffffffffULL,			\
	  "... unused hole", "2 MB", LAYOUT_KERNEL_HOLE }

/* mm.rst "Complete virtual memory map with 4-level page tables" */
static const struct layout_region layout_4level[] = {
	{ 0x0000000000000000ULL, 0x00007fffffffefffULL,
	  "user-space virtual memory, different per mm", "~128 TB",
	  LAYOUT_USER },
	/* TASK_SIZE_MAX = 2^47 - PAGE_SIZE: the top user page never maps */
	{ 0x00007ffffffff000ULL, 0x00007fffffffffffULL,
	  "... guard hole", "4 kB", LAYOUT_USER_GUARD },
	{ 0x0000800000000000ULL, 0x7fffffffffffffffULL,
	  "... huge, almost 63 bits wide hole of non-canonical virtual memory addresses up to the -8 EB starting offset of kernel mappings",
	  "~8 EB", LAYOUT_NONCANONICAL },
	{ 0x8000000000000000ULL, 0xffff7fffffffffffULL,
	  "... huge, almost 63 bits wide hole of non-canonical virtual memory addresses up to the -128 TB starting offset of kernel mappings",
	  "~8 EB", LAYOUT_NONCANONICAL },
	/* kernel half: -128 TB */
	{ 0xffff800000000000ULL, 0xffff87ffffffffffULL,
	  "... guard hole, also reserved for hypervisor", "8 TB",
	  LAYOUT_KERNEL },
	{ 0xffff880000000000ULL, 0xffff887fffffffffULL,
	  "LDT remap for PTI", "0.5 TB", LAYOUT_KERNEL },
	/* the row that circulating copies get wrong; see the header comment */
	{ 0xffff888000000000ULL, 0xffffc87fffffffffULL,
	  "direct mapping of all physical memory (page_offset_base)", "64 TB",
	  LAYOUT_KERNEL },
	{ 0xffffc88000000000ULL, 0xffffc8ffffffffffULL,
	  "... unused hole", "0.5 TB", LAYOUT_KERNEL_HOLE },
	{ 0xffffc90000000000ULL, 0xffffe8ffffffffffULL,
	  "vmalloc/ioremap space (vmalloc_base)", "32 TB", LAYOUT_KERNEL },
	{ 0xffffe90000000000ULL, 0xffffe9ffffffffffULL,
	  "... unused hole", "1 TB", LAYOUT_KERNEL_HOLE },
	{ 0xffffea0000000000ULL, 0xffffeaffffffffffULL,
	  "virtual memory map (vmemmap_base)", "1 TB", LAYOUT_KERNEL },
	{ 0xffffeb0000000000ULL, 0xffffebffffffffffULL,
	  "... unused hole", "1 TB", LAYOUT_KERNEL_HOLE },
	{ 0xffffec0000000000ULL, 0xfffffbffffffffffULL,
	  "KASAN shadow memory", "16 TB", LAYOUT_KERNEL },
	LAYOUT_COMMON_TAIL,
};

/* mm.rst "Complete virtual memory map with 5-level page tables" */
static const struct layout_region layout_5level[] = {
	{ 0x0000000000000000ULL, 0x00ffffffffffefffULL,
	  "user-space virtual memory, different per mm", "~64 PB",
	  LAYOUT_USER },
	/* TASK_SIZE_MAX = 2^56 - PAGE_SIZE */
	{ 0x00fffffffffff000ULL, 0x00ffffffffffffffULL,
	  "... guard hole", "4 kB", LAYOUT_USER_GUARD },
	/* mm.rst says "up to the -8EB TB"; the unit typo is fixed here */
	{ 0x0100000000000000ULL, 0x7fffffffffffffffULL,
	  "... huge, almost 63 bits wide hole of non-canonical virtual memory addresses up to the -8 EB starting offset of kernel mappings",
	  "~8 EB", LAYOUT_NONCANONICAL },
	{ 0x8000000000000000ULL, 0xfeffffffffffffffULL,
	  "... huge, almost 63 bits wide hole of non-canonical virtual memory addresses up to the -64 PB starting offset of kernel mappings",
	  "~8 EB", LAYOUT_NONCANONICAL },
	/* kernel half: -64 PB */
	{ 0xff00000000000000ULL, 0xff0fffffffffffffULL,
	  "... guard hole, also reserved for hypervisor", "4 PB",
	  LAYOUT_KERNEL },
	{ 0xff10000000000000ULL, 0xff10ffffffffffffULL,
	  "LDT remap for PTI", "0.25 PB", LAYOUT_KERNEL },
	{ 0xff11000000000000ULL, 0xff90ffffffffffffULL,
	  "direct mapping of all physical memory (page_offset_base)", "32 PB",
	  LAYOUT_KERNEL },
	{ 0xff91000000000000ULL, 0xff9fffffffffffffULL,
	  "... unused hole", "3.75 PB", LAYOUT_KERNEL_HOLE },
	{ 0xffa0000000000000ULL, 0xffd1ffffffffffffULL,
	  "vmalloc/ioremap space (vmalloc_base)", "12.5 PB", LAYOUT_KERNEL },
	{ 0xffd2000000000000ULL, 0xffd3ffffffffffffULL,
	  "... unused hole", "0.5 PB", LAYOUT_KERNEL_HOLE },
	{ 0xffd4000000000000ULL, 0xffd5ffffffffffffULL,
	  "virtual memory map (vmemmap_base)", "0.5 PB", LAYOUT_KERNEL },
	{ 0xffd6000000000000ULL, 0xffdeffffffffffffULL,
	  "... unused hole", "2.25 PB", LAYOUT_KERNEL_HOLE },
	{ 0xffdf000000000000ULL, 0xfffffbffffffffffULL,
	  "KASAN shadow memory", "~8 PB", LAYOUT_KERNEL },
	LAYOUT_COMMON_TAIL,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Virtual address width: 48 bits with 4-level paging, 57 with 5-level. */
static unsigned int layout_va_bits(int levels)
{
	switch (levels) {
	case 4:
		return 48;
	case 5:
		return 57;
	default:
		return 0;
	}
}

const struct layout_region *layout_table(int levels, size_t *n)
{
	const struct layout_region *t;
	size_t len;

	switch (levels) {
	case 4:
		t = layout_4level;
		len = ARRAY_SIZE(layout_4level);
		break;
	case 5:
		t = layout_5level;
		len = ARRAY_SIZE(layout_5level);
		break;
	default:
		t = NULL;
		len = 0;
		break;
	}
	if (n)
		*n = len;
	return t;
}

const struct layout_region *layout_find(int levels, uint64_t addr)
{
	const struct layout_region *t;
	size_t lo, hi, n;

	t = layout_table(levels, &n);
	if (!t)
		return NULL;

	/*
	 * Find the last region whose start <= addr. t[0].start is 0, so one
	 * exists, and because the table tiles the space it contains addr.
	 * Invariant: t[lo].start <= addr, and every index >= hi starts above it.
	 */
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].start <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &t[lo];
}

uint64_t layout_task_size_max(int levels)
{
	unsigned int bits = layout_va_bits(levels);

	if (!bits)
		return 0;
	/* the user half is 2^(bits-1); its top page is the guard page */
	return (1ULL << (bits - 1)) - LAYOUT_PAGE_SIZE;
}

int layout_is_canonical(int levels, uint64_t addr)
{
	unsigned int bits = layout_va_bits(levels);
	uint64_t top;

	if (!bits)
		return 0;
	/* bits 63..(bits-1) must be all zeros or all ones (sign extension) */
	top = addr >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

const char *layout_kind_name(enum layout_kind kind)
{
	switch (kind) {
	case LAYOUT_USER:
		return "user";
	case LAYOUT_USER_GUARD:
		return "user-guard";
	case LAYOUT_NONCANONICAL:
		return "non-canonical";
	case LAYOUT_KERNEL:
		return "kernel";
	case LAYOUT_KERNEL_HOLE:
		return "kernel-hole";
	case LAYOUT_VSYSCALL:
		return "vsyscall";
	}
	return "?";
}
