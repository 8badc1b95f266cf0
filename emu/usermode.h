/*
 * usermode.h - dropping the guest to CPL 3 (see usermode.c).
 */
#ifndef PAGEMU_USERMODE_H
#define PAGEMU_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

struct pagemu;

/* "pagm": the trampoline's syscall number, never a real one. */
#define USERMODE_MAGIC 0x6d676170u

/* Build the GDT and trampoline frame; once per handle. 0 or -1. */
int usermode_setup(struct pagemu *pm);
/* Point RIP/RSP at the trampoline; the next uc_emu_start drops to CPL 3. */
int usermode_enter(struct pagemu *pm);
/* TLB fill for the trampoline page while it runs; false for other pages. */
bool usermode_fill(struct pagemu *pm, uint64_t va, uc_tlb_entry *res);
/* The trampoline's syscall: start the program.  False if not ours. */
bool usermode_syscall(struct pagemu *pm);

#endif
