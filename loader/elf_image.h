/*
 * elf_image.h - ELF64 validation and parsing for the loader, plus a symbol table
 * for fault reports.
 *
 * Pure: no Unicorn, no mm.  The checks follow fs/binfmt_elf.c
 * (load_elf_binary, load_elf_phdrs, elf_load) and are a little stricter where
 * a clear error beats a confusing crash later (segments beyond the end of
 * the file, overlapping PT_LOADs, an entry point outside every PT_LOAD).
 * Every refusal comes with a one-line reason in `why`.
 *
 * (Not named elf.h: with -Iloader that would shadow the system <elf.h>.)
 */
#ifndef PAGEMU_ELF_IMAGE_H
#define PAGEMU_ELF_IMAGE_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagemu.h"

/* fs/binfmt_elf.c: ELF_MIN_ALIGN is PAGE_SIZE on x86 (ELF_EXEC_PAGESIZE 4096). */
#define ELF_MIN_ALIGN 4096ULL
#define ELF_PAGESTART(v) ((v) & ~(ELF_MIN_ALIGN - 1))
#define ELF_PAGEOFFSET(v) ((v) & (ELF_MIN_ALIGN - 1))
#define ELF_PAGEALIGN(v) (((v) + ELF_MIN_ALIGN - 1) & ~(ELF_MIN_ALIGN - 1))

/*
 * fs/binfmt_elf.c: load_elf_phdrs refuses a table larger than 65536 bytes
 * or than ELF_MIN_ALIGN, so on x86-64 at most 4096 / 56 = 73 headers.
 */
#define ELF_MAX_PHNUM (ELF_MIN_ALIGN / sizeof(Elf64_Phdr))

/* include/linux/binfmts.h: what PT_GNU_STACK said. */
enum {
    EXSTACK_DEFAULT = 0,   /* no PT_GNU_STACK: the arch default */
    EXSTACK_DISABLE_X = 1, /* PT_GNU_STACK without PF_X */
    EXSTACK_ENABLE_X = 2,  /* PT_GNU_STACK with PF_X */
};

/* A FUNC or OBJECT symbol, kept sorted by value. */
struct elf_sym {
    uint64_t value;
    uint64_t size;
    uint32_t name;         /* offset into elf_image.strtab */
};

struct elf_image {
    uint16_t e_type;       /* ET_EXEC or ET_DYN (static-pie) */
    uint64_t e_entry;      /* unbiased */
    uint64_t e_phoff;
    uint16_t e_phnum;
    Elf64_Phdr *phdr;      /* e_phnum headers, host byte order (x86-64 is LE) */
    uint64_t file_size;

    /* AT_PHDR before the load bias: the PT_LOAD that holds e_phoff, as
     * load_elf_binary computes it (else PT_PHDR's p_vaddr, else 0). */
    uint64_t phdr_vaddr;
    int executable_stack;  /* EXSTACK_* */
    unsigned nload;        /* PT_LOAD count */
    uint64_t load_start;   /* ELF_PAGESTART of the first PT_LOAD's p_vaddr */
    uint64_t load_end;     /* last PT_LOAD's p_vaddr + p_memsz */
    uint64_t max_align;    /* fs/binfmt_elf.c: maximum_alignment() */

    /* .symtab, if present and sane; nsyms == 0 otherwise. */
    struct elf_sym *syms;
    size_t nsyms;
    char *strtab;          /* NUL-terminated copy */
    size_t strtab_size;
};

/*
 * Reader over the file: copy n bytes at off into dst.  Returns PAGEMU_EOK,
 * or the error to report (PAGEMU_EIO for a host read error).
 */
typedef pagemu_err (*elf_read_fn)(void *ctx, void *dst, size_t n, uint64_t off);

/**
 * Validate and parse an ELF image through a reader.
 * @param rd         the reader
 * @param ctx        its context
 * @param file_size  the file's size in bytes (every range is checked against it)
 * @param out        receives the image; free it with elf_image_free (also on error)
 * @param why        receives a one-line reason on error (may be NULL)
 * @param whylen     size of why
 * @return           PAGEMU_EOK or the PAGEMU_E* of the first failed check
 */
pagemu_err elf_parse_with(elf_read_fn rd, void *ctx, uint64_t file_size,
                          struct elf_image *out, char *why, size_t whylen);

/**
 * Validate and parse an ELF image held in memory.
 * @param buf        the first len bytes of the file
 * @param len        bytes available in buf
 * @param file_size  the file's size (>= len); reads past len are ELF_TRUNC
 * @param out        receives the image; free with elf_image_free
 * @param why        receives a one-line reason on error (may be NULL)
 * @param whylen     size of why
 * @return           PAGEMU_EOK or the PAGEMU_E* of the first failed check
 */
pagemu_err elf_parse(const uint8_t *buf, size_t len, uint64_t file_size,
                     struct elf_image *out, char *why, size_t whylen);

/**
 * Validate and parse the ELF file open on fd, reading only the header, the
 * program headers and the symbol table (pread; the file is not mapped).
 * @param fd      an open, readable file
 * @param out     receives the image; free with elf_image_free
 * @param why     receives a one-line reason on error (may be NULL)
 * @param whylen  size of why
 * @return        PAGEMU_EOK, PAGEMU_EIO, or the PAGEMU_E* of the failed check
 */
pagemu_err elf_parse_fd(int fd, struct elf_image *out, char *why, size_t whylen);

/**
 * Release what elf_parse* allocated; the struct is zeroed.  NULL is allowed.
 * @param img  the image
 */
void elf_image_free(struct elf_image *img);

/**
 * The FUNC or OBJECT symbol that contains addr.
 * @param img     a parsed image
 * @param addr    an address without the load bias
 * @param offset  receives addr - symbol value (may be NULL)
 * @return        the symbol's name (owned by img), or NULL
 */
const char *elf_symbolize(const struct elf_image *img, uint64_t addr,
                          uint64_t *offset);

#endif
