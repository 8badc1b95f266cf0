/*
 * frame.c - the guest-physical frame pool (see frame.h).
 */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int frame_pool_init(struct frame_pool *fp, uint64_t bytes)
{
    memset(fp, 0, sizeof(*fp));
    bytes &= ~0xfffULL;
    if (bytes < (1ULL << 20) || (bytes >> 12) > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    /* MAP_NORESERVE: frames never touched cost nothing, so a large pool is
     * free until the guest uses it. */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    /* Frames are handed out one 4 KiB page at a time, often to forked
     * children that touch a few: where transparent huge pages are
     * "always", each first touch would zero (and copy on fork) 2 MiB. */
    madvise(p, bytes, MADV_NOHUGEPAGE);
    fp->host = p;
    fp->nframes = bytes >> 12;
    return 0;
}

void frame_pool_destroy(struct frame_pool *fp)
{
    if (fp->host)
        munmap(fp->host, frame_bytes(fp));
    free(fp->free);
    memset(fp, 0, sizeof(*fp));
}

uint64_t frame_alloc(struct frame_pool *fp)
{
    uint64_t idx;

    if (fp->nfree) {
        idx = fp->free[--fp->nfree];
        /* A recycled frame holds old data; fresh ones are zero already. */
        memset(fp->host + (idx << 12), 0, 4096);
    } else if (fp->bump < fp->nframes) {
        idx = fp->bump++;
    } else {
        return 0;
    }
    fp->used++;
    return FRAME_PBASE + (idx << 12);
}

void frame_free(struct frame_pool *fp, uint64_t paddr)
{
    uint64_t idx = (paddr - FRAME_PBASE) >> 12;

    if (fp->nfree == fp->free_cap) {
        uint64_t cap = fp->free_cap ? fp->free_cap * 2 : 1024;
        uint32_t *n = realloc(fp->free, cap * sizeof(*n));
        if (!n) {
            /* Leak the frame rather than fail an unmap. */
            fp->used--;
            return;
        }
        fp->free = n;
        fp->free_cap = cap;
    }
    fp->free[fp->nfree++] = (uint32_t)idx;
    fp->used--;
}
