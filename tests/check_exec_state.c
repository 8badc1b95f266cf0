/*
 * Check tests for emu/exec_state.c: what a guest's execve hands to the
 * re-executed emulator (process.h).  The old image's side is a zeroed
 * struct pagemu with a config, an fd table and signal dispositions; the new
 * image's side parses the string and installs it into another one.
 *
 * Linux keeps the fds without close-on-exec under their numbers
 * (fs/file.c: do_close_on_exec), the blocked mask and SIG_IGN dispositions,
 * and resets handlers (kernel/signal.c: flush_signal_handlers); SIGKILL and
 * SIGSTOP are never blocked.  The virtual clock of cfg.deterministic goes
 * on across the execve, as a process's clocks do.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "pagemu_int.h"
#include "process.h"

#define BIT(sig) (1ULL << ((sig) - 1))

static int host_open(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 3);
    return fd;
}

static struct pagemu *new_handle(void)
{
    struct pagemu *pm = calloc(1, sizeof(*pm));
    ck_assert_ptr_nonnull(pm);
    pagemu_config_init(&pm->cfg);
    ck_assert_int_eq(fdtable_init(&pm->fds), 0);
    return pm;
}

static void free_handle(struct pagemu *pm)
{
    /* host 0-2 belong to the test process */
    for (int g = 0; g < pm->fds.n; g++)
        if (pm->fds.fd[g].host >= 0 && pm->fds.fd[g].host <= 2)
            pm->fds.fd[g].host = -1;
    fdtable_destroy(&pm->fds);
    free(pm);
}

START_TEST(test_round_trip)
{
    struct pagemu *old = new_handle();
    old->cfg.paging_levels = 5;
    old->cfg.aslr = 0;
    old->cfg.stack_rlimit = 16u << 20;
    old->cfg.mem_limit = 1ULL << 30;
    old->cfg.mmap_min_addr = 0x20000;
    old->fds.max = 512;
    old->sigmask = BIT(10) | BIT(2);
    old->sigact[12 - 1].handler = 1;          /* SIGUSR2: SIG_IGN */
    old->sigact[15 - 1].handler = 0x401000;   /* SIGTERM: a handler */
    int kept = host_open(), cx = host_open();
    ck_assert_int_eq(fd_install_at(old, kept, 0, 7), 7);
    ck_assert_int_eq(fd_install_at(old, cx, 1, 5), 5);

    char *s = exec_state_encode(old, 9, "/a b;c=d", "./x\ty", 3);
    ck_assert_ptr_nonnull(s);

    struct exec_import imp;
    pagemu_config base;
    char why[128];
    pagemu_config_init(&base);
    ck_assert_int_eq(exec_state_parse(s, &base, &imp, why, sizeof(why)), 0);
    ck_assert_int_eq(imp.cfg.paging_levels, 5);
    ck_assert_int_eq(imp.cfg.aslr, 0);
    ck_assert_int_eq(imp.cfg.have_seed, 0);
    ck_assert_uint_eq(imp.cfg.stack_rlimit, 16u << 20);
    ck_assert_uint_eq(imp.cfg.mem_limit, 1ULL << 30);
    ck_assert_uint_eq(imp.cfg.mmap_min_addr, 0x20000);
    ck_assert_int_eq(imp.nofile, 512);
    ck_assert_uint_eq(imp.blocked, BIT(10) | BIT(2));
    ck_assert_uint_eq(imp.ignored, BIT(12));   /* the handler is not passed */
    ck_assert_int_eq(imp.prog_fd, 9);
    ck_assert_int_eq(imp.argc, 3);
    ck_assert_str_eq(imp.exe_path, "/a b;c=d");
    ck_assert_str_eq(imp.filename, "./x\ty");
    /* 0, 1, 2 (host 0-2 from fdtable_init) and 7; not close-on-exec 5 */
    int n7 = 0, n5 = 0;
    for (int i = 0; i < imp.nfds; i++) {
        if (imp.fds[i].guest == 7) {
            n7++;
            ck_assert_int_eq(imp.fds[i].host, kept);
        }
        n5 += imp.fds[i].guest == 5;
    }
    ck_assert_int_eq(n7, 1);
    ck_assert_int_eq(n5, 0);
    imp.prog_fd = -1;   /* fd 9 is not ours to close */
    exec_import_free(&imp);
    free(s);
    free_handle(old);
}
END_TEST

START_TEST(test_apply)
{
    int kept = host_open(), moved = host_open();
    int saved1 = dup(1);
    ck_assert_int_ge(saved1, 0);
    char state[256];
    /* guest 1 is host `moved`: the new image makes it host 1 */
    snprintf(state, sizeof(state),
             "pagemu-exec-1;nf=28;blk=%llx;ign=%llx;prog=%x;fn=2e2f78;fd=0.0,1.%x,2.2,30.%x",
             (unsigned long long)(BIT(10) | BIT(9) | BIT(19)), (unsigned long long)BIT(13),
             999, moved, kept);
    struct exec_import imp;
    pagemu_config base;
    char why[128];
    pagemu_config_init(&base);
    ck_assert_int_eq(exec_state_parse(state, &base, &imp, why, sizeof(why)), 0);
    imp.prog_fd = -1;
    struct pagemu *pm = new_handle();
    ck_assert_int_eq(exec_state_apply(pm, &imp), 0);
    /* guest 48 (0x30) survives above the lowered RLIMIT_NOFILE (0x28 = 40) */
    ck_assert_int_eq(pm->fds.max, 40);
    ck_assert_int_eq(fd_host(pm, 48), kept);
    ck_assert_int_eq(pm->fds.fd[48].cloexec, 0);
    ck_assert_int_eq(fcntl(kept, F_GETFD), FD_CLOEXEC);
    ck_assert_int_eq(fd_host(pm, 0), 0);
    ck_assert_int_eq(fd_host(pm, 1), 1);
    ck_assert_int_eq(fd_host(pm, 2), 2);
    ck_assert_int_eq(fcntl(moved, F_GETFD), -1);   /* dup'd onto 1, closed */
    ck_assert_int_eq(fd_host(pm, 3), -EBADF);
    /* signals: blocked kept (SIGKILL, SIGSTOP dropped), SIGPIPE ignored */
    ck_assert_uint_eq(pm->sigmask, BIT(10));
    ck_assert_uint_eq(pm->sigact[13 - 1].handler, 1);
    ck_assert_uint_eq(pm->sigact[15 - 1].handler, 0);
    ck_assert_str_eq(imp.filename, "./x");
    exec_import_free(&imp);
    free_handle(pm);
    dup2(saved1, 1);
    close(saved1);
}
END_TEST

/* cfg.deterministic, the clock's start and step and its current time pass
 * to the new image, whose clock goes on from there (vclock.c). */
START_TEST(test_vclock)
{
    struct pagemu *old = new_handle();
    old->cfg.deterministic = 1;
    old->cfg.vclock_start_ns = 5000000000ULL;
    old->cfg.vclock_step_ns = 7;
    vclock_init(old);
    ck_assert_uint_eq(old->vclock_ns, 5000000000ULL);
    ck_assert_uint_eq(vclock_read(old), 5000000000ULL);
    vclock_advance(old, 123456);   /* a sleep */
    ck_assert_uint_eq(vclock_read(old), 5000000000ULL + 7 + 123456);
    uint64_t now = old->vclock_ns;

    char *s = exec_state_encode(old, 9, "/bin/x", "x", 1);
    ck_assert_ptr_nonnull(s);
    struct exec_import imp;
    pagemu_config base;
    char why[128];
    pagemu_config_init(&base);   /* the re-executed CLI has no --deterministic */
    ck_assert_int_eq(exec_state_parse(s, &base, &imp, why, sizeof(why)), 0);
    ck_assert_int_eq(imp.cfg.deterministic, 1);
    ck_assert_uint_eq(imp.cfg.vclock_start_ns, 5000000000ULL);
    ck_assert_uint_eq(imp.cfg.vclock_step_ns, 7);
    ck_assert_uint_eq(imp.vclock_ns, now);

    /* the new image (pagemu_open: cfg from the state, then vclock_init) */
    struct pagemu *pm = new_handle();
    pm->cfg = imp.cfg;
    pm->exec_in = &imp;
    vclock_init(pm);
    ck_assert_uint_eq(vclock_read(pm), now);
    ck_assert_uint_eq(vclock_read(pm), now + 7);
    /* CLOCK_MONOTONIC and the CPU time run on from the same start */
    ck_assert_uint_eq(vclock_elapsed(pm, now), now - 5000000000ULL);
    ck_assert_uint_eq(vclock_mono(pm, now) - vclock_mono(old, 5000000000ULL),
                      now - 5000000000ULL);
    pm->exec_in = NULL;
    imp.prog_fd = -1;
    exec_import_free(&imp);
    free(s);
    free_handle(pm);

    /* without cfg.deterministic nothing of the clock is passed */
    old->cfg.deterministic = 0;
    s = exec_state_encode(old, 9, "/bin/x", "x", 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(strstr(s, ";vc="));
    ck_assert_int_eq(exec_state_parse(s, &base, &imp, why, sizeof(why)), 0);
    ck_assert_int_eq(imp.cfg.deterministic, 0);
    ck_assert_uint_eq(imp.vclock_ns, 0);
    imp.prog_fd = -1;
    exec_import_free(&imp);
    free(s);
    free_handle(old);

    /* the defaults: 2026-01-01T00:00:00Z, 1000 ns a read */
    pm = new_handle();
    pm->cfg.deterministic = 1;
    vclock_init(pm);
    ck_assert_uint_eq(vclock_read(pm), 1767225600ULL * 1000000000ULL);
    ck_assert_uint_eq(vclock_read(pm), 1767225600ULL * 1000000000ULL + 1000);
    free_handle(pm);
}
END_TEST

START_TEST(test_malformed)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "pagemu-exec-0;prog=3;fn=41",
        "pagemu-exec-1;prog=zz;fn=41",
        "pagemu-exec-1;fn=41",                   /* no program fd */
        "pagemu-exec-1;prog=3",                  /* no file name */
        "pagemu-exec-1;prog=3;fn=4",             /* odd hex */
        "pagemu-exec-1;prog=3;fn=4100",          /* a NUL in it */
        "pagemu-exec-1;prog=3;fn=41;fd=1",       /* a pair without a host */
        "pagemu-exec-1;prog=3;fn=41;fd=1.2;x",   /* a field without '=' */
    };
    struct exec_import imp;
    pagemu_config base;
    char why[128];
    pagemu_config_init(&base);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = 0;
        ck_assert_msg(exec_state_parse(bad[i], &base, &imp, why, sizeof(why)) == -1,
                      "accepted '%s'", bad[i]);
        ck_assert(why[0] != 0);
        imp.prog_fd = -1;
        exec_import_free(&imp);
    }
    /* unknown keys are skipped (a newer old image may say more) */
    ck_assert_int_eq(exec_state_parse("pagemu-exec-1;zz=1;prog=3;fn=41", &base, &imp, why,
                                      sizeof(why)), 0);
    ck_assert_int_eq(imp.prog_fd, 3);
    imp.prog_fd = -1;
    exec_import_free(&imp);
}
END_TEST

static Suite *exec_state_suite(void)
{
    Suite *s = suite_create("exec_state");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_apply);
    tcase_add_test(tc, test_vclock);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(exec_state_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
