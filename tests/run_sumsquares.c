/* run_sumsquares.c: integration tests of `sumsquares`: every backend, every variant, at
 * 1 to 4 workers (MPI: -np 1 to 4), read back from the CSV records (every element was
 * validated against the closed form; speedup and efficiency against the serial map
 * timed in the same repetitions, its own `serial` phase); the serial time
 * growing as N*N (the kernel is a loop under every compiler); bad input refused with
 * exit 2 on every backend. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *note_str(const char *note, const char *key)
{
	char k[64];
	const char *p;
	snprintf(k, sizeof k, "%s=", key);
	p = strstr(note, k);
	if (p == NULL)
		fprintf(stderr, "no %s in note: %s\n", key, note);
	assert_non_null(p);
	return p + strlen(k);
}

static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "2000", "-c", "7", "-r", "1", "-x", "0", NULL };
	const int mpi = strcmp(backend, "mpi") == 0;
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		int pass = 0, na = 0;
		tx_expect_records(&t, backend, "sumsquares", w, args, "pass,n/a", 10);
		assert_int_equal(t.nrows, 10); /* 5 variants, phases run and serial */
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *verdict = tx_csv_get(&t, row, "verdict");
			const char *note = tx_csv_get(&t, row, "note");
			int expect_na = (strcmp(v, "serial") == 0 && w > 1) ||
					(strcmp(v, "guided") == 0 && mpi);
			if (strcmp(tx_csv_get(&t, row, "phase"), "serial") == 0) {
				/* the baseline: timed in every repetition of a parallel case;
				 * the serial variant is its own (empty, never 0) */
				int timed = !expect_na && strcmp(v, "serial") != 0;
				assert_int_equal(atof(tx_csv_get(&t, row, "median_s")) > 0, timed);
				if (!timed)
					assert_string_equal(tx_csv_get(&t, row, "median_s"), "");
				continue;
			}
			assert_string_equal(tx_csv_get(&t, row, "phase"), "run");
			if (expect_na) {
				assert_string_equal(verdict, "n/a");
				assert_true(strlen(note_str(note, "reason")) > 10);
				na++;
				continue;
			}
			assert_true(tx_passed(verdict));
			/* every element checked; the last is sum_square(1999) = 1998*1999*3997/6 */
			assert_int_equal(atol(note_str(note, "checked")), 2000);
			assert_int_equal(strtoull(note_str(note, "last"), NULL, 10), 2660670999ULL);
			if (strcmp(v, "serial") != 0) {
				double s = atof(note_str(note, "speedup"));
				double e = atof(note_str(note, "efficiency"));
				/* 0.000 is possible: 4 ranks on 2 busy cores can take a
				 * thousand times the serial time */
				assert_true(s >= 0 && e >= 0);
				assert_true(atof(note_str(note, "serial_s")) > 0);
				/* efficiency = speedup / W, both printed to 3 decimals */
				assert_true(fabs(e * w - s) <= 0.0006 * w);
				assert_non_null(strstr(note, "baseline=interleaved"));
			}
			assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			pass++;
		}
		assert_int_equal(pass + na, 5);
		assert_int_equal(na, (w > 1) + mpi);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* The cases run in one order whatever the order of the options (variants as --help
 * lists them, worker counts ascending). */
static void order_of_options_does_not_matter(void **state)
{
	static const char *const args[] = { "--csv", "-q", "--all-records", "--variant",
					    "dynamic,serial", "-w", "2,1", "-n", "2000", "-r", "1",
					    "-x", "0", NULL };
	static const char *const want[][2] = {
		{ "serial", "1" }, { "serial", "2" }, { "dynamic", "1" }, { "dynamic", "2" }
	};
	struct tx_result r;
	struct tx_csv t;
	(void)state;
	tx_launch(&r, "pthreads", "sumsquares", 0, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0 || t.nrows != 8) {
		tx_dump("sumsquares with the options out of order", &r);
		fail();
	}
	for (int row = 0; row < 8; row += 2) { /* phases run, serial */
		assert_string_equal(tx_csv_get(&t, row, "variant"), want[row / 2][0]);
		assert_string_equal(tx_csv_get(&t, row, "workers"), want[row / 2][1]);
		assert_string_equal(tx_csv_get(&t, row, "phase"), "run");
		assert_string_equal(tx_csv_get(&t, row + 1, "phase"), "serial");
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* The least of min_s over the records of one serial program at -n n (pthreads: the
 * serial map is the exercise's own code, the same on every backend). */
static double serial_min_s(const char *n)
{
	const char *const args[] = { "--variant", "serial", "-n", n, "-r", "20", "-x", "1", NULL };
	struct tx_csv t;
	double s;
	tx_expect_records(&t, "pthreads", "sumsquares", 1, args, "pass", 1);
	assert_string_equal(tx_csv_get(&t, 0, "phase"), "run");
	s = atof(tx_csv_get(&t, 0, "min_s"));
	tx_csv_free(&t);
	assert_true(s > 0);
	return s;
}

/* The serial time grows as the work does, N*N/2 inner steps: doubling N takes about 4
 * times as long. A kernel folded into the closed form (clang does that to a plain loop)
 * takes about 2 times as long, per element, and fails here. Robust on a loaded
 * machine: the two sizes interleaved, small enough (0.2 and 0.7 ms) that a repetition
 * often runs within one time slice of the scheduler, the least time of 5 programs of
 * 20 repetitions each, a broad band. */
static void serial_time_grows_as_the_work(void **state)
{
	double small = INFINITY, large = INFINITY, ratio;
	(void)state;
	for (int k = 0; k < 5; k++) {
		small = fmin(small, serial_min_s("1000"));
		large = fmin(large, serial_min_s("2000"));
	}
	ratio = large / small;
	if (ratio < 2.5 || ratio > 7)
		fprintf(stderr, "serial -n 2000 took %.6f s, -n 1000 %.6f s: %.2f times, not 2.5..7\n",
			large, small, ratio);
	assert_true(ratio >= 2.5 && ratio <= 7);
}

static const struct tx_bad bad_inputs[] = {
	{ { "-n", "abc" }, "-n/--size" },
	{ { "-n", "0" }, "--size" },
	{ { "-n", "3810779" }, "--size" },  /* ~7e12 inner steps: past the work budget */
	{ { "-n", "300001" }, "--size" },   /* just past it (N*N/2 at most 4.5e10) */
	{ { "-n", "99999999999" }, "--size" },
	{ { "-c", "0" }, "--chunk" },
	{ { "--chunk", "x" }, "--chunk" },
	{ { "--chunk" }, "--chunk" },
	{ { "-w", "0" }, "--workers" },
	{ { "-r", "0" }, "--reps" },
	{ { "--variant", "fastest" }, "--variant" },
	{ { "--frobnicate" }, "--frobnicate" },
	{ { "stray" }, "stray" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "sumsquares", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(order_of_options_does_not_matter),
		cmocka_unit_test(serial_time_grows_as_the_work),
		TX_ON_ALL(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("sumsquares (integration)", tests, NULL, NULL);
}
