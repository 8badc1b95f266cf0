/*
 * uaccess.h - guest memory as syscalls see it.
 *
 * Every access goes through the software page walk with the same rights the
 * guest has (demand paging included).  A bad guest pointer gives -EFAULT,
 * never a host fault.  Names follow the kernel's (arch/x86/include/asm/uaccess.h).
 */
#ifndef PAGEMU_UACCESS_H
#define PAGEMU_UACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct pagemu;

/* Returns 0 or -EFAULT. */
int copy_from_user(struct pagemu *pm, void *dst, uint64_t src, size_t n);
int copy_to_user(struct pagemu *pm, uint64_t dst, const void *src, size_t n);
int clear_user(struct pagemu *pm, uint64_t dst, size_t n);

/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length (without NUL), -EFAULT, or -ENAMETOOLONG when no NUL
 * was found within max.
 */
long strncpy_from_user(struct pagemu *pm, char *dst, uint64_t src, size_t max);

/*
 * Host iovecs covering the guest range [addr, addr+len), for zero-copy I/O:
 * at most maxiov entries, adjacent frames merged.  write != 0 asks for
 * write access (the pages become dirty).  Returns the number of iovecs and
 * sets *covered to the bytes covered, which is less than len if maxiov ran
 * out or a page was inaccessible after the first; -EFAULT if the first byte
 * is inaccessible (len 0 gives 0 iovecs).
 */
int user_iovec(struct pagemu *pm, uint64_t addr, size_t len, int write,
               struct iovec *iov, int maxiov, size_t *covered);

#endif
