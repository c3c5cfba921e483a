/* test_factorial.c: factorial's kernel and validator against a serial stand-in for the
 * backend, which can also corrupt its result: a wrong value, two values swapped, a
 * broken kernel (every task the factorial of the wrong n, or a double factorial), a
 * task missing from the completion order or named twice must each fail validation. */
#include "factorial.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

extern const struct hx_exercise factorial_exercise;

enum corruption {
	NONE, VALUE_OFF, VALUE_LAST_ZERO, VALUES_SWAPPED, KERNEL_WRONG_N, KERNEL_DOUBLE,
	ORDER_TWICE, ORDER_MISSING
};
static enum corruption corrupt;
static int opened, closed;

/* the backend hooks: every task in input order, then the corruption */
void *fac_open(const struct fac_args *a)
{
	(void)a;
	opened++;
	return &opened;
}

void fac_close(void *ctx)
{
	assert_ptr_equal(ctx, &opened);
	closed++;
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	(void)ctx;
	for (long k = 0; k < a->ntasks; k++) {
		fac_compute(values[k], fac_task_n(a->variant, k));
		order[k] = a->ntasks - 1 - k; /* any permutation is a valid completion order */
	}
	switch (corrupt) {
	case NONE:
		break;
	case VALUE_OFF:
		mpz_add_ui(values[a->ntasks / 2], values[a->ntasks / 2], 1);
		break;
	case VALUE_LAST_ZERO: /* a result that never arrived */
		mpz_set_ui(values[a->ntasks - 1], 0);
		break;
	case VALUES_SWAPPED: /* each a factorial, filed under the wrong task */
		mpz_swap(values[2], values[3]);
		break;
	case KERNEL_WRONG_N: /* a kernel off by one: (n-1)! for every task */
		for (long k = 0; k < a->ntasks; k++)
			mpz_fac_ui(values[k], fac_task_n(a->variant, k) - 1);
		break;
	case KERNEL_DOUBLE: /* a kernel that skips every other factor: n!! */
		for (long k = 0; k < a->ntasks; k++)
			mpz_2fac_ui(values[k], fac_task_n(a->variant, k));
		break;
	case ORDER_TWICE:
		order[0] = order[1];
		break;
	case ORDER_MISSING:
		order[a->ntasks - 1] = -1;
		break;
	}
	*seconds = 1e-6;
}

static enum hx_verdict run_case(const char *variant, int workers, long n, char *note)
{
	struct hx_case c;
	enum hx_verdict v = tx_run_case(&factorial_exercise, variant, workers, n, &c);
	assert_true(c.ops == (double)n);
	strcpy(note, c.note);
	return v;
}

static void kernel_is_exact(void **state)
{
	mpz_t v, w;
	char *s;
	(void)state;
	mpz_init(v);
	mpz_init(w);
	fac_compute(v, 0);
	assert_int_equal(mpz_cmp_ui(v, 1), 0);
	fac_compute(v, 1);
	assert_int_equal(mpz_cmp_ui(v, 1), 0);
	fac_compute(v, 10);
	assert_int_equal(mpz_get_ui(v), 3628800);
	fac_compute(v, 20);
	assert_true(mpz_get_ui(v) == 2432902008176640000UL);
	fac_compute(v, 21); /* the first beyond 64 bits */
	assert_true(mpz_sizeinbase(v, 2) > 64);
	fac_compute(v, 1000);
	s = mpz_get_str(NULL, 10, v);
	assert_int_equal(strlen(s), 2568); /* 1000! has 2568 digits */
	assert_memory_equal(s, "402387260077", 12);
	{
		void (*gmp_free)(void *, size_t);
		mp_get_memory_functions(NULL, NULL, &gmp_free);
		gmp_free(s, strlen(s) + 1);
	}
	/* and against the product 1*2*...*n, which shares nothing with mpz_fac_ui */
	for (unsigned long n = 0; n <= 1200; n++) {
		mpz_set_ui(w, 1);
		for (unsigned long i = 2; i <= n; i++)
			mpz_mul_ui(w, w, i);
		fac_compute(v, n);
		assert_int_equal(mpz_cmp(v, w), 0);
	}
	mpz_clear(v);
	mpz_clear(w);
}

static void task_sizes(void **state)
{
	(void)state;
	assert_int_equal(fac_task_n(FAC_SMALL, 0), 1);
	assert_int_equal(fac_task_n(FAC_SMALL, 19), 20);
	assert_int_equal(fac_task_n(FAC_SMALL, 20), 1);
	assert_int_equal(fac_task_n(FAC_LARGE, 0), 1);
	assert_int_equal(fac_task_n(FAC_LARGE, 999), 1000);
}

static void correct_results_pass(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	corrupt = NONE;
	opened = closed = 0;
	assert_int_equal(run_case("small", 2, 100, note), HX_PASS);
	assert_non_null(strstr(note, "checked=100"));
	assert_int_equal(run_case("large", 3, 1000, note), HX_PASS);
	assert_non_null(strstr(note, "last_digits=2568"));
	assert_int_equal(run_case("large", 1, 1, note), HX_PASS);
	assert_int_equal(opened, 3);
	assert_int_equal(closed, 3);
}

static void corrupted_results_fail(void **state)
{
	const enum corruption bad[] = { VALUE_OFF, VALUE_LAST_ZERO, VALUES_SWAPPED, KERNEL_WRONG_N,
					KERNEL_DOUBLE, ORDER_TWICE, ORDER_MISSING };
	const char *why[] = { "differs", "differs", "differs", "differs", "differs", "twice",
			      "no task" };
	char note[HX_NOTE_LEN];
	(void)state;
	for (int i = 0; i < 7; i++) {
		corrupt = bad[i];
		assert_int_equal(run_case("small", 2, 50, note), HX_FAIL);
		assert_non_null(strstr(note, why[i]));
		assert_int_equal(run_case("large", 2, 50, note), HX_FAIL);
		assert_non_null(strstr(note, why[i]));
	}
	corrupt = NONE;
}

static void large_size_is_refused(void **state)
{
	struct hx_opts o;
	char err[256], out[64];
	char *argv[] = { "factorial", "--variant", "large", "-n", "50000", NULL };
	char *argv_small[] = { "factorial", "--variant", "small", "-n", "50000", NULL };
	(void)state;
	assert_int_equal(hx_parse(&factorial_exercise, 5, argv, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--size"));
	assert_int_equal(hx_parse(&factorial_exercise, 5, argv_small, &o, err, sizeof err, out,
				  sizeof out), HX_PARSE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_is_exact),
		cmocka_unit_test(task_sizes),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(large_size_is_refused),
	};
	return cmocka_run_group_tests_name("factorial validator", tests, NULL, NULL);
}
