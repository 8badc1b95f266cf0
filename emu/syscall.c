/*
 * syscall.c - dispatch of the x86-64 syscall instruction through the table
 * in syscall_64.tbl.
 */
#include <errno.h>

#include "pagemu_int.h"
#include "syscall.h"
#include "strace.h"
#include "process.h"

#include <asm/unistd_64.h>

#define NR_SYSCALLS 512

/* Every row's number must be the kernel's: the build host is x86-64 Linux,
 * so its <asm/unistd_64.h> is arch/x86/entry/syscalls/syscall_64.tbl. */
#define SYSCALL(nr, name, nargs, kinds) \
    _Static_assert((nr) == __NR_##name, "syscall_64.tbl: wrong number for " #name);
#include "syscall_64.tbl"
#undef SYSCALL

static const struct syscall_desc table[NR_SYSCALLS] = {
#define SYSCALL(nr, name, nargs, kinds) [nr] = {#name, sys_##name, nargs, kinds},
#include "syscall_64.tbl"
#undef SYSCALL
};

const struct syscall_desc *syscall_lookup(uint64_t nr)
{
    return nr < NR_SYSCALLS && table[nr].fn ? &table[nr] : NULL;
}

/*
 * The return to user mode (kernel/entry/common.c: exit_to_user_mode_loop):
 * deliver pending unblocked signals, and let a restart code or a mask
 * rt_sigsuspend replaced be dealt with (signal.c).
 */
static void syscall_exit_signals(struct pagemu *pm, long ret)
{
    sigchld_poll(pm);   /* a child's SIGCHLD the host got (sigchld.c) */
    if (signal_pending_unblocked(&pm->sig, pm->sigmask) || pm->sig.restore_sigmask ||
        (ret <= -LINUX_ERESTARTSYS && ret >= -LINUX_ERESTARTNOHAND))
        signal_deliver(pm);
    pm->sig.in_syscall = false;
}

void do_syscall_64(struct pagemu *pm)
{
    static const int regs[] = {
        UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
        UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_RIP,
        UC_X86_REG_RFLAGS,
    };
    uint64_t v[9];
    void *ptrs[9];
    for (int i = 0; i < 9; i++)
        ptrs[i] = &v[i];
    uc_reg_read_batch(pm->uc, (int *)regs, ptrs, 9);

    pm->nsyscalls++;
    /* Signal code run from here sees RIP at the syscall (pm_signal.h). */
    pm->sig.in_syscall = true;
    pm->sig.syscall_nr = v[0];
    pm->sig.regs_restored = false;
    const struct syscall_desc *d = syscall_lookup(v[0]);
    /* arch/x86/entry/common.c: do_syscall_64 — unknown numbers are -ENOSYS. */
    long ret;
    if (pm->thr.n > 1 && thread_park_syscall(pm, v[0], &v[1]))
        ret = -LINUX_ERESTARTNOINTR; /* run again when the thread wakes */
    else
        ret = d ? d->fn(pm, &v[1]) : -ENOSYS;
    if (pm->trace_mask & PAGEMU_TRACE_SYSCALL)
        strace_syscall(pm, v[0], &v[1], ret);
    if (pm->exited) {
        pm->sig.in_syscall = false;
        return;
    }
    if (pm->sig.regs_restored) {
        /* rt_sigreturn loaded every register from the frame, RAX, RCX
         * and R11 included. */
        run_sync_tlb(pm);
        syscall_exit_signals(pm, 0);
        return;
    }

    /*
     * The guest runs at CPL 0, where syscall does not load RCX and R11;
     * Linux user space sees RCX = the return RIP and R11 = RFLAGS
     * (arch/x86/entry/entry_64.S).  The hook sees RIP at the syscall
     * instruction; Unicorn adds its length afterwards.
     */
    uint64_t out[3] = {(uint64_t)ret, v[7] + 2, v[8]};
    static const int oregs[] = {UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_R11};
    void *optrs[3] = {&out[0], &out[1], &out[2]};
    uc_reg_write_batch(pm->uc, (int *)oregs, optrs, 3);
    run_sync_tlb(pm);
    syscall_exit_signals(pm, ret);
}
