/* pingref.c: make bench's bare references for an 8-byte one-way hand-off, nothing of
 * the suite around them:
 *   pipe     a parent and a fork()ed child, one pipe each way, write()/read() of 8 bytes
 *   condvar  two threads, one slot behind a mutex and a condition variable each way,
 *            each signalled after the mutex is released
 * The child (or thread) echoes; the parent times `inner` round trips (calibrated to
 * -t MS, default 1) and halves them. Prints the medians over -s SAMPLES (default 9):
 *   pipe_oneway_us=... condvar_oneway_us=...
 * Built into BUILD/bench/pingref by make bench. */
#include "ref.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_child[2], to_parent[2];

static void full_write(int fd, const void *buf, size_t n)
{
	ssize_t k;
	while ((k = write(fd, buf, n)) < 0)
		if (errno != EINTR)
			ref_die("write", errno);
	if ((size_t)k != n)
		ref_die("write (short)", EIO);
}

static int full_read(int fd, void *buf, size_t n)
{
	ssize_t k;
	while ((k = read(fd, buf, n)) < 0)
		if (errno != EINTR)
			ref_die("read", errno);
	if (k == 0)
		return 0;
	if ((size_t)k != n)
		ref_die("read (short)", EIO);
	return 1;
}

static double pipe_trips(void *arg, long inner)
{
	uint64_t m = 0;
	double t0 = ref_now();
	(void)arg;
	for (long i = 0; i < inner; i++) {
		m = (uint64_t)i;
		full_write(to_child[1], &m, sizeof m);
		if (!full_read(to_parent[0], &m, sizeof m) || m != (uint64_t)i + 1)
			ref_die("pipe echo", EPROTO);
	}
	return (ref_now() - t0) / 2;
}

struct slot {
	pthread_mutex_t mu;
	pthread_cond_t ping, pong;
	uint64_t value;
	int state; /* 0 empty, 1 ping waiting, 2 pong waiting, 3 stop */
};

static void check(int rc, const char *what)
{
	if (rc != 0)
		ref_die(what, rc);
}

static void *echo(void *arg)
{
	struct slot *s = arg;
	check(pthread_mutex_lock(&s->mu), "pthread_mutex_lock");
	for (;;) {
		while (s->state != 1 && s->state != 3)
			check(pthread_cond_wait(&s->ping, &s->mu), "pthread_cond_wait");
		if (s->state == 3)
			break;
		s->value++;
		s->state = 2;
		/* signalled after the unlock: the woken thread does not block on the mutex */
		check(pthread_mutex_unlock(&s->mu), "pthread_mutex_unlock");
		check(pthread_cond_signal(&s->pong), "pthread_cond_signal");
		check(pthread_mutex_lock(&s->mu), "pthread_mutex_lock");
	}
	check(pthread_mutex_unlock(&s->mu), "pthread_mutex_unlock");
	return NULL;
}

static double cond_trips(void *arg, long inner)
{
	struct slot *s = arg;
	double t0 = ref_now();
	for (long i = 0; i < inner; i++) {
		check(pthread_mutex_lock(&s->mu), "pthread_mutex_lock");
		s->value = (uint64_t)i;
		s->state = 1;
		check(pthread_mutex_unlock(&s->mu), "pthread_mutex_unlock");
		check(pthread_cond_signal(&s->ping), "pthread_cond_signal");
		check(pthread_mutex_lock(&s->mu), "pthread_mutex_lock");
		while (s->state != 2)
			check(pthread_cond_wait(&s->pong, &s->mu), "pthread_cond_wait");
		if (s->value != (uint64_t)i + 1)
			ref_die("condvar echo", EPROTO);
		s->state = 0;
		check(pthread_mutex_unlock(&s->mu), "pthread_mutex_unlock");
	}
	return (ref_now() - t0) / 2;
}

int main(int argc, char **argv)
{
	struct slot s = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  PTHREAD_COND_INITIALIZER, 0, 0 };
	pthread_t tid;
	pid_t pid;
	int st;
	double pipe_s, cond_s;

	ref_options(argc, argv, "pingref");
	if (pipe(to_child) != 0 || pipe(to_parent) != 0)
		ref_die("pipe", errno);
	pid = fork();
	if (pid < 0)
		ref_die("fork", errno);
	if (pid == 0) { /* the echo: until the parent closes its end */
		uint64_t m;
		close(to_child[1]);
		close(to_parent[0]);
		while (full_read(to_child[0], &m, sizeof m)) {
			m++;
			full_write(to_parent[1], &m, sizeof m);
		}
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	pipe_s = ref_measure(pipe_trips, NULL);
	close(to_child[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			ref_die("waitpid", errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		ref_die("child", ECHILD);
	close(to_parent[0]);

	check(pthread_create(&tid, NULL, echo, &s), "pthread_create");
	cond_s = ref_measure(cond_trips, &s);
	check(pthread_mutex_lock(&s.mu), "pthread_mutex_lock");
	s.state = 3;
	check(pthread_cond_signal(&s.ping), "pthread_cond_signal");
	check(pthread_mutex_unlock(&s.mu), "pthread_mutex_unlock");
	check(pthread_join(tid, NULL), "pthread_join");
	printf("pipe_oneway_us=%.4f condvar_oneway_us=%.4f\n", pipe_s * 1e6, cond_s * 1e6);
	return 0;
}
