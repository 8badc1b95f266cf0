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

#include <unicorn/unicorn.h>

struct pagemu;

enum { THR_RUNNABLE, THR_FUTEX };

struct pm_thread {
    int tid;
    int state;
    uc_context *ctx;          /* its registers while another thread runs */
    /* kernel state per task, swapped with struct pagemu's own fields */
    uint64_t clear_child_tid, robust_list, robust_len;
    uint64_t sigmask;
    uint64_t alt_sp, alt_size;
    int32_t alt_flags;
    /* FUTEX_WAIT */
    uint64_t futex_addr;
    uint32_t futex_bitset;
    bool has_deadline;
    struct timespec deadline; /* CLOCK_MONOTONIC */
};

struct pm_threads {
    struct pm_thread *t;      /* t[cur] is on the CPU; empty until a clone */
    int n, cap, cur;          /* cur -1: the running thread exited */
    int after_exit;           /* where the turn goes on after an exit */
    int last_tid;
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

#endif
