/*
 * sys_signal.c - signal syscalls.  The core records dispositions, the mask
 * and the alternate stack exactly as Linux validates them
 * (kernel/signal.c); delivery to guest handlers is not in the core yet.
 */
#include <errno.h>
#include <string.h>

#include "pagemu_int.h"
#include "uaccess.h"
#include "syscall.h"

#define LINUX_SIGKILL 9
#define LINUX_SIGSTOP 19
#define LINUX_SIG_BLOCK 0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2
#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ 2048

static const uint64_t unblockable = (1ULL << (LINUX_SIGKILL - 1)) | (1ULL << (LINUX_SIGSTOP - 1));

long sys_rt_sigaction(struct pagemu *pm, const uint64_t *a)
{
    int sig = (int)a[0];
    if (a[3] != 8)
        return -EINVAL;
    if (sig < 1 || sig > 64)
        return -EINVAL;
    struct linux_sigaction old = pm->sigact[sig - 1], nw;
    if (a[1]) {
        if (copy_from_user(pm, &nw, a[1], sizeof(nw)))
            return -EFAULT;
        if (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)
            return -EINVAL;
    }
    if (a[2] && copy_to_user(pm, a[2], &old, sizeof(old)))
        return -EFAULT;
    if (a[1]) {
        nw.mask &= ~unblockable;
        pm->sigact[sig - 1] = nw;
    }
    return 0;
}

long sys_rt_sigprocmask(struct pagemu *pm, const uint64_t *a)
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = pm->sigmask, set;
    if (a[1]) {
        if (copy_from_user(pm, &set, a[1], sizeof(set)))
            return -EFAULT;
        switch ((int)a[0]) {
        case LINUX_SIG_BLOCK: pm->sigmask |= set; break;
        case LINUX_SIG_UNBLOCK: pm->sigmask &= ~set; break;
        case LINUX_SIG_SETMASK: pm->sigmask = set; break;
        default: return -EINVAL;
        }
        pm->sigmask &= ~unblockable;
    }
    if (a[2] && copy_to_user(pm, a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_sigaltstack(struct pagemu *pm, const uint64_t *a)
{
    /* kernel/signal.c: do_sigaltstack; stack_t is {void *ss_sp; int ss_flags; size_t ss_size}. */
    struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } o, n;
    uint64_t rsp = reg_read(pm, UC_X86_REG_RSP);
    bool on = pm->altstack.size && rsp > pm->altstack.sp && rsp - pm->altstack.sp <= pm->altstack.size;
    memset(&o, 0, sizeof(o));
    o.sp = pm->altstack.sp;
    o.size = pm->altstack.size;
    o.flags = on ? LINUX_SS_ONSTACK : (pm->altstack.size ? pm->altstack.flags : LINUX_SS_DISABLE);
    if (a[0]) {
        if (copy_from_user(pm, &n, a[0], sizeof(n)))
            return -EFAULT;
        if (on)
            return -EPERM;
        int mode = n.flags & ~(int32_t)LINUX_SS_AUTODISARM;
        if (mode != LINUX_SS_DISABLE && mode != LINUX_SS_ONSTACK && mode != 0)
            return -EINVAL;
        if (mode == LINUX_SS_DISABLE) {
            n.size = 0;
            n.sp = 0;
        } else if (n.size < LINUX_MINSIGSTKSZ) {
            return -ENOMEM;
        }
        pm->altstack.sp = n.sp;
        pm->altstack.size = n.size;
        pm->altstack.flags = n.flags & (int32_t)LINUX_SS_AUTODISARM;
    }
    if (a[1] && copy_to_user(pm, a[1], &o, sizeof(o)))
        return -EFAULT;
    return 0;
}
