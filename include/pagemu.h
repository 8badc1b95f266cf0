/*
 * pagemu.h - the public API of libpagemu.
 *
 * libpagemu runs a static x86-64 Linux ELF program inside a Unicorn guest in
 * which every guest page goes through pagemu's own x86-64 software page
 * table.  One opaque handle (pagemu_t) holds one guest process.  Every call
 * returns a pagemu_err; out-parameters come last.  The library never prints on
 * its own: results come back through pagemu_result and callbacks.
 *
 * Typical use:
 *
 *     pagemu_config cfg;
 *     pagemu_config_init(&cfg);
 *     cfg.aslr = 0;
 *     pagemu_t *pm;
 *     pagemu_err e = pagemu_open(&cfg, &pm);
 *     if (!e) e = pagemu_load(pm, "/bin/busybox", argc, argv, envp);
 *     pagemu_result r;
 *     if (!e) e = pagemu_run(pm, &r);
 *     pagemu_close(pm);
 */
#ifndef PAGEMU_H
#define PAGEMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PAGEMU_BUILDING) && defined(__GNUC__)
#define PAGEMU_API __attribute__((visibility("default")))
#else
#define PAGEMU_API
#endif

#define PAGEMU_VERSION_MAJOR 0
#define PAGEMU_VERSION_MINOR 1
#define PAGEMU_VERSION_PATCH 0

/* One X-macro generates the error enum and pagemu_strerror(). */
#define PAGEMU_ERRNO_MAP(XX)                                                  \
    XX(OK, "success")                                                          \
    XX(INVAL, "invalid argument")                                              \
    XX(NOMEM, "out of host memory")                                            \
    XX(GUEST_NOMEM, "guest memory limit exhausted")                            \
    XX(IO, "cannot read the program file")                                     \
    XX(NOEXEC, "not an ELF file")                                              \
    XX(ELF_CLASS, "not a 64-bit ELF file")                                     \
    XX(ELF_MACHINE, "not an x86-64 ELF file")                                  \
    XX(ELF_TYPE, "ELF file is neither ET_EXEC nor ET_DYN")                     \
    XX(ELF_TRUNC, "ELF file is truncated")                                     \
    XX(ELF_BAD, "malformed ELF file")                                          \
    XX(ELF_SEGMENTS, "ELF segments are overlapping or out of range")           \
    XX(ELF_DYNAMIC, "dynamic binaries are not supported yet")                  \
    XX(ENGINE, "Unicorn engine error")                                         \
    XX(STATE, "call not valid in the handle's current state")                  \
    XX(E2BIG, "argument and environment lists too long")                      \
    XX(FAULT, "guest address not mapped or not accessible")                    \
    XX(NOENT, "no such symbol")                                                \
    XX(NOSNAP, "no snapshot taken")

typedef enum pagemu_err {
#define PAGEMU_ERR_ENUM(name, msg) PAGEMU_E##name,
    PAGEMU_ERRNO_MAP(PAGEMU_ERR_ENUM)
#undef PAGEMU_ERR_ENUM
    PAGEMU_E_COUNT
} pagemu_err;

/**
 * Describe an error code.
 * @param err  a pagemu_err value
 * @return     a static, human-readable string (never NULL)
 */
PAGEMU_API const char *pagemu_strerror(pagemu_err err);

/** Configuration of one guest process; set defaults with pagemu_config_init. */
typedef struct pagemu_config {
    int paging_levels;        /* 4 (default) or 5 (LA57) */
    int aslr;                 /* 1 (default): randomise like Linux; 0: setarch -R layout */
    uint64_t seed;            /* seed for ASLR, AT_RANDOM and getrandom */
    int have_seed;            /* 0: seed from the host's entropy */
    uint64_t stack_rlimit;    /* RLIMIT_STACK soft limit, default 8 MiB */
    uint64_t mem_limit;       /* guest physical memory (frame pool) in bytes, default 4 GiB */
    uint64_t mmap_min_addr;   /* default 65536 (vm.mmap_min_addr) */

    /*
     * execve(2) by the guest replaces the emulator process's image: the
     * host process re-executes exec_program (NULL, the default: the guest's
     * execve fails with ENOSYS) as
     *     exec_program [exec_args...] --exec-state=STATE -- GUEST-ARGV... GUEST-ENVP...
     * with an empty environment of its own.  That program must hand STATE
     * to pagemu_open in exec_state and everything after "--" to pagemu_load
     * as argc/argv.  The strings must stay valid while the handle lives.
     */
    const char *exec_program; /* e.g. "/proc/self/exe" for the pagemu CLI */
    char *const *exec_args;   /* the program's own options, NULL-terminated; may be NULL */
    /*
     * Set by a re-executed program: this handle continues a guest's execve.
     * Paging mode, ASLR and seed, limits, the fds without close-on-exec,
     * the blocked and ignored signals and the file to load come from STATE
     * and override the fields above; pagemu_load then takes path NULL and
     * splits its argv into the guest's argv and environment (its envp is
     * not used).
     */
    const char *exec_state;

    /*
     * Host fds besides 0, 1 and 2 that the guest gets at the same numbers,
     * as a program inherits its parent's open fds (e.g. `3<file`, a make
     * jobserver's pipe): typically those the embedding program itself
     * inherited without close-on-exec.  Closed or invalid ones are skipped;
     * the handle owns them from pagemu_open on (pagemu_close closes them).
     * Not used with exec_state.
     */
    const int *inherit_fds;
    int ninherit_fds;

    /*
     * Determinism (for fuzzing and record/compare): 1 replaces the host's
     * clocks by a virtual clock that starts at vclock_start_ns (nanoseconds
     * since the Unix epoch; 0: 2026-01-01T00:00:00Z) and advances by
     * vclock_step_ns (0: 1000) on every read; rdtsc and rdtscp read it too.
     * With have_seed set as well, AT_RANDOM, getrandom and ASLR are fixed,
     * so the same input gives the same run.
     */
    int deterministic;
    uint64_t vclock_start_ns;
    uint64_t vclock_step_ns;

    /*
     * A jmp or ret to a non-canonical address raises #GP on the branch
     * itself; the engine faults only when it fetches the target.  1
     * follows every block the engine enters (a UC_HOOK_BLOCK: about 3 ns
     * a block, 30% on busybox sha256sum) so that the fault is put back on
     * the branch, RIP and RSP as the CPU leaves them; 0 (the default)
     * reports it at the target.  A call is unwound through its return
     * address either way, at no cost.
     */
    int precise_branches;
} pagemu_config;

/**
 * Fill a config with the defaults listed in pagemu_config.
 * @param cfg  the config to initialise
 */
PAGEMU_API void pagemu_config_init(pagemu_config *cfg);

typedef struct pagemu pagemu_t;

/** The access that faulted. */
typedef enum pagemu_access {
    PAGEMU_ACCESS_NONE = 0,
    PAGEMU_ACCESS_READ,
    PAGEMU_ACCESS_WRITE,
    PAGEMU_ACCESS_EXEC,
} pagemu_access;

/** A fault as the guest would see it in siginfo, plus what pagemu knows. */
typedef struct pagemu_fault {
    int signo;                /* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, ... */
    int si_code;              /* SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL, ... */
    uint64_t si_address;      /* siginfo.si_addr as the guest gets it */
    uint64_t addr;            /* the real faulting address (even when si_addr is 0) */
    pagemu_access access;
    uint64_t rip;
    const char *region;       /* layout region name or VMA description; static storage */
    const char *reason;       /* one line: why the access was refused; static storage */
} pagemu_fault;

typedef enum pagemu_exit_kind {
    PAGEMU_EXITED = 1,        /* the guest called exit/exit_group */
    PAGEMU_SIGNALED,          /* the guest died of a signal */
    PAGEMU_STOPPED,           /* execution reached a stop address (pagemu_add_stop) */
    PAGEMU_TIMEOUT,           /* an instruction or time limit ran out (pagemu_set_limits) */
} pagemu_exit_kind;

/** How a run ended. */
typedef struct pagemu_result {
    pagemu_exit_kind kind;
    int exit_status;          /* for PAGEMU_EXITED: 0..255 */
    int signo;                /* for PAGEMU_SIGNALED */
    int core_dumped;          /* the signal's default action is core */
    pagemu_fault fault;       /* valid when the death came from a synchronous fault */
    uint64_t minor_faults;    /* pages demand-allocated */
    uint64_t tlb_fills;       /* calls into the TLB-fill callback */
    uint64_t syscalls;
    uint64_t stop_addr;       /* for PAGEMU_STOPPED: the stop address reached */
} pagemu_result;

/**
 * Create a guest process (a Unicorn instance, frame pool and page table).
 * @param cfg  configuration, or NULL for the defaults
 * @param out  receives the handle
 * @return     PAGEMU_EOK or an error
 */
PAGEMU_API pagemu_err pagemu_open(const pagemu_config *cfg, pagemu_t **out);

/**
 * Load a static ELF program and build its initial stack.
 * @param pm    handle from pagemu_open, not yet loaded
 * @param path  the program file on the host (ignored, may be NULL, when
 *              the handle was opened with an exec_state)
 * @param argc  number of arguments
 * @param argv  the guest's argv (argv[0] included)
 * @param envp  NULL-terminated environment for the guest
 * @return      PAGEMU_EOK, or the ELF validation error
 */
PAGEMU_API pagemu_err pagemu_load(pagemu_t *pm, const char *path, int argc,
                                  char *const argv[], char *const envp[]);

/**
 * Run the loaded guest until it exits or dies of a signal.
 *
 * The guest is the calling process as far as the host can tell: its fork()
 * forks the calling process, so pagemu_run also returns in every child
 * (compare getpid() with the pid before the run), and its execve()
 * replaces the calling process (see pagemu_config.exec_program).  A child
 * whose guest died of a signal should die of the same signal, so that its
 * parent's wait4 sees it.
 * @param pm   a loaded handle
 * @param res  receives the outcome
 * @return     PAGEMU_EOK when the guest ran to an end (see res), else an error
 */
PAGEMU_API pagemu_err pagemu_run(pagemu_t *pm, pagemu_result *res);

/**
 * Detail of the last error on this handle (e.g. which ELF check failed).
 * @param pm  handle
 * @return    a string owned by the handle, valid until the next call
 */
PAGEMU_API const char *pagemu_last_error(const pagemu_t *pm);

/**
 * Write the fatal-fault report for the last run into buf (like snprintf).
 * @param pm   handle after pagemu_run returned PAGEMU_SIGNALED
 * @param buf  output buffer
 * @param len  its size
 * @return     the length the full report needs, excluding the NUL
 */
PAGEMU_API size_t pagemu_fault_report(pagemu_t *pm, char *buf, size_t len);

/**
 * The same report as one JSON object (schema in README, "Fault reports"):
 * signal, signo, si_code, addr, access, region, rip, insn, symbol,
 * backtrace, walk, registers, maps.
 * @param pm   handle after pagemu_run returned PAGEMU_SIGNALED
 * @param buf  output buffer
 * @param len  its size
 * @return     the length the full object needs, excluding the NUL
 */
PAGEMU_API size_t pagemu_fault_json(pagemu_t *pm, char *buf, size_t len);

/** Receives each synchronous fault the guest takes (page fault, #GP, #DE,
 *  #UD, #BP), before the signal is delivered to a guest handler or kills
 *  the process; the record is valid during the call only. */
typedef void (*pagemu_fault_cb)(const pagemu_fault *fault, void *user_data);

/**
 * Set the fault callback (NULL removes it).
 * @param pm         handle
 * @param cb         called once per fault
 * @param user_data  passed to cb
 * @return           PAGEMU_EOK or PAGEMU_EINVAL
 */
PAGEMU_API pagemu_err pagemu_set_fault_callback(pagemu_t *pm, pagemu_fault_cb cb,
                                                void *user_data);

/** What --trace can show; a mask of these selects the kinds. */
typedef enum pagemu_trace_kind {
    PAGEMU_TRACE_SYSCALL = 1 << 0, /* strace-style line per syscall */
    PAGEMU_TRACE_MM = 1 << 1,      /* mmap/munmap/mprotect/brk, stack growth, minor faults */
    PAGEMU_TRACE_FAULT = 1 << 2,   /* faults the guest handles itself */
    PAGEMU_TRACE_SIGNAL = 1 << 3,  /* signal delivery and return */
    PAGEMU_TRACE_INSN = 1 << 4,    /* every instruction, disassembled (slow) */
} pagemu_trace_kind;

/** Receives one trace line (no trailing newline). */
typedef void (*pagemu_trace_cb)(pagemu_trace_kind kind, const char *line, void *user_data);

/**
 * Turn tracing on for the kinds in mask (0 turns it off).  With no trace
 * asked for, no tracing hook is installed in the engine.
 * @param pm         handle, before pagemu_run
 * @param mask       bitwise or of pagemu_trace_kind
 * @param cb         receives the lines
 * @param user_data  passed to cb
 * @return           PAGEMU_EOK, or PAGEMU_EENGINE if the insn hook failed
 */
PAGEMU_API pagemu_err pagemu_set_trace(pagemu_t *pm, unsigned mask, pagemu_trace_cb cb,
                                       void *user_data);

/* ---- fuzzing: guest access, stops, snapshots, coverage ------------------ */

/** Registers for pagemu_reg_read/pagemu_reg_write. */
typedef enum pagemu_reg {
    PAGEMU_REG_RAX, PAGEMU_REG_RBX, PAGEMU_REG_RCX, PAGEMU_REG_RDX,
    PAGEMU_REG_RSI, PAGEMU_REG_RDI, PAGEMU_REG_RBP, PAGEMU_REG_RSP,
    PAGEMU_REG_R8,  PAGEMU_REG_R9,  PAGEMU_REG_R10, PAGEMU_REG_R11,
    PAGEMU_REG_R12, PAGEMU_REG_R13, PAGEMU_REG_R14, PAGEMU_REG_R15,
    PAGEMU_REG_RIP, PAGEMU_REG_RFLAGS, PAGEMU_REG_FS_BASE, PAGEMU_REG_GS_BASE,
    PAGEMU_REG_COUNT
} pagemu_reg;

/**
 * Read a guest register.
 * @param pm   a loaded handle
 * @param reg  which
 * @param val  receives the value
 * @return     PAGEMU_EOK or PAGEMU_EINVAL
 */
PAGEMU_API pagemu_err pagemu_reg_read(pagemu_t *pm, pagemu_reg reg, uint64_t *val);
/** Write a guest register (see pagemu_reg_read). */
PAGEMU_API pagemu_err pagemu_reg_write(pagemu_t *pm, pagemu_reg reg, uint64_t val);

/**
 * Copy guest memory out, through the guest's page table and VMAs: a page
 * the guest could read but never touched is demand-allocated, as a read by
 * the guest would be.
 * @return  PAGEMU_EOK, or PAGEMU_EFAULT if any byte is not readable
 */
PAGEMU_API pagemu_err pagemu_mem_read(pagemu_t *pm, uint64_t va, void *buf, size_t len);
/**
 * Copy into guest memory; the bytes must be in writable VMAs (as a write by
 * the guest; the pages become dirty, so a later pagemu_restore undoes it).
 * All or nothing: when any byte is outside a writable VMA, no byte is
 * written.
 * @return  PAGEMU_EOK, or PAGEMU_EFAULT if any byte is not writable
 */
PAGEMU_API pagemu_err pagemu_mem_write(pagemu_t *pm, uint64_t va, const void *buf, size_t len);

/**
 * The address of a FUNC or OBJECT symbol of the loaded program (load bias
 * applied).
 * @return  PAGEMU_EOK or PAGEMU_ENOENT
 */
PAGEMU_API pagemu_err pagemu_symbol(pagemu_t *pm, const char *name, uint64_t *addr);

/**
 * Make pagemu_run return PAGEMU_STOPPED when the guest is about to execute
 * the instruction at addr (before it runs).  A run that starts at a stop
 * address does not stop there at once.  At most 16 stops.
 * @return  PAGEMU_EOK, or PAGEMU_EINVAL when the table is full
 */
PAGEMU_API pagemu_err pagemu_add_stop(pagemu_t *pm, uint64_t addr);
/** Remove every stop address. */
PAGEMU_API pagemu_err pagemu_clear_stops(pagemu_t *pm);
/**
 * At a function's first instruction (after a PAGEMU_STOPPED there): add a
 * stop at its return address, read from [rsp].
 * @return  PAGEMU_EOK, or PAGEMU_EFAULT if [rsp] cannot be read
 */
PAGEMU_API pagemu_err pagemu_stop_on_return(pagemu_t *pm);

/**
 * Limits for each later pagemu_run (0: none).  An exhausted limit ends the
 * run with PAGEMU_TIMEOUT; the guest is left where it stopped (restore a
 * snapshot to go on).  max_insns costs a hook on every instruction while
 * it is set; timeout_ms uses a host timer.
 */
PAGEMU_API pagemu_err pagemu_set_limits(pagemu_t *pm, uint64_t max_insns, uint64_t timeout_ms);

/**
 * Serve buf as the guest's standard input: guest fd 0 becomes a file of
 * these bytes, read from offset 0 (a copy is taken).  A later
 * pagemu_restore rewinds it.
 */
PAGEMU_API pagemu_err pagemu_set_stdin(pagemu_t *pm, const void *buf, size_t len);

/**
 * Take the handle's snapshot (one per handle; a new one replaces it):
 * registers with FS/GS base, the VMAs, brk and stack bounds, the fd table
 * and file offsets, signal state and the random generator.  Memory is not
 * copied: from now on the first write to each page saves that page, using
 * the page table's dirty bits.
 * @return  PAGEMU_EOK, PAGEMU_ENOMEM, or PAGEMU_ESTATE before pagemu_load
 */
PAGEMU_API pagemu_err pagemu_snapshot(pagemu_t *pm);

/** What a restore did. */
typedef struct pagemu_restore_stats {
    uint64_t pages_restored;  /* pages written, unmapped or re-protected since, put back */
    uint64_t pages_freed;     /* pages created since the snapshot, dropped */
    uint64_t fds_closed;      /* guest fds opened since, closed */
} pagemu_restore_stats;

/**
 * Put the guest back to the snapshot.  The cost is proportional to the
 * pages touched since the snapshot (the last restore), not to the address
 * space.  The snapshot stays, for the next restore.
 * @param stats  may be NULL
 * @return       PAGEMU_EOK, PAGEMU_ENOSNAP, or PAGEMU_EGUEST_NOMEM
 */
PAGEMU_API pagemu_err pagemu_restore(pagemu_t *pm, pagemu_restore_stats *stats);
/** Forget the snapshot (dirty-page tracking stops). */
PAGEMU_API pagemu_err pagemu_snapshot_drop(pagemu_t *pm);

/**
 * Record edge coverage into an AFL-style bitmap (map[cur ^ prev]++, with
 * cur a hash of each basic block's address and prev = cur >> 1 of the last
 * one), from a block-level hook; size must be a power of two, >= 256.
 * pagemu_restore resets prev.  map NULL turns it off (the hook goes).
 */
PAGEMU_API pagemu_err pagemu_set_coverage(pagemu_t *pm, uint8_t *map, size_t size);

/**
 * Collect the basic blocks executed from now on, and write them as a drcov
 * (version 2) file at pagemu_drcov_write or pagemu_close.
 * @param path  output file; NULL stops collecting
 */
PAGEMU_API pagemu_err pagemu_set_drcov(pagemu_t *pm, const char *path);
/** Write the drcov file now (see pagemu_set_drcov). */
PAGEMU_API pagemu_err pagemu_drcov_write(pagemu_t *pm);

/**
 * Destroy a handle and everything it owns; NULL is allowed.
 * @param pm  handle
 */
PAGEMU_API void pagemu_close(pagemu_t *pm);

/**
 * The library's version string, "MAJOR.MINOR.PATCH".
 * @return a static string
 */
PAGEMU_API const char *pagemu_version(void);

#ifdef __cplusplus
}
#endif
#endif /* PAGEMU_H */
