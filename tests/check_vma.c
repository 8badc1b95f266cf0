/*
 * check_vma.c - VMAs and the mmap family with Linux semantics, in the
 * style of the kernel's tools/testing/vma: literal addresses throughout.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "mm.h"
#include "pagemu.h"

static struct frame_pool fp;
static struct mm_struct mm;

#define RW (LINUX_PROT_READ | LINUX_PROT_WRITE)
#define ANON (LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS)
#define FIXED (ANON | LINUX_MAP_FIXED)

static void setup_levels(int levels)
{
    ck_assert_int_eq(frame_pool_init(&fp, 64ULL << 20), 0);
    ck_assert_int_eq(mm_init(&mm, &fp, levels), 0);
    mm.mmap_base = 0x7ffff7fff000ULL;
}
static void setup4(void) { setup_levels(4); }
static void setup5(void) { setup_levels(5); }
static void teardown(void)
{
    mm_destroy(&mm);
    frame_pool_destroy(&fp);
}

static void expect_vma(size_t i, uint64_t start, uint64_t end, uint32_t rwx)
{
    ck_assert_uint_ge(mm.nvma, i + 1);
    ck_assert_uint_eq(mm.vma[i].vm_start, start);
    ck_assert_uint_eq(mm.vma[i].vm_end, end);
    ck_assert_uint_eq(mm.vma[i].vm_flags & (VM_READ | VM_WRITE | VM_EXEC), rwx);
}

START_TEST(topdown_from_mmap_base)
{
    ck_assert_int_eq(do_mmap(&mm, 0, 0x3000, RW, ANON, NULL, 0), 0x7ffff7ffc000LL);
    ck_assert_int_eq(do_mmap(&mm, 0, 0x1000, LINUX_PROT_READ, ANON, NULL, 0), 0x7ffff7ffb000LL);
    /* Different flags: two VMAs, not merged. */
    ck_assert_uint_eq(mm.nvma, 2);
    ck_assert_int_eq(do_mmap(&mm, 0, 0x1000, LINUX_PROT_READ, ANON, NULL, 0), 0x7ffff7ffa000LL);
    /* Same flags, adjacent: merged with the one above. */
    ck_assert_uint_eq(mm.nvma, 2);
    expect_vma(0, 0x7ffff7ffa000ULL, 0x7ffff7ffc000ULL, VM_READ);
}
END_TEST

START_TEST(hint_used_when_free)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x3000, RW, ANON, NULL, 0), 0x300000);
    expect_vma(0, 0x300000, 0x303000, VM_READ | VM_WRITE);
    /* Occupied hint: falls back to top-down. */
    ck_assert_int_eq(do_mmap(&mm, 0x301000, 0x1000, RW, ANON, NULL, 0), 0x7ffff7ffe000LL);
    /* Unaligned hint is rounded up. */
    ck_assert_int_eq(do_mmap(&mm, 0x400123, 0x1000, RW, ANON, NULL, 0), 0x401000);
}
END_TEST

START_TEST(fixed_rules)
{
    ck_assert_int_eq(do_mmap(&mm, 0x1000, 0x1000, RW, FIXED, NULL, 0), -EPERM);
    ck_assert_int_eq(do_mmap(&mm, 0xf000, 0x1000, RW, FIXED, NULL, 0), -EPERM);
    ck_assert_int_eq(do_mmap(&mm, 0x10000, 0x1000, RW, FIXED, NULL, 0), 0x10000);
    ck_assert_int_eq(do_mmap(&mm, 0x10001, 0x1000, RW, FIXED, NULL, 0), -EINVAL);
    /* The top user page is never mappable: TASK_SIZE_MAX = 2^47 - 4096. */
    ck_assert_int_eq(do_mmap(&mm, 0x7ffffffff000ULL, 0x1000, RW, FIXED, NULL, 0), -ENOMEM);
    ck_assert_int_eq(do_mmap(&mm, 0x7fffffffe000ULL, 0x1000, RW, FIXED, NULL, 0), 0x7fffffffe000LL);
    ck_assert_int_eq(do_mmap(&mm, 0x10000, 0, RW, FIXED, NULL, 0), -EINVAL);
    ck_assert_int_eq(do_mmap(&mm, 0x10000, 0x1000, RW, LINUX_MAP_ANONYMOUS, NULL, 0), -EINVAL);
    ck_assert_int_eq(do_mmap(&mm, 0x10000, 0x1000, RW, FIXED, NULL, 0x123), -EINVAL);
}
END_TEST

START_TEST(fixed_noreplace)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x3000, RW, FIXED, NULL, 0), 0x300000);
    ck_assert_int_eq(do_mmap(&mm, 0x302000, 0x2000, RW, ANON | LINUX_MAP_FIXED_NOREPLACE, NULL, 0),
                     -EEXIST);
    ck_assert_int_eq(do_mmap(&mm, 0x303000, 0x2000, RW, ANON | LINUX_MAP_FIXED_NOREPLACE, NULL, 0),
                     0x303000);
}
END_TEST

START_TEST(fixed_over_middle_splits)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x5000, RW, FIXED, NULL, 0), 0x300000);
    ck_assert_int_eq(do_mmap(&mm, 0x302000, 0x1000, LINUX_PROT_READ, FIXED, NULL, 0), 0x302000);
    ck_assert_uint_eq(mm.nvma, 3);
    expect_vma(0, 0x300000, 0x302000, VM_READ | VM_WRITE);
    expect_vma(1, 0x302000, 0x303000, VM_READ);
    expect_vma(2, 0x303000, 0x305000, VM_READ | VM_WRITE);
}
END_TEST

START_TEST(munmap_middle_splits)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x3000, RW, FIXED, NULL, 0), 0x300000);
    ck_assert_int_eq(do_munmap(&mm, 0x301000, 0x1000), 0);
    ck_assert_uint_eq(mm.nvma, 2);
    expect_vma(0, 0x300000, 0x301000, VM_READ | VM_WRITE);
    expect_vma(1, 0x302000, 0x303000, VM_READ | VM_WRITE);
    ck_assert_ptr_null(vma_lookup(&mm, 0x301000));
    ck_assert_int_eq(do_munmap(&mm, 0x300001, 0x1000), -EINVAL);
    ck_assert_int_eq(do_munmap(&mm, 0x300000, 0), -EINVAL);
    /* Unmapping nothing is fine. */
    ck_assert_int_eq(do_munmap(&mm, 0x500000, 0x1000), 0);
}
END_TEST

START_TEST(mprotect_split_and_merge)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x4000, RW, FIXED, NULL, 0), 0x300000);
    ck_assert_int_eq(do_mprotect(&mm, 0x301000, 0x2000, LINUX_PROT_READ), 0);
    ck_assert_uint_eq(mm.nvma, 3);
    expect_vma(1, 0x301000, 0x303000, VM_READ);
    ck_assert_int_eq(do_mprotect(&mm, 0x301000, 0x2000, RW), 0);
    ck_assert_uint_eq(mm.nvma, 1);
    expect_vma(0, 0x300000, 0x304000, VM_READ | VM_WRITE);
    /* A hole in the range: -ENOMEM. */
    ck_assert_int_eq(do_mprotect(&mm, 0x303000, 0x2000, LINUX_PROT_READ), -ENOMEM);
    ck_assert_int_eq(do_mprotect(&mm, 0x300100, 0x1000, LINUX_PROT_READ), -EINVAL);
    ck_assert_int_eq(do_mprotect(&mm, 0x300000, 0x1000, 0x8), -EINVAL);
}
END_TEST

START_TEST(mprotect_updates_present_ptes)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x1000, RW, FIXED, NULL, 0), 0x300000);
    pte_t *pte;
    struct fault_info fi;
    ck_assert_int_eq(handle_mm_fault(&mm, 0x300000, PAGEMU_ACCESS_WRITE, &pte, &fi), 0);
    ck_assert(pte->pte & _PAGE_RW);
    mm.need_flush = false;
    ck_assert_int_eq(do_mprotect(&mm, 0x300000, 0x1000, LINUX_PROT_READ | LINUX_PROT_EXEC), 0);
    ck_assert(mm.need_flush);
    ck_assert(!(pte->pte & _PAGE_RW));
    ck_assert(!(pte->pte & _PAGE_NX));
    ck_assert(pte->pte & _PAGE_DIRTY);
    ck_assert_int_eq(do_mprotect(&mm, 0x300000, 0x1000, 0), 0);
    ck_assert(!(pte->pte & _PAGE_USER));
    ck_assert_int_eq(handle_mm_fault(&mm, 0x300000, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_ACCERR);
}
END_TEST

START_TEST(brk_grow_shrink)
{
    mm.start_brk = mm.brk = 0x4ad000;
    ck_assert_int_eq(do_brk(&mm, 0), 0x4ad000);
    ck_assert_int_eq(do_brk(&mm, 0x4ce123), 0x4ce123);
    ck_assert_uint_eq(mm.nvma, 1);
    expect_vma(0, 0x4ad000, 0x4cf000, VM_READ | VM_WRITE);
    ck_assert_int_eq(do_brk(&mm, 0x4f0000), 0x4f0000);
    ck_assert_uint_eq(mm.nvma, 1);
    expect_vma(0, 0x4ad000, 0x4f0000, VM_READ | VM_WRITE);
    ck_assert_int_eq(do_brk(&mm, 0x4ae000), 0x4ae000);
    expect_vma(0, 0x4ad000, 0x4ae000, VM_READ | VM_WRITE);
    /* Below start_brk: refused, the old break comes back. */
    ck_assert_int_eq(do_brk(&mm, 0x400000), 0x4ae000);
    /* Growth into another mapping is refused. */
    ck_assert_int_eq(do_mmap(&mm, 0x500000, 0x1000, RW, FIXED, NULL, 0), 0x500000);
    ck_assert_int_eq(do_brk(&mm, 0x500000), 0x4ae000);
}
END_TEST

START_TEST(brk_never_merges_with_bss)
{
    ck_assert_int_eq(do_mmap(&mm, 0x4a8000, 0x5000, RW, FIXED, NULL, 0), 0x4a8000);
    mm.start_brk = mm.brk = 0x4ad000;
    ck_assert_int_eq(do_brk(&mm, 0x4cf000), 0x4cf000);
    ck_assert_uint_eq(mm.nvma, 2);
    expect_vma(0, 0x4a8000, 0x4ad000, VM_READ | VM_WRITE);
    expect_vma(1, 0x4ad000, 0x4cf000, VM_READ | VM_WRITE);
}
END_TEST

START_TEST(mremap_grow_shrink_move)
{
    ck_assert_int_eq(do_mmap(&mm, 0x300000, 0x2000, RW, FIXED, NULL, 0), 0x300000);
    pte_t *pte;
    struct fault_info fi;
    ck_assert_int_eq(handle_mm_fault(&mm, 0x300000, PAGEMU_ACCESS_WRITE, &pte, &fi), 0);
    uint64_t frame = pte->pte & PTE_PFN_MASK;
    /* grow in place */
    ck_assert_int_eq(do_mremap(&mm, 0x300000, 0x2000, 0x4000, 0, 0), 0x300000);
    expect_vma(0, 0x300000, 0x304000, VM_READ | VM_WRITE);
    /* shrink */
    ck_assert_int_eq(do_mremap(&mm, 0x300000, 0x4000, 0x1000, 0, 0), 0x300000);
    expect_vma(0, 0x300000, 0x301000, VM_READ | VM_WRITE);
    /* blocked growth without MAYMOVE */
    ck_assert_int_eq(do_mmap(&mm, 0x301000, 0x1000, LINUX_PROT_READ, FIXED, NULL, 0), 0x301000);
    ck_assert_int_eq(do_mremap(&mm, 0x300000, 0x1000, 0x3000, 0, 0), -ENOMEM);
    /* move: the frame moves with the page */
    long na = do_mremap(&mm, 0x300000, 0x1000, 0x3000, LINUX_MREMAP_MAYMOVE, 0);
    ck_assert_int_eq(na, 0x7ffff7ffc000LL);
    ck_assert_ptr_null(vma_lookup(&mm, 0x300000));
    pte_t *moved = pte_lookup(&mm.pt, 0x7ffff7ffc000ULL);
    ck_assert_ptr_nonnull(moved);
    ck_assert_uint_eq(moved->pte & PTE_PFN_MASK, frame);
    ck_assert_int_eq(do_mremap(&mm, 0x200000, 0x1000, 0x2000, LINUX_MREMAP_MAYMOVE, 0), -EFAULT);
    ck_assert_int_eq(do_mremap(&mm, 0x301000, 0x1000, 0x1000, LINUX_MREMAP_FIXED, 0x900000), -EINVAL);
}
END_TEST

START_TEST(guard_gap_below_stack)
{
    struct vm_area_struct st = {.vm_start = 0x7ffffffde000ULL, .vm_end = 0x7ffffffff000ULL,
                                .vm_flags = VM_READ | VM_WRITE | VM_GROWSDOWN};
    ck_assert_int_eq(vma_insert(&mm, &st, true), 0);
    mm.mmap_base = 0x7ffffffde000ULL;
    /* Top-down allocation stays 256 pages below the stack. */
    ck_assert_int_eq(do_mmap(&mm, 0, 0x1000, RW, ANON, NULL, 0), 0x7fffffedd000LL);
}
END_TEST

START_TEST(hint_above_47_bits_5level)
{
    ck_assert_int_eq(do_mmap(&mm, 0x100000000000000ULL - 0x10000000, 0x1000, RW, ANON, NULL, 0),
                     (long)(0x100000000000000ULL - 0x10000000));
    ck_assert_int_eq(do_mmap(&mm, 0, 0x1000, RW, ANON, NULL, 0), 0x7ffff7ffe000LL);
}
END_TEST

START_TEST(hint_above_47_bits_4level_ignored)
{
    ck_assert_int_eq(do_mmap(&mm, 0x100000000000000ULL - 0x10000000, 0x1000, RW, ANON, NULL, 0),
                     0x7ffff7ffe000LL);
}
END_TEST

Suite *vma_suite(void)
{
    Suite *s = suite_create("vma");
    TCase *c = tcase_create("core");
    tcase_add_checked_fixture(c, setup4, teardown);
    tcase_add_test(c, topdown_from_mmap_base);
    tcase_add_test(c, hint_used_when_free);
    tcase_add_test(c, fixed_over_middle_splits);
    tcase_add_test(c, munmap_middle_splits);
    tcase_add_test(c, mprotect_split_and_merge);
    tcase_add_test(c, mprotect_updates_present_ptes);
    tcase_add_test(c, brk_grow_shrink);
    tcase_add_test(c, brk_never_merges_with_bss);
    tcase_add_test(c, mremap_grow_shrink_move);
    tcase_add_test(c, guard_gap_below_stack);
    tcase_add_test(c, hint_above_47_bits_4level_ignored);
    suite_add_tcase(s, c);
    TCase *l = tcase_create("limits");
    tcase_add_checked_fixture(l, setup4, teardown);
    tcase_add_test(l, fixed_rules);
    tcase_add_test(l, fixed_noreplace);
    suite_add_tcase(s, l);
    TCase *f = tcase_create("5-level");
    tcase_add_checked_fixture(f, setup5, teardown);
    tcase_add_test(f, hint_above_47_bits_5level);
    suite_add_tcase(s, f);
    return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
    SRunner *sr = srunner_create(vma_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
