/*
 * vex.c - VEX- and EVEX-encoded instructions raise #UD, as on a CPU
 * without AVX: SIGILL/ILL_ILLOPN with si_addr = RIP = the instruction.
 *
 * The emulated CPU (Unicorn's default QEMU64 model) reports no AVX, no
 * XSAVE/OSXSAVE and no leaf-7 features (CPUID.1:ECX.AVX = 0, CPUID.7:EBX =
 * 0), so on real hardware every VEX instruction raises #UD and Linux sends
 * SIGILL.  Unicorn 2.1.1 instead decodes the VEX prefix in 64-bit mode and
 * runs most of these instructions as their legacy SSE forms, ignoring the
 * VEX source register (vpxor xmm0, xmm1, xmm2 gives a wrong result): a
 * silent miscompute (DESIGN.md "CPU model").  What Unicorn already gets
 * right is left to it:
 *   - EVEX (0x62) is invalid in 64-bit mode to QEMU's decoder (BOUND), so
 *     it raises #UD itself; only the report's reason comes from here.
 *   - The VEX-encoded BMI1/BMI2 instructions (andn, bextr, blsi, blsmsk,
 *     blsr, bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx) are checked
 *     against CPUID by QEMU's decoder and raise #UD without BMI.
 *
 * Catching the others costs nothing per executed instruction or block; it
 * works per translation, with UC_HOOK_EDGE_GENERATED.  Measured on Unicorn
 * 2.1.1 (probes of single blocks, and the whole guest test suite with a
 * UC_HOOK_BLOCK as ground truth: 950 million blocks run, 12 million
 * translated, none ran without having been seen here first):
 *   - tb_find calls the hook each time it translates a block, with the new
 *     block (pc, size), before the block runs - also for blocks that span
 *     two pages and for blocks reached by ret, indirect jumps or after a
 *     syscall.  It is not called for blocks found already translated, nor
 *     for the first block the engine ever translates (there is no previous
 *     block yet).
 *   - uc_emu_stop from the hook makes the block exit before its first
 *     instruction (the exit-request check in the block's prologue), with
 *     RIP at the block's start.
 *   - Its prev argument is Unicorn's remembered last block, which is not
 *     always the block that ran last (it is not used here).
 * So each new block is scanned once: its bytes (guest_peek) are searched
 * for a 0xc4/0xc5 byte, and only when one is there (about 9% of blocks)
 * the block is decoded, with the length tables below, to find whether one
 * is a VEX prefix at an instruction's opcode position (0.2 us a block on
 * average, measured at start-up, where most translation happens).  A VEX
 * instruction at A gets a UC_HOOK_CODE on [A, A] (like pagemu_add_stop)
 * and uc_ctl_remove_cache(A) so that no block translated without the hook
 * stays; the block about to run is stopped, and the run loop starts it
 * again: retranslated with the hook, the instructions before A run, and the
 * hook raises the #UD at A (the run loop's cpu_exception(6) path, which
 * delivers SIGILL or kills).  A handler that returns or longjmps out and
 * comes back to A gets SIGILL again, as on hardware.
 *
 * The first block of each uc_emu_start (the engine's first block ever, and
 * whatever a signal delivery or a restart begins with) is covered by
 * vex_before_start: a linear decode from RIP to the first control transfer.
 */
#include <capstone/capstone.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_addr.h"
#include "mm.h"
#include "pagemu_int.h"
#include "vex.h"

/* ---- Capstone (rare opcodes, the report): one handle per thread ---------- */

struct dis {
    csh h;
    cs_insn *insn;
};

static pthread_key_t dis_key;
static pthread_once_t dis_once = PTHREAD_ONCE_INIT;
static bool dis_key_ok;

static void dis_free(void *p)
{
    struct dis *d = p;
    if (d->insn)
        cs_free(d->insn, 1);
    cs_close(&d->h);
    free(d);
}

static void dis_key_init(void)
{
    dis_key_ok = pthread_key_create(&dis_key, dis_free) == 0;
}

static struct dis *dis_get(void)
{
    pthread_once(&dis_once, dis_key_init);
    if (!dis_key_ok)
        return NULL;
    struct dis *d = pthread_getspecific(dis_key);
    if (d)
        return d;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->h) != CS_ERR_OK) {
        free(d);
        return NULL;
    }
    d->insn = cs_malloc(d->h);
    if (!d->insn || pthread_setspecific(dis_key, d)) {
        dis_free(d);
        return NULL;
    }
    return d;
}

/* ---- classification ------------------------------------------------------ */

enum vex_kind { VEX_NONE, VEX_AVX, VEX_BMI, VEX_EVEX };

static bool legacy_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
           b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/*
 * What the instruction in b[0..n) is.  In 64-bit mode 0xc4/0xc5 at the
 * opcode position are always VEX (LES/LDS do not exist there) and 0x62 is
 * always EVEX (BOUND does not).  A legacy or REX prefix before them makes
 * the instruction #UD on any CPU; it counts as VEX/EVEX all the same.
 */
static enum vex_kind classify(const uint8_t *b, size_t n)
{
    size_t i = 0;
    while (i < n && i < 14 && legacy_prefix(b[i]))
        i++;
    if (i < n && (b[i] & 0xf0) == 0x40)
        i++;
    if (i >= n)
        return VEX_NONE;
    if (b[i] == 0x62)
        return VEX_EVEX;
    unsigned map, op;
    if (b[i] == 0xc5 && i + 2 < n) {
        map = 1; /* 0f, implied */
        op = b[i + 2];
    } else if (b[i] == 0xc4 && i + 3 < n) {
        map = b[i + 1] & 0x1f; /* 1: 0f, 2: 0f38, 3: 0f3a */
        op = b[i + 3];
    } else if (b[i] == 0xc4 || b[i] == 0xc5) {
        return VEX_AVX; /* cut short: #UD whatever it was */
    } else {
        return VEX_NONE;
    }
    if ((map == 2 && (op == 0xf2 || op == 0xf3 || op == 0xf5 || op == 0xf6 || op == 0xf7)) ||
        (map == 3 && op == 0xf0))
        return VEX_BMI;
    return VEX_AVX;
}

/* ---- instruction lengths -------------------------------------------------- */

/*
 * Finding VEX instructions needs the instruction boundaries of a block.
 * Capstone gives them, but it formats every instruction's text as it goes,
 * about 5 us for a block when a short process starts cold (measured), and
 * translation happens mostly at start-up.  So the common opcodes are sized
 * here, from tables; anything else (rare, privileged or invalid opcodes)
 * hands the rest of the block to Capstone.  tests/check_vex.c compares the
 * two over whole binaries.
 */
enum {
    L_M = 1,     /* a ModRM byte (and SIB, displacement) */
    L_I8 = 2,    /* imm8 or rel8 */
    L_IZ = 4,    /* imm16 with a 66 prefix (and no REX.W), else imm32 */
    L_I16 = 8,   /* imm16 */
    L_END = 16,  /* ends a translated block */
    L_X = 32,    /* special: sized in code */
    L_BAD = 64,  /* not sized here */
};

#define M_ L_M
#define I8 L_I8
#define IZ L_IZ
#define EN L_END
#define X_ L_X
#define B_ L_BAD

/* The one-byte map in 64-bit mode (prefixes are handled before). */
static const uint8_t map1[256] = {
    /* 00 */ M_, M_, M_, M_, I8, IZ, B_, B_, M_, M_, M_, M_, I8, IZ, B_, X_,
    /* 10 */ M_, M_, M_, M_, I8, IZ, B_, B_, M_, M_, M_, M_, I8, IZ, B_, B_,
    /* 20 */ M_, M_, M_, M_, I8, IZ, B_, B_, M_, M_, M_, M_, I8, IZ, B_, B_,
    /* 30 */ M_, M_, M_, M_, I8, IZ, B_, B_, M_, M_, M_, M_, I8, IZ, B_, B_,
    /* 40 */ B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_, B_,
    /* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 60 */ B_, B_, X_, M_, B_, B_, B_, B_, IZ, M_ | IZ, I8, M_ | I8, 0, 0, 0, 0,
    /* 70 */ I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN,
             I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8 | EN,
    /* 80 */ M_ | I8, M_ | IZ, B_, M_ | I8, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, X_,
    /* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, B_, B_, 0, 0, 0, 0,
    /* a0 */ X_, X_, X_, X_, 0, 0, 0, 0, I8, IZ, 0, 0, 0, 0, 0, 0,
    /* b0 */ I8, I8, I8, I8, I8, I8, I8, I8, X_, X_, X_, X_, X_, X_, X_, X_,
    /* c0 */ M_ | I8, M_ | I8, L_I16 | EN, EN, X_, X_, M_ | I8, M_ | IZ,
             L_I16 | I8, 0, L_I16 | EN, EN, EN, I8 | EN, B_, EN,
    /* d0 */ M_, M_, M_, M_, B_, B_, B_, 0, M_, M_, M_, M_, M_, M_, M_, M_,
    /* e0 */ I8 | EN, I8 | EN, I8 | EN, I8 | EN, I8, I8, I8, I8, X_, X_, B_, I8 | EN, 0, 0, 0, 0,
    /* f0 */ B_, EN, B_, B_, EN, 0, X_, X_, 0, 0, 0, 0, 0, 0, M_, X_,
};

/* The two-byte map, 0f xx (0f 38 and 0f 3a are sized in code). */
static const uint8_t map2[256] = {
    /* 00 */ M_, M_, M_, M_, B_, EN, 0, EN, 0, 0, B_, EN, B_, M_, 0, M_ | I8,
    /* 10 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 20 */ B_, B_, B_, B_, B_, B_, B_, B_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 30 */ 0, 0, 0, 0, EN, EN, B_, 0, X_, B_, X_, B_, B_, B_, B_, B_,
    /* 40 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 50 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 60 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* 70 */ M_ | I8, M_ | I8, M_ | I8, M_ | I8, M_, M_, M_, 0, B_, B_, B_, B_, M_, M_, M_, M_,
    /* 80 */ X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_, X_,
    /* 90 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* a0 */ 0, 0, 0, M_, M_ | I8, M_, B_, B_, 0, 0, 0, M_, M_ | I8, M_, M_, M_,
    /* b0 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, B_, M_ | I8, M_, M_, M_, M_, M_,
    /* c0 */ M_, M_, M_ | I8, M_, M_ | I8, M_ | I8, M_ | I8, M_, 0, 0, 0, 0, 0, 0, 0, 0,
    /* d0 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* e0 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_,
    /* f0 */ M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, M_, B_,
};

#undef M_
#undef I8
#undef IZ
#undef EN
#undef X_
#undef B_

/* The bytes a ModRM at p[0] adds (itself, SIB, displacement); 0 if cut. */
static size_t modrm_len(const uint8_t *p, size_t n)
{
    if (n < 1)
        return 0;
    unsigned mod = p[0] >> 6, rm = p[0] & 7;
    size_t len = 1;
    if (mod == 3)
        return 1;
    if (rm == 4) {
        if (n < 2)
            return 0;
        len++;
        if (mod == 0 && (p[1] & 7) == 5)
            len += 4;
    } else if (mod == 0 && rm == 5) {
        len += 4; /* RIP-relative */
    }
    len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    return len <= n ? len : 0;
}

size_t vex_insn_len(const uint8_t *p, size_t n, unsigned *what)
{
    size_t i = 0;
    bool opsize = false, adsize = false, rexw = false;
    *what = 0;
    while (i < n && i < 14 && legacy_prefix(p[i])) {
        opsize |= p[i] == 0x66;
        adsize |= p[i] == 0x67;
        i++;
    }
    if (i < n && (p[i] & 0xf0) == 0x40) {
        rexw = p[i] & 8;
        i++;
    }
    if (i >= n)
        return 0;
    uint8_t op = p[i++];
    unsigned f = map1[op];
    size_t imm = 0;
    if (f & L_BAD)
        return 0;
    if (f & L_X) {
        switch (op) {
        case 0x0f: /* two- and three-byte opcodes */
            if (i >= n)
                return 0;
            op = p[i++];
            f = map2[op];
            if (f & L_BAD)
                return 0;
            if (op == 0x38 || op == 0x3a) {
                if (i >= n)
                    return 0;
                i++;
                f = op == 0x38 ? L_M : L_M | L_I8;
            } else if (f & L_X) { /* 0f 80..8f: jcc rel32 */
                if (opsize)
                    return 0;
                f = L_END;
                imm = 4;
            }
            break;
        case 0x62: /* EVEX: #UD here, Unicorn raises it itself */
            *what = VEX_LEN_EVEX | VEX_LEN_END;
            return i;
        case 0xc4: /* VEX */
        case 0xc5:
            if (classify(p, n) != VEX_BMI) {
                *what = VEX_LEN_AVX;
                return i;
            }
            /* BMI1/BMI2: c4, two payload bytes, opcode, ModRM (rorx: imm8) */
            if (i + 3 > n)
                return 0;
            f = L_M | ((p[i] & 0x1f) == 3 ? L_I8 : 0);
            i += 3;
            *what = VEX_LEN_BMI;
            break;
        case 0x8f: /* pop r/m; XOP when ModRM.reg is not 0 */
            if (i >= n || (p[i] & 0x38))
                return 0;
            f = L_M;
            break;
        case 0xa0: case 0xa1: case 0xa2: case 0xa3: /* mov with moffs */
            f = 0;
            imm = adsize ? 4 : 8;
            break;
        case 0xe8: case 0xe9: /* call/jmp rel32 */
            if (opsize)
                return 0;
            f = L_END;
            imm = 4;
            break;
        case 0xf6: case 0xf7: /* group 3: test has an immediate */
            if (i >= n)
                return 0;
            f = L_M;
            if (((p[i] >> 3) & 7) < 2)
                f |= op == 0xf6 ? L_I8 : L_IZ;
            break;
        case 0xff: /* group 5: call, jmp (near and far) end the block */
            if (i >= n)
                return 0;
            f = L_M;
            if (((p[i] >> 3) & 7) >= 2 && ((p[i] >> 3) & 7) <= 5)
                f |= L_END;
            break;
        default: /* b8..bf: mov r, imm32/imm64 */
            f = 0;
            imm = rexw ? 8 : opsize ? 2 : 4;
            break;
        }
    }
    if (f & L_M) {
        size_t m = modrm_len(p + i, n - i);
        if (!m)
            return 0;
        i += m;
    }
    /* REX.W outranks 66: a 64-bit operation has imm32 */
    imm += (f & L_I8 ? 1 : 0) + (f & L_I16 ? 2 : 0) + (f & L_IZ ? (opsize && !rexw ? 2 : 4) : 0);
    i += imm;
    if (i > n || i > 15)
        return 0;
    if (f & L_END)
        *what |= VEX_LEN_END;
    return i;
}

/* Where QEMU ends a translated block: a control transfer or a trap
 * (Capstone's ids, for the code Capstone sizes). */
static bool ends_block(unsigned id)
{
    switch (id) {
    case X86_INS_JMP: case X86_INS_LJMP: case X86_INS_CALL: case X86_INS_LCALL:
    case X86_INS_RET: case X86_INS_RETF: case X86_INS_RETFQ:
    case X86_INS_IRET: case X86_INS_IRETD: case X86_INS_IRETQ:
    case X86_INS_JAE: case X86_INS_JA: case X86_INS_JBE: case X86_INS_JB:
    case X86_INS_JCXZ: case X86_INS_JECXZ: case X86_INS_JRCXZ: case X86_INS_JE:
    case X86_INS_JGE: case X86_INS_JG: case X86_INS_JLE: case X86_INS_JL:
    case X86_INS_JNE: case X86_INS_JNO: case X86_INS_JNP: case X86_INS_JNS:
    case X86_INS_JO: case X86_INS_JP: case X86_INS_JS:
    case X86_INS_LOOP: case X86_INS_LOOPE: case X86_INS_LOOPNE:
    case X86_INS_SYSCALL: case X86_INS_SYSENTER: case X86_INS_SYSEXIT: case X86_INS_SYSEXITQ:
    case X86_INS_SYSRET: case X86_INS_SYSRETQ:
    case X86_INS_INT: case X86_INS_INT1: case X86_INS_INT3: case X86_INS_INTO:
    case X86_INS_UD0: case X86_INS_UD1: case X86_INS_UD2: case X86_INS_HLT:
        return true;
    default:
        return false;
    }
}

/* ---- scanning ------------------------------------------------------------ */

/* A translated block is shorter than a page (QEMU stops 32 bytes short). */
#define SCAN_MAX 4096

/* scan's fallback from a boundary the tables could not size. */
static uint64_t scan_capstone(const uint8_t *p, size_t left, uint64_t a, bool to_branch)
{
    struct dis *d = dis_get();
    if (!d)
        return 0;
    while (left && cs_disasm_iter(d->h, &p, &left, &a, d->insn)) {
        if (classify(d->insn->bytes, d->insn->size) == VEX_AVX)
            return d->insn->address;
        if (to_branch && ends_block(d->insn->id))
            return 0;
    }
    /* Bytes Capstone cannot decode either: a VEX prefix all the same? */
    if (left && classify(p, left) == VEX_AVX)
        return a;
    return 0;
}

/*
 * The first VEX (AVX) instruction of the code at pc, decoded linearly over
 * at most len bytes, and only up to the first control transfer when
 * to_branch; 0 if none.
 */
static uint64_t scan(struct pagemu *pm, uint64_t pc, size_t len, bool to_branch)
{
    uint8_t buf[SCAN_MAX];
    if (len > SCAN_MAX)
        len = SCAN_MAX;
    size_t n = guest_peek(pm, pc, buf, len);
    if (!memchr(buf, 0xc4, n) && !memchr(buf, 0xc5, n))
        return 0; /* every VEX instruction has one of the two */
    size_t off = 0;
    while (off < n) {
        unsigned what;
        size_t l = vex_insn_len(buf + off, n - off, &what);
        if (!l)
            return scan_capstone(buf + off, n - off, pc + off, to_branch);
        if (what & VEX_LEN_AVX)
            return pc + off;
        if ((what & VEX_LEN_EVEX) || (to_branch && (what & VEX_LEN_END)))
            return 0;
        off += l;
    }
    return 0;
}

/* ---- the code hooks on VEX instructions ---------------------------------- */

static void hook_vex_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)size;
    struct pagemu *pm = ud;
    uint8_t b[16];
    if (classify(b, guest_peek(pm, addr, b, sizeof(b))) != VEX_AVX)
        return; /* the code there has changed since */
    pm->pending_intno = 6; /* #UD, raised by the run loop at addr */
    pm->pending_rip = addr;
    pm->stop = true;
    uc_emu_stop(uc);
}

/* Hook the instruction at a; true if it was not hooked yet. */
static bool arm(struct pagemu *pm, uint64_t a)
{
    struct pm_vex *v = &pm->vex;
    for (unsigned i = 0; i < v->narmed; i++)
        if (v->armed[i] == a)
            return false;
    uc_hook h;
    if (uc_hook_add(pm->uc, &h, UC_HOOK_CODE, (void *)hook_vex_insn, pm, a, a) != UC_ERR_OK)
        return false;
    if (v->narmed == VEX_MAX_ARMED) {
        /* Let the oldest go whose page is executable now: its blocks are
         * dropped (uc_ctl_remove_cache, which needs an executable page),
         * translated again without the hook and scanned again, so it is
         * found again if it runs.  Only if no page is, the oldest goes
         * with its blocks kept (they would run it unhooked if the page
         * became executable again; this takes a guest that survives
         * VEX_MAX_ARMED different VEX instructions first). */
        unsigned k = 0;
        for (unsigned i = 0; i < v->narmed; i++) {
            pte_t *pte = v->armed[i] < pm->mm.task_size ? pte_lookup(&pm->mm.pt, v->armed[i])
                                                        : NULL;
            if (pte && (pte->pte & (_PAGE_PRESENT | _PAGE_USER | _PAGE_NX)) ==
                           (_PAGE_PRESENT | _PAGE_USER)) {
                uc_ctl_remove_cache(pm->uc, v->armed[i], v->armed[i] + 1);
                k = i;
                break;
            }
        }
        uc_hook_del(pm->uc, v->armed_hook[k]);
        v->narmed--;
        memmove(&v->armed[k], &v->armed[k + 1], sizeof(v->armed[0]) * (v->narmed - k));
        memmove(&v->armed_hook[k], &v->armed_hook[k + 1], sizeof(v->armed_hook[0]) * (v->narmed - k));
    }
    v->armed[v->narmed] = a;
    v->armed_hook[v->narmed++] = h;
    /* Code translated before the hook has no call to it. */
    uc_ctl_remove_cache(pm->uc, a, a + 1);
    return true;
}

/* ---- the edge hook ------------------------------------------------------- */

static void hook_edge(uc_engine *uc, uc_tb *cur, uc_tb *prev, void *ud)
{
    (void)prev;
    struct pagemu *pm = ud;
    uint64_t a = scan(pm, cur->pc, cur->size, false);
    if (a && arm(pm, a)) {
        /* This translation has no hook: it must not run.  The run loop
         * starts the block again, translated anew. */
        pm->stop = true;
        uc_emu_stop(uc);
    }
}

int vex_install(struct pagemu *pm)
{
    return uc_hook_add(pm->uc, &pm->vex.edge_hook, UC_HOOK_EDGE_GENERATED, (void *)hook_edge, pm,
                       1, 0) == UC_ERR_OK ? 0 : -1;
}

void vex_before_start(struct pagemu *pm, uint64_t rip)
{
    uint64_t a = scan(pm, rip, SCAN_MAX, true);
    if (a)
        arm(pm, a);
}

const char *vex_ud_reason(struct pagemu *pm, uint64_t rip)
{
    static const char *const why[] = {
        [VEX_AVX] = "VEX-encoded (AVX) instruction: the emulated CPU has no AVX "
                    "(CPUID.1:ECX.AVX = 0)",
        [VEX_BMI] = "VEX-encoded BMI instruction: the emulated CPU has no BMI1/BMI2 "
                    "(CPUID.7:EBX.BMI1 = BMI2 = 0)",
        [VEX_EVEX] = "EVEX-encoded (AVX-512) instruction: the emulated CPU has no AVX-512 "
                     "(CPUID.7:EBX.AVX512F = 0)",
    };
    uint8_t b[16];
    size_t n = guest_peek(pm, rip, b, sizeof(b));
    enum vex_kind k = classify(b, n);
    if (k == VEX_NONE)
        return NULL;
    char text[160] = "";
    struct dis *d = dis_get();
    const uint8_t *p = b;
    uint64_t a = rip;
    if (d && cs_disasm_iter(d->h, &p, &n, &a, d->insn))
        snprintf(text, sizeof(text), "%.31s%s%.120s: ", d->insn->mnemonic,
                 d->insn->op_str[0] ? " " : "", d->insn->op_str);
    snprintf(pm->vex.reason, sizeof(pm->vex.reason), "%s%s", text, why[k]);
    return pm->vex.reason;
}
