/*
 * strace.h - tracing: strace-style syscall lines and the other trace kinds.
 */
#ifndef PAGEMU_STRACE_H
#define PAGEMU_STRACE_H

#include <stdint.h>

struct pagemu;

/* One syscall line (after the call, with its result). */
void strace_syscall(struct pagemu *pm, uint64_t nr, const uint64_t *args, long ret);

/* "SIGSEGV" for 11 (the x86-64 numbering); "SIGRT" for 32..64. */
const char *linux_signal_name(int sig);

/* Hand a formatted line of trace kind to the handle's trace callback, if
 * that kind is enabled. */
void trace_emit(struct pagemu *pm, unsigned kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
