/* pingpong: two threads hand a turn back and forth 100,000 times through a
 * mutex and a condition variable (futex waits and wakes), then a line.
 * Natively every hand-over is a cross-CPU wake-up; under pagemu the
 * threads take turns on one guest CPU. */
#include <pthread.h>
#include <stdio.h>

#define N 100000

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn;

static void pass(int mine)
{
	pthread_mutex_lock(&m);
	while (turn != mine)
		pthread_cond_wait(&c, &m);
	turn = !mine;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&m);
}

static void *other(void *arg)
{
	for (int i = 0; i < N; i++)
		pass(1);
	return arg;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, other, NULL))
		return 1;
	for (int i = 0; i < N; i++)
		pass(0);
	pthread_join(t, NULL);
	printf("%d hand-overs each way\n", N);
	return 0;
}
