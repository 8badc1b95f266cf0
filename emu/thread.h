/*
 * thread.h - guest threads (clone with CLONE_THREAD) on pagemu's one guest
 * CPU: each thread is a saved uc_context plus the per-thread kernel state,
 * switched between uc_emu_start calls.
 *
 * A thread runs until it blocks in futex(), yields, exits, or has run its
 * time slice: a count of blocks, kept by a UC_HOOK_BLOCK installed only
 * while there is more than one thread, so a single-threaded guest pays
 * nothing and a multi-threaded run is deterministic.
 */
#ifndef PAGEMU_THREAD_H
#define PAGEMU_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <poll.h>

#include <unicorn/unicorn.h>

struct pagemu;

/*
 * A thread that would block in the host parks instead, so that the others
 * can run (the one that would wake it among them):
 *   THR_FUTEX    FUTEX_WAIT: woken by FUTEX_WAKE (RAX 0) or its timeout
 *   THR_SLEEP    nanosleep: woken at its deadline (RAX 0)
 *   THR_IO       read/write/accept... on an fd that is not ready: woken
 *                when poll says it is, and the syscall runs again
 *   THR_SIGWAIT  pause, sigsuspend, sigtimedwait: woken when a signal its
 *                mask lets through is pending, and the syscall runs again
 *   THR_CHILD    wait4, waitid: woken when a child has something to report
 * poll, ppoll, select, pselect6 and the epoll waits are THR_IO on all
 * their fds, with their timeout as deadline (RAX 0 then).
 */
enum { THR_RUNNABLE, THR_FUTEX, THR_SLEEP, THR_IO, THR_SIGWAIT, THR_CHILD };

struct pm_thread {
    int tid;
    int holder_fd;            /* write end of the pipe its tid holder reads (-1: none) */
    int state;
    uc_context *ctx;          /* its registers while another thread runs */
    /* kernel state per task, swapped with struct pagemu's own fields */
    uint64_t clear_child_tid, robust_list, robust_len;
    uint64_t sigmask;
    uint64_t alt_sp, alt_size;
    int32_t alt_flags;
    char comm[16];            /* prctl(PR_SET_NAME) of this thread ("" : the exec's) */
    /* FUTEX_WAIT */
    uint64_t futex_addr;
    uint32_t futex_bitset;
    bool has_deadline;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    long expire_ret;          /* RAX when the deadline passes */
    bool expire_unrestart;    /* and the restart is undone (RIP past it) */
    /* and guest memory written then: poll's revents, select's sets */
    uint64_t expire_addr[3];
    uint32_t expire_len[3];
    void *expire_buf[3];      /* NULL: zeros */
    /* THR_IO: the host fds and events that wake it (io points to io1 or
     * to an array of its own); THR_CHILD: the waitid() that would not
     * block; THR_SIGWAIT: the signals that do not wake it */
    struct pollfd io1, *io;
    int nio;
    int child_idtype, child_id, child_options;
    uint64_t wait_blocked;
};

struct pm_threads {
    struct pm_thread *t;      /* t[cur] is on the CPU; empty until a clone */
    int n, cap, cur;          /* cur -1: the running thread exited */
    int after_exit;           /* where the turn goes on after an exit */
    bool resched;             /* switch at the end of this engine run */
    uint64_t blocks;          /* blocks run in this slice */
    uc_hook slice_hook;
    bool hooked;
};

struct kernel_clone_args;

/* clone(CLONE_VM | CLONE_THREAD | ...): a new thread; its tid, or -errno. */
long thread_clone(struct pagemu *pm, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                  uint64_t child_tid, uint64_t tls);
/* Called by the run loop before each engine run: switch if asked or if
 * the current thread cannot run.  false when no thread can ever run. */
bool thread_schedule(struct pagemu *pm);
/* exit(2) of one thread: true when it was not the last one. */
bool thread_exit(struct pagemu *pm);
/* the current thread's tid (getpid() while single-threaded) */
int thread_tid(const struct pagemu *pm);
int thread_count(const struct pagemu *pm);
bool thread_is_ours(const struct pagemu *pm, int tid);
/* the comm the thread-group leader set ("" if none, or if it has exited) */
const char *thread_leader_comm(const struct pagemu *pm);
/* a fork's child: only the calling thread lives on */
void thread_after_fork(struct pagemu *pm);
void thread_free(struct pagemu *pm);
/* back to the one thread on the CPU, its registers as they are (a
 * snapshot's restore loads them next) */
void thread_reset(struct pagemu *pm);
/* futex(2) for FUTEX_WAIT* / WAKE* / REQUEUE / WAKE_OP */
long thread_futex(struct pagemu *pm, const uint64_t *a);
/* sched_yield(2) */
void thread_yield(struct pagemu *pm);
/* Before a syscall of a multi-threaded guest: true when it would block in
 * the host and the thread was parked instead (the syscall then returns
 * -ERESTARTNOINTR, to run again when the thread is woken). */
bool thread_park_syscall(struct pagemu *pm, uint64_t nr, const uint64_t *a);
/* *dl = CLOCK_MONOTONIC now + sec s + nsec ns (nsec of either sign; the
 * past is now; a huge sec is capped, never overflows) */
void thread_deadline(struct timespec *dl, int64_t sec, int64_t nsec);
/* nanosleep in a multi-threaded guest: park until the CLOCK_MONOTONIC
 * deadline (RAX 0 then). */
void thread_sleep(struct pagemu *pm, const struct timespec *deadline);

#endif
