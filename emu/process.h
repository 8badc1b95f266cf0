/*
 * process.h - fork, exec and wait: what sys_fork.c, sys_exec.c and
 * exec_state.c share.
 *
 * The guest process is the emulator's host process.  fork() forks the
 * emulator, so the child carries the whole guest (Unicorn, frame pool, page
 * table, fd table) copy-on-write; execve() re-executes the emulator program
 * (pagemu_config.exec_program) with an --exec-state option that tells the
 * new emulator what Linux keeps across an exec: the guest fds without
 * close-on-exec, the blocked mask and the ignored signals, the limits, and
 * which file to load.  The pid stays the same because the host's execve
 * keeps it.  The guest's argv and environment both follow "--" on the new
 * emulator's command line, and the emulator itself gets an empty
 * environment: variables meant for the guest (LD_PRELOAD, GLIBC_TUNABLES,
 * MALLOC_*) must not act on the emulator, which is a dynamically linked
 * host program.
 */
#ifndef PAGEMU_PROCESS_H
#define PAGEMU_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "pagemu.h"

struct pagemu;

/* What an --exec-state string carries (exec_state.c). */
struct exec_import {
    pagemu_config cfg;        /* paging, aslr, seed, limits */
    int nofile;               /* the guest's RLIMIT_NOFILE soft limit */
    uint64_t blocked;         /* the blocked mask: kept by execve */
    uint64_t ignored;         /* bit sig-1: SIG_IGN, kept by execve */
    int argc;                 /* argv after "--": argc strings, then the environment */
    int prog_fd;              /* host fd of the ELF to load (inherited) */
    char *exe_path;           /* what /proc/self/exe names */
    char *filename;           /* the execve path as given: AT_EXECFN */
    int nfds;
    struct { int guest, host; } *fds;
    uint64_t vclock_ns;       /* cfg.deterministic: the clock goes on from here (0: none) */
    uint32_t personality;     /* personality(2), kept by execve */
};

/*
 * The state string for a guest's execve of the ELF open on host fd prog_fd.
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *exec_state_encode(struct pagemu *pm, int prog_fd, const char *exe_path,
                        const char *filename, int argc);

/* Parse an --exec-state string into imp (cfg starts as base).  Returns 0 or
 * -1 on a malformed string (the message in why). */
int exec_state_parse(const char *s, const pagemu_config *base, struct exec_import *imp,
                     char *why, size_t whylen);

/* Install the imported fd table and signal state into a new handle: guest
 * fds keep their numbers; guest 0, 1 and 2 also become host 0, 1 and 2, so
 * that the emulator's own stderr is the guest's, as a fresh start has it. */
int exec_state_apply(struct pagemu *pm, struct exec_import *imp);

void exec_import_free(struct exec_import *imp);

/*
 * sys_fs_path.c: open (dfd, path) on the host as the guest's openat finds
 * it, generated /proc/self files included (execve of /proc/self/exe must
 * mean the guest's program).  Returns a close-on-exec host fd or a negative
 * errno.
 */
long path_open_host(struct pagemu *pm, uint64_t udfd, const char *path, int flags,
                    unsigned int mode);

/*
 * sigchld.c: the host's SIGCHLD for the guest.  sigchld_sync mirrors the
 * guest's SIGCHLD disposition on the host (after rt_sigaction, and in a
 * child whose handlers were reset); sigchld_poll queues a SIGCHLD the host
 * delivered (on the way back to user mode); sigchld_sleep waits for a host
 * signal when no guest signal is deliverable, losing no SIGCHLD in between;
 * sigchld_forget drops a recorded one (a fork child is not its parent).
 */
void sigchld_sync(struct pagemu *pm);
void sigchld_poll(struct pagemu *pm);
void sigchld_sleep(struct pagemu *pm);
void sigchld_forget(void);
/* The other forwarded host signals (sigchld.c): is sig one of them, mirror
 * the guest's disposition of sig on the host, and has the host recorded
 * any (the run loop then polls and delivers). */
bool hostsig_forwarded(int sig);
void hostsig_sync(struct pagemu *pm, int sig);
bool hostsig_pending(void);

/* api.c: reseed the handle's generator (a fork child must not repeat its
 * parent's random bytes). */
void pm_seed_rng(struct pagemu *pm, uint64_t seed, bool have_seed);

#endif
