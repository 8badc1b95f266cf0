/*
 * uc_excp.c - a workaround for Unicorn 2.1.1's stuck x86 exception state.
 *
 * The bug (DESIGN.md "CPU exceptions"): after UC_HOOK_INTR has handled one
 * #DE, the next one arrives as vector 8, and from the third on the hook is
 * not called at all and uc_emu_start returns UC_ERR_OK.
 *
 * The cause: QEMU's check_exception() (target/i386/excp_helper.c) keeps the
 * vector of the exception being delivered in env->old_exception and turns a
 * second contributory exception (#DE 0, #TS..#GP 10-13) or #PF during it
 * into a double fault (#DF 8), and one during a #DF into a triple fault,
 * i.e. a reset request, which ends the run silently.  QEMU clears the field
 * (old_exception = -1) in do_interrupt() once the exception has gone
 * through the IDT.  Unicorn's cpu_handle_exception() (accel/tcg/cpu-exec.c)
 * calls the UC_HOOK_INTR hooks instead of do_interrupt() and never clears
 * it.  (int3 and other software interrupts, and pagemu's refused TLB fills,
 * bypass check_exception; #UD is not contributory.  #DE and #GP are what
 * hit it.)
 *
 * No register or uc_ctl call reaches that field.  It does lie in the block
 * uc_context_save/uc_context_restore copy (CPUX86State up to
 * end_reset_fields; the x86 backend has no context hooks, the copy is a
 * plain memcpy), so after each hooked exception pagemu saves the context,
 * stores -1 into the field and restores it.
 *
 * The field's offset is not part of Unicorn's API, so it is found by
 * experiment, once per process, on a scratch engine: run `div ecx` with
 * ECX = 0 twice, and pick the one 32-bit field of the saved contexts that
 * goes -1 -> 0 -> 8 (the vectors check_exception recorded).  The probe then
 * proves the fix: with -1 written there, a third #DE must reach the hook as
 * vector 0 again.  If any step disagrees (another Unicorn), the reset is
 * skipped and the engine's behaviour is left as it is.
 *
 * Measured on Unicorn 2.1.1: the context is 5552 bytes, the field sits at
 * offset 5484 of it, and the probe costs well under a millisecond.
 */
#include <pthread.h>
#include <string.h>

#include "pagemu_int.h"
#include "pm_signal.h"

#define PROBE_BASE 0x1000

static long old_exception_off = -1;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe_hook(uc_engine *uc, uint32_t intno, void *ud)
{
    *(int *)ud = (int)intno;
    uc_emu_stop(uc);
}

/* Run the probe code once; the vector the hook saw, or -1. */
static int probe_run(uc_engine *uc, int *intno)
{
    *intno = -1;
    if (uc_emu_start(uc, PROBE_BASE, 0, 0, 0) != UC_ERR_OK)
        return -1;
    return *intno;
}

static int32_t field(const uc_context *c, size_t off)
{
    int32_t v;
    memcpy(&v, (const char *)c + off, sizeof(v));
    return v;
}

static void probe(void)
{
    static const uint8_t code[] = {0x31, 0xc9, 0xf7, 0xf1}; /* xor ecx,ecx; div ecx */
    uc_engine *uc;
    uc_context *c[3] = {NULL, NULL, NULL};
    uc_hook h;
    int intno = -1;

    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
        return;
    /* A small code buffer: this engine translates four bytes. */
    if (uc_ctl_set_tcg_buffer_size(uc, 1u << 20) != UC_ERR_OK ||
        uc_mem_map(uc, PROBE_BASE, 0x1000, UC_PROT_ALL) != UC_ERR_OK ||
        uc_mem_write(uc, PROBE_BASE, code, sizeof(code)) != UC_ERR_OK ||
        uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)probe_hook, &intno, 1, 0) != UC_ERR_OK)
        goto out;
    for (int i = 0; i < 3; i++)
        if (uc_context_alloc(uc, &c[i]) != UC_ERR_OK)
            goto out;
    size_t size = uc_context_size(uc);

    if (uc_context_save(uc, c[0]) || probe_run(uc, &intno) != 0 ||
        uc_context_save(uc, c[1]) || probe_run(uc, &intno) != 8 ||
        uc_context_save(uc, c[2]))
        goto out; /* not the bug this works around */
    long found = -1;
    for (size_t off = 0; off + sizeof(int32_t) <= size; off++) {
        if (field(c[0], off) == -1 && field(c[1], off) == 0 && field(c[2], off) == 8) {
            if (found >= 0)
                goto out; /* ambiguous */
            found = (long)off;
        }
    }
    if (found < 0)
        goto out;
    int32_t none = -1;
    memcpy((char *)c[2] + found, &none, sizeof(none));
    if (uc_context_restore(uc, c[2]) == UC_ERR_OK && probe_run(uc, &intno) == 0)
        old_exception_off = found;
out:
    for (int i = 0; i < 3; i++)
        if (c[i])
            uc_context_free(c[i]);
    uc_close(uc);
}

void uc_exception_reset(struct pagemu *pm)
{
    pthread_once(&probe_once, probe);
    if (old_exception_off < 0)
        return;
    uc_context *c;
    if (uc_context_alloc(pm->uc, &c) != UC_ERR_OK)
        return;
    if (uc_context_save(pm->uc, c) == UC_ERR_OK && field(c, (size_t)old_exception_off) != -1) {
        int32_t none = -1;
        memcpy((char *)c + old_exception_off, &none, sizeof(none));
        uc_context_restore(pm->uc, c);
    }
    uc_context_free(c);
}
