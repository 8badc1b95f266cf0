/*
 * pagemu_int.h - the guest process behind a pagemu_t handle, and the
 * interfaces between the library's modules.  Not installed.
 */
#ifndef PAGEMU_INT_H
#define PAGEMU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "pagemu.h"
#include "frame.h"
#include "mm_types.h"
#include "pm_signal.h"
#include "vex.h"
#include "thread.h"

/* ---- guest fd table ---------------------------------------------------- */

/* Guest fds are pagemu's own numbers, mapped onto host fds, so that the
 * emulator's own descriptors never show through to the guest. */
struct elf_load_info;

struct gfd {
    int host;       /* -1: free slot */
    int cloexec;    /* FD_CLOEXEC on the guest fd */
    uint64_t gen;   /* changes whenever the slot gets another file (snapshot.c) */
};

struct fdtable {
    struct gfd *fd;
    int n;          /* slots allocated */
    int max;        /* RLIMIT_NOFILE soft limit */
    uint64_t gen;   /* the last gen handed out */
};

/* ---- the process ------------------------------------------------------- */

struct pagemu {
    pagemu_config cfg;
    uc_engine *uc;
    struct frame_pool fp;
    struct mm_struct mm;
    struct fdtable fds;

    /* program */
    char *exe_path;           /* absolute host path of the program (/proc/self/exe) */
    char *execfn;             /* the path as given (AT_EXECFN) */
    uint64_t entry;           /* e_entry + load bias */
    uint64_t load_bias;
    uint64_t phdr_addr;       /* AT_PHDR */
    struct elf_load_info *elf; /* symbols and saved auxv (loader.h) */
    uint64_t vdso_base;       /* AT_SYSINFO_EHDR: the [vdso] image, 0 if none */
    unsigned phnum;
    int loaded;

    /* run state */
    bool stop;                /* a hook asked the run loop to stop */
    bool exited;
    int exit_status;
    int fatal_signo;
    bool have_fault;          /* set by the TLB-fill callback on refusal */
    pagemu_fault fault;
    uint64_t fault_page;      /* the page the TLB-fill callback refused */

    /* signal state: dispositions, mask and altstack (sys_signal.c); the
     * pending queue and delivery state (signal.c) */
    struct linux_sigaction {
        uint64_t handler;
        uint64_t flags;
        uint64_t restorer;
        uint64_t mask;
    } sigact[64];
    uint64_t sigmask;
    struct {
        uint64_t sp;
        int32_t flags;        /* current->sas_ss_flags as set (0: never set) */
        uint64_t size;
    } altstack;
    struct pm_signal_state sig;

    /* host fds of open /proc/self/maps files: regenerated when read from
     * offset 0, as seq_file generates at read time (fs/seq_file.c) */
    int proc_maps_fd[8];
    /* host fds of open /proc/self/fd directories, listed from the guest's
     * fd table by getdents64 (procfs.c) */
    int proc_fddir_fd[8];

    /* the CPL 3 trampoline (usermode.c) */
    uint64_t usermode_paddr;
    bool usermode_tramp;

    /* a CPU exception reported by the UC_HOOK_INTR hook */
    int pending_intno;        /* -1: none */
    uint64_t pending_rip;     /* nonzero: the faulting instruction's RIP for it */

    /* cfg.precise_branches: the last block the engine entered in this
     * uc_emu_start (run.c: hook_branch_block), 0 when none yet */
    uc_hook branch_hook;
    uint64_t last_block;
    uint32_t last_block_size;

    /* VEX/EVEX instructions raise #UD (vex.c) */
    struct pm_vex vex;

    /* per-thread state Linux keeps, of the thread on the CPU (the others'
     * is in thr, thread.c) */
    uint64_t clear_child_tid;
    uint64_t robust_list, robust_len;
    struct pm_threads thr;

    /* sys_misc.c: prctl's PR_SET_NAME ("" until set: the exec's name),
     * dumpable, timer slack, THP; membarrier registrations; personality
     * (kept by execve, exec_state.c) */
    char comm[16];
    bool dumpable_off, thp_disable;
    uint64_t timer_slack;
    unsigned membarrier_reg;
    uint32_t personality;

    /* processes (process.h): the write end of the pipe a vfork parent
     * waits on (host close-on-exec, so it closes at exec or exit; -1:
     * none), and the state an --exec-state handed to this new image */
    int vfork_done_fd;
    struct exec_import *exec_in;

    /* deterministic randomness (xoshiro256**) seeded from cfg.seed */
    uint64_t rng[4];

    /* the embedder's fault callback (pagemu_set_fault_callback) */
    pagemu_fault_cb fault_fn;
    void *fault_ud;

    /* tracing (strace.c); trace_fn NULL: off */
    unsigned trace_mask;
    pagemu_trace_cb trace_fn;
    void *trace_ud;
    uc_hook insn_hook;

    /* fuzzing (issue 5).  Run control (run.c): the first pagemu_run sets
     * up the registers, later ones go on from where the guest stopped. */
    bool started;
    uint64_t stops[16];       /* pagemu_add_stop addresses */
    unsigned nstops;
    uc_hook stop_hooks[16];   /* a UC_HOOK_CODE per stop address */
    uint64_t resume_rip;      /* a run starting here does not stop here at once */
    bool skip_stop;
    bool stop_hit;
    uint64_t stop_addr;
    uint64_t max_insns, timeout_ms;
    uint64_t insn_count;      /* instructions this run, when max_insns is set */
    uc_hook limit_hook;
    volatile int timed_out;
    struct pm_watchdog *wd;   /* the timeout_ms thread (runctl.c), made on first use */
    int stdin_memfd;          /* pagemu_set_stdin's file, -1: none */

    /* the snapshot (snapshot.c); NULL: none, no dirty tracking */
    struct pm_snapshot *snap;

    /* coverage (coverage.c): the AFL edge map and drcov; NULL: off */
    struct pm_coverage *cov;

    /* the virtual clock of cfg.deterministic (vclock.c), in ns */
    uint64_t vclock_ns;

    /* counters */
    uint64_t tlb_fills;
    uint64_t nsyscalls;

    char errbuf[512];
};

/* Record a detailed error message for pagemu_last_error(). */
void pm_set_error(struct pagemu *pm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 64 random bits from the handle's generator. */
uint64_t pm_random(struct pagemu *pm);
void pm_random_bytes(struct pagemu *pm, void *buf, size_t n);

/* ---- run loop (run.c) ------------------------------------------------- */

/* Install the engine hooks; called once from pagemu_open. */
int run_install_hooks(struct pagemu *pm);
/* Flush Unicorn's TLB if the mm asked for it. */
void run_sync_tlb(struct pagemu *pm);
/* End the guest with exit status (exit_group). */
void run_exit(struct pagemu *pm, int status);

/* ---- guest registers --------------------------------------------------- */

uint64_t reg_read(struct pagemu *pm, int reg);
void reg_write(struct pagemu *pm, int reg, uint64_t val);

/* ---- Linux errno ------------------------------------------------------- */

/*
 * The host is x86-64 Linux too, so a host errno has the same number as the
 * guest's; this is the one place that would translate them otherwise.
 */
static inline long linux_err(int host_errno)
{
    return -(long)host_errno;
}

/* ---- fds (emu/fdtable.c) ----------------------------------------------- */

int fdtable_init(struct fdtable *t);
void fdtable_destroy(struct fdtable *t);
/* Host fd behind guest fd, or -EBADF. */
int fd_host(struct pagemu *pm, long gfd);
/* Install host fd at the lowest free guest number >= min; returns it or -EMFILE (and closes host). */
long fd_install(struct pagemu *pm, int host, int cloexec, long min);
/* Install host at exactly gfd (closing what was there); returns gfd or -EBADF. */
long fd_install_at(struct pagemu *pm, int host, int cloexec, long gfd);
/* Close guest fd; returns 0 or -EBADF. */
long fd_close(struct pagemu *pm, long gfd);

/* Host files of the emulator's own (drcov logs, /proc contents, stdin
 * buffers): write all n bytes at the file position, retrying EINTR; or
 * replace the whole content with them, leaving the position.  0 or -1. */
int host_write_all(int fd, const void *buf, size_t n);
int host_rewrite(int fd, const void *buf, size_t n);

#endif
