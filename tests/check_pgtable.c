/*
 * check_pgtable.c - the software page table, the frame pool and the fault
 * path, with literal addresses and exact PTE bits.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "mm.h"
#include "pagemu.h"
#include "pgtable.h"

static struct frame_pool fp;
static struct mm_struct mm;

static void setup4(void)
{
    ck_assert_int_eq(frame_pool_init(&fp, 64ULL << 20), 0);
    ck_assert_int_eq(mm_init(&mm, &fp, 4), 0);
    mm.mmap_base = 0x7ffff7fff000ULL;
}

static void setup5(void)
{
    ck_assert_int_eq(frame_pool_init(&fp, 64ULL << 20), 0);
    ck_assert_int_eq(mm_init(&mm, &fp, 5), 0);
    mm.mmap_base = 0x7ffff7fff000ULL;
}

static void teardown(void)
{
    mm_destroy(&mm);
    frame_pool_destroy(&fp);
}

START_TEST(frame_alloc_zeroed_and_recycled)
{
    uint64_t a = frame_alloc(&fp), b = frame_alloc(&fp);
    /* The PGD took the first frame. */
    ck_assert_uint_eq(a, FRAME_PBASE + 0x1000);
    ck_assert_uint_eq(b, FRAME_PBASE + 0x2000);
    memset(frame_host(&fp, a), 0xaa, 4096);
    frame_free(&fp, a);
    uint64_t c = frame_alloc(&fp);
    ck_assert_uint_eq(c, a);
    const uint8_t *p = frame_host(&fp, c);
    for (int i = 0; i < 4096; i++)
        ck_assert_uint_eq(p[i], 0);
}
END_TEST

START_TEST(frame_pool_exhaustion)
{
    struct frame_pool small;
    ck_assert_int_eq(frame_pool_init(&small, 1 << 20), 0);
    for (int i = 0; i < 256; i++)
        ck_assert_uint_ne(frame_alloc(&small), 0);
    ck_assert_uint_eq(frame_alloc(&small), 0);
    frame_pool_destroy(&small);
}
END_TEST

START_TEST(walk_4level_indexes)
{
    /* 0x00007f1234567000: PGD 254, PUD 72, PMD 418, PTE 359 */
    uint64_t va = 0x00007f1234567000ULL;
    pte_t *pte = pte_alloc(&mm.pt, va);
    ck_assert_ptr_nonnull(pte);
    pte->pte = (FRAME_PBASE + 0x5000) | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW;
    struct pgwalk w;
    pgtable_walk(&mm.pt, va, &w);
    ck_assert_int_eq(w.levels, 4);
    ck_assert_str_eq(w.name[0], "PGD");
    ck_assert_str_eq(w.name[3], "PTE");
    ck_assert_uint_eq(w.index[0], 254);
    ck_assert_uint_eq(w.index[1], 72);
    ck_assert_uint_eq(w.index[2], 418);
    ck_assert_uint_eq(w.index[3], 359);
    ck_assert_uint_eq(w.val[3], (FRAME_PBASE + 0x5000) | 0x7);
    /* Upper entries point at tables with _PAGE_TABLE flags (0x67). */
    ck_assert_uint_eq(w.val[0] & 0xfff, 0x67);
    ck_assert_uint_eq(mm.pt.ntables, 4);
    ck_assert_ptr_eq(pte_lookup(&mm.pt, va), pte);
    ck_assert_ptr_null(pte_lookup(&mm.pt, 0x400000));
}
END_TEST

START_TEST(walk_5level_indexes)
{
    /* 0x00ff000000001000 under LA57: PGD 255, P4D 0, PUD 0, PMD 0, PTE 1 */
    uint64_t va = 0x00ff000000001000ULL;
    ck_assert_ptr_nonnull(pte_alloc(&mm.pt, va));
    struct pgwalk w;
    pgtable_walk(&mm.pt, va, &w);
    ck_assert_int_eq(w.levels, 5);
    ck_assert_str_eq(w.name[1], "P4D");
    ck_assert_uint_eq(w.index[0], 255);
    ck_assert_uint_eq(w.index[4], 1);
    ck_assert_uint_eq(mm.pt.ntables, 5);
}
END_TEST

START_TEST(demand_paging_and_dirty_bits)
{
    ck_assert_int_eq(do_mmap(&mm, 0x10000000, 0x3000, LINUX_PROT_READ | LINUX_PROT_WRITE,
                             LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0),
                     0x10000000);
    ck_assert_ptr_null(pte_lookup(&mm.pt, 0x10001000));
    pte_t *pte;
    struct fault_info fi;
    ck_assert_int_eq(handle_mm_fault(&mm, 0x10001000, PAGEMU_ACCESS_READ, &pte, &fi), 0);
    /* present, RW, user, accessed, NX; clean */
    ck_assert_uint_eq(pte->pte & ~PTE_PFN_MASK, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
                                                _PAGE_ACCESSED | _PAGE_NX);
    ck_assert_uint_eq(mm.minor_faults, 1);
    ck_assert_int_eq(handle_mm_fault(&mm, 0x10001000, PAGEMU_ACCESS_WRITE, &pte, &fi), 0);
    ck_assert(pte->pte & _PAGE_DIRTY);
    ck_assert_uint_eq(mm.minor_faults, 1);
    /* exec of NX data is an access error */
    ck_assert_int_eq(handle_mm_fault(&mm, 0x10001000, PAGEMU_ACCESS_EXEC, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_ACCERR);
}
END_TEST

START_TEST(fault_classification)
{
    pte_t *pte;
    struct fault_info fi;
    ck_assert_int_eq(handle_mm_fault(&mm, 0x0, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
    ck_assert_int_eq(handle_mm_fault(&mm, 0x0000800000000000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_NONCANONICAL);
    ck_assert_int_eq(handle_mm_fault(&mm, 0xffff888000000000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_KERNEL);
    ck_assert_int_eq(handle_mm_fault(&mm, 0xffffffffff600000ULL, PAGEMU_ACCESS_EXEC, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_VSYSCALL);
    ck_assert_int_eq(handle_mm_fault(&mm, 0xffffffffff600000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
    ck_assert_int_eq(handle_mm_fault(&mm, 0x7ffffffff000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
}
END_TEST

START_TEST(fault_classification_5level)
{
    pte_t *pte;
    struct fault_info fi;
    /* 2^47 is canonical user space under LA57, but nothing is mapped. */
    ck_assert_int_eq(handle_mm_fault(&mm, 0x0000800000000000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
    ck_assert_int_eq(handle_mm_fault(&mm, 0x0100000000000000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_NONCANONICAL);
    ck_assert_int_eq(handle_mm_fault(&mm, 0xff11000000000000ULL, PAGEMU_ACCESS_READ, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_KERNEL);
}
END_TEST

START_TEST(unmap_frees_frames_and_tables)
{
    uint64_t before = fp.used;
    ck_assert_int_eq(do_mmap(&mm, 0x20000000, 0x200000, LINUX_PROT_READ | LINUX_PROT_WRITE,
                             LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0),
                     0x20000000);
    pte_t *pte;
    struct fault_info fi;
    for (uint64_t a = 0x20000000; a < 0x20200000; a += 0x1000)
        ck_assert_int_eq(handle_mm_fault(&mm, a, PAGEMU_ACCESS_WRITE, &pte, &fi), 0);
    /* 512 frames plus PUD, PMD and PTE tables */
    ck_assert_uint_eq(fp.used - before, 512 + 3);
    ck_assert_int_eq(do_munmap(&mm, 0x20000000, 0x200000), 0);
    ck_assert_uint_eq(fp.used, before);
    ck_assert(mm.need_flush);
}
END_TEST

START_TEST(stack_growth_and_guard_gap)
{
    /* A stack VMA [0x7ffffffde000, 0x7ffffffff000) growing down. */
    struct vm_area_struct st = {.vm_start = 0x7ffffffde000ULL, .vm_end = 0x7ffffffff000ULL,
                                .vm_flags = VM_READ | VM_WRITE | VM_GROWSDOWN};
    ck_assert_int_eq(vma_insert(&mm, &st, true), 0);
    pte_t *pte;
    struct fault_info fi;
    ck_assert_int_eq(handle_mm_fault(&mm, 0x7ffffffdd008ULL, PAGEMU_ACCESS_WRITE, &pte, &fi), 0);
    ck_assert_uint_eq(vma_lookup(&mm, 0x7ffffffdd000ULL)->vm_start, 0x7ffffffdd000ULL);
    /* Beyond the 8 MiB rlimit: 0x7ffffffff000 - 8 MiB - 1 page */
    ck_assert_int_eq(handle_mm_fault(&mm, 0x7ffff77fe000ULL, PAGEMU_ACCESS_WRITE, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
    /* A mapping 128 pages below the stack: growth into the 256-page gap fails. */
    ck_assert_int_eq(do_mmap(&mm, 0x7ffffff00000ULL, 0x1000, LINUX_PROT_READ,
                             LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0),
                     0x7ffffff00000LL);
    ck_assert_int_eq(handle_mm_fault(&mm, 0x7ffffff80000ULL, PAGEMU_ACCESS_WRITE, &pte, &fi), -1);
    ck_assert_int_eq(fi.kind, FAULT_MAPERR);
    ck_assert_str_eq(fi.reason, "address is in the stack guard gap");
}
END_TEST

Suite *pgtable_suite(void)
{
    Suite *s = suite_create("pgtable");
    TCase *t4 = tcase_create("4-level");
    tcase_add_checked_fixture(t4, setup4, teardown);
    tcase_add_test(t4, frame_alloc_zeroed_and_recycled);
    tcase_add_test(t4, frame_pool_exhaustion);
    tcase_add_test(t4, walk_4level_indexes);
    tcase_add_test(t4, demand_paging_and_dirty_bits);
    tcase_add_test(t4, fault_classification);
    tcase_add_test(t4, unmap_frees_frames_and_tables);
    tcase_add_test(t4, stack_growth_and_guard_gap);
    suite_add_tcase(s, t4);
    TCase *t5 = tcase_create("5-level");
    tcase_add_checked_fixture(t5, setup5, teardown);
    tcase_add_test(t5, walk_5level_indexes);
    tcase_add_test(t5, fault_classification_5level);
    suite_add_tcase(s, t5);
    return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
    SRunner *sr = srunner_create(pgtable_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
