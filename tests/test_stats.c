/* test_stats.c: the harness statistics on samples with known answers. */
#include "hx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b, eps)                                                        \
	do {                                                                          \
		double a_ = (a), b_ = (b);                                            \
		if (!(fabs(a_ - b_) <= (eps))) {                                      \
			print_error("%s = %.9g, expected %.9g (+-%g)\n", #a, a_, b_,   \
				    (double)(eps));                                   \
			fail();                                                       \
		}                                                                     \
	} while (0)

static void five_samples(void **state)
{
	const double s[] = { 5, 3, 1, 4, 2 }; /* unsorted on purpose */
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(s, 5, &st), 0);
	assert_int_equal(st.n, 5);
	assert_near(st.min, 1, 0);
	assert_near(st.max, 5, 0);
	assert_near(st.median, 3, 0);
	assert_near(st.mean, 3, 1e-12);
	assert_near(st.sd, sqrt(2.5), 1e-12);           /* sample sd, n - 1 */
	assert_near(st.ci95_lo, 3 - 2.776 * sqrt(2.5) / sqrt(5), 1e-9);
	assert_near(st.ci95_hi, 3 + 2.776 * sqrt(2.5) / sqrt(5), 1e-9);
	assert_int_equal(st.outliers, 0);
	assert_near(s[0], 5, 0); /* the input is left alone */
}

static void even_count_median(void **state)
{
	const double s[] = { 4, 1, 3, 2 };
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(s, 4, &st), 0);
	assert_near(st.median, 2.5, 1e-12);
}

static void one_sample(void **state)
{
	const double s[] = { 0.25 };
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(s, 1, &st), 0);
	assert_near(st.median, 0.25, 0);
	assert_near(st.sd, 0, 0);
	assert_near(st.ci95_lo, 0.25, 0);
	assert_near(st.ci95_hi, 0.25, 0);
}

static void no_samples(void **state)
{
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(NULL, 0, &st), -1);
}

/* one descheduled repetition among steady ones is an outlier (Tukey's fences) */
static void outlier(void **state)
{
	const double s[] = { 1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 5.0 };
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(s, 7, &st), 0);
	assert_int_equal(st.outliers, 1);
	assert_near(st.median, 1.00, 1e-12);
	assert_near(st.max, 5.0, 0);
}

static void student_t(void **state)
{
	(void)state;
	assert_near(hx_t95(1), 12.706, 1e-9);
	assert_near(hx_t95(4), 2.776, 1e-9);
	assert_near(hx_t95(30), 2.042, 1e-9);
	assert_near(hx_t95(1000), 1.960, 1e-9);
	assert_true(isnan(hx_t95(0)));
}

static void clock_is_monotonic(void **state)
{
	uint64_t a, b;
	(void)state;
	a = hx_now_ns();
	hx_sleep_ns(2000000);
	b = hx_now_ns();
	assert_true(b >= a + 2000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(five_samples),  cmocka_unit_test(even_count_median),
		cmocka_unit_test(one_sample),    cmocka_unit_test(no_samples),
		cmocka_unit_test(outlier),       cmocka_unit_test(student_t),
		cmocka_unit_test(clock_is_monotonic),
	};
	return cmocka_run_group_tests_name("harness statistics", tests, NULL, NULL);
}
