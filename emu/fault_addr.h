/*
 * fault_addr.h - exact fault addresses from the faulting instruction.
 */
#ifndef PAGEMU_FAULT_ADDR_H
#define PAGEMU_FAULT_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct pagemu;

/*
 * The address CR2 would hold for a refused access to page by the
 * instruction at rip: decoded with Capstone and evaluated against the
 * registers.  Falls back to page when the instruction cannot be read.
 */
uint64_t fault_exact_addr(struct pagemu *pm, uint64_t page, int access, uint64_t rip);

#include <capstone/capstone.h>

/* The value operand i of a decoded instruction (with detail) reads: an
 * immediate, a register, or the 8 bytes at a memory operand. */
uint64_t fault_operand_value(struct pagemu *pm, const cs_insn *insn, int i);

/* Copy guest bytes that are present, without faulting; returns the count. */
size_t guest_peek(struct pagemu *pm, uint64_t va, void *dst, size_t n);

#endif
