/* threads: POSIX threads over clone(CLONE_THREAD) and futex, as glibc and
 * musl use them: create/join with return values, thread-local storage,
 * tids, a mutex-protected counter, a condition variable, a barrier, a
 * spin on a flag only another thread sets (needs preemption), busy
 * register-only loops across many time slices (a slice must not rerun
 * instructions), a timed wait that times out, pthread_exit, a signal to
 * one thread, fork from a thread, /proc/self/status's Threads, and
 * threads that block in the host's terms: a read of an empty pipe that
 * another thread fills, sigwait for a signal another thread sends,
 * sigtimedwait that times out, nanosleep while another thread computes,
 * poll, select and epoll_wait for an fd another thread makes ready (and
 * select's timeout, which empties the sets), waitpid for a child while
 * other threads run. */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include "gt.h"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define NT 4

static __thread int tls_val = 7;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int queue[64], qhead, qtail, done_producing;
static volatile int flag;
static pthread_barrier_t bar;
static pid_t tids[NT];

static void *worker(void *arg)
{
	long id = (long)arg;
	tls_val = 100 + (int)id;
	tids[id] = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	if (tls_val != 100 + (int)id)
		return (void *)-1;
	return (void *)(id * 10);
}

/* A long register-only loop: any instruction run twice changes the sum. */
static void *busy(void *arg)
{
	unsigned long n = (unsigned long)arg, x = 0, y = 1;
	for (unsigned long i = 0; i < n; i++) {
		x += i ^ y;
		y = y * 6364136223846793005UL + 1442695040888963407UL;
	}
	return (void *)(x ^ y);
}

static unsigned long busy_ref(unsigned long n)
{
	return (unsigned long)busy((void *)n);
}

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&mu);
		while ((qtail + 1) % 64 == qhead)
			pthread_cond_wait(&cv, &mu);
		queue[qtail] = i;
		qtail = (qtail + 1) % 64;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	done_producing = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *setter(void *arg)
{
	(void)arg;
	/* no syscall between start and the store: only preemption lets the
	 * spinning main thread see it on one CPU */
	for (volatile int i = 0; i < 100000; i++)
		;
	flag = 1;
	return NULL;
}

static void *barrier_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar); /* all up */
	pthread_barrier_wait(&bar); /* main has read the status */
	return NULL;
}

static int status_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static volatile int got_usr1;
static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void *sig_waiter(void *arg)
{
	(void)arg;
	while (!got_usr1)
		sched_yield();
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	pid_t p = fork();
	if (p == 0)
		_exit(getpid() == syscall(SYS_gettid) ? 42 : 1);
	int st;
	if (p < 0 || waitpid(p, &st, 0) != p)
		return (void *)1;
	return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int pfd[2];
static void *pipe_reader(void *arg)
{
	(void)arg;
	char b[16];
	ssize_t n = read(pfd[0], b, sizeof b);
	return (void *)n;
}

static void *sig_waiter2(void *arg)
{
	(void)arg;
	sigset_t s;
	int sig = 0;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	if (sigwait(&s, &sig))
		return (void *)-1L;
	return (void *)(long)sig;
}

static void *napper(void *arg)
{
	(void)arg;
	struct timespec t = {0, 20 * 1000000};
	return (void *)(long)nanosleep(&t, NULL);
}

static void *poller(void *arg)
{
	long kind = (long)arg;
	if (kind == 0) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, 5000);
		return (void *)(long)(r == 1 && (p.revents & POLLIN));
	}
	if (kind == 1) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(pfd[0], &r);
		struct timeval tv = {5, 0};
		int n = select(pfd[0] + 1, &r, NULL, NULL, &tv);
		return (void *)(long)(n == 1 && FD_ISSET(pfd[0], &r));
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, out;
	ev.data.fd = pfd[0];
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev))
		return (void *)-1L;
	int n = epoll_wait(ep, &out, 1, 5000);
	close(ep);
	return (void *)(long)(n == 1 && out.data.fd == pfd[0]);
}

static void *child_waiter(void *arg)
{
	(void)arg;
	pid_t p = fork();
	if (p == 0) {
		struct timespec t = {0, 20 * 1000000};
		nanosleep(&t, NULL);
		_exit(7);
	}
	int st;
	if (p < 0 || waitpid(p, &st, 0) != p)
		return (void *)-1L;
	return (void *)(long)WEXITSTATUS(st);
}

static char thread_saw[16], thread_set[16];
static void *namer(void *arg)
{
	(void)arg;
	prctl(PR_GET_NAME, thread_saw, 0, 0, 0);
	prctl(PR_SET_NAME, "worker-1", 0, 0, 0);
	prctl(PR_GET_NAME, thread_set, 0, 0, 0);
	return NULL;
}

static void status_name(char *out)
{
	char buf[256];
	FILE *f = fopen("/proc/self/status", "r");
	out[0] = 0;
	while (f && fgets(buf, sizeof buf, f))
		if (sscanf(buf, "Name:\t%63s", out) == 1)
			break;
	if (f)
		fclose(f);
}

static void *last_one(void *arg)
{
	(void)arg;
	for (volatile int i = 0; i < 200000; i++)
		;
	printf("last thread done, tls %d\n", tls_val);
	fflush(stdout);
	return NULL;
}

int main(void)
{
	pthread_t th[NT];
	void *ret;

	/* create, join, TLS, tids, mutex */
	for (long i = 0; i < NT; i++)
		CHECK(1, pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	for (long i = 0; i < NT; i++) {
		CHECK(2, pthread_join(th[i], &ret) == 0);
		CHECK(3, ret == (void *)(i * 10));
	}
	CHECK(4, counter == NT * 20000L);
	CHECK(5, tls_val == 7);
	for (int i = 0; i < NT; i++) {
		CHECK(6, tids[i] > 0 && tids[i] != getpid());
		for (int j = 0; j < i; j++)
			CHECK(7, tids[i] != tids[j]);
	}
	CHECK(8, syscall(SYS_gettid) == getpid());
	printf("mutex counter %ld\n", counter);

	/* busy loops over many slices, compared with the same loop here */
	unsigned long n = 3000000, want = busy_ref(n);
	for (long i = 0; i < 3; i++)
		CHECK(9, pthread_create(&th[i], NULL, busy, (void *)n) == 0);
	for (long i = 0; i < 3; i++) {
		CHECK(10, pthread_join(th[i], &ret) == 0);
		CHECK(11, (unsigned long)ret == want);
	}
	printf("busy loops agree\n");

	/* condition variable: producer and consumer */
	long sum = 0;
	int got = 0;
	CHECK(12, pthread_create(&th[0], NULL, producer, NULL) == 0);
	pthread_mutex_lock(&mu);
	for (;;) {
		while (qhead == qtail && !done_producing)
			pthread_cond_wait(&cv, &mu);
		if (qhead == qtail)
			break;
		sum += queue[qhead];
		got++;
		qhead = (qhead + 1) % 64;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	CHECK(13, pthread_join(th[0], NULL) == 0);
	CHECK(14, got == 1000 && sum == 500500);
	printf("condvar %d items, sum %ld\n", got, sum);

	/* a spin only another thread ends */
	CHECK(15, pthread_create(&th[0], NULL, setter, NULL) == 0);
	while (!flag)
		;
	CHECK(16, pthread_join(th[0], NULL) == 0);
	printf("spin ended\n");

	/* a timed wait that times out */
	struct timespec t0, t1, dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 50 * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&mu);
	int e = pthread_cond_timedwait(&cv, &mu, &dl);
	pthread_mutex_unlock(&mu);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(17, e == ETIMEDOUT && ms >= 45);
	printf("timedwait: ETIMEDOUT\n");

	/* Threads in /proc/self/status */
	CHECK(18, pthread_barrier_init(&bar, NULL, 3) == 0);
	CHECK(19, status_threads() == 1);
	for (int i = 0; i < 2; i++)
		CHECK(20, pthread_create(&th[i], NULL, barrier_worker, NULL) == 0);
	pthread_barrier_wait(&bar);
	int nthr = status_threads();
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 2; i++)
		CHECK(21, pthread_join(th[i], NULL) == 0);
	CHECK(22, nthr == 3);
	printf("Threads: %d while three ran\n", nthr);

	/* a signal sent to one thread */
	signal(SIGUSR1, on_usr1);
	CHECK(23, pthread_create(&th[0], NULL, sig_waiter, NULL) == 0);
	CHECK(24, pthread_kill(th[0], SIGUSR1) == 0);
	CHECK(25, pthread_join(th[0], NULL) == 0 && got_usr1);
	printf("pthread_kill delivered\n");

	/* fork from a thread: the child has that one thread */
	CHECK(26, pthread_create(&th[0], NULL, forker, NULL) == 0);
	CHECK(27, pthread_join(th[0], &ret) == 0);
	CHECK(28, ret == (void *)42L);
	printf("fork from a thread: child status %ld\n", (long)ret);

	/* a read that waits for another thread's write */
	CHECK(30, pipe(pfd) == 0);
	CHECK(31, pthread_create(&th[0], NULL, pipe_reader, NULL) == 0);
	for (int i = 0; i < 5; i++)
		sched_yield();
	CHECK(32, write(pfd[1], "hello", 5) == 5);
	CHECK(33, pthread_join(th[0], &ret) == 0 && ret == (void *)5L);
	printf("pipe read across threads: %ld bytes\n", (long)ret);

	/* sigwait for a signal another thread sends */
	sigset_t s2;
	sigemptyset(&s2);
	sigaddset(&s2, SIGUSR2);
	CHECK(34, pthread_sigmask(SIG_BLOCK, &s2, NULL) == 0);
	CHECK(35, pthread_create(&th[0], NULL, sig_waiter2, NULL) == 0);
	for (int i = 0; i < 5; i++)
		sched_yield();
	CHECK(36, pthread_kill(th[0], SIGUSR2) == 0);
	CHECK(37, pthread_join(th[0], &ret) == 0 && ret == (void *)(long)SIGUSR2);
	printf("sigwait got signal %ld\n", (long)ret);

	/* sigtimedwait that times out while another thread runs */
	struct timespec to = {0, 30 * 1000000};
	CHECK(38, pthread_create(&th[0], NULL, napper, NULL) == 0);
	errno = 0;
	CHECK(39, sigtimedwait(&s2, NULL, &to) == -1 && errno == EAGAIN);
	CHECK(40, pthread_join(th[0], &ret) == 0 && ret == NULL);
	printf("sigtimedwait: EAGAIN; nanosleep in a thread: 0\n");

	/* poll, select, epoll_wait on a pipe another thread writes */
	static const char *const pname[] = {"poll", "select", "epoll_wait"};
	for (long k = 0; k < 3; k++) {
		char b[8];
		CHECK(41, pthread_create(&th[0], NULL, poller, (void *)k) == 0);
		for (int i = 0; i < 5; i++)
			sched_yield();
		CHECK(42, write(pfd[1], "x", 1) == 1);
		CHECK(43, pthread_join(th[0], &ret) == 0 && ret == (void *)1L);
		CHECK(44, read(pfd[0], b, sizeof b) == 1);
		printf("%s woken by another thread's write\n", pname[k]);
	}
	/* a select that times out empties its set */
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(pfd[0], &rs);
	struct timeval tv = {0, 30000};
	CHECK(45, pthread_create(&th[0], NULL, napper, NULL) == 0);
	CHECK(46, select(pfd[0] + 1, &rs, NULL, NULL, &tv) == 0 && !FD_ISSET(pfd[0], &rs));
	CHECK(47, pthread_join(th[0], NULL) == 0);
	printf("select timed out, set empty\n");

	/* waitpid in one thread while another runs */
	CHECK(48, pthread_create(&th[0], NULL, child_waiter, NULL) == 0);
	CHECK(49, pthread_create(&th[1], NULL, busy, (void *)300000UL) == 0);
	CHECK(50, pthread_join(th[1], NULL) == 0);
	CHECK(51, pthread_join(th[0], &ret) == 0 && ret == (void *)7L);
	printf("waitpid in a thread: status %ld\n", (long)ret);

	/* names are per thread: inherited at creation, the leader's in /proc */
	char mine[16], pname2[64];
	CHECK(52, prctl(PR_SET_NAME, "mainname", 0, 0, 0) == 0);
	CHECK(53, pthread_create(&th[0], NULL, namer, NULL) == 0 && pthread_join(th[0], NULL) == 0);
	CHECK(54, prctl(PR_GET_NAME, mine, 0, 0, 0) == 0);
	status_name(pname2);
	CHECK(55, !strcmp(thread_saw, "mainname") && !strcmp(thread_set, "worker-1") &&
		  !strcmp(mine, "mainname") && !strcmp(pname2, "mainname"));
	printf("names: thread started as %s, set %s; main %s; /proc %s\n", thread_saw, thread_set,
	       mine, pname2);

	/* main leaves first; the process ends with the last thread */
	CHECK(29, pthread_create(&th[0], NULL, last_one, NULL) == 0);
	printf("main exits\n");
	fflush(stdout);
	pthread_exit(NULL);
}
