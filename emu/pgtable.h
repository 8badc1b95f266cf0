/*
 * pgtable.h - pagemu's software x86-64 page table.
 *
 * The tables are real 512-entry x86-64 tables stored in frames of the pool,
 * rooted at mm->pgd (a guest-physical address), with 4 or 5 levels.
 */
#ifndef PAGEMU_PGTABLE_H
#define PAGEMU_PGTABLE_H

#include "frame.h"
#include "pgtable_types.h"

struct pgtable {
    struct frame_pool *fp;
    uint64_t pgd;   /* guest-physical address of the top-level table */
    int levels;     /* 4 or 5 */
    uint64_t ntables; /* page-table frames in use (for VmPTE) */
    /*
     * The snapshot's journal (snapshot.c), NULL without a snapshot: called
     * before a _PAGE_SNAP entry changes (pte set) and after an entry
     * becomes present where none was (pte NULL).
     */
    void (*journal)(void *ctx, uint64_t va, pte_t *pte);
    void *journal_ctx;
};

/* Before changing *pte (write, unmap, reprotect, move): journal it if it
 * is still as the snapshot has it. */
static inline void pte_journal(struct pgtable *pt, uint64_t va, pte_t *pte)
{
    if (pte->pte & _PAGE_SNAP)
        pt->journal(pt->journal_ctx, va, pte);
}

/* After a new entry became present at va. */
static inline void pte_journal_new(struct pgtable *pt, uint64_t va)
{
    if (pt->journal)
        pt->journal(pt->journal_ctx, va, NULL);
}

/* One step of a walk, for fault reports (dump_pagetable). */
struct pgwalk {
    int levels;      /* how many entries were read */
    const char *name[5];   /* "PGD", "P4D", "PUD", "PMD", "PTE" */
    unsigned index[5];
    uint64_t paddr[5];     /* guest-physical address of the entry read */
    pteval_t val[5];
};

int pgtable_init(struct pgtable *pt, struct frame_pool *fp, int levels);
/* Frees every table and every mapped frame. */
void pgtable_destroy(struct pgtable *pt);

/* The leaf entry for va, or NULL if an upper level is missing. */
pte_t *pte_lookup(struct pgtable *pt, uint64_t va);
/* The leaf entry for va, creating intermediate tables; NULL when out of frames. */
pte_t *pte_alloc(struct pgtable *pt, uint64_t va);
/* Record the walk for va into w (stops at the first non-present entry). */
void pgtable_walk(struct pgtable *pt, uint64_t va, struct pgwalk *w);

/*
 * Visit every present leaf in [start, end), skipping absent subtrees.
 * The callback may change or clear the entry.
 */
typedef void (*pte_visit_fn)(struct pgtable *pt, uint64_t va, pte_t *pte, void *arg);
void pgtable_for_each(struct pgtable *pt, uint64_t start, uint64_t end,
                      pte_visit_fn fn, void *arg);
/*
 * Clear [start, end): free mapped frames and zero their entries.  Returns the
 * number of present pages that were unmapped.  Empty tables are freed.
 */
uint64_t pgtable_unmap_range(struct pgtable *pt, uint64_t start, uint64_t end);

#endif
