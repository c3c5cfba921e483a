/* test_squares.c: squares's validator against a serial stand-in for the backend, which
 * can corrupt its result: a wrong square, two items swapped (out of input order), a
 * missing item: each must fail validation. And OpenMP's back-to-back regions (struct
 * sq_regions): a thread that missed a region, a reduction short of W x inner, a lost
 * time must fail too, and the note gives the overheads of the regions that pass. */
#include "cases.h"
#include "squares.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

extern const struct hx_exercise squares_exercise;

enum fault { F_NONE, F_WRONG, F_SWAP, F_MISSING, F_REGION, F_RED_REGION, F_RED_SUM, F_NO_TIME,
	     F_REF_LOST };
static enum fault fault;
static int with_regions; /* the stand-in fills a->regions, as openmp/squares.c does */

const char *squares_na(enum sq_variant v)
{
	(void)v;
	return NULL;
}

void squares_run(const struct sq_args *a, long *result, double t[3], double life[2])
{
	for (long i = 0; i < a->items; i++)
		if (!(fault == F_MISSING && i == a->items - 1))
			result[i] = sq_square(i + 1, a->work);
	if (fault == F_WRONG)
		result[2] += 1;
	if (fault == F_SWAP) {
		long x = result[3];
		result[3] = result[4];
		result[4] = x;
	}
	if (with_regions) {
		struct sq_regions *r = a->regions;
		long want = a->workers * 100L;
		if (r->inner == 0)
			r->inner = 100; /* "calibrated" once */
		r->region_s = 3e-6;
		r->ref_s = 1e-7;
		r->red_s = 4e-6;
		r->red_ref_s = 2e-7;
		r->least = r->red_least = r->inner;
		r->entered = r->red_entered = r->red_sum = want;
		if (fault == F_REGION) { /* thread 1 missed a region */
			r->least = r->inner - 1;
			r->entered = want - 1;
		}
		if (fault == F_RED_REGION)
			r->red_least = r->inner - 1, r->red_entered = want - 1;
		if (fault == F_RED_SUM)
			r->red_sum = want - 1;
		if (fault == F_NO_TIME)
			r->red_ref_s = NAN;
		if (fault == F_REF_LOST) /* om_regions_run's word for it */
			r->least = -1;
	}
	t[0] = 1e-6;
	t[1] = 2e-6;
	t[2] = 1e-6;
	life[0] = life[1] = HX_NOT_MEASURED;
}

static enum hx_verdict run_case(int workers, long items, char *note)
{
	const char *const args[] = { "-r", "1", NULL };
	struct hx_case c;
	enum hx_verdict v = tx_run_case_args(&squares_exercise, "pool", workers, items, args, &c);
	strcpy(note, c.note);
	return v;
}

static void kernel(void **state)
{
	(void)state;
	assert_int_equal(sq_square(7, 0), 49);
	assert_int_equal(sq_square(7, 1000), 49);
	assert_int_equal(sq_square(100000, 3), 10000000000L);
}

static void correct_results_pass(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	fault = F_NONE;
	for (int w = 1; w <= 4; w++) {
		assert_int_equal(run_case(w, 10, note), HX_PASS);
		assert_non_null(strstr(note, "validated=10"));
	}
}

static void corrupted_results_fail(void **state)
{
	const enum fault f[] = { F_WRONG, F_SWAP, F_MISSING };
	const char *what[] = { "item 2: got 10, not 9", "item 3: got 25, not 16",
			       "item 9: got -1, not 100" };
	char note[HX_NOTE_LEN];
	(void)state;
	for (int i = 0; i < 3; i++) {
		fault = f[i];
		assert_int_equal(run_case(2, 10, note), HX_FAIL);
		if (strstr(note, what[i]) == NULL)
			print_error("fault %d: %s\n", i, note);
		assert_non_null(strstr(note, what[i]));
	}
	fault = F_NONE;
}

static void regions_pass_with_overheads(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	fault = F_NONE;
	with_regions = 1;
	for (int w = 1; w <= 4; w++) {
		assert_int_equal(run_case(w, 10, note), HX_PASS);
		/* per region 3000 ns minus the reference's 100; with reduction 4000 minus 200 */
		assert_non_null(strstr(note, "regions=100 ref_ns=100 overhead_ns=2.9e+03 "
					     "reduction_ns=4e+03 reduction_overhead_ns=3.8e+03"));
	}
	with_regions = 0;
	assert_int_equal(run_case(2, 10, note), HX_PASS);
	assert_null(strstr(note, "overhead_ns")); /* a backend that does not time regions */
}

static void corrupted_regions_fail(void **state)
{
	const enum fault f[] = { F_REGION, F_RED_REGION, F_RED_SUM, F_NO_TIME, F_REF_LOST };
	const char *what[] = { "regions: a thread counted 99 of 100, all 199 of 200",
			       "reduction regions: a thread counted 99 of 100",
			       "reduction: sum 199, not 200", "regions: a time is missing",
			       "regions: a thread counted -1 of 100" };
	char note[HX_NOTE_LEN];
	(void)state;
	with_regions = 1;
	for (int i = 0; i < 5; i++) {
		fault = f[i];
		assert_int_equal(run_case(2, 10, note), HX_FAIL);
		if (strstr(note, what[i]) == NULL)
			print_error("fault %d: %s\n", i, note);
		assert_non_null(strstr(note, what[i]));
		assert_null(strstr(note, "overhead_ns")); /* no figure from a failed run */
	}
	fault = F_NONE;
	with_regions = 0;
}

static void direct_validator(void **state)
{
	long r[5] = { 1, 4, 9, 16, 25 };
	char why[128];
	(void)state;
	assert_int_equal(sq_validate(r, 5, why, sizeof why), 0);
	r[0] = 0;
	assert_int_equal(sq_validate(r, 5, why, sizeof why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel),
		cmocka_unit_test(direct_validator),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(regions_pass_with_overheads),
		cmocka_unit_test(corrupted_regions_fail),
	};
	return cmocka_run_group_tests_name("squares (validator)", tests, NULL, NULL);
}
