/* run_race_atomic.c: race's `atomic` variant keeps every update at sizes where plain
 * updates are lost. `atomic` runs first, then `none` in the same program, at 2 and 4
 * workers; the size doubles until `none` has lost an update (the workers did overlap),
 * and every `atomic` repetition on the way must end exactly at the expected value.
 * An atomic update made plain is `none`, and fails here. A correct atomic never fails
 * for lack of overlap: past the time budget or at the largest size the test stops.
 * (MPI's atomic is MPI_Fetch_and_op at rank 0; its overlap is not forced here.) */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_S 10.0 /* per worker count */
#define N_FIRST 500000L
#define N_MAX 4000000L

static double now_s(void)
{
	struct timespec ts;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* one program, atomic then none; returns none's lost_updates_min */
static double atomic_then_none(const char *backend, int w, long n)
{
	char nbuf[24];
	const char *args[] = { "--variant", "atomic,none", "-n", nbuf, "-r", "3", "-x", "0", NULL };
	struct tx_csv t;
	double lost = -1;
	int atomic_rows = 0;

	snprintf(nbuf, sizeof nbuf, "%ld", n);
	tx_expect_records(&t, backend, "race", w, args, "pass,unsafe", 2);
	for (int row = 0; row < t.nrows; row++) {
		const char *v = tx_csv_get(&t, row, "variant"), *note = tx_csv_get(&t, row, "note");
		if (strcmp(v, "none") == 0) {
			lost = tx_note(note, "lost_updates_min");
			continue;
		}
		assert_string_equal(v, "atomic");
		atomic_rows++;
		if (strcmp(tx_csv_get(&t, row, "verdict"), "pass") != 0 ||
		    tx_note(note, "final") != tx_note(note, "expected"))
			fprintf(stderr, "%s at %d workers, -n %ld: atomic lost updates: %s\n", backend,
				w, n, note);
		assert_string_equal(tx_csv_get(&t, row, "verdict"), "pass");
		assert_true(tx_note(note, "final") == tx_note(note, "expected"));
	}
	assert_int_equal(atomic_rows, 1);
	tx_csv_free(&t);
	return lost;
}

static void atomic_keeps_every_update(void **state)
{
	const char *backend = *state;
	char prog[512];

	/* make test ONLY="..." without race builds no race program: nothing to run */
	snprintf(prog, sizeof prog, "%s/%s/race", tx_build(), backend);
	if (access(prog, X_OK) != 0) {
		fprintf(stderr, "%s not built: skipped\n", prog);
		skip();
	}
	for (int w = 2; w <= tx_top(backend, 4); w += 2) {
		double t0 = now_s();
		long n = N_FIRST;
		for (;;) {
			if (atomic_then_none(backend, w, n) > 0)
				break;
			if (n >= N_MAX || now_s() - t0 > BUDGET_S) {
				fprintf(stderr, "%s at %d workers: atomic checked, but none lost no "
					"update up to -n %ld\n", backend, w, n);
				break;
			}
			n = n * 2 < N_MAX ? n * 2 : N_MAX;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON(atomic_keeps_every_update, "openmp"),
		TX_ON(atomic_keeps_every_update, "pthreads"),
		TX_ON(atomic_keeps_every_update, "procs"),
	};
	return cmocka_run_group_tests_name("race atomic (integration)", tests, NULL, NULL);
}
