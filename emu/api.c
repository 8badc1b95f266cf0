/*
 * api.c - the public entry points of libpagemu: handle life cycle, errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mm.h"
#include "pagemu_int.h"
#include "loader.h"
#include "process.h"
#include "fuzz.h"

#ifdef PAGEMU_SANITIZE
/*
 * LeakSanitizer, in sanitizer builds only (here in the library so that every
 * program linking it, pagemu and the Check suites, gets it): Unicorn 2.1.1
 * keeps one 32-byte allocation of its own past uc_close on every run; it is
 * the engine's, not pagemu's.
 */
const char *__lsan_default_suppressions(void) __attribute__((visibility("default")));
const char *__lsan_default_suppressions(void)
{
    return "leak:libunicorn.so\n";
}
#endif

static const char *const err_msgs[] = {
#define PAGEMU_ERR_MSG(name, msg) msg,
    PAGEMU_ERRNO_MAP(PAGEMU_ERR_MSG)
#undef PAGEMU_ERR_MSG
};

PAGEMU_API const char *pagemu_strerror(pagemu_err err)
{
    if ((unsigned)err >= PAGEMU_E_COUNT)
        return "unknown error";
    return err_msgs[err];
}

PAGEMU_API const char *pagemu_version(void)
{
    return PACKAGE_VERSION;
}

PAGEMU_API void pagemu_config_init(pagemu_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->paging_levels = 4;
    cfg->aslr = 1;
    cfg->stack_rlimit = DEFAULT_STACK_RLIMIT;
    cfg->mem_limit = 4ULL << 30;
    cfg->mmap_min_addr = DEFAULT_MMAP_MIN_ADDR;
}

void pm_set_error(struct pagemu *pm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pm->errbuf, sizeof(pm->errbuf), fmt, ap);
    va_end(ap);
}

PAGEMU_API const char *pagemu_last_error(const pagemu_t *pm)
{
    return pm ? pm->errbuf : "";
}

/* ---- randomness: xoshiro256** seeded through splitmix64 ----------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t pm_random(struct pagemu *pm)
{
    uint64_t *s = pm->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

void pm_random_bytes(struct pagemu *pm, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        uint64_t r = pm_random(pm);
        size_t k = n < 8 ? n : 8;
        memcpy(p, &r, k);
        p += k;
        n -= k;
    }
}

void pm_seed_rng(struct pagemu *pm, uint64_t seed, bool have_seed)
{
    uint64_t x = seed;
    if (!have_seed) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &x, sizeof(x)) != (ssize_t)sizeof(x)) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid();
        }
        if (fd >= 0)
            close(fd);
    }
    for (int i = 0; i < 4; i++)
        pm->rng[i] = splitmix64(&x);
}

/* ---- life cycle -------------------------------------------------------- */

static void invalidate_code(void *ctx, uint64_t va)
{
    struct pagemu *pm = ctx;
    uc_ctl_remove_cache(pm->uc, va, va + PAGE_SIZE);
}

PAGEMU_API pagemu_err pagemu_open(const pagemu_config *cfg, pagemu_t **out)
{
    if (!out)
        return PAGEMU_EINVAL;
    *out = NULL;
    struct pagemu *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return PAGEMU_ENOMEM;
    if (cfg)
        pm->cfg = *cfg;
    else
        pagemu_config_init(&pm->cfg);

    pm->pending_intno = -1;
    pm->vfork_done_fd = -1;
    pm->stdin_memfd = -1;
    if (pm->cfg.exec_state) {
        /* This image continues a guest's execve (process.h). */
        pm->exec_in = calloc(1, sizeof(*pm->exec_in));
        if (!pm->exec_in) {
            free(pm);
            return PAGEMU_ENOMEM;
        }
        if (exec_state_parse(pm->cfg.exec_state, &pm->cfg, pm->exec_in, pm->errbuf,
                             sizeof(pm->errbuf))) {
            pagemu_close(pm);
            return PAGEMU_EINVAL;
        }
        pm->cfg = pm->exec_in->cfg;
    }
    if ((pm->cfg.paging_levels != 4 && pm->cfg.paging_levels != 5) ||
        pm->cfg.mem_limit < (16ULL << 20) || pm->cfg.stack_rlimit < PAGE_SIZE) {
        pagemu_close(pm);
        return PAGEMU_EINVAL;
    }
    pm_seed_rng(pm, pm->cfg.seed, pm->cfg.have_seed);
    vclock_init(pm);

    if (frame_pool_init(&pm->fp, pm->cfg.mem_limit)) {
        pagemu_close(pm);
        return PAGEMU_ENOMEM;
    }
    if (mm_init(&pm->mm, &pm->fp, pm->cfg.paging_levels) || fdtable_init(&pm->fds)) {
        pagemu_close(pm);
        return PAGEMU_ENOMEM;
    }
    if (pm->exec_in && exec_state_apply(pm, pm->exec_in)) {
        pagemu_close(pm);
        return PAGEMU_ENOMEM;
    }
    /* fs/exec.c: fds without close-on-exec survive into the new program,
     * even at or above its RLIMIT_NOFILE. */
    int nofile = pm->fds.max;
    pm->fds.max = INT32_MAX;
    for (int i = 0; !pm->exec_in && pm->cfg.inherit_fds && i < pm->cfg.ninherit_fds; i++) {
        int h = pm->cfg.inherit_fds[i];
        if (h > 2 && fcntl(h, F_GETFD) != -1 && fd_host(pm, h) < 0 &&
            fd_install_at(pm, h, 0, h) != h) {
            pagemu_close(pm);
            return PAGEMU_ENOMEM;
        }
    }
    pm->fds.max = nofile;
    pm->cfg.inherit_fds = NULL; /* the caller's array need not outlive the call */
    pm->cfg.ninherit_fds = 0;
    pm->mm.mmap_min_addr = pm->cfg.mmap_min_addr;
    pm->mm.stack_rlimit = pm->cfg.stack_rlimit;
    pm->mm.invalidate_code = invalidate_code;
    pm->mm.invalidate_ctx = pm;

    /* DESIGN.md "Setup order": tcg buffer size before anything else. */
    uc_err e = uc_open(UC_ARCH_X86, UC_MODE_64, &pm->uc);
    if (e == UC_ERR_OK)
        e = uc_ctl_set_tcg_buffer_size(pm->uc, 32u << 20);
    if (e == UC_ERR_OK)
        e = uc_ctl_tlb_mode(pm->uc, UC_TLB_VIRTUAL);
    if (e == UC_ERR_OK)
        e = uc_mem_map_ptr(pm->uc, FRAME_PBASE, frame_bytes(&pm->fp), UC_PROT_ALL, pm->fp.host);
    if (e != UC_ERR_OK) {
        pm_set_error(pm, "unicorn: %s", uc_strerror(e));
        pagemu_close(pm);
        return PAGEMU_EENGINE;
    }
    if (run_install_hooks(pm)) {
        pagemu_close(pm);
        return PAGEMU_EENGINE;
    }
    *out = pm;
    return PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_load(pagemu_t *pm, const char *path, int argc,
                                  char *const argv[], char *const envp[])
{
    if (!pm || (!path && !pm->exec_in) || argc < 0 || (argc > 0 && !argv))
        return PAGEMU_EINVAL;
    if (pm->loaded)
        return PAGEMU_ESTATE;
    static char *const empty[] = {NULL};
    pm->elf = calloc(1, sizeof(*pm->elf));
    if (!pm->elf)
        return PAGEMU_ENOMEM;
    pagemu_err e;
    if (pm->exec_in) {
        /* The file the old image validated, open on an inherited fd; its
         * name for AT_EXECFN and /proc/self/exe as the old image had them. */
        struct exec_import *in = pm->exec_in;
        char fdpath[32];
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", in->prog_fd);
        /* argv holds the guest's argv, then its environment (process.h) */
        if (in->argc < 0 || in->argc > argc) {
            pm_set_error(pm, "the exec state names %d arguments of %d", in->argc, argc);
            free(pm->elf);
            pm->elf = NULL;
            return PAGEMU_EINVAL;
        }
        (void)envp;
        e = load_elf_binary_info(pm, fdpath, in->filename, in->argc, argv,
                                 argv + in->argc, pm->elf);
        close(in->prog_fd);
        in->prog_fd = -1;
        if (!e && in->exe_path) {
            free(pm->exe_path);
            pm->exe_path = strdup(in->exe_path);
            if (!pm->exe_path)
                e = PAGEMU_ENOMEM;
        }
    } else {
        e = load_elf_binary_info(pm, path, NULL, argc, argv, envp ? envp : empty, pm->elf);
    }
    if (e) {
        free(pm->elf);
        pm->elf = NULL;
    }
    return e;
}

PAGEMU_API void pagemu_close(pagemu_t *pm)
{
    if (!pm)
        return;
    coverage_destroy(pm);
    snapshot_destroy(pm);
    watchdog_destroy(pm);
    thread_free(pm);
    if (pm->mm.pt.pgd)
        mm_writeback(&pm->mm, 0, pm->mm.task_size);
    if (pm->uc)
        uc_close(pm->uc);
    mm_destroy(&pm->mm);
    frame_pool_destroy(&pm->fp);
    fdtable_destroy(&pm->fds);
    if (pm->elf) {
        elf_image_free(&pm->elf->image);
        free(pm->elf);
    }
    free(pm->exe_path);
    free(pm->execfn);
    if (pm->exec_in) {
        exec_import_free(pm->exec_in);
        free(pm->exec_in);
    }
    /* A vfork parent waits until the child execs or lets go of its mm. */
    if (pm->vfork_done_fd >= 0)
        close(pm->vfork_done_fd);
    free(pm);
}
