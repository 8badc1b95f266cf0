/*
 * sys_misc.c - prctl, file locks, scheduling and memory hints, splice (not yet: -ENOSYS).
 */
#include <errno.h>

#include "pagemu_int.h"
#include "syscall.h"

long sys_prctl(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_flock(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_fallocate(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_fadvise64(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sync(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_close_range(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_getpriority(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_setpriority(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_setaffinity(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_setparam(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_getparam(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_setscheduler(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_getscheduler(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_get_priority_max(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_get_priority_min(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sched_rr_get_interval(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_membarrier(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mlock(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_munlock(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mlockall(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_munlockall(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mlock2(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_personality(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_splice(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_tee(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_pidfd_open(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}
