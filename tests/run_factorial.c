/* run_factorial.c: integration tests of `factorial`: every backend, both variants, at
 * 1 to 4 workers (MPI: -np 1 to 4; with one rank, rank 0 computes alone), read back
 * from the CSV records (every n! validated against the product 1*2*...*n, not the
 * kernel's mpz_fac_ui; the completion order a permutation of the tasks); results printed
 * as they complete; bad input refused with exit 2 on every backend. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "300", "-r", "2", "-x", "0", NULL };
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		int seen[2] = { 0, 0 };
		tx_expect_records(&t, backend, "factorial", w, args, "pass", 2);
		assert_int_equal(t.nrows, 2);
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *note = tx_csv_get(&t, row, "note");
			int large = strcmp(v, "large") == 0;
			seen[large]++;
			assert_int_equal(tx_note(note, "checked"), 300);
			/* small: (1 + k%20)!, the last is 20! (19 digits); large: 300! (615) */
			assert_int_equal(tx_note(note, "last_n"), large ? 300 : 20);
			assert_int_equal(tx_note(note, "last_digits"), large ? 615 : 19);
			assert_true(tx_note(note, "first_done_n") >= 1);
			assert_string_equal(tx_csv_get(&t, row, "reps"), "2");
			assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
		}
		assert_int_equal(seen[0], 1);
		assert_int_equal(seen[1], 1);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* the seed: factorials of 1..10 on 3 workers, each printed as it completes; never in
 * a timed repetition: live in the warm-up (-x 1), after the run from the recorded
 * completion order when there is no warm-up (-x 0) */
static void prints_as_completed(void **state)
{
	static const char *const args[2][11] = {
		{ "--variant", "large", "-n", "10", "-r", "1", "-x", "0", "-w", "3", NULL },
		{ "--variant", "large", "-n", "10", "-r", "1", "-x", "1", "-w", "3", NULL },
	};
	(void)state;
	for (int b = 0; b < 8; b++) {
		struct tx_result r;
		int mpi = strcmp(tx_backends[b / 2], "mpi") == 0, warm = b % 2;
		tx_launch(&r, tx_backends[b / 2], "factorial", mpi ? 3 : 0, args[warm]);
		if (r.exit_code != 0)
			tx_dump("factorial -n 10", &r);
		assert_int_equal(r.exit_code, 0);
		assert_non_null(strstr(r.out, "results as they complete"));
		if (warm)
			assert_null(strstr(r.out, "printed after it"));
		else
			assert_non_null(strstr(r.out, "printed after it"));
		for (int i = 1; i <= 10; i++) {
			char line[32];
			snprintf(line, sizeof line, "done #%d: ", i);
			assert_non_null(strstr(r.out, line));
		}
		assert_non_null(strstr(r.out, "10! = 3628800\n"));
		assert_non_null(strstr(r.out, " 1! = 1\n"));
		assert_null(strstr(r.out, "done #11"));
		tx_result_free(&r);
	}
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "abc" }, "-n/--size" },
	{ { "-n", "0" }, "--size" },
	{ { "-n", "2000000" }, "--size" },
	{ { "--variant", "large", "-n", "50000" }, "--size" }, /* n! up to 50000: too long */
	{ { "--variant", "large", "-n", "20000" }, "--size" }, /* 300 MB of results */
	{ { "--variant", "large", "-n", "8001" }, "--size" },  /* just past the budget */
	{ { "-n" }, "--size" },
	{ { "-w", "0" }, "--workers" },
	{ { "-w", "1,,2" }, "--workers" },
	{ { "-x", "-1" }, "--warmup" },
	{ { "--variant", "huge" }, "--variant" },
	{ { "--frobnicate" }, "--frobnicate" },
	{ { "stray" }, "stray" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "factorial", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(prints_as_completed),
		TX_ON_ALL(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("factorial (integration)", tests, NULL, NULL);
}
