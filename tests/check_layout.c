/*
 * Check tests for emu/layout.c: the mm.rst layout tables must tile the
 * whole 64-bit space in both paging modes, and well-known kernel and user
 * addresses must land in the region the kernel documents for them.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

#define DIRECT_MAP "direct mapping of all physical memory (page_offset_base)"
#define VMALLOC    "vmalloc/ioremap space (vmalloc_base)"
#define VMEMMAP    "virtual memory map (vmemmap_base)"
#define KTEXT      "kernel text mapping, mapped to physical address 0"
#define HYPERVISOR "... guard hole, also reserved for hypervisor"

static const int levels_of[] = { 4, 5 };

/* The table starts at 0, ends at 2^64-1, and has no gap or overlap. */
START_TEST(test_tiles_space)
{
	int levels = levels_of[_i];
	const struct layout_region *t;
	size_t n, i;

	t = layout_table(levels, &n);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(t[0].start, 0);
	for (i = 0; i < n; i++) {
		ck_assert_msg(t[i].start <= t[i].last,
			      "%d-level row %zu ends before it starts", levels, i);
		ck_assert_ptr_nonnull(t[i].name);
		ck_assert_ptr_nonnull(t[i].size);
		if (i > 0)
			ck_assert_msg(t[i].start == t[i - 1].last + 1,
				      "%d-level row %zu (%s) does not follow row %zu",
				      levels, i, t[i].name, i - 1);
	}
	ck_assert_uint_eq(t[n - 1].last, UINT64_MAX);
}
END_TEST

/* The bisection finds every row at both of its ends and just outside them. */
START_TEST(test_find_every_boundary)
{
	int levels = levels_of[_i];
	const struct layout_region *t;
	size_t n, i;

	t = layout_table(levels, &n);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++) {
		ck_assert_ptr_eq(layout_find(levels, t[i].start), &t[i]);
		ck_assert_ptr_eq(layout_find(levels, t[i].last), &t[i]);
		if (t[i].last - t[i].start >= 2)
			ck_assert_ptr_eq(layout_find(levels, t[i].start + 1), &t[i]);
		if (i > 0)
			ck_assert_ptr_eq(layout_find(levels, t[i].start - 1), &t[i - 1]);
		if (i + 1 < n)
			ck_assert_ptr_eq(layout_find(levels, t[i].last + 1), &t[i + 1]);
	}
}
END_TEST

/* Each row's kind agrees with canonicality and with the user/kernel split. */
START_TEST(test_kinds_match_canonicality)
{
	int levels = levels_of[_i];
	const struct layout_region *t;
	size_t n, i;

	t = layout_table(levels, &n);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++) {
		int canon = t[i].kind != LAYOUT_NONCANONICAL;
		int user_half = t[i].kind == LAYOUT_USER ||
				t[i].kind == LAYOUT_USER_GUARD;

		ck_assert_int_eq(layout_is_canonical(levels, t[i].start), canon);
		ck_assert_int_eq(layout_is_canonical(levels, t[i].last), canon);
		if (canon)
			ck_assert_int_eq(!(t[i].start >> 63), user_half);
	}
}
END_TEST

/* The guard row is exactly [TASK_SIZE_MAX, end of user half]. */
START_TEST(test_user_guard_row)
{
	int levels = levels_of[_i];
	uint64_t tsm = layout_task_size_max(levels);
	const struct layout_region *r;

	r = layout_find(levels, tsm - 1);
	ck_assert_int_eq(r->kind, LAYOUT_USER);
	ck_assert_uint_eq(r->last, tsm - 1);
	r = layout_find(levels, tsm);
	ck_assert_int_eq(r->kind, LAYOUT_USER_GUARD);
	ck_assert_uint_eq(r->start, tsm);
	ck_assert_uint_eq(r->last - r->start + 1, 4096);
	ck_assert_int_eq(layout_find(levels, r->last + 1)->kind,
			 LAYOUT_NONCANONICAL);
}
END_TEST

struct lookup_case {
	int levels;
	uint64_t addr;
	enum layout_kind kind;
	const char *name;	/* exact row name, or NULL to check only the kind */
};

static const struct lookup_case lookups[] = {
	/* user half */
	{ 4, 0x0000000000000000ULL, LAYOUT_USER, NULL },
	{ 5, 0x0000000000000000ULL, LAYOUT_USER, NULL },
	{ 4, 0x0000000000400000ULL, LAYOUT_USER, NULL },
	{ 4, 0x00007ffffffff000ULL, LAYOUT_USER_GUARD, "... guard hole" },
	{ 4, 0x00007fffffffffffULL, LAYOUT_USER_GUARD, "... guard hole" },
	{ 5, 0x00007ffffffff000ULL, LAYOUT_USER, NULL },
	{ 5, 0x00fffffffffff000ULL, LAYOUT_USER_GUARD, "... guard hole" },
	{ 4, 0x0000800000000000ULL, LAYOUT_NONCANONICAL, NULL },
	{ 5, 0x0000800000000000ULL, LAYOUT_USER, NULL },
	{ 5, 0x0100000000000000ULL, LAYOUT_NONCANONICAL, NULL },
	{ 4, 0x8000000000000000ULL, LAYOUT_NONCANONICAL, NULL },
	{ 4, 0xffff7fffffffffffULL, LAYOUT_NONCANONICAL, NULL },
	{ 5, 0xfeffffffffffffffULL, LAYOUT_NONCANONICAL, NULL },
	/* kernel half, 4-level */
	{ 4, 0xffff800000000000ULL, LAYOUT_KERNEL, HYPERVISOR },
	{ 4, 0xffff880000000000ULL, LAYOUT_KERNEL, "LDT remap for PTI" },
	{ 4, 0xffff888000000000ULL, LAYOUT_KERNEL, DIRECT_MAP },
	{ 4, 0xffffc87fffffffffULL, LAYOUT_KERNEL, DIRECT_MAP },
	{ 4, 0xffffc88000000000ULL, LAYOUT_KERNEL_HOLE, "... unused hole" },
	{ 4, 0xffffc90000000000ULL, LAYOUT_KERNEL, VMALLOC },
	{ 4, 0xffffea0000000000ULL, LAYOUT_KERNEL, VMEMMAP },
	{ 4, 0xffffec0000000000ULL, LAYOUT_KERNEL, "KASAN shadow memory" },
	/* kernel half, 5-level */
	{ 5, 0xff00000000000000ULL, LAYOUT_KERNEL, HYPERVISOR },
	{ 5, 0xff10000000000000ULL, LAYOUT_KERNEL, "LDT remap for PTI" },
	{ 5, 0xff11000000000000ULL, LAYOUT_KERNEL, DIRECT_MAP },
	{ 5, 0xffff888000000000ULL, LAYOUT_KERNEL, "KASAN shadow memory" },
	{ 5, 0xff91000000000000ULL, LAYOUT_KERNEL_HOLE, "... unused hole" },
	{ 5, 0xffa0000000000000ULL, LAYOUT_KERNEL, VMALLOC },
	{ 5, 0xffd4000000000000ULL, LAYOUT_KERNEL, VMEMMAP },
	{ 5, 0xffdf000000000000ULL, LAYOUT_KERNEL, "KASAN shadow memory" },
	/* the common tail */
	{ 4, 0xfffffe0000000000ULL, LAYOUT_KERNEL, "cpu_entry_area mapping" },
	{ 5, 0xfffffe0000000000ULL, LAYOUT_KERNEL, "cpu_entry_area mapping" },
	{ 4, 0xffffff0000000000ULL, LAYOUT_KERNEL, "%esp fixup stacks" },
	{ 4, 0xffffffef00000000ULL, LAYOUT_KERNEL, "EFI region mapping space" },
	{ 4, 0xffffffff81000000ULL, LAYOUT_KERNEL, KTEXT },
	{ 5, 0xffffffff81000000ULL, LAYOUT_KERNEL, KTEXT },
	{ 4, 0xffffffffa0000000ULL, LAYOUT_KERNEL, "module mapping space" },
	{ 5, 0xffffffffa0000000ULL, LAYOUT_KERNEL, "module mapping space" },
	{ 4, 0xffffffffff5ff000ULL, LAYOUT_KERNEL,
	  "kernel-internal fixmap range, variable size and offset" },
	{ 4, 0xffffffffff600000ULL, LAYOUT_VSYSCALL, "legacy vsyscall ABI" },
	{ 5, 0xffffffffff600000ULL, LAYOUT_VSYSCALL, "legacy vsyscall ABI" },
	{ 4, 0xffffffffff600800ULL, LAYOUT_VSYSCALL, "legacy vsyscall ABI" },
	{ 4, 0xffffffffff601000ULL, LAYOUT_KERNEL_HOLE, "... unused hole" },
	{ 4, 0xffffffffffffffffULL, LAYOUT_KERNEL_HOLE, "... unused hole" },
	{ 5, 0xffffffffffffffffULL, LAYOUT_KERNEL_HOLE, "... unused hole" },
};

START_TEST(test_lookup_literal)
{
	const struct lookup_case *c = &lookups[_i];
	const struct layout_region *r = layout_find(c->levels, c->addr);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->start <= c->addr && c->addr <= r->last,
		      "%d-level %#llx: row %s does not contain it", c->levels,
		      (unsigned long long)c->addr, r->name);
	ck_assert_msg(r->kind == c->kind,
		      "%d-level %#llx: kind %s, expected %s", c->levels,
		      (unsigned long long)c->addr, layout_kind_name(r->kind),
		      layout_kind_name(c->kind));
	if (c->name)
		ck_assert_str_eq(r->name, c->name);
}
END_TEST

/* The vsyscall row is exactly one page, in both modes. */
START_TEST(test_vsyscall_row)
{
	int levels = levels_of[_i];
	const struct layout_region *r = layout_find(levels, 0xffffffffff600000ULL);

	ck_assert_int_eq(r->kind, LAYOUT_VSYSCALL);
	ck_assert_uint_eq(r->start, 0xffffffffff600000ULL);
	ck_assert_uint_eq(r->last, 0xffffffffff600fffULL);
	ck_assert_str_eq(r->size, "4 kB");
}
END_TEST

/* Guard against the circulating bad row: the 4-level direct map is 64 TB. */
START_TEST(test_direct_map_4level)
{
	const struct layout_region *r = layout_find(4, 0xffff888000000000ULL);

	ck_assert_uint_eq(r->start, 0xffff888000000000ULL);
	ck_assert_uint_eq(r->last, 0xffffc87fffffffffULL);
	ck_assert_uint_eq(r->last - r->start + 1, 64ULL << 40);
	ck_assert_str_eq(r->size, "64 TB");
	r = layout_find(4, 0xffffc88000000000ULL);
	ck_assert_uint_eq(r->start, 0xffffc88000000000ULL);
	ck_assert_uint_eq(r->last, 0xffffc8ffffffffffULL);
}
END_TEST

START_TEST(test_canonical)
{
	ck_assert(layout_is_canonical(4, 0));
	ck_assert(layout_is_canonical(4, 0x00007fffffffffffULL));
	ck_assert(!layout_is_canonical(4, 0x0000800000000000ULL));
	ck_assert(!layout_is_canonical(4, 0xffff7fffffffffffULL));
	ck_assert(layout_is_canonical(4, 0xffff800000000000ULL));
	ck_assert(layout_is_canonical(4, UINT64_MAX));
	ck_assert(!layout_is_canonical(4, 0x8000000000000000ULL));
	ck_assert(!layout_is_canonical(4, 0x7fffffffffffffffULL));

	ck_assert(layout_is_canonical(5, 0));
	ck_assert(layout_is_canonical(5, 0x0000800000000000ULL));
	ck_assert(layout_is_canonical(5, 0x00ffffffffffffffULL));
	ck_assert(!layout_is_canonical(5, 0x0100000000000000ULL));
	ck_assert(!layout_is_canonical(5, 0xfeffffffffffffffULL));
	ck_assert(layout_is_canonical(5, 0xff00000000000000ULL));
	ck_assert(layout_is_canonical(5, 0xffff800000000000ULL));
	ck_assert(layout_is_canonical(5, UINT64_MAX));

	ck_assert(!layout_is_canonical(3, 0));
	ck_assert(!layout_is_canonical(6, 0));
}
END_TEST

START_TEST(test_task_size_max)
{
	ck_assert_uint_eq(layout_task_size_max(4), 0x00007ffffffff000ULL);
	ck_assert_uint_eq(layout_task_size_max(4), (1ULL << 47) - 4096);
	ck_assert_uint_eq(layout_task_size_max(5), 0x00fffffffffff000ULL);
	ck_assert_uint_eq(layout_task_size_max(5), (1ULL << 56) - 4096);
	ck_assert_uint_eq(layout_task_size_max(3), 0);
}
END_TEST

START_TEST(test_bad_levels)
{
	size_t n = 123;

	ck_assert_ptr_null(layout_table(3, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(layout_table(0, NULL));
	ck_assert_ptr_null(layout_find(6, 0));
}
END_TEST

Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc;
	int nlevels = (int)(sizeof(levels_of) / sizeof(levels_of[0]));
	int nlookups = (int)(sizeof(lookups) / sizeof(lookups[0]));

	tc = tcase_create("tables");
	tcase_add_loop_test(tc, test_tiles_space, 0, nlevels);
	tcase_add_loop_test(tc, test_find_every_boundary, 0, nlevels);
	tcase_add_loop_test(tc, test_kinds_match_canonicality, 0, nlevels);
	tcase_add_loop_test(tc, test_user_guard_row, 0, nlevels);
	tcase_add_loop_test(tc, test_vsyscall_row, 0, nlevels);
	tcase_add_test(tc, test_direct_map_4level);
	tcase_add_test(tc, test_bad_levels);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_loop_test(tc, test_lookup_literal, 0, nlookups);
	suite_add_tcase(s, tc);

	tc = tcase_create("constants");
	tcase_add_test(tc, test_canonical);
	tcase_add_test(tc, test_task_size_max);
	suite_add_tcase(s, tc);

	return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(layout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
