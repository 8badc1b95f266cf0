/*
 * afl.h - the pagemu CLI as an AFL++ target: forkserver, shared-memory
 * edge coverage, and persistent mode over pagemu's snapshots.
 */
#ifndef PAGEMU_CLI_AFL_H
#define PAGEMU_CLI_AFL_H

#include "pagemu.h"

struct afl_opts {
    int on;                   /* --afl (also set by --afl-persistent) */
    const char *entry;        /* --afl-entry: fork there; NULL: before the first instruction */
    const char *persistent;   /* --afl-persistent: the function to loop over */
    unsigned long loops;      /* --afl-loops: iterations per forked child */
};

enum {
    AFL_RUN = 0,              /* the caller runs the guest (pagemu_run) as usual */
    AFL_DONE = 1,             /* the guest's run is over: *res holds how it ended */
    AFL_ERROR = -1,           /* a message went to stderr */
};

/*
 * Called after pagemu_load.  Under afl-fuzz (the forkserver pipes on fds
 * 198 and 199) this process becomes the forkserver: it attaches the
 * coverage map of __AFL_SHM_ID, runs the guest to the fork point and then
 * never returns; each forked child returns here, AFL_RUN in fork mode, or
 * after its persistent loop (AFL_DONE with a fatal result: report it and
 * die of the signal; otherwise the child exits itself).  Without the pipes
 * the guest runs normally: AFL_RUN, or AFL_DONE if it ended before the
 * fork point.
 */
int afl_start(pagemu_t *pm, const struct afl_opts *o, pagemu_result *res);

#endif
