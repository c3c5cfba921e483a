/* test_sumsquares.c: sumsquares' kernel, closed form and validator against a serial
 * stand-in for the backend, which can also corrupt its result: any wrong element must
 * fail validation; the MPI dynamic merge marks an index received twice; -n past the
 * work budget is refused; the speedup note against the serial map timed in the same
 * repetition. */
#include "sumsquares.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

extern const struct hx_exercise sumsquares_exercise;

static long corrupt_at = -1; /* element the stand-in gets wrong, or -1 */

const char *ss_na(enum ss_variant v)
{
	return v == SS_GUIDED ? "no guided here (test)" : NULL;
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	ss_baseline_alone(a);
	ss_map(out, 0, a->n, 1);
	if (corrupt_at >= 0)
		out[corrupt_at] += 1;
	*seconds = 1e-3;
}


/* the program runs this one case (-w, --variant): what sumsquares' baseline rule reads */
static int alone_calls; /* repetitions that timed a serial phase */

static enum hx_verdict run_case(const char *variant, int workers, long n, char *note)
{
	char w[16];
	const char *const args[] = { "--variant", variant, "-w", w, "-r", "3", "-c", "4", NULL };
	struct hx_case c;
	struct hx_stats st[2] = { { .n = 3, .median = 1e-3 }, { .n = 3, .median = 2e-3 } };
	enum hx_verdict v;

	snprintf(w, sizeof w, "%d", workers);
	v = tx_run_case_args(&sumsquares_exercise, variant, workers, n, args, &c);
	alone_calls += c.t[1] > 0; /* the serial map, timed (HX_NOT_MEASURED: none) */
	if (v == HX_PASS)
		sumsquares_exercise.finish(&c, st);
	strcpy(note, c.note);
	return v;
}

static void kernel_matches_closed_form(void **state)
{
	(void)state;
	assert_true(ss_expected(0) == 0);
	assert_true(ss_expected(1) == 0);
	assert_true(ss_expected(2) == 1);
	assert_true(ss_expected(4) == 14);
	assert_true(ss_expected(10000) == 333283335000ULL); /* the seed's last element */
	for (uint64_t n = 0; n < 3000; n++)
		assert_true(ss_sum_square(n) == ss_expected(n));
	/* the largest element allowed fits in 64 bits, far from the poison values */
	{
		unsigned __int128 last = (unsigned __int128)(SS_MAX_N - 2) * (SS_MAX_N - 1) *
					 (2 * SS_MAX_N - 3) / 6;
		assert_true(last < SS_TWICE);
		assert_true(ss_expected(SS_MAX_N - 1) == (uint64_t)last);
	}
}

static void guided_grab_shrinks(void **state)
{
	(void)state;
	assert_int_equal(ss_guided_grab(1000, 2, 1), 250);
	assert_int_equal(ss_guided_grab(3, 2, 1), 1);
	assert_int_equal(ss_guided_grab(3, 2, 8), 8);
}

static void correct_results_pass(void **state)
{
	const char *v[] = { "static", "cyclic", "dynamic" };
	char note[HX_NOTE_LEN];
	(void)state;
	corrupt_at = -1;
	alone_calls = 0;
	assert_int_equal(run_case("serial", 1, 500, note), HX_PASS);
	assert_non_null(strstr(note, "checked=500"));
	assert_int_equal(alone_calls, 0); /* serial is its own baseline */
	assert_null(strstr(note, "speedup="));
	for (int i = 0; i < 3; i++)
		for (int w = 1; w <= 4; w++) {
			char want[32];
			assert_int_equal(run_case(v[i], w, 500, note), HX_PASS);
			/* the serial map, timed by the first worker alone in the same
			 * repetition: speedup = median serial / median run (2 ms / 1 ms) */
			assert_non_null(strstr(note, "baseline=interleaved"));
			assert_non_null(strstr(note, "speedup=2.000"));
			snprintf(want, sizeof want, "efficiency=%.3f", 2.0 / w);
			assert_non_null(strstr(note, want));
		}
	assert_int_equal(alone_calls, 12); /* one repetition each */
}

static void corrupted_results_fail(void **state)
{
	const long at[] = { 0, 1, 2, 250, 499 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		corrupt_at = at[i];
		assert_int_equal(run_case("dynamic", 2, 500, note), HX_FAIL);
		assert_non_null(strstr(note, "first_wrong="));
	}
	corrupt_at = -1;
}

/* MPI dynamic's merge on rank 0: chunks placed by their starts; an index that comes
 * twice (even with the right value) or never must fail validation */
static void merge_marks_twice_and_missing(void **state)
{
	enum { N = 10, CH = 4 };
	uint64_t out[N], vals[N + CH];
	long starts[4];
	(void)state;
	for (int i = 0; i < N + CH; i++)
		vals[i] = 0;
	/* chunks 8, 0, 4 (as two ranks might send them): 2 + 4 + 4 values */
	starts[0] = 8;
	starts[1] = 0;
	starts[2] = 4;
	vals[0] = ss_expected(8), vals[1] = ss_expected(9);
	for (int i = 0; i < 8; i++)
		vals[2 + i] = ss_expected((uint64_t)i);
	for (int i = 0; i < N; i++)
		out[i] = SS_POISON;
	assert_int_equal(ss_merge_chunks(out, N, CH, starts, 3, vals), 0);
	assert_int_equal(ss_first_wrong(out, N), -1);
	/* chunk 4 once more, right values: index 4 (the first of it) must fail */
	starts[3] = 4;
	for (int i = 0; i < CH; i++)
		vals[10 + i] = ss_expected((uint64_t)(4 + i));
	for (int i = 0; i < N; i++)
		out[i] = SS_POISON;
	assert_int_equal(ss_merge_chunks(out, N, CH, starts, 4, vals), CH);
	assert_int_equal(ss_first_wrong(out, N), 4);
	assert_true(out[4] == SS_TWICE);
	/* chunk 0 never sent: index 0 stays poisoned and fails */
	for (int i = 0; i < N; i++)
		out[i] = SS_POISON;
	assert_int_equal(ss_merge_chunks(out, N, CH, starts + 2, 1, vals + 6), 0);
	assert_int_equal(ss_first_wrong(out, N), 0);
}

static void not_applicable_cases(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_case("serial", 2, 100, note), HX_NA);
	assert_non_null(strstr(note, "reason="));
	assert_int_equal(run_case("guided", 2, 100, note), HX_NA);
	assert_non_null(strstr(note, "no guided"));
}

static void size_past_budget_is_refused(void **state)
{
	struct hx_opts o;
	char err[256], out[64];
	char *too_big[] = { "sumsquares", "-n", "300001", NULL };
	char *largest[] = { "sumsquares", "-n", "300000", NULL };
	(void)state;
	assert_int_equal(hx_parse(&sumsquares_exercise, 3, too_big, &o, err, sizeof err, out,
				  sizeof out), HX_PARSE_ERROR);
	assert_non_null(strstr(err, "-n/--size"));
	assert_non_null(strstr(err, "budget"));
	assert_int_equal(hx_parse(&sumsquares_exercise, 3, largest, &o, err, sizeof err, out,
				  sizeof out), HX_PARSE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_matches_closed_form),
		cmocka_unit_test(guided_grab_shrinks),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(merge_marks_twice_and_missing),
		cmocka_unit_test(not_applicable_cases),
		cmocka_unit_test(size_past_budget_is_refused),
	};
	return cmocka_run_group_tests_name("sumsquares validator", tests, NULL, NULL);
}
