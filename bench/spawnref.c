/* spawnref.c: the reference figures `make bench` sets the suite's creation and teardown
 * beside, measured with nothing of the suite around them: fork() + _exit(0) in the
 * child + waitpid() in the parent, and pthread_create() + pthread_join() of a thread
 * that returns at once, each timed on CLOCK_MONOTONIC around the pair, one at a time.
 * Prints the medians over N pairs (-n N, default 200), in microseconds:
 *   fork_wait_us=... create_join_us=...
 * Built into BUILD/bench/spawnref (not an exercise: it has no harness, no records). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, int err)
{
	fprintf(stderr, "spawnref: %s: %s\n", what, strerror(err));
	exit(3);
}

static double now(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		die("clock_gettime", errno);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *nothing(void *arg)
{
	return arg;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int n = 200;
	double *t;

	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		n = atoi(argv[2]);
	else if (argc != 1)
		n = 0;
	if (n < 1 || n > 1000000) {
		fprintf(stderr, "spawnref: option -n: a count from 1 to 1000000\n");
		return 2;
	}
	t = malloc((size_t)n * sizeof *t);
	if (t == NULL)
		die("malloc", ENOMEM);
	for (int i = 0; i < n; i++) {
		int st;
		double t0 = now();
		pid_t pid = fork();
		if (pid < 0)
			die("fork", errno);
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid", errno);
		t[i] = now() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("child", ECHILD);
	}
	printf("fork_wait_us=%.1f", median(t, n) * 1e6);
	for (int i = 0; i < n; i++) {
		pthread_t tid;
		int rc;
		double t0 = now();
		if ((rc = pthread_create(&tid, NULL, nothing, NULL)) != 0)
			die("pthread_create", rc);
		if ((rc = pthread_join(tid, NULL)) != 0)
			die("pthread_join", rc);
		t[i] = now() - t0;
	}
	printf(" create_join_us=%.1f\n", median(t, n) * 1e6);
	free(t);
	return 0;
}
