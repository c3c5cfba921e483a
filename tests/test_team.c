/* test_team.c: the POSIX team helpers (posix/team.c) on their own: what worker
 * processes write to shared memory is what the parent reads once px_procs_run returns,
 * and no worker process is left behind; the same for threads. */
#include "hx.h"
#include "team.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>

#define WORKERS 3

/* each worker writes its own slot late (worker w after w * 20 ms): a parent that
 * returns before its workers are done reads a slot still empty */
static void write_slot(int w, void *arg)
{
	long *slot = arg;
	hx_sleep_ns((uint64_t)w * 20000000u);
	slot[w] = 1000 + w;
}

static void check_slots(const long *slot)
{
	for (int w = 0; w < WORKERS; w++)
		assert_int_equal(slot[w], 1000 + w);
}

static void processes_share_and_are_reaped(void **state)
{
	long *slot = px_shared_alloc(WORKERS * sizeof *slot);
	int st;
	(void)state;
	for (int rep = 0; rep < 2; rep++) {
		for (int w = 0; w < WORKERS; w++)
			slot[w] = 0;
		assert_true(px_procs_run(WORKERS, write_slot, slot) >= 0);
		check_slots(slot);
		/* every worker reaped: nothing left to wait for, not even a zombie */
		errno = 0;
		assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
		assert_int_equal(errno, ECHILD);
	}
	px_shared_free(slot, WORKERS * sizeof *slot);
}

static void threads_share(void **state)
{
	long slot[WORKERS] = { 0 };
	(void)state;
	assert_true(px_threads_run(WORKERS, write_slot, slot) >= 0);
	check_slots(slot);
}

/* the parent's view of a shared mapping after a child wrote it, without the team */
static void shared_mapping_crosses_fork(void **state)
{
	long *v = px_shared_alloc(sizeof *v);
	pid_t pid;
	int st;
	(void)state;
	*v = 1;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		*v = 42;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(*v, 42);
	px_shared_free(v, sizeof *v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(processes_share_and_are_reaped),
		cmocka_unit_test(threads_share),
		cmocka_unit_test(shared_mapping_crosses_fork),
	};
	return cmocka_run_group_tests_name("POSIX team helpers", tests, NULL, NULL);
}
