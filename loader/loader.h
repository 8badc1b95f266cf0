/*
 * loader.h - the ELF loader's entry point for the library core.
 */
#ifndef PAGEMU_LOADER_H
#define PAGEMU_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "pagemu.h"
#include "elf_image.h"

struct pagemu;

/* Enough for the auxv create_elf_tables writes, AT_NULL included. */
#define PAGEMU_AUXV_WORDS 48

/*
 * fs/binfmt_elf.c: load_elf_binary — validate the static ELF at path, map
 * it, set up brk, the stack and the special mappings, and build the initial
 * stack (create_elf_tables).  Sets pm->entry, pm->mm.start_stack.
 */
pagemu_err load_elf_binary(struct pagemu *pm, const char *path, int argc,
                           char *const argv[], char *const envp[]);

/* What load_elf_binary_info hands back beyond struct pagemu. */
struct elf_load_info {
    /* The parsed program (symbols for fault reports); the caller owns it
     * and frees it with elf_image_free.  Addresses are unbiased. */
    struct elf_image image;
    /* The auxv as written, AT_NULL pair included (mm->saved_auxv, for
     * /proc/self/auxv), nauxv words. */
    uint64_t saved_auxv[PAGEMU_AUXV_WORDS];
    size_t nauxv;
};

/*
 * load_elf_binary, also returning the parsed image and the auxv.
 * @param filename  the name the program was exec'd by, for AT_EXECFN
 *                  (NULL: path; an execve resumed in a new emulator opens
 *                  /proc/self/fd/N but keeps the guest's name)
 * @param info      receives them on success (may be NULL)
 */
pagemu_err load_elf_binary_info(struct pagemu *pm, const char *path,
                                const char *filename, int argc,
                                char *const argv[], char *const envp[],
                                struct elf_load_info *info);

#endif
