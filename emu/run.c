/*
 * run.c - the uc_emu_start loop and the engine hooks: the TLB-fill callback
 * (demand paging through the software page table), the syscall hook and the
 * CPU-exception hook.  See DESIGN.md "The core mechanism".
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "mm.h"
#include "pagemu_int.h"
#include "syscall.h"
#include "uaccess.h"
#include "layout.h"
#include "fault_addr.h"
#include "strace.h"
#include "usermode.h"
#include "process.h"
#include "fuzz.h"

uint64_t reg_read(struct pagemu *pm, int reg)
{
    uint64_t v = 0;
    uc_reg_read(pm->uc, reg, &v);
    return v;
}

void reg_write(struct pagemu *pm, int reg, uint64_t val)
{
    uc_reg_write(pm->uc, reg, &val);
}

void run_sync_tlb(struct pagemu *pm)
{
    if (pm->mm.need_flush) {
        uc_ctl_flush_tlb(pm->uc);
        pm->mm.need_flush = false;
    }
}

void run_exit(struct pagemu *pm, int status)
{
    pm->exited = true;
    pm->exit_status = status & 0xff;
    pm->stop = true;
    uc_emu_stop(pm->uc);
}

/* ---- hooks ------------------------------------------------------------- */

static int access_of(uc_mem_type type)
{
    if (type == UC_MEM_WRITE)
        return PAGEMU_ACCESS_WRITE;
    if (type == UC_MEM_FETCH)
        return PAGEMU_ACCESS_EXEC;
    return PAGEMU_ACCESS_READ;
}

/*
 * Every TLB miss of the guest lands here.  Grant every right the PTE
 * allows (read and exec together) but withhold write until the PTE is
 * dirty, so the first write comes back and sets _PAGE_DIRTY exactly.
 */
/* --trace=mm: what a slow-path fill did (a minor fault, stack growth). */
static void trace_fill(struct pagemu *pm, uint64_t va, int access, bool minor)
{
    static const char *const acc[] = {"none", "read", "write", "exec"};
    struct vm_area_struct *v = vma_lookup(&pm->mm, va);
    if (v && (v->vm_flags & VM_GROWSDOWN) && v->vm_start == (va & PAGE_MASK))
        trace_emit(pm, PAGEMU_TRACE_MM, "stack grows to %llx-%llx",
                   (unsigned long long)v->vm_start, (unsigned long long)v->vm_end);
    if (minor)
        trace_emit(pm, PAGEMU_TRACE_MM, "minor fault %llx on %s: new frame (%llu so far)",
                   (unsigned long long)va, acc[access], (unsigned long long)pm->mm.minor_faults);
    else if (access == PAGEMU_ACCESS_WRITE)
        trace_emit(pm, PAGEMU_TRACE_MM, "first write to %llx: PTE now dirty", (unsigned long long)va);
}

static bool hook_tlb_fill(uc_engine *uc, uint64_t va, uc_mem_type type,
                          uc_tlb_entry *res, void *ud)
{
    (void)uc;
    struct pagemu *pm = ud;
    struct mm_struct *mm = &pm->mm;
    int access = access_of(type);
    pte_t *pte = va < mm->task_size ? pte_lookup(&mm->pt, va) : NULL;

    pm->tlb_fills++;
    if (pm->usermode_tramp && usermode_fill(pm, va, res))
        return true;
    pteval_t need = _PAGE_PRESENT | _PAGE_USER |
                    (access == PAGEMU_ACCESS_WRITE ? _PAGE_RW : 0);
    bool fast = pte && (pte->pte & need) == need &&
                !(access == PAGEMU_ACCESS_EXEC && (pte->pte & _PAGE_NX));
    if (fast) {
        if (access == PAGEMU_ACCESS_WRITE)
            pte_journal(&mm->pt, va, pte);
        pte->pte |= _PAGE_ACCESSED | (access == PAGEMU_ACCESS_WRITE ? _PAGE_DIRTY : 0);
    } else {
        struct fault_info fi;
        uint64_t minor = mm->minor_faults;
        if (handle_mm_fault(mm, va, access, &pte, &fi)) {
            pm->have_fault = true;
            pm->fault_page = va;
            pm->fault.access = access;
            pm->fault.reason = fi.reason;
            pm->fault.si_code = fi.kind; /* classified in the run loop */
            return false;
        }
        if (pm->trace_mask & PAGEMU_TRACE_MM)
            trace_fill(pm, va, access, mm->minor_faults != minor);
    }
    pteval_t p = pte->pte;
    res->paddr = p & PTE_PFN_MASK;
    res->perms = UC_PROT_READ;
    if (!(p & _PAGE_NX))
        res->perms |= UC_PROT_EXEC;
    if ((p & _PAGE_RW) && (p & _PAGE_DIRTY))
        res->perms |= UC_PROT_WRITE;
    return true;
}

static void hook_syscall(uc_engine *uc, void *ud)
{
    (void)uc;
    struct pagemu *pm = ud;
    if (pm->usermode_tramp && reg_read(pm, UC_X86_REG_RAX) == USERMODE_MAGIC &&
        usermode_syscall(pm))
        return;
    do_syscall_64(pm);
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *ud)
{
    struct pagemu *pm = ud;
    pm->pending_intno = (int)intno;
    pm->stop = true;
    uc_emu_stop(uc);
}

/*
 * in/out at CPL 3 with IOPL 0 and no I/O bitmap is a #GP on x86
 * (arch/x86/kernel/traps.c: exc_general_protection -> SIGSEGV/SI_KERNEL);
 * Unicorn performs them instead, so the hooks turn them into that #GP at
 * the instruction.
 */
/*
 * The hook runs inside the instruction, where Unicorn's RIP is still that
 * of an earlier point of the block (QEMU syncs it only where something may
 * fault).  The in/out is the first such instruction from there on.
 */
static uint64_t find_io_insn(struct pagemu *pm, uint64_t from)
{
    uint8_t code[256];
    size_t n = guest_peek(pm, from, code, sizeof(code));
    csh h;
    uint64_t found = from;
    if (!n || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return from;
    cs_insn *insn = cs_malloc(h);
    const uint8_t *p = code;
    size_t left = n;
    uint64_t a = from;
    while (left && cs_disasm_iter(h, &p, &left, &a, insn)) {
        unsigned id = insn->id;
        if (id == X86_INS_IN || id == X86_INS_OUT || id == X86_INS_INSB ||
            id == X86_INS_INSW || id == X86_INS_INSD || id == X86_INS_OUTSB ||
            id == X86_INS_OUTSW || id == X86_INS_OUTSD) {
            found = insn->address;
            break;
        }
    }
    cs_free(insn, 1);
    cs_close(&h);
    return found;
}

static void io_gp(struct pagemu *pm)
{
    pm->pending_intno = 13;
    pm->pending_rip = find_io_insn(pm, reg_read(pm, UC_X86_REG_RIP));
    pm->stop = true;
    uc_emu_stop(pm->uc);
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
    (void)uc, (void)port;
    struct pagemu *pm = ud;
    io_gp(pm);
    /* The faulting in must leave AL/AX/EAX as it was: hand back its value. */
    uint64_t rax = reg_read(pm, UC_X86_REG_RAX);
    return size == 1 ? (uint8_t)rax : size == 2 ? (uint16_t)rax : (uint32_t)rax;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *ud)
{
    (void)uc, (void)port, (void)size, (void)value;
    io_gp(ud);
}

/* cfg.precise_branches: remember the last block entered, for
 * unwind_noncanonical_branch (below). */
static void hook_branch_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    (void)uc;
    struct pagemu *pm = ud;
    pm->last_block = addr;
    pm->last_block_size = size;
}

int run_install_hooks(struct pagemu *pm)
{
    uc_hook h;
    if (uc_hook_add(pm->uc, &h, UC_HOOK_INSN, (void *)hook_in, pm, 1, 0, UC_X86_INS_IN) ||
        uc_hook_add(pm->uc, &h, UC_HOOK_INSN, (void *)hook_out, pm, 1, 0, UC_X86_INS_OUT)) {
        pm_set_error(pm, "unicorn: cannot install hooks");
        return -1;
    }
    if (uc_hook_add(pm->uc, &h, UC_HOOK_TLB_FILL, (void *)hook_tlb_fill, pm, 1, 0) ||
        uc_hook_add(pm->uc, &h, UC_HOOK_INSN, (void *)hook_syscall, pm, 1, 0, UC_X86_INS_SYSCALL) ||
        uc_hook_add(pm->uc, &h, UC_HOOK_INTR, (void *)hook_intr, pm, 1, 0)) {
        pm_set_error(pm, "unicorn: cannot install hooks");
        return -1;
    }
    if (pm->cfg.precise_branches &&
        uc_hook_add(pm->uc, &pm->branch_hook, UC_HOOK_BLOCK, (void *)hook_branch_block, pm, 1, 0)) {
        pm_set_error(pm, "unicorn: cannot install hooks");
        return -1;
    }
    if (vex_install(pm)) {
        pm_set_error(pm, "unicorn: cannot install hooks");
        return -1;
    }
    return vclock_install_hooks(pm);
}

/* ---- outcomes ---------------------------------------------------------- */

/*
 * A trap's signal, raised as arch/x86/kernel/traps.c and arch/x86/mm/fault.c
 * raise it for user mode: the fault is recorded (the report uses the record
 * if the signal kills), and the signal is forced (kernel/signal.c:
 * force_sig_fault, force_sig): if it is blocked or ignored it is reset to
 * SIG_DFL, so it kills; if the guest handles it, the handler runs on return
 * to user mode (signal_deliver, from the run loop).  The caller has set
 * current->thread.trap_nr/error_code/cr2 in pm->sig.
 */
static void trap_signal(struct pagemu *pm, int signo, int si_code, uint64_t si_address,
                        uint64_t addr, const char *region, const char *reason)
{
    pm->fault.signo = signo;
    pm->fault.si_code = si_code;
    pm->fault.si_address = si_address;
    pm->fault.addr = addr;
    pm->fault.rip = reg_read(pm, UC_X86_REG_RIP);
    pm->fault.region = region;
    pm->fault.reason = reason;
    if (pm->trace_mask & PAGEMU_TRACE_FAULT) {
        static const char *const acc[] = {"", " on read", " on write", " on exec"};
        trace_emit(pm, PAGEMU_TRACE_FAULT, "%s si_code %d at 0x%llx%s, rip 0x%llx: %s",
                   linux_signal_name(signo), si_code, (unsigned long long)addr,
                   acc[pm->fault.access & 3], (unsigned long long)pm->fault.rip,
                   reason ? reason : "");
    }
    if (pm->fault_fn)
        pm->fault_fn(&pm->fault, pm->fault_ud);
    force_sig_fault(pm, signo, si_code, si_address);
}

PAGEMU_API pagemu_err pagemu_set_fault_callback(pagemu_t *pm, pagemu_fault_cb cb,
                                                void *user_data)
{
    if (!pm)
        return PAGEMU_EINVAL;
    pm->fault_fn = cb;
    pm->fault_ud = user_data;
    return PAGEMU_EOK;
}

/* current->thread.trap_nr and error_code for a trap (traps.c: do_trap). */
static void set_trap(struct pagemu *pm, int trapnr, uint64_t error_code)
{
    pm->sig.trap_nr = (uint64_t)trapnr;
    pm->sig.error_code = error_code;
}

/*
 * arch/x86/mm/fault.c: set_signal_archinfo — trap 14, the page-fault error
 * code (arch/x86/include/asm/trap_pf.h) and CR2.  X86_PF_PROT is the
 * hardware's "the page was present": PROT_NONE pages count as not present,
 * as Linux's _PAGE_PROTNONE entries are, and a user access to the kernel
 * half always claims PROT so as not to reveal the kernel's page tables.
 */
static void set_pf_archinfo(struct pagemu *pm, uint64_t addr, int access)
{
    uint64_t err = X86_PF_USER;
    if (access == PAGEMU_ACCESS_WRITE)
        err |= X86_PF_WRITE;
    if (access == PAGEMU_ACCESS_EXEC)
        err |= X86_PF_INSTR;
    if (addr >= pm->mm.task_size) {
        err |= X86_PF_PROT;
    } else {
        pte_t *pte = pte_lookup(&pm->mm.pt, addr);
        if (pte && (pte->pte & _PAGE_PRESENT) && (pte->pte & _PAGE_USER))
            err |= X86_PF_PROT;
    }
    set_trap(pm, X86_TRAP_PF, err);
    pm->sig.cr2 = addr;
}

static const char *region_of(struct pagemu *pm, uint64_t addr)
{
    const struct layout_region *r = layout_find(pm->mm.pt.levels, addr);
    return r ? r->name : "";
}

/*
 * arch/x86/entry/vsyscall/vsyscall_64.c: emulate_vsyscall — a call to one
 * of the three entries runs the syscall and returns to the caller.
 */
static bool emulate_vsyscall(struct pagemu *pm)
{
    uint64_t rip = reg_read(pm, UC_X86_REG_RIP);
    uint64_t rsp = reg_read(pm, UC_X86_REG_RSP);
    uint64_t a[6] = {reg_read(pm, UC_X86_REG_RDI), reg_read(pm, UC_X86_REG_RSI),
                     reg_read(pm, UC_X86_REG_RDX), 0, 0, 0};
    long ret;
    switch (rip - VSYSCALL_ADDR) {
    case 0x000: ret = sys_gettimeofday(pm, a); break;
    case 0x400: ret = sys_time(pm, a); break;
    case 0x800: ret = sys_getcpu(pm, a); break;
    default:
        return false;
    }
    uint64_t ret_addr;
    if (copy_from_user(pm, &ret_addr, rsp, 8))
        return false;
    reg_write(pm, UC_X86_REG_RAX, (uint64_t)ret);
    reg_write(pm, UC_X86_REG_RSP, rsp + 8);
    reg_write(pm, UC_X86_REG_RIP, ret_addr);
    return true;
}

/* Turn a refused TLB fill into the guest's fault; false if it was handled. */
/*
 * An instruction fetch refused on the page after RIP's: Unicorn reports RIP
 * at the start of the translated block, none of which ran.  The faulting
 * instruction is the first one that reaches into the refused page; run the
 * block up to it (until = its address), so that the fault comes back with
 * RIP on the instruction itself, as the CPU reports it.  Returns true when
 * it did so (the run loop just goes on).
 */
static bool make_fetch_fault_precise(struct pagemu *pm, uint64_t rip)
{
    uint64_t page = pm->fault_page;
    if (pm->fault.access != PAGEMU_ACCESS_EXEC || (rip & PAGE_MASK) + PAGE_SIZE != page)
        return false;
    uint8_t code[PAGE_SIZE];
    size_t n = guest_peek(pm, rip, code, (size_t)(page - rip));
    csh h;
    if (!n || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return false;
    cs_insn *insn = cs_malloc(h);
    const uint8_t *p = code;
    size_t left = n;
    uint64_t a = rip;
    /* Decoding stops where an instruction needs bytes of the refused page. */
    while (left && cs_disasm_iter(h, &p, &left, &a, insn))
        ;
    cs_free(insn, 1);
    cs_close(&h);
    if (a == rip)
        return false;
    pm->have_fault = false;
    uc_emu_start(pm->uc, rip, a, 0, 0);
    return true;
}

/*
 * Branches to a non-canonical target.  On x86 the #GP is raised by the
 * branch itself, before it commits: RIP stays on the jmp/call/ret, a call
 * has pushed nothing and a ret has popped nothing (SDM vol. 2, JMP/CALL/RET
 * "#GP(0) if the target is non-canonical"; arch/x86/kernel/traps.c then
 * reports that RIP).  Unicorn commits the branch and faults fetching the
 * target, so pagemu finds the branch and undoes it.
 *
 * With cfg.precise_branches, hook_branch_block (above) has the last
 * block entered.  The fault is the fetch that follows it, so its last
 * instruction is the branch.
 */
/* Does insn, a branch run with the registers as they are now except RSP
 * (rsp0: before the branch), go to target?  Sets *rsp_after to RSP as the
 * branch left it when committed. */
static bool branch_goes_to(struct pagemu *pm, const cs_insn *insn, uint64_t rsp0, uint64_t target)
{
    const cs_x86 *x = &insn->detail->x86;
    uint64_t t = 0;
    switch (insn->id) {
    case X86_INS_RET: {
        /* ret / ret imm16: the target was at [rsp0] */
        if (guest_peek(pm, rsp0, &t, 8) != 8)
            return false;
        return t == target;
    }
    case X86_INS_CALL:
    case X86_INS_JMP:
        if (x->op_count != 1)
            return false;
        if (x->operands[0].type == X86_OP_IMM) {
            t = (uint64_t)x->operands[0].imm;
        } else {
            /* Evaluate the operand as it was before the branch. */
            uint64_t rsp = reg_read(pm, UC_X86_REG_RSP);
            reg_write(pm, UC_X86_REG_RSP, rsp0);
            t = fault_operand_value(pm, insn, 0);
            reg_write(pm, UC_X86_REG_RSP, rsp);
        }
        return t == target;
    default:
        /* jcc/jrcxz/loop: rel8/rel32 from the top of user space */
        for (unsigned i = 0; i < insn->detail->groups_count; i++)
            if (insn->detail->groups[i] == X86_GRP_JUMP)
                return x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
                       (uint64_t)x->operands[0].imm == target;
        return false;
    }
}

/* RSP before insn ran, from RSP after it committed a branch. */
static uint64_t branch_rsp_before(const cs_insn *insn, uint64_t rsp)
{
    if (insn->id == X86_INS_CALL)
        return rsp + 8;
    if (insn->id == X86_INS_RET) {
        const cs_x86 *x = &insn->detail->x86;
        uint64_t imm = x->op_count == 1 && x->operands[0].type == X86_OP_IMM ? (uint64_t)x->operands[0].imm : 0;
        return rsp - 8 - (imm & 0xffff);
    }
    return rsp;
}

/* Put the fault back on insn (at rip): RIP on it, RSP as before it. */
static bool unwind_branch(struct pagemu *pm, const cs_insn *insn, uint64_t target)
{
    uint64_t rsp = reg_read(pm, UC_X86_REG_RSP);
    uint64_t rsp0 = branch_rsp_before(insn, rsp);
    if (!branch_goes_to(pm, insn, rsp0, target))
        return false;
    reg_write(pm, UC_X86_REG_RSP, rsp0);
    reg_write(pm, UC_X86_REG_RIP, insn->address);
    return true;
}

/* The last instruction of the last block entered, when that block's
 * bytes are still the ones it ran (decoding stops at the block's end). */
static bool unwind_last_block(struct pagemu *pm, csh h, uint64_t target)
{
    uint64_t a = pm->last_block;
    uint32_t size = pm->last_block_size;
    uint8_t code[4096];
    if (!a || !size || size > sizeof code || guest_peek(pm, a, code, size) != size)
        return false;
    cs_insn *insn = cs_malloc(h), *last = cs_malloc(h);
    const uint8_t *p = code;
    size_t left = size;
    uint64_t pc = a;
    bool have = false;
    while (left && cs_disasm_iter(h, &p, &left, &pc, insn)) {
        cs_insn *t = last;
        last = insn;
        insn = t;
        have = true;
    }
    bool ok = have && !left && unwind_branch(pm, last, target);
    cs_free(insn, 1);
    cs_free(last, 1);
    return ok;
}

/* A call leaves its return address on the stack: when [RSP] is the end of
 * a call instruction whose target is the refused RIP, that is the call.
 * Free, so done even without the block hook. */
static bool unwind_call(struct pagemu *pm, csh h, uint64_t target)
{
    uint64_t rsp = reg_read(pm, UC_X86_REG_RSP), ret;
    uint8_t code[16];
    if (guest_peek(pm, rsp, &ret, 8) != 8 || ret < 16 || guest_peek(pm, ret - 16, code, 16) != 16)
        return false;
    for (unsigned k = 2; k <= 15; k++) {
        cs_insn *insn;
        if (cs_disasm(h, code + 16 - k, k, ret - k, 1, &insn) != 1)
            continue;
        bool match = insn->id == X86_INS_CALL && insn->size == k && unwind_branch(pm, insn, target);
        cs_free(insn, 1);
        if (match)
            return true;
    }
    return false;
}

static bool unwind_noncanonical_branch(struct pagemu *pm, uint64_t target)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return false;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    bool ok = unwind_last_block(pm, h, target) || unwind_call(pm, h, target);
    cs_close(&h);
    return ok;
}

static bool page_fault(struct pagemu *pm)
{
    enum pagemu_fault_kind kind = (enum pagemu_fault_kind)pm->fault.si_code;
    uint64_t rip = reg_read(pm, UC_X86_REG_RIP);
    uint64_t addr = pm->fault_page;
    const char *reason = pm->fault.reason;

    if (make_fetch_fault_precise(pm, rip))
        return false;
    bool nc_exec = kind == FAULT_NONCANONICAL && pm->fault.access == PAGEMU_ACCESS_EXEC;
    uint64_t target = rip;
    if (nc_exec) {
        if (unwind_noncanonical_branch(pm, rip)) {
            rip = reg_read(pm, UC_X86_REG_RIP);
            reason = pm->fault.reason = "branch to a non-canonical address (#GP on the branch)";
        } else if (!pm->cfg.precise_branches)
            reason = pm->fault.reason =
                "non-canonical address (#GP), reached by a jmp or ret: RIP is the target, "
                "not the branch (--precise-branches finds the branch)";
    }

    /* The exact address (CR2), from the faulting instruction's operands;
     * a branch to a non-canonical address: its target. */
    addr = nc_exec ? target : fault_exact_addr(pm, addr, pm->fault.access, rip);
    if (kind == FAULT_NONCANONICAL)
        set_trap(pm, X86_TRAP_GP, 0); /* a #GP, not a #PF: CR2 keeps its value */
    else
        set_pf_archinfo(pm, addr, pm->fault.access);
    switch (kind) {
    case FAULT_VSYSCALL:
        if (emulate_vsyscall(pm))
            return false;
        /* emulate_vsyscall: a call to a non-entry address gets force_sig(SIGSEGV) */
        trap_signal(pm, SIGSEGV, LINUX_SI_KERNEL, 0, addr, "legacy vsyscall ABI",
                    "call into the vsyscall page at a non-entry address");
        break;
    case FAULT_NONCANONICAL:
        trap_signal(pm, SIGSEGV, LINUX_SI_KERNEL, 0, addr, region_of(pm, addr), reason);
        break;
    case FAULT_ACCERR:
        trap_signal(pm, SIGSEGV, LINUX_SEGV_ACCERR, addr, addr, region_of(pm, addr), reason);
        break;
    case FAULT_SIGBUS:
        trap_signal(pm, SIGBUS, LINUX_BUS_ADRERR, addr, addr, region_of(pm, addr), reason);
        break;
    case FAULT_OOM:
        /* The OOM killer's SIGKILL (mm/oom_kill.c). */
        trap_signal(pm, SIGKILL, 0, 0, addr, region_of(pm, addr), reason);
        break;
    default:
        trap_signal(pm, SIGSEGV, LINUX_SEGV_MAPERR, addr, addr, region_of(pm, addr), reason);
        break;
    }
    return true;
}

/* A CPU exception from UC_HOOK_INTR (arch/x86/kernel/traps.c). */
static bool cpu_exception(struct pagemu *pm, int intno)
{
    /* rdtsc/rdtscp under CR4.TSD: the virtual clock's counter (vclock.c) */
    if (intno == X86_TRAP_GP && vclock_emulate_tsc(pm))
        return false;
    uint64_t rip = reg_read(pm, UC_X86_REG_RIP);
    pm->fault.access = PAGEMU_ACCESS_NONE; /* not a memory access */
    /* do_trap: thread.trap_nr = the vector, error_code 0 for these */
    set_trap(pm, intno, 0);
    switch (intno) {
    case 0: /* #DE: do_error_trap -> SIGFPE/FPE_INTDIV at the instruction */
        trap_signal(pm, SIGFPE, LINUX_FPE_INTDIV, rip, 0, "", "divide error");
        break;
    case 1:
    case 3: /* #BP: do_int3_user -> SIGTRAP/SI_KERNEL, RIP after the int3 */
        trap_signal(pm, SIGTRAP, LINUX_SI_KERNEL, 0, 0, "", "breakpoint (int3)");
        break;
    case 6: { /* #UD: SIGILL/ILL_ILLOPN at the instruction */
        const char *why = vex_ud_reason(pm, rip);
        trap_signal(pm, SIGILL, LINUX_ILL_ILLOPN, rip, 0, "", why ? why : "invalid opcode");
        break;
    }
    default: /* #GP and the rest: SIGSEGV/SI_KERNEL */
        set_trap(pm, X86_TRAP_GP, 0);
        trap_signal(pm, SIGSEGV, LINUX_SI_KERNEL, 0, 0, "", "general protection fault");
        break;
    }
    return true;
}

static void init_registers(struct pagemu *pm)
{
    /* The CPU as Linux start_thread leaves it: every GPR 0 but RSP
     * (arch/x86/kernel/process_64.c: start_thread_common). */
    static const int gprs[] = {
        UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
        UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_R8,
        UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
        UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
    };
    for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
        reg_write(pm, gprs[i], 0);
    reg_write(pm, UC_X86_REG_RSP, pm->mm.start_stack);
    reg_write(pm, UC_X86_REG_RIP, pm->entry);
    reg_write(pm, UC_X86_REG_RFLAGS, 0x202);
    reg_write(pm, UC_X86_REG_FS_BASE, 0);
    reg_write(pm, UC_X86_REG_GS_BASE, 0);
    reg_write(pm, UC_X86_REG_MXCSR, 0x1f80);
    reg_write(pm, UC_X86_REG_FPCW, 0x37f);
}

/* The registers for the entry point, reached through the CPL 3 trampoline
 * at the first run (usermode.c). */
int run_start(struct pagemu *pm)
{
    init_registers(pm);
    if (usermode_setup(pm) || usermode_enter(pm))
        return -1;
    pm->started = true;
    return 0;
}

static pagemu_err run_loop(struct pagemu *pm);

PAGEMU_API pagemu_err pagemu_run(pagemu_t *pm, pagemu_result *res)
{
    if (!pm || !res)
        return PAGEMU_EINVAL;
    if (!pm->loaded || pm->exited || pm->fatal_signo)
        return PAGEMU_ESTATE;
    memset(res, 0, sizeof(*res));
    /* Run the guest at CPL 3, as Linux user space (usermode.c); a later
     * run goes on from where the last one stopped. */
    if (!pm->started && run_start(pm)) {
        pm_set_error(pm, "cannot enter user mode");
        return PAGEMU_EENGINE;
    }
    pm->resume_rip = reg_read(pm, UC_X86_REG_RIP);
    pm->skip_stop = true;
    pm->stop_hit = false;
    pm->timed_out = 0;
    pm->insn_count = 0;
    /* The wall-time limit: a watchdog thread of our own (runctl.c), not
     * uc_emu_start's timeout, which makes a thread per call. */
    if (pm->timeout_ms && watchdog_arm(pm, pm->timeout_ms)) {
        pm_set_error(pm, "cannot start the timeout thread");
        return PAGEMU_ENOMEM;
    }
    pagemu_err err = run_loop(pm);
    if (pm->timeout_ms)
        watchdog_disarm(pm);
    if (err)
        return err;

    res->minor_faults = pm->mm.minor_faults;
    res->tlb_fills = pm->tlb_fills;
    res->syscalls = pm->nsyscalls;
    if (pm->exited) {
        res->kind = PAGEMU_EXITED;
        res->exit_status = pm->exit_status;
    } else if (pm->stop_hit) {
        res->kind = PAGEMU_STOPPED;
        res->stop_addr = pm->stop_addr;
    } else if (pm->timed_out) {
        res->kind = PAGEMU_TIMEOUT;
    } else {
        res->kind = PAGEMU_SIGNALED;
        res->signo = pm->fatal_signo;
        res->fault = pm->fault;
        /* kernel/signal.c: SIG_KERNEL_COREDUMP_MASK */
        res->core_dumped = sig_kernel_coredump(pm->fatal_signo);
    }
    return PAGEMU_EOK;
}

/* The engine loop of pagemu_run: until exit, a fatal signal, a stop or a
 * timeout; PAGEMU_EOK, or PAGEMU_EENGINE. */
static pagemu_err run_loop(struct pagemu *pm)
{
    while (!pm->exited && !pm->fatal_signo && !pm->stop_hit && !pm->timed_out) {
        pm->stop = false;
        pm->have_fault = false;
        pm->pending_intno = -1;
        if (!thread_schedule(pm))
            break;
        run_sync_tlb(pm);
        if (hostsig_pending()) {    /* arrived while the engine was idle */
            sigchld_poll(pm);
            if (signal_pending_unblocked(&pm->sig, pm->sigmask)) {
                signal_deliver(pm);
                continue;
            }
        }
        uint64_t start = reg_read(pm, UC_X86_REG_RIP);
        vex_before_start(pm, start);
        pm->last_block = 0;
        uc_err e = uc_emu_start(pm->uc, start, 0, 0, 0);
        if (pm->exited || pm->stop_hit || pm->timed_out)
            break;
        /* A trap's signal is delivered (or kills) on the way back to user
         * mode (kernel/entry/common.c: irqentry_exit_to_user_mode). */
        if (pm->have_fault) {
            if (page_fault(pm))
                signal_deliver(pm);
            continue;
        }
        if (pm->pending_intno >= 0) {
            if (pm->pending_rip) {
                reg_write(pm, UC_X86_REG_RIP, pm->pending_rip);
                pm->pending_rip = 0;
            }
            /* Unicorn 2.1.1 keeps the exception "in flight" (uc_excp.c). */
            uc_exception_reset(pm);
            cpu_exception(pm, pm->pending_intno);
            signal_deliver(pm);
            continue;
        }
        if (e == UC_ERR_INSN_INVALID) {
            cpu_exception(pm, 6);
            signal_deliver(pm);
            continue;
        }
        if (e != UC_ERR_OK) {
            pm_set_error(pm, "unicorn: %s at rip 0x%llx", uc_strerror(e),
                         (unsigned long long)reg_read(pm, UC_X86_REG_RIP));
            return PAGEMU_EENGINE;
        }
        /* A forwarded host signal is waiting (sigchld.c): deliver it now
         * that the engine has stopped. */
        if (hostsig_pending()) {
            sigchld_poll(pm);
            if (signal_pending_unblocked(&pm->sig, pm->sigmask))
                signal_deliver(pm);
            continue;
        }
        if (pm->stop)
            continue;
        /* The engine returned on its own: hlt at CPL 0.  In user mode it is
         * a #GP (arch/x86/kernel/traps.c: exc_general_protection). */
        uint64_t rip = reg_read(pm, UC_X86_REG_RIP);
        reg_write(pm, UC_X86_REG_RIP, rip - 1);
        set_trap(pm, X86_TRAP_GP, 0);
        trap_signal(pm, SIGSEGV, LINUX_SI_KERNEL, 0, 0, "", "privileged instruction (hlt) in user mode");
        signal_deliver(pm);
    }

    return PAGEMU_EOK;
}
