/*
 * procfs.h - the guest's view of /proc/self (and /proc/<its pid>).
 *
 * Files whose content comes from pagemu's state (maps, exe, cmdline,
 * environ, auxv, stat, status) are generated here; other /proc paths go to
 * the host's /proc.
 */
#ifndef PAGEMU_PROCFS_H
#define PAGEMU_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

struct pagemu;

/*
 * If path (as the guest gave it, after dirfd resolution to an absolute path
 * when relative) names a generated /proc file, open it: returns a host fd
 * (an unlinked temporary file holding the content, positioned at 0) or a
 * negative errno.  Returns PROCFS_NOT_MINE when the path is not one of ours.
 */
#define PROCFS_NOT_MINE (-100000)
int procfs_open(struct pagemu *pm, const char *path, int flags);

/*
 * readlink on a generated link (/proc/self/exe): copies at most bufsz bytes,
 * no NUL, returns the length; PROCFS_NOT_MINE when not ours.
 */
long procfs_readlink(struct pagemu *pm, const char *path, char *buf, size_t bufsz);

/*
 * Before a read of host fd at offset pos (pos < 0: the file position):
 * regenerate a generated file whose content depends on the moment of
 * reading.  Cheap when host is not one of ours.
 */
void procfs_before_read(struct pagemu *pm, int host, long long pos);
/* host is being closed. */
void procfs_forget(struct pagemu *pm, int host);
/* Is host one of the generated files (no splice, no mmap, as on Linux)? */
bool procfs_is_generated(int host);
/* Is host an open /proc/self/fd directory of the guest's? */
bool procfs_is_fd_dir(struct pagemu *pm, int host);
/* getdents64 of such a directory: the guest's fds, from the position of
 * host on; bytes written to buf, or -EINVAL if the first does not fit. */
long procfs_fd_dir_getdents(struct pagemu *pm, int host, void *buf, size_t len);

/* Write /proc/self/maps into buf like snprintf; returns the full length. */
size_t procfs_maps(struct pagemu *pm, char *buf, size_t len);

/* the comm of /proc/self (the thread-group leader's; TASK_COMM_LEN 16,
 * NUL-terminated), and the one an exec gives (the file's basename) */
void proc_comm(struct pagemu *pm, char comm[16]);
void proc_comm_exec(struct pagemu *pm, char comm[16]);

#endif
