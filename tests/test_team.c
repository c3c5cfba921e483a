/* test_team.c: the POSIX team helpers (posix/team.c) on their own: what worker
 * processes write to shared memory is what the parent reads once px_procs_run returns,
 * and no worker process is left behind; the same for threads. What they time: the
 * work of the slowest worker, the team's start and end besides (outer), a prologue
 * left out by px_team_mark_start, phases one after the other. Only lower bounds, and
 * upper bounds with a wide margin (sleeps, not arithmetic), so a busy machine passes. */
#include "hx.h"
#include "team.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
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

/* the timed region holds the slowest worker's work (worker 2: 40 ms), and outer holds
 * the region and more */
static void times_the_slowest_worker(void **state)
{
	long slot[WORKERS] = { 0 };
	long *shared = px_shared_alloc(WORKERS * sizeof *shared);
	struct px_times t;
	(void)state;
	assert_true(px_team_run_times(WORKERS, write_slot, slot, &t) >= 0.040);
	assert_true(t.work >= 0.040 && t.outer >= t.work);
	check_slots(slot);
	px_procs_run(WORKERS, write_slot, shared);
	check_slots(shared);
	px_shared_free(shared, WORKERS * sizeof *shared);
}

/* Creation and teardown, stamped where they happen (px_life): on both kinds of worker,
 * every figure is positive, and creating the team, its work and ending it follow one
 * another inside the time seen from outside (no order of magnitude: this machine is
 * noisy, make bench compares them with fork + waitpid and pthread_create + join). */
static void check_life(const struct px_times *t)
{
	assert_true(t->creation > 0 && t->teardown > 0);
	assert_true(t->start >= t->creation); /* the team's from the first create call */
	assert_true(t->end > 0);
	assert_true(t->outer >= t->start + t->work + t->end);
}

static void creation_and_teardown_are_stamped(void **state)
{
	long *shared = px_shared_alloc(WORKERS * sizeof *shared);
	struct px_times t;
	(void)state;
	memset(&t, 0, sizeof t);
	px_threads_run_times(WORKERS, write_slot, shared, &t);
	check_slots(shared);
	check_life(&t);
	memset(&t, 0, sizeof t);
	memset(shared, 0, WORKERS * sizeof *shared);
	px_procs_run_times(WORKERS, write_slot, shared, &t);
	check_slots(shared);
	check_life(&t);
	px_shared_free(shared, WORKERS * sizeof *shared);
}

/* 200 ms of prologue, then the timed part: 5 ms */
static void prologue_then_work(int w, void *arg)
{
	(void)w;
	(void)arg;
	hx_sleep_ns(200000000u);
	px_team_mark_start();
	hx_sleep_ns(5000000u);
}

static void mark_start_leaves_the_prologue_out(void **state)
{
	double threads, procs;
	(void)state;
	threads = px_threads_run(WORKERS, prologue_then_work, NULL);
	procs = px_procs_run(WORKERS, prologue_then_work, NULL);
	assert_true(threads >= 0.005 && threads < 0.150);
	assert_true(procs >= 0.005 && procs < 0.150);
}

static void sleep_10ms(void *arg) { (void)arg; hx_sleep_ns(10000000u); }
static void sleep_30ms(void *arg) { (void)arg; hx_sleep_ns(30000000u); }

static void phases_one_after_the_other(void **state)
{
	static const px_drive_fn step[2] = { sleep_10ms, sleep_30ms };
	double t[2];
	(void)state;
	px_drive_phases(2, step, NULL, t);
	assert_true(t[0] >= 0.010 && t[1] >= 0.030);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(processes_share_and_are_reaped),
		cmocka_unit_test(threads_share),
		cmocka_unit_test(shared_mapping_crosses_fork),
		cmocka_unit_test(times_the_slowest_worker),
		cmocka_unit_test(creation_and_teardown_are_stamped),
		cmocka_unit_test(mark_start_leaves_the_prologue_out),
		cmocka_unit_test(phases_one_after_the_other),
	};
	return cmocka_run_group_tests_name("POSIX team helpers", tests, NULL, NULL);
}
