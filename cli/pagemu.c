/*
 * pagemu - run a static x86-64 Linux program through pagemu's software
 * page table.  A thin client of libpagemu: it uses only <pagemu.h>.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pagemu.h"
#include "afl.h"

extern char **environ;



static void usage(FILE *f)
{
    fprintf(f,
            "Usage: pagemu [OPTIONS] [--] PROGRAM [ARGS...]\n"
            "Run a static x86-64 Linux ELF program with every guest page translated\n"
            "through pagemu's own x86-64 page table.\n"
            "\n"
            "  --paging=4|5        page-table levels: 4 (47-bit user space, default)\n"
            "                      or 5 (LA57, 56-bit user space)\n"
            "  --no-aslr           lay memory out as Linux does under `setarch -R`\n"
            "  --seed N            seed ASLR, AT_RANDOM and getrandom (reproducible runs)\n"
            "  --deterministic     a virtual clock for every clock, rdtsc and sleep, from\n"
            "                      2026-01-01; with --seed 0 unless one is given\n"
"  --precise-branches  follow every block, so that a jmp or ret to a\n"
            "                      non-canonical address faults on the branch, as on\n"
            "                      Linux, not at its target (compute is up to 30%% slower)\n"
            "  --stack-size SIZE   RLIMIT_STACK for the guest, or unlimited (default: the shell's)\n"
            "  --mem-limit SIZE    guest physical memory (default 4G)\n"
            "  --fault-json PATH   on a fatal fault, also write the report as JSON to PATH\n"
            "  --trace=LIST        trace syscall,mm,fault,signal,insn (comma-separated, or all)\n"
            "  --trace-file PATH   write the trace to PATH instead of stderr\n"
            "  --drcov FILE        write the basic blocks executed to FILE (drcov format)\n"
            "  --afl               run as an AFL++ target: forkserver, edge coverage\n"
            "  --afl-entry ADDR    fork at this function or address, not before the\n"
            "                      first instruction (SYMBOL or 0xADDR)\n"
            "  --afl-persistent F  persistent mode: loop over function F (it must read\n"
            "                      its input itself), restoring a snapshot each time\n"
            "  --afl-loops N       inputs per forked child in persistent mode (10000)\n"
            "  -h, --help          show this help and exit\n"
            "  -V, --version       show the version and exit\n"
            "\n"
            "SIZE takes a K, M or G suffix (powers of 1024).  The exit status is the\n"
            "guest's, or 128+N when the guest dies of signal N; a report of the fault\n"
            "then goes to stderr.\n");
}

/* Parse "123", "64K", "8M", "4G" (also "8MiB"); 0 on error. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *s == '-')
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
        end += strlen(end);
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return 0;
    return (uint64_t)v << shift;
}

/*
 * The process the user started: a guest's fork() forks this program and
 * its execve() re-executes it (--exec-state), and each of those processes
 * is a guest process of its own.  Only the top one reports a guest's death
 * by signal N as exit status 128+N; the others die of N, so that their
 * guest parent's wait4 sees it.
 */
static pid_t top_pid;

/* The trace goes to one file description shared by every guest process
 * (O_APPEND; an inherited fd across the re-execs), written a whole line at
 * a time so that processes never split each other's lines. */
struct trace_out {
    FILE *f;
    size_t pending;           /* bytes in f's buffer */
    size_t bufsize;           /* 0: line buffered */
};

static void trace_line(pagemu_trace_kind kind, const char *line, void *user_data)
{
    static const char *const tag[] = {"syscall", "mm", "fault", "signal", "insn"};
    struct trace_out *t = user_data;
    int k = __builtin_ctz((unsigned)kind);
    char pid[32] = "";
    if (getpid() != top_pid)
        snprintf(pid, sizeof(pid), "[pid %d] ", (int)getpid());
    size_t len = strlen(pid) + strlen(line) + 12;
    if (t->bufsize && t->pending + len > t->bufsize) {
        fflush(t->f);
        t->pending = 0;
    }
    fprintf(t->f, "%s[%s] %s\n", pid, k < 5 ? tag[k] : "?", line);
    t->pending += len;
}

/*
 * Die of sig as the guest did, without a core file of the emulator: the
 * guest's parent then sees WIFSIGNALED with sig.  Raw syscalls, because the
 * C library refuses to touch the signals it reserves (32, 33).
 */
static void die_of_signal(int sig)
{
    struct rlimit core;
    struct { unsigned long handler, flags, restorer, mask; } dfl = {0, 0, 0, 0};
    unsigned long set = 1UL << (sig - 1);

    fflush(NULL);
    if (getrlimit(RLIMIT_CORE, &core) == 0) {
        core.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &core);
    }
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8);
    syscall(SYS_kill, getpid(), sig);
    _exit(128 + sig);   /* not reached for a signal that kills */
}

/* "syscall,mm" -> mask; 0 on success. */
static int parse_trace(const char *list, unsigned *mask)
{
    static const struct { const char *name; unsigned bit; } kinds[] = {
        {"syscall", PAGEMU_TRACE_SYSCALL}, {"mm", PAGEMU_TRACE_MM},
        {"fault", PAGEMU_TRACE_FAULT}, {"signal", PAGEMU_TRACE_SIGNAL},
        {"insn", PAGEMU_TRACE_INSN},
        {"all", PAGEMU_TRACE_SYSCALL | PAGEMU_TRACE_MM | PAGEMU_TRACE_FAULT |
                PAGEMU_TRACE_SIGNAL | PAGEMU_TRACE_INSN},
    };
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            if (!strcmp(t, kinds[i].name))
                break;
        if (i == sizeof(kinds) / sizeof(kinds[0]))
            return -1;
        *mask |= kinds[i].bit;
    }
    return *mask ? 0 : -1;
}

static void write_fault_json(pagemu_t *pm, const char *path)
{
    size_t n = pagemu_fault_json(pm, NULL, 0);
    char *js = malloc(n + 1);
    FILE *f = js ? fopen(path, "w") : NULL;
    if (!f) {
        fprintf(stderr, "pagemu: cannot write %s: %s\n", path, strerror(errno));
        free(js);
        return;
    }
    pagemu_fault_json(pm, js, n + 1);
    fputs(js, f);
    if (fclose(f) != 0)
        fprintf(stderr, "pagemu: cannot write %s: %s\n", path, strerror(errno));
    free(js);
}

enum {
    OPT_PAGING = 256, OPT_NO_ASLR, OPT_SEED, OPT_STACK, OPT_MEM, OPT_FAULT_JSON, OPT_TRACE,
    OPT_TRACE_FILE, OPT_DETERMINISTIC, OPT_PRECISE_BRANCHES,
    OPT_DRCOV, OPT_AFL, OPT_AFL_ENTRY, OPT_AFL_PERSISTENT, OPT_AFL_LOOPS,
    /* hidden: what a guest's execve passes to the re-executed emulator */
    OPT_EXEC_STATE, OPT_TOP_PID, OPT_TRACE_FD,
};

/* A host fd >= 3 that survives the re-execs (no close-on-exec), so that the
 * guest's own 0-2 never hold it. */
static int keep_fd(int fd)
{
    int k = fcntl(fd, F_DUPFD, 3);
    if (k >= 0 && fd >= 3)
        close(fd);
    return k;
}

/*
 * The fds above 2 this program inherited without close-on-exec, as they are
 * before it opens any of its own: the guest inherits them (fs/exec.c), at
 * the same numbers.  At most 256; NULL-safe on failure (none).
 */
static int inherited[256];
static int ninherited;

static void scan_inherited(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && ninherited < (int)(sizeof(inherited) / sizeof(inherited[0]))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd <= 2 || fd == dirfd(d) || fd > INT32_MAX)
            continue;
        int fl = fcntl((int)fd, F_GETFD);
        if (fl != -1 && !(fl & FD_CLOEXEC))
            inherited[ninherited++] = (int)fd;
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    scan_inherited();
    static const struct option opts[] = {
        {"paging", required_argument, NULL, OPT_PAGING},
        {"no-aslr", no_argument, NULL, OPT_NO_ASLR},
        {"seed", required_argument, NULL, OPT_SEED},
        {"deterministic", no_argument, NULL, OPT_DETERMINISTIC},
        {"precise-branches", no_argument, NULL, OPT_PRECISE_BRANCHES},
        {"stack-size", required_argument, NULL, OPT_STACK},
        {"mem-limit", required_argument, NULL, OPT_MEM},
        {"fault-json", required_argument, NULL, OPT_FAULT_JSON},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"trace-file", required_argument, NULL, OPT_TRACE_FILE},
        {"drcov", required_argument, NULL, OPT_DRCOV},
        {"afl", no_argument, NULL, OPT_AFL},
        {"afl-entry", required_argument, NULL, OPT_AFL_ENTRY},
        {"afl-persistent", required_argument, NULL, OPT_AFL_PERSISTENT},
        {"afl-loops", required_argument, NULL, OPT_AFL_LOOPS},
        {"exec-state", required_argument, NULL, OPT_EXEC_STATE},
        {"top-pid", required_argument, NULL, OPT_TOP_PID},
        {"trace-fd", required_argument, NULL, OPT_TRACE_FD},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    pagemu_config cfg;
    pagemu_config_init(&cfg);
    /* The guest inherits the shell's RLIMIT_STACK, as a child does
     * (kernel/fork.c); it decides the stack's reach and mmap_base.  An
     * unlimited one keeps x86-64's top-down layout (arch/x86/mm/mmap.c:
     * mmap_is_legacy looks at the sysctl and the personality only), with
     * the gap below the stack at its 5/6-of-the-task-size maximum. */
    struct rlimit stk;
    if (getrlimit(RLIMIT_STACK, &stk) == 0 && stk.rlim_cur >= 4096)
        cfg.stack_rlimit = stk.rlim_cur == RLIM_INFINITY ? UINT64_MAX : stk.rlim_cur;
    const char *fault_json = NULL, *trace_file = NULL, *trace_list = NULL, *drcov = NULL;
    struct afl_opts afl = {0, NULL, NULL, 10000};
    unsigned trace = 0;
    int trace_fd = -1;
    top_pid = getpid();

    int c;
    /* "+": stop at the first non-option, the guest's own options follow. */
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case OPT_PAGING:
            if (strcmp(optarg, "4") && strcmp(optarg, "5")) {
                fprintf(stderr, "pagemu: --paging must be 4 or 5, not '%s'\n", optarg);
                return 2;
            }
            cfg.paging_levels = optarg[0] - '0';
            break;
        case OPT_NO_ASLR:
            cfg.aslr = 0;
            break;
        case OPT_SEED:
            errno = 0;
            cfg.seed = strtoull(optarg, &end, 0);
            if (errno || *end || end == optarg) {
                fprintf(stderr, "pagemu: bad --seed '%s'\n", optarg);
                return 2;
            }
            cfg.have_seed = 1;
            break;
        case OPT_DETERMINISTIC:
            cfg.deterministic = 1;
            break;
        case OPT_PRECISE_BRANCHES:
            cfg.precise_branches = 1;
            break;
        case OPT_STACK:
            cfg.stack_rlimit = !strcmp(optarg, "unlimited") ? UINT64_MAX : parse_size(optarg);
            if (cfg.stack_rlimit < 4096) {
                fprintf(stderr, "pagemu: bad --stack-size '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_MEM:
            cfg.mem_limit = parse_size(optarg);
            if (cfg.mem_limit < (16u << 20)) {
                fprintf(stderr, "pagemu: bad --mem-limit '%s' (at least 16M)\n", optarg);
                return 2;
            }
            break;
        case OPT_EXEC_STATE:
            cfg.exec_state = optarg;
            break;
        case OPT_TOP_PID:
            top_pid = (pid_t)atoi(optarg);
            break;
        case OPT_TRACE_FD:
            trace_fd = atoi(optarg);
            break;
        case OPT_TRACE:
            trace_list = optarg;
            if (parse_trace(optarg, &trace)) {
                fprintf(stderr, "pagemu: bad --trace '%s' (syscall,mm,fault,signal,insn,all)\n", optarg);
                return 2;
            }
            break;
        case OPT_TRACE_FILE:
            trace_file = optarg;
            break;
        case OPT_FAULT_JSON:
            fault_json = optarg;
            break;
        case OPT_DRCOV:
            drcov = optarg;
            break;
        case OPT_AFL:
            afl.on = 1;
            break;
        case OPT_AFL_ENTRY:
            afl.on = 1;
            afl.entry = optarg;
            break;
        case OPT_AFL_PERSISTENT:
            afl.on = 1;
            afl.persistent = optarg;
            break;
        case OPT_AFL_LOOPS:
            errno = 0;
            afl.loops = strtoul(optarg, &end, 0);
            if (errno || *end || end == optarg || !afl.loops) {
                fprintf(stderr, "pagemu: bad --afl-loops '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("pagemu %s\n", pagemu_version());
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    /* --deterministic fixes the randomness too: seed 0 unless --seed. */
    if (cfg.deterministic && !cfg.have_seed) {
        cfg.have_seed = 1;
        cfg.seed = 0;
    }
    if (drcov && afl.on) {
        /* every forked child would write a file of its own */
        fprintf(stderr, "pagemu: --drcov does not go with --afl (run the input again with --drcov)\n");
        return 2;
    }
    /* An --exec-state run may have an empty argv (execve with argc 0). */
    if (optind >= argc && !cfg.exec_state) {
        usage(stderr);
        return 2;
    }

    /* The trace destination, opened once by the top process. */
    struct trace_out tout = {NULL, 0, 0};
    if (trace) {
        if (trace_fd < 0) {
            int fd = trace_file ? open(trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666)
                                : 2;
            if (fd < 0 || (trace_fd = keep_fd(fd)) < 0) {
                fprintf(stderr, "pagemu: cannot open %s: %s\n",
                        trace_file ? trace_file : "stderr", strerror(errno));
                return 2;
            }
        }
        tout.f = fdopen(trace_fd, "a");
        if (!tout.f) {
            fprintf(stderr, "pagemu: trace fd %d: %s\n", trace_fd, strerror(errno));
            return 2;
        }
        if (trace_file || cfg.exec_state) {
            /* a file: whole lines in 64 KiB writes (trace_line) */
            tout.bufsize = 1 << 16;
            setvbuf(tout.f, NULL, _IOFBF, tout.bufsize);
        } else {
            setvbuf(tout.f, NULL, _IOLBF, 0);
        }
    }

    /* What this program needs again when a guest's execve re-executes it;
     * the JSON path is made absolute, as the guest may chdir first. */
    char top_arg[40], tfd_arg[40];
    char *tl_arg = NULL, *fj_arg = NULL, *fj_abs = NULL, *dc_arg = NULL, *dc_abs = NULL;
    if (fault_json && fault_json[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd && asprintf(&fj_abs, "%s/%s", cwd, fault_json) >= 0)
            fault_json = fj_abs;
        free(cwd);
    }
    if (drcov && drcov[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd && asprintf(&dc_abs, "%s/%s", cwd, drcov) >= 0)
            drcov = dc_abs;
        free(cwd);
    }
    char *exec_args[9];
    int na = 0;
    snprintf(top_arg, sizeof(top_arg), "--top-pid=%d", (int)top_pid);
    exec_args[na++] = top_arg;
    if (trace) {
        snprintf(tfd_arg, sizeof(tfd_arg), "--trace-fd=%d", trace_fd);
        if (asprintf(&tl_arg, "--trace=%s", trace_list) < 0)
            return 2;
        exec_args[na++] = tl_arg;
        exec_args[na++] = tfd_arg;
    }
    if (fault_json) {
        if (asprintf(&fj_arg, "--fault-json=%s", fault_json) < 0)
            return 2;
        exec_args[na++] = fj_arg;
    }
    if (drcov) {
        /* the new program's blocks, in the same file (one per process) */
        if (asprintf(&dc_arg, "--drcov=%s", drcov) < 0)
            return 2;
        exec_args[na++] = dc_arg;
    }
    if (cfg.precise_branches)
        exec_args[na++] = "--precise-branches";
    exec_args[na] = NULL;
    cfg.exec_program = "/proc/self/exe";
    cfg.exec_args = exec_args;
    /* afl-fuzz's forkserver pipes are pagemu's to talk on, not the guest's. */
    int ninh = 0;
    for (int i = 0; i < ninherited; i++)
        if (!afl.on || (inherited[i] != 198 && inherited[i] != 199))
            inherited[ninh++] = inherited[i];
    cfg.inherit_fds = inherited;
    cfg.ninherit_fds = ninh;

    pagemu_t *pm;
    pagemu_err e = pagemu_open(&cfg, &pm);
    if (e) {
        fprintf(stderr, "pagemu: %s%s%s\n", pagemu_strerror(e), pm ? ": " : "",
                pm ? pagemu_last_error(pm) : "");
        return 127;
    }
    if (trace)
        pagemu_set_trace(pm, trace, trace_line, &tout);
    const char *prog = cfg.exec_state ? NULL : argv[optind];
    e = pagemu_load(pm, prog, argc - optind, argv + optind, environ);
    if (e) {
        const char *detail = pagemu_last_error(pm);
        fprintf(stderr, "pagemu: %s: %s%s%s\n", prog ? prog : "execve", pagemu_strerror(e),
                *detail ? ": " : "", detail);
        pagemu_close(pm);
        /* Past an execve's point of no return Linux kills the process
         * with SIGSEGV (fs/exec.c: bprm_execve). */
        if (cfg.exec_state) {
            if (getpid() != top_pid)
                die_of_signal(SIGSEGV);
            return 128 + SIGSEGV;
        }
        /* As a shell reports a file it cannot execute. */
        return e == PAGEMU_EIO ? 127 : 126;
    }
    if (drcov && (e = pagemu_set_drcov(pm, drcov))) {
        fprintf(stderr, "pagemu: --drcov: %s\n", pagemu_strerror(e));
        pagemu_close(pm);
        return 125;
    }
    pagemu_result r;
    int done = afl.on ? afl_start(pm, &afl, &r) : AFL_RUN;
    if (done == AFL_ERROR) {
        pagemu_close(pm);
        return 125;
    }
    e = done == AFL_DONE ? PAGEMU_EOK : pagemu_run(pm, &r);
    if (e) {
        fprintf(stderr, "pagemu: %s: %s\n", pagemu_strerror(e), pagemu_last_error(pm));
        pagemu_close(pm);
        return 125;
    }
    int status;
    if (r.kind == PAGEMU_EXITED) {
        status = r.exit_status;
    } else {
        size_t n = pagemu_fault_report(pm, NULL, 0);
        char *rep = malloc(n + 1);
        if (rep) {
            pagemu_fault_report(pm, rep, n + 1);
            fflush(stdout);
            fputs(rep, stderr);
            free(rep);
        }
        if (fault_json)
            write_fault_json(pm, fault_json);
        status = 128 + r.signo;
    }
    pagemu_close(pm);
    if (tout.f)
        fflush(tout.f);
    if (r.kind != PAGEMU_EXITED && getpid() != top_pid)
        die_of_signal(r.signo);
    free(tl_arg);
    free(fj_arg);
    free(fj_abs);
    free(dc_arg);
    free(dc_abs);
    return status;
}
