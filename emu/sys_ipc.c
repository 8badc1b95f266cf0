/*
 * sys_ipc.c - System V semaphores and message queues, POSIX message queues.
 *
 * A guest process is a host process with the same pid, so its IPC objects
 * are the host kernel's: ids, keys and queue names pass through unchanged,
 * the host checks permissions and limits, blocks (semop, msgsnd/msgrcv and
 * the mq_* calls may sleep in the host; a guest thread that does so holds
 * the others up until it returns), keeps the SEM_UNDO list of the process
 * and applies it when the process exits.  An mq descriptor is a host file
 * behind a guest fd, like any other.
 *
 * What pagemu does is the memory: every guest pointer is copied in or out
 * with copy_from_user/copy_to_user through a host buffer whose size the
 * host kernel cannot exceed, so a bad guest pointer is -EFAULT and never a
 * host fault.  Where Linux checks something before it touches user memory
 * (ipc/sem.c, ipc/msg.c, ipc/mqueue.c), the same checks come first here, in
 * the same order; several are left to the host by asking it with a NULL
 * buffer, which it reports on before it would read one (the kernel's
 * copy_from_user of NULL is -EFAULT and has no other effect).
 *
 * The structures (struct sembuf, semid64_ds, seminfo, msqid64_ds, msginfo,
 * mq_attr, sigevent) have the same x86-64 layout on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pagemu_int.h"
#include "syscall.h"
#include "uaccess.h"

/* include/uapi/linux/ipc.h, sem.h, msg.h */
#define LINUX_IPC_RMID 0
#define LINUX_IPC_SET 1
#define LINUX_IPC_STAT 2
#define LINUX_IPC_INFO 3
#define LINUX_IPC_NOWAIT 04000
#define LINUX_GETPID 11
#define LINUX_GETVAL 12
#define LINUX_GETALL 13
#define LINUX_GETNCNT 14
#define LINUX_GETZCNT 15
#define LINUX_SETVAL 16
#define LINUX_SETALL 17
#define LINUX_SEM_STAT 18
#define LINUX_SEM_INFO 19
#define LINUX_SEM_STAT_ANY 20
#define LINUX_MSG_STAT 11
#define LINUX_MSG_INFO 12
#define LINUX_MSG_STAT_ANY 13
#define LINUX_MSG_EXCEPT 020000
#define LINUX_MSG_COPY 040000
#define LINUX_MSGMAX 8192        /* the default of kernel.msgmax */
/* ipc/sem.c: the semop array that lives on the kernel stack */
#define SEMOPM_FAST 64
/* include/uapi/linux/mqueue.h, include/linux/mqueue.h */
#define LINUX_MQ_PRIO_MAX 32768
#define LINUX_NOTIFY_COOKIE_LEN 32
/* include/uapi/linux/limits.h */
#define LINUX_PATH_MAX 4096
/* include/uapi/asm-generic/siginfo.h */
#define LINUX_SIGEV_SIGNAL 0
#define LINUX_SIGEV_NONE 1
#define LINUX_SIGEV_THREAD 2

/* include/uapi/linux/sem.h: struct sembuf */
struct linux_sembuf {
    uint16_t sem_num;
    int16_t sem_op;
    int16_t sem_flg;
};
_Static_assert(sizeof(struct linux_sembuf) == 6, "struct sembuf");

/* glibc's x86-64 structs are the kernel's IPC_64 ones */
_Static_assert(sizeof(struct semid_ds) == 104, "x86-64 struct semid64_ds");
_Static_assert(offsetof(struct semid_ds, sem_nsems) == 80, "semid64_ds.sem_nsems");
_Static_assert(sizeof(struct seminfo) == 40, "struct seminfo");
_Static_assert(sizeof(struct msqid_ds) == 120, "x86-64 struct msqid64_ds");
_Static_assert(sizeof(struct msginfo) == 32, "struct msginfo");
_Static_assert(sizeof(struct timespec) == 16, "struct __kernel_timespec");

/* include/uapi/linux/mqueue.h: struct mq_attr */
struct linux_mq_attr {
    int64_t mq_flags;
    int64_t mq_maxmsg;
    int64_t mq_msgsize;
    int64_t mq_curmsgs;
    int64_t reserved[4];
};
_Static_assert(sizeof(struct linux_mq_attr) == 64, "struct mq_attr");

/* include/uapi/asm-generic/siginfo.h: struct sigevent, 64 bytes */
struct linux_sigevent {
    uint64_t sigev_value;
    int32_t sigev_signo;
    int32_t sigev_notify;
    int32_t pad[12];
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "struct sigevent");

static long host_ret(long r)
{
    return r < 0 ? linux_err(errno) : r;
}

/* ipc/ipc_sysctl.c: kernel.msgmax, the namespace's msg_ctlmax (the host
 * process's IPC namespace is the guest's); the default if unreadable. */
static long msgmax(void)
{
    char buf[32];
    ssize_t n;
    long v;
    int fd = open("/proc/sys/kernel/msgmax", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return LINUX_MSGMAX;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return LINUX_MSGMAX;
    buf[n] = 0;
    if (sscanf(buf, "%ld", &v) != 1 || v < 0)
        return LINUX_MSGMAX;
    return v;
}

/*
 * n bytes of host memory that end right before an inaccessible page, for
 * the calls whose size the kernel takes from the object rather than from
 * an argument (semctl GETALL/SETALL: nsems): should the object change
 * between our look at its size and the call, the host kernel faults on
 * the guard page (-EFAULT) instead of running over the buffer.
 */
struct guarded {
    void *map;
    size_t len;
};

static void *guarded_alloc(struct guarded *g, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (n + pg - 1) / pg * pg;
    char *m;

    g->len = data + pg;
    m = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (mprotect(m + data, pg, PROT_NONE) < 0) {
        munmap(m, g->len);
        return NULL;
    }
    g->map = m;
    return m + data - n;
}

static void guarded_free(struct guarded *g)
{
    munmap(g->map, g->len);
}

/* ---- System V semaphores (ipc/sem.c) --------------------------------- */

long sys_semget(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_semget, (key_t)a[0], (int)a[1], (int)a[2]));
}

/*
 * ipc/sem.c: do_semtimedop - nsops < 1 is -EINVAL and nsops above the
 * namespace's semopm -E2BIG, then the array is copied in (-EFAULT), and
 * __do_semtimedop checks semid < 0, the timeout and the rest (older
 * kernels checked semid < 0 with nsops, before the copy).  The host
 * makes the checks that precede the copy: asked with a NULL array it
 * reports them, or -EFAULT when they pass.  That is how a large nsops is
 * learnt to be within semopm before its buffer is allocated (semopm is the
 * bound, as for the kernel's kvmalloc_array), and how a bad guest array
 * gets the error this kernel gives.
 */
static long do_semtimedop(struct pagemu *pm, int semid, uint64_t usops, unsigned nsops,
                          const struct timespec *ts)
{
    struct linux_sembuf fast[SEMOPM_FAST], *sops = fast;
    long r;

    if (nsops > SEMOPM_FAST) {
        r = syscall(SYS_semtimedop, semid, NULL, nsops, ts);
        if (r >= 0 || errno != EFAULT)
            return host_ret(r);
        sops = malloc((size_t)nsops * sizeof(*sops));
        if (!sops)
            return -ENOMEM;
    }
    if (copy_from_user(pm, sops, usops, (size_t)nsops * sizeof(*sops))) {
        if (sops == fast)
            r = host_ret(syscall(SYS_semtimedop, semid, NULL, nsops, ts));
        else
            r = -EFAULT;
    } else {
        r = host_ret(syscall(SYS_semtimedop, semid, sops, nsops, ts));
    }
    if (sops != fast)
        free(sops);
    return r;
}

long sys_semop(struct pagemu *pm, const uint64_t *a)
{
    return do_semtimedop(pm, (int)a[0], a[1], (unsigned)a[2], NULL);
}

/* ipc/sem.c: ksys_semtimedop - the timeout is copied in before anything */
long sys_semtimedop(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;

    if (a[3] && copy_from_user(pm, &ts, a[3], sizeof(ts)))
        return -EFAULT;
    return do_semtimedop(pm, (int)a[0], a[1], (unsigned)a[2], a[3] ? &ts : NULL);
}

static long host_semctl(int semid, int semnum, int cmd, void *p)
{
    return host_ret(syscall(SYS_semctl, semid, semnum, cmd, p));
}

/*
 * The number of semaphores in set semid, for GETALL and SETALL: IPC_STAT
 * finds the set as semctl_main's sem_obtain_object_check does and needs
 * read permission, as GETALL does.  SETALL needs write permission only: on
 * -EACCES its size comes from SEM_STAT_ANY (no permission check) at the
 * id's index (ipc/util.h: ipcid_to_idx, IPCMNI_SHIFT 15, or 24 with
 * ipcmni_extend), if the id found there is semid.
 */
static long sem_nsems(int semid, int cmd)
{
    static const int shifts[] = {15, 24};
    struct semid_ds ds;
    long err;
    size_t i;

    err = host_semctl(semid, 0, LINUX_IPC_STAT, &ds);
    if (err == 0)
        return (long)ds.sem_nsems;
    if (err != -EACCES || cmd != LINUX_SETALL)
        return err;
    for (i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
        int idx = semid & ((1 << shifts[i]) - 1);
        if (syscall(SYS_semctl, idx, 0, LINUX_SEM_STAT_ANY, &ds) == semid)
            return (long)ds.sem_nsems;
    }
    return err;
}

/* ipc/sem.c: semctl_main, GETALL and SETALL - nsems u16s out, or in
 * (copied after the permission check: a bad array asks the host with
 * NULL, which says -EACCES if that comes first, else -EFAULT). */
static long semctl_all(struct pagemu *pm, int semid, int cmd, uint64_t uarray)
{
    struct guarded g;
    uint16_t *vals;
    long nsems = sem_nsems(semid, cmd);
    size_t n;
    long r;

    if (nsems < 0)
        return nsems;
    n = (size_t)nsems * sizeof(uint16_t);
    vals = guarded_alloc(&g, n);
    if (!vals)
        return -ENOMEM;
    if (cmd == LINUX_GETALL) {
        r = host_semctl(semid, 0, cmd, vals);
        if (r == 0 && copy_to_user(pm, uarray, vals, n))
            r = -EFAULT;
    } else if (copy_from_user(pm, vals, uarray, n)) {
        r = host_semctl(semid, 0, cmd, NULL);
    } else {
        r = host_semctl(semid, 0, cmd, vals);
    }
    guarded_free(&g);
    return r;
}

/* A semctl/msgctl whose result, a struct, goes out whole: r is the host
 * call's (an id, max_idx, 0 or -errno), kept unless the copy faults. */
static long ctl_out(struct pagemu *pm, long r, uint64_t uaddr, const void *buf, size_t size)
{
    if (r >= 0 && copy_to_user(pm, uaddr, buf, size))
        r = -EFAULT;
    return r;
}

/*
 * ipc/sem.c: ksys_semctl - semid < 0 is -EINVAL first; the fourth
 * argument, union semun passed by value, is a pointer or the SETVAL int
 * depending on cmd.  x86-64 semctl is ksys_semctl(..., IPC_64): cmd is not
 * parsed for the IPC_64 flag (that is old_semctl's ipc_parse_version,
 * CONFIG_ARCH_WANT_IPC_PARSE_VERSION, which x86-64 does not select), so
 * a cmd with IPC_64 (0x100) set is an unknown cmd, -EINVAL, as there.
 */
long sys_semctl(struct pagemu *pm, const uint64_t *a)
{
    int semid = (int)a[0], semnum = (int)a[1], cmd = (int)a[2];
    uint64_t arg = a[3];

    if (semid < 0)
        return -EINVAL;
    switch (cmd) {
    case LINUX_IPC_INFO:
    case LINUX_SEM_INFO: {
        /* semctl_info: copied out, then max_idx returned */
        struct seminfo si;
        memset(&si, 0, sizeof(si));
        return ctl_out(pm, host_semctl(semid, semnum, cmd, &si), arg, &si, sizeof(si));
    }
    case LINUX_IPC_STAT:
    case LINUX_SEM_STAT:
    case LINUX_SEM_STAT_ANY: {
        /* semctl_stat, then copy_semid_to_user; SEM_STAT* return the id */
        struct semid_ds ds;
        memset(&ds, 0, sizeof(ds));
        return ctl_out(pm, host_semctl(semid, semnum, cmd, &ds), arg, &ds, sizeof(ds));
    }
    case LINUX_GETALL:
    case LINUX_SETALL:
        return semctl_all(pm, semid, cmd, arg);
    case LINUX_GETVAL:
    case LINUX_GETPID:
    case LINUX_GETNCNT:
    case LINUX_GETZCNT:
    case LINUX_IPC_RMID:
        return host_semctl(semid, semnum, cmd, NULL);
    case LINUX_SETVAL:
        /* the int member of the union: the low half on little-endian */
        return host_ret(syscall(SYS_semctl, semid, semnum, cmd, (unsigned long)(uint32_t)arg));
    case LINUX_IPC_SET: {
        /* copy_semid_from_user before semctl_down */
        struct semid_ds ds;
        if (copy_from_user(pm, &ds, arg, sizeof(ds)))
            return -EFAULT;
        return host_semctl(semid, semnum, cmd, &ds);
    }
    default:
        return -EINVAL;
    }
}

/* ---- System V message queues (ipc/msg.c) ----------------------------- */

long sys_msgget(struct pagemu *pm, const uint64_t *a)
{
    (void)pm;
    return host_ret(syscall(SYS_msgget, (key_t)a[0], (int)a[1]));
}

/*
 * ipc/msg.c: ksys_msgsnd reads mtype (-EFAULT); do_msgsnd: msgsz above
 * msgmax or negative, or msqid < 0, is -EINVAL, then mtype < 1 -EINVAL,
 * then load_msg copies the text (-EFAULT) - all before the queue is
 * looked up.  msgmax bounds the host buffer.
 */
long sys_msgsnd(struct pagemu *pm, const uint64_t *a)
{
    int msqid = (int)a[0];
    size_t msgsz = (size_t)a[2];
    int64_t mtype;
    char *buf;
    long r;

    if (copy_from_user(pm, &mtype, a[1], sizeof(mtype)))
        return -EFAULT;
    if ((long)msgsz < 0 || msqid < 0 || msgsz > (size_t)msgmax())
        return -EINVAL;
    if (mtype < 1)
        return -EINVAL;
    buf = malloc(sizeof(mtype) + msgsz);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, &mtype, sizeof(mtype));
    if (copy_from_user(pm, buf + sizeof(mtype), a[1] + sizeof(mtype), msgsz))
        r = -EFAULT;
    else
        r = host_ret(syscall(SYS_msgsnd, msqid, buf, msgsz, (int)a[3]));
    free(buf);
    return r;
}

/*
 * ipc/msg.c: do_msgrcv - msqid < 0 or a negative msgsz is -EINVAL; MSG_COPY
 * wants IPC_NOWAIT and not MSG_EXCEPT (-EINVAL), and prepare_copy reads
 * min(msgsz, msgmax) bytes of the guest's buffer first (-EFAULT).  The
 * message is received into a host buffer of min(msgsz, msgmax) text bytes
 * and do_msg_fill's copy-out follows: mtype, then the text (-EFAULT; the
 * message is gone from the queue then, as on Linux).
 *
 * Not Linux: a message longer than the current msgmax (sent before the
 * sysctl was lowered) to a buffer longer than msgmax is E2BIG, or cut to
 * msgmax with MSG_NOERROR, where Linux would deliver it whole.
 */
long sys_msgrcv(struct pagemu *pm, const uint64_t *a)
{
    int msqid = (int)a[0];
    size_t msgsz = (size_t)a[2];
    long msgtyp = (long)a[3];
    int flg = (int)a[4];
    size_t n;
    char *buf;
    long r;

    if (msqid < 0 || (long)msgsz < 0)
        return -EINVAL;
    if ((flg & LINUX_MSG_COPY) && ((flg & LINUX_MSG_EXCEPT) || !(flg & LINUX_IPC_NOWAIT)))
        return -EINVAL;
    n = (size_t)msgmax();
    if (msgsz < n)
        n = msgsz;
    buf = malloc(sizeof(int64_t) + n);
    if (!buf)
        return -ENOMEM;
    if ((flg & LINUX_MSG_COPY) && copy_from_user(pm, buf, a[1], n)) {
        r = -EFAULT;
        goto out;
    }
    r = syscall(SYS_msgrcv, msqid, buf, n, msgtyp, flg);
    if (r < 0) {
        r = linux_err(errno);
        goto out;
    }
    if (copy_to_user(pm, a[1], buf, sizeof(int64_t)) ||
        copy_to_user(pm, a[1] + sizeof(int64_t), buf + sizeof(int64_t), (size_t)r))
        r = -EFAULT;
out:
    free(buf);
    return r;
}

/* ipc/msg.c: ksys_msgctl - msqid < 0 or cmd < 0 is -EINVAL; the struct is
 * copied out after the host's answer, in before IPC_SET.  As for semctl,
 * x86-64 does not parse IPC_64 out of cmd. */
long sys_msgctl(struct pagemu *pm, const uint64_t *a)
{
    int msqid = (int)a[0], cmd = (int)a[1];

    if (msqid < 0 || cmd < 0)
        return -EINVAL;
    switch (cmd) {
    case LINUX_IPC_INFO:
    case LINUX_MSG_INFO: {
        struct msginfo mi;
        memset(&mi, 0, sizeof(mi));
        return ctl_out(pm, host_ret(syscall(SYS_msgctl, msqid, cmd, &mi)), a[2], &mi, sizeof(mi));
    }
    case LINUX_MSG_STAT:
    case LINUX_MSG_STAT_ANY:
    case LINUX_IPC_STAT: {
        struct msqid_ds ds;
        memset(&ds, 0, sizeof(ds));
        return ctl_out(pm, host_ret(syscall(SYS_msgctl, msqid, cmd, &ds)), a[2], &ds, sizeof(ds));
    }
    case LINUX_IPC_SET: {
        struct msqid_ds ds;
        if (copy_from_user(pm, &ds, a[2], sizeof(ds)))
            return -EFAULT;
        return host_ret(syscall(SYS_msgctl, msqid, cmd, &ds));
    }
    case LINUX_IPC_RMID:
        return host_ret(syscall(SYS_msgctl, msqid, cmd, NULL));
    default:
        return -EINVAL;
    }
}

/* ---- POSIX message queues (ipc/mqueue.c) ----------------------------- */

/*
 * ipc/mqueue.c: mq_open - the attr is copied in whenever the pointer is
 * not NULL (-EFAULT, O_CREAT or not), then getname() copies the name (up
 * to PATH_MAX with its NUL: -EFAULT, -ENAMETOOLONG); the host looks it up
 * as given (the guest's libc has taken the leading '/' off, so the raw
 * syscall is used: "" is -ENOENT, longer than NAME_MAX -ENAMETOOLONG).  The
 * fd is close-on-exec whatever oflag says (do_mq_open: O_CLOEXEC on the
 * new fd), on the host and for the guest.
 */
long sys_mq_open(struct pagemu *pm, const uint64_t *a)
{
    struct linux_mq_attr attr;
    char name[LINUX_PATH_MAX];
    long n, h;

    if (a[3] && copy_from_user(pm, &attr, a[3], sizeof(attr)))
        return -EFAULT;
    n = strncpy_from_user(pm, name, a[0], sizeof(name));
    if (n < 0)
        return n;
    h = syscall(SYS_mq_open, name, (int)a[1], (unsigned short)a[2], a[3] ? &attr : NULL);
    if (h < 0)
        return linux_err(errno);
    return fd_install(pm, (int)h, 1, 0);
}

long sys_mq_unlink(struct pagemu *pm, const uint64_t *a)
{
    char name[LINUX_PATH_MAX];
    long n = strncpy_from_user(pm, name, a[0], sizeof(name));

    if (n < 0)
        return n;
    return host_ret(syscall(SYS_mq_unlink, name));
}

/* ipc/mqueue.c: prepare_timeout - copied in (-EFAULT), then
 * timespec64_valid (-EINVAL). */
static long mq_timeout(struct pagemu *pm, uint64_t uts, struct timespec *ts)
{
    if (copy_from_user(pm, ts, uts, sizeof(*ts)))
        return -EFAULT;
    if (ts->tv_sec < 0 || (unsigned long)ts->tv_nsec >= 1000000000UL)
        return -EINVAL;
    return 0;
}

/* The queue's mq_msgsize; -EBADF if h is no mq file, as the calls'
 * f_op != &mqueue_file_operations check says. */
static long mq_msgsize(int h)
{
    struct linux_mq_attr attr;

    if (syscall(SYS_mq_getsetattr, h, NULL, &attr) < 0)
        return linux_err(errno);
    return (long)attr.mq_msgsize;
}

/*
 * ipc/mqueue.c: mq_timedsend - the timeout (prepare_timeout), msg_prio
 * below MQ_PRIO_MAX (-EINVAL), the fd (-EBADF: not an mq, not open for
 * writing), msg_len above mq_msgsize (-EMSGSIZE), then load_msg (-EFAULT).
 * The host buffer is the message, at most mq_msgsize bytes; when the
 * length is too big or the guest's buffer bad, the host is asked with
 * NULL and says which of -EBADF, -EMSGSIZE and -EFAULT comes first.
 */
long sys_mq_timedsend(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    size_t len = (size_t)a[2];
    unsigned prio = (unsigned)a[3];
    long r, max;
    int h;
    char *buf;

    if (a[4] && (r = mq_timeout(pm, a[4], &ts)) < 0)
        return r;
    if (prio >= LINUX_MQ_PRIO_MAX)
        return -EINVAL;
    h = fd_host(pm, (long)(int)a[0]);
    if (h < 0)
        return h;
    max = mq_msgsize(h);
    if (max < 0)
        return max;
    if (len > (size_t)max)
        return host_ret(syscall(SYS_mq_timedsend, h, NULL, len, prio, a[4] ? &ts : NULL));
    buf = malloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    if (copy_from_user(pm, buf, a[1], len))
        r = host_ret(syscall(SYS_mq_timedsend, h, NULL, len, prio, a[4] ? &ts : NULL));
    else
        r = host_ret(syscall(SYS_mq_timedsend, h, buf, len, prio, a[4] ? &ts : NULL));
    free(buf);
    return r;
}

/*
 * ipc/mqueue.c: mq_timedreceive - the timeout, the fd (-EBADF: not an mq,
 * not open for reading), msg_len below mq_msgsize (-EMSGSIZE, the host
 * says it with a NULL buffer), then the message is taken off the queue
 * into a host buffer of mq_msgsize bytes and copied out: the priority
 * first (put_user), then the text, either -EFAULT (the message is gone
 * then, as on Linux).
 */
long sys_mq_timedreceive(struct pagemu *pm, const uint64_t *a)
{
    struct timespec ts;
    size_t len = (size_t)a[2];
    unsigned prio = 0;
    long r, max;
    int h;
    char *buf;

    if (a[4] && (r = mq_timeout(pm, a[4], &ts)) < 0)
        return r;
    h = fd_host(pm, (long)(int)a[0]);
    if (h < 0)
        return h;
    max = mq_msgsize(h);
    if (max < 0)
        return max;
    if (len < (size_t)max)
        return host_ret(syscall(SYS_mq_timedreceive, h, NULL, len, NULL, a[4] ? &ts : NULL));
    buf = malloc(max ? (size_t)max : 1);
    if (!buf)
        return -ENOMEM;
    r = syscall(SYS_mq_timedreceive, h, buf, (size_t)max, &prio, a[4] ? &ts : NULL);
    if (r < 0)
        r = linux_err(errno);
    else if ((a[3] && copy_to_user(pm, a[3], &prio, sizeof(prio))) ||
             copy_to_user(pm, a[1], buf, (size_t)r))
        r = -EFAULT;
    free(buf);
    return r;
}

/*
 * ipc/mqueue.c: mq_notify - the sigevent is copied in (-EFAULT); then
 * do_mq_notify checks it before the mq fd: sigev_notify one of SIGEV_NONE,
 * SIGEV_SIGNAL, SIGEV_THREAD and a valid signal (-EINVAL, the host's
 * checks); for SIGEV_THREAD, sigev_value points to a NOTIFY_COOKIE_LEN
 * cookie (copied in, -EFAULT) and sigev_signo is the netlink socket the
 * kernel sends it to: a guest fd, given to the host as its host fd
 * (-EBADF).  The socket is the guest's own host socket, so the guest's
 * libc thread reads the notification from it as on Linux.
 *
 * SIGEV_SIGNAL passes through as timer_create's sigevent does
 * (sys_time.c): the host kernel signals the emulator process, the guest
 * process, and sigchld.c forwards the signal to the guest for the signals
 * it mirrors (SIGUSR1, SIGALRM, ...); si_pid is the sender's host pid,
 * which is its guest pid.
 *
 * A bad mq fd is -EBADF after those checks: the host is asked with fd -1.
 */
long sys_mq_notify(struct pagemu *pm, const uint64_t *a)
{
    struct linux_sigevent ev;
    uint8_t cookie[LINUX_NOTIFY_COOKIE_LEN];
    int h;

    if (!a[1])
        h = fd_host(pm, (long)(int)a[0]);
    else {
        if (copy_from_user(pm, &ev, a[1], sizeof(ev)))
            return -EFAULT;
        if (ev.sigev_notify == LINUX_SIGEV_THREAD) {
            int sock;
            if (copy_from_user(pm, cookie, ev.sigev_value, sizeof(cookie)))
                return -EFAULT;
            sock = fd_host(pm, ev.sigev_signo);
            if (sock < 0)
                return sock;
            ev.sigev_signo = sock;
            ev.sigev_value = (uint64_t)(uintptr_t)cookie;
        }
        h = fd_host(pm, (long)(int)a[0]);
    }
    if (h < 0)
        h = -1;
    return host_ret(syscall(SYS_mq_notify, h, a[1] ? &ev : NULL));
}

/* ipc/mqueue.c: mq_getsetattr - the new attr copied in (-EFAULT), its
 * mq_flags only O_NONBLOCK (-EINVAL), then the fd (-EBADF); the old attr
 * copied out after. */
long sys_mq_getsetattr(struct pagemu *pm, const uint64_t *a)
{
    struct linux_mq_attr nattr, oattr;
    int h;

    if (a[1]) {
        if (copy_from_user(pm, &nattr, a[1], sizeof(nattr)))
            return -EFAULT;
        if (nattr.mq_flags & ~(int64_t)O_NONBLOCK)
            return -EINVAL;
    }
    h = fd_host(pm, (long)(int)a[0]);
    if (h < 0)
        return h;
    memset(&oattr, 0, sizeof(oattr));
    if (syscall(SYS_mq_getsetattr, h, a[1] ? &nattr : NULL, a[2] ? &oattr : NULL) < 0)
        return linux_err(errno);
    if (a[2] && copy_to_user(pm, a[2], &oattr, sizeof(oattr)))
        return -EFAULT;
    return 0;
}
