/*
 * sys_process.c - the lifetime and per-thread state of the guest process:
 * exit, exit_group, arch_prctl, set_tid_address, set_robust_list, futex.
 * futex and the threads themselves are thread.c's.
 */
#include <errno.h>

#include "pagemu_int.h"
#include "uaccess.h"
#include "syscall.h"

/* kernel/exit.c: do_exit — clear_child_tid is written and woken. */
static void exit_mm_release(struct pagemu *pm)
{
    if (pm->clear_child_tid) {
        uint32_t zero = 0;
        copy_to_user(pm, pm->clear_child_tid, &zero, sizeof(zero));
    }
}

long sys_exit(struct pagemu *pm, const uint64_t *a)
{
    /* One thread of several ends alone (thread.c); the last one's exit
     * ends the process (kernel/exit.c). */
    if (thread_exit(pm))
        return 0;
    exit_mm_release(pm);
    run_exit(pm, (int)a[0]);
    return 0;
}

long sys_exit_group(struct pagemu *pm, const uint64_t *a)
{
    exit_mm_release(pm);
    run_exit(pm, (int)a[0]);
    return 0;
}

/* arch/x86/kernel/process_64.c: do_arch_prctl_64 */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

long sys_arch_prctl(struct pagemu *pm, const uint64_t *a)
{
    uint64_t v;
    switch (a[0]) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        /* The base must be a canonical user address. */
        if (a[1] >= pm->mm.task_size)
            return -EPERM;
        reg_write(pm, a[0] == ARCH_SET_FS ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE, a[1]);
        return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS:
        v = reg_read(pm, a[0] == ARCH_GET_FS ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE);
        return copy_to_user(pm, a[1], &v, sizeof(v)) ? -EFAULT : 0;
    case ARCH_GET_CPUID:
        return 1; /* cpuid does not fault */
    case ARCH_SET_CPUID:
        return -ENODEV; /* no CPUID faulting, as on CPUs without it */
    default:
        return -EINVAL;
    }
}

long sys_set_tid_address(struct pagemu *pm, const uint64_t *a)
{
    pm->clear_child_tid = a[0];
    return sys_gettid(pm, a);
}

long sys_set_robust_list(struct pagemu *pm, const uint64_t *a)
{
    /* kernel/futex/syscalls.c: the head size must be exact (24 bytes). */
    if (a[1] != 24)
        return -EINVAL;
    pm->robust_list = a[0];
    pm->robust_len = a[1];
    return 0;
}

/* kernel/futex (thread.c) */
long sys_futex(struct pagemu *pm, const uint64_t *a)
{
    return thread_futex(pm, a);
}
