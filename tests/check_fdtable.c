/*
 * Check tests for emu/fdtable.c: lowest-free allocation, install at a fixed
 * number, close, and the -EBADF/-EMFILE limits, as fs/file.c behaves.
 *
 * The handle is a zeroed struct pagemu with only pm->fds initialised: the
 * fd functions must touch nothing else.  Host fds come from /dev/null; a
 * host fd the table closed is checked with fcntl(F_GETFD) right away,
 * before anything could reuse its number.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "pagemu_int.h"

static struct pagemu *pm;

static int host_open(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    ck_assert_int_ge(fd, 0);
    return fd;
}

static int host_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static int host_is_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* A table with nothing in it: stdio slots are forgotten, not closed, so the
 * test process keeps its own 0, 1 and 2. */
static void setup_empty(void)
{
    int i;

    pm = calloc(1, sizeof(*pm));
    ck_assert_ptr_nonnull(pm);
    ck_assert_int_eq(fdtable_init(&pm->fds), 0);
    for (i = 0; i < 3 && i < pm->fds.n; i++) {
        pm->fds.fd[i].host = -1;
        pm->fds.fd[i].cloexec = 0;
    }
}

static void teardown(void)
{
    fdtable_destroy(&pm->fds);
    free(pm);
    pm = NULL;
}

/* ---- core ------------------------------------------------------------- */

/* Guest 0, 1, 2 are host 0, 1, 2 when the host has them open. */
START_TEST(test_init_maps_stdio)
{
    struct pagemu *p = calloc(1, sizeof(*p));
    int i;

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fdtable_init(&p->fds), 0);
    /* The guest inherits the host's RLIMIT_NOFILE soft limit. */
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= 1024 * 1024)
        ck_assert_int_eq(p->fds.max, (int)rl.rlim_cur);
    for (i = 0; i < 3; i++) {
        if (host_is_open(i)) {
            ck_assert_int_eq(fd_host(p, i), i);
            ck_assert_int_eq(p->fds.fd[i].cloexec, 0);
        } else {
            ck_assert_int_eq(fd_host(p, i), -EBADF);
        }
    }
    ck_assert_int_eq(fd_host(p, 3), -EBADF);
    fdtable_destroy(&p->fds);
    free(p);
    /* destroy leaves the host's stdio alone */
    for (i = 0; i < 3; i++)
        if (fcntl(i, F_GETFD) == -1)
            ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* fs/file.c: alloc_fd() - always the lowest free number >= min. */
START_TEST(test_lowest_free)
{
    int h[6], i;

    for (i = 0; i < 6; i++)
        h[i] = host_open();
    ck_assert_int_eq(fd_install(pm, h[0], 0, 0), 0);
    ck_assert_int_eq(fd_install(pm, h[1], 0, 0), 1);
    ck_assert_int_eq(fd_install(pm, h[2], 0, 0), 2);
    ck_assert_int_eq(fd_host(pm, 0), h[0]);
    ck_assert_int_eq(fd_host(pm, 1), h[1]);
    ck_assert_int_eq(fd_host(pm, 2), h[2]);

    /* a hole is refilled first */
    ck_assert_int_eq(fd_close(pm, 1), 0);
    ck_assert_int_eq(fd_install(pm, h[3], 0, 0), 1);
    ck_assert_int_eq(fd_host(pm, 1), h[3]);

    /* min skips the lower free numbers (F_DUPFD) ... */
    ck_assert_int_eq(fd_install(pm, h[4], 0, 5), 5);
    /* ... which are still found without it */
    ck_assert_int_eq(fd_install(pm, h[5], 0, 0), 3);
}
END_TEST

START_TEST(test_cloexec_recorded)
{
    int h0 = host_open(), h1 = host_open(), h2 = host_open();

    ck_assert_int_eq(fd_install(pm, h0, 1, 0), 0);
    ck_assert_int_eq(pm->fds.fd[0].cloexec, 1);
    ck_assert_int_eq(fd_install(pm, h1, 0, 0), 1);
    ck_assert_int_eq(pm->fds.fd[1].cloexec, 0);
    /* a slot reused by install_at takes the new flag */
    ck_assert_int_eq(fd_install_at(pm, h2, 0, 0), 0);
    ck_assert_int_eq(pm->fds.fd[0].cloexec, 0);
    /* and close clears it */
    ck_assert_int_eq(fd_install_at(pm, host_open(), 1, 7), 7);
    ck_assert_int_eq(fd_close(pm, 7), 0);
    ck_assert_int_eq(pm->fds.fd[7].cloexec, 0);
}
END_TEST

/* dup2 semantics: the slot's previous host fd is closed. */
START_TEST(test_install_at_replaces)
{
    int h0 = host_open(), h1 = host_open();

    ck_assert_int_eq(fd_install_at(pm, h0, 0, 7), 7);
    ck_assert_int_eq(fd_host(pm, 7), h0);
    /* install_at does not move the lowest-free search */
    ck_assert_int_eq(fd_host(pm, 0), -EBADF);

    ck_assert_int_eq(fd_install_at(pm, h1, 1, 7), 7);
    ck_assert_int_eq(fd_host(pm, 7), h1);
    ck_assert(host_is_closed(h0));
    ck_assert(host_is_open(h1));
}
END_TEST

/* The table grows past its first allocation on demand. */
START_TEST(test_install_at_grows)
{
    int h0 = host_open(), h1 = host_open();

    pm->fds.max = 5000;
    ck_assert_int_eq(fd_install_at(pm, h0, 0, 3000), 3000);
    ck_assert_int_ge(pm->fds.n, 3001);
    ck_assert_int_eq(fd_host(pm, 3000), h0);
    ck_assert_int_eq(fd_host(pm, 2999), -EBADF);
    ck_assert_int_eq(fd_host(pm, 3001), -EBADF);
    ck_assert_int_eq(fd_install(pm, h1, 0, 0), 0);
    ck_assert_int_eq(fd_close(pm, 3000), 0);
    ck_assert(host_is_closed(h0));
}
END_TEST

START_TEST(test_close)
{
    int h = host_open();

    ck_assert_int_eq(fd_install(pm, h, 0, 0), 0);
    ck_assert_int_eq(fd_close(pm, 0), 0);
    ck_assert(host_is_closed(h));
    ck_assert_int_eq(fd_host(pm, 0), -EBADF);
    /* a second close is -EBADF */
    ck_assert_int_eq(fd_close(pm, 0), -EBADF);
}
END_TEST

/* destroy closes what the guest had open. */
START_TEST(test_destroy_closes)
{
    struct pagemu *p = calloc(1, sizeof(*p));
    int h0 = host_open(), h1 = host_open();

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fdtable_init(&p->fds), 0);
    ck_assert_int_eq(fd_install(p, h0, 0, 3), 3);
    ck_assert_int_eq(fd_install_at(p, h1, 0, 100), 100);
    fdtable_destroy(&p->fds);
    ck_assert(host_is_closed(h0));
    ck_assert(host_is_closed(h1));
    ck_assert_ptr_null(p->fds.fd);
    ck_assert_int_eq(p->fds.n, 0);
    free(p);
}
END_TEST

/* ---- limits and errors ------------------------------------------------ */

START_TEST(test_ebadf)
{
    int h = host_open();

    ck_assert_int_eq(fd_host(pm, -1), -EBADF);
    ck_assert_int_eq(fd_host(pm, 0), -EBADF);
    ck_assert_int_eq(fd_host(pm, pm->fds.n), -EBADF);
    ck_assert_int_eq(fd_host(pm, 1L << 40), -EBADF);
    ck_assert_int_eq(fd_close(pm, -1), -EBADF);
    ck_assert_int_eq(fd_close(pm, 5), -EBADF);
    ck_assert_int_eq(fd_close(pm, 1L << 20), -EBADF);
    ck_assert_int_eq(fd_close(pm, 4294967295L), -EBADF);

    /* fs/file.c: ksys_dup3() - a target at or above RLIMIT_NOFILE is
     * -EBADF, and the host fd offered is not leaked */
    ck_assert_int_eq(fd_install_at(pm, h, 0, pm->fds.max), -EBADF);
    ck_assert(host_is_closed(h));
    h = host_open();
    ck_assert_int_eq(fd_install_at(pm, h, 0, -1), -EBADF);
    ck_assert(host_is_closed(h));
}
END_TEST

/* fs/file.c: alloc_fd() - no free number below RLIMIT_NOFILE is -EMFILE. */
START_TEST(test_emfile)
{
    int h[5], i;

    pm->fds.max = 4;
    for (i = 0; i < 5; i++)
        h[i] = host_open();
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(fd_install(pm, h[i], 0, 0), i);
    ck_assert_int_eq(fd_install(pm, h[4], 0, 0), -EMFILE);
    ck_assert(host_is_closed(h[4]));

    /* freeing one makes room again */
    ck_assert_int_eq(fd_close(pm, 2), 0);
    h[4] = host_open();
    ck_assert_int_eq(fd_install(pm, h[4], 0, 0), 2);

    /* a minimum at or above the limit can never succeed */
    ck_assert_int_eq(fd_close(pm, 3), 0);
    h[3] = host_open();
    ck_assert_int_eq(fd_install(pm, h[3], 0, 4), -EMFILE);
    ck_assert(host_is_closed(h[3]));
}
END_TEST

/* Lowering the limit keeps fds above it (Linux does) but allocates none. */
START_TEST(test_lowered_limit)
{
    int h0 = host_open(), h1 = host_open();

    ck_assert_int_eq(fd_install_at(pm, h0, 0, 10), 10);
    pm->fds.max = 5;
    ck_assert_int_eq(fd_host(pm, 10), h0);
    ck_assert_int_eq(fd_install(pm, h1, 0, 5), -EMFILE);
    ck_assert(host_is_closed(h1));
    ck_assert_int_eq(fd_close(pm, 10), 0);
    ck_assert(host_is_closed(h0));
}
END_TEST

Suite *fdtable_suite(void)
{
    Suite *s = suite_create("fdtable");
    TCase *tc_core = tcase_create("core");
    TCase *tc_limits = tcase_create("limits");

    tcase_add_test(tc_core, test_init_maps_stdio);
    tcase_add_checked_fixture(tc_core, setup_empty, teardown);
    tcase_add_test(tc_core, test_lowest_free);
    tcase_add_test(tc_core, test_cloexec_recorded);
    tcase_add_test(tc_core, test_install_at_replaces);
    tcase_add_test(tc_core, test_install_at_grows);
    tcase_add_test(tc_core, test_close);
    tcase_add_test(tc_core, test_destroy_closes);
    suite_add_tcase(s, tc_core);

    tcase_add_checked_fixture(tc_limits, setup_empty, teardown);
    tcase_add_test(tc_limits, test_ebadf);
    tcase_add_test(tc_limits, test_emfile);
    tcase_add_test(tc_limits, test_lowered_limit);
    suite_add_tcase(s, tc_limits);
    return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
    SRunner *sr = srunner_create(fdtable_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
