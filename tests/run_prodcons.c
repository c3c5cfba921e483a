/* run_prodcons.c: integration tests of `prodcons`: every backend, every variant, at 1 to
 * 4 workers (MPI: -np 2 to 4; one rank is refused), read back from the CSV records:
 * validated, P + C = W, a throughput and a hand-off latency; the variants a backend
 * lacks say "not applicable"; -P/-C/-w splits; bad input refused with exit 2 on every
 * backend, and MPI with one rank says why instead of hanging. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* the variants each backend has; the others must be "n/a" */
static int has_variant(const char *backend, const char *v)
{
	if (strcmp(v, "lock") == 0)
		return 1;
	if (strcmp(v, "cond") == 0)
		return strcmp(backend, "mpi") != 0;
	if (strcmp(v, "pipe") == 0)
		return strcmp(backend, "procs") == 0;
	return strcmp(backend, "mpi") == 0; /* msg */
}

static void check_rows(const struct tx_csv *t, const char *backend, int w, long items,
		       int want_p, int want_c)
{
	int passed = 0, want_passed = 0;
	const char *all[] = { "lock", "cond", "pipe", "msg" };
	for (int i = 0; i < 4; i++)
		want_passed += has_variant(backend, all[i]);
	assert_int_equal(t->nrows, 4);
	for (int row = 0; row < t->nrows; row++) {
		const char *v = tx_csv_get(t, row, "variant");
		const char *verdict = tx_csv_get(t, row, "verdict");
		const char *note = tx_csv_get(t, row, "note");
		if (!has_variant(backend, v)) {
			assert_string_equal(verdict, "n/a");
			assert_non_null(strstr(note, "not applicable"));
			continue;
		}
		assert_true(tx_passed(verdict));
		passed++;
		assert_true(tx_note(note, "validated") == (double)items);
		assert_int_equal((int)tx_note(note, "P"), want_p);
		assert_int_equal((int)tx_note(note, "C"), want_c);
		assert_true(w == 1 || want_p + want_c == w);
		assert_true(tx_note(note, "items_per_s") > 0);
		assert_true(tx_note(note, "handoff_us") >= 0);
		assert_true(atof(tx_csv_get(t, row, "median_s")) > 0);
		assert_int_equal(atoi(tx_csv_get(t, row, "size")), (int)items);
	}
	assert_int_equal(passed, want_passed);
}

static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "1500", "-r", "1", "-x", "0", "-k", "4", NULL };
	for (int w = strcmp(backend, "mpi") == 0 ? 2 : 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		tx_expect_records(&t, backend, "prodcons", w, args, "pass,n/a", 4);
		/* default split: P = ceil(W/2), C = floor(W/2); W = 1 does both */
		check_rows(&t, backend, w, 1500, w == 1 ? 1 : w - w / 2, w == 1 ? 1 : w / 2);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* -P / -C fix one side; without -w the one case is W = P + C */
static void explicit_split(void **state)
{
	static const char *const one_c[] = { "-C", "2", "-n", "999", "-r", "1", "-x", "0", NULL };
	static const char *const both[] = { "--csv", "-q", "--all-records", "-P", "2", "-C", "1",
					    "-n", "999", "-r", "1", "-x", "0", NULL };
	(void)state;
	for (int b = 0; b < 4; b++) {
		struct tx_csv t;
		struct tx_result r;
		tx_expect_records(&t, tx_backends[b], "prodcons", 3, one_c, "pass,n/a", 4);
		check_rows(&t, tx_backends[b], 3, 999, 1, 2);
		tx_csv_free(&t);
		if (strcmp(tx_backends[b], "mpi") == 0)
			continue; /* tx_expect_records gives MPI -w; the no -w case is below */
		tx_launch(&r, tx_backends[b], "prodcons", 0, both);
		if (r.exit_code != 0 || r.timed_out)
			tx_dump("prodcons -P 2 -C 1", &r);
		assert_int_equal(r.exit_code, 0);
		assert_int_equal(tx_csv_parse(r.out, &t), 0);
		check_rows(&t, tx_backends[b], 3, 999, 2, 1);
		for (int row = 0; row < t.nrows; row++)
			assert_string_equal(tx_csv_get(&t, row, "workers"), "3");
		tx_csv_free(&t);
		tx_result_free(&r);
	}
}

/* mpirun -np 3 without -w: the one case P + C = 2 ranks (the third parks) */
static void mpi_default_case(void **state)
{
	static const char *const args[] = { "--csv", "-q", "--all-records", "-n", "500", "-r", "1",
					    "-x", "0", NULL };
	struct tx_result r;
	struct tx_csv t;
	(void)state;
	tx_launch(&r, "mpi", "prodcons", 3, args);
	if (r.exit_code != 0 || r.timed_out)
		tx_dump("prodcons on mpi -np 3", &r);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(tx_csv_parse(r.out, &t), 0);
	check_rows(&t, "mpi", 2, 500, 1, 1);
	assert_string_equal(tx_csv_get(&t, 0, "workers"), "2");
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* one MPI rank: exit 2 at once with the reason, never a hang */
static void mpi_one_rank_refused(void **state)
{
	static const char *const none[] = { NULL };
	struct tx_result r;
	(void)state;
	tx_launch(&r, "mpi", "prodcons", 1, none);
	if (r.exit_code != 2 || r.timed_out || r.err == NULL ||
	    strstr(r.err, "prodcons: needs at least 2 MPI ranks") == NULL)
		tx_dump("prodcons on mpi -np 1", &r);
	assert_false(r.timed_out);
	assert_int_equal(r.exit_code, 2);
	assert_non_null(r.err);
	assert_non_null(strstr(r.err, "prodcons: needs at least 2 MPI ranks (one producer, one "
				      "consumer): run mpirun -np 2 or more"));
	tx_result_free(&r);
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "0" }, "--size" },
	{ { "-n", "abc" }, "--size" },
	{ { "-P", "0" }, "-P/--producers" },
	{ { "--producers", "x" }, "--producers" },
	{ { "-C", "-1" }, "-C/--consumers" },
	{ { "-k", "0" }, "-k/--capacity" },
	{ { "--capacity" }, "--capacity" },
	{ { "-P", "2", "-C", "1", "-w", "2" }, "--workers" },
	{ { "-P", "2", "-w", "2" }, "--producers" },
	{ { "-C", "2", "-w", "2" }, "--consumers" },
	{ { "--variant", "queue" }, "--variant" },
	{ { "-w", "0" }, "--workers" },
	{ { "-P", "1000", "-C", "1000" }, "-P/--producers" }, /* 2000 workers */
	{ { "-k", "1", "-n", "10000000" }, "-k/--capacity" }, /* a hand-off per item: ~5 min */
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "prodcons", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }
static void pthreads_refuses_bad_input(void **state)
{
	static const char *const serial_split[] = { "-w", "1", "-P", "1", NULL };
	(void)state;
	bad_input_on("pthreads");
	tx_expect_usage_error("pthreads", "prodcons", serial_split, "--workers");
}
static void mpi_refuses_bad_input(void **state)
{
	/* with 2 ranks: a case of 1 rank, more than the ranks, P + C above the ranks */
	static const char *const one[] = { "-w", "1", NULL };
	static const char *const three[] = { "-w", "3", NULL };
	static const char *const pc[] = { "-P", "2", "-C", "2", NULL };
	/* the RMA list: ~50 us an item, 1e6 items would be ~1 min a repetition */
	static const char *const rma[] = { "--variant", "lock", "-n", "1000000", NULL };
	(void)state;
	bad_input_on("mpi");
	tx_expect_usage_error("mpi", "prodcons", rma, "-n/--size");
	tx_expect_usage_error("mpi", "prodcons", one, "--workers");
	tx_expect_usage_error("mpi", "prodcons", three, "--workers");
	tx_expect_usage_error("mpi", "prodcons", pc, "--producers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(explicit_split),
		cmocka_unit_test(mpi_default_case),
		cmocka_unit_test(mpi_one_rank_refused),
		TX_ON(refuses_bad_input, "openmp"),
		cmocka_unit_test(pthreads_refuses_bad_input),
		TX_ON(refuses_bad_input, "procs"),
		cmocka_unit_test(mpi_refuses_bad_input),
	};
	return cmocka_run_group_tests_name("prodcons (integration)", tests, NULL, NULL);
}
