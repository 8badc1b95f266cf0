/*
 * fault_report.c - the report of a fatal fault, for a person: in the
 * spirit of the kernel's show_signal_msg, show_fault_oops and
 * dump_pagetable (arch/x86/mm/fault.c).
 */
#include <capstone/capstone.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault_addr.h"
#include "layout.h"
#include "mm.h"
#include "pagemu_int.h"
#include "procfs.h"

struct out {
    char *buf;
    size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
                      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGKILL: return "SIGKILL";
    case SIGABRT: return "SIGABRT";
    default: return "signal";
    }
}

/* include/uapi/asm-generic/siginfo.h */
static const char *codename(int sig, int code)
{
    if (code == 0x80)
        return "SI_KERNEL";
    switch (sig) {
    case SIGSEGV: return code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" : "?";
    case SIGBUS: return code == 2 ? "BUS_ADRERR" : "?";
    case SIGFPE: return code == 1 ? "FPE_INTDIV" : "?";
    case SIGILL: return code == 2 ? "ILL_ILLOPN" : "?";
    default: return code == 0 ? "SI_USER" : "?";
    }
}

static const char *access_name(int a)
{
    return a == PAGEMU_ACCESS_WRITE ? "write" : a == PAGEMU_ACCESS_EXEC ? "instruction fetch"
         : a == PAGEMU_ACCESS_READ ? "read" : "none";
}

static void report_region(struct pagemu *pm, struct out *o, uint64_t addr)
{
    const struct layout_region *r = layout_find(pm->mm.pt.levels, addr);
    if (r)
        put(o, "  region:  %s  [%016llx-%016llx, %s] (%d-level layout)\n", r->name,
            (unsigned long long)r->start, (unsigned long long)r->last, r->size,
            pm->mm.pt.levels);
}

static void report_walk(struct pagemu *pm, struct out *o, uint64_t addr)
{
    if (addr >= pm->mm.task_size) {
        put(o, "  page walk: not attempted (address outside user space)\n");
        return;
    }
    struct pgwalk w;
    pgtable_walk(&pm->mm.pt, addr, &w);
    put(o, "  page walk (pgd at phys %#llx):\n", (unsigned long long)pm->mm.pt.pgd);
    for (int i = 0; i < w.levels; i++) {
        pteval_t v = w.val[i];
        put(o, "    %-3s[%3u] = %016llx", w.name[i], w.index[i], (unsigned long long)v);
        if (!(v & _PAGE_PRESENT)) {
            put(o, "  not present\n");
            break;
        }
        put(o, "  %s%s%s%s%s%s\n", v & _PAGE_RW ? "RW" : "RO", v & _PAGE_USER ? " USER" : " SUPERVISOR",
            v & _PAGE_ACCESSED ? " A" : "", v & _PAGE_DIRTY ? " D" : "",
            v & _PAGE_NX ? " NX" : " X", i == w.levels - 1 ? "" : " (table)");
    }
}

static void report_insn(struct pagemu *pm, struct out *o, uint64_t rip)
{
    uint8_t code[16];
    size_t n = guest_peek(pm, rip, code, sizeof(code));
    if (!n) {
        put(o, "  code:    <rip %#llx is not mapped>\n", (unsigned long long)rip);
        return;
    }
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return;
    cs_insn *insn;
    size_t k = cs_disasm(h, code, n, rip, 1, &insn);
    if (k) {
        put(o, "  insn:    %016llx  %s %s\n", (unsigned long long)insn[0].address,
            insn[0].mnemonic, insn[0].op_str);
        cs_free(insn, k);
    } else {
        put(o, "  insn:    %016llx  (undecodable:", (unsigned long long)rip);
        for (size_t i = 0; i < n && i < 8; i++)
            put(o, " %02x", code[i]);
        put(o, ")\n");
    }
    cs_close(&h);
}

static void report_regs(struct pagemu *pm, struct out *o)
{
    static const struct { const char *n; int r; } regs[] = {
        {"rax", UC_X86_REG_RAX}, {"rbx", UC_X86_REG_RBX}, {"rcx", UC_X86_REG_RCX},
        {"rdx", UC_X86_REG_RDX}, {"rsi", UC_X86_REG_RSI}, {"rdi", UC_X86_REG_RDI},
        {"rbp", UC_X86_REG_RBP}, {"rsp", UC_X86_REG_RSP}, {"r8", UC_X86_REG_R8},
        {"r9", UC_X86_REG_R9}, {"r10", UC_X86_REG_R10}, {"r11", UC_X86_REG_R11},
        {"r12", UC_X86_REG_R12}, {"r13", UC_X86_REG_R13}, {"r14", UC_X86_REG_R14},
        {"r15", UC_X86_REG_R15}, {"rip", UC_X86_REG_RIP}, {"rflags", UC_X86_REG_RFLAGS},
        {"fs_base", UC_X86_REG_FS_BASE}, {"gs_base", UC_X86_REG_GS_BASE},
    };
    put(o, "  registers:\n");
    size_t n = sizeof(regs) / sizeof(regs[0]);
    for (size_t i = 0; i < n; i++)
        put(o, "%s%7s %016llx%s", i % 3 == 0 ? "    " : "  ", regs[i].n,
            (unsigned long long)reg_read(pm, regs[i].r), i % 3 == 2 || i == n - 1 ? "\n" : "");
}

/* The VMAs around addr, in /proc/self/maps format. */
static void report_maps(struct pagemu *pm, struct out *o, uint64_t addr)
{
    size_t need = procfs_maps(pm, NULL, 0) + 1;
    char tmp[8192];
    if (need > sizeof(tmp)) {
        put(o, "  (maps too long to show)\n");
        return;
    }
    procfs_maps(pm, tmp, sizeof(tmp));
    size_t i = vma_find_idx(&pm->mm, addr);
    size_t lo = i >= 2 ? i - 2 : 0, hi = i + 2;
    put(o, "  mappings near the address:\n");
    size_t line = 0;
    bool marked = false;
    for (char *s = tmp, *nl; *s; s = nl + 1, line++) {
        nl = strchr(s, '\n');
        if (!nl)
            break;
        if (line < lo || line > hi)
            continue;
        if (!marked && line == i) {
            put(o, "    %-12s--> %#llx is here\n", "", (unsigned long long)addr);
            marked = true;
        }
        put(o, "    %.*s\n", (int)(nl - s), s);
    }
    if (!marked)
        put(o, "    %-12s--> %#llx is above every mapping\n", "", (unsigned long long)addr);
}

PAGEMU_API size_t pagemu_fault_report(pagemu_t *pm, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = 0;
    if (!pm || !pm->fatal_signo)
        return 0;
    const pagemu_fault *f = &pm->fault;
    put(&o, "pagemu: %s: %s (%s)", pm->execfn ? pm->execfn : "guest", signame(f->signo),
        codename(f->signo, f->si_code));
    if (f->signo == SIGSEGV || f->signo == SIGBUS || f->signo == SIGKILL)
        put(&o, " on %s at %#llx", access_name(f->access), (unsigned long long)f->addr);
    put(&o, "\n");
    if (f->reason)
        put(&o, "  reason:  %s\n", f->reason);
    put(&o, "  siginfo: si_signo=%d si_code=%#x si_addr=%#llx\n", f->signo, f->si_code,
        (unsigned long long)f->si_address);
    if (f->signo == SIGSEGV || f->signo == SIGBUS) {
        report_region(pm, &o, f->addr);
        report_walk(pm, &o, f->addr);
    }
    report_insn(pm, &o, f->rip);
    report_regs(pm, &o);
    report_maps(pm, &o, f->addr);
    return o.pos;
}
