/*
 * coverage.c - what the guest executed, for fuzzers and coverage viewers.
 *
 * Two collectors, each one UC_HOOK_BLOCK over all code, installed only
 * while asked for (a block hook costs on every translated block executed):
 *
 *   - the AFL edge map (pagemu_set_coverage): for each block,
 *         cur = hash(block address) & (size - 1)
 *         map[cur ^ prev]++;  prev = cur >> 1
 *     the classic AFL scheme, so afl-fuzz reads the map as it reads a
 *     compiler-instrumented target's.  The hash is a multiplicative one
 *     (the top bits of addr * 2^64/phi), so nearby blocks spread over the
 *     whole map; one multiply, shift, xor, increment per block.
 *
 *   - drcov (pagemu_set_drcov): the set of distinct blocks (address, size),
 *     written as a drcov version 2 log, the format DynamoRIO's drcov tool
 *     writes and Lighthouse, bncov and Cartographer load: a text header, a
 *     module table (the program, and [vdso] when blocks ran there), then
 *     "BB Table: N bbs" and N binary 8-byte entries
 *     { u32 offset from the module base; u16 size; u16 module id }.
 *
 * Translated blocks carry their hooks in the generated code, so a change of
 * hooks flushes the translation cache (the next run retranslates).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "loader.h"
#include "mm.h"
#include "pagemu_int.h"

struct drcov_bb {
    uint64_t addr;            /* 0: empty slot */
    uint32_t size;
};

struct pm_coverage {
    /* the AFL map; the hook reads only these three */
    uint8_t *map;
    uint64_t prev;
    unsigned shift;           /* 64 - log2(map size) */
    bool afl_on;
    uc_hook afl_hook;

    /* drcov */
    bool drcov_on;
    uc_hook drcov_hook;
    char *drcov_path;
    pid_t drcov_pid;          /* the process that asked; a forked guest writes PATH.PID */
    struct drcov_bb *bbs;     /* open addressing, cap a power of two */
    size_t nbbs, cap;
    uint64_t last;            /* the last block added: loops hit it again */
};

#define HASH_MUL 0x9e3779b97f4a7c15ULL

static struct pm_coverage *cov_get(struct pagemu *pm)
{
    if (!pm->cov)
        pm->cov = calloc(1, sizeof(*pm->cov));
    return pm->cov;
}

/* Retranslate: hooks are compiled into the translated blocks. */
static void flush_code(struct pagemu *pm)
{
    uc_ctl_flush_tb(pm->uc);
}

/* ---- the AFL edge map --------------------------------------------------- */

static void afl_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)uc, (void)size;
    struct pm_coverage *c = ud;
    uint64_t cur = (addr * HASH_MUL) >> c->shift;
    c->map[cur ^ c->prev]++;
    c->prev = cur >> 1;
}

PAGEMU_API pagemu_err pagemu_set_coverage(pagemu_t *pm, uint8_t *map, size_t size)
{
    if (!pm || (map && (size < 256 || (size & (size - 1)))))
        return PAGEMU_EINVAL;
    if (!map && !pm->cov)
        return PAGEMU_EOK;
    struct pm_coverage *c = cov_get(pm);
    if (!c)
        return PAGEMU_ENOMEM;
    if (!map) {
        if (c->afl_on) {
            uc_hook_del(pm->uc, c->afl_hook);
            c->afl_on = false;
            flush_code(pm);
        }
        c->map = NULL;
        return PAGEMU_EOK;
    }
    c->map = map;
    c->shift = 64 - (unsigned)__builtin_ctzll((unsigned long long)size);
    c->prev = 0;
    if (!c->afl_on) {
        if (uc_hook_add(pm->uc, &c->afl_hook, UC_HOOK_BLOCK, (void *)afl_block, c, 1, 0)) {
            pm_set_error(pm, "unicorn: cannot install the coverage hook");
            c->map = NULL;
            return PAGEMU_EENGINE;
        }
        c->afl_on = true;
        flush_code(pm);
    }
    return PAGEMU_EOK;
}

void coverage_reset_prev(struct pagemu *pm)
{
    if (pm->cov)
        pm->cov->prev = 0;
}

/* ---- drcov ----------------------------------------------------------- */

static size_t bb_slot(uint64_t addr, size_t cap)
{
    return (size_t)((addr * HASH_MUL) >> 32) & (cap - 1);
}

static int bb_grow(struct pm_coverage *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 4096;
    struct drcov_bb *n = calloc(ncap, sizeof(*n));
    if (!n)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->bbs[i].addr)
            continue;
        size_t j = bb_slot(c->bbs[i].addr, ncap);
        while (n[j].addr)
            j = (j + 1) & (ncap - 1);
        n[j] = c->bbs[i];
    }
    free(c->bbs);
    c->bbs = n;
    c->cap = ncap;
    return 0;
}

/*
 * One entry per block address, with the largest size seen (the engine may
 * translate the same start twice, e.g. cut at a page end the first time).
 */
static void drcov_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)uc;
    struct pm_coverage *c = ud;
    if (addr == c->last || !addr)
        return;
    c->last = addr;
    if ((c->nbbs + 1) * 2 > c->cap && bb_grow(c))
        return;
    size_t j = bb_slot(addr, c->cap);
    while (c->bbs[j].addr && c->bbs[j].addr != addr)
        j = (j + 1) & (c->cap - 1);
    if (!c->bbs[j].addr) {
        c->bbs[j].addr = addr;
        c->nbbs++;
    }
    if (size > c->bbs[j].size)
        c->bbs[j].size = size;
}

PAGEMU_API pagemu_err pagemu_set_drcov(pagemu_t *pm, const char *path)
{
    if (!pm)
        return PAGEMU_EINVAL;
    if (!path && !pm->cov)
        return PAGEMU_EOK;
    struct pm_coverage *c = cov_get(pm);
    if (!c)
        return PAGEMU_ENOMEM;
    if (!path) {
        if (c->drcov_on) {
            uc_hook_del(pm->uc, c->drcov_hook);
            c->drcov_on = false;
            flush_code(pm);
        }
        free(c->drcov_path);
        c->drcov_path = NULL;
        return PAGEMU_EOK;
    }
    char *p = strdup(path);
    if (!p)
        return PAGEMU_ENOMEM;
    free(c->drcov_path);
    c->drcov_path = p;
    c->drcov_pid = getpid();
    if (!c->drcov_on) {
        if (uc_hook_add(pm->uc, &c->drcov_hook, UC_HOOK_BLOCK, (void *)drcov_block, c, 1, 0)) {
            pm_set_error(pm, "unicorn: cannot install the drcov hook");
            return PAGEMU_EENGINE;
        }
        c->drcov_on = true;
        flush_code(pm);
    }
    return PAGEMU_EOK;
}

struct drcov_module {
    uint64_t base, end, entry;
    const char *path;
    int id;                   /* -1: no block ran there, left out */
};

static int cmp_bb(const void *a, const void *b)
{
    uint64_t x = ((const struct drcov_bb *)a)->addr, y = ((const struct drcov_bb *)b)->addr;
    return x < y ? -1 : x > y;
}

PAGEMU_API pagemu_err pagemu_drcov_write(pagemu_t *pm)
{
    if (!pm)
        return PAGEMU_EINVAL;
    struct pm_coverage *c = pm->cov;
    if (!c || !c->drcov_path)
        return PAGEMU_ESTATE;
    if (!pm->elf)
        return PAGEMU_ESTATE;

    /* The modules: the program's PT_LOAD span, and the [vdso] image. */
    struct drcov_module mod[2] = {{0}};
    int nmod = 0;
    const struct elf_image *img = &pm->elf->image;
    mod[0].base = pm->load_bias + img->load_start;
    mod[0].end = (pm->load_bias + img->load_end + PAGE_SIZE - 1) & PAGE_MASK;
    mod[0].entry = pm->entry;
    mod[0].path = pm->exe_path ? pm->exe_path : "";
    mod[0].id = -1;
    mod[1].id = -1;
    struct vm_area_struct *v = pm->vdso_base ? vma_lookup(&pm->mm, pm->vdso_base) : NULL;
    if (v) {
        mod[1].base = v->vm_start;
        mod[1].end = v->vm_end;
        mod[1].entry = 0;
        mod[1].path = "[vdso]";
    }

    /* The blocks, by address; only those inside a module. */
    struct drcov_bb *list = malloc((c->nbbs ? c->nbbs : 1) * sizeof(*list));
    if (!list)
        return PAGEMU_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->cap; i++)
        if (c->bbs[i].addr)
            list[n++] = c->bbs[i];
    qsort(list, n, sizeof(*list), cmp_bb);
    bool used[2] = {false, false};
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        for (int m = 0; m < 2; m++) {
            if (mod[m].end && list[i].addr >= mod[m].base && list[i].addr < mod[m].end) {
                used[m] = true;
                list[kept] = list[i];
                list[kept].size = (list[kept].size > 0xffff ? 0xffff : list[kept].size) |
                                  (uint32_t)m << 16;  /* module index, for now */
                kept++;
                break;
            }
        }
    }
    /* The program is module 0 always; [vdso] only if a block ran there. */
    mod[0].id = nmod++;
    if (used[1])
        mod[1].id = nmod++;

    char *path = c->drcov_path, *alt = NULL;
    if (getpid() != c->drcov_pid) {
        /* A forked guest process: a file of its own, as drcov writes one
         * log per process. */
        if (asprintf(&alt, "%s.%d", c->drcov_path, (int)getpid()) < 0) {
            free(list);
            return PAGEMU_ENOMEM;
        }
        path = alt;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        pm_set_error(pm, "cannot write %s: %s", path, strerror(errno));
        free(alt);
        free(list);
        return PAGEMU_EIO;
    }
    char *hdr = NULL;
    size_t hlen = 0;
    FILE *h = open_memstream(&hdr, &hlen);
    int err = !h;
    if (h) {
        fprintf(h, "DRCOV VERSION: 2\nDRCOV FLAVOR: drcov\n");
        fprintf(h, "Module Table: version 2, count %d\n", nmod);
        fprintf(h, "Columns: id, base, end, entry, path\n");
        for (int m = 0; m < 2; m++)
            if (mod[m].id >= 0)
                fprintf(h, "%2d, 0x%016llx, 0x%016llx, 0x%016llx, %s\n", mod[m].id,
                        (unsigned long long)mod[m].base, (unsigned long long)mod[m].end,
                        (unsigned long long)mod[m].entry, mod[m].path);
        fprintf(h, "BB Table: %zu bbs\n", kept);
        err = fclose(h) != 0;
    }
    uint8_t *bin = malloc(kept ? kept * 8 : 1);
    if (!bin)
        err = 1;
    for (size_t i = 0; !err && i < kept; i++) {
        int m = (int)(list[i].size >> 16);
        uint32_t off = (uint32_t)(list[i].addr - mod[m].base);
        uint16_t sz = (uint16_t)(list[i].size & 0xffff), id = (uint16_t)mod[m].id;
        memcpy(bin + i * 8, &off, 4);
        memcpy(bin + i * 8 + 4, &sz, 2);
        memcpy(bin + i * 8 + 6, &id, 2);
    }
    if (!err)
        err = host_write_all(fd, hdr, hlen) || host_write_all(fd, bin, kept * 8);
    if (close(fd) != 0)
        err = 1;
    if (err)
        pm_set_error(pm, "cannot write %s: %s", path, strerror(errno));
    free(hdr);
    free(bin);
    free(alt);
    free(list);
    return err ? PAGEMU_EIO : PAGEMU_EOK;
}

void coverage_destroy(struct pagemu *pm)
{
    struct pm_coverage *c = pm->cov;
    if (!c)
        return;
    if (c->drcov_path && pm->loaded)
        pagemu_drcov_write(pm);
    free(c->drcov_path);
    free(c->bbs);
    free(c);
    pm->cov = NULL;
}
