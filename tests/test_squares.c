/* test_squares.c: squares's validator against a serial stand-in for the backend, which
 * can corrupt its result: a wrong square, two items swapped (out of input order), a
 * missing item: each must fail validation. */
#include "cases.h"
#include "squares.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

extern const struct hx_exercise squares_exercise;

enum fault { F_NONE, F_WRONG, F_SWAP, F_MISSING };
static enum fault fault;

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
	};
	return cmocka_run_group_tests_name("squares (validator)", tests, NULL, NULL);
}
