/* run_race.c: integration tests of `race`: every backend, every variant, at 1 to 4
 * workers (MPI: -np 1 to 4), read back from the CSV records; lost updates seen by
 * `none`, and none by `lock` at sizes where `none` loses some; bad input refused with
 * exit 2 on every backend. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* MPI's lock and libomp's critical section cost tens or hundreds of microseconds an
 * update with 3 or 4 workers on 2 busy cores: 2000 updates there, 20000 elsewhere. */
static void validates_on(const char *backend)
{
	const int slow = strcmp(backend, "mpi") == 0 || strcmp(backend, "openmp") == 0;
	const long n = slow ? 2000 : 20000;
	const char *const args[] = { "-n", slow ? "2000" : "20000", "-r", "2", "-x", "1", NULL };
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		int seen[4] = { 0 };
		tx_expect_records(&t, backend, "race", w, args, "pass,unsafe", 4);
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *verdict = tx_csv_get(&t, row, "verdict");
			const char *note = tx_csv_get(&t, row, "note");
			long final = tx_note(note, "final"), expected = tx_note(note, "expected");
			/* half add 5, half subtract 5, n times each, from 500 */
			assert_int_equal(expected, 500 + ((w + 1) / 2 - w / 2) * 5 * n);
			if (strcmp(v, "none") == 0) {
				seen[0]++;
				assert_string_equal(verdict, "unsafe");
				assert_true(tx_note(note, "lost_updates") >= 0);
				assert_true(tx_note(note, "lost_updates_max") >= 0);
			} else {
				seen[strcmp(v, "lock") == 0 ? 1 : strcmp(v, "atomic") == 0 ? 2 : 3]++;
				assert_true(tx_passed(verdict));
				assert_int_equal(final, expected);
			}
			assert_string_equal(tx_csv_get(&t, row, "reps"), "2");
			assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			assert_true(strlen(tx_csv_get(&t, row, "host")) > 0);
		}
		for (int i = 0; i < 4; i++)
			assert_int_equal(seen[i], 1);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* ---- races that must show ---------------------------------------------------------
 * A lost update needs two workers inside the read-add-write at the same moment. On a
 * loaded machine the two may not run at once for a while (2 million uncontended
 * updates take a few ms, less than a scheduler time slice), so a test that must see
 * one runs again with twice the size until it does, within RACE_BUDGET_S: the longer
 * the workers run, the surer they overlap. The update is a separate load and store
 * under every compiler (exercises/race.c), so once they overlap updates are lost. */
#define RACE_BUDGET_S 20.0
#define NONE_MAX_N 32000000L /* -n of none at most: about 1 s a repetition, contended */

static double seconds_now(void)
{
	struct timespec ts;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One program: `race --variant variants -n n -r reps` on backend at w workers. Every
 * variant other than none must pass with final == expected in every repetition (the
 * program stops at a failed one and exits 1, which fails here). Returns none's
 * lost_updates_max (the most updates one repetition lost, exactly), or -1 without none. */
static double race_once(const char *backend, int w, const char *variants, long n, int reps)
{
	char nbuf[24], rbuf[8];
	const char *args[] = { "--variant", variants, "-n", nbuf, "-r", rbuf, "-x", "0", NULL };
	struct tx_csv t;
	double lost = -1;

	snprintf(nbuf, sizeof nbuf, "%ld", n);
	snprintf(rbuf, sizeof rbuf, "%d", reps);
	tx_expect_records(&t, backend, "race", w, args, "pass,unsafe", 1);
	for (int row = 0; row < t.nrows; row++) {
		const char *v = tx_csv_get(&t, row, "variant"), *note = tx_csv_get(&t, row, "note");
		if (strcmp(v, "none") == 0) {
			assert_string_equal(tx_csv_get(&t, row, "verdict"), "unsafe");
			lost = tx_note(note, "lost_updates_max");
			continue;
		}
		if (!tx_passed(tx_csv_get(&t, row, "verdict")) ||
		    tx_note(note, "final") != tx_note(note, "expected"))
			fprintf(stderr, "%s at %d workers, -n %ld: %s lost updates: %s\n", backend, w,
				n, v, note);
		assert_true(tx_passed(tx_csv_get(&t, row, "verdict")));
		assert_true(tx_note(note, "final") == tx_note(note, "expected"));
	}
	tx_csv_free(&t);
	return lost;
}

/* race_once with none among the variants, from n0 updates a worker doubling up to
 * nmax, until none has lost updates in `need` programs or the budget is spent (then,
 * with `keep_going`, on at nmax until it has; without, a program at nmax that shows
 * no loss is the last). The size grows only while none shows no loss. Returns the
 * number of programs in which none lost updates. */
static int race_until_lost(const char *backend, int w, const char *variants, long n0,
			   long nmax, int need, double budget_s, int keep_going)
{
	double t0 = seconds_now();
	long n = n0;
	int seen = 0;

	for (;;) {
		double lost = race_once(backend, w, variants, n, 3);
		if (lost > 0 && ++seen >= need)
			return seen;
		if (lost <= 0)
			fprintf(stderr, "%s at %d workers, -n %ld: no lost update seen yet\n", backend,
				w, n);
		if (seconds_now() - t0 > budget_s || (lost <= 0 && n >= nmax && !keep_going))
			return seen;
		if (lost <= 0)
			n = n < nmax / 2 ? n * 2 : nmax;
	}
}

/* `none` loses updates on every backend at 2 workers: seen within the budget. The
 * count is exact (the counter word tallies adds and subtracts apart). */
static void none_loses_updates(void **state)
{
	const char *backend = *state;
	int seen = race_until_lost(backend, 2, "none", 1000000, NONE_MAX_N, 1, RACE_BUDGET_S, 1);
	if (seen == 0)
		fprintf(stderr, "%s: race --variant none lost no update in %.0f s, up to -n %ld\n",
			backend, RACE_BUDGET_S, NONE_MAX_N);
	assert_true(seen > 0);
}

/* `lock` keeps every update at sizes where a missing lock loses some: lock runs first,
 * then none in the same program, at 2 and 4 workers, every lock repetition checked,
 * the size growing until none has lost updates (the workers did overlap at this size),
 * and once more after that: two programs in which a lock without its lock, which is
 * `none`, would have had the same chance to lose. So a missing lock fails here. A
 * correct lock never fails for lack of overlap: past the budget or at the largest size
 * the test stops. MPI's lock (an exclusive RMA lock per update) costs microseconds an
 * update, and tens of them with 4 ranks on 2 cores, where `none` at the same size is
 * often too short to show a loss: there at most two programs at -n 2000. A lock on 2
 * busy cores can cost tens of microseconds an update too (libomp's critical section
 * took over a minute for 250000 updates at 4 threads): OpenMP starts at 50000 (2
 * threads) and stays at 2000 (4 threads), POSIX starts at 250000. */
static void lock_keeps_every_update(void **state)
{
	const char *backend = *state;
	const int mpi = strcmp(backend, "mpi") == 0, omp = strcmp(backend, "openmp") == 0;
	for (int w = 2; w <= tx_top(backend, 4); w += 2) {
		long n0 = mpi ? (w == 2 ? 20000 : 2000) : omp ? (w == 2 ? 50000 : 2000) : 250000;
		long nmax = mpi ? (w == 2 ? 160000 : 2000) : omp ? (w == 2 ? 400000 : 2000) : 2000000;
		if (race_until_lost(backend, w, "lock,none", n0, nmax, 2, RACE_BUDGET_S / 2, 0) < 2)
			fprintf(stderr, "%s at %d workers: lock checked, but none lost updates in "
				"fewer than 2 programs up to -n %ld\n", backend, w, nmax);
	}
}

/* `atomic` keeps every update the same way: atomic then none in one program, at 2 and 4
 * workers, the size doubling from 500000 to 4000000 until none has lost an update or 10 s
 * are spent; an atomic made plain is none, and fails here. (MPI's atomic is
 * MPI_Fetch_and_op at rank 0; its overlap is not forced, so it is not run here.) */
static void atomic_keeps_every_update(void **state)
{
	const char *backend = *state;
	for (int w = 2; w <= tx_top(backend, 4); w += 2)
		if (race_until_lost(backend, w, "atomic,none", 500000, 4000000, 1, 10.0, 0) < 1)
			fprintf(stderr, "%s at %d workers: atomic checked, but none lost no update "
				"up to -n 4000000\n", backend, w);
}

/* --json: one object per line, only rank 0 printing; --save appends CSV records. */
static void json_and_save(void **state)
{
	(void)state;
	for (int b = 0; b < 4; b++) {
		char save[64], *line;
		const char *args[] = { "--json", "-q", "-w", "2", "--variant", "lock,atomic", "-r",
				       "2", "-n", "1000", "--save", save, NULL };
		struct tx_result r;
		struct tx_csv t;
		FILE *fp;
		char text[16384];
		size_t n;
		int lines = 0;

		snprintf(save, sizeof save, "/tmp/tvp-test-%d-%d.csv", (int)getpid(), b);
		unlink(save);
		tx_launch(&r, tx_backends[b], "race", 2, args);
		if (r.exit_code != 0)
			tx_dump("race --json", &r);
		assert_int_equal(r.exit_code, 0);
		for (line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
			lines++;
			assert_int_equal(line[0], '{');
			assert_int_equal(line[strlen(line) - 1], '}');
			assert_non_null(strstr(line, "\"verdict\":\"pass\""));
			assert_non_null(strstr(line, "\"workers\":2"));
			assert_non_null(strstr(line, "\"time_utc\":\""));
			/* MPI programs name their library (Open MPI, MPICH), the others none */
			assert_true((strstr(line, "\"mpi\":\"none\"") == NULL) ==
				    (strcmp(tx_backends[b], "mpi") == 0));
		}
		assert_int_equal(lines, 2); /* two variants, one worker count: rank 0 alone prints */
		tx_result_free(&r);
		fp = fopen(save, "r");
		assert_non_null(fp);
		n = fread(text, 1, sizeof text - 1, fp);
		text[n] = '\0';
		fclose(fp);
		unlink(save);
		assert_int_equal(tx_csv_parse(text, &t), 0);
		assert_int_equal(t.nrows, 2);
		assert_string_equal(tx_csv_get(&t, 0, "variant"), "lock");
		assert_string_equal(tx_csv_get(&t, 1, "variant"), "atomic");
		assert_true(tx_passed(tx_csv_get(&t, 1, "verdict")));
		tx_csv_free(&t);
	}
}

/* --help and --version leave with 0 on every backend, MPI included */
static void help_and_version(void **state)
{
	(void)state;
	for (int b = 0; b < 4; b++) {
		static const char *const help[] = { "--help", NULL }, *const version[] = { "--version", NULL };
		struct tx_result r;
		tx_launch(&r, tx_backends[b], "race", 0, help);
		assert_int_equal(r.exit_code, 0);
		assert_non_null(strstr(r.out, "usage:"));
		assert_non_null(strstr(r.out, "--variant"));
		assert_non_null(strstr(r.out, "lost"));
		tx_result_free(&r);
		tx_launch(&r, tx_backends[b], "race", 0, version);
		assert_int_equal(r.exit_code, 0);
		assert_non_null(strstr(r.out, tx_backends[b]));
		tx_result_free(&r);
	}
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "abc" }, "-n/--size" },
	{ { "-n", "12x" }, "--size" },
	{ { "--size=-5" }, "--size" },
	{ { "-n", "0" }, "--size" },
	{ { "-n", "99999999999999999999999" }, "--size" },
	{ { "-n" }, "--size" },
	{ { "-w", "0" }, "--workers" },
	{ { "-w", "-1" }, "--workers" },
	{ { "-w", "1,,2" }, "--workers" },
	{ { "-w", "100000" }, "--workers" },
	{ { "-r", "0" }, "--reps" },
	{ { "-x", "-1" }, "--warmup" },
	{ { "--variant", "bogus" }, "--variant" },
	{ { "--frobnicate" }, "--frobnicate" },
	{ { "--csv=yes" }, "--csv" },
	{ { "stray" }, "stray" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "race", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }
static void mpi_refuses_bad_input(void **state)
{
	static const char *const too_many[] = { "-w", "5", NULL }; /* with 2 ranks */
	(void)state;
	bad_input_on("mpi");
	tx_expect_usage_error("mpi", "race", too_many, "--workers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		TX_ON_ALL(none_loses_updates),
		TX_ON_ALL(lock_keeps_every_update),
		TX_ON_LOCAL(atomic_keeps_every_update),
		cmocka_unit_test(json_and_save),
		cmocka_unit_test(help_and_version),
		TX_ON_LOCAL(refuses_bad_input),
		cmocka_unit_test(mpi_refuses_bad_input),
	};
	return cmocka_run_group_tests_name("race (integration)", tests, NULL, NULL);
}
