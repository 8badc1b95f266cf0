/*
 * fault_addr.c - the exact address of a refused access.
 *
 * Unicorn's TLB-fill callback sees only the page.  The address the CPU
 * would put in CR2 (and Linux in si_addr) is recovered by decoding the
 * faulting instruction with Capstone and evaluating its memory operands
 * against the registers: the first byte of the access that lies in the
 * refused page.
 */
#include <capstone/capstone.h>
#include <string.h>

#include "fault_addr.h"
#include "mm.h"
#include "pagemu_int.h"

/* Guest bytes without faulting anything in. */
size_t guest_peek(struct pagemu *pm, uint64_t va, void *dst, size_t n)
{
    uint8_t *d = dst;
    size_t done = 0;
    while (done < n) {
        uint64_t a = va + done;
        if (a >= pm->mm.task_size)
            break;
        pte_t *p = pte_lookup(&pm->mm.pt, a);
        if (!p || !(p->pte & _PAGE_PRESENT))
            break;
        size_t chunk = PAGE_SIZE - (a & ~PAGE_MASK);
        if (chunk > n - done)
            chunk = n - done;
        memcpy(d + done, (uint8_t *)frame_host(&pm->fp, p->pte & PTE_PFN_MASK) + (a & ~PAGE_MASK), chunk);
        done += chunk;
    }
    return done;
}

static uint64_t reg_value(struct pagemu *pm, x86_reg r, uint64_t next_rip)
{
    static const struct { x86_reg cs; int uc; } map[] = {
        /* 64-bit registers first, then the 32-bit ones (addr32 prefix). */
        {X86_REG_RAX, UC_X86_REG_RAX}, {X86_REG_RBX, UC_X86_REG_RBX}, {X86_REG_RCX, UC_X86_REG_RCX},
        {X86_REG_RDX, UC_X86_REG_RDX}, {X86_REG_RSI, UC_X86_REG_RSI}, {X86_REG_RDI, UC_X86_REG_RDI},
        {X86_REG_RBP, UC_X86_REG_RBP}, {X86_REG_RSP, UC_X86_REG_RSP}, {X86_REG_R8, UC_X86_REG_R8},
        {X86_REG_R9, UC_X86_REG_R9}, {X86_REG_R10, UC_X86_REG_R10}, {X86_REG_R11, UC_X86_REG_R11},
        {X86_REG_R12, UC_X86_REG_R12}, {X86_REG_R13, UC_X86_REG_R13}, {X86_REG_R14, UC_X86_REG_R14},
        {X86_REG_R15, UC_X86_REG_R15},
        {X86_REG_EAX, UC_X86_REG_EAX}, {X86_REG_EBX, UC_X86_REG_EBX}, {X86_REG_ECX, UC_X86_REG_ECX},
        {X86_REG_EDX, UC_X86_REG_EDX}, {X86_REG_ESI, UC_X86_REG_ESI}, {X86_REG_EDI, UC_X86_REG_EDI},
        {X86_REG_EBP, UC_X86_REG_EBP}, {X86_REG_ESP, UC_X86_REG_ESP}, {X86_REG_R8D, UC_X86_REG_R8D},
        {X86_REG_R9D, UC_X86_REG_R9D}, {X86_REG_R10D, UC_X86_REG_R10D}, {X86_REG_R11D, UC_X86_REG_R11D},
        {X86_REG_R12D, UC_X86_REG_R12D}, {X86_REG_R13D, UC_X86_REG_R13D}, {X86_REG_R14D, UC_X86_REG_R14D},
        {X86_REG_R15D, UC_X86_REG_R15D},
    };
    if (r == X86_REG_RIP)
        return next_rip;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].cs == r) {
            uint64_t v = reg_read(pm, map[i].uc);
            /* 32-bit address registers zero-extend (entries 16 on). */
            return i >= 16 ? (uint32_t)v : v;
        }
    return 0;
}

/* The effective address of a memory operand: base + index*scale + disp,
 * plus the FS/GS base; RIP-relative operands use the next instruction. */
static uint64_t mem_ea(struct pagemu *pm, const cs_x86_op *op, uint64_t next)
{
    uint64_t ea = (uint64_t)op->mem.disp;
    if (op->mem.base != X86_REG_INVALID)
        ea += reg_value(pm, op->mem.base, next);
    if (op->mem.index != X86_REG_INVALID)
        ea += reg_value(pm, op->mem.index, next) * (uint64_t)op->mem.scale;
    if (op->mem.segment == X86_REG_FS)
        ea += reg_read(pm, UC_X86_REG_FS_BASE);
    else if (op->mem.segment == X86_REG_GS)
        ea += reg_read(pm, UC_X86_REG_GS_BASE);
    return ea;
}

/* Does [ea, ea+size) touch the page?  Then the first byte in it. */
static bool hits(uint64_t ea, uint64_t size, uint64_t page, uint64_t *out)
{
    uint64_t last = ea + (size ? size - 1 : 0);
    if ((ea & PAGE_MASK) == page) {
        *out = ea;
        return true;
    }
    if ((last & PAGE_MASK) == page) {
        *out = page;
        return true;
    }
    return false;
}

uint64_t fault_exact_addr(struct pagemu *pm, uint64_t page, int access, uint64_t rip)
{
    if (access == PAGEMU_ACCESS_EXEC)
        return (rip & PAGE_MASK) == page ? rip : page;

    uint8_t code[16];
    size_t n = guest_peek(pm, rip, code, sizeof(code));
    csh h;
    uint64_t result = page;
    if (!n || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return page;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn;
    if (cs_disasm(h, code, n, rip, 1, &insn) != 1) {
        cs_close(&h);
        return page;
    }
    const cs_x86 *x = &insn->detail->x86;
    uint64_t next = rip + insn->size;
    bool found = false;
    for (int i = 0; i < x->op_count && !found; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type != X86_OP_MEM)
            continue;
        found = hits(mem_ea(pm, op, next), op->size, page, &result);
    }
    if (!found) {
        /* Implicit stack accesses: push/call write below RSP, pop/ret read at it. */
        uint64_t rsp = reg_read(pm, UC_X86_REG_RSP);
        switch (insn->id) {
        case X86_INS_PUSH: case X86_INS_PUSHFQ: case X86_INS_CALL:
            found = hits(rsp - 8, 8, page, &result);
            break;
        case X86_INS_POP: case X86_INS_POPFQ: case X86_INS_RET: case X86_INS_LEAVE:
            found = hits(insn->id == X86_INS_LEAVE ? reg_read(pm, UC_X86_REG_RBP) : rsp, 8, page, &result);
            break;
        default:
            break;
        }
    }
    cs_free(insn, 1);
    cs_close(&h);
    return result;
}

uint64_t fault_operand_value(struct pagemu *pm, const cs_insn *insn, int i)
{
    const cs_x86_op *op = &insn->detail->x86.operands[i];
    uint64_t next = insn->address + insn->size;
    if (op->type == X86_OP_IMM)
        return (uint64_t)op->imm;
    if (op->type == X86_OP_REG)
        return reg_value(pm, op->reg, next);
    if (op->type != X86_OP_MEM)
        return 0;
    uint64_t v = 0;
    if (guest_peek(pm, mem_ea(pm, op, next), &v, 8) != 8)
        return 0;
    return v;
}
