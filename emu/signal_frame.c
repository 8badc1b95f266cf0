/*
 * signal_frame.c - the x86-64 rt_sigframe: built on the guest's stack when a
 * handler is entered, torn down by rt_sigreturn.
 *
 *   arch/x86/kernel/signal.c      get_sigframe, handle_signal
 *   arch/x86/kernel/signal_64.c   x64_setup_rt_frame, restore_sigcontext,
 *                                 sys_rt_sigreturn
 *   arch/x86/kernel/fpu/signal.c  fpu__alloc_mathframe, copy_fpstate_to_sigframe,
 *                                 fpu__restore_sig
 *   arch/x86/include/uapi/asm/sigcontext.h, ucontext.h; asm/sigframe.h
 *
 * The stack, from high to low addresses:
 *   [interrupted RSP] 128-byte red zone, skipped (or the top of the
 *   sigaltstack) | fxsave image, 512 bytes, 64-byte aligned | struct
 *   rt_sigframe {pretcode, ucontext, siginfo} at round_down(sp, 16) - 8,
 *   so that RSP + 8 is 16-byte aligned at the handler's first instruction,
 *   as after a call.
 *
 * The emulated CPU has no XSAVE (CPUID.1:ECX.XSAVE is 0 under Unicorn, checked
 * from a guest), so the FPU image is the legacy fxsave format and uc_flags
 * is what Linux sets on such a CPU (frame_uc_flags: UC_SIGCONTEXT_SS |
 * UC_STRICT_RESTORE_SS, without UC_FP_XSTATE).  The image's software-reserved
 * bytes (struct _fpx_sw_bytes) stay zero: without FP_XSTATE_MAGIC1 no reader
 * looks for an xstate area behind the 512 bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pagemu_int.h"
#include "strace.h"
#include "pm_signal.h"
#include "syscall.h"
#include "uaccess.h"

/* arch/x86/include/uapi/asm/ucontext.h */
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

/* arch/x86/include/asm/segment.h: __USER_CS, __USER_DS */
#define USER_CS 0x33
#define USER_DS 0x2b

/* arch/x86/include/uapi/asm/processor-flags.h */
#define X86_EFLAGS_CF 0x00000001
#define X86_EFLAGS_PF 0x00000004
#define X86_EFLAGS_AF 0x00000010
#define X86_EFLAGS_ZF 0x00000040
#define X86_EFLAGS_SF 0x00000080
#define X86_EFLAGS_TF 0x00000100
#define X86_EFLAGS_DF 0x00000400
#define X86_EFLAGS_OF 0x00000800
#define X86_EFLAGS_RF 0x00010000
#define X86_EFLAGS_AC 0x00040000
/* arch/x86/kernel/signal_64.c: FIX_EFLAGS, the flags sigreturn may set.
 * TF and RF are left out: single-stepping is not emulated. */
#define FIX_EFLAGS                                                            \
    (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_SF |         \
     X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF)

/* The registers in struct sigcontext_64 order (r8 .. eflags). */
enum { R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15, R_RDI, R_RSI, R_RBP,
       R_RBX, R_RDX, R_RAX, R_RCX, R_RSP, R_RIP, R_FLAGS, NR_UREGS };

static const int ureg_ids[NR_UREGS] = {
    UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
    UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_RDI, UC_X86_REG_RSI,
    UC_X86_REG_RBP, UC_X86_REG_RBX, UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX,
    UC_X86_REG_RSP, UC_X86_REG_RIP, UC_X86_REG_RFLAGS,
};

/* arch/x86/include/uapi/asm/sigcontext.h: struct sigcontext_64 */
struct sigcontext64 {
    uint64_t gregs[NR_UREGS]; /* r8 .. r15, di, si, bp, bx, dx, ax, cx, sp, ip, flags */
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;
    uint64_t reserved1[8];
};

/* arch/x86/include/uapi/asm/ucontext.h (the kernel's struct ucontext) */
struct kucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct linux_stack uc_stack;
    struct sigcontext64 uc_mcontext;
    uint64_t uc_sigmask;
};

/* arch/x86/include/asm/sigframe.h: struct rt_sigframe (64-bit) */
struct rt_sigframe {
    uint64_t pretcode;
    struct kucontext uc;
    struct linux_siginfo info;
};

/* arch/x86/include/asm/fpu/types.h: struct fxregs_state (64-bit layout) */
struct fxregs {
    uint16_t cwd, swd;
    uint8_t twd, pad0;        /* abridged tag: bit i set = physical R(i) valid */
    uint16_t fop;
    uint64_t rip, rdp;
    uint32_t mxcsr, mxcsr_mask;
    uint8_t st[8][16];        /* ST(0)..ST(7), 10 bytes each */
    uint8_t xmm[16][16];
    uint8_t padding[48];
    uint8_t sw_reserved[48];
};

_Static_assert(sizeof(struct sigcontext64) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct kucontext, uc_mcontext) == 40, "uc_mcontext at 40");
_Static_assert(offsetof(struct kucontext, uc_sigmask) == 296, "uc_sigmask at 296");
_Static_assert(sizeof(struct rt_sigframe) == 440, "struct rt_sigframe is 440 bytes");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "info at 312");
_Static_assert(sizeof(struct fxregs) == 512, "fxsave image is 512 bytes");

/* ---- registers --------------------------------------------------------- */

/* Inside the syscall hook RIP is still at the syscall instruction and
 * Unicorn adds 2 afterwards (DESIGN.md); user space sees it past it. */
static void uregs_get(struct pagemu *pm, uint64_t r[NR_UREGS])
{
    void *p[NR_UREGS];
    for (int i = 0; i < NR_UREGS; i++)
        p[i] = &r[i];
    uc_reg_read_batch(pm->uc, (int *)ureg_ids, p, NR_UREGS);
    if (pm->sig.in_syscall)
        r[R_RIP] += 2;
}

static void uregs_set(struct pagemu *pm, const uint64_t in[NR_UREGS])
{
    uint64_t r[NR_UREGS];
    void *p[NR_UREGS];
    memcpy(r, in, sizeof(r));
    if (pm->sig.in_syscall)
        r[R_RIP] -= 2;
    for (int i = 0; i < NR_UREGS; i++)
        p[i] = &r[i];
    uc_reg_write_batch(pm->uc, (int *)ureg_ids, p, NR_UREGS);
}

uint64_t signal_user_rip(struct pagemu *pm)
{
    return reg_read(pm, UC_X86_REG_RIP) + (pm->sig.in_syscall ? 2 : 0);
}

/* ---- FPU state --------------------------------------------------------- */

static uint16_t reg16(struct pagemu *pm, int reg)
{
    uint16_t v = 0;
    uc_reg_read(pm->uc, reg, &v);
    return v;
}

static void wreg16(struct pagemu *pm, int reg, uint16_t v)
{
    uc_reg_write(pm->uc, reg, &v);
}

/* What fxsave stores, from Unicorn's FPU/SSE registers. */
static void fpu_save(struct pagemu *pm, struct fxregs *fx)
{
    memset(fx, 0, sizeof(*fx));
    fx->cwd = reg16(pm, UC_X86_REG_FPCW);
    fx->swd = reg16(pm, UC_X86_REG_FPSW);
    uint16_t tag = reg16(pm, UC_X86_REG_FPTAG); /* 2 bits per register, 3 = empty */
    for (int i = 0; i < 8; i++)
        if (((tag >> (2 * i)) & 3) != 3)
            fx->twd |= (uint8_t)(1u << i);
    fx->fop = reg16(pm, UC_X86_REG_FOP);
    uc_reg_read(pm->uc, UC_X86_REG_FIP, &fx->rip);
    uc_reg_read(pm->uc, UC_X86_REG_FDP, &fx->rdp);
    uc_reg_read(pm->uc, UC_X86_REG_MXCSR, &fx->mxcsr);
    fx->mxcsr_mask = 0xffff; /* MXCSR bits a CPU with DAZ accepts */
    for (int i = 0; i < 8; i++)
        uc_reg_read(pm->uc, UC_X86_REG_ST0 + i, fx->st[i]);
    for (int i = 0; i < 8; i++)
        uc_reg_read(pm->uc, UC_X86_REG_XMM0 + i, fx->xmm[i]);
    for (int i = 0; i < 8; i++)
        uc_reg_read(pm->uc, UC_X86_REG_XMM8 + i, fx->xmm[8 + i]);
}

/* What fxrstor loads.  The status word goes first: it sets TOP, and ST(i)
 * names a register relative to TOP. */
static void fpu_load(struct pagemu *pm, const struct fxregs *fx)
{
    wreg16(pm, UC_X86_REG_FPCW, fx->cwd);
    wreg16(pm, UC_X86_REG_FPSW, fx->swd);
    uint16_t tag = 0;
    for (int i = 0; i < 8; i++)
        if (!(fx->twd & (1u << i)))
            tag |= (uint16_t)(3u << (2 * i));
    wreg16(pm, UC_X86_REG_FPTAG, tag);
    wreg16(pm, UC_X86_REG_FOP, fx->fop);
    uc_reg_write(pm->uc, UC_X86_REG_FIP, &fx->rip);
    uc_reg_write(pm->uc, UC_X86_REG_FDP, &fx->rdp);
    uc_reg_write(pm->uc, UC_X86_REG_MXCSR, &fx->mxcsr);
    for (int i = 0; i < 8; i++)
        uc_reg_write(pm->uc, UC_X86_REG_ST0 + i, fx->st[i]);
    for (int i = 0; i < 8; i++)
        uc_reg_write(pm->uc, UC_X86_REG_XMM0 + i, fx->xmm[i]);
    for (int i = 0; i < 8; i++)
        uc_reg_write(pm->uc, UC_X86_REG_XMM8 + i, fx->xmm[8 + i]);
}

/* arch/x86/kernel/fpu/signal.c: fpu__clear_user_states — the handler starts
 * with the init FPU state (init_fpstate: FCW 0x37f, MXCSR 0x1f80, x87 stack
 * empty, XMM registers zero). */
static void fpu_init(struct pagemu *pm)
{
    struct fxregs fx;
    memset(&fx, 0, sizeof(fx));
    fx.cwd = 0x37f;
    fx.mxcsr = 0x1f80;
    fpu_load(pm, &fx);
}

/* ---- setting up ---------------------------------------------------------- */

/* arch/x86/kernel/signal.c: get_sigframe.  Returns the frame's address and
 * the fxsave image's in *buf_fx, or -1 when the frame would overflow the
 * alternate stack (then the delivery fails and SIGSEGV follows). */
static uint64_t get_sigframe(struct pagemu *pm, const struct linux_sigaction *ka, uint64_t sp,
                             uint64_t *buf_fx)
{
    bool nested_altstack = on_sig_stack(pm, sp);
    bool entering_altstack = false;

    sp -= 128; /* the red zone */
    /* The X/Open sanctioned signal stack switching. */
    if ((ka->flags & LINUX_SA_ONSTACK) && sas_ss_flags(pm, sp) == 0) {
        sp = pm->altstack.sp + pm->altstack.size;
        entering_altstack = true;
    }
    /* fpu__alloc_mathframe: the fxsave image, 64-byte aligned */
    sp = (sp - sizeof(struct fxregs)) & ~63ULL;
    *buf_fx = sp;
    sp -= sizeof(struct rt_sigframe);
    sp = (sp & ~15ULL) - 8; /* round_down(sp, FRAME_ALIGNMENT) - 8 */
    if ((nested_altstack || entering_altstack) && !on_sig_stack_raw(pm, sp))
        return (uint64_t)-1; /* "overflowed sigaltstack" */
    return sp;
}

int setup_rt_frame(struct pagemu *pm, int sig, const struct linux_sigaction *ka,
                   const struct linux_siginfo *info, uint64_t saved_mask)
{
    uint64_t r[NR_UREGS], buf_fx, fa;
    struct fxregs fx;
    struct rt_sigframe f;

    /* signal_64.c: x86-64 should always use SA_RESTORER. */
    if (!(ka->flags & LINUX_SA_RESTORER))
        return -EFAULT;
    uregs_get(pm, r);
    fa = get_sigframe(pm, ka, r[R_RSP], &buf_fx);
    if (fa == (uint64_t)-1)
        return -EFAULT;
    fpu_save(pm, &fx);
    if (copy_to_user(pm, buf_fx, &fx, sizeof(fx)))
        return -EFAULT;

    memset(&f, 0, sizeof(f));
    f.pretcode = ka->restorer;
    f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    f.uc.uc_link = 0;
    /* unsafe_save_altstack: the stack as set, with current->sas_ss_flags */
    f.uc.uc_stack.ss_sp = pm->altstack.sp;
    f.uc.uc_stack.ss_size = pm->altstack.size;
    f.uc.uc_stack.ss_flags = pm->altstack.size || pm->altstack.flags ? pm->altstack.flags
                                                                      : LINUX_SS_DISABLE;
    /* __unsafe_setup_sigcontext */
    struct sigcontext64 *sc = &f.uc.uc_mcontext;
    memcpy(sc->gregs, r, sizeof(sc->gregs));
    sc->cs = USER_CS;
    sc->gs = 0;
    sc->fs = 0;
    sc->ss = USER_DS;
    sc->err = pm->sig.error_code;
    sc->trapno = pm->sig.trap_nr;
    sc->oldmask = saved_mask;
    sc->cr2 = pm->sig.cr2;
    sc->fpstate = buf_fx;
    f.uc.uc_sigmask = saved_mask;
    /* The siginfo is copied only for SA_SIGINFO handlers. */
    if (ka->flags & LINUX_SA_SIGINFO)
        f.info = *info;
    size_t n = ka->flags & LINUX_SA_SIGINFO ? sizeof(f) : offsetof(struct rt_sigframe, info);
    if (copy_to_user(pm, fa, &f, n))
        return -EFAULT;

    /* The handler's registers: handler(sig, &info, &uc), RAX 0 for
     * varargs callers; DF, RF and TF cleared (handle_signal). */
    r[R_RDI] = (uint64_t)sig;
    r[R_RAX] = 0;
    r[R_RSI] = fa + offsetof(struct rt_sigframe, info);
    r[R_RDX] = fa + offsetof(struct rt_sigframe, uc);
    r[R_RIP] = ka->handler;
    r[R_RSP] = fa;
    r[R_FLAGS] &= ~(uint64_t)(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
    uregs_set(pm, r);
    fpu_init(pm);
    return 0;
}

/* ---- rt_sigreturn -------------------------------------------------------- */

/* signal_64.c: signal_fault -> force_sig(SIGSEGV) on a bad frame. */
static void bad_frame(struct pagemu *pm)
{
    force_sigsegv_reason(pm, "rt_sigreturn: the signal frame cannot be read or is invalid");
}

long sys_rt_sigreturn(struct pagemu *pm, const uint64_t *a)
{
    (void)a;
    uint64_t r[NR_UREGS];
    struct rt_sigframe f;
    struct fxregs fx;

    uregs_get(pm, r);
    /* The handler's ret popped pretcode: the frame starts 8 below RSP. */
    uint64_t fa = r[R_RSP] - 8;
    if (copy_from_user(pm, &f.uc, fa + offsetof(struct rt_sigframe, uc), sizeof(f.uc))) {
        bad_frame(pm);
        return 0;
    }
    signal_set_blocked(pm, f.uc.uc_sigmask);

    /* restore_sigcontext: every general register, RIP and RSP; only the
     * FIX_EFLAGS bits of RFLAGS; CS and SS stay the user selectors. */
    const struct sigcontext64 *sc = &f.uc.uc_mcontext;
    uint64_t flags = r[R_FLAGS];
    memcpy(r, sc->gregs, sizeof(sc->gregs));
    r[R_FLAGS] = (flags & ~(uint64_t)FIX_EFLAGS) | (sc->gregs[R_FLAGS] & FIX_EFLAGS);
    uregs_set(pm, r);
    pm->sig.regs_restored = true;
    pm->sig.syscall_nr = (uint64_t)-1; /* regs->orig_ax = -1: no restart */

    /* fpu__restore_sig: no image means the init state; an unreadable one,
     * or reserved MXCSR bits (fxrstor's #GP), is a bad frame. */
    if (!sc->fpstate) {
        fpu_init(pm);
    } else if (copy_from_user(pm, &fx, sc->fpstate, sizeof(fx)) || (fx.mxcsr & ~0xffffu)) {
        bad_frame(pm);
        return r[R_RAX];
    } else {
        fpu_load(pm, &fx);
    }

    /* restore_altstack: errors other than -EFAULT are squashed. */
    do_sigaltstack(pm, &f.uc.uc_stack, NULL, r[R_RSP], LINUX_MINSIGSTKSZ);
    if (pm->trace_mask & PAGEMU_TRACE_SIGNAL)
        trace_emit(pm, PAGEMU_TRACE_SIGNAL, "rt_sigreturn to rip 0x%llx",
                   (unsigned long long)r[R_RIP]);
    /* The syscall returns the restored RAX; do_syscall_64 sees
     * regs_restored and leaves RAX, RCX and R11 as restored. */
    return (long)r[R_RAX];
}
