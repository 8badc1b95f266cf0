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
/* Install the rdtsc/rdtscp hooks when cfg.deterministic; 0 or -1. */
int vclock_install_hooks(struct pagemu *pm);
/* The virtual time in ns since the epoch; each call advances it by
 * cfg.vclock_step_ns. */
uint64_t vclock_read(struct pagemu *pm);

#endif
