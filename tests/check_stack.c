/*
 * check_stack.c - the initial stack as Linux's create_elf_tables builds it
 * (fs/binfmt_elf.c), with literal addresses for a run without ASLR:
 * strings at the top, then platform, AT_RANDOM bytes, auxv, envp, argv,
 * argc at a 16-byte aligned RSP.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm.h"
#include "pagemu.h"
#include "pagemu_int.h"
#include "uaccess.h"

#define BUSYBOX "/bin/busybox"

static pagemu_t *pm;

static void setup(void)
{
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    cfg.aslr = 0;
    ck_assert_int_eq(pagemu_open(&cfg, &pm), PAGEMU_EOK);
}

static void teardown(void)
{
    pagemu_close(pm);
}

static uint64_t peek64(uint64_t va)
{
    uint64_t v;
    ck_assert_int_eq(copy_from_user(pm, &v, va, 8), 0);
    return v;
}

static void expect_str(uint64_t va, const char *s)
{
    char buf[64];
    ck_assert_int_eq(strncpy_from_user(pm, buf, va, sizeof(buf)), (long)strlen(s));
    ck_assert_str_eq(buf, s);
}

/* The auxv value for type, or -1. */
static uint64_t auxv(uint64_t rsp, uint64_t type)
{
    uint64_t argc = peek64(rsp), p = rsp + 8 * (argc + 2);
    while (peek64(p))
        p += 8;
    for (p += 8; peek64(p); p += 16)
        if (peek64(p) == type)
            return peek64(p + 8);
    return (uint64_t)-1;
}

START_TEST(layout_without_aslr)
{
    if (access(BUSYBOX, X_OK) != 0)
        return; /* busybox-static is installed by scripts/setup.sh */
    char *argv[] = {"busybox", "stack", "x", NULL};
    char *envp[] = {"A=1", "BB=22", NULL};
    ck_assert_int_eq(pagemu_load(pm, BUSYBOX, 3, argv, envp), PAGEMU_EOK);

    /* 8-byte NULL at the very top, then the exec filename. */
    ck_assert_uint_eq(peek64(0x7fffffffeff8ULL), 0);
    expect_str(0x7fffffffefebULL, BUSYBOX);
    /* envp strings, then argv strings, packed downwards. */
    ck_assert_uint_eq(pm->mm.env_end, 0x7fffffffefebULL);
    ck_assert_uint_eq(pm->mm.env_start, 0x7fffffffefe1ULL);
    ck_assert_uint_eq(pm->mm.arg_start, 0x7fffffffefd1ULL);
    ck_assert_uint_eq(pm->mm.arg_end, 0x7fffffffefe1ULL);
    expect_str(0x7fffffffefd1ULL, "busybox");
    expect_str(0x7fffffffefe1ULL, "A=1");

    uint64_t rsp = pm->mm.start_stack;
    ck_assert_uint_eq(rsp & 15, 0);
    ck_assert_uint_eq(peek64(rsp), 3);
    ck_assert_uint_eq(peek64(rsp + 8), 0x7fffffffefd1ULL);
    ck_assert_uint_eq(peek64(rsp + 16), 0x7fffffffefd9ULL);
    ck_assert_uint_eq(peek64(rsp + 24), 0x7fffffffefdfULL);
    ck_assert_uint_eq(peek64(rsp + 32), 0);
    ck_assert_uint_eq(peek64(rsp + 40), 0x7fffffffefe1ULL);
    ck_assert_uint_eq(peek64(rsp + 48), 0x7fffffffefe5ULL);
    ck_assert_uint_eq(peek64(rsp + 56), 0);

    /* Platform string below the 16-aligned argument area, then 16 random bytes. */
    ck_assert_uint_eq(auxv(rsp, 15 /* AT_PLATFORM */), 0x7fffffffefc9ULL);
    expect_str(0x7fffffffefc9ULL, "x86_64");
    ck_assert_uint_eq(auxv(rsp, 25 /* AT_RANDOM */), 0x7fffffffefb9ULL);
    ck_assert_uint_eq(auxv(rsp, 31 /* AT_EXECFN */), 0x7fffffffefebULL);
    ck_assert_uint_eq(auxv(rsp, 6 /* AT_PAGESZ */), 4096);
    ck_assert_uint_eq(auxv(rsp, 4 /* AT_PHENT */), 56);
    ck_assert_uint_eq(auxv(rsp, 17 /* AT_CLKTCK */), 100);
    ck_assert_uint_eq(auxv(rsp, 23 /* AT_SECURE */), 0);
    ck_assert_uint_eq(auxv(rsp, 7 /* AT_BASE */), 0);
    ck_assert_uint_eq(auxv(rsp, 9 /* AT_ENTRY */), pm->entry);
    ck_assert_uint_eq(auxv(rsp, 3 /* AT_PHDR */), pm->phdr_addr);
    ck_assert_uint_eq(auxv(rsp, 5 /* AT_PHNUM */), pm->phnum);
    ck_assert_uint_eq(auxv(rsp, 11 /* AT_UID */), getuid());
    /* AT_SYSINFO_EHDR names the [vdso] image, an ELF header. */
    uint64_t vdso = auxv(rsp, 33);
    ck_assert_uint_eq(vdso, 0x7ffff7ffd000ULL);
    ck_assert_uint_eq(peek64(vdso) & 0xffffffff, 0x464c457f);
    /* The auxv ends where the random bytes begin, rounded down to 16. */

    /* [stack]: the strings' page plus setup_arg_pages' 128 KiB. */
    struct vm_area_struct *v = vma_lookup(&pm->mm, rsp);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(v->vm_start, 0x7ffffffde000ULL);
    ck_assert_uint_eq(v->vm_end, 0x7ffffffff000ULL);
    ck_assert(v->vm_flags & VM_GROWSDOWN);
}
END_TEST

START_TEST(e2big_limits)
{
    if (access(BUSYBOX, X_OK) != 0)
        return;
    /* include/uapi/linux/binfmts.h: MAX_ARG_STRLEN, 32 pages per string. */
    size_t n = 200 * 1024;
    char *big = malloc(n);
    memset(big, 'a', n - 1);
    big[n - 1] = 0;
    char *argv1[] = {"busybox", big, NULL};
    ck_assert_int_eq(pagemu_load(pm, BUSYBOX, 2, argv1, NULL), PAGEMU_EE2BIG);
    /* fs/exec.c: bprm_stack_limits — all strings within RLIMIT_STACK / 4
     * (2 MiB for 8 MiB): twenty 120 KiB strings are too many. */
    big[120 * 1024] = 0;
    char *argv2[22] = {"busybox"};
    for (int i = 1; i <= 20; i++)
        argv2[i] = big;
    ck_assert_int_eq(pagemu_load(pm, BUSYBOX, 21, argv2, NULL), PAGEMU_EE2BIG);
    /* ... and ten of them fit. */
    argv2[11] = NULL;
    ck_assert_int_eq(pagemu_load(pm, BUSYBOX, 11, argv2, NULL), PAGEMU_EOK);
    free(big);
}
END_TEST

Suite *stack_suite(void)
{
    Suite *s = suite_create("stack");
    TCase *t = tcase_create("create_elf_tables");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, layout_without_aslr);
    tcase_add_test(t, e2big_limits);
    suite_add_tcase(s, t);
    return s;
}

#ifndef PAGEMU_CHECK_NO_MAIN
int main(void)
{
    SRunner *sr = srunner_create(stack_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
