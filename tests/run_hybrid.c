/* run_hybrid.c: integration tests of the hybrid backend (hybrid/: MPI ranks of OpenMP
 * threads), started as `OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/<e>`: the
 * records say 2 ranks x 2 threads = 4 workers and validate; MPI runs at
 * MPI_THREAD_FUNNELED; sync's two-level barrier and workload validate; ipc runs between
 * two threads of a rank and between two ranks; an uneven count (3 = 2 + 1 threads)
 * validates; a corrupted result (TVP_HYBRID_CORRUPT=1: the last rank sends one wrong
 * value) fails validation with exit 1; bad input is one line and exit 2 on every rank. Not named after an exercise, so
 * ONLY= keeps it. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAUNCH "tools/mpilaunch"

/* 1 when `ex` is among the exercises built: TX_EXERCISES (make test sets it, following
 * ONLY=), else every one */
static int built(const char *ex)
{
	const char *env = getenv("TX_EXERCISES"), *p;
	size_t n = strlen(ex);

	if (env == NULL || *env == '\0')
		return 1;
	for (p = env; (p = strstr(p, ex)) != NULL; p += n)
		if ((p == env || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* OMP_NUM_THREADS=threads tools/mpilaunch ranks BUILD/hybrid/ex args...; a test of an
 * exercise that ONLY= left out is skipped */
static void hy_launch(struct tx_result *r, int ranks, int threads, const char *ex,
		      const char *const args[])
{
	char bin[512], nbuf[16], tbuf[16];
	const char *argv[64];
	int n = 0;

	if (!built(ex))
		skip();
	if (access(LAUNCH, X_OK) != 0) {
		fprintf(stderr, LAUNCH " not found: run the tests from the checkout\n");
		fail();
	}
	snprintf(bin, sizeof bin, "%s/hybrid/%s", tx_build(), ex);
	snprintf(nbuf, sizeof nbuf, "%d", ranks);
	snprintf(tbuf, sizeof tbuf, "%d", threads);
	assert_int_equal(setenv("OMP_NUM_THREADS", tbuf, 1), 0);
	setenv("ASAN_OPTIONS", "detect_leaks=0", 0); /* Open MPI's own allocations */
	argv[n++] = LAUNCH;
	argv[n++] = nbuf;
	argv[n++] = bin;
	for (int i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tx_run(r, TX_TIMEOUT * 2, (char *const *)argv);
	unsetenv("OMP_NUM_THREADS");
}

static const char *note_of(const struct tx_csv *t, int row)
{
	const char *note = tx_csv_get(t, row, "note");
	assert_non_null(note);
	return note;
}

/* every record of `ex` on hybrid at 2 ranks x 2 threads, exit 0, validated */
static void expect_two_by_two(const char *ex, const char *const args[], int min_rows,
			      struct tx_csv *t)
{
	struct tx_result r;

	hy_launch(&r, 2, 2, ex, args);
	if (r.timed_out || r.exit_code != 0 || tx_csv_parse(r.out, t) != 0 || t->nrows < min_rows) {
		tx_dump(ex, &r);
		fail();
	}
	for (int row = 0; row < t->nrows; row++) {
		const char *note = note_of(t, row), *mpi = tx_csv_get(t, row, "mpi");
		assert_string_equal(tx_csv_get(t, row, "exercise"), ex);
		assert_string_equal(tx_csv_get(t, row, "backend"), "hybrid");
		assert_string_equal(tx_csv_get(t, row, "workers"), "4");
		assert_true(tx_passed(tx_csv_get(t, row, "verdict")));
		assert_int_equal((int)tx_note(note, "ranks"), 2);
		assert_int_equal((int)tx_note(note, "threads"), 2);
		assert_non_null(mpi);
		if (strstr(mpi, "MPI_THREAD_FUNNELED") == NULL &&
		    strstr(mpi, "MPI_THREAD_SERIALIZED") == NULL &&
		    strstr(mpi, "MPI_THREAD_MULTIPLE") == NULL) {
			fprintf(stderr, "mpi field without a thread level of FUNNELED or above: %s\n", mpi);
			fail();
		}
	}
	tx_result_free(&r);
}

/* sumsquares at 2 x 2: static and cyclic validate (every element against the closed
 * form), with a speedup against the serial baseline; dynamic and guided are n/a */
static void sumsquares_two_by_two(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "-n", "4000", "-r", "2",
					    "-x", "0", "--variant", "static,cyclic", NULL };
	struct tx_csv t;
	int runs = 0;

	(void)state;
	expect_two_by_two("sumsquares", args, 4, &t);
	for (int row = 0; row < t.nrows; row++) {
		const char *note = note_of(&t, row);
		if (strcmp(tx_csv_get(&t, row, "phase"), "run") != 0)
			continue;
		assert_int_equal((int)tx_note(note, "checked"), 4000);
		assert_true(tx_note(note, "speedup") >= 0);
		runs++;
	}
	assert_int_equal(runs, 2);
	tx_csv_free(&t);
}

/* the check of the brief: -n 20000 -r 3 without -w runs 1, 2 and 4 workers; the 4 is 2
 * ranks x 2 threads, and the table says so */
static void sumsquares_default_workers(void **state)
{
	static const char *const args[] = { "-n", "20000", "-r", "3", "--variant", "cyclic", NULL };
	struct tx_result r;

	(void)state;
	hy_launch(&r, 2, 2, "sumsquares", args);
	if (r.timed_out || r.exit_code != 0 || strstr(r.out, "ranks=2 threads=2") == NULL ||
	    strstr(r.out, "ranks=1 threads=2") == NULL || strstr(r.out, "ranks=1 threads=1") == NULL ||
	    strstr(r.out, "sumsquares on hybrid") == NULL) {
		tx_dump("sumsquares -n 20000 -r 3 at 2 ranks x 2 threads", &r);
		fail();
	}
	tx_result_free(&r);
}

/* race: local and atomic lose nothing across 2 x 2 (the words of the ranks reduced) */
static void race_two_by_two(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "-n", "20000", "-r", "2",
					    "-x", "0", "--variant", "lock,atomic,local", NULL };
	struct tx_csv t;

	(void)state;
	expect_two_by_two("race", args, 3, &t);
	for (int row = 0; row < t.nrows; row++) {
		const char *note = note_of(&t, row);
		assert_int_equal((long)tx_note(note, "final"), 500);
		assert_int_equal((long)tx_note(note, "expected"), 500);
	}
	tx_csv_free(&t);
}

/* sync's barrier, two levels (omp barrier, MPI_Barrier on the master): every crossing
 * counted, the checked ones passed; without the barrier (--sabotage) the run fails */
static void sync_barrier_two_by_two(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "-n", "50", "-r", "2",
					    "-x", "0", "--variant", "barrier", NULL };
	static const char *const sabotage[] = { "--csv", "-q", "-w", "4", "-n", "50", "-r", "1",
						"-x", "0", "--variant", "barrier", "--sabotage", NULL };
	struct tx_csv t;
	struct tx_result r;

	(void)state;
	expect_two_by_two("sync", args, 1, &t);
	assert_int_equal((long)tx_note(note_of(&t, 0), "passes"), 51 * 4);
	tx_csv_free(&t);
	hy_launch(&r, 2, 2, "sync", sabotage);
	if (r.timed_out || r.exit_code != 1 || strstr(r.err, "FAILED validation") == NULL) {
		tx_dump("sync --variant barrier --sabotage", &r);
		fail();
	}
	tx_result_free(&r);
}

/* workload: every task run once, by the worker whose block it is in */
static void workload_two_by_two(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "-n", "8", "--cpu-iters",
					    "20000", "--sleep-us", "200", "-r", "1", "-x", "0",
					    "--variant", "cpu,io", NULL };
	struct tx_csv t;

	(void)state;
	expect_two_by_two("workload", args, 2, &t);
	for (int row = 0; row < t.nrows; row++)
		assert_int_equal((int)tx_note(note_of(&t, row), "tasks_ok"), 8);
	tx_csv_free(&t);
}

/* ipc's 2 workers: threads of one rank with OMP_NUM_THREADS=2 (spin, pointer), ranks
 * with OMP_NUM_THREADS=1 (sendrecv); the other layout's channels n/a */
static void ipc_layout(int threads, const char *variants, const char *ranks_want,
		       const char *threads_want)
{
	const char *const args[] = { "--csv", "-q", "--all-records", "-m", "8:64", "-r", "2",
				     "-x", "0", "--variant", variants, NULL };
	struct tx_result r;
	struct tx_csv t;
	int pass = 0, na = 0;

	hy_launch(&r, 2, threads, "ipc", args);
	if (r.timed_out || r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0 || t.nrows < 4) {
		tx_dump("ipc on hybrid", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++) {
		const char *note = note_of(&t, row), *v = tx_csv_get(&t, row, "verdict");
		char want[64];
		assert_string_equal(tx_csv_get(&t, row, "workers"), "2");
		snprintf(want, sizeof want, "ranks=%s threads=%s", ranks_want, threads_want);
		assert_non_null(strstr(note, want));
		if (strcmp(v, "n/a") == 0) {
			assert_string_equal(tx_csv_get(&t, row, "variant"), "spin");
			na++;
		} else {
			assert_true(tx_passed(v));
			assert_non_null(strstr(note, "checksums=ok"));
			pass++;
		}
	}
	assert_true(pass > 0);
	assert_int_equal(na > 0, strcmp(variants, "spin,sendrecv") == 0);
	tx_csv_free(&t);
	tx_result_free(&r);
}

static void ipc_threads_and_ranks(void **state)
{
	(void)state;
	ipc_layout(2, "spin,pointer", "1", "2");
	ipc_layout(1, "spin,sendrecv", "2", "1");
}

/* 3 workers on 2 threads a rank: 2 ranks, the last with 1 thread; still validated */
static void uneven_workers(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "3", "-n", "3001", "-r", "1",
					    "-x", "0", "--variant", "static,cyclic", NULL };
	struct tx_result r;
	struct tx_csv t;

	(void)state;
	hy_launch(&r, 2, 2, "sumsquares", args);
	if (r.timed_out || r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0 || t.nrows != 4) {
		tx_dump("sumsquares -w 3 at 2 ranks x 2 threads", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++) {
		const char *note = note_of(&t, row);
		assert_string_equal(tx_csv_get(&t, row, "workers"), "3");
		assert_true(tx_passed(tx_csv_get(&t, row, "verdict")));
		assert_int_equal((int)tx_note(note, "ranks"), 2);
		assert_int_equal((int)tx_note(note, "last_rank_threads"), 1);
		assert_int_equal((int)tx_note(note, "checked"), 3001);
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* a wrong value from the last rank is caught: exit 1, verdict fail, the index named */
static void corrupted_result_fails(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "-n", "3000", "-r", "1",
					    "-x", "0", "--variant", "static,cyclic", NULL };
	struct tx_result r;
	struct tx_csv t;

	(void)state;
	assert_int_equal(setenv("TVP_HYBRID_CORRUPT", "1", 1), 0);
	hy_launch(&r, 2, 2, "sumsquares", args);
	unsetenv("TVP_HYBRID_CORRUPT");
	if (r.timed_out || r.exit_code != 1 || tx_csv_parse(r.out, &t) != 0 || t.nrows != 4 ||
	    strstr(r.err, "FAILED validation") == NULL) {
		tx_dump("sumsquares with a corrupted result", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++) {
		assert_string_equal(tx_csv_get(&t, row, "verdict"), "fail");
		assert_true(tx_note(note_of(&t, row), "first_wrong") >= 0);
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* bad input: exit 2 within the timeout on every rank, nothing on stdout, one line of the
 * program's naming the option */
static void bad_input_one_line(const char *const args[], const char *option, const char *reason)
{
	struct tx_result r;
	int lines = 0;

	hy_launch(&r, 2, 2, "sumsquares", args);
	for (const char *p = r.err; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, "sumsquares: ", 12) == 0)
			lines++;
	if (r.timed_out || r.exit_code != 2 || r.out[0] != '\0' || lines != 1 ||
	    strstr(r.err, option) == NULL || (reason != NULL && strstr(r.err, reason) == NULL)) {
		tx_dump("sumsquares with bad input", &r);
		fail();
	}
	tx_result_free(&r);
}

static void refuses_bad_input(void **state)
{
	static const char *const too_many[] = { "-w", "9", NULL };
	static const char *const no_number[] = { "-n", "abc", NULL };
	static const char *const variant[] = { "--variant", "fastest", NULL };

	(void)state;
	bad_input_one_line(too_many, "-w/--workers", "MPI ranks x OMP_NUM_THREADS");
	bad_input_one_line(no_number, "-n/--size", NULL);
	bad_input_one_line(variant, "--variant", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sumsquares_two_by_two),
		cmocka_unit_test(sumsquares_default_workers),
		cmocka_unit_test(race_two_by_two),
		cmocka_unit_test(sync_barrier_two_by_two),
		cmocka_unit_test(workload_two_by_two),
		cmocka_unit_test(ipc_threads_and_ranks),
		cmocka_unit_test(uneven_workers),
		cmocka_unit_test(corrupted_result_fails),
		cmocka_unit_test(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("hybrid (integration)", tests, NULL, NULL);
}
