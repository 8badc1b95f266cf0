/*
 * sys_poll.c - poll, ppoll, select, pselect6 (fs/select.c).  Guest fds are
 * mapped to host fds and the host does the waiting; every guest structure
 * is copied through the page walk.  All four become one host ppoll.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagemu_int.h"
#include "pm_signal.h"
#include "syscall.h"
#include "uaccess.h"

struct linux_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};
_Static_assert(sizeof(struct linux_pollfd) == 8, "struct pollfd");

/*
 * Poll n guest pollfds (already in p) with a host timeout (NULL: forever).
 * Guest fds that are not open get POLLNVAL and make the call return at
 * once, as do_pollfd does.  Returns the count of entries with revents, or
 * a negative errno; p[].revents is filled.
 */
static long do_poll(struct pagemu *pm, struct linux_pollfd *p, unsigned n,
                    const struct timespec *timeout)
{
    struct pollfd *h = calloc(n ? n : 1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    unsigned invalid = 0;
    for (unsigned i = 0; i < n; i++) {
        h[i].fd = -1;
        p[i].revents = 0;
        if (p[i].fd < 0)
            continue;              /* negative fds are skipped */
        int host = fd_host(pm, p[i].fd);
        if (host < 0) {
            p[i].revents = POLLNVAL;
            invalid++;
            continue;
        }
        h[i].fd = host;
        /* POLLERR and POLLHUP are always reported (fs/select.c: mangle_poll). */
        h[i].events = p[i].events;
    }
    struct timespec zero = {0, 0};
    int r = ppoll(h, n, invalid ? &zero : timeout, NULL);
    long ret;
    if (r < 0) {
        /* A host signal (SIGCHLD for the guest) woke us: the guest sees
         * the restart code, as a signal would have given it on Linux. */
        ret = errno == EINTR ? -LINUX_ERESTARTNOHAND : linux_err(errno);
    } else {
        ret = 0;
        for (unsigned i = 0; i < n; i++) {
            if (h[i].fd >= 0)
                p[i].revents = h[i].revents;
            if (p[i].revents)
                ret++;
        }
    }
    free(h);
    return ret;
}

/* fs/select.c: do_sys_poll — nfds above RLIMIT_NOFILE is -EINVAL. */
static long poll_common(struct pagemu *pm, uint64_t ufds, uint64_t nfds,
                        const struct timespec *timeout)
{
    if (nfds > (uint64_t)pm->fds.max)
        return -EINVAL;
    unsigned n = (unsigned)nfds;
    struct linux_pollfd *p = calloc(n ? n : 1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    long ret = copy_from_user(pm, p, ufds, n * sizeof(*p)) ? -EFAULT : do_poll(pm, p, n, timeout);
    if (ret >= 0) {
        /* Only revents goes back (fs/select.c: poll_select_finish). */
        for (unsigned i = 0; i < n; i++)
            if (copy_to_user(pm, ufds + i * sizeof(*p) + offsetof(struct linux_pollfd, revents),
                             &p[i].revents, sizeof(p[i].revents))) {
                ret = -EFAULT;
                break;
            }
    }
    free(p);
    return ret;
}

long sys_poll(struct pagemu *pm, const uint64_t *a)
{
    int ms = (int)a[2];
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    return poll_common(pm, a[0], a[1], ms < 0 ? NULL : &ts);
}

/* A guest timespec: -EFAULT, or -EINVAL when out of range (poll_select_set_timeout). */
static long get_timespec(struct pagemu *pm, uint64_t u, struct timespec *ts)
{
    int64_t v[2];
    if (copy_from_user(pm, v, u, sizeof(v)))
        return -EFAULT;
    if (v[0] < 0 || v[1] < 0 || v[1] >= 1000000000)
        return -EINVAL;
    ts->tv_sec = v[0];
    ts->tv_nsec = v[1];
    return 0;
}

/*
 * ppoll and pselect6 wait with their mask in place (fs/select.c): a signal
 * it lets through that is pending already ends the wait after a first
 * look at the fds (-ERESTARTNOHAND when none is ready: -EINTR once its
 * handler runs), and the handler then runs with that mask; otherwise the
 * old mask comes back as the call returns.
 */
static const struct timespec zero_ts = {0, 0};

long sys_ppoll(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    bool masked;
    long e = a[2] ? get_timespec(pm, a[2], &ts) : 0;
    if (!e)
        e = signal_set_user_mask(pm, a[3], a[4], &masked);
    if (e)
        return e;
    bool sig = signal_wait_interrupted(pm);
    long ret = poll_common(pm, a[0], a[1], sig ? &zero_ts : a[2] ? &ts : NULL);
    if (sig && ret == 0)
        ret = -LINUX_ERESTARTNOHAND;
    signal_restore_user_mask(pm, masked, ret == -LINUX_ERESTARTNOHAND);
    return ret;
}

/* select: fd_set bitmaps of guest fds, turned into pollfds and back
 * (fs/select.c: core_sys_select with POLLIN_SET/POLLOUT_SET/POLLEX_SET). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)

static long select_common(struct pagemu *pm, uint64_t nfds, const uint64_t sets[3],
                          const struct timespec *timeout)
{
    if ((int64_t)nfds < 0)
        return -EINVAL;
    if (nfds > (uint64_t)pm->fds.max)
        nfds = (uint64_t)pm->fds.max;
    size_t words = (nfds + 63) / 64;
    uint64_t *in[3] = {0}, *out[3] = {0};
    struct linux_pollfd *p = calloc(nfds ? nfds : 1, sizeof(*p));
    long ret = p ? 0 : -ENOMEM;
    for (int k = 0; k < 3 && !ret; k++) {
        in[k] = calloc(words ? words : 1, 8);
        out[k] = calloc(words ? words : 1, 8);
        if (!in[k] || !out[k])
            ret = -ENOMEM;
        else if (sets[k] && copy_from_user(pm, in[k], sets[k], (nfds + 7) / 8))
            ret = -EFAULT;
    }
    unsigned n = 0;
    for (uint64_t fd = 0; !ret && fd < nfds; fd++) {
        short ev = 0;
        for (int k = 0; k < 3; k++)
            if (in[k][fd / 64] >> (fd % 64) & 1)
                ev |= k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
        if (!ev)
            continue;
        if (fd_host(pm, (long)fd) < 0)
            ret = -EBADF;      /* select gives -EBADF, not POLLNVAL */
        p[n].fd = (int32_t)fd;
        p[n].events = ev;
        n++;
    }
    if (!ret)
        ret = do_poll(pm, p, n, timeout);
    if (ret >= 0) {
        ret = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t fd = (uint64_t)p[i].fd;
            short r = p[i].revents;
            short want[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
            for (int k = 0; k < 3; k++)
                if ((in[k][fd / 64] >> (fd % 64) & 1) && (r & want[k])) {
                    out[k][fd / 64] |= 1ULL << (fd % 64);
                    ret++;
                }
        }
        for (int k = 0; k < 3; k++)
            if (sets[k] && copy_to_user(pm, sets[k], out[k], (nfds + 7) / 8))
                ret = -EFAULT;
    }
    for (int k = 0; k < 3; k++) {
        free(in[k]);
        free(out[k]);
    }
    free(p);
    return ret;
}

long sys_select(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    if (a[4]) {
        int64_t tv[2];
        if (copy_from_user(pm, tv, a[4], sizeof(tv)))
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0)
            return -EINVAL;
        ts.tv_sec = tv[0] + tv[1] / 1000000;
        ts.tv_nsec = (tv[1] % 1000000) * 1000;
    }
    uint64_t sets[3] = {a[1], a[2], a[3]};
    return select_common(pm, a[0], sets, a[4] ? &ts : NULL);
}

long sys_pselect6(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    long e = a[4] ? get_timespec(pm, a[4], &ts) : 0;
    if (e)
        return e;
    bool masked = false;
    if (a[5]) {
        /* struct { const sigset_t *ss; size_t ss_len; } */
        uint64_t sig[2];
        if (copy_from_user(pm, sig, a[5], sizeof(sig)))
            return -EFAULT;
        if ((e = signal_set_user_mask(pm, sig[0], sig[1], &masked)))
            return e;
    }
    uint64_t sets[3] = {a[1], a[2], a[3]};
    bool sig = signal_wait_interrupted(pm);
    long ret = select_common(pm, a[0], sets, sig ? &zero_ts : a[4] ? &ts : NULL);
    if (sig && ret == 0)
        ret = -LINUX_ERESTARTNOHAND;
    signal_restore_user_mask(pm, masked, ret == -LINUX_ERESTARTNOHAND);
    return ret;
}
