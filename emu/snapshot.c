/*
 * snapshot.c - snapshot and restore of the guest process, for fuzzing.
 *
 * A snapshot copies what is small (registers, VMAs, mm bounds, the fd
 * table, signal state, the random generator and the virtual clock) and
 * copies no memory.  Instead every present page-table entry gets
 * _PAGE_SNAP and loses _PAGE_DIRTY, and Unicorn's TLB is flushed, so the
 * guest's first write to each page comes back through the TLB-fill
 * callback, exactly as the dirty bit's first write does on x86.  Before
 * any _PAGE_SNAP entry changes (a write by the guest or by a syscall, an
 * unmap, an mprotect, an mremap move) the journal saves the entry and its
 * page's bytes; a page that appears where there was none is journaled as
 * new.  Restore walks the journal backwards, so it costs O(pages touched
 * since the snapshot), not O(address space), and leaves every entry it
 * visits back in the _PAGE_SNAP state: the journal starts empty again.
 *
 * MAP_SHARED file pages (_PAGE_SOFTW1) are not journaled: their bytes are
 * the file's, which a restore cannot take back (README: known limits).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "mm.h"
#include "pagemu_int.h"

struct jent {
    uint64_t va;
    pteval_t orig;      /* the entry at snapshot time; 0: there was none */
    size_t slot;        /* its page's bytes in snap->pages (orig != 0) */
};

struct snap_fd {
    int dup;            /* our own dup of the host fd, -1: slot was free */
    int cloexec;
    uint64_t gen;
    off_t off;          /* file offset, -1 where there is none (pipes) */
};

/* The struct pagemu fields a restore copies back as they were. */
#define SNAP_FIELDS(X)                                                        \
    X(sigact)          /* dispositions */                                     \
    X(sigmask)                                                                \
    X(altstack)                                                               \
    X(sig)             /* pending signals and delivery state */               \
    X(rng)             /* the seeded generator: same getrandom bytes */       \
    X(vclock_ns)       /* the deterministic clock */                          \
    X(clear_child_tid)                                                        \
    X(robust_list)                                                            \
    X(robust_len)                                                             \
    X(usermode_tramp)  /* taken before the first instruction */

struct pm_snapshot {
    uc_context *ctx;                 /* registers, FS/GS base, FPU/SSE */
    struct mm_struct mm;             /* bounds and counters (pt, vma: not used) */
    struct vm_area_struct *vma;      /* the VMAs, vm_file references held */
    size_t nvma;

    struct jent *j;                  /* the journal since the last restore */
    size_t nj, jcap;
    uint8_t *pages;                  /* saved page bytes, PAGE_SIZE a slot */
    size_t npages, pcap;
    bool broken;                     /* the journal could not save a page */

    struct snap_fd *fd;
    int nfd;

#define SNAP_DECLARE(f) __typeof__(((struct pagemu *)0)->f) f;
    SNAP_FIELDS(SNAP_DECLARE)
#undef SNAP_DECLARE
};

/* memcpy, so that arrays (sigact, rng) copy like the scalars. */
#define SNAP_SAVE(f) memcpy(&s->f, &pm->f, sizeof(s->f));
#define SNAP_LOAD(f) memcpy(&pm->f, &s->f, sizeof(s->f));

/* ---- the journal (pgtable.h: pte_journal, pte_journal_new) -------------- */

static bool journal_grow(struct pm_snapshot *s)
{
    if (s->nj < s->jcap)
        return true;
    size_t cap = s->jcap ? s->jcap * 2 : 64;
    struct jent *j = realloc(s->j, cap * sizeof(*j));
    if (!j)
        return false;
    s->j = j;
    s->jcap = cap;
    return true;
}

static void journal(void *ctx, uint64_t va, pte_t *pte)
{
    struct pagemu *pm = ctx;
    struct pm_snapshot *s = pm->snap;

    va &= PAGE_MASK;
    if (!journal_grow(s)) {
        s->broken = true;
        return;
    }
    struct jent *e = &s->j[s->nj];
    e->va = va;
    e->orig = 0;
    e->slot = 0;
    if (pte) {
        if (s->npages == s->pcap) {
            size_t cap = s->pcap ? s->pcap * 2 : 16;
            uint8_t *p = realloc(s->pages, cap * PAGE_SIZE);
            if (!p) {
                s->broken = true;
                return;
            }
            s->pages = p;
            s->pcap = cap;
        }
        e->orig = pte->pte & ~(_PAGE_SNAP | _PAGE_DIRTY);
        e->slot = s->npages++;
        memcpy(s->pages + e->slot * PAGE_SIZE,
               frame_host(&pm->fp, pte->pte & PTE_PFN_MASK), PAGE_SIZE);
        pte->pte &= ~_PAGE_SNAP;
    }
    s->nj++;
}

/* At the snapshot: every present private page becomes _PAGE_SNAP, clean. */
static void mark_snap(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    (void)pt, (void)va, (void)arg;
    if (pte->pte & _PAGE_SOFTW1)
        return; /* MAP_SHARED: the file's bytes */
    pte->pte = (pte->pte | _PAGE_SNAP) & ~_PAGE_DIRTY;
}

/* ---- VMAs ---------------------------------------------------------------- */

static void put_vmas(struct vm_area_struct *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].vm_file)
            vm_file_put(v[i].vm_file);
}

/* A copy of n VMAs holding its own file references; NULL on failure. */
static struct vm_area_struct *copy_vmas(const struct vm_area_struct *v, size_t n, size_t cap)
{
    struct vm_area_struct *c = malloc((cap ? cap : 1) * sizeof(*c));
    if (!c)
        return NULL;
    memcpy(c, v, n * sizeof(*c));
    for (size_t i = 0; i < n; i++)
        if (c[i].vm_file)
            vm_file_get(c[i].vm_file);
    return c;
}

/* ---- fds ----------------------------------------------------------------- */

static void free_fds(struct pm_snapshot *s)
{
    for (int i = 0; i < s->nfd; i++)
        if (s->fd[i].dup >= 0)
            close(s->fd[i].dup);
    free(s->fd);
    s->fd = NULL;
    s->nfd = 0;
}

static int save_fds(struct pagemu *pm, struct pm_snapshot *s)
{
    const struct fdtable *t = &pm->fds;
    int n = t->n;
    while (n > 0 && t->fd[n - 1].host < 0)
        n--;
    s->fd = calloc((size_t)(n ? n : 1), sizeof(*s->fd));
    if (!s->fd)
        return -1;
    s->nfd = n;
    for (int g = 0; g < n; g++) {
        struct snap_fd *f = &s->fd[g];
        f->dup = -1;
        f->gen = t->fd[g].gen;
        f->cloexec = t->fd[g].cloexec;
        f->off = -1;
        if (t->fd[g].host < 0)
            continue;
        /* Far above anything the guest's table hands out. */
        f->dup = fcntl(t->fd[g].host, F_DUPFD_CLOEXEC, 1000);
        if (f->dup < 0)
            f->dup = fcntl(t->fd[g].host, F_DUPFD_CLOEXEC, 3);
        if (f->dup < 0)
            return -1;
        /* Offsets of the embedding program's own 0, 1 and 2 stay where
         * they are: rewinding its stderr file would overwrite what it wrote
         * (a fault report) since.  Files the guest opened are rewound. */
        if (t->fd[g].host > 2)
            f->off = lseek(t->fd[g].host, 0, SEEK_CUR);
    }
    return 0;
}

/* Close what was opened since; put back what was closed or replaced;
 * rewind offsets.  Returns the number of guest fds closed. */
static uint64_t restore_fds(struct pagemu *pm, struct pm_snapshot *s)
{
    struct fdtable *t = &pm->fds;
    uint64_t closed = 0;

    for (int g = s->nfd; g < t->n; g++) {
        if (t->fd[g].host >= 0) {
            fd_close(pm, g);
            closed++;
        }
    }
    for (int g = 0; g < s->nfd && g < t->n; g++) {
        struct snap_fd *f = &s->fd[g];
        if (t->fd[g].gen != f->gen) {
            if (t->fd[g].host >= 0) {
                fd_close(pm, g);
                closed++;
            }
            if (f->dup >= 0) {
                int h = fcntl(f->dup, F_DUPFD_CLOEXEC, 3);
                if (h >= 0)
                    fd_install_at(pm, h, f->cloexec, g);
            }
            f->gen = t->fd[g].gen;
        }
        t->fd[g].cloexec = f->cloexec;
        if (f->off >= 0 && t->fd[g].host >= 0)
            lseek(t->fd[g].host, f->off, SEEK_SET);
    }
    return closed;
}

/* ---- API ----------------------------------------------------------------- */

static void snapshot_free(struct pagemu *pm, struct pm_snapshot *s)
{
    if (!s)
        return;
    if (s->ctx)
        uc_context_free(s->ctx);
    put_vmas(s->vma, s->nvma);
    free(s->vma);
    free(s->j);
    free(s->pages);
    free_fds(s);
    free(s);
    (void)pm;
}

/* Drop the journal's marks: every _PAGE_SNAP entry becomes an ordinary one. */
static void unmark_snap(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    (void)pt, (void)va, (void)arg;
    pte->pte &= ~_PAGE_SNAP;
}

void snapshot_destroy(struct pagemu *pm)
{
    if (!pm->snap)
        return;
    pm->mm.pt.journal = NULL;
    pm->mm.pt.journal_ctx = NULL;
    if (pm->mm.pt.pgd)
        pgtable_for_each(&pm->mm.pt, 0, pm->mm.task_size, unmark_snap, NULL);
    snapshot_free(pm, pm->snap);
    pm->snap = NULL;
}

PAGEMU_API pagemu_err pagemu_snapshot_drop(pagemu_t *pm)
{
    if (!pm)
        return PAGEMU_EINVAL;
    snapshot_destroy(pm);
    return PAGEMU_EOK;
}

/* run.c: registers set up for the entry point, at CPL 3. */
int run_start(struct pagemu *pm);

PAGEMU_API pagemu_err pagemu_snapshot(pagemu_t *pm)
{
    if (!pm)
        return PAGEMU_EINVAL;
    if (!pm->loaded || pm->exited || pm->fatal_signo)
        return PAGEMU_ESTATE;
    /* One thread's registers are the snapshot's: not with several. */
    if (thread_count(pm) > 1) {
        pm_set_error(pm, "a snapshot needs a single-threaded guest");
        return PAGEMU_ESTATE;
    }
    if (!pm->started && run_start(pm)) {
        pm_set_error(pm, "cannot enter user mode");
        return PAGEMU_EENGINE;
    }
    snapshot_destroy(pm);

    struct pm_snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return PAGEMU_ENOMEM;
    if (uc_context_alloc(pm->uc, &s->ctx) != UC_ERR_OK || uc_context_save(pm->uc, s->ctx) != UC_ERR_OK) {
        snapshot_free(pm, s);
        return PAGEMU_EENGINE;
    }
    s->vma = copy_vmas(pm->mm.vma, pm->mm.nvma, pm->mm.nvma);
    if (!s->vma || save_fds(pm, s)) {
        snapshot_free(pm, s);
        return PAGEMU_ENOMEM;
    }
    s->nvma = pm->mm.nvma;
    s->mm = pm->mm;
    SNAP_FIELDS(SNAP_SAVE)

    pgtable_for_each(&pm->mm.pt, 0, pm->mm.task_size, mark_snap, NULL);
    pm->mm.pt.journal = journal;
    pm->mm.pt.journal_ctx = pm;
    pm->snap = s;
    /* Writable TLB entries would let writes past the journal. */
    uc_ctl_flush_tlb(pm->uc);
    /* Every exec from here starts with the same coverage state. */
    coverage_reset_prev(pm);
    return PAGEMU_EOK;
}

/* Put one page back as the journal entry e has it. */
static int restore_page(struct pagemu *pm, struct pm_snapshot *s, const struct jent *e,
                        pagemu_restore_stats *st)
{
    struct pgtable *pt = &pm->mm.pt;
    pte_t *pte = pte_lookup(pt, e->va);

    if (!e->orig) {
        /* Created since: drop it (the VMAs it was in are going too). */
        if (pte && (pte->pte & _PAGE_PRESENT)) {
            frame_free(&pm->fp, pte->pte & PTE_PFN_MASK);
            pte->pte = 0;
            st->pages_freed++;
        }
        return 0;
    }
    if (!pte || !(pte->pte & _PAGE_PRESENT)) {
        pte = pte_alloc(pt, e->va);
        uint64_t paddr = pte ? frame_alloc(&pm->fp) : 0;
        if (!paddr)
            return -1;
        pte->pte = paddr;
    }
    uint64_t paddr = pte->pte & PTE_PFN_MASK;
    memcpy(frame_host(&pm->fp, paddr), s->pages + e->slot * PAGE_SIZE, PAGE_SIZE);
    pte->pte = (e->orig & ~PTE_PFN_MASK) | paddr | _PAGE_SNAP;
    /* Translated code of the old bytes must go. */
    if (!(e->orig & _PAGE_NX))
        uc_ctl_remove_cache(pm->uc, e->va, e->va + PAGE_SIZE);
    st->pages_restored++;
    return 0;
}

PAGEMU_API pagemu_err pagemu_restore(pagemu_t *pm, pagemu_restore_stats *stats)
{
    pagemu_restore_stats st = {0, 0, 0};
    if (!pm)
        return PAGEMU_EINVAL;
    struct pm_snapshot *s = pm->snap;
    if (!s)
        return PAGEMU_ENOSNAP;
    if (s->broken) {
        pm_set_error(pm, "the snapshot journal ran out of host memory");
        return PAGEMU_ENOMEM;
    }

    /* Threads made since are gone: the snapshot had one. */
    thread_reset(pm);

    /* Memory: newest entry first, so the oldest (the snapshot's) wins. */
    pm->mm.pt.journal = NULL; /* restoring is not a change to journal */
    int oom = 0;
    for (size_t i = s->nj; i-- > 0;)
        if (restore_page(pm, s, &s->j[i], &st))
            oom = 1;
    s->nj = 0;
    s->npages = 0;
    pm->mm.pt.journal = journal;

    /* VMAs and the mm's bounds. */
    struct vm_area_struct *v = copy_vmas(s->vma, s->nvma, s->nvma);
    if (!v)
        return PAGEMU_ENOMEM;
    put_vmas(pm->mm.vma, pm->mm.nvma);
    free(pm->mm.vma);
    struct mm_struct keep = pm->mm;
    pm->mm = s->mm;
    pm->mm.pt = keep.pt;
    pm->mm.vma = v;
    pm->mm.nvma = s->nvma;
    pm->mm.vma_cap = s->nvma;
    pm->mm.invalidate_code = keep.invalidate_code;
    pm->mm.invalidate_ctx = keep.invalidate_ctx;
    pm->mm.need_flush = false;

    st.fds_closed = restore_fds(pm, s);

    SNAP_FIELDS(SNAP_LOAD)

    /* The run state of a guest that was stopped at the snapshot. */
    pm->exited = false;
    pm->exit_status = 0;
    pm->fatal_signo = 0;
    pm->have_fault = false;
    pm->pending_intno = -1;
    pm->pending_rip = 0;
    memset(&pm->fault, 0, sizeof(pm->fault));

    if (uc_context_restore(pm->uc, s->ctx) != UC_ERR_OK)
        return PAGEMU_EENGINE;
    uc_ctl_flush_tlb(pm->uc);
    coverage_reset_prev(pm);
    if (stats)
        *stats = st;
    if (oom) {
        pm_set_error(pm, "guest memory exhausted while restoring pages");
        return PAGEMU_EGUEST_NOMEM;
    }
    return PAGEMU_EOK;
}
