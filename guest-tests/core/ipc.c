/* ipc: System V semaphores (semget, semop, semtimedop, semctl: values, the
 * whole array, IPC_STAT/IPC_SET/IPC_INFO, SEM_UNDO across an exit, a
 * sleeper woken by IPC_RMID), System V message queues (msgsnd/msgrcv by
 * type, MSG_NOERROR, MSG_EXCEPT, MSG_COPY, msgctl, a receiver in another
 * process) and POSIX message queues (mq_open/mq_unlink, priorities,
 * mq_getsetattr, timeouts, mq_notify with SIGEV_NONE, SIGEV_SIGNAL and
 * SIGEV_THREAD's netlink cookie), with the errors Linux checks for.
 *
 * semctl, msgctl, semtimedop and the mq calls go through syscall(): the
 * libc wrappers of glibc and musl differ (semun passing, the '/' of mq
 * names, mq_notify's SIGEV_THREAD), the kernel's interface does not.
 * Everything created is private (IPC_PRIVATE, a name with the pid) and
 * removed on the way out, failed or not. */
#include "gt.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef MSG_EXCEPT
#define MSG_EXCEPT 020000
#endif
#define X_IPC_64 0x100
#define X_SI_MESGQ (-3)

struct xmq_attr {
	long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, pad[4];
};

struct xsigevent {
	union { int i; void *p; } value;
	int signo;
	int notify;
	int pad[12];
};

struct xmsg {
	long mtype;
	char mtext[64];
};

static int semid = -1, semid2 = -1, msqid = -1;
static char mqname[64];
static int mq_made;

static void cleanup(void)
{
	if (semid >= 0)
		syscall(SYS_semctl, semid, 0, IPC_RMID, 0);
	if (semid2 >= 0)
		syscall(SYS_semctl, semid2, 0, IPC_RMID, 0);
	if (msqid >= 0)
		syscall(SYS_msgctl, msqid, IPC_RMID, 0);
	if (mq_made)
		syscall(SYS_mq_unlink, mqname);
}

static long xsemctl(int id, int num, int cmd, unsigned long arg)
{
	return syscall(SYS_semctl, id, num, cmd, arg);
}

static long xsemtimedop(int id, struct sembuf *s, unsigned n, const struct timespec *t)
{
	return syscall(SYS_semtimedop, id, s, n, t);
}

static long sendq(int fd, const char *m, size_t len, unsigned prio, const struct timespec *t)
{
	return syscall(SYS_mq_timedsend, fd, m, len, prio, t);
}

static long recvq(int fd, char *m, size_t len, unsigned *prio, const struct timespec *t)
{
	return syscall(SYS_mq_timedreceive, fd, m, len, prio, t);
}

static long getattr(int fd, struct xmq_attr *a)
{
	return syscall(SYS_mq_getsetattr, fd, NULL, a);
}

/* field i of /proc/sys/kernel/NAME */
static long sysctl_field(const char *path, int i)
{
	long v[4] = {0, 0, 0, 0};
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3]) < 1)
			v[0] = 0;
		fclose(f);
	}
	return v[i];
}

static int wait_status(pid_t p)
{
	int st = -1;
	pid_t r;
	do
		r = waitpid(p, &st, 0);
	while (r < 0 && errno == EINTR);
	return r == p ? st : -1;
}

static volatile sig_atomic_t usr1_count, usr1_code, usr1_value;
static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	usr1_count++;
	usr1_code = si->si_code;
	usr1_value = si->si_value.sival_int;
}

int main(void)
{
	char *bad;
	long r;
	int st;

	atexit(cleanup);
	bad = mmap(NULL, 2 * GT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(1, bad != MAP_FAILED && mprotect(bad + GT_PAGE, GT_PAGE, PROT_NONE) == 0);
	bad += GT_PAGE; /* inaccessible; bad - 2 has 2 good bytes before it */

	/* ---- System V semaphores ---- */
	long semopm = sysctl_field("/proc/sys/kernel/sem", 2);
	CHECK(2, semopm > 0);
	semid = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	CHECK(3, semid >= 0);
	struct semid_ds ds;
	memset(&ds, 0, sizeof ds);
	CHECK(4, xsemctl(semid, 0, IPC_STAT, (unsigned long)&ds) == 0 && ds.sem_nsems == 3 &&
		 (ds.sem_perm.mode & 0777) == 0600 && ds.sem_perm.uid == getuid());
	/* x86-64 semctl does not take IPC_64 out of cmd */
	CHECK_ERR(5, xsemctl(semid, 0, IPC_STAT | X_IPC_64, (unsigned long)&ds), EINVAL);
	CHECK_ERR(6, xsemctl(semid, 0, 12345, 0), EINVAL);
	CHECK_ERR(7, xsemctl(-1, 0, IPC_STAT, (unsigned long)&ds), EINVAL);
	CHECK_ERR(8, xsemctl(semid, 0, IPC_STAT, (unsigned long)bad), EFAULT);

	CHECK(9, xsemctl(semid, 0, SETVAL, 5) == 0 && xsemctl(semid, 0, GETVAL, 0) == 5);
	CHECK_ERR(10, xsemctl(semid, 0, SETVAL, 40000), ERANGE);
	CHECK_ERR(11, xsemctl(semid, 3, GETVAL, 0), EINVAL);
	unsigned short vals[3] = {1, 2, 3}, got[3] = {0, 0, 0};
	CHECK(12, xsemctl(semid, 0, SETALL, (unsigned long)vals) == 0);
	CHECK(13, xsemctl(semid, 0, GETALL, (unsigned long)got) == 0 &&
		  got[0] == 1 && got[1] == 2 && got[2] == 3);
	CHECK_ERR(14, xsemctl(semid, 0, GETALL, (unsigned long)bad), EFAULT);
	CHECK_ERR(15, xsemctl(semid, 0, SETALL, (unsigned long)(bad - 2)), EFAULT);
	CHECK(16, xsemctl(semid, 1, GETVAL, 0) == 2);
	CHECK(17, xsemctl(semid, 0, GETPID, 0) == getpid() && xsemctl(semid, 0, GETNCNT, 0) == 0 &&
		  xsemctl(semid, 0, GETZCNT, 0) == 0);

	/* IPC_SET, IPC_INFO, SEM_INFO */
	ds.sem_perm.mode = 0640;
	CHECK(18, xsemctl(semid, 0, IPC_SET, (unsigned long)&ds) == 0);
	memset(&ds, 0, sizeof ds);
	CHECK(19, xsemctl(semid, 0, IPC_STAT, (unsigned long)&ds) == 0 && (ds.sem_perm.mode & 0777) == 0640);
	CHECK_ERR(20, xsemctl(semid, 0, IPC_SET, (unsigned long)bad), EFAULT);
	struct seminfo si;
	memset(&si, 0, sizeof si);
	CHECK(21, xsemctl(semid, 0, IPC_INFO, (unsigned long)&si) >= 0 && si.semopm == semopm &&
		  si.semvmx == 32767);
	CHECK(22, xsemctl(semid, 0, SEM_INFO, (unsigned long)&si) >= 0 && si.semusz >= 1);
	CHECK_ERR(23, xsemctl(semid, 0, SEM_INFO, (unsigned long)bad), EFAULT);
	printf("semctl ok\n");

	/* semop */
	struct sembuf op[2];
	op[0] = (struct sembuf){.sem_num = 0, .sem_op = 2, .sem_flg = 0};
	CHECK(24, semop(semid, op, 1) == 0 && xsemctl(semid, 0, GETVAL, 0) == 3);
	op[0].sem_op = -3;
	CHECK(25, semop(semid, op, 1) == 0 && xsemctl(semid, 0, GETVAL, 0) == 0);
	op[0] = (struct sembuf){.sem_num = 0, .sem_op = -1, .sem_flg = IPC_NOWAIT};
	CHECK_ERR(26, semop(semid, op, 1), EAGAIN);
	/* all or nothing: the +1 does not happen when the second op cannot */
	op[0] = (struct sembuf){.sem_num = 0, .sem_op = 1, .sem_flg = 0};
	op[1] = (struct sembuf){.sem_num = 1, .sem_op = -10, .sem_flg = IPC_NOWAIT};
	CHECK_ERR(27, semop(semid, op, 2), EAGAIN);
	CHECK(28, xsemctl(semid, 0, GETVAL, 0) == 0);
	struct timespec t20 = {0, 20 * 1000 * 1000};
	op[0] = (struct sembuf){.sem_num = 0, .sem_op = -1, .sem_flg = 0};
	CHECK_ERR(29, xsemtimedop(semid, op, 1, &t20), EAGAIN);
	struct timespec tbad = {0, 1000000000};
	CHECK_ERR(30, xsemtimedop(semid, op, 1, &tbad), EINVAL);
	CHECK_ERR(31, xsemtimedop(semid, op, 1, (struct timespec *)bad), EFAULT);
	/* errors, in Linux's order */
	CHECK_ERR(32, semop(semid, op, 0), EINVAL);
	CHECK_ERR(33, semop(semid, op, (unsigned)semopm + 1), E2BIG);
	CHECK_ERR(34, semop(semid, (struct sembuf *)bad, 1), EFAULT);
	CHECK_ERR(35, semop(semid, (struct sembuf *)bad, 0), EINVAL);
	CHECK_ERR(36, semop(semid, (struct sembuf *)bad, (unsigned)semopm + 1), E2BIG);
	CHECK_ERR(37, semop(-1, op, 1), EINVAL);
	CHECK_ERR(38, semop(semid, (struct sembuf *)(bad - 6), 2), EFAULT);
	op[0] = (struct sembuf){.sem_num = 3, .sem_op = 1, .sem_flg = 0};
	CHECK_ERR(39, semop(semid, op, 1), EFBIG);
	/* more ops than fit on the kernel's stack array */
	if (semopm >= 100) {
		struct sembuf many[100];
		for (int i = 0; i < 100; i++)
			many[i] = (struct sembuf){.sem_num = 2, .sem_op = 1, .sem_flg = 0};
		CHECK(40, semop(semid, many, 100) == 0 && xsemctl(semid, 2, GETVAL, 0) == 103);
		CHECK_ERR(41, semop(semid, (struct sembuf *)bad, 100), EFAULT);
	}
	printf("semop ok\n");

	/* SEM_UNDO: undone when the process exits, and adjusted by later ops */
	op[0] = (struct sembuf){.sem_num = 1, .sem_op = 5, .sem_flg = SEM_UNDO};
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		_exit(semop(semid, op, 1) == 0 && xsemctl(semid, 1, GETVAL, 0) == 7 ? 0 : 1);
	st = wait_status(p);
	CHECK(42, WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(43, xsemctl(semid, 1, GETVAL, 0) == 2 && xsemctl(semid, 1, GETPID, 0) == p);
	CHECK(44, semop(semid, op, 1) == 0 && xsemctl(semid, 1, GETVAL, 0) == 7);
	op[0].sem_op = -5;
	CHECK(45, semop(semid, op, 1) == 0 && xsemctl(semid, 1, GETVAL, 0) == 2);
	printf("sem_undo ok\n");

	/* a sleeper woken by the removal of its set: EIDRM */
	semid2 = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	CHECK(46, semid2 >= 0);
	fflush(stdout);
	p = fork();
	if (p == 0) {
		struct sembuf w = {.sem_num = 0, .sem_op = -1, .sem_flg = 0};
		_exit(semop(semid2, &w, 1) == -1 && errno == EIDRM ? 0 : 1);
	}
	for (int i = 0; i < 5000 && xsemctl(semid2, 0, GETNCNT, 0) != 1; i++)
		usleep(1000);
	CHECK(47, xsemctl(semid2, 0, GETNCNT, 0) == 1);
	CHECK(48, xsemctl(semid2, 0, IPC_RMID, 0) == 0);
	st = wait_status(p);
	semid2 = -1;
	CHECK(49, WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(50, xsemctl(semid, 0, IPC_RMID, 0) == 0);
	op[0] = (struct sembuf){.sem_num = 0, .sem_op = 1, .sem_flg = 0};
	CHECK_ERR(51, semop(semid, op, 1), EINVAL);
	CHECK_ERR(52, xsemctl(semid, 0, GETVAL, 0), EINVAL);
	semid = -1;
	printf("sem rmid ok\n");

	/* ---- System V message queues ---- */
	long msgmax = sysctl_field("/proc/sys/kernel/msgmax", 0);
	CHECK(53, msgmax > 0);
	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(54, msqid >= 0);
	struct xmsg m;
	static const struct { long type; const char *text; } sends[] = {
		{5, "five"}, {2, "two"}, {7, "seven"}, {1, "one"}, {2, "two again"},
	};
	size_t total = 0;
	for (unsigned i = 0; i < sizeof sends / sizeof sends[0]; i++) {
		m.mtype = sends[i].type;
		strcpy(m.mtext, sends[i].text);
		CHECK(55, msgsnd(msqid, &m, strlen(sends[i].text), 0) == 0);
		total += strlen(sends[i].text);
	}
	struct msqid_ds mds;
	memset(&mds, 0, sizeof mds);
	CHECK(56, syscall(SYS_msgctl, msqid, IPC_STAT, &mds) == 0 && mds.msg_qnum == 5 &&
		  mds.__msg_cbytes == total && mds.msg_lspid == getpid());
	CHECK_ERR(57, syscall(SYS_msgctl, msqid, IPC_STAT | X_IPC_64, &mds), EINVAL);
	CHECK_ERR(58, syscall(SYS_msgctl, msqid, IPC_STAT, bad), EFAULT);
	/* MSG_COPY peeks at a message by position (if the kernel has it) */
	memset(&m, 0, sizeof m);
	errno = 0;
	r = msgrcv(msqid, &m, sizeof m.mtext, 2, MSG_COPY | IPC_NOWAIT);
	CHECK(59, (r == 5 && m.mtype == 7 && !memcmp(m.mtext, "seven", 5)) || (r == -1 && errno == ENOSYS));
	CHECK_ERR(60, msgrcv(msqid, &m, sizeof m.mtext, 0, MSG_COPY), EINVAL);
	/* by type: the first, an exact one, the lowest <= 3, any but 2 */
	memset(&m, 0, sizeof m);
	CHECK(61, msgrcv(msqid, &m, sizeof m.mtext, 0, 0) == 4 && m.mtype == 5 && !strcmp(m.mtext, "five"));
	memset(&m, 0, sizeof m);
	CHECK(62, msgrcv(msqid, &m, sizeof m.mtext, 7, 0) == 5 && m.mtype == 7 && !strcmp(m.mtext, "seven"));
	memset(&m, 0, sizeof m);
	CHECK(63, msgrcv(msqid, &m, sizeof m.mtext, -3, 0) == 3 && m.mtype == 1 && !strcmp(m.mtext, "one"));
	CHECK_ERR(64, msgrcv(msqid, &m, sizeof m.mtext, 2, MSG_EXCEPT | IPC_NOWAIT), ENOMSG);
	CHECK_ERR(65, msgrcv(msqid, &m, sizeof m.mtext, 9, IPC_NOWAIT), ENOMSG);
	/* too small a buffer: E2BIG and the message stays, or cut with MSG_NOERROR */
	CHECK_ERR(66, msgrcv(msqid, &m, 2, 2, 0), E2BIG);
	memset(&m, 0, sizeof m);
	CHECK(67, msgrcv(msqid, &m, 2, 2, MSG_NOERROR) == 2 && m.mtype == 2 && !strcmp(m.mtext, "tw"));
	/* a bad buffer: the message is taken, then EFAULT */
	CHECK_ERR(68, msgrcv(msqid, bad, sizeof m.mtext, 0, 0), EFAULT);
	CHECK(69, syscall(SYS_msgctl, msqid, IPC_STAT, &mds) == 0 && mds.msg_qnum == 0);
	CHECK_ERR(70, msgrcv(msqid, &m, sizeof m.mtext, 0, IPC_NOWAIT), ENOMSG);
	/* msgsnd errors */
	m.mtype = 0;
	CHECK_ERR(71, msgsnd(msqid, &m, 1, 0), EINVAL);
	m.mtype = 1;
	CHECK_ERR(72, msgsnd(msqid, bad, 1, 0), EFAULT);
	*(long *)(bad - 8) = 1; /* a good mtype, then the text faults */
	CHECK_ERR(73, msgsnd(msqid, bad - 8, 1, 0), EFAULT);
	CHECK_ERR(74, msgsnd(msqid, &m, (size_t)msgmax + 1, 0), EINVAL);
	CHECK_ERR(75, msgsnd(-1, &m, 1, 0), EINVAL);
	CHECK_ERR(76, msgrcv(msqid, &m, (size_t)-1, 0, 0), EINVAL);
	/* IPC_SET, IPC_INFO */
	mds.msg_qbytes = 100;
	CHECK(77, syscall(SYS_msgctl, msqid, IPC_SET, &mds) == 0);
	CHECK(78, syscall(SYS_msgctl, msqid, IPC_STAT, &mds) == 0 && mds.msg_qbytes == 100);
	struct msginfo mi;
	memset(&mi, 0, sizeof mi);
	CHECK(79, syscall(SYS_msgctl, msqid, IPC_INFO, &mi) >= 0 && mi.msgmax == msgmax);
	/* a receiver asleep in another process */
	int pp[2];
	CHECK(80, pipe(pp) == 0);
	fflush(stdout);
	p = fork();
	if (p == 0) {
		struct xmsg cm;
		close(pp[0]);
		close(pp[1]);
		memset(&cm, 0, sizeof cm);
		_exit(msgrcv(msqid, &cm, sizeof cm.mtext, 9, 0) == 4 && cm.mtype == 9 &&
		      !strcmp(cm.mtext, "nine") ? 0 : 1);
	}
	close(pp[0]);
	close(pp[1]);
	usleep(20000);
	m.mtype = 9;
	strcpy(m.mtext, "nine");
	CHECK(81, msgsnd(msqid, &m, 4, 0) == 0);
	st = wait_status(p);
	CHECK(82, WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(83, syscall(SYS_msgctl, msqid, IPC_RMID, 0) == 0);
	CHECK_ERR(84, msgsnd(msqid, &m, 4, 0), EINVAL);
	msqid = -1;
	printf("msg ok\n");

	/* ---- POSIX message queues ---- */
	snprintf(mqname, sizeof mqname, "gt-ipc-%ld", (long)getpid());
	struct xmq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 64};
	int q = (int)syscall(SYS_mq_open, mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &at);
	CHECK(85, q >= 0);
	mq_made = 1;
	CHECK(86, fcntl(q, F_GETFD) == FD_CLOEXEC);
	CHECK_ERR(87, syscall(SYS_mq_open, mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &at), EEXIST);
	memset(&at, 0, sizeof at);
	CHECK(88, getattr(q, &at) == 0 && at.mq_maxmsg == 4 && at.mq_msgsize == 64 &&
		  at.mq_curmsgs == 0 && at.mq_flags == 0);
	CHECK(89, sendq(q, "low", 3, 1, NULL) == 0 && sendq(q, "high", 4, 10, NULL) == 0 &&
		  sendq(q, "middle", 6, 5, NULL) == 0);
	CHECK(90, getattr(q, &at) == 0 && at.mq_curmsgs == 3);
	char buf[128];
	unsigned prio = 0;
	static const struct { const char *text; unsigned prio; } order[] = {
		{"high", 10}, {"middle", 5}, {"low", 1},
	};
	for (int i = 0; i < 3; i++) {
		memset(buf, 0, sizeof buf);
		r = recvq(q, buf, 64, &prio, NULL);
		CHECK(91, r == (long)strlen(order[i].text) && !strcmp(buf, order[i].text) &&
			  prio == order[i].prio);
	}
	/* errors before the queue is touched */
	struct timespec past = {1, 0};
	CHECK_ERR(92, recvq(q, buf, 63, &prio, NULL), EMSGSIZE);
	CHECK_ERR(92, sendq(q, buf, 65, 0, NULL), EMSGSIZE);
	CHECK_ERR(92, sendq(q, buf, 1, 32768, NULL), EINVAL);
	CHECK_ERR(92, sendq(q, buf, 1, 0, &tbad), EINVAL);
	CHECK_ERR(92, sendq(q, bad, 1, 0, NULL), EFAULT);
	CHECK_ERR(92, sendq(q, bad, 65, 0, NULL), EMSGSIZE);
	CHECK_ERR(92, recvq(q, buf, 64, &prio, (struct timespec *)bad), EFAULT);
	CHECK_ERR(92, sendq(9999, buf, 1, 0, NULL), EBADF);
	CHECK_ERR(92, recvq(-1, buf, 64, NULL, NULL), EBADF);
	CHECK_ERR(92, sendq(1, buf, 1, 0, NULL), EBADF);
	CHECK_ERR(92, getattr(1, &at), EBADF);
	printf("mq basics ok\n");

	/* a past timeout on an empty queue; a full queue, blocking or not */
	CHECK_ERR(93, recvq(q, buf, 64, &prio, &past), ETIMEDOUT);
	for (int i = 0; i < 4; i++)
		CHECK(93, sendq(q, "x", 1, (unsigned)i, NULL) == 0);
	CHECK_ERR(93, sendq(q, "x", 1, 0, &past), ETIMEDOUT);
	struct xmq_attr nb = {.mq_flags = O_NONBLOCK}, old;
	CHECK(93, syscall(SYS_mq_getsetattr, q, &nb, &old) == 0 && old.mq_flags == 0 && old.mq_curmsgs == 4);
	CHECK_ERR(93, sendq(q, "x", 1, 0, NULL), EAGAIN);
	CHECK(93, getattr(q, &at) == 0 && at.mq_flags == O_NONBLOCK);
	nb.mq_flags = 1;
	CHECK_ERR(93, syscall(SYS_mq_getsetattr, q, &nb, NULL), EINVAL);
	CHECK_ERR(93, syscall(SYS_mq_getsetattr, q, bad, NULL), EFAULT);
	CHECK_ERR(93, syscall(SYS_mq_getsetattr, q, NULL, bad), EFAULT);
	/* a bad receive buffer: the message is taken, then EFAULT */
	CHECK_ERR(94, recvq(q, bad, 64, &prio, NULL), EFAULT);
	CHECK_ERR(94, recvq(q, buf, 64, (unsigned *)bad, NULL), EFAULT);
	CHECK(94, getattr(q, &at) == 0 && at.mq_curmsgs == 2);
	while (recvq(q, buf, 64, NULL, NULL) >= 0)
		;
	CHECK(94, errno == EAGAIN);
	printf("mq limits ok\n");

	/* mq_notify */
	CHECK(95, syscall(SYS_mq_notify, q, NULL) == 0);
	struct xsigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.notify = SIGEV_NONE;
	CHECK(95, syscall(SYS_mq_notify, q, &ev) == 0);
	CHECK_ERR(95, syscall(SYS_mq_notify, q, &ev), EBUSY);
	CHECK(95, syscall(SYS_mq_notify, q, NULL) == 0);
	ev.notify = 99;
	CHECK_ERR(95, syscall(SYS_mq_notify, q, &ev), EINVAL);
	ev.notify = SIGEV_SIGNAL;
	ev.signo = 100;
	CHECK_ERR(95, syscall(SYS_mq_notify, q, &ev), EINVAL);
	CHECK_ERR(95, syscall(SYS_mq_notify, q, bad), EFAULT);
	CHECK_ERR(95, syscall(SYS_mq_notify, 9999, NULL), EBADF);
	CHECK_ERR(95, syscall(SYS_mq_notify, 9999, &ev), EINVAL);
	/* SIGEV_SIGNAL: sent when a message arrives in the empty queue */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK(96, sigaction(SIGUSR1, &sa, NULL) == 0);
	ev.signo = SIGUSR1;
	ev.value.i = 42;
	CHECK(96, syscall(SYS_mq_notify, q, &ev) == 0);
	CHECK(96, sendq(q, "s", 1, 0, NULL) == 0);
	for (int i = 0; i < 1000 && !usr1_count; i++)
		usleep(1000);
	CHECK(96, usr1_count == 1 && usr1_code == X_SI_MESGQ && usr1_value == 42);
	CHECK(96, recvq(q, buf, 64, NULL, NULL) == 1);
	/* SIGEV_THREAD: the kernel's side - a cookie sent to a netlink socket */
	int ns = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	CHECK(97, ns >= 0);
	unsigned char cookie[32], rc[64];
	memset(cookie, 0x5a, sizeof cookie);
	memset(&ev, 0, sizeof ev);
	ev.notify = SIGEV_THREAD;
	ev.signo = ns;
	ev.value.p = bad;
	CHECK_ERR(97, syscall(SYS_mq_notify, q, &ev), EFAULT);
	ev.value.p = cookie;
	ev.signo = 9999;
	CHECK_ERR(97, syscall(SYS_mq_notify, q, &ev), EBADF);
	ev.signo = ns;
	CHECK(97, syscall(SYS_mq_notify, q, &ev) == 0);
	CHECK(97, sendq(q, "t", 1, 0, NULL) == 0);
	r = recv(ns, rc, sizeof rc, 0);
	CHECK(97, r == 32 && rc[0] == 0x5a && rc[30] == 0x5a && rc[31] == 1);
	CHECK(97, recvq(q, buf, 64, NULL, NULL) == 1 && close(ns) == 0);
	printf("mq_notify ok\n");

	/* names */
	CHECK(98, close(q) == 0);
	CHECK(98, syscall(SYS_mq_unlink, mqname) == 0);
	mq_made = 0;
	CHECK_ERR(98, syscall(SYS_mq_open, mqname, O_RDWR, 0, NULL), ENOENT);
	CHECK_ERR(98, syscall(SYS_mq_unlink, mqname), ENOENT);
	CHECK_ERR(98, syscall(SYS_mq_open, "", O_RDWR, 0, NULL), ENOENT);
	CHECK_ERR(98, syscall(SYS_mq_open, bad, O_RDWR, 0, NULL), EFAULT);
	CHECK_ERR(98, syscall(SYS_mq_open, mqname, O_RDWR | O_CREAT, 0600, bad), EFAULT);
	CHECK_ERR(98, syscall(SYS_mq_open, mqname, O_RDWR, 0600, bad), EFAULT);
	CHECK_ERR(98, syscall(SYS_mq_unlink, bad), EFAULT);
	char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK_ERR(98, syscall(SYS_mq_open, longname, O_RDWR | O_CREAT, 0600, NULL), ENAMETOOLONG);
	CHECK_ERR(98, syscall(SYS_mq_unlink, longname), ENAMETOOLONG);
	at = (struct xmq_attr){.mq_maxmsg = 0, .mq_msgsize = 64};
	CHECK_ERR(98, syscall(SYS_mq_open, mqname, O_RDWR | O_CREAT, 0600, &at), EINVAL);
	printf("mq names ok\n");
	return 0;
}
