/*
 * runctl.c - what a fuzzing harness drives between runs: stop addresses,
 * per-run limits, guest registers and memory, symbols, and a stdin of the
 * harness's bytes.  The run loop itself is pagemu_run (run.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "loader.h"
#include "mm.h"
#include "pagemu_int.h"
#include "uaccess.h"

/* ---- stops --------------------------------------------------------------- */

/*
 * A UC_HOOK_CODE on one address runs before the instruction there;
 * uc_emu_stop from it ends the run with RIP at that instruction, not yet
 * executed.  The first hit of the address the run started at is skipped,
 * so that a harness can go on from a stop.
 */
static void hook_stop(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)size;
    struct pagemu *pm = ud;
    if (pm->skip_stop) {
        pm->skip_stop = false;
        if (addr == pm->resume_rip)
            return;
    }
    pm->stop_hit = true;
    pm->stop_addr = addr;
    pm->stop = true;
    uc_emu_stop(uc);
}

PAGEMU_API pagemu_err pagemu_add_stop(pagemu_t *pm, uint64_t addr)
{
    if (!pm)
        return PAGEMU_EINVAL;
    for (unsigned i = 0; i < pm->nstops; i++)
        if (pm->stops[i] == addr)
            return PAGEMU_EOK;
    if (pm->nstops >= sizeof(pm->stops) / sizeof(pm->stops[0]))
        return PAGEMU_EINVAL;
    uc_hook h;
    if (uc_hook_add(pm->uc, &h, UC_HOOK_CODE, (void *)hook_stop, pm, addr, addr) != UC_ERR_OK)
        return PAGEMU_EENGINE;
    /* Code translated before the hook has no call to it. */
    uc_ctl_remove_cache(pm->uc, addr, addr + 1);
    pm->stop_hooks[pm->nstops] = h;
    pm->stops[pm->nstops++] = addr;
    return PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_clear_stops(pagemu_t *pm)
{
    if (!pm)
        return PAGEMU_EINVAL;
    for (unsigned i = 0; i < pm->nstops; i++) {
        uc_hook_del(pm->uc, pm->stop_hooks[i]);
        uc_ctl_remove_cache(pm->uc, pm->stops[i], pm->stops[i] + 1);
    }
    pm->nstops = 0;
    return PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_stop_on_return(pagemu_t *pm)
{
    if (!pm || !pm->loaded)
        return PAGEMU_EINVAL;
    uint64_t ret;
    if (copy_from_user(pm, &ret, reg_read(pm, UC_X86_REG_RSP), sizeof(ret)))
        return PAGEMU_EFAULT;
    return pagemu_add_stop(pm, ret);
}

/* ---- limits -------------------------------------------------------------- */

static void hook_count(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)addr, (void)size;
    struct pagemu *pm = ud;
    if (++pm->insn_count > pm->max_insns) {
        pm->timed_out = 1;
        pm->stop = true;
        uc_emu_stop(uc);
    }
}

PAGEMU_API pagemu_err pagemu_set_limits(pagemu_t *pm, uint64_t max_insns, uint64_t timeout_ms)
{
    if (!pm)
        return PAGEMU_EINVAL;
    if (max_insns && !pm->limit_hook) {
        if (uc_hook_add(pm->uc, &pm->limit_hook, UC_HOOK_CODE, (void *)hook_count, pm, 1, 0) !=
            UC_ERR_OK)
            return PAGEMU_EENGINE;
        uc_ctl_flush_tb(pm->uc);
    } else if (!max_insns && pm->limit_hook) {
        uc_hook_del(pm->uc, pm->limit_hook);
        pm->limit_hook = 0;
        uc_ctl_flush_tb(pm->uc);
    }
    pm->max_insns = max_insns;
    pm->timeout_ms = timeout_ms;
    return PAGEMU_EOK;
}

/*
 * The wall-time limit.  uc_emu_start's own timeout makes and joins a thread
 * on every call (120-160 us, DESIGN.md "Speed"), more than a whole
 * persistent exec; this thread is made once and armed per run.  Its stop
 * is uc_emu_stop from another thread: asynchronous, so the guest is
 * restored after a PAGEMU_TIMEOUT, not run on.
 */
struct pm_watchdog {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct timespec deadline;   /* CLOCK_MONOTONIC */
    bool armed, quit;
    bool timed;                 /* the thread sleeps until sleep_until */
    struct timespec sleep_until;
    struct pagemu *pm;
    pid_t owner;                /* the process the thread runs in */
};

/*
 * After a fork (the guest's, or an embedder's such as the AFL forkserver)
 * the child has the struct but not the thread, and perhaps a mutex that
 * thread held: free the copy without touching its mutex and start afresh.
 */
static struct pm_watchdog *watchdog_mine(struct pagemu *pm)
{
    if (pm->wd && pm->wd->owner != getpid()) {
        free(pm->wd);
        pm->wd = NULL;
    }
    return pm->wd;
}

static bool past(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/*
 * Arming and disarming only write the deadline and the flag under the
 * mutex; the thread is woken only from an untimed sleep.  Asleep until an
 * older deadline, it wakes then, finds the run over or the deadline moved,
 * and sleeps again: a persistent loop of short runs pays two uncontended
 * lock/unlock pairs a run, not a thread wake-up.
 */
static void *watchdog_main(void *arg)
{
    struct pm_watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        if (!w->armed) {
            w->timed = false;
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        w->timed = true;
        w->sleep_until = w->deadline;
        pthread_cond_timedwait(&w->cv, &w->mu, &w->sleep_until);
        if (w->armed && past(&w->deadline)) {
            w->armed = false;
            w->pm->timed_out = 1;
            uc_emu_stop(w->pm->uc);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int watchdog_arm(struct pagemu *pm, uint64_t timeout_ms)
{
    struct pm_watchdog *w = watchdog_mine(pm);
    if (!w) {
        w = calloc(1, sizeof(*w));
        if (!w)
            return -1;
        w->pm = pm;
        w->owner = getpid();
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cv, &ca);
        pthread_condattr_destroy(&ca);
        pthread_mutex_init(&w->mu, NULL);
        /* The guest's host signals are the main thread's (sigchld.c). */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        int e = pthread_create(&w->th, NULL, watchdog_main, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (e) {
            pthread_cond_destroy(&w->cv);
            pthread_mutex_destroy(&w->mu);
            free(w);
            return -1;
        }
        pm->wd = w;
    }
    pthread_mutex_lock(&w->mu);
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += (time_t)(timeout_ms / 1000);
    w->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (w->deadline.tv_nsec >= 1000000000) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000;
    }
    w->armed = true;
    /* Wake it only if it would sleep past the new deadline. */
    if (!w->timed || w->deadline.tv_sec < w->sleep_until.tv_sec ||
        (w->deadline.tv_sec == w->sleep_until.tv_sec &&
         w->deadline.tv_nsec < w->sleep_until.tv_nsec))
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void watchdog_disarm(struct pagemu *pm)
{
    struct pm_watchdog *w = watchdog_mine(pm);
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->armed = false;
    pthread_mutex_unlock(&w->mu);
}

void watchdog_destroy(struct pagemu *pm)
{
    struct pm_watchdog *w = watchdog_mine(pm);
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    pm->wd = NULL;
}

/* ---- registers ----------------------------------------------------------- */

static const int uc_regs[PAGEMU_REG_COUNT] = {
    [PAGEMU_REG_RAX] = UC_X86_REG_RAX, [PAGEMU_REG_RBX] = UC_X86_REG_RBX,
    [PAGEMU_REG_RCX] = UC_X86_REG_RCX, [PAGEMU_REG_RDX] = UC_X86_REG_RDX,
    [PAGEMU_REG_RSI] = UC_X86_REG_RSI, [PAGEMU_REG_RDI] = UC_X86_REG_RDI,
    [PAGEMU_REG_RBP] = UC_X86_REG_RBP, [PAGEMU_REG_RSP] = UC_X86_REG_RSP,
    [PAGEMU_REG_R8] = UC_X86_REG_R8,   [PAGEMU_REG_R9] = UC_X86_REG_R9,
    [PAGEMU_REG_R10] = UC_X86_REG_R10, [PAGEMU_REG_R11] = UC_X86_REG_R11,
    [PAGEMU_REG_R12] = UC_X86_REG_R12, [PAGEMU_REG_R13] = UC_X86_REG_R13,
    [PAGEMU_REG_R14] = UC_X86_REG_R14, [PAGEMU_REG_R15] = UC_X86_REG_R15,
    [PAGEMU_REG_RIP] = UC_X86_REG_RIP, [PAGEMU_REG_RFLAGS] = UC_X86_REG_RFLAGS,
    [PAGEMU_REG_FS_BASE] = UC_X86_REG_FS_BASE, [PAGEMU_REG_GS_BASE] = UC_X86_REG_GS_BASE,
};

PAGEMU_API pagemu_err pagemu_reg_read(pagemu_t *pm, pagemu_reg reg, uint64_t *val)
{
    if (!pm || !val || (unsigned)reg >= PAGEMU_REG_COUNT)
        return PAGEMU_EINVAL;
    *val = reg_read(pm, uc_regs[reg]);
    return PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_reg_write(pagemu_t *pm, pagemu_reg reg, uint64_t val)
{
    if (!pm || (unsigned)reg >= PAGEMU_REG_COUNT)
        return PAGEMU_EINVAL;
    reg_write(pm, uc_regs[reg], val);
    return PAGEMU_EOK;
}

/* ---- memory -------------------------------------------------------------- */

/* Is every page of [va, va + len) inside VMAs that allow the access?  A
 * harness's copy is all or nothing: a write that would run off a mapping
 * changes no byte (copy_to_user would have written the part before). */
static bool range_ok(struct pagemu *pm, uint64_t va, size_t len, uint32_t need)
{
    if (!len)
        return true;
    uint64_t end = va + len;
    if (end < va || end > pm->mm.task_size)
        return false;
    for (uint64_t a = va; a < end;) {
        struct vm_area_struct *v = vma_lookup(&pm->mm, a);
        if (!v || !(v->vm_flags & need))
            return false;
        a = v->vm_end;
    }
    return true;
}

PAGEMU_API pagemu_err pagemu_mem_read(pagemu_t *pm, uint64_t va, void *buf, size_t len)
{
    if (!pm || (!buf && len))
        return PAGEMU_EINVAL;
    if (!pm->loaded)
        return PAGEMU_ESTATE;
    if (!range_ok(pm, va, len, VM_READ | VM_WRITE | VM_EXEC))
        return PAGEMU_EFAULT;
    return copy_from_user(pm, buf, va, len) ? PAGEMU_EFAULT : PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_mem_write(pagemu_t *pm, uint64_t va, const void *buf, size_t len)
{
    if (!pm || (!buf && len))
        return PAGEMU_EINVAL;
    if (!pm->loaded)
        return PAGEMU_ESTATE;
    if (!range_ok(pm, va, len, VM_WRITE))
        return PAGEMU_EFAULT;
    return copy_to_user(pm, va, buf, len) ? PAGEMU_EFAULT : PAGEMU_EOK;
}

PAGEMU_API pagemu_err pagemu_symbol(pagemu_t *pm, const char *name, uint64_t *addr)
{
    if (!pm || !name || !addr)
        return PAGEMU_EINVAL;
    if (!pm->loaded || !pm->elf)
        return PAGEMU_ESTATE;
    const struct elf_image *img = &pm->elf->image;
    for (size_t i = 0; i < img->nsyms; i++) {
        uint32_t off = img->syms[i].name;
        if (off < img->strtab_size && strcmp(img->strtab + off, name) == 0) {
            *addr = img->syms[i].value + pm->load_bias;
            return PAGEMU_EOK;
        }
    }
    return PAGEMU_ENOENT;
}

/* ---- stdin ---------------------------------------------------------------- */

PAGEMU_API pagemu_err pagemu_set_stdin(pagemu_t *pm, const void *buf, size_t len)
{
    if (!pm || (!buf && len))
        return PAGEMU_EINVAL;
    /* Guest fd 0 still ours: rewrite the file in place (no fd change, so
     * a snapshot holding it stays valid and costs nothing to restore). */
    int cur = fd_host(pm, 0);
    if (pm->stdin_memfd < 0 || cur != pm->stdin_memfd) {
        int fd = memfd_create("pagemu-stdin", MFD_CLOEXEC);
        if (fd < 0)
            return PAGEMU_ENOMEM;
        if (fd_install_at(pm, fd, 0, 0) != 0)
            return PAGEMU_ENOMEM;
        pm->stdin_memfd = fd;
    }
    int fd = pm->stdin_memfd;
    if (host_rewrite(fd, buf, len))
        return PAGEMU_EIO;
    lseek(fd, 0, SEEK_SET);
    return PAGEMU_EOK;
}
