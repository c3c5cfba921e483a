/* run_squares.c: integration tests of `squares`: every backend, both variants, at 1 to 4
 * workers (MPI: -np 1 to 4), read back from the CSV records: three phases per case,
 * every square validated, spawn "not applicable" where the backend cannot start a
 * worker per item (openmp, mpi); the default sweep (pool sizes 2, 4, 8; 10 then 1000
 * items) with the comparison against the next smaller pool; bad input refused. OpenMP's
 * start-up is back-to-back regions with their overheads in the note. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has_spawn(const char *backend)
{
	return strcmp(backend, "pthreads") == 0 || strcmp(backend, "procs") == 0;
}

static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "200", "--work", "100", "-r", "1", "-x", "0",
					    NULL };
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		int phase[3] = { 0 }, spawn_seen = 0;
		tx_expect_records(&t, backend, "squares", w, args, "pass,n/a", 6);
		assert_int_equal(t.nrows, 6); /* 2 variants x 3 phases */
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *ph = tx_csv_get(&t, row, "phase");
			const char *verdict = tx_csv_get(&t, row, "verdict");
			const char *note = tx_csv_get(&t, row, "note");
			phase[strcmp(ph, "startup") == 0 ? 0 : strcmp(ph, "work") == 0 ? 1 : 2]++;
			if (strcmp(v, "spawn") == 0 && !has_spawn(backend)) {
				assert_string_equal(verdict, "n/a");
				assert_non_null(strstr(note, "not applicable"));
				continue;
			}
			spawn_seen += strcmp(v, "spawn") == 0;
			assert_true(tx_passed(verdict));
			assert_non_null(strstr(note, "validated=200"));
			assert_non_null(strstr(note, "total_ms="));
			/* OpenMP times a region as EPCC's PARALLEL: calibrated back-to-back regions,
			 * their overheads (plain and with reduction) beside a reference loop */
			if (strcmp(backend, "openmp") == 0) {
				assert_true(tx_note(note, "regions") >= 16);
				assert_non_null(strstr(note, " overhead_ns="));
				assert_non_null(strstr(note, " reduction_overhead_ns="));
			} else {
				assert_null(strstr(note, "overhead_ns"));
			}
			/* posix stamps each worker's creation and teardown; the others create none */
			if (has_spawn(backend)) {
				assert_true(tx_note(note, "create_us_per_worker") > 0);
				assert_true(tx_note(note, "reap_us_per_worker") > 0);
			} else {
				assert_null(strstr(note, "create_us_per_worker"));
			}
			if (strcmp(ph, "work") == 0)
				assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			else if (strcmp(v, "spawn") == 0 || /* every creation is work */
				 (strcmp(ph, "teardown") == 0 && strcmp(backend, "openmp") == 0))
				assert_string_equal(tx_csv_get(&t, row, "median_s"), ""); /* none */
			else
				assert_true(atof(tx_csv_get(&t, row, "median_s")) >= 0);
		}
		for (int i = 0; i < 3; i++)
			assert_int_equal(phase[i], 2);
		assert_int_equal(spawn_seen, has_spawn(backend) ? 3 : 0);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* the seed's sweep without -w and -n: pool sizes 2, 4, 8 at 10 items, then 1000; each
 * bigger pool says how it compares with the one before (faster or slower) */
static void default_sweep(void **state)
{
	static const char *const args[] = { "--csv", "-q", "--variant", "pool", "--work", "1000",
					    "-r", "1", "-x", "0", NULL };
	(void)state;
	for (int b = 0; b < 4; b++) {
		const char *backend = tx_backends[b];
		int mpi = strcmp(backend, "mpi") == 0, seen[3][2] = { { 0 } };
		struct tx_result r;
		struct tx_csv t;
		tx_launch(&r, backend, "squares", mpi ? 4 : 0, args);
		if (r.exit_code != 0 || r.timed_out)
			tx_dump("squares default sweep", &r);
		assert_int_equal(r.exit_code, 0);
		assert_int_equal(tx_csv_parse(r.out, &t), 0);
		/* MPI with 4 ranks drops the pool of 8 */
		assert_int_equal(t.nrows, (mpi ? 2 : 3) * 2 * 3);
		for (int row = 0; row < t.nrows; row++) {
			int w = atoi(tx_csv_get(&t, row, "workers")), n = atoi(tx_csv_get(&t, row, "size"));
			const char *note = tx_csv_get(&t, row, "note");
			assert_true(tx_passed(tx_csv_get(&t, row, "verdict")));
			assert_true(w == 2 || w == 4 || w == 8);
			assert_true(n == 10 || n == 1000);
			seen[w / 4][n == 1000]++;
			if (w == 2)
				assert_null(strstr(note, "vs_w"));
			else
				assert_true(strstr(note, w == 4 ? "vs_w2=" : "vs_w4=") != NULL &&
					    (strstr(note, "x_slower") || strstr(note, "x_faster")));
		}
		for (int i = 0; i < (mpi ? 2 : 3); i++)
			assert_true(seen[i][0] == 3 && seen[i][1] == 3);
		tx_csv_free(&t);
		tx_result_free(&r);
	}
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "0" }, "--size" },
	{ { "-n", "100000000" }, "--size" },                   /* a result per item: memory */
	{ { "-n", "10000000", "--work", "1000000000" }, "--work" }, /* 1e16 rounds */
	{ { "--work", "100000000" }, "--work" },               /* the sweep's 1000 items: 1e11 */
	{ { "--variant", "spawn", "-n", "200000" }, "--size" }, /* 200000 creations */
	{ { "-n", "1e3" }, "--size" },
	{ { "--work", "-1" }, "--work" },
	{ { "--work", "lots" }, "--work" },
	{ { "--work" }, "--work" },
	{ { "--variant", "fork" }, "--variant" },
	{ { "-w", "0" }, "--workers" },
	{ { "-r", "0" }, "--reps" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "squares", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }
static void mpi_refuses_bad_input(void **state)
{
	static const char *const eight[] = { "-w", "8", NULL }; /* with 2 ranks */
	(void)state;
	bad_input_on("mpi");
	tx_expect_usage_error("mpi", "squares", eight, "--workers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(default_sweep),
		TX_ON_LOCAL(refuses_bad_input),
		cmocka_unit_test(mpi_refuses_bad_input),
	};
	return cmocka_run_group_tests_name("squares (integration)", tests, NULL, NULL);
}
