/*
 * elf.c - ELF64 validation and parsing (see elf_image.h).
 *
 * The order of the checks follows fs/binfmt_elf.c: the magic, e_type and
 * elf_check_arch first, then load_elf_phdrs, then PT_INTERP, then the
 * PT_LOAD loop of load_elf_binary.  Where Linux would map a broken file and
 * let the program crash later, pagemu refuses it with a reason.
 */
#include "elf_image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgtable_types.h"

/* Upper bounds for the optional symbol table: beyond them, no symbols. */
#define ELF_MAX_SHNUM (1u << 20)
#define ELF_MAX_SYMTAB (256ULL << 20)

typedef unsigned long long ull;

static pagemu_err fail(char *why, size_t whylen, pagemu_err e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static pagemu_err fail(char *why, size_t whylen, pagemu_err e, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return e;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_386: return "i386";
    case EM_ARM: return "ARM";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "s390";
    case EM_MIPS: return "MIPS";
    case EM_SPARCV9: return "SPARC V9";
    case EM_LOONGARCH: return "LoongArch";
    default: return "unknown machine";
    }
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case ET_NONE: return "ET_NONE";
    case ET_REL: return "ET_REL, a relocatable object";
    case ET_CORE: return "ET_CORE, a core dump";
    default: return "unknown type";
    }
}

static bool is_power_of_2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* ---- the symbol table (optional: any inconsistency means no symbols) ---- */

static int sym_cmp(const void *a, const void *b)
{
    const struct elf_sym *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    if (x->size != y->size)      /* the larger first, so it is tried first */
        return x->size > y->size ? -1 : 1;
    return (x->name > y->name) - (x->name < y->name);
}

static bool range_ok(uint64_t off, uint64_t size, uint64_t file_size)
{
    return off <= file_size && size <= file_size - off;
}

static void load_symbols(elf_read_fn rd, void *ctx, const Elf64_Ehdr *eh,
                         struct elf_image *out)
{
    uint64_t fsz = out->file_size;
    Elf64_Shdr *sh = NULL;
    Elf64_Sym *raw = NULL;
    char *str = NULL;

    if (!eh->e_shoff || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !range_ok(eh->e_shoff, sizeof(Elf64_Shdr), fsz))
        return;
    uint64_t shnum = eh->e_shnum;
    if (shnum == 0) {
        /* Extended numbering: the count is in section 0's sh_size (elf(5)). */
        Elf64_Shdr s0;
        if (rd(ctx, &s0, sizeof(s0), eh->e_shoff))
            return;
        shnum = s0.sh_size;
    }
    if (shnum == 0 || shnum > ELF_MAX_SHNUM ||
        !range_ok(eh->e_shoff, shnum * sizeof(Elf64_Shdr), fsz))
        return;
    sh = malloc(shnum * sizeof(*sh));
    if (!sh || rd(ctx, sh, shnum * sizeof(*sh), eh->e_shoff))
        goto out;

    for (uint64_t i = 0; i < shnum; i++) {
        const Elf64_Shdr *s = &sh[i];
        if (s->sh_type != SHT_SYMTAB)
            continue;
        if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_size % sizeof(Elf64_Sym) ||
            s->sh_size > ELF_MAX_SYMTAB || !range_ok(s->sh_offset, s->sh_size, fsz) ||
            s->sh_link == 0 || s->sh_link >= shnum)
            break;
        const Elf64_Shdr *t = &sh[s->sh_link];
        if (t->sh_type != SHT_STRTAB || t->sh_size > ELF_MAX_SYMTAB ||
            !range_ok(t->sh_offset, t->sh_size, fsz))
            break;
        size_t n = s->sh_size / sizeof(Elf64_Sym);
        raw = malloc(s->sh_size ? s->sh_size : 1);
        str = malloc(t->sh_size + 1);
        out->syms = malloc((n ? n : 1) * sizeof(*out->syms));
        if (!raw || !str || !out->syms || rd(ctx, raw, s->sh_size, s->sh_offset) ||
            rd(ctx, str, t->sh_size, t->sh_offset)) {
            free(out->syms);
            out->syms = NULL;
            break;
        }
        str[t->sh_size] = '\0';
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            unsigned type = ELF64_ST_TYPE(raw[j].st_info);
            if ((type != STT_FUNC && type != STT_OBJECT) ||
                raw[j].st_shndx == SHN_UNDEF || raw[j].st_name == 0 ||
                raw[j].st_name >= t->sh_size)
                continue;
            out->syms[k].value = raw[j].st_value;
            out->syms[k].size = raw[j].st_size;
            out->syms[k].name = raw[j].st_name;
            k++;
        }
        qsort(out->syms, k, sizeof(*out->syms), sym_cmp);
        out->nsyms = k;
        out->strtab = str;
        out->strtab_size = t->sh_size + 1;
        str = NULL;
        break;
    }
out:
    free(sh);
    free(raw);
    free(str);
}

static bool sym_contains(const struct elf_sym *s, uint64_t addr)
{
    if (s->size == 0)
        return addr == s->value;
    return addr - s->value < s->size;
}

const char *elf_symbolize(const struct elf_image *img, uint64_t addr, uint64_t *offset)
{
    if (!img || !img->nsyms)
        return NULL;
    /* The first symbol above addr, then walk down through value groups. */
    size_t lo = 0, hi = img->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->syms[mid].value <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t i = lo;
    for (int groups = 0; i > 0 && groups < 64; groups++) {
        size_t last = i - 1, first = last;
        while (first > 0 && img->syms[first - 1].value == img->syms[last].value)
            first--;
        for (size_t k = first; k <= last; k++) {
            if (sym_contains(&img->syms[k], addr)) {
                if (offset)
                    *offset = addr - img->syms[k].value;
                return img->strtab + img->syms[k].name;
            }
        }
        i = first;
    }
    return NULL;
}

/* ---- program headers ---------------------------------------------------- */

/* The PT_LOAD loop of fs/binfmt_elf.c: load_elf_binary, made strict. */
static pagemu_err check_loads(const Elf64_Ehdr *eh, struct elf_image *out,
                              char *why, size_t whylen)
{
    const Elf64_Phdr *prev = NULL;
    const Elf64_Phdr *first = NULL, *last = NULL;
    bool entry_ok = false, phdr_found = false;

    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *p = &out->phdr[i];
        if (p->p_type != PT_LOAD)
            continue;
        out->nload++;
        /* load_elf_binary: "p_filesz must always be <= p_memsz". */
        if (p->p_filesz > p->p_memsz)
            return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                        "PT_LOAD (phdr %u): p_filesz %#llx is larger than p_memsz %#llx",
                        i, (ull)p->p_filesz, (ull)p->p_memsz);
        /* Linux would map it and SIGBUS on first touch; say it now. */
        if (p->p_offset + p->p_filesz < p->p_offset)
            return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                        "PT_LOAD (phdr %u): p_offset %#llx + p_filesz %#llx overflows",
                        i, (ull)p->p_offset, (ull)p->p_filesz);
        if (p->p_offset + p->p_filesz > out->file_size)
            return fail(why, whylen, PAGEMU_EELF_TRUNC,
                        "PT_LOAD (phdr %u): file bytes [%#llx, %#llx) extend past the "
                        "end of the %llu-byte file",
                        i, (ull)p->p_offset, (ull)(p->p_offset + p->p_filesz),
                        (ull)out->file_size);
        /* elf_map: off = p_offset - ELF_PAGEOFFSET(p_vaddr) is an mmap
         * offset, which must be page-aligned (only file-backed parts). */
        if (p->p_filesz && ELF_PAGEOFFSET(p->p_vaddr) != ELF_PAGEOFFSET(p->p_offset))
            return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                        "PT_LOAD (phdr %u): p_vaddr %#llx and p_offset %#llx are not "
                        "congruent modulo the %llu-byte page",
                        i, (ull)p->p_vaddr, (ull)p->p_offset, ELF_MIN_ALIGN);
        /* load_elf_binary: BAD_ADDR(k) || p_memsz > TASK_SIZE ||
         * TASK_SIZE - p_memsz < k -> -EINVAL.  The 47-bit window. */
        if (p->p_vaddr >= DEFAULT_MAP_WINDOW || p->p_memsz > DEFAULT_MAP_WINDOW ||
            DEFAULT_MAP_WINDOW - p->p_memsz < p->p_vaddr)
            return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                        "PT_LOAD (phdr %u): [%#llx, +%#llx) does not fit below "
                        "TASK_SIZE %#llx",
                        i, (ull)p->p_vaddr, (ull)p->p_memsz, (ull)DEFAULT_MAP_WINDOW);
        /* The ELF spec wants PT_LOADs sorted by p_vaddr; total_mapping_size
         * relies on it.  Overlap would make one segment clobber another. */
        if (p->p_memsz) {
            if (prev && p->p_vaddr < prev->p_vaddr)
                return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                            "PT_LOAD (phdr %u) at %#llx comes after one at %#llx: "
                            "PT_LOAD segments must be sorted by p_vaddr",
                            i, (ull)p->p_vaddr, (ull)prev->p_vaddr);
            if (prev && p->p_vaddr < prev->p_vaddr + prev->p_memsz)
                return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                            "PT_LOAD (phdr %u) [%#llx, %#llx) overlaps the previous "
                            "one [%#llx, %#llx)",
                            i, (ull)p->p_vaddr, (ull)(p->p_vaddr + p->p_memsz),
                            (ull)prev->p_vaddr, (ull)(prev->p_vaddr + prev->p_memsz));
            prev = p;
        }
        if (!first)
            first = p;
        last = p;
        /* fs/binfmt_elf.c: maximum_alignment skips non-powers of two. */
        if (is_power_of_2(p->p_align) && p->p_align > out->max_align)
            out->max_align = p->p_align;
        /* load_elf_binary: the segment holding the program headers. */
        if (!phdr_found && p->p_offset <= eh->e_phoff &&
            eh->e_phoff < p->p_offset + p->p_filesz) {
            out->phdr_vaddr = eh->e_phoff - p->p_offset + p->p_vaddr;
            phdr_found = true;
        }
        if (eh->e_entry >= p->p_vaddr && eh->e_entry - p->p_vaddr < p->p_memsz)
            entry_ok = true;
    }
    if (!out->nload)
        return fail(why, whylen, PAGEMU_EELF_BAD, "the file has no PT_LOAD segment");
    /* total_mapping_size(); an empty span is -EINVAL for ET_DYN. */
    out->load_start = ELF_PAGESTART(first->p_vaddr);
    out->load_end = last->p_vaddr + last->p_memsz;
    if (out->load_end <= out->load_start)
        return fail(why, whylen, PAGEMU_EELF_SEGMENTS,
                    "the PT_LOAD segments span no memory");
    out->max_align = ELF_PAGEALIGN(out->max_align);
    if (!entry_ok)
        return fail(why, whylen, PAGEMU_EELF_BAD,
                    "e_entry %#llx lies outside every PT_LOAD segment",
                    (ull)eh->e_entry);
    if (!phdr_found) {
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (out->phdr[i].p_type == PT_PHDR)
                out->phdr_vaddr = out->phdr[i].p_vaddr;
    }
    return PAGEMU_EOK;
}

pagemu_err elf_parse_with(elf_read_fn rd, void *ctx, uint64_t file_size,
                          struct elf_image *out, char *why, size_t whylen)
{
    Elf64_Ehdr eh;
    pagemu_err e;

    memset(out, 0, sizeof(*out));
    out->file_size = file_size;
    if (why && whylen)
        why[0] = '\0';

    /* fs/binfmt_elf.c: memcmp(e_ident, ELFMAG, SELFMAG) -> -ENOEXEC */
    if (file_size == 0)
        return fail(why, whylen, PAGEMU_ENOEXEC, "the file is empty");
    size_t have = file_size < sizeof(eh) ? (size_t)file_size : sizeof(eh);
    memset(&eh, 0, sizeof(eh));
    if ((e = rd(ctx, &eh, have, 0)))
        return fail(why, whylen, e, "cannot read the ELF header");
    if (memcmp(eh.e_ident, ELFMAG, have < SELFMAG ? have : SELFMAG))
        return fail(why, whylen, PAGEMU_ENOEXEC,
                    "bad magic %02x %02x %02x %02x (an ELF file starts with 7f 45 4c 46)",
                    eh.e_ident[0], eh.e_ident[1], eh.e_ident[2], eh.e_ident[3]);
    if (have < sizeof(eh))
        return fail(why, whylen, PAGEMU_EELF_TRUNC,
                    "the file is %llu bytes, shorter than the %zu-byte ELF header",
                    (ull)file_size, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
        return fail(why, whylen, PAGEMU_EELF_CLASS,
                    "EI_CLASS is %u%s; pagemu runs only ELFCLASS64 programs",
                    eh.e_ident[EI_CLASS],
                    eh.e_ident[EI_CLASS] == ELFCLASS32 ? " (a 32-bit program)" : "");
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(why, whylen, PAGEMU_EELF_BAD,
                    "EI_DATA is %u%s; x86-64 programs are little-endian (ELFDATA2LSB)",
                    eh.e_ident[EI_DATA],
                    eh.e_ident[EI_DATA] == ELFDATA2MSB ? " (big-endian)" : "");
    if (eh.e_ident[EI_VERSION] != EV_CURRENT)
        return fail(why, whylen, PAGEMU_EELF_BAD,
                    "EI_VERSION is %u, expected EV_CURRENT (1)", eh.e_ident[EI_VERSION]);
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return fail(why, whylen, PAGEMU_EELF_TYPE,
                    "e_type is %u (%s); only ET_EXEC and ET_DYN programs run",
                    eh.e_type, type_name(eh.e_type));
    /* arch/x86/include/asm/elf.h: elf_check_arch */
    if (eh.e_machine != EM_X86_64)
        return fail(why, whylen, PAGEMU_EELF_MACHINE,
                    "e_machine is %u (%s), not EM_X86_64 (62)",
                    eh.e_machine, machine_name(eh.e_machine));
    /* fs/binfmt_elf.c: load_elf_phdrs */
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return fail(why, whylen, PAGEMU_EELF_BAD,
                    "e_phentsize is %u, expected sizeof(Elf64_Phdr) = %zu",
                    eh.e_phentsize, sizeof(Elf64_Phdr));
    if (eh.e_phnum < 1 || eh.e_phnum > ELF_MAX_PHNUM)
        return fail(why, whylen, PAGEMU_EELF_BAD,
                    "e_phnum is %u; Linux accepts 1 to %zu program headers "
                    "(at most one page of them)",
                    eh.e_phnum, (size_t)ELF_MAX_PHNUM);
    size_t phsz = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (!range_ok(eh.e_phoff, phsz, file_size))
        return fail(why, whylen, PAGEMU_EELF_TRUNC,
                    "the %u program headers at offset %#llx extend past the end of "
                    "the %llu-byte file",
                    eh.e_phnum, (ull)eh.e_phoff, (ull)file_size);
    out->phdr = malloc(phsz);
    if (!out->phdr)
        return fail(why, whylen, PAGEMU_ENOMEM, "out of memory");
    if ((e = rd(ctx, out->phdr, phsz, eh.e_phoff)))
        return fail(why, whylen, e, "cannot read the program headers");
    out->e_type = eh.e_type;
    out->e_entry = eh.e_entry;
    out->e_phoff = eh.e_phoff;
    out->e_phnum = eh.e_phnum;

    /* load_elf_binary: PT_INTERP first; then PT_GNU_STACK. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &out->phdr[i];
        if (p->p_type == PT_INTERP) {
            char interp[256] = "";
            if (p->p_filesz >= 2 && p->p_filesz < sizeof(interp) &&
                range_ok(p->p_offset, p->p_filesz, file_size) &&
                !rd(ctx, interp, p->p_filesz, p->p_offset))
                interp[p->p_filesz] = '\0';
            else
                strcpy(interp, "?");
            return fail(why, whylen, PAGEMU_EELF_DYNAMIC,
                        "dynamic binaries are not supported yet (PT_INTERP %s); "
                        "link with -static or -static-pie", interp);
        }
    }
    /* arch/x86/include/asm/elf.h: elf_read_implies_exec is false for
     * x86-64, so only PT_GNU_STACK with PF_X makes the stack executable. */
    out->executable_stack = EXSTACK_DEFAULT;
    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (out->phdr[i].p_type == PT_GNU_STACK)
            out->executable_stack = (out->phdr[i].p_flags & PF_X) ? EXSTACK_ENABLE_X
                                                                  : EXSTACK_DISABLE_X;
    if ((e = check_loads(&eh, out, why, whylen)))
        return e;
    load_symbols(rd, ctx, &eh, out);
    return PAGEMU_EOK;
}

/* ---- readers ------------------------------------------------------------ */

struct mem_src {
    const uint8_t *buf;
    size_t len;
};

static pagemu_err mem_read(void *ctx, void *dst, size_t n, uint64_t off)
{
    const struct mem_src *m = ctx;
    if (off > m->len || n > m->len - off)
        return PAGEMU_EELF_TRUNC;
    memcpy(dst, m->buf + off, n);
    return PAGEMU_EOK;
}

pagemu_err elf_parse(const uint8_t *buf, size_t len, uint64_t file_size,
                     struct elf_image *out, char *why, size_t whylen)
{
    struct mem_src m = {buf, len};
    if (file_size < len)
        file_size = len;
    return elf_parse_with(mem_read, &m, file_size, out, why, whylen);
}

static pagemu_err fd_read(void *ctx, void *dst, size_t n, uint64_t off)
{
    int fd = *(int *)ctx;
    uint8_t *d = dst;
    while (n) {
        ssize_t r = pread(fd, d, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return PAGEMU_EIO;
        if (r == 0)
            return PAGEMU_EELF_TRUNC;  /* the file shrank under us */
        d += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return PAGEMU_EOK;
}

pagemu_err elf_parse_fd(int fd, struct elf_image *out, char *why, size_t whylen)
{
    struct stat st;
    memset(out, 0, sizeof(*out));
    if (fstat(fd, &st) != 0)
        return fail(why, whylen, PAGEMU_EIO, "fstat: %s", strerror(errno));
    return elf_parse_with(fd_read, &fd, (uint64_t)st.st_size, out, why, whylen);
}

void elf_image_free(struct elf_image *img)
{
    if (!img)
        return;
    free(img->phdr);
    free(img->syms);
    free(img->strtab);
    memset(img, 0, sizeof(*img));
}
