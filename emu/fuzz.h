/*
 * fuzz.h - the interfaces between the fuzzing modules of issue 5:
 * snapshot.c (snapshot and restore), coverage.c (AFL edge map, drcov),
 * vclock.c (the deterministic clock) and the run control in run.c.
 */
#ifndef PAGEMU_FUZZ_H
#define PAGEMU_FUZZ_H

#include <stdint.h>

#include "pagemu_int.h"

/* ---- snapshot.c -------------------------------------------------------- */

/* Free the snapshot, if any (pagemu_close). */
void snapshot_destroy(struct pagemu *pm);

/* ---- runctl.c ---------------------------------------------------------- */

/* Arm the watchdog: timeout_ms from now it sets pm->timed_out and stops
 * the engine (asynchronously).  0, or -1 if the thread cannot start. */
int watchdog_arm(struct pagemu *pm, uint64_t timeout_ms);
/* Disarm it; after this returns it no longer stops anything. */
void watchdog_disarm(struct pagemu *pm);
/* Stop and join the thread (pagemu_close).  In a forked child, the
 * parent's thread is not touched: each process starts its own. */
void watchdog_destroy(struct pagemu *pm);

/* ---- coverage.c -------------------------------------------------------- */

/* Forget the last block (AFL's prev_loc = 0): called by pagemu_restore so
 * that every exec starts the same. */
void coverage_reset_prev(struct pagemu *pm);
/* Write a pending drcov file and free the coverage state (pagemu_close). */
void coverage_destroy(struct pagemu *pm);

/* ---- vclock.c ---------------------------------------------------------- */

/* Start the virtual clock of cfg.deterministic (pagemu_open, before the
 * hooks are installed). */
void vclock_init(struct pagemu *pm);
/* Install the rdtsc/rdtscp hooks when cfg.deterministic; 0 or -1.  In
 * Unicorn 2.1.1 the "hook" is CR4.TSD: rdtsc and rdtscp raise #GP, and
 * the run loop's #GP path calls vclock_emulate_tsc. */
int vclock_install_hooks(struct pagemu *pm);
/* At a #GP: if cfg.deterministic and RIP is at an rdtsc or rdtscp, give
 * it the virtual counter and step over it; true if it did so (no signal). */
bool vclock_emulate_tsc(struct pagemu *pm);
/* The virtual time in ns since the epoch; each call advances it by
 * cfg.vclock_step_ns. */
uint64_t vclock_read(struct pagemu *pm);
/* A sleep: move the clock on by ns, without a read's step. */
void vclock_advance(struct pagemu *pm, uint64_t ns);
/* What a reading `real` (from vclock_read) means for the derived clocks:
 * the time since the clock started (the guest's CPU time), and
 * CLOCK_MONOTONIC/BOOTTIME (and the TSC), which adds a fixed uptime. */
uint64_t vclock_elapsed(const struct pagemu *pm, uint64_t real);
uint64_t vclock_mono(const struct pagemu *pm, uint64_t real);

#endif
