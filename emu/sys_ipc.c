/*
 * sys_ipc.c - System V semaphores and message queues, POSIX message queues
 * (not yet: every call is -ENOSYS).
 */
#include <errno.h>

#include "pagemu_int.h"
#include "syscall.h"

long sys_semget(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_semop(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_semctl(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_semtimedop(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_msgget(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_msgsnd(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_msgrcv(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_msgctl(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_open(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_unlink(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_timedsend(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_timedreceive(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_notify(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_mq_getsetattr(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}
