/*
 * syscall.h - the x86-64 Linux syscall table.
 *
 * syscall_64.tbl holds one row per syscall:
 *     SYSCALL(number, name, nargs, "argument kinds")
 * The handler is sys_<name>(pm, args) and returns the guest's RAX: a result,
 * or a negative Linux errno.  The same rows drive dispatch and tracing.
 *
 * Argument kinds (one character per argument, for the tracer):
 *   d  int           u  unsigned      x  hex           p  pointer
 *   f  fd            s  path string   b  buffer, its length is the next arg
 *   z  size          o  open flags    m  mode (octal)  P  mmap prot
 *   M  mmap flags    S  signal number
 */
#ifndef PAGEMU_SYSCALL_H
#define PAGEMU_SYSCALL_H

#include <stdint.h>

struct pagemu;

typedef long (*syscall_fn)(struct pagemu *pm, const uint64_t *a);

#define SYSCALL(nr, name, nargs, kinds) long sys_##name(struct pagemu *pm, const uint64_t *a);
#include "syscall_64.tbl"
#undef SYSCALL

struct syscall_desc {
    const char *name;
    syscall_fn fn;
    unsigned char nargs;
    const char *kinds;
};

/* NULL name: not implemented (-ENOSYS). */
const struct syscall_desc *syscall_lookup(uint64_t nr);

/* Dispatch the syscall whose registers are in the guest CPU; called from the
 * UC_HOOK_INSN syscall hook. */
void do_syscall_64(struct pagemu *pm);

#endif
