/*
 * thread.c - guest threads on pagemu's one guest CPU (see thread.h).
 *
 * Linux runs the threads of a process on as many CPUs as it likes; pagemu
 * has one Unicorn engine, one frame pool and one page table, so its threads
 * take turns on it, as on a uniprocessor (kernel/sched with nr_cpus=1).
 * That keeps the memory model trivially sequential, keeps every page-table
 * change visible at once (there is no second TLB to shoot down) and makes a
 * run with --deterministic repeatable: a slice is a count of blocks, not
 * of host time.
 *
 * Per-task state that pagemu keeps in struct pagemu for the running thread
 * (registers in the engine, clear_child_tid, the robust list, the signal
 * mask and the alternate stack) is swapped in and out at each switch.
 * Signal dispositions, pending process signals, fds and memory are shared.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "process.h"
#include "thread.h"
#include "uaccess.h"

/* include/uapi/linux/sched.h */
#define CLONE_SETTLS_ 0x00080000
#define CLONE_PARENT_SETTID_ 0x00100000
#define CLONE_CHILD_CLEARTID_ 0x00200000
#define CLONE_CHILD_SETTID_ 0x01000000

/* A time slice: about 1-3 ms of guest code. */
#define SLICE_BLOCKS (1u << 18)

static void slice_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct pagemu *pm = ud;
    /* the hook is there anyway: a branch to a non-canonical address is
     * then found as with --precise-branches (run.c) */
    pm->last_block = addr;
    pm->last_block_size = size;
    if (++pm->thr.blocks < SLICE_BLOCKS)
        return;
    pm->thr.blocks = 0;
    if (pm->thr.n > 1) {
        /* From a block hook the block exits before its first instruction
         * (docs/unicorn-facts.md), so the switch is precise. */
        pm->thr.resched = true;
        pm->stop = true;
        uc_emu_stop(uc);
    }
}

int thread_tid(const struct pagemu *pm)
{
    return pm->thr.t && pm->thr.cur >= 0 ? pm->thr.t[pm->thr.cur].tid : (int)getpid();
}

int thread_count(const struct pagemu *pm)
{
    return pm->thr.t ? pm->thr.n : 1;
}

bool thread_is_ours(const struct pagemu *pm, int tid)
{
    if (!pm->thr.t)
        return tid == (int)getpid();
    for (int i = 0; i < pm->thr.n; i++)
        if (pm->thr.t[i].tid == tid)
            return true;
    return false;
}

const char *thread_leader_comm(const struct pagemu *pm)
{
    int pid = (int)getpid();
    if (!pm->thr.t || thread_tid(pm) == pid)
        return pm->comm;
    for (int i = 0; i < pm->thr.n; i++)
        if (pm->thr.t[i].tid == pid)
            return pm->thr.t[i].comm;
    return "";
}

static void save_task(struct pagemu *pm, struct pm_thread *t)
{
    t->clear_child_tid = pm->clear_child_tid;
    t->robust_list = pm->robust_list;
    t->robust_len = pm->robust_len;
    t->sigmask = pm->sigmask;
    t->alt_sp = pm->altstack.sp;
    t->alt_size = pm->altstack.size;
    t->alt_flags = pm->altstack.flags;
    memcpy(t->comm, pm->comm, sizeof(t->comm));
}

static void load_task(struct pagemu *pm, const struct pm_thread *t)
{
    pm->clear_child_tid = t->clear_child_tid;
    pm->robust_list = t->robust_list;
    pm->robust_len = t->robust_len;
    pm->sigmask = t->sigmask;
    pm->altstack.sp = t->alt_sp;
    pm->altstack.size = t->alt_size;
    pm->altstack.flags = t->alt_flags;
    memcpy(pm->comm, t->comm, sizeof(pm->comm));
}

/* The table, with the running task as thread 0, made at the first clone. */
static int threads_init(struct pagemu *pm)
{
    struct pm_threads *th = &pm->thr;
    if (th->t)
        return 0;
    th->t = calloc(4, sizeof(*th->t));
    if (!th->t)
        return -1;
    th->cap = 4;
    if (uc_context_alloc(pm->uc, &th->t[0].ctx) != UC_ERR_OK) {
        free(th->t);
        th->t = NULL;
        return -1;
    }
    th->t[0].tid = (int)getpid();
    th->t[0].state = THR_RUNNABLE;
    th->t[0].holder_fd = -1;
    th->n = 1;
    th->cur = 0;
    return 0;
}

/*
 * A guest thread's tid is a real host tid: that of a host thread made for
 * it that does nothing but wait for its pipe to close.  So the number is
 * unique among all the host's tasks (a child forked later cannot get it),
 * as a Linux tid is, and it is freed when the guest thread exits.  The
 * holder blocks every signal, so that process signals keep going to the
 * thread that runs the engine.
 */
struct holder_start {
    int fd;
    sem_t ready;
    volatile pid_t tid;
};

static void *tid_holder(void *arg)
{
    struct holder_start *hs = arg;
    int fd = hs->fd;
    char c;
    hs->tid = (pid_t)syscall(SYS_gettid);
    sem_post(&hs->ready);
    while (read(fd, &c, 1) != 0 && errno == EINTR)
        ;
    close(fd);
    return NULL;
}

/* the tid, and *wfd the pipe end that ends the holder; -1 on failure */
static int hold_tid(int *wfd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    struct holder_start hs = {.fd = p[0]};
    sem_init(&hs.ready, 0, 0);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int e = pthread_create(&t, &at, tid_holder, &hs);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    if (e) {
        close(p[0]);
        close(p[1]);
        sem_destroy(&hs.ready);
        return -1;
    }
    while (sem_wait(&hs.ready) != 0)
        ;
    sem_destroy(&hs.ready);
    *wfd = p[1];
    return hs.tid;
}

static void release_tid(struct pm_thread *t)
{
    if (t->holder_fd >= 0)
        close(t->holder_fd);
    t->holder_fd = -1;
}

long thread_clone(struct pagemu *pm, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                  uint64_t child_tid, uint64_t tls)
{
    struct pm_threads *th = &pm->thr;
    if (threads_init(pm))
        return -ENOMEM;
    if (th->n == th->cap) {
        struct pm_thread *t = realloc(th->t, (size_t)th->cap * 2 * sizeof(*t));
        if (!t)
            return -ENOMEM;
        th->t = t;
        th->cap *= 2;
    }
    if (!th->hooked) {
        /* The slice hook goes in between engine runs (thread_schedule):
         * flushing the translations from inside a syscall would pull the
         * running block from under the engine. */
        pm->stop = true;
        uc_emu_stop(pm->uc);
    }
    struct pm_thread *c = &th->t[th->n];
    memset(c, 0, sizeof(*c));
    if (uc_context_alloc(pm->uc, &c->ctx) != UC_ERR_OK)
        return -ENOMEM;
    uc_context_save(pm->uc, c->ctx);

    /*
     * The child returns 0 from the syscall, on its own stack and TLS
     * (arch/x86/kernel/process.c: copy_thread).  The hook sees RIP at the
     * syscall instruction; RCX and R11 as syscall leaves them.
     */
    uint64_t rip = reg_read(pm, UC_X86_REG_RIP) + 2;
    uint64_t rflags = reg_read(pm, UC_X86_REG_RFLAGS);
    uint64_t zero = 0;
    uc_context_reg_write(c->ctx, UC_X86_REG_RAX, &zero);
    uc_context_reg_write(c->ctx, UC_X86_REG_RIP, &rip);
    uc_context_reg_write(c->ctx, UC_X86_REG_RCX, &rip);
    uc_context_reg_write(c->ctx, UC_X86_REG_R11, &rflags);
    if (stack)
        uc_context_reg_write(c->ctx, UC_X86_REG_RSP, &stack);
    if (flags & CLONE_SETTLS_)
        uc_context_reg_write(c->ctx, UC_X86_REG_FS_BASE, &tls);

    int tid = hold_tid(&c->holder_fd);
    if (tid < 0) {
        uc_context_free(c->ctx);
        return -EAGAIN; /* as copy_process when no task can be made */
    }
    c->tid = tid;
    c->state = THR_RUNNABLE;
    /* copy_process: the mask is inherited; a CLONE_VM child without
     * CLONE_VFORK gets no alternate stack (copy_sighand/sas_ss_reset). */
    c->sigmask = pm->sigmask;
    memcpy(c->comm, pm->comm, sizeof(c->comm)); /* copy_process: the comm too */
    c->clear_child_tid = (flags & CLONE_CHILD_CLEARTID_) ? child_tid : 0;
    th->n++;

    int32_t nr = tid;
    if (flags & CLONE_PARENT_SETTID_)
        copy_to_user(pm, parent_tid, &nr, sizeof(nr));
    if (flags & CLONE_CHILD_SETTID_)
        copy_to_user(pm, child_tid, &nr, sizeof(nr));
    return tid;
}

/* A parked thread's registers: live in the engine when it is current. */
static uint64_t get_reg(struct pagemu *pm, int i, int reg)
{
    uint64_t v = 0;
    if (i == pm->thr.cur)
        return reg_read(pm, reg);
    uc_context_reg_read(pm->thr.t[i].ctx, reg, &v);
    return v;
}

static void put_reg(struct pagemu *pm, int i, int reg, uint64_t v)
{
    if (i == pm->thr.cur)
        reg_write(pm, reg, v);
    else
        uc_context_reg_write(pm->thr.t[i].ctx, reg, &v);
}

/* The syscall return value of thread i, which sleeps in futex(). */
static void set_ret(struct pagemu *pm, int i, long v)
{
    put_reg(pm, i, UC_X86_REG_RAX, (uint64_t)v);
}

/* A parked syscall set up to run again (RIP on it) ends instead. */
static void set_rip_past(struct pagemu *pm, int i)
{
    put_reg(pm, i, UC_X86_REG_RIP, get_reg(pm, i, UC_X86_REG_RIP) + 2);
}

/* What a timed-out poll or select leaves in guest memory. */
static void expire_clear(struct pm_thread *t)
{
    for (int k = 0; k < 3; k++) {
        free(t->expire_buf[k]);
        t->expire_buf[k] = NULL;
        t->expire_addr[k] = 0;
        t->expire_len[k] = 0;
    }
}

static void expire_write(struct pagemu *pm, struct pm_thread *t)
{
    static const uint8_t zeros[128];
    for (int k = 0; k < 3; k++) {
        if (!t->expire_addr[k])
            continue;
        const void *src = t->expire_buf[k] ? t->expire_buf[k] : zeros;
        if (t->expire_buf[k] || t->expire_len[k] <= sizeof zeros)
            copy_to_user(pm, t->expire_addr[k], src, t->expire_len[k]);
    }
    expire_clear(t);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Wake the waiters whose timeout has passed; the earliest one left. */
static bool expire(struct pagemu *pm, struct timespec *next)
{
    struct timespec now;
    bool any = false;
    clock_gettime(CLOCK_MONOTONIC, &now);
    for (int i = 0; i < pm->thr.n; i++) {
        struct pm_thread *t = &pm->thr.t[i];
        if (t->state == THR_RUNNABLE || !t->has_deadline)
            continue;
        if (!before(&now, &t->deadline)) {
            t->state = THR_RUNNABLE;
            set_ret(pm, i, t->expire_ret);
            if (t->expire_unrestart)
                set_rip_past(pm, i);
            expire_write(pm, t);
        } else if (!any || before(&t->deadline, next)) {
            *next = t->deadline;
            any = true;
        }
    }
    return any;
}

static void switch_to(struct pagemu *pm, int next)
{
    struct pm_threads *th = &pm->thr;
    if (th->cur >= 0) {
        save_task(pm, &th->t[th->cur]);
        uc_context_save(pm->uc, th->t[th->cur].ctx);
    }
    uc_context_restore(pm->uc, th->t[next].ctx);
    load_task(pm, &th->t[next]);
    th->cur = next;
    th->blocks = 0;
}

/* A thread's fds to poll: io1 for one (the table moves, so no pointer
 * into it is kept), else its own array. */
static struct pollfd *tio(struct pm_thread *t)
{
    return t->nio == 1 ? &t->io1 : t->io;
}

static void clear_io(struct pm_thread *t)
{
    free(t->io);
    t->io = NULL;
    t->nio = 0;
    expire_clear(t);
}

/* Wake the parked threads whose fd is ready or whose signal came. */
static void wake_ready(struct pagemu *pm)
{
    for (int i = 0; i < pm->thr.n; i++) {
        struct pm_thread *t = &pm->thr.t[i];
        if (t->state == THR_IO) {
            struct pollfd *io = tio(t);
            for (int k = 0; k < t->nio; k++)
                io[k].revents = 0;
            if (poll(io, (nfds_t)t->nio, 0) != 0)
                t->state = THR_RUNNABLE;
        } else if (t->state == THR_CHILD) {
            siginfo_t si;
            si.si_pid = 0;
            if (waitid((idtype_t)t->child_idtype, (id_t)t->child_id, &si,
                       t->child_options | WNOHANG | WNOWAIT) != 0 || si.si_pid != 0)
                t->state = THR_RUNNABLE;
        } else if (t->state == THR_SIGWAIT) {
            if (signal_pending_unblocked(&pm->sig, t->wait_blocked))
                t->state = THR_RUNNABLE;
        }
    }
}

/*
 * Nothing can run: wait in the host for what would wake a thread - an fd,
 * a deadline, a signal.  A signal that no THR_SIGWAIT thread takes
 * interrupts a futex wait or a sleep of a thread that does not block it
 * (-EINTR, as signal_wake_up would), so that it is delivered.
 */
static void idle_wait(struct pagemu *pm, bool timed, const struct timespec *next)
{
    struct pm_threads *th = &pm->thr;
    struct pollfd fds[256];
    int nfds = 0;
    bool sigwaiters = false;
    for (int i = 0; i < th->n; i++) {
        struct pm_thread *t = &th->t[i];
        for (int k = 0; t->state == THR_IO && k < t->nio && nfds < 256; k++)
            fds[nfds++] = tio(t)[k];
        /* a child's exit comes as SIGCHLD, which ends the poll too */
        sigwaiters |= t->state == THR_SIGWAIT || t->state == THR_CHILD;
    }
    if (nfds || sigwaiters || timed) {
        /* Host signals are seen at least every 100 ms (a signal between
         * the check and the poll would otherwise wait for the fd). */
        int ms = 100;
        if (timed) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t d = (next->tv_sec - now.tv_sec) * 1000 + (next->tv_nsec - now.tv_nsec + 999999) / 1000000;
            ms = d < 0 ? 0 : d < ms ? (int)d : ms;
        }
        if (!hostsig_pending())
            poll(fds, (nfds_t)nfds, ms);
    } else {
        sigchld_sleep(pm);
    }
    sigchld_poll(pm);
    wake_ready(pm);
    for (int i = 0; i < th->n; i++)
        if (th->t[i].state == THR_RUNNABLE)
            return;
    for (int i = 0; i < th->n; i++) {
        struct pm_thread *t = &th->t[i];
        uint64_t blocked = i == th->cur ? pm->sigmask : t->sigmask;
        if ((t->state == THR_FUTEX || t->state == THR_SLEEP) &&
            signal_pending_unblocked(&pm->sig, blocked)) {
            t->state = THR_RUNNABLE;
            set_ret(pm, i, -EINTR);
            return;
        }
    }
}

bool thread_schedule(struct pagemu *pm)
{
    struct pm_threads *th = &pm->thr;
    if (!th->t)
        return true;
    if (!th->hooked) {
        if (uc_hook_add(pm->uc, &th->slice_hook, UC_HOOK_BLOCK, (void *)slice_block, pm, 1, 0) !=
            UC_ERR_OK) {
            pm_set_error(pm, "unicorn: cannot install the thread slice hook");
            return false;
        }
        th->hooked = true;
        /* blocks translated before now have no call to the hook */
        uc_ctl_flush_tb(pm->uc);
    }
    for (;;) {
        struct timespec next;
        bool timed = expire(pm, &next);
        wake_ready(pm);
        bool cur_ok = th->cur >= 0 && th->t[th->cur].state == THR_RUNNABLE;
        if (cur_ok && !th->resched)
            return true;
        th->resched = false;
        int start = th->cur >= 0 ? th->cur + 1 : th->after_exit;
        for (int k = 0; k < th->n; k++) {
            int i = (start + k) % th->n;
            if (th->t[i].state == THR_RUNNABLE) {
                if (i != th->cur) {
                    switch_to(pm, i);
                    /* the return to user mode of the thread that now
                     * runs: a signal pending for it is delivered */
                    if (signal_pending_unblocked(&pm->sig, pm->sigmask))
                        signal_deliver(pm);
                }
                return true;
            }
        }
        if (th->cur < 0)
            switch_to(pm, 0); /* some thread's registers in the engine */
        idle_wait(pm, timed, &next);
    }
}

void thread_yield(struct pagemu *pm)
{
    if (pm->thr.t && pm->thr.n > 1) {
        pm->thr.resched = true;
        pm->stop = true;
        uc_emu_stop(pm->uc);
    }
}

static void park(struct pagemu *pm, int state)
{
    struct pm_thread *t = &pm->thr.t[pm->thr.cur];
    t->state = state;
    pm->thr.resched = true;
    pm->stop = true;
    uc_emu_stop(pm->uc);
}

void thread_sleep(struct pagemu *pm, const struct timespec *deadline)
{
    struct pm_thread *t = &pm->thr.t[pm->thr.cur];
    t->has_deadline = true;
    t->deadline = *deadline;
    t->expire_ret = 0;
    t->expire_unrestart = false;
    park(pm, THR_SLEEP);
}

static bool set_io(struct pm_thread *t, const struct pollfd *p, int n)
{
    clear_io(t);
    if (n == 1) {
        t->io1 = p[0];
    } else {
        t->io = malloc((size_t)n * sizeof(*p));
        if (!t->io)
            return false;
        memcpy(t->io, p, (size_t)n * sizeof(*p));
    }
    t->nio = n;
    return true;
}

/* asm/unistd_64.h */
enum {
    NR_read = 0, NR_write = 1, NR_readv = 19, NR_writev = 20, NR_pause = 34,
    NR_accept = 43, NR_sendto = 44, NR_recvfrom = 45, NR_sendmsg = 46, NR_recvmsg = 47,
    NR_rt_sigtimedwait = 128, NR_rt_sigsuspend = 130, NR_accept4 = 288,
    NR_recvmmsg = 299, NR_sendmmsg = 307,
    NR_poll = 7, NR_select = 23, NR_wait4 = 61, NR_epoll_wait = 232, NR_waitid = 247,
    NR_pselect6 = 270, NR_ppoll = 271, NR_epoll_pwait = 281, NR_epoll_pwait2 = 441,
};

/*
 * The CLOCK_MONOTONIC deadline sec s + nsec ns from now.  nsec may be of
 * either sign (a difference of two timespecs); a time in the past is now,
 * and a guest's absurdly far one is capped at 2^40 s (35,000 years), so
 * nothing overflows.
 */
void thread_deadline(struct timespec *dl, int64_t sec, int64_t nsec)
{
    clock_gettime(CLOCK_MONOTONIC, dl);
    for (; nsec < 0; sec--)
        nsec += 1000000000;
    if (sec < 0)
        return;
    if (sec > (1LL << 40))
        sec = 1LL << 40;
    dl->tv_sec += sec;
    dl->tv_nsec += nsec;
    for (; dl->tv_nsec >= 1000000000; dl->tv_sec++)
        dl->tv_nsec -= 1000000000;
}

/* A timeout argument as a deadline: 0 no timeout (wait forever), 1 a
 * deadline in *dl, -1 a zero or bad timeout (the syscall itself answers). */
static int deadline_ms(int64_t ms, struct timespec *dl)
{
    if (ms < 0)
        return 0;
    if (ms == 0)
        return -1;
    thread_deadline(dl, ms / 1000, (ms % 1000) * 1000000);
    return 1;
}

/* a struct timespec (ns_unit 1) or timeval (1000) at uaddr */
static int deadline_ts(struct pagemu *pm, uint64_t uaddr, int64_t ns_unit, struct timespec *dl)
{
    if (!uaddr)
        return 0;
    struct { int64_t sec, frac; } ts;
    if (copy_from_user(pm, &ts, uaddr, sizeof(ts)) || ts.sec < 0 || ts.frac < 0 ||
        ts.frac * ns_unit >= 1000000000 || (!ts.sec && !ts.frac))
        return -1;
    thread_deadline(dl, ts.sec, ts.frac * ns_unit);
    return 1;
}

/* A poll-family wait on t's fds until dl (NULL: none), where it returns 0
 * instead of running again. */
static void park_io_timed(struct pagemu *pm, struct pm_thread *t, const struct timespec *dl)
{
    t->has_deadline = dl != NULL;
    if (dl)
        t->deadline = *dl;
    t->expire_ret = 0;
    t->expire_unrestart = true;
    park(pm, THR_IO);
}

#define PARK_MAX_FDS 256

/* poll/ppoll: the guest's pollfds as host ones; false when one is ready
 * or bad (the syscall answers at once). */
static bool park_poll(struct pagemu *pm, struct pm_thread *t, uint64_t ufds, uint64_t n)
{
    struct { int32_t fd; int16_t events, revents; } g[PARK_MAX_FDS];
    struct pollfd h[PARK_MAX_FDS];
    if (n == 0 || n > PARK_MAX_FDS || copy_from_user(pm, g, ufds, n * sizeof(g[0])))
        return false;
    int nh = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (g[i].fd < 0)
            continue;
        int host = fd_host(pm, g[i].fd);
        if (host < 0)
            return false;      /* POLLNVAL: ready */
        h[nh++] = (struct pollfd){.fd = host, .events = g[i].events};
        g[i].revents = 0;
    }
    if (!nh || poll(h, (nfds_t)nh, 0) != 0 || !set_io(t, h, nh))
        return false;
    /* a timeout leaves every revents 0 */
    t->expire_buf[0] = malloc(n * sizeof(g[0]));
    if (t->expire_buf[0]) {
        memcpy(t->expire_buf[0], g, n * sizeof(g[0]));
        t->expire_addr[0] = ufds;
        t->expire_len[0] = (uint32_t)(n * sizeof(g[0]));
    }
    return true;
}

/* select/pselect6: the three fd_sets as host pollfds */
static bool park_select(struct pagemu *pm, struct pm_thread *t, const uint64_t *a)
{
    uint64_t nfds = a[0];
    struct pollfd h[PARK_MAX_FDS];
    static const short ev[3] = {POLLIN, POLLOUT, POLLPRI};
    int nh = 0;
    if (nfds == 0 || nfds > 1024)
        return false;
    size_t bytes = (nfds + 63) / 64 * 8;
    for (int k = 0; k < 3; k++) {
        uint64_t bits[16];
        if (!a[1 + k])
            continue;
        if (copy_from_user(pm, bits, a[1 + k], bytes))
            return false;
        for (uint64_t fd = 0; fd < nfds; fd++) {
            if (!(bits[fd / 64] >> (fd % 64) & 1))
                continue;
            int host = fd_host(pm, (long)fd);
            if (host < 0 || nh == PARK_MAX_FDS)
                return false;
            h[nh++] = (struct pollfd){.fd = host, .events = ev[k]};
        }
    }
    if (!nh || poll(h, (nfds_t)nh, 0) != 0 || !set_io(t, h, nh))
        return false;
    /* a timeout leaves the sets empty */
    for (int k = 0; k < 3; k++)
        if (a[1 + k]) {
            t->expire_addr[k] = a[1 + k];
            t->expire_len[k] = (uint32_t)bytes;
        }
    return true;
}

bool thread_park_syscall(struct pagemu *pm, uint64_t nr, const uint64_t *a)
{
    struct pm_threads *th = &pm->thr;
    if (!th->t || th->n <= 1 || th->cur < 0)
        return false;
    struct pm_thread *t = &th->t[th->cur];
    short events;
    switch (nr) {
    case NR_read: case NR_readv: case NR_recvfrom: case NR_recvmsg: case NR_recvmmsg:
    case NR_accept: case NR_accept4:
    case NR_write: case NR_writev: case NR_sendto: case NR_sendmsg: case NR_sendmmsg: {
        /* MSG_DONTWAIT makes a socket call nonblocking by itself */
        uint64_t flags = nr == NR_recvfrom || nr == NR_sendto || nr == NR_recvmmsg || nr == NR_sendmmsg
                             ? a[3]
                         : nr == NR_recvmsg || nr == NR_sendmsg ? a[2] : 0;
        if (flags & 0x40)
            return false;
        events = nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg ||
                         nr == NR_sendmmsg
                     ? POLLOUT : POLLIN;
        break;
    }
    case NR_pause:
        if (signal_pending_unblocked(&pm->sig, pm->sigmask))
            return false;
        t->wait_blocked = pm->sigmask;
        t->has_deadline = false;
        park(pm, THR_SIGWAIT);
        return true;
    case NR_rt_sigsuspend:
    case NR_rt_sigtimedwait: {
        uint64_t set;
        if (a[nr == NR_rt_sigsuspend ? 1 : 3] != 8 || copy_from_user(pm, &set, a[0], 8))
            return false; /* the syscall reports the error */
        /* sigsuspend: woken by what the new mask lets through;
         * sigtimedwait: by a signal of the set */
        uint64_t blocked = nr == NR_rt_sigsuspend ? set : ~set;
        if (signal_pending_unblocked(&pm->sig, blocked))
            return false;
        t->has_deadline = false;
        if (nr == NR_rt_sigtimedwait && a[2]) {
            /* a zero or bad timeout: the syscall answers at once */
            if (deadline_ts(pm, a[2], 1, &t->deadline) < 0)
                return false;
            t->has_deadline = true;
            t->expire_ret = -EAGAIN;
            t->expire_unrestart = true;
        }
        t->wait_blocked = blocked;
        park(pm, THR_SIGWAIT);
        return true;
    }
    case NR_poll: case NR_ppoll: case NR_select: case NR_pselect6: {
        struct timespec dl;
        int d = nr == NR_poll     ? deadline_ms((int32_t)a[2], &dl)
                : nr == NR_ppoll  ? deadline_ts(pm, a[2], 1, &dl)
                : nr == NR_select ? deadline_ts(pm, a[4], 1000, &dl)
                                  : deadline_ts(pm, a[4], 1, &dl);
        if (d < 0)
            return false;
        clear_io(t);
        bool ok = nr == NR_poll || nr == NR_ppoll ? park_poll(pm, t, a[0], a[1])
                                                  : park_select(pm, t, a);
        if (!ok) {
            clear_io(t);
            return false;
        }
        park_io_timed(pm, t, d > 0 ? &dl : NULL);
        return true;
    }
    case NR_epoll_wait: case NR_epoll_pwait: case NR_epoll_pwait2: {
        /* an epoll fd is readable when it has events */
        struct timespec dl;
        int d = nr == NR_epoll_pwait2 ? deadline_ts(pm, a[3], 1, &dl) : deadline_ms((int32_t)a[3], &dl);
        int host = fd_host(pm, (long)a[0]);
        /* what the syscall rejects at once is for it to say
         * (fs/eventpoll.c: ep_check_params: 0 < maxevents <= EP_MAX_EVENTS) */
        if (d < 0 || host < 0 || (int)a[2] <= 0 || (int)a[2] > INT32_MAX / 12)
            return false;
        struct pollfd p = {.fd = host, .events = POLLIN};
        if (poll(&p, 1, 0) != 0 || !set_io(t, &p, 1))
            return false;
        park_io_timed(pm, t, d > 0 ? &dl : NULL);
        return true;
    }
    case NR_wait4: case NR_waitid: {
        /* wait4(pid, status, options, ru) / waitid(idtype, id, info, options, ru) */
        int idtype, id, opts;
        if (nr == NR_wait4) {
            int pid = (int)a[0];
            opts = (int)a[2];
            idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
            id = pid > 0 ? pid : pid == 0 ? (int)getpgrp() : pid < -1 ? -pid : 0;
            opts = WEXITED | (opts & ~WNOHANG & (WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD)) |
                   (opts & WNOHANG);
        } else {
            idtype = (int)a[0];
            id = (int)a[1];
            opts = (int)a[3];
            if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
                return false;
        }
        if (opts & WNOHANG)
            return false;
        siginfo_t si;
        si.si_pid = 0;
        if (waitid((idtype_t)idtype, (id_t)id, &si, opts | WNOHANG | WNOWAIT) != 0 || si.si_pid)
            return false;
        t->child_idtype = idtype;
        t->child_id = id;
        t->child_options = opts & ~WNOHANG;
        t->has_deadline = false;
        park(pm, THR_CHILD);
        return true;
    }
    default:
        return false;
    }
    /* an fd that would block: not one set O_NONBLOCK, not ready */
    int host = fd_host(pm, (long)a[0]);
    if (host < 0)
        return false;
    int fl = fcntl(host, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK))
        return false;
    struct pollfd p = {.fd = host, .events = events};
    if (poll(&p, 1, 0) != 0)
        return false;
    set_io(t, &p, 1);
    t->has_deadline = false;
    park(pm, THR_IO);
    return true;
}

static int futex_wake(struct pagemu *pm, uint64_t addr, int n, uint32_t bitset)
{
    int woken = 0;
    for (int i = 0; i < pm->thr.n && woken < n; i++) {
        struct pm_thread *t = &pm->thr.t[i];
        if (t->state == THR_FUTEX && t->futex_addr == addr && (t->futex_bitset & bitset)) {
            t->state = THR_RUNNABLE;
            set_ret(pm, i, 0);
            woken++;
        }
    }
    return woken;
}

bool thread_exit(struct pagemu *pm)
{
    struct pm_threads *th = &pm->thr;
    if (!th->t || th->n <= 1)
        return false;
    /* kernel/fork.c: mm_release — clear_child_tid is zeroed and woken
     * (that is how pthread_join learns of the exit). */
    if (pm->clear_child_tid) {
        uint32_t zero = 0;
        if (!copy_to_user(pm, pm->clear_child_tid, &zero, sizeof(zero)))
            futex_wake(pm, pm->clear_child_tid, 1, ~0u);
    }
    int me = th->cur;
    uc_context_free(th->t[me].ctx);
    clear_io(&th->t[me]);
    release_tid(&th->t[me]);
    memmove(&th->t[me], &th->t[me + 1], (size_t)(th->n - me - 1) * sizeof(th->t[0]));
    th->n--;
    /* the next one in turn now sits at index me */
    th->cur = -1;
    th->after_exit = me;
    th->resched = true;
    pm->stop = true;
    uc_emu_stop(pm->uc);
    return true;
}

void thread_after_fork(struct pagemu *pm)
{
    struct pm_threads *th = &pm->thr;
    if (!th->t)
        return;
    int me = th->cur;
    /* the holders are the parent's threads: only their pipes came along */
    for (int i = 0; i < th->n; i++) {
        release_tid(&th->t[i]);
        if (i != me) {
            uc_context_free(th->t[i].ctx);
            clear_io(&th->t[i]);
        }
    }
    th->t[0] = th->t[me];
    th->t[0].tid = (int)getpid();
    th->n = 1;
    th->cur = 0;
    th->resched = false;
}

void thread_reset(struct pagemu *pm)
{
    struct pm_threads *th = &pm->thr;
    for (int i = 0; i < th->n; i++) {
        uc_context_free(th->t[i].ctx);
        clear_io(&th->t[i]);
        release_tid(&th->t[i]);
    }
    free(th->t);
    th->t = NULL;
    th->n = th->cap = 0;
    th->cur = 0;
    th->resched = false;
    th->blocks = 0;
    /* the slice hook stays: it does nothing for one thread */
}

void thread_free(struct pagemu *pm)
{
    thread_reset(pm);
    memset(&pm->thr, 0, sizeof(pm->thr));
}

/* kernel/futex/waitwake.c: futex_atomic_op_inuser's FUTEX_OP_* */
static bool wake_op(uint32_t encoded, uint32_t *val, uint32_t old)
{
    uint32_t op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
    if (encoded & (8u << 28)) /* FUTEX_OP_OPARG_SHIFT */
        oparg = oparg > 31 ? 0 : 1u << oparg;
    switch (op) {
    case 0: *val = oparg; break;           /* SET */
    case 1: *val = old + oparg; break;     /* ADD */
    case 2: *val = old | oparg; break;     /* OR */
    case 3: *val = old & ~oparg; break;    /* ANDN */
    case 4: *val = old ^ oparg; break;     /* XOR */
    default: return false;
    }
    int32_t o = (int32_t)old, c = (int32_t)(cmparg << 20) >> 20;
    switch (cmp) {
    case 0: return o == c;
    case 1: return o != c;
    case 2: return o < c;
    case 3: return o >= c;
    case 4: return o <= c;
    case 5: return o > c;
    default: return false;
    }
}

/* futex(uaddr, op, val, timeout|val2, uaddr2, val3) */
long thread_futex(struct pagemu *pm, const uint64_t *a)
{
    /* FUTEX_CMD_MASK strips FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. */
    int cmd = (int)(a[1] & ~(uint64_t)(128 | 256));
    bool realtime = a[1] & 256;
    uint64_t uaddr = a[0];
    uint32_t val, bitset = ~0u;
    bool threaded = pm->thr.t && pm->thr.n > 1;

    if (uaddr & 3)
        return -EINVAL;
    switch (cmd) {
    case 0:  /* FUTEX_WAIT */
    case 9: { /* FUTEX_WAIT_BITSET */
        if (cmd == 9) {
            bitset = (uint32_t)a[5];
            if (!bitset)
                return -EINVAL;
        } else if (realtime) {
            return -ENOSYS; /* FUTEX_CLOCK_REALTIME only with WAIT_BITSET */
        }
        struct timespec dl = {0, 0};
        bool has_dl = false;
        if (a[3]) {
            struct {
                int64_t tv_sec, tv_nsec;
            } ts;
            if (copy_from_user(pm, &ts, a[3], sizeof(ts)))
                return -EFAULT;
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
                return -EINVAL;
            if (cmd == 0) {
                /* relative, on CLOCK_MONOTONIC */
                thread_deadline(&dl, ts.tv_sec, ts.tv_nsec);
            } else {
                /* absolute, on the chosen clock: turned into monotonic */
                struct timespec clk;
                clock_gettime(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &clk);
                thread_deadline(&dl, ts.tv_sec - clk.tv_sec, ts.tv_nsec - clk.tv_nsec);
            }
            has_dl = true;
        }
        if (copy_from_user(pm, &val, uaddr, sizeof(val)))
            return -EFAULT;
        if (val != (uint32_t)a[2])
            return -EAGAIN;
        if (!threaded) {
            /* Nobody else can wake the only thread: a timeout is slept
             * out; an untimed wait would sleep forever. */
            if (!has_dl)
                return -EDEADLK;
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) == EINTR)
                if (hostsig_pending())
                    return -EINTR;
            return -ETIMEDOUT;
        }
        struct pm_thread *t = &pm->thr.t[pm->thr.cur];
        t->futex_addr = uaddr;
        t->futex_bitset = bitset;
        t->has_deadline = has_dl;
        t->deadline = dl;
        t->expire_ret = -ETIMEDOUT;
        t->expire_unrestart = false;
        park(pm, THR_FUTEX);
        return 0; /* the waker (or the timeout) sets the real value */
    }
    case 1:  /* FUTEX_WAKE */
    case 10: /* FUTEX_WAKE_BITSET */
        if (cmd == 10) {
            bitset = (uint32_t)a[5];
            if (!bitset)
                return -EINVAL;
        }
        if (copy_from_user(pm, &val, uaddr, sizeof(val)))
            return -EFAULT;
        return threaded ? futex_wake(pm, uaddr, (int)(a[2] > INT32_MAX ? INT32_MAX : a[2]), bitset) : 0;
    case 3:   /* FUTEX_REQUEUE */
    case 4: { /* FUTEX_CMP_REQUEUE */
        uint64_t uaddr2 = a[4];
        int nwake = (int)(uint32_t)a[2], nreq = (int)(uint32_t)a[3];
        if (nwake < 0 || nreq < 0)
            return -EINVAL;
        if (copy_from_user(pm, &val, uaddr, sizeof(val)))
            return -EFAULT;
        if (cmd == 4 && val != (uint32_t)a[5])
            return -EAGAIN;
        if (!threaded)
            return 0;
        int n = futex_wake(pm, uaddr, nwake, ~0u), moved = 0;
        for (int i = 0; i < pm->thr.n && moved < nreq; i++) {
            struct pm_thread *t = &pm->thr.t[i];
            if (t->state == THR_FUTEX && t->futex_addr == uaddr) {
                t->futex_addr = uaddr2;
                moved++;
            }
        }
        return n + moved;
    }
    case 5: { /* FUTEX_WAKE_OP */
        uint64_t uaddr2 = a[4];
        uint32_t old, nv;
        if (uaddr2 & 3)
            return -EINVAL;
        if (copy_from_user(pm, &old, uaddr2, sizeof(old)))
            return -EFAULT;
        bool cond = wake_op((uint32_t)a[5], &nv, old);
        if (((uint32_t)a[5] >> 28 & 7) > 4)
            return -ENOSYS;
        if (copy_to_user(pm, uaddr2, &nv, sizeof(nv)))
            return -EFAULT;
        if (!threaded)
            return 0;
        int n = futex_wake(pm, uaddr, (int)(uint32_t)a[2], ~0u);
        if (cond)
            n += futex_wake(pm, uaddr2, (int)(uint32_t)a[3], ~0u);
        return n;
    }
    default:
        return -ENOSYS;
    }
}
