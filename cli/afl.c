/*
 * afl.c - pagemu as an AFL++ target (pagemu --afl).
 *
 * afl-fuzz starts its target with two pipes on fixed fds (AFL++
 * include/config.h: FORKSRV_FD 198 for commands, 199 for status) and, in
 * __AFL_SHM_ID, the id of a System V shared memory segment that is the
 * coverage map.  The target says hello (4 bytes on 199), then serves runs:
 *
 *     read 4 bytes (nonzero: the last child timed out and was killed)
 *     fork a child (or SIGCONT the stopped persistent one)
 *     write the child's pid; waitpid; write the wait status
 *
 * afl-fuzz counts a child that dies of a signal as a crash, one it had to
 * kill as a hang, and anything else as a normal run.  A stopped child
 * (WIFSTOPPED) is a persistent one that ran an input and waits for the
 * next: afl-fuzz keeps its pid and the next run goes to the same child
 * (see "Persistent mode" below for how pagemu's child reports that).
 *
 * The hello may carry options (AFL++ include/types.h: FS_OPT_ENABLED with
 * FS_OPT_MAPSIZE and the map size in bits 1-23); pagemu announces the size
 * of the map it fills, so that afl-fuzz scans exactly that much.
 *
 * Coverage is pagemu_set_coverage's edge map, filled by the emulator; the
 * guest is not instrumented.  Persistent mode is pagemu's snapshot: stop
 * at the function's entry, snapshot, run to its return, restore, again.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afl.h"

#define FORKSRV_FD 198
#define FS_OPT_ENABLED 0x80000001u
#define FS_OPT_MAPSIZE 0x40000000u
#define FS_OPT_MAX_MAPSIZE (1u << 23)
#define AFL_DEFAULT_MAP 65536u

/* "0x4011d6" or a symbol of the program. */
static int resolve(pagemu_t *pm, const char *opt, const char *what, uint64_t *addr)
{
    if (what[0] >= '0' && what[0] <= '9') {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(what, &end, 0);
        if (!errno && !*end) {
            *addr = v;
            return 0;
        }
        fprintf(stderr, "pagemu: %s: bad address '%s'\n", opt, what);
        return -1;
    }
    pagemu_err e = pagemu_symbol(pm, what, addr);
    if (e) {
        fprintf(stderr, "pagemu: %s: %s: %s\n", opt, what,
                e == PAGEMU_ENOENT ? "no such symbol in the program" : pagemu_strerror(e));
        return -1;
    }
    return 0;
}

static int full_io(int write_it, int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t k = write_it ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The largest power of two <= x (x >= 1). */
static size_t pow2_floor(size_t x)
{
    size_t p = 1;
    while (p <= x / 2)
        p *= 2;
    return p;
}

/*
 * The map afl-fuzz created.  pagemu fills 64 KiB of it (PAGEMU_AFL_MAP_SIZE
 * to change that), never more than the segment holds, and says so in its
 * hello; afl-fuzz then scans only that much.  (AFL_MAP_SIZE is no guide:
 * afl-fuzz sets it to a large provisional size while it asks the target.)
 * NULL without __AFL_SHM_ID: the runs are just not measured.
 */
static uint8_t *attach_map(size_t *size)
{
    const char *id = getenv("__AFL_SHM_ID");
    if (!id || !*id)
        return NULL;
    int shmid = atoi(id);
    void *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1) {
        fprintf(stderr, "pagemu: --afl: shmat(%s): %s\n", id, strerror(errno));
        return NULL;
    }
    size_t want = AFL_DEFAULT_MAP;
    const char *ms = getenv("PAGEMU_AFL_MAP_SIZE");
    if (ms && atol(ms) > 0)
        want = (size_t)atol(ms);
    struct shmid_ds ds;
    if (shmctl(shmid, IPC_STAT, &ds) == 0 && ds.shm_segsz < want)
        want = ds.shm_segsz;
    if (want > FS_OPT_MAX_MAPSIZE)
        want = FS_OPT_MAX_MAPSIZE;
    want = pow2_floor(want);
    if (want < 256) {
        fprintf(stderr, "pagemu: --afl: the coverage map is too small (%zu bytes)\n", want);
        shmdt(p);
        return NULL;
    }
    *size = want;
    return p;
}

/*
 * Persistent mode, two ways of reporting a run's end:
 *
 *  - direct (the default): the persistent child holds the pipes and talks
 *    to afl-fuzz itself: it reads the command, writes its own pid, runs
 *    the input and writes the status a stopped child would have
 *    (W_STOPCODE(SIGSTOP), so afl-fuzz keeps the pid for the next run).
 *    The server only forks and, when a child dies, reports that death:
 *    a crash, a kill on timeout, or the exit after --afl-loops inputs.  Two
 *    process switches per run instead of six; on a 2-core VM the SIGSTOP
 *    round trip alone, with no work at all, tops out near 10,000 runs/s.
 *
 *  - PAGEMU_AFL_SIGSTOP=1: AFL++'s own convention, the child stops itself
 *    with SIGSTOP after each run, the server's waitpid(WUNTRACED) reports
 *    it and continues the child with SIGCONT for the next.
 *
 * In direct mode the server must write a status only for a run the child
 * did not finish reporting; the child keeps two words in shared memory
 * for that: owed (a run started, no status written yet) and writing (the
 * status write is in progress).  A child killed in the middle of the
 * write leaves it unknown whether afl-fuzz got the status; afl-fuzz sends
 * its next command only once it has, so the server waits for one.
 */
struct fsrv_shared {
    volatile uint32_t owed;
    volatile uint32_t writing;
};

static struct fsrv_shared *shared;   /* direct persistent mode only */

/*
 * pagemu_run returns in the guest's own children too (its fork forks this
 * process): such a process is not the server or a fuzzed child; it leaves
 * the pipes alone and ends as any guest process does.
 */
static pid_t self;

static int guest_child(void)
{
    if (getpid() == self)
        return 0;
    close(FORKSRV_FD);
    close(FORKSRV_FD + 1);
    return 1;
}

#define STATUS_STOPPED 0x137f        /* W_STOPCODE(SIGSTOP) */

/*
 * The forkserver.  Returns in each child it forks (0), or at once if
 * afl-fuzz is not there to say hello to (-1).
 */
static int forkserver(uint32_t hello, int persistent, int sigstop)
{
    if (persistent && !sigstop) {
        shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                      -1, 0);
        if (shared == MAP_FAILED) {
            fprintf(stderr, "pagemu: --afl-persistent: mmap: %s\n", strerror(errno));
            return -1;
        }
    }
    if (full_io(1, FORKSRV_FD + 1, &hello, 4))
        return -1;
    /* The server's own waitpid must see its children, whatever the guest
     * made of SIGCHLD (an ignored SIGCHLD reaps them away). */
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, &old);

    pid_t child = -1;
    int stopped = 0;
    for (;;) {
        uint32_t was_killed;
        int status;
        if (full_io(0, FORKSRV_FD, &was_killed, 4)) {
            /* afl-fuzz went away */
            if (stopped)
                kill(child, SIGKILL);
            _exit(0);
        }
        if (stopped && was_killed) {
            /* afl-fuzz killed the stopped child on a timeout: reap it and
             * start a fresh one. */
            stopped = 0;
            while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        }
        if (!stopped) {
            if (shared)
                shared->owed = shared->writing = 0;
            child = fork();
            if (child < 0)
                _exit(1);
            if (child == 0) {
                if (!shared) {
                    close(FORKSRV_FD);
                    close(FORKSRV_FD + 1);
                }
                sigaction(SIGCHLD, &old, NULL);
                return 0;
            }
        } else {
            kill(child, SIGCONT);
            stopped = 0;
        }
        /* A direct persistent child writes its pid itself. */
        if (!shared && full_io(1, FORKSRV_FD + 1, &child, 4))
            _exit(1);
        while (waitpid(child, &status, sigstop ? WUNTRACED : 0) < 0) {
            if (errno != EINTR)
                _exit(1);
        }
        if (WIFSTOPPED(status))
            stopped = 1;
        if (shared) {
            if (!shared->owed)
                continue;       /* its last run was reported: nothing owed */
            if (shared->writing) {
                struct pollfd pfd = {FORKSRV_FD, POLLIN, 0};
                if (poll(&pfd, 1, 200) > 0)
                    continue;   /* afl-fuzz moved on: it got the status */
            }
        }
        if (full_io(1, FORKSRV_FD + 1, &status, 4))
            _exit(1);
    }
}

/*
 * A persistent child: the guest is at the function's entry (func == 0) or
 * before it.  Run it to its return, again and again from the snapshot, one
 * input per run.
 */
static int persistent_loop(pagemu_t *pm, const struct afl_opts *o, uint64_t func,
                           pagemu_result *res)
{
    pid_t me = self = getpid();
    if (shared) {
        /* The server read the command of this first run. */
        shared->owed = 1;
        if (full_io(1, FORKSRV_FD + 1, &me, 4))
            _exit(1);
    }
    pagemu_err e = PAGEMU_EOK;
    if (func) {
        if ((e = pagemu_add_stop(pm, func)) || (e = pagemu_run(pm, res))) {
            fprintf(stderr, "pagemu: --afl-persistent: %s: %s\n", pagemu_strerror(e),
                    pagemu_last_error(pm));
            return AFL_ERROR;
        }
        if (guest_child() || res->kind != PAGEMU_STOPPED)
            return AFL_DONE;    /* never got there: report what happened */
    }
    e = pagemu_snapshot(pm);
    if (!e)
        e = pagemu_clear_stops(pm);
    if (!e)
        e = pagemu_stop_on_return(pm);
    if (e) {
        fprintf(stderr, "pagemu: --afl-persistent: %s%s%s\n", pagemu_strerror(e),
                *pagemu_last_error(pm) ? ": " : "", pagemu_last_error(pm));
        return AFL_ERROR;
    }
    for (unsigned long i = 0;; i++) {
        if (i) {
            if (shared) {
                uint32_t cmd;
                if (full_io(0, FORKSRV_FD, &cmd, 4))
                    _exit(0);   /* afl-fuzz went away */
                shared->owed = 1;
                if (full_io(1, FORKSRV_FD + 1, &me, 4))
                    _exit(1);
            }
            e = pagemu_restore(pm, NULL);
            if (e) {
                fprintf(stderr, "pagemu: --afl-persistent: restore: %s\n", pagemu_strerror(e));
                return AFL_ERROR;
            }
        }
        e = pagemu_run(pm, res);
        if (e) {
            fprintf(stderr, "pagemu: %s: %s\n", pagemu_strerror(e), pagemu_last_error(pm));
            return AFL_ERROR;
        }
        if (guest_child())
            return AFL_DONE;
        /* A crash ends the child, which dies of the signal as the guest
         * did; the server reports it.  (No limits are set, so there is no
         * PAGEMU_TIMEOUT: afl-fuzz's -t kills a hung child.) */
        if (res->kind == PAGEMU_SIGNALED)
            return AFL_DONE;
        /* The function returned (PAGEMU_STOPPED), or the guest exited
         * inside it: a normal end.  The last one is reported by the
         * server, as the child's exit. */
        if (i + 1 >= o->loops) {
            fflush(NULL);
            _exit(0);
        }
        if (shared) {
            int st = STATUS_STOPPED;
            shared->writing = 1;
            if (full_io(1, FORKSRV_FD + 1, &st, 4))
                _exit(1);
            shared->owed = 0;
            shared->writing = 0;
        } else {
            raise(SIGSTOP);
        }
    }
}

/*
 * Fork mode's children would each translate all the code they run, which
 * costs more than running it (a static glibc start-up is ~1000 blocks).
 * So the server runs the guest once itself, from a snapshot at the fork
 * point, on whatever input is there (afl-fuzz has written none yet: the
 * program's error path), and restores the snapshot: the guest is back at
 * the fork point, and the code of that run stays translated for every
 * child.  Two seconds at most; PAGEMU_AFL_WARMUP=0 turns it off.
 */
static int warm_up(pagemu_t *pm)
{
    const char *w = getenv("PAGEMU_AFL_WARMUP");
    if (w && !strcmp(w, "0"))
        return 0;
    if (pagemu_snapshot(pm))
        return 0;           /* no warm-up, no harm */
    pagemu_result r;
    pagemu_set_limits(pm, 0, 2000);
    pagemu_err e = pagemu_run(pm, &r);
    if (guest_child())
        _exit(0);           /* a child the guest forked: it ran its course */
    pagemu_set_limits(pm, 0, 0);
    if (!e && r.kind == PAGEMU_STOPPED)
        pagemu_clear_stops(pm);
    if ((e = pagemu_restore(pm, NULL)) != PAGEMU_EOK) {
        fprintf(stderr, "pagemu: --afl: cannot restore after the warm-up run: %s\n",
                pagemu_strerror(e));
        return -1;
    }
    pagemu_snapshot_drop(pm);
    return 0;
}

int afl_start(pagemu_t *pm, const struct afl_opts *o, pagemu_result *res)
{
    uint64_t entry = 0, func = 0;
    int have_entry = 0;
    if (o->entry) {
        if (resolve(pm, "--afl-entry", o->entry, &entry))
            return AFL_ERROR;
        have_entry = 1;
    }
    if (o->persistent) {
        if (resolve(pm, "--afl-persistent", o->persistent, &func))
            return AFL_ERROR;
        if (!have_entry) {
            /* Fork at the function: the children start right there. */
            entry = func;
            have_entry = 1;
        }
    }
    int fsrv = fcntl(FORKSRV_FD, F_GETFD) != -1 && fcntl(FORKSRV_FD + 1, F_GETFD) != -1;
    if (!fsrv)
        return AFL_RUN;     /* not under afl-fuzz: an ordinary run */

    size_t map_size = 0;
    uint8_t *map = attach_map(&map_size);
    if (map && pagemu_set_coverage(pm, map, map_size)) {
        fprintf(stderr, "pagemu: --afl: %s\n", pagemu_last_error(pm));
        return AFL_ERROR;
    }

    pagemu_err e;
    self = getpid();
    if (have_entry) {
        /* Run the common prefix once, in the server. */
        if ((e = pagemu_add_stop(pm, entry)) || (e = pagemu_run(pm, res))) {
            fprintf(stderr, "pagemu: --afl: %s: %s\n", pagemu_strerror(e), pagemu_last_error(pm));
            return AFL_ERROR;
        }
        if (guest_child())
            return AFL_DONE;
        if (res->kind != PAGEMU_STOPPED) {
            fprintf(stderr, "pagemu: --afl: the guest ended before reaching 0x%" PRIx64 "\n", entry);
            return AFL_DONE;
        }
        pagemu_clear_stops(pm);
    }
    if (!o->persistent && warm_up(pm))
        return AFL_ERROR;

    uint32_t hello = 0;
    if (map)
        hello = FS_OPT_ENABLED | FS_OPT_MAPSIZE | (uint32_t)((map_size - 1) << 1);
    const char *ss = getenv("PAGEMU_AFL_SIGSTOP");
    int sigstop = ss && *ss && strcmp(ss, "0");
    if (forkserver(hello, o->persistent != NULL, sigstop) < 0)
        return AFL_RUN;     /* nobody listening: run the guest once */

    /* A child: its edges start from nothing, as every exec's do. */
    if (map)
        pagemu_set_coverage(pm, map, map_size);
    if (o->persistent)
        return persistent_loop(pm, o, func != entry ? func : 0, res);
    return AFL_RUN;
}
