/*
 * binfmt.h - what load_elf.c and stack.c share: pagemu's subset of
 * struct linux_binprm (include/linux/binfmts.h) and the exec-time stack
 * functions of fs/exec.c and fs/binfmt_elf.c.  Not part of the core's API.
 */
#ifndef PAGEMU_BINFMT_H
#define PAGEMU_BINFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagemu.h"
#include "elf_image.h"
#include "loader.h"

struct pagemu;

/* include/uapi/linux/binfmts.h */
#define MAX_ARG_STRLEN (4096UL * 32)   /* one argument or variable, NUL included */
#define MAX_ARG_STRINGS 0x7FFFFFFF
/* include/uapi/linux/limits.h: ARG_MAX, the floor for the strings' budget */
#define LINUX_ARG_MAX 131072UL
/* include/uapi/linux/resource.h: _STK_LIM */
#define LINUX_STK_LIM (8UL << 20)

/*
 * The part of linux_binprm pagemu needs.  Strings are laid out as
 * fs/exec.c copies them: the filename at the top (below an 8-byte NULL),
 * then the environment, then the arguments, each list from its last
 * entry down, so argv[0] is the lowest string.
 */
struct linux_binprm {
    const char *filename;     /* the path as given: AT_EXECFN's string */
    int argc, envc;           /* argc after the empty-argv fix-up */
    char *const *argv;
    char *const *envp;
    bool empty_argv;          /* argc was 0: "" became argv[0] (fs/exec.c) */
    uint64_t strings_size;    /* bytes from the lowest string to the stack top */
    int executable_stack;     /* EXSTACK_* from PT_GNU_STACK */

    /* guest addresses, set by setup_arg_pages */
    uint64_t stack_top;       /* vm_end of [stack] */
    uint64_t p;               /* lowest string byte; after create_elf_tables, &argc */
    uint64_t exec;            /* the filename string (AT_EXECFN) */
};

/* pm->cfg.aslr: the kernel's PF_RANDOMIZE with randomize_va_space == 2. */
bool pm_randomize(const struct pagemu *pm);

/* arch/x86/kernel/process.c: arch_align_stack */
uint64_t arch_align_stack(struct pagemu *pm, uint64_t sp);

/*
 * fs/exec.c: do_execveat_common's count() and bprm_stack_limits(), and the
 * size checks of copy_string_kernel/copy_strings, before anything is
 * mapped.  Returns PAGEMU_EOK or PAGEMU_EE2BIG (reason via pm_set_error).
 */
pagemu_err bprm_init(struct pagemu *pm, struct linux_binprm *bprm,
                     const char *filename, int argc, char *const argv[],
                     char *const envp[]);

/*
 * fs/exec.c: setup_arg_pages — create the [stack] VMA below stack_top
 * (already randomised by randomize_stack_top) and copy the strings into it.
 */
pagemu_err setup_arg_pages(struct pagemu *pm, struct linux_binprm *bprm,
                           uint64_t stack_top);

/*
 * fs/binfmt_elf.c: create_elf_tables — platform string, AT_RANDOM bytes,
 * auxv, envp, argv and argc; sets mm->arg_end, env_start, env_end and
 * bprm->p (the initial RSP).  The auxv words (AT_NULL pair included) are
 * copied to saved_auxv, which holds PAGEMU_AUXV_WORDS, when not NULL.
 */
pagemu_err create_elf_tables(struct pagemu *pm, struct linux_binprm *bprm,
                             const struct elf_image *img, uint64_t e_entry,
                             uint64_t phdr_addr, uint64_t interp_load_addr,
                             uint64_t *saved_auxv, size_t *nauxv);

#endif
