/* run_sync.c: integration tests of `sync`: every backend, every variant, at 1 to 4
 * workers (MPI: -np 1 to 4), read back from the CSV records; every variant fails
 * (exit 1, verdict fail, the breach named) when --sabotage makes its primitive a
 * no-op (on MPI with several repetitions too: all ranks leave, exit 1); bad input
 * (absurd round counts too) refused with exit 2 on every backend. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 300


/* condition has no meaning where there is no condition variable */
static int applies(const char *backend, const char *variant)
{
	return strcmp(variant, "condition") != 0 ||
	       (strcmp(backend, "openmp") != 0 && strcmp(backend, "mpi") != 0);
}

static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "300", "-r", "1", "-x", "0", "-k", "2", NULL };
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		tx_expect_records(&t, backend, "sync", w, args, "pass,n/a", 5);
		assert_int_equal(t.nrows, 5);
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *verdict = tx_csv_get(&t, row, "verdict");
			const char *note = tx_csv_get(&t, row, "note");
			long per_worker = strcmp(v, "event") == 0 || strcmp(v, "condition") == 0 ? 1 : w;
			if (!applies(backend, v)) {
				assert_string_equal(verdict, "n/a");
				assert_non_null(strstr(note, "reason=not applicable: "));
				continue;
			}
			if (!tx_passed(verdict)) {
				fprintf(stderr, "%s %s at %d: %s %s\n", backend, v, w, verdict, note);
				fail();
			}
			assert_int_equal(tx_note(note, "passes"), (ROUNDS + 1) * per_worker);
			if (strcmp(v, "semaphore") == 0)
				assert_int_equal(tx_note(note, "max_inside"), w < 2 ? w : 2);
			if (strcmp(v, "rlock") == 0) {
				assert_int_equal(tx_note(note, "depth"), 3);
				assert_int_equal(tx_note(note, "counter"), (ROUNDS + 1) * w);
			}
			assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			assert_true(atof(tx_csv_get(&t, row, "ops")) > 0);
		}
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* --sabotage: each primitive a no-op; 2 workers, 1 permit, so it can show. `reps`
 * repetitions after `warmup`: on MPI every rank must learn of the failed verdict each
 * repetition and all leave together (exit 1, no hang) */
static void sabotage_fails_on(const char *backend, const char *reps, const char *warmup)
{
	static const char *const variants[] = { "barrier", "event", "condition", "semaphore", "rlock" };
	for (int i = 0; i < 5; i++) {
		const char *args[] = { "--csv", "-q", "-w", "2", "-n", "300", "-r", reps, "-x", warmup,
				       "-k", "1", "--sabotage", "--variant", variants[i], NULL };
		struct tx_result r;
		struct tx_csv t;
		char what[128];
		int ok;

		if (!applies(backend, variants[i]))
			continue;
		tx_launch(&r, backend, "sync", 2, args);
		snprintf(what, sizeof what, "sync --sabotage --variant %s -r %s -x %s on %s",
			 variants[i], reps, warmup, backend);
		ok = !r.timed_out && r.exit_code == 1 && tx_csv_parse(r.out, &t) == 0 && t.nrows == 1;
		if (!ok)
			tx_dump(what, &r);
		tx_result_free(&r);
		assert_true(ok);
		if (strcmp(tx_csv_get(&t, 0, "verdict"), "fail") != 0 ||
		    strstr(tx_csv_get(&t, 0, "note"), "broken=") == NULL) {
			fprintf(stderr, "%s: %s %s\n", what, tx_csv_get(&t, 0, "verdict"),
				tx_csv_get(&t, 0, "note"));
			fail();
		}
		tx_csv_free(&t);
	}
}

static void openmp_sabotage_fails(void **state) { (void)state; sabotage_fails_on("openmp", "1", "0"); }
static void mpi_sabotage_fails(void **state) { (void)state; sabotage_fails_on("mpi", "1", "0"); }
static void pthreads_sabotage_fails(void **state) { (void)state; sabotage_fails_on("pthreads", "1", "0"); }
static void procs_sabotage_fails(void **state) { (void)state; sabotage_fails_on("procs", "1", "0"); }
/* several repetitions: the ranks agree on the failure every time, nobody is left behind */
static void mpi_sabotage_fails_with_reps(void **state)
{
	(void)state;
	sabotage_fails_on("mpi", "2", "0");
	sabotage_fails_on("mpi", "2", "1");
}


static const struct tx_bad bad_inputs[] = {
	{ { "-k", "0" }, "--permits" },
	{ { "--permits", "abc" }, "--permits" },
	{ { "--permits" }, "--permits" },
	{ { "--sabotage=1" }, "--sabotage" },
	{ { "-n", "0" }, "--size" },
	{ { "-n", "100000000" }, "--size" }, /* 1e8 rounds: hours, refused */
	{ { "-n", "1000001" }, "--size" },
	{ { "--variant", "mutex" }, "--variant" },
	{ { "-w", "0" }, "--workers" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "sync", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(openmp_sabotage_fails),
		cmocka_unit_test(pthreads_sabotage_fails),
		cmocka_unit_test(procs_sabotage_fails),
		cmocka_unit_test(mpi_sabotage_fails),
		cmocka_unit_test(mpi_sabotage_fails_with_reps),
		TX_ON_ALL(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("sync (integration)", tests, NULL, NULL);
}
