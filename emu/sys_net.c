/*
 * sys_net.c - sockets (not yet: every call is -ENOSYS).
 */
#include <errno.h>

#include "pagemu_int.h"
#include "syscall.h"

long sys_socket(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_socketpair(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_bind(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_listen(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_connect(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_accept(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_accept4(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_getsockname(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_getpeername(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sendto(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_recvfrom(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sendmsg(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_recvmsg(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_shutdown(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_setsockopt(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_getsockopt(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_sendmmsg(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}

long sys_recvmmsg(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    (void)a;
    return -ENOSYS;
}
