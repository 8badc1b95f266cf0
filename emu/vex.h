/*
 * vex.h - VEX/EVEX-encoded (AVX, AVX-512) instructions raise #UD, as on a
 * CPU without AVX (vex.c).
 */
#ifndef PAGEMU_VEX_H
#define PAGEMU_VEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

struct pagemu;

/* VEX instructions that keep a hook at once (vex.c: arm) */
#define VEX_MAX_ARMED 256

/* Per guest process (struct pagemu's `vex`); fork copies it with the
 * engine. */
struct pm_vex {
    uc_hook edge_hook;
    /* VEX instructions found so far: a UC_HOOK_CODE on each */
    unsigned narmed;
    uint64_t armed[VEX_MAX_ARMED];
    uc_hook armed_hook[VEX_MAX_ARMED];
    /* the fault report's reason for the last #UD (vex_ud_reason) */
    char reason[320];
};

/* Install the edge hook (run_install_hooks); 0 or -1. */
int vex_install(struct pagemu *pm);

/* Before uc_emu_start at rip: the engine's very first block reaches no
 * edge hook, so each run's first block is scanned here, from rip to the
 * first branch. */
void vex_before_start(struct pagemu *pm, uint64_t rip);

/*
 * The length of the x86-64 instruction at p[0..n) as far as the tables of
 * vex.c know it, 0 if they do not (then Capstone decides) or when it is
 * cut short.  *what: VEX_LEN_END for the instructions that end a
 * translated block; for VEX_LEN_AVX and VEX_LEN_EVEX the length is only
 * that of the prefixes and the escape byte (the scan stops there).
 */
enum {
    VEX_LEN_END = 1,
    VEX_LEN_AVX = 2,  /* VEX-encoded, not BMI */
    VEX_LEN_BMI = 4,  /* VEX-encoded BMI1/BMI2 (Unicorn checks CPUID) */
    VEX_LEN_EVEX = 8,
};
size_t vex_insn_len(const uint8_t *p, size_t n, unsigned *what);

/* At a #UD at rip: the reason the report gives, naming the instruction,
 * when it is VEX- or EVEX-encoded; NULL otherwise. */
const char *vex_ud_reason(struct pagemu *pm, uint64_t rip);

#endif
