/* test_race.c: race's validator against a serial stand-in for the backend, which can
 * also corrupt its result: a corrupted final value must fail validation. */
#include "cases.h"
#include "race.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

extern const struct hx_exercise race_exercise;

static long corruption; /* added to the final value by the stand-in backend */

/* the backend hook: every worker's updates one after another, then the corruption */
long race_run(const struct race_args *a, double *seconds)
{
	long counter = a->start;
	for (int w = 0; w < a->workers; w++)
		for (long i = 0; i < a->iters; i++)
			race_update_plain(&counter, race_step(w));
	*seconds = 1e-6;
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
	assert_int_equal(race_step(0), 5);
	assert_int_equal(race_step(1), -5);
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
	corruption = -15; /* as if three increments had been lost */
	assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
	assert_non_null(strstr(note, "lost_updates_min=3"));
	corruption = 0;
	assert_int_equal(run_case("none", 2, 1000, note), HX_UNSAFE);
	assert_non_null(strstr(note, "lost_updates_min=0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expected_values),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(none_reports_lost_updates),
	};
	return cmocka_run_group_tests_name("race validator", tests, NULL, NULL);
}
