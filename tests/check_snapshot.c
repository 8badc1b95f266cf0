/*
 * check_snapshot.c - snapshot and restore (emu/snapshot.c) on a real guest
 * (guest-tests/snapshot/snapguest.c): after a run that mmaps, munmaps,
 * mprotects, mremaps, grows brk, writes everywhere, opens fds and changes
 * a signal handler, pagemu_restore must give back the snapshot's memory
 * (byte for byte, page by page), registers, VMAs (entry for entry), mm
 * bounds, fds and signal state.  Also the persistent-harness API: stops,
 * stop on return, stdin buffers, limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm.h"
#include "pagemu.h"
#include "pagemu_int.h"

static char guest[4096];

static void find_guest(void)
{
    const char *b = getenv("top_builddir");
    snprintf(guest, sizeof(guest), "%s/snapguest", b ? b : ".");
}

/* ---- a full picture of the guest process ------------------------------- */

struct page_rec {
    uint64_t va;
    pteval_t flags;     /* the entry without frame, A/D and _PAGE_SNAP */
    uint8_t bytes[4096];
};

struct picture {
    uint64_t regs[PAGEMU_REG_COUNT];
    struct vm_area_struct *vma;
    size_t nvma;
    uint64_t brk, start_brk, stack_top, total_vm;
    struct page_rec *pages;
    size_t npages;
    int fds[64];        /* host fd present (1) or not, per guest fd */
    uint64_t sigact_handler[64];
    uint64_t sigmask;
};

static void add_page(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    struct picture *p = arg;
    p->pages = realloc(p->pages, (p->npages + 1) * sizeof(*p->pages));
    ck_assert_ptr_nonnull(p->pages);
    struct page_rec *r = &p->pages[p->npages++];
    r->va = va;
    r->flags = pte->pte & ~(PTE_PFN_MASK | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SNAP);
    memcpy(r->bytes, frame_host(pt->fp, pte->pte & PTE_PFN_MASK), 4096);
}

/* Read without side effects: only present pages, straight from frames. */
static void take_picture(pagemu_t *pm, struct picture *p)
{
    memset(p, 0, sizeof(*p));
    for (int r = 0; r < PAGEMU_REG_COUNT; r++)
        ck_assert_int_eq(pagemu_reg_read(pm, (pagemu_reg)r, &p->regs[r]), PAGEMU_EOK);
    p->nvma = pm->mm.nvma;
    p->vma = malloc(p->nvma * sizeof(*p->vma));
    memcpy(p->vma, pm->mm.vma, p->nvma * sizeof(*p->vma));
    p->brk = pm->mm.brk;
    p->start_brk = pm->mm.start_brk;
    p->stack_top = pm->mm.stack_top;
    p->total_vm = pm->mm.total_vm;
    pgtable_for_each(&pm->mm.pt, 0, pm->mm.task_size, add_page, p);
    for (int g = 0; g < 64; g++)
        p->fds[g] = g < pm->fds.n && pm->fds.fd[g].host >= 0;
    for (int s = 0; s < 64; s++)
        p->sigact_handler[s] = pm->sigact[s].handler;
    p->sigmask = pm->sigmask;
}

static void free_picture(struct picture *p)
{
    free(p->vma);
    free(p->pages);
}

/* Equal, entry for entry and byte for byte; returns the differences. */
static int compare(const struct picture *a, const struct picture *b, int verbose)
{
    int diff = 0;
    for (int r = 0; r < PAGEMU_REG_COUNT; r++)
        if (a->regs[r] != b->regs[r]) {
            if (verbose)
                fprintf(stderr, "reg %d: %llx vs %llx\n", r, (unsigned long long)a->regs[r],
                        (unsigned long long)b->regs[r]);
            diff++;
        }
    if (a->nvma != b->nvma) {
        if (verbose)
            fprintf(stderr, "nvma %zu vs %zu\n", a->nvma, b->nvma);
        diff++;
    } else {
        for (size_t i = 0; i < a->nvma; i++) {
            const struct vm_area_struct *x = &a->vma[i], *y = &b->vma[i];
            if (x->vm_start != y->vm_start || x->vm_end != y->vm_end ||
                x->vm_flags != y->vm_flags || x->vm_pgoff != y->vm_pgoff ||
                x->vm_file != y->vm_file || x->vm_name != y->vm_name) {
                if (verbose)
                    fprintf(stderr, "vma %zu: %llx-%llx %x vs %llx-%llx %x\n", i,
                            (unsigned long long)x->vm_start, (unsigned long long)x->vm_end,
                            x->vm_flags, (unsigned long long)y->vm_start,
                            (unsigned long long)y->vm_end, y->vm_flags);
                diff++;
            }
        }
    }
    if (a->brk != b->brk || a->start_brk != b->start_brk || a->stack_top != b->stack_top ||
        a->total_vm != b->total_vm)
        diff++;
    if (a->npages != b->npages) {
        if (verbose)
            fprintf(stderr, "present pages %zu vs %zu\n", a->npages, b->npages);
        diff++;
    } else {
        for (size_t i = 0; i < a->npages; i++) {
            const struct page_rec *x = &a->pages[i], *y = &b->pages[i];
            if (x->va != y->va || x->flags != y->flags || memcmp(x->bytes, y->bytes, 4096)) {
                if (verbose)
                    fprintf(stderr, "page %llx / %llx differs\n", (unsigned long long)x->va,
                            (unsigned long long)y->va);
                diff++;
            }
        }
    }
    if (memcmp(a->fds, b->fds, sizeof(a->fds)))
        diff++;
    if (memcmp(a->sigact_handler, b->sigact_handler, sizeof(a->sigact_handler)) ||
        a->sigmask != b->sigmask)
        diff++;
    return diff;
}

/* Open the guest and run it to fuzz_one's first instruction. */
static pagemu_t *open_at_fuzz_one(const char *input, uint64_t *fn)
{
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.aslr = 0;
    pagemu_t *pm;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    char *argv[] = {guest, NULL};
    char *envp[] = {NULL};
    ck_assert_int_eq(pagemu_load(pm, guest, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_stdin(pm, input, strlen(input)), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_symbol(pm, "fuzz_one", fn), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_add_stop(pm, *fn), PAGEMU_EOK);
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_STOPPED);
    ck_assert_uint_eq(r.stop_addr, *fn);
    uint64_t rip;
    pagemu_reg_read(pm, PAGEMU_REG_RIP, &rip);
    ck_assert_uint_eq(rip, *fn);
    return pm;
}

START_TEST(restore_gives_back_everything)
{
    uint64_t fn;
    pagemu_t *pm = open_at_fuzz_one("hello", &fn);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_ENOSNAP);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_clear_stops(pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_stop_on_return(pm), PAGEMU_EOK);

    struct picture snap;
    take_picture(pm, &snap);
    ck_assert_uint_gt(snap.npages, 20);

    for (int iter = 0; iter < 3; iter++) {
        pagemu_result r;
        ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
        ck_assert_int_eq(r.kind, PAGEMU_STOPPED);

        struct picture after;
        take_picture(pm, &after);
        /* The run really changed things, so the comparison can fail. */
        ck_assert_int_gt(compare(&snap, &after, 0), 5);
        ck_assert_uint_gt(after.nvma, snap.nvma);
        ck_assert_uint_ne(after.brk, snap.brk);
        free_picture(&after);

        pagemu_restore_stats st;
        ck_assert_int_eq(pagemu_restore(pm, &st), PAGEMU_EOK);
        struct picture back;
        take_picture(pm, &back);
        ck_assert_int_eq(compare(&snap, &back, 1), 0);
        free_picture(&back);
        /* The cost follows the pages touched, not the address space. */
        /* written or unmapped pages of the snapshot: stack, .data,
         * main's mapping (written, unmapped, reprotected, moved), heap */
        ck_assert_uint_ge(st.pages_restored, 8);
        /* new since: 64 bss pages, 8 mmap pages, 40 brk pages, the
         * moved pages' new place */
        ck_assert_uint_ge(st.pages_freed, 64 + 8 + 40);
        ck_assert_uint_lt(st.pages_restored, snap.npages);
        ck_assert_uint_eq(st.fds_closed, 1);
    }
    free_picture(&snap);
    pagemu_close(pm);
}
END_TEST

START_TEST(restore_after_crash_and_exit)
{
    uint64_t fn;
    pagemu_t *pm = open_at_fuzz_one("CRASH", &fn);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    struct picture snap;
    take_picture(pm, &snap);
    pagemu_clear_stops(pm);

    /* No stop: the guest crashes in fuzz_one. */
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_SIGNALED);
    ck_assert_int_eq(r.signo, 11);
    ck_assert_uint_eq(r.fault.si_address, 0);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_ESTATE);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    struct picture back;
    take_picture(pm, &back);
    ck_assert_int_eq(compare(&snap, &back, 1), 0);
    free_picture(&back);

    /* Different input in memory: fuzz_one(buf, len) gets other bytes. */
    uint64_t buf;
    pagemu_reg_read(pm, PAGEMU_REG_RDI, &buf);
    ck_assert_int_eq(pagemu_mem_write(pm, buf, "fine.", 5), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_EXITED);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    take_picture(pm, &back);
    ck_assert_int_eq(compare(&snap, &back, 1), 0);
    free_picture(&back);
    char got[5];
    ck_assert_int_eq(pagemu_mem_read(pm, buf, got, 5), PAGEMU_EOK);
    ck_assert_int_eq(memcmp(got, "CRASH", 5), 0);
    free_picture(&snap);
    pagemu_close(pm);
}
END_TEST

/* A hang is a timeout, by wall time or by instructions, never a hung host;
 * the guest restores and runs on. */
START_TEST(hangs_time_out)
{
    uint64_t fn, buf;
    pagemu_t *pm = open_at_fuzz_one("HANG!", &fn);
    pagemu_reg_read(pm, PAGEMU_REG_RDI, &buf);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    pagemu_clear_stops(pm);
    pagemu_stop_on_return(pm);
    ck_assert_int_eq(pagemu_set_limits(pm, 0, 100), PAGEMU_EOK);
    pagemu_result r;
    for (int i = 0; i < 3; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ck_assert_int_eq(r.kind, PAGEMU_TIMEOUT);
        /* not a timing assertion: only that the limit, not the loop, ended it */
        ck_assert_int_lt(b.tv_sec - a.tv_sec, 30);
        ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    }
    /* A good input under the same limit returns. */
    ck_assert_int_eq(pagemu_mem_write(pm, buf, "fine.", 5), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_STOPPED);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    /* By instruction count. */
    ck_assert_int_eq(pagemu_set_limits(pm, 100000, 0), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_TIMEOUT);
    pagemu_close(pm);
}
END_TEST

START_TEST(limits_end_runs)
{
    uint64_t fn;
    pagemu_t *pm = open_at_fuzz_one("hello", &fn);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    pagemu_clear_stops(pm);
    ck_assert_int_eq(pagemu_set_limits(pm, 1000, 0), PAGEMU_EOK);
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_TIMEOUT);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_limits(pm, 0, 0), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_EXITED);
    ck_assert_int_eq(pagemu_mem_read(pm, 0, &fn, 8), PAGEMU_EFAULT);
    ck_assert_int_eq(pagemu_symbol(pm, "no_such_symbol", &fn), PAGEMU_ENOENT);
    pagemu_close(pm);
}
END_TEST

START_TEST(snapshot_before_the_first_run)
{
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.aslr = 0;
    pagemu_t *pm;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    char *argv[] = {guest, NULL};
    char *envp[] = {NULL};
    ck_assert_int_eq(pagemu_load(pm, guest, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_stdin(pm, "hello", 5), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    int first = -1;
    for (int i = 0; i < 4; i++) {
        pagemu_result r;
        ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
        ck_assert_int_eq(r.kind, PAGEMU_EXITED);
        if (first < 0)
            first = r.exit_status;
        ck_assert_int_eq(r.exit_status, first); /* counter starts at 5 again */
        ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    }
    ck_assert_int_eq(first, 15);
    pagemu_close(pm);
}
END_TEST

/* The same input gives the same coverage and the same result, every time
 * (deterministic clock and seed, coverage prev reset by the restore). */
START_TEST(same_input_same_coverage)
{
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.have_seed = 1;
    cfg.seed = 7; /* ASLR on, but seeded */
    pagemu_t *pm;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    char *argv[] = {guest, NULL};
    char *envp[] = {NULL};
    ck_assert_int_eq(pagemu_load(pm, guest, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_stdin(pm, "hello", 5), PAGEMU_EOK);
    static uint8_t map[65536], first[65536], other[65536];
    ck_assert_int_eq(pagemu_set_coverage(pm, map, sizeof(map)), PAGEMU_EOK);
    uint64_t fn, buf;
    ck_assert_int_eq(pagemu_symbol(pm, "fuzz_one", &fn), PAGEMU_EOK);
    pagemu_add_stop(pm, fn);
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_STOPPED);
    pagemu_reg_read(pm, PAGEMU_REG_RDI, &buf);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_EOK);
    pagemu_clear_stops(pm);
    pagemu_stop_on_return(pm);
    int edges = 0;
    uint64_t rax0 = 0;
    for (int i = 0; i < 5; i++) {
        memset(map, 0, sizeof(map));
        ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
        ck_assert_int_eq(r.kind, PAGEMU_STOPPED);
        uint64_t rax;
        pagemu_reg_read(pm, PAGEMU_REG_RAX, &rax);
        if (i == 0) {
            memcpy(first, map, sizeof(map));
            rax0 = rax;
            for (size_t k = 0; k < sizeof(map); k++)
                edges += map[k] != 0;
        } else {
            ck_assert_int_eq(memcmp(first, map, sizeof(map)), 0);
            ck_assert_uint_eq(rax, rax0);
        }
        ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_EOK);
    }
    ck_assert_int_gt(edges, 20);
    /* Another input takes other edges (the crash path). */
    memset(map, 0, sizeof(map));
    ck_assert_int_eq(pagemu_mem_write(pm, buf, "CRASH", 5), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_SIGNALED);
    memcpy(other, map, sizeof(map));
    ck_assert_int_ne(memcmp(first, other, sizeof(map)), 0);
    pagemu_close(pm);
}
END_TEST

/* Hostile arguments get an error, never a crash. */
START_TEST(bad_arguments)
{
    uint64_t fn, v;
    pagemu_t *pm = open_at_fuzz_one("hello", &fn);
    static uint8_t map[1000];
    ck_assert_int_eq(pagemu_set_coverage(pm, map, sizeof(map)), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, 128), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_reg_read(pm, PAGEMU_REG_COUNT, &v), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_reg_read(pm, (pagemu_reg)-1, &v), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_reg_read(pm, PAGEMU_REG_RAX, NULL), PAGEMU_EINVAL);
    uint64_t rsp;
    pagemu_reg_read(pm, PAGEMU_REG_RSP, &rsp);
    /* A write running off the top of the stack, and wild addresses. */
    static uint8_t big[1 << 20];
    ck_assert_int_eq(pagemu_mem_write(pm, rsp, big, sizeof(big)), PAGEMU_EFAULT);
    ck_assert_int_eq(pagemu_mem_write(pm, 0xffffffffffff0000ULL, big, 0x20000), PAGEMU_EFAULT);
    ck_assert_int_eq(pagemu_mem_read(pm, 0x8000000000000000ULL, big, 8), PAGEMU_EFAULT);
    ck_assert_int_eq(pagemu_mem_write(pm, fn, "x", 1), PAGEMU_EFAULT); /* text */
    ck_assert_int_eq(pagemu_mem_read(pm, rsp, NULL, 8), PAGEMU_EINVAL);
    for (int i = 0; i < 15; i++) /* fuzz_one's stop is the first of 16 */
        ck_assert_int_eq(pagemu_add_stop(pm, 0x1000 + (uint64_t)i), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_add_stop(pm, 0x9999), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_clear_stops(pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_symbol(pm, NULL, &v), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_set_stdin(pm, NULL, 5), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_snapshot_drop(pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_restore(pm, NULL), PAGEMU_ENOSNAP);
    /* After the guest ends, it cannot be snapshotted or run on. */
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_EXITED);
    ck_assert_int_eq(pagemu_snapshot(pm), PAGEMU_ESTATE);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_ESTATE);
    pagemu_close(pm);
    ck_assert_int_eq(pagemu_snapshot(NULL), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_restore(NULL, NULL), PAGEMU_EINVAL);
}
END_TEST

static Suite *snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, restore_gives_back_everything);
    tcase_add_test(tc, restore_after_crash_and_exit);
    tcase_add_test(tc, limits_end_runs);
    tcase_add_test(tc, hangs_time_out);
    tcase_add_test(tc, snapshot_before_the_first_run);
    tcase_add_test(tc, same_input_same_coverage);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    find_guest();
    SRunner *sr = srunner_create(snapshot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
