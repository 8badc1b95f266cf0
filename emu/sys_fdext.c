/*
 * sys_fdext.c - epoll, eventfd, timerfd, inotify (not yet: every call is -ENOSYS).
 */
#include <errno.h>

#include "pagemu_int.h"
#include "syscall.h"

long sys_epoll_create(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_epoll_create1(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_epoll_ctl(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_epoll_wait(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_epoll_pwait(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_epoll_pwait2(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_eventfd(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_eventfd2(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_timerfd_create(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_timerfd_settime(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_timerfd_gettime(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_inotify_init(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_inotify_init1(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_inotify_add_watch(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_inotify_rm_watch(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}
