/*
 * vclock.c - the virtual clock of cfg.deterministic (issue 5).
 *
 * With cfg.deterministic every time the guest can read comes from one
 * counter, pm->vclock_ns, in nanoseconds since the Unix epoch: it starts at
 * cfg.vclock_start_ns and each read moves it on by cfg.vclock_step_ns, so
 * two reads never see the same time and the same run reads the same times.
 * Sleeps add the time asked for and return at once (sys_time.c).  The other
 * clocks are derived from it, so that they agree with each other and no
 * second counter has to be saved (a snapshot, an execve):
 *
 *   CLOCK_REALTIME, _COARSE, _ALARM, CLOCK_TAI   vclock_ns (TAI offset 0, as
 *       a kernel whose NTP daemon never set one: kernel/time/timekeeping.c,
 *       tk->tai_offset)
 *   CLOCK_MONOTONIC, _RAW, _COARSE, CLOCK_BOOTTIME, _ALARM
 *       vclock_ns - start + VCLOCK_BOOT_NS: the guest starts VCLOCK_BOOT_NS
 *       after a boot that never suspends (BOOTTIME = MONOTONIC)
 *   the CPU-time clocks, times(), getrusage, /proc/self/stat
 *       vclock_ns - start, all of it user time: the guest is taken to have
 *       run the whole time, sleeps included
 *   rdtsc, rdtscp
 *       the MONOTONIC nanoseconds as a 1 GHz time-stamp counter counting
 *       from boot (arch/x86: the TSC is reset at power-on and counts at a
 *       constant rate on every CPU with constant_tsc/nonstop_tsc)
 *
 * rdtsc and rdtscp cannot be hooked in Unicorn 2.1.1: uc_hook_add(
 * UC_HOOK_INSN, UC_X86_INS_RDTSC or _RDTSCP) fails with UC_ERR_HOOK (only
 * in, out, syscall, sysenter and cpuid pass x86_insn_hook_validate in
 * qemu/target/i386/unicorn.c; hooks for rdtsc and rdtscp came later, in
 * unicorn-engine/unicorn pull request 2066, December 2024).  So pagemu
 * does what Linux does for prctl(PR_SET_TSC, PR_TSC_SIGSEGV): it sets
 * CR4.TSD (arch/x86/kernel/process.c: disable_TSC), so that rdtsc and
 * rdtscp at CPL 3 raise #GP (Intel SDM vol. 2, RDTSC: "#GP(0) if the TSD
 * flag in register CR4 is set and the CPL is greater than 0"; QEMU's
 * helper_rdtsc and helper_rdtscp check it, with RIP on the instruction).
 * The guest runs at CPL 3 (usermode.c), so every read reaches the #GP path
 * of the run loop (run.c: cpu_exception), where vclock_emulate_tsc()
 * recognises the instruction, loads the virtual counter and steps over it;
 * any other #GP stays a SIGSEGV.  A read costs an engine stop and restart,
 * a few microseconds.
 *
 * rdtscp exists only on CPUs that have it (CPUID 0x80000001:EDX.RDTSCP[27]).
 * Unicorn's default CPU, the one pagemu uses, does not report it, and QEMU
 * raises #UD for it at translation (SIGILL, with or without
 * cfg.deterministic), as such a CPU does; the #GP path emulates it all the
 * same, for a CPU model that has it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fault_addr.h"
#include "fuzz.h"
#include "pagemu_int.h"
#include "process.h"

#define NSEC_PER_SEC 1000000000ULL

/* 2026-01-01T00:00:00Z, the default start (cfg.vclock_start_ns 0). */
#define VCLOCK_DEFAULT_START (1767225600ULL * NSEC_PER_SEC)
#define VCLOCK_DEFAULT_STEP 1000ULL
/* The guest's CLOCK_MONOTONIC at the start: it runs 100 s after boot. */
#define VCLOCK_BOOT_NS (100ULL * NSEC_PER_SEC)
/* The clock never passes INT64_MAX ns (year 2262): tv_sec stays positive. */
#define VCLOCK_MAX ((uint64_t)INT64_MAX)

void vclock_init(struct pagemu *pm)
{
    pagemu_config *c = &pm->cfg;

    if (!c->deterministic)
        return;
    if (!c->vclock_start_ns)
        c->vclock_start_ns = VCLOCK_DEFAULT_START;
    if (c->vclock_start_ns > VCLOCK_MAX / 2)
        c->vclock_start_ns = VCLOCK_MAX / 2;
    if (!c->vclock_step_ns)
        c->vclock_step_ns = VCLOCK_DEFAULT_STEP;
    pm->vclock_ns = c->vclock_start_ns;
    /* A guest's execve: the new image goes on with the old one's clock
     * (exec_state.c). */
    if (pm->exec_in && pm->exec_in->vclock_ns > pm->vclock_ns)
        pm->vclock_ns = pm->exec_in->vclock_ns;
}

void vclock_advance(struct pagemu *pm, uint64_t ns)
{
    pm->vclock_ns = ns > VCLOCK_MAX - pm->vclock_ns ? VCLOCK_MAX : pm->vclock_ns + ns;
}

uint64_t vclock_read(struct pagemu *pm)
{
    uint64_t now = pm->vclock_ns;

    vclock_advance(pm, pm->cfg.vclock_step_ns);
    return now;
}

uint64_t vclock_elapsed(const struct pagemu *pm, uint64_t real)
{
    return real > pm->cfg.vclock_start_ns ? real - pm->cfg.vclock_start_ns : 0;
}

uint64_t vclock_mono(const struct pagemu *pm, uint64_t real)
{
    return vclock_elapsed(pm, real) + VCLOCK_BOOT_NS;
}

/* ---- rdtsc, rdtscp ------------------------------------------------------ */

/* arch/x86/include/uapi/asm/processor-flags.h */
#define X86_CR4_TSD (1ULL << 2)         /* rdtsc and rdtscp are privileged */
#define X86_CR4_OSFXSR (1ULL << 9)      /* SSE enabled, fxsave/fxrstor */
#define X86_CR4_OSXMMEXCPT (1ULL << 10) /* SIMD FP exceptions are #XM */

/*
 * The length of the rdtsc (0f 31) or rdtscp (0f 01 f9) at RIP, with any
 * legacy prefixes and a REX prefix before it (the CPU ignores them there),
 * and which one it is; 0 if RIP holds neither.
 */
static unsigned tsc_insn_len(struct pagemu *pm, uint64_t rip, bool *is_rdtscp)
{
    uint8_t b[15];
    size_t n = guest_peek(pm, rip, b, sizeof(b)), i = 0;

    while (i < n && (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
                     b[i] == 0x64 || b[i] == 0x65 || b[i] == 0x66 || b[i] == 0x67 ||
                     b[i] == 0xf2 || b[i] == 0xf3))
        i++;
    if (i < n && (b[i] & 0xf0) == 0x40)
        i++;
    if (i + 2 <= n && b[i] == 0x0f && b[i + 1] == 0x31) {
        *is_rdtscp = false;
        return (unsigned)i + 2;
    }
    if (i + 3 <= n && b[i] == 0x0f && b[i + 1] == 0x01 && b[i + 2] == 0xf9) {
        *is_rdtscp = true;
        return (unsigned)i + 3;
    }
    return 0;
}

/*
 * Both leave the counter in EDX:EAX and zero the upper halves of RAX and
 * RDX (in 64-bit mode a 32-bit result is zero-extended); rdtscp also loads
 * ECX with IA32_TSC_AUX, which Linux sets to (node << 12) | cpu
 * (arch/x86/kernel/cpu/common.c: setup_getcpu): 0 for the guest's one CPU
 * on node 0, as getcpu() reports.  The flags are not changed.
 */
bool vclock_emulate_tsc(struct pagemu *pm)
{
    bool is_rdtscp = false;
    uint64_t rip, tsc;
    unsigned len;

    if (!pm->cfg.deterministic)
        return false;
    rip = reg_read(pm, UC_X86_REG_RIP);
    len = tsc_insn_len(pm, rip, &is_rdtscp);
    if (!len)
        return false;
    tsc = vclock_mono(pm, vclock_read(pm));
    reg_write(pm, UC_X86_REG_RAX, (uint32_t)tsc);
    reg_write(pm, UC_X86_REG_RDX, tsc >> 32);
    if (is_rdtscp)
        reg_write(pm, UC_X86_REG_RCX, 0);
    reg_write(pm, UC_X86_REG_RIP, rip + len);
    return true;
}

int vclock_install_hooks(struct pagemu *pm)
{
    uint64_t cr4 = 0;

    if (!pm->cfg.deterministic)
        return 0;
    if (uc_reg_read(pm->uc, UC_X86_REG_CR4, &cr4) != UC_ERR_OK)
        goto fail;
    /*
     * Unicorn 2.1.1 starts with CR4 = 0 but SSE enabled in its hidden
     * flags (HF_OSFXSR); writing CR4 recomputes those (QEMU's
     * cpu_x86_update_cr4), and without OSFXSR every SSE instruction would
     * be #UD.  So OSFXSR and OSXMMEXCPT go in with TSD, as Linux runs user
     * space (arch/x86/kernel/fpu/init.c: fpu__init_cpu_generic).
     */
    cr4 |= X86_CR4_TSD | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    if (uc_reg_write(pm->uc, UC_X86_REG_CR4, &cr4) != UC_ERR_OK)
        goto fail;
    return 0;
fail:
    pm_set_error(pm, "unicorn: cannot set CR4.TSD for the virtual TSC");
    return -1;
}
