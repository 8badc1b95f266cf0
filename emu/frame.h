/*
 * frame.h - the guest-physical frame pool.
 *
 * All guest memory, page tables included, lives in one host mapping made
 * with MAP_NORESERVE and registered once with uc_mem_map_ptr at FRAME_PBASE.
 * Frames never touched cost no host memory.  Freed frames go on a stack and
 * are zeroed again when handed out.
 */
#ifndef PAGEMU_FRAME_H
#define PAGEMU_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Guest-physical base of the pool; nonzero so that paddr 0 means "no frame". */
#define FRAME_PBASE 0x40000000ULL

struct frame_pool {
    uint8_t *host;      /* host mapping of the whole pool */
    uint64_t nframes;   /* capacity */
    uint64_t bump;      /* frames [0, bump) have been handed out at least once */
    uint32_t *free;     /* stack of freed frame indexes */
    uint64_t nfree, free_cap;
    uint64_t used;      /* frames in use right now */
};

/* Returns 0 or -1 with errno set. */
int frame_pool_init(struct frame_pool *fp, uint64_t bytes);
void frame_pool_destroy(struct frame_pool *fp);
/* A zeroed frame's guest-physical address, or 0 when the pool is exhausted. */
uint64_t frame_alloc(struct frame_pool *fp);
void frame_free(struct frame_pool *fp, uint64_t paddr);

static inline void *frame_host(const struct frame_pool *fp, uint64_t paddr)
{
    return fp->host + (paddr - FRAME_PBASE);
}

static inline uint64_t frame_bytes(const struct frame_pool *fp)
{
    return fp->nframes << 12;
}

#endif
