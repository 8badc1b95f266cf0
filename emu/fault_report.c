/*
 * fault_report.c - the report of a fatal fault, for a person (text) and for
 * a program (JSON): in the spirit of the kernel's show_signal_msg,
 * show_fault_oops and dump_pagetable (arch/x86/mm/fault.c).
 */
#include <capstone/capstone.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault_addr.h"
#include "layout.h"
#include "loader.h"
#include "mm.h"
#include "pagemu_int.h"
#include "procfs.h"
#include "strace.h"

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

/* A JSON string literal. */
static void put_json_str(struct out *o, const char *s)
{
    put(o, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c == '\n')
            put(o, "\\n");
        else if (c < 0x20)
            put(o, "\\u%04x", c);
        else
            put(o, "%c", c);
    }
    put(o, "\"");
}

static const char *signame(int sig)
{
    return linux_signal_name(sig);
}

/* include/uapi/asm-generic/siginfo.h */
static const char *codename(int sig, int code)
{
    if (code == 0x80)
        return "SI_KERNEL";
    if (code == 0)
        return "SI_USER";
    if (code == -6)
        return "SI_TKILL";
    switch (sig) {
    case SIGSEGV: return code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" : "?";
    case SIGBUS: return code == 2 ? "BUS_ADRERR" : "?";
    case SIGFPE: return code == 1 ? "FPE_INTDIV" : "?";
    case SIGILL: return code == 2 ? "ILL_ILLOPN" : "?";
    case SIGTRAP: return code == 1 ? "TRAP_BRKPT" : "?";
    default: return "?";
    }
}

static const char *access_name(int a)
{
    return a == PAGEMU_ACCESS_WRITE ? "write" : a == PAGEMU_ACCESS_EXEC ? "exec"
         : a == PAGEMU_ACCESS_READ ? "read" : "none";
}

static bool is_memory_fault(const pagemu_fault *f)
{
    return (f->signo == SIGSEGV || f->signo == SIGBUS || f->signo == SIGKILL) &&
           f->access != PAGEMU_ACCESS_NONE;
}

/* "name+0xoff" for a guest address, or "" when no symbol covers it. */
static void symbolize(struct pagemu *pm, uint64_t addr, char *buf, size_t len)
{
    buf[0] = 0;
    if (!pm->elf)
        return;
    uint64_t off = 0;
    const char *name = elf_symbolize(&pm->elf->image, addr - pm->load_bias, &off);
    if (name)
        snprintf(buf, len, "%s+0x%llx", name, (unsigned long long)off);
}

/* ---- the pieces -------------------------------------------------------- */

/* Where in user space the address lies, by the VMAs. */
static void describe_user(struct pagemu *pm, uint64_t addr, char *buf, size_t len)
{
    struct mm_struct *mm = &pm->mm;
    struct vm_area_struct *v = vma_lookup(mm, addr);
    if (v) {
        snprintf(buf, len, "inside %llx-%llx %c%c%c", (unsigned long long)v->vm_start,
                 (unsigned long long)v->vm_end, v->vm_flags & VM_READ ? 'r' : '-',
                 v->vm_flags & VM_WRITE ? 'w' : '-', v->vm_flags & VM_EXEC ? 'x' : '-');
        return;
    }
    size_t i = vma_find_idx(mm, addr);
    uint64_t lo = i ? mm->vma[i - 1].vm_end : 0;
    uint64_t hi = i < mm->nvma ? mm->vma[i].vm_start : mm->task_size;
    if (addr < mm->mmap_min_addr)
        snprintf(buf, len, "below mmap_min_addr (0x%llx): the null-pointer guard",
                 (unsigned long long)mm->mmap_min_addr);
    else if (i < mm->nvma && (mm->vma[i].vm_flags & VM_GROWSDOWN) &&
             mm->vma[i].vm_start - addr <= STACK_GUARD_GAP && lo + STACK_GUARD_GAP > addr)
        snprintf(buf, len, "in the stack guard gap: %llu KiB below the stack at %llx, "
                 "which must stay %llu KiB above the mapping at %llx",
                 (unsigned long long)((mm->vma[i].vm_start - addr + 1023) / 1024),
                 (unsigned long long)mm->vma[i].vm_start,
                 (unsigned long long)(STACK_GUARD_GAP / 1024), (unsigned long long)lo);
    else if (i < mm->nvma && (mm->vma[i].vm_flags & VM_GROWSDOWN) &&
             mm->vma[i].vm_end - (addr & PAGE_MASK) > mm->stack_rlimit)
        snprintf(buf, len, "below the stack, beyond RLIMIT_STACK (%llu KiB)",
                 (unsigned long long)(mm->stack_rlimit / 1024));
    /* (an unlimited stack never gets here: any size is within it) */
    else
        snprintf(buf, len, "in the unmapped hole %llx-%llx", (unsigned long long)lo,
                 (unsigned long long)hi);
}

struct code_line {
    uint64_t addr;
    char text[192];
};

/* The faulting instruction and up to 4 before it: a linear sweep from the
 * start of the enclosing function when the symbol table has it. */
static int disassemble(struct pagemu *pm, uint64_t rip, struct code_line *lines, int max)
{
    uint64_t start = rip, off = 0;
    if (pm->elf && elf_symbolize(&pm->elf->image, rip - pm->load_bias, &off) && off < 4096)
        start = rip - off;
    uint8_t code[4096 + 16];
    size_t n = guest_peek(pm, start, code, (size_t)(rip - start) + 16);
    if (n <= rip - start)
        return 0;
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return 0;
    int count = 0;
    const uint8_t *p = code;
    size_t left = n;
    uint64_t a = start;
    cs_insn *insn = cs_malloc(h);
    while (left && a <= rip && cs_disasm_iter(h, &p, &left, &a, insn)) {
        struct code_line *l = &lines[count % max];
        l->addr = insn->address;
        snprintf(l->text, sizeof(l->text), "%.31s %.159s", insn->mnemonic, insn->op_str);
        count++;
        if (insn->address == rip)
            break;
    }
    cs_free(insn, 1);
    cs_close(&h);
    if (!count || lines[(count - 1) % max].addr != rip) {
        /* The sweep did not land on rip: show rip alone. */
        count = 0;
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK) {
            cs_insn *i1;
            n = guest_peek(pm, rip, code, 16);
            if (n && cs_disasm(h, code, n, rip, 1, &i1) == 1) {
                lines[0].addr = rip;
                snprintf(lines[0].text, sizeof(lines[0].text), "%.31s %.159s", i1->mnemonic, i1->op_str);
                cs_free(i1, 1);
                count = 1;
            }
            cs_close(&h);
        }
        return count;
    }
    /* Rotate the ring so lines[0..k) is in order. */
    int k = count < max ? count : max;
    struct code_line tmp[8];
    for (int i = 0; i < k; i++)
        tmp[i] = lines[(count - k + i) % max];
    memcpy(lines, tmp, sizeof(tmp[0]) * (size_t)k);
    return k;
}

/* Frame-pointer backtrace: [rbp] is the caller's rbp, [rbp+8] the return
 * address.  Stops at anything that is not a return into executable code. */
static int backtrace(struct pagemu *pm, uint64_t *pcs, int max)
{
    int n = 0;
    pcs[n++] = reg_read(pm, UC_X86_REG_RIP);
    uint64_t fp = reg_read(pm, UC_X86_REG_RBP);
    uint64_t sp = reg_read(pm, UC_X86_REG_RSP);
    /* Frames live on the stack the code runs on: at or above RSP, in RSP's
     * VMA.  Code built without frame pointers uses RBP for data. */
    while (n < max && fp && !(fp & 7) && fp >= sp) {
        struct vm_area_struct *stack = vma_lookup(&pm->mm, fp);
        if (!stack || !(stack->vm_flags & VM_WRITE) || fp + 16 > stack->vm_end)
            break;
        uint64_t frame[2];
        if (guest_peek(pm, fp, frame, sizeof(frame)) != sizeof(frame))
            break;
        struct vm_area_struct *v = vma_lookup(&pm->mm, frame[1]);
        if (!v || !(v->vm_flags & VM_EXEC))
            break;
        pcs[n++] = frame[1];
        if (frame[0] <= fp)
            break;
        fp = frame[0];
    }
    return n;
}

static const struct { const char *n; int r; } regs[] = {
    {"rax", UC_X86_REG_RAX}, {"rbx", UC_X86_REG_RBX}, {"rcx", UC_X86_REG_RCX},
    {"rdx", UC_X86_REG_RDX}, {"rsi", UC_X86_REG_RSI}, {"rdi", UC_X86_REG_RDI},
    {"rbp", UC_X86_REG_RBP}, {"rsp", UC_X86_REG_RSP}, {"r8", UC_X86_REG_R8},
    {"r9", UC_X86_REG_R9}, {"r10", UC_X86_REG_R10}, {"r11", UC_X86_REG_R11},
    {"r12", UC_X86_REG_R12}, {"r13", UC_X86_REG_R13}, {"r14", UC_X86_REG_R14},
    {"r15", UC_X86_REG_R15}, {"rip", UC_X86_REG_RIP}, {"rflags", UC_X86_REG_RFLAGS},
    {"fs_base", UC_X86_REG_FS_BASE}, {"gs_base", UC_X86_REG_GS_BASE},
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

/* The lines of /proc/self/maps for VMAs [lo, hi], into the callback. */
static void maps_lines(struct pagemu *pm, size_t lo, size_t hi,
                       void (*fn)(void *, size_t, const char *, int), void *arg)
{
    static char tmp[1 << 16];
    procfs_maps(pm, tmp, sizeof(tmp));
    size_t line = 0;
    for (char *s = tmp, *nl; *s; s = nl + 1, line++) {
        nl = strchr(s, '\n');
        if (!nl)
            break;
        if (line >= lo && line <= hi)
            fn(arg, line, s, (int)(nl - s));
    }
}

/* ---- text -------------------------------------------------------------- */

struct maps_text { struct out *o; size_t mark; uint64_t addr; bool marked; };

static void text_map_line(void *arg, size_t line, const char *s, int n)
{
    struct maps_text *m = arg;
    if (!m->marked && line == m->mark) {
        put(m->o, "      --> 0x%llx\n", (unsigned long long)m->addr);
        m->marked = true;
    }
    put(m->o, "    %.*s\n", n, s);
}

static void report_text(struct pagemu *pm, struct out *o)
{
    const pagemu_fault *f = &pm->fault;
    char sym[256], where[256];

    put(o, "pagemu: %s: %s (%s)", pm->execfn ? pm->execfn : "guest", signame(f->signo),
        codename(f->signo, f->si_code));
    if (is_memory_fault(f))
        put(o, " on %s at 0x%llx", access_name(f->access), (unsigned long long)f->addr);
    put(o, "\n");
    if (thread_count(pm) > 1)
        put(o, "  thread:  %d, one of %d (the registers and backtrace are its own)\n",
            thread_tid(pm), thread_count(pm));
    if (f->reason)
        put(o, "  reason:  %s\n", f->reason);
    put(o, "  siginfo: si_signo=%d si_code=%d (%s) si_addr=0x%llx\n", f->signo, f->si_code,
        codename(f->signo, f->si_code), (unsigned long long)f->si_address);
    if (is_memory_fault(f)) {
        const struct layout_region *r = layout_find(pm->mm.pt.levels, f->addr);
        if (r)
            put(o, "  region:  %s\n           %016llx-%016llx (%s) in the %d-level layout\n",
                r->name, (unsigned long long)r->start, (unsigned long long)r->last, r->size,
                pm->mm.pt.levels);
        if (f->addr < pm->mm.task_size) {
            describe_user(pm, f->addr, where, sizeof(where));
            put(o, "  where:   %s\n", where);
            struct pgwalk w;
            pgtable_walk(&pm->mm.pt, f->addr, &w);
            put(o, "  page walk (CR3 0x%llx):\n", (unsigned long long)pm->mm.pt.pgd);
            for (int i = 0; i < w.levels; i++) {
                pteval_t v = w.val[i];
                put(o, "    %-3s[%3u] = %016llx", w.name[i], w.index[i], (unsigned long long)v);
                if (!(v & _PAGE_PRESENT)) {
                    put(o, "  not present\n");
                    break;
                }
                put(o, "  P %s %s%s%s %s\n", v & _PAGE_RW ? "RW" : "RO", v & _PAGE_USER ? "U" : "S",
                    v & _PAGE_ACCESSED ? " A" : "", v & _PAGE_DIRTY ? " D" : "",
                    v & _PAGE_NX ? "NX" : "X");
            }
        } else {
            put(o, "  page walk: none (no user page table covers this address)\n");
        }
    }
    struct code_line lines[8];
    int nl = disassemble(pm, f->rip, lines, 5);
    symbolize(pm, f->rip, sym, sizeof(sym));
    put(o, "  code%s%s%s:\n", *sym ? " (" : "", sym, *sym ? ")" : "");
    if (!nl)
        put(o, "    %016llx  <not mapped>\n", (unsigned long long)f->rip);
    for (int i = 0; i < nl; i++)
        put(o, "  %s %016llx  %s\n", lines[i].addr == f->rip ? "=>" : "  ",
            (unsigned long long)lines[i].addr, lines[i].text);
    put(o, "  registers:\n");
    for (size_t i = 0; i < NREGS; i++)
        put(o, "%s%7s %016llx%s", i % 3 == 0 ? "    " : "  ", regs[i].n,
            (unsigned long long)reg_read(pm, regs[i].r), i % 3 == 2 || i == NREGS - 1 ? "\n" : "");
    uint64_t pcs[32];
    int nb = backtrace(pm, pcs, 32);
    put(o, "  backtrace (frame pointers):\n");
    for (int i = 0; i < nb; i++) {
        int same = 0;
        while (i + same + 1 < nb && pcs[i + same + 1] == pcs[i])
            same++;
        symbolize(pm, pcs[i], sym, sizeof(sym));
        put(o, "    #%-2d %016llx %s\n", i, (unsigned long long)pcs[i], *sym ? sym : "?");
        if (same) {
            put(o, "    ... the same return address %d more time%s (recursion)\n", same,
                same > 1 ? "s" : "");
            i += same;
        }
    }
    if (!is_memory_fault(f))
        return;
    size_t i = vma_find_idx(&pm->mm, f->addr);
    struct maps_text m = {o, i, f->addr, false};
    put(o, "  mappings around 0x%llx:\n", (unsigned long long)f->addr);
    maps_lines(pm, i >= 2 ? i - 2 : 0, i + 1, text_map_line, &m);
    if (!m.marked)
        put(o, "      --> 0x%llx\n", (unsigned long long)f->addr);
}

PAGEMU_API size_t pagemu_fault_report(pagemu_t *pm, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = 0;
    if (!pm || !pm->fatal_signo)
        return 0;
    report_text(pm, &o);
    return o.pos;
}

/* ---- JSON -------------------------------------------------------------- */

static void json_map_line(void *arg, size_t line, const char *s, int n)
{
    struct out *o = ((struct maps_text *)arg)->o;
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%.*s", n, s);
    put(o, "%s", line == ((struct maps_text *)arg)->mark ? "" : ",");
    put_json_str(o, tmp);
}

PAGEMU_API size_t pagemu_fault_json(pagemu_t *pm, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = 0;
    if (!pm || !pm->fatal_signo)
        return 0;
    const pagemu_fault *f = &pm->fault;
    char sym[256], tmp[256];

    put(&o, "{\"signal\":\"%s\",\"signo\":%d,\"si_code\":%d,\"si_code_name\":\"%s\",",
        signame(f->signo), f->signo, f->si_code, codename(f->signo, f->si_code));
    put(&o, "\"addr\":\"0x%llx\",\"si_addr\":\"0x%llx\",\"access\":\"%s\",",
        (unsigned long long)f->addr, (unsigned long long)f->si_address,
        is_memory_fault(f) ? access_name(f->access) : "none");
    const struct layout_region *r = layout_find(pm->mm.pt.levels, f->addr);
    put(&o, "\"region\":");
    put_json_str(&o, is_memory_fault(f) && r ? r->name : "");
    if (is_memory_fault(f) && r)
        put(&o, ",\"region_start\":\"0x%llx\",\"region_last\":\"0x%llx\",\"region_size\":\"%s\"",
            (unsigned long long)r->start, (unsigned long long)r->last, r->size);
    put(&o, ",\"paging_levels\":%d,\"reason\":", pm->mm.pt.levels);
    put_json_str(&o, f->reason ? f->reason : "");
    if (is_memory_fault(f) && f->addr < pm->mm.task_size) {
        describe_user(pm, f->addr, tmp, sizeof(tmp));
        put(&o, ",\"where\":");
        put_json_str(&o, tmp);
    }
    put(&o, ",\"rip\":\"0x%llx\",\"insn\":", (unsigned long long)f->rip);
    struct code_line lines[8];
    int nl = disassemble(pm, f->rip, lines, 5);
    put_json_str(&o, nl ? lines[nl - 1].text : "");
    symbolize(pm, f->rip, sym, sizeof(sym));
    put(&o, ",\"symbol\":");
    put_json_str(&o, sym);
    put(&o, ",\"backtrace\":[");
    uint64_t pcs[32];
    int nb = backtrace(pm, pcs, 32);
    for (int i = 0; i < nb; i++) {
        symbolize(pm, pcs[i], sym, sizeof(sym));
        put(&o, "%s{\"pc\":\"0x%llx\",\"symbol\":", i ? "," : "", (unsigned long long)pcs[i]);
        put_json_str(&o, sym);
        put(&o, "}");
    }
    put(&o, "],\"walk\":[");
    if (is_memory_fault(f) && f->addr < pm->mm.task_size) {
        struct pgwalk w;
        pgtable_walk(&pm->mm.pt, f->addr, &w);
        for (int i = 0; i < w.levels; i++)
            put(&o, "%s{\"level\":\"%s\",\"index\":%u,\"entry\":\"0x%llx\",\"present\":%s}",
                i ? "," : "", w.name[i], w.index[i], (unsigned long long)w.val[i],
                w.val[i] & _PAGE_PRESENT ? "true" : "false");
    }
    put(&o, "],\"registers\":{");
    for (size_t i = 0; i < NREGS; i++)
        put(&o, "%s\"%s\":\"0x%llx\"", i ? "," : "", regs[i].n,
            (unsigned long long)reg_read(pm, regs[i].r));
    put(&o, "},\"maps\":[");
    size_t i = vma_find_idx(&pm->mm, f->addr);
    size_t lo = i >= 2 ? i - 2 : 0;
    struct maps_text m = {&o, lo, f->addr, false};
    maps_lines(pm, lo, i + 1, json_map_line, &m);
    put(&o, "]}\n");
    return o.pos;
}
