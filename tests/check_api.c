/*
 * check_api.c - the public API end to end: errors, configuration checks,
 * loading bad files, and a real guest (guard-demo, built by `make check`)
 * that dies in the stack guard gap, seen through pagemu_result, the fault
 * callback, the text report and the JSON; and the coverage calls (edge
 * map, drcov) on that guest.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemu.h"

static char demo[4096];

static void find_demo(void)
{
    const char *b = getenv("top_builddir");
    snprintf(demo, sizeof(demo), "%s/guard-demo", b ? b : ".");
}

START_TEST(strerror_covers_every_code)
{
    for (int e = 0; e < PAGEMU_E_COUNT; e++) {
        ck_assert_ptr_nonnull(pagemu_strerror((pagemu_err)e));
        ck_assert_str_ne(pagemu_strerror((pagemu_err)e), "unknown error");
    }
    ck_assert_str_eq(pagemu_strerror(PAGEMU_E_COUNT), "unknown error");
    ck_assert_str_eq(pagemu_strerror(PAGEMU_EELF_DYNAMIC), "dynamic binaries are not supported yet");
}
END_TEST

START_TEST(config_is_checked)
{
    pagemu_config cfg;
    pagemu_t *pm;
    pagemu_config_init(&cfg);
    ck_assert_int_eq(cfg.paging_levels, 4);
    ck_assert_int_eq(cfg.aslr, 1);
    ck_assert_uint_eq(cfg.stack_rlimit, 8 << 20);
    ck_assert_uint_eq(cfg.mmap_min_addr, 65536);
    cfg.paging_levels = 3;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_open(NULL, NULL), PAGEMU_EINVAL);
}
END_TEST

START_TEST(bad_programs)
{
    pagemu_t *pm;
    char *argv[] = {"x", NULL};
    ck_assert_int_eq(pagemu_open(NULL, &pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_load(pm, "/nonexistent/prog", 1, argv, NULL), PAGEMU_EIO);
    ck_assert_int_eq(pagemu_load(pm, "/etc/passwd", 1, argv, NULL), PAGEMU_ENOEXEC);
    ck_assert_ptr_nonnull(strstr(pagemu_last_error(pm), "bad magic"));
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_ESTATE);
    pagemu_close(pm);
}
END_TEST

static int faults_seen;
static pagemu_fault last_fault;

static void on_fault(const pagemu_fault *f, void *user_data)
{
    ck_assert_ptr_eq(user_data, &faults_seen);
    faults_seen++;
    last_fault = *f;
}

START_TEST(guard_gap_death)
{
    find_demo();
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.aslr = 0;
    pagemu_t *pm;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    char *argv[] = {"guard-demo", NULL};
    char *envp[] = {NULL};
    ck_assert_int_eq(pagemu_load(pm, demo, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_fault_callback(pm, on_fault, &faults_seen), PAGEMU_EOK);
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_SIGNALED);
    ck_assert_int_eq(r.signo, SIGSEGV);
    ck_assert(r.core_dumped);
    ck_assert_int_eq(r.fault.si_code, 1); /* SEGV_MAPERR */
    ck_assert_int_eq(r.fault.access, PAGEMU_ACCESS_WRITE);
    ck_assert_uint_eq(r.fault.si_address, r.fault.addr);
    /* In the 1 MiB gap below the stack, above the page mapped 2 MiB down. */
    ck_assert_uint_lt(r.fault.addr, 0x7ffffffde000ULL);
    ck_assert_uint_gt(r.fault.addr, 0x7fffffd00000ULL);
    ck_assert_str_eq(r.fault.reason, "address is in the stack guard gap");
    ck_assert_uint_gt(r.minor_faults, 10);
    ck_assert_uint_gt(r.syscalls, 3);
    ck_assert_int_eq(faults_seen, 1);
    ck_assert_uint_eq(last_fault.addr, r.fault.addr);

    size_t n = pagemu_fault_report(pm, NULL, 0);
    char *rep = malloc(n + 1);
    ck_assert_uint_eq(pagemu_fault_report(pm, rep, n + 1), n);
    ck_assert_ptr_nonnull(strstr(rep, "SIGSEGV (SEGV_MAPERR) on write"));
    ck_assert_ptr_nonnull(strstr(rep, "PTE["));
    ck_assert_ptr_nonnull(strstr(rep, "recurse"));
    free(rep);
    n = pagemu_fault_json(pm, NULL, 0);
    char *js = malloc(n + 1);
    pagemu_fault_json(pm, js, n + 1);
    const char *head = "{\"signal\":\"SIGSEGV\",\"signo\":11,\"si_code\":1,";
    ck_assert_int_eq(strncmp(js, head, strlen(head)), 0);
    ck_assert_ptr_nonnull(strstr(js, "\"access\":\"write\""));
    ck_assert_ptr_nonnull(strstr(js, "\"symbol\":\"recurse+"));
    free(js);
    pagemu_close(pm);
}
END_TEST

/* The coverage calls: argument checks, the edge map of a real run, a map
 * taken away before the run stays untouched, and a drcov file. */
START_TEST(coverage_calls)
{
    find_demo();
    static uint8_t map[65536];
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.aslr = 0;
    char *argv[] = {"guard-demo", NULL};
    char *envp[] = {NULL};
    pagemu_t *pm;
    ck_assert_int_eq(pagemu_set_coverage(NULL, map, sizeof(map)), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, 128), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, 3000), PAGEMU_EINVAL);
    ck_assert_int_eq(pagemu_set_coverage(pm, NULL, 0), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_drcov_write(pm), PAGEMU_ESTATE);   /* none asked for */
    ck_assert_int_eq(pagemu_load(pm, demo, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, sizeof(map)), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, sizeof(map)), PAGEMU_EOK); /* again: one hook */
    char path[] = "/tmp/check_api-drcov-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(pagemu_set_drcov(pm, path), PAGEMU_EOK);
    pagemu_result r;
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    ck_assert_int_eq(r.kind, PAGEMU_SIGNALED);
    size_t set = 0;
    for (size_t i = 0; i < sizeof(map); i++)
        set += map[i] != 0;
    ck_assert_uint_gt(set, 100);        /* a static glibc start-up and the recursion */
    ck_assert_uint_lt(set, 10000);
    ck_assert_int_eq(pagemu_drcov_write(pm), PAGEMU_EOK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char head[512] = "";
    size_t n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    ck_assert_uint_gt(n, 100);
    ck_assert_int_eq(strncmp(head, "DRCOV VERSION: 2\nDRCOV FLAVOR: drcov\n"
                                   "Module Table: version 2, count 1\n", 70), 0);
    ck_assert_ptr_nonnull(strstr(head, "guard-demo\nBB Table: "));
    ck_assert_int_eq(pagemu_set_coverage(pm, NULL, 0), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_drcov(pm, NULL), PAGEMU_EOK);
    pagemu_close(pm);
    unlink(path);

    /* A map taken away before the run gets nothing. */
    memset(map, 0, sizeof(map));
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_load(pm, demo, 1, argv, envp), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_coverage(pm, map, 256), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_set_coverage(pm, NULL, 0), PAGEMU_EOK);
    ck_assert_int_eq(pagemu_run(pm, &r), PAGEMU_EOK);
    for (size_t i = 0; i < sizeof(map); i++)
        ck_assert_int_eq(map[i], 0);
    pagemu_close(pm);
}
END_TEST

Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, strerror_covers_every_code);
    tcase_add_test(t, config_is_checked);
    tcase_add_test(t, bad_programs);
    tcase_add_test(t, guard_gap_death);
    tcase_add_test(t, coverage_calls);
    suite_add_tcase(s, t);
    return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
