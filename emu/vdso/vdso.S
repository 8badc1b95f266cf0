/*
 * vdso.S - pagemu's vDSO: the functions Linux's x86-64 vDSO exports
 * (arch/x86/entry/vdso/vdso.lds.S), each a plain syscall.  Unicorn has no
 * vvar page to read time from, so the fast path is the syscall itself; the
 * image exists so that AT_SYSINFO_EHDR, the initial stack and the guest's
 * view of [vdso] are as on Linux.
 */
    .text
#define VDSO_FN(name, nr)              \
    .globl __vdso_##name;              \
    .type __vdso_##name, @function;    \
    .weak name;                        \
    .type name, @function;             \
__vdso_##name:                         \
name:                                  \
    .cfi_startproc;                    \
    mov $nr, %eax;                     \
    syscall;                           \
    ret;                               \
    .cfi_endproc;                      \
    .size __vdso_##name, . - __vdso_##name; \
    .size name, . - name

/* arch/x86/entry/syscalls/syscall_64.tbl */
VDSO_FN(clock_gettime, 228)
VDSO_FN(gettimeofday, 96)
VDSO_FN(time, 201)
VDSO_FN(getcpu, 309)
VDSO_FN(clock_getres, 229)

    .section .note.GNU-stack, "", @progbits
