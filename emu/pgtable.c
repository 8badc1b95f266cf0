/*
 * pgtable.c - the software x86-64 page table: walk, allocate, visit, unmap.
 *
 * Tables are 4 KiB frames of 512 entries in the frame pool; an upper entry
 * holds the guest-physical address of the next table with _PAGE_TABLE
 * flags, as the hardware format requires (arch/x86/include/asm/pgalloc.h:
 * pmd_populate and friends).  Leaves are 4 KiB; pagemu never makes huge
 * pages.
 */
#include "pgtable.h"

#include <string.h>

static const unsigned shift5[5] = {PGDIR_SHIFT_LA57, P4D_SHIFT, PUD_SHIFT, PMD_SHIFT, PTE_SHIFT};
static const char *const name5[5] = {"PGD", "P4D", "PUD", "PMD", "PTE"};
/* Under 4-level paging the P4D is folded into the PGD. */
static const char *const name4[4] = {"PGD", "PUD", "PMD", "PTE"};

static inline const unsigned *level_shifts(const struct pgtable *pt)
{
    return pt->levels == 5 ? shift5 : shift5 + 1;
}

static inline pte_t *table_entry(const struct pgtable *pt, uint64_t table, unsigned idx)
{
    return (pte_t *)frame_host(pt->fp, table) + idx;
}

int pgtable_init(struct pgtable *pt, struct frame_pool *fp, int levels)
{
    if (levels != 4 && levels != 5)
        return -1;
    pt->fp = fp;
    pt->levels = levels;
    pt->pgd = frame_alloc(fp);
    pt->ntables = pt->pgd ? 1 : 0;
    return pt->pgd ? 0 : -1;
}

static pte_t *walk(struct pgtable *pt, uint64_t va, int alloc)
{
    const unsigned *sh = level_shifts(pt);
    uint64_t table = pt->pgd;

    for (int l = 0; l < pt->levels - 1; l++) {
        pte_t *e = table_entry(pt, table, (va >> sh[l]) & 511);
        if (!(e->pte & _PAGE_PRESENT)) {
            if (!alloc)
                return NULL;
            uint64_t t = frame_alloc(pt->fp);
            if (!t)
                return NULL;
            pt->ntables++;
            e->pte = t | _PAGE_TABLE;
        }
        table = e->pte & PTE_PFN_MASK;
    }
    return table_entry(pt, table, (va >> PTE_SHIFT) & 511);
}

pte_t *pte_lookup(struct pgtable *pt, uint64_t va)
{
    return walk(pt, va, 0);
}

pte_t *pte_alloc(struct pgtable *pt, uint64_t va)
{
    return walk(pt, va, 1);
}

void pgtable_walk(struct pgtable *pt, uint64_t va, struct pgwalk *w)
{
    const unsigned *sh = level_shifts(pt);
    uint64_t table = pt->pgd;

    memset(w, 0, sizeof(*w));
    for (int l = 0; l < pt->levels; l++) {
        unsigned idx = (va >> sh[l]) & 511;
        pte_t *e = table_entry(pt, table, idx);
        w->name[l] = pt->levels == 5 ? name5[l] : name4[l];
        w->index[l] = idx;
        w->paddr[l] = table + idx * sizeof(pte_t);
        w->val[l] = e->pte;
        w->levels = l + 1;
        if (!(e->pte & _PAGE_PRESENT))
            break;
        table = e->pte & PTE_PFN_MASK;
    }
}

/*
 * Recursive visit of [start, end) below one table.  Returns true when the
 * table ended up empty so the caller may free it (only when prune is set).
 */
struct visit {
    struct pgtable *pt;
    uint64_t start, end;
    pte_visit_fn fn;
    void *arg;
    int prune;
};

static int visit_table(struct visit *v, uint64_t table, int level, uint64_t base)
{
    const unsigned *sh = level_shifts(v->pt);
    unsigned s = sh[level];
    uint64_t span = 1ULL << s;
    pte_t *t = (pte_t *)frame_host(v->pt->fp, table);
    int leaf = level == v->pt->levels - 1;

    unsigned first = 0, last = 511;
    if (v->start > base)
        first = (unsigned)((v->start - base) >> s);
    if (v->end - 1 < base + (span << 9) - 1)
        last = (unsigned)((v->end - 1 - base) >> s);

    for (unsigned i = first; i <= last; i++) {
        uint64_t va = base + (uint64_t)i * span;
        if (!(t[i].pte & _PAGE_PRESENT))
            continue;
        if (leaf) {
            v->fn(v->pt, va, &t[i], v->arg);
            continue;
        }
        uint64_t child = t[i].pte & PTE_PFN_MASK;
        if (visit_table(v, child, level + 1, va) && v->prune) {
            t[i].pte = 0;
            frame_free(v->pt->fp, child);
            v->pt->ntables--;
        }
    }
    if (!v->prune)
        return 0;
    for (unsigned i = 0; i < 512; i++)
        if (t[i].pte & _PAGE_PRESENT)
            return 0;
    return 1;
}

/* Table indexes use only the bits below 48 (57); user ranges never reach
 * the sign-extended half, so the visit works on the low bits. */
static void visit_range(struct pgtable *pt, uint64_t start, uint64_t end,
                        pte_visit_fn fn, void *arg, int prune)
{
    if (start >= end)
        return;
    unsigned top = pt->levels == 5 ? 57 : 48;
    uint64_t mask = (1ULL << top) - 1;
    /* Ranges never cross the canonical hole; strip the sign extension. */
    struct visit v = {pt, start & mask, ((end - 1) & mask) + 1, fn, arg, prune};
    visit_table(&v, pt->pgd, 0, 0);
}

void pgtable_for_each(struct pgtable *pt, uint64_t start, uint64_t end,
                      pte_visit_fn fn, void *arg)
{
    visit_range(pt, start, end, fn, arg, 0);
}

static void unmap_one(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg)
{
    pte_journal(pt, va, pte);
    frame_free(pt->fp, pte->pte & PTE_PFN_MASK);
    pte->pte = 0;
    ++*(uint64_t *)arg;
}

uint64_t pgtable_unmap_range(struct pgtable *pt, uint64_t start, uint64_t end)
{
    uint64_t n = 0;
    visit_range(pt, start, end, unmap_one, &n, 1);
    return n;
}

void pgtable_destroy(struct pgtable *pt)
{
    if (!pt->pgd)
        return;
    pgtable_unmap_range(pt, 0, pt->levels == 5 ? (1ULL << 57) : (1ULL << 48));
    frame_free(pt->fp, pt->pgd);
    pt->pgd = 0;
    pt->ntables = 0;
}
