/* test_race.c: race's validator against a serial stand-in for the backend, which can
 * also corrupt its result: a corrupted final value must fail validation. */
#include "cases.h"
#include "race.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

extern const struct hx_exercise race_exercise;

static long corruption; /* added to the final counter word by the stand-in backend */
static long collisions; /* 2 workers: updates lost by a constructed interleaving */

/* Two workers, an add and a subtract each step; in the first 2k steps both read the
 * word before either writes it back, so one of the two writes is lost: the add in the
 * first k, the subtract in the next k. The value comes out right (k adds and k
 * subtracts lost cancel out) while 2k updates were lost. */
static long interleaved(long word, long iters, long k)
{
	for (long i = 0; i < iters; i++) {
		long r0 = word, r1 = word; /* both workers read */
		if (i < k) {
			word = r0 + race_step(0);
			word = r1 + race_step(1); /* overwrites the add */
		} else if (i < 2 * k) {
			word = r1 + race_step(1);
			word = r0 + race_step(0); /* overwrites the subtract */
		} else {
			race_update_plain(&word, race_step(0));
			race_update_plain(&word, race_step(1));
		}
	}
	return word;
}

/* the backend hook: every worker's updates one after another (or the interleaving
 * above), then the corruption */
long race_run(const struct race_args *a, double *seconds)
{
	long counter = a->start;
	*seconds = 1e-6;
	if (collisions > 0 && a->workers == 2)
		return interleaved(counter, a->iters, collisions) + corruption;
	for (int w = 0; w < a->workers; w++)
		for (long i = 0; i < a->iters; i++)
			race_update_plain(&counter, race_step(w));
	return counter + corruption;
}

static enum hx_verdict run_case(const char *variant, int workers, long iters, char *note)
{
	struct hx_case c;
	enum hx_verdict v = tx_run_case(&race_exercise, variant, workers, iters, &c);
	assert_true(c.ops == (double)workers * (double)iters);
	strcpy(note, c.note);
	return v;
}

static void expected_values(void **state)
{
	(void)state;
	assert_int_equal(race_expected(500, 1, 500), 500 + 2500);
	assert_int_equal(race_expected(500, 2, 500), 500);
	assert_int_equal(race_expected(500, 3, 10), 550);
	assert_int_equal(race_expected(500, 4, 1000000), 500);
	assert_int_equal(race_step(0), RACE_ADD);
	assert_int_equal(race_step(1), RACE_SUB);
	assert_int_equal(race_value(500, 7 * RACE_ADD + 3 * RACE_SUB), 500 + 4 * RACE_DELTA);
	assert_int_equal(race_adds(7 * RACE_ADD + 3 * RACE_SUB), 7);
	assert_int_equal(race_subs(7 * RACE_ADD + 3 * RACE_SUB), 3);
}

static void correct_results_pass(void **state)
{
	const char *v[] = { "lock", "atomic", "local" };
	char note[HX_NOTE_LEN];
	(void)state;
	corruption = 0;
	for (int i = 0; i < 3; i++)
		for (int w = 1; w <= 4; w++) {
			assert_int_equal(run_case(v[i], w, 1000, note), HX_PASS);
			assert_non_null(strstr(note, "final="));
		}
}

static void corrupted_results_fail(void **state)
{
	const char *v[] = { "lock", "atomic", "local" };
	const long bad[] = { 1, -1, 5, -5, 1000000 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		corruption = bad[k];
		for (int i = 0; i < 3; i++)
			assert_int_equal(run_case(v[i], 2, 1000, note), HX_FAIL);
	}
	corruption = 0;
}

static void none_reports_lost_updates(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	corruption = -3 * RACE_ADD; /* as if three adds had been lost */
	assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
	assert_non_null(strstr(note, "lost_updates=3 lost_adds=3 lost_subtracts=0"));
	corruption = -2 * RACE_SUB;
	assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
	assert_non_null(strstr(note, "lost_updates=2 lost_adds=0 lost_subtracts=2"));
	corruption = 0;
	assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
	assert_non_null(strstr(note, "lost_updates=0 "));
	corruption = RACE_ADD; /* an add that was never made: a bug, not a race */
	assert_int_equal(run_case("none", 2, 1000, note), HX_FAIL);
	corruption = 0;
}

/* A lost add and a lost subtract cancel in the value, not in the count: k of each,
 * constructed, give final == expected and exactly 2k lost updates. */
static void lost_updates_counted_exactly(void **state)
{
	char note[HX_NOTE_LEN], want[96];
	(void)state;
	for (long k = 1; k <= 300; k *= 7) {
		collisions = k;
		assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
		assert_non_null(strstr(note, "final=500 expected=500"));
		snprintf(want, sizeof want, "lost_updates=%ld lost_adds=%ld lost_subtracts=%ld", 2 * k,
			 k, k);
		assert_non_null(strstr(note, want));
		assert_int_equal(run_case("lock", 2, 1000, note), HX_FAIL);
	}
	collisions = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expected_values),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(none_reports_lost_updates),
		cmocka_unit_test(lost_updates_counted_exactly),
	};
	return cmocka_run_group_tests_name("race validator", tests, NULL, NULL);
}
