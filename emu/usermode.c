/*
 * usermode.c - run the guest at CPL 3, as Linux runs user space.
 *
 * Unicorn starts the CPU at CPL 0, where hlt ends emulation and cli, sti,
 * in, out and mov to/from CR* simply work.  On Linux they raise #GP in user
 * mode, which becomes SIGSEGV/SI_KERNEL.  So before the guest's first
 * instruction pagemu drops to ring 3 the way the kernel returns to user
 * space: an iretq with __USER_CS/__USER_DS selectors.
 *
 * The GDT and the trampoline live in one pagemu-private frame mapped at the
 * start of the cpu_entry_area (where Linux keeps its GDT), reachable only
 * while the trampoline runs.  The trampoline ends with a syscall carrying a
 * magic number; the syscall hook recognises it, clears the registers it
 * used and starts the program at its entry point with the exact start_thread
 * state.  After that the page is refused like the rest of the kernel half.
 */
#include <string.h>

#include "pagemu_int.h"
#include "usermode.h"

/* arch/x86/include/asm/segment.h: GDT_ENTRY_* and the selectors. */
#define GDT_ENTRY_KERNEL_CS 2
#define GDT_ENTRY_KERNEL_DS 3
#define GDT_ENTRY_DEFAULT_USER32_CS 4
#define GDT_ENTRY_DEFAULT_USER_DS 5
#define GDT_ENTRY_DEFAULT_USER_CS 6
#define USER_DS ((GDT_ENTRY_DEFAULT_USER_DS << 3) | 3) /* 0x2b */
#define USER_CS ((GDT_ENTRY_DEFAULT_USER_CS << 3) | 3) /* 0x33 */

/* arch/x86/kernel/cpu/common.c: gdt_page descriptors (flat, 4 GiB limit). */
#define DESC_KERNEL_CS 0x00af9b000000ffffULL /* L, P, DPL0, code r/x */
#define DESC_KERNEL_DS 0x00cf93000000ffffULL /* P, DPL0, data r/w */
#define DESC_USER32_CS 0x00cffb000000ffffULL /* D, P, DPL3, code */
#define DESC_USER_DS 0x00cff3000000ffffULL   /* P, DPL3, data */
#define DESC_USER_CS 0x00affb000000ffffULL   /* L, P, DPL3, code */

/* arch/x86/include/asm/pgtable_64_types.h: CPU_ENTRY_AREA_BASE (4-level;
 * the 5-level table puts cpu_entry_area at the same address). */
#define TRAMPOLINE_VA 0xfffffe0000000000ULL

#define TRAMP_CODE 0x800 /* code offset in the page */
#define TRAMP_IRET 0xf00 /* iret frame offset */

int usermode_setup(struct pagemu *pm)
{
    uint64_t paddr = frame_alloc(&pm->fp);
    if (!paddr)
        return -1;
    uint8_t *page = frame_host(&pm->fp, paddr);
    uint64_t gdt[8] = {0};
    gdt[GDT_ENTRY_KERNEL_CS] = DESC_KERNEL_CS;
    gdt[GDT_ENTRY_KERNEL_DS] = DESC_KERNEL_DS;
    gdt[GDT_ENTRY_DEFAULT_USER32_CS] = DESC_USER32_CS;
    gdt[GDT_ENTRY_DEFAULT_USER_DS] = DESC_USER_DS;
    gdt[GDT_ENTRY_DEFAULT_USER_CS] = DESC_USER_CS;
    memcpy(page, gdt, sizeof(gdt));

    /* iretq; then, at CPL 3: mov eax, USERMODE_MAGIC; syscall */
    static const uint8_t code[] = {
        0x48, 0xcf,                                  /* iretq */
        0xb8, USERMODE_MAGIC & 0xff, (USERMODE_MAGIC >> 8) & 0xff,
        (USERMODE_MAGIC >> 16) & 0xff, (USERMODE_MAGIC >> 24) & 0xff, /* mov eax, imm32 */
        0x0f, 0x05,                                  /* syscall */
    };
    memcpy(page + TRAMP_CODE, code, sizeof(code));
    pm->usermode_paddr = paddr;
    return 0;
}

int usermode_enter(struct pagemu *pm)
{
    uint8_t *page = frame_host(&pm->fp, pm->usermode_paddr);
    /* The iret frame: RIP, CS, RFLAGS, RSP, SS (arch/x86/entry/entry_64.S). */
    uint64_t frame[5] = {TRAMPOLINE_VA + TRAMP_CODE + 2, USER_CS, 0x202,
                         pm->mm.start_stack, USER_DS};
    memcpy(page + TRAMP_IRET, frame, sizeof(frame));

    uc_x86_mmr gdtr = {0, TRAMPOLINE_VA, 8 * 8 - 1, 0};
    if (uc_reg_write(pm->uc, UC_X86_REG_GDTR, &gdtr))
        return -1;
    reg_write(pm, UC_X86_REG_RSP, TRAMPOLINE_VA + TRAMP_IRET);
    reg_write(pm, UC_X86_REG_RIP, TRAMPOLINE_VA + TRAMP_CODE);
    pm->usermode_tramp = true;
    return 0;
}

bool usermode_fill(struct pagemu *pm, uint64_t va, uc_tlb_entry *res)
{
    if (!pm->usermode_tramp || (va & PAGE_MASK) != TRAMPOLINE_VA)
        return false;
    res->paddr = pm->usermode_paddr;
    res->perms = UC_PROT_ALL;
    return true;
}

bool usermode_syscall(struct pagemu *pm)
{
    if (!pm->usermode_tramp)
        return false;
    /* Arrived at CPL 3 on the guest's stack: now the program proper, with
     * every GPR but RSP zero (arch/x86/kernel/process_64.c: start_thread). */
    pm->usermode_tramp = false;
    reg_write(pm, UC_X86_REG_RAX, 0);
    reg_write(pm, UC_X86_REG_RCX, 0);
    reg_write(pm, UC_X86_REG_R11, 0);
    reg_write(pm, UC_X86_REG_RFLAGS, 0x202);
    /* Unicorn adds the syscall's length to RIP after the hook. */
    reg_write(pm, UC_X86_REG_RIP, pm->entry - 2);
    uc_ctl_flush_tlb(pm->uc);
    return true;
}
