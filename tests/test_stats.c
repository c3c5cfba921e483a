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

/* The whole table: the two-sided 95% quantiles of Student's t for df 1..30 (to three
 * decimals), then one value per band (df 31-40: 2.021, the df 40 figure; 41-60: 2.000;
 * 61-120: 1.980; above: 1.960), never rising as df grows. */
static void student_t_table(void **state)
{
	static const double t[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
				    2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
				    2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
				    2.060,  2.056, 2.052, 2.048, 2.045, 2.042 };
	(void)state;
	for (size_t df = 1; df <= 30; df++)
		assert_near(hx_t95(df), t[df - 1], 1e-9);
	for (size_t df = 31; df <= 40; df++)
		assert_near(hx_t95(df), 2.021, 1e-9);
	for (size_t df = 41; df <= 60; df++)
		assert_near(hx_t95(df), 2.000, 1e-9);
	for (size_t df = 61; df <= 120; df++)
		assert_near(hx_t95(df), 1.980, 1e-9);
	assert_near(hx_t95(121), 1.960, 1e-9);
	for (size_t df = 2; df <= 200; df++)
		assert_true(hx_t95(df) <= hx_t95(df - 1));
}

/* 36 samples: the interval uses t at df 35 */
static void interval_at_df_35(void **state)
{
	double s[36], mean = 0, ss = 0, half;
	struct hx_stats st;
	(void)state;
	for (int i = 0; i < 36; i++) {
		s[i] = 1.0 + 0.01 * (double)((i * 7) % 36);
		mean += s[i];
	}
	mean /= 36;
	for (int i = 0; i < 36; i++)
		ss += (s[i] - mean) * (s[i] - mean);
	half = 2.021 * sqrt(ss / 35) / 6;
	assert_int_equal(hx_stats_compute(s, 36, &st), 0);
	assert_near(st.mean, mean, 1e-12);
	assert_near(st.ci95_lo, mean - half, 1e-12);
	assert_near(st.ci95_hi, mean + half, 1e-12);
}

/* an even count: the median is the mean of the two middle values, whatever the order */
static void even_count_median_unsorted(void **state)
{
	const double s[] = { 10, 1, 7, 3, 100, 4 }; /* sorted: 1 3 4 7 10 100 */
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(s, 6, &st), 0);
	assert_near(st.median, 5.5, 1e-12);
	assert_near(st.min, 1, 0);
	assert_near(st.max, 100, 0);
}

/* Tukey's fences exactly: Q1 - 1.5 IQR and Q3 + 1.5 IQR (R-7 quartiles), a value on a
 * fence is inside */
static void tukey_fences(void **state)
{
	const double hi[] = { 1, 2, 3, 4, 5, 6, 7, 8, 14 };  /* Q1 3, Q3 7: fence 13 */
	const double on[] = { 1, 2, 3, 4, 5, 6, 7, 8, 13 };  /* on the upper fence */
	const double lo[] = { -4, 2, 3, 4, 5, 6, 7, 8, 9 };  /* Q1 3, Q3 7: fence -3 */
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(hi, 9, &st), 0);
	assert_int_equal(st.outliers, 1);
	assert_int_equal(hx_stats_compute(on, 9, &st), 0);
	assert_int_equal(st.outliers, 0);
	assert_int_equal(hx_stats_compute(lo, 9, &st), 0);
	assert_int_equal(st.outliers, 1);
}

/* hx_median and hx_quantile: the same R-7 rule as the statistics, the samples left as
 * they were, NAN for none */
static void median_and_quantile(void **state)
{
	const double s[] = { 10, 1, 7, 3, 100, 4 }; /* sorted: 1 3 4 7 10 100 */
	(void)state;
	assert_near(hx_median(s, 6), 5.5, 1e-12);
	assert_near(hx_median(s, 5), 7, 0); /* 1 3 7 10 100 */
	assert_near(hx_quantile(s, 6, 0), 1, 0);
	assert_near(hx_quantile(s, 6, 1), 100, 0);
	assert_near(hx_quantile(s, 6, 0.25), 3.25, 1e-12); /* pos 1.25: 3 + 0.25 * (4 - 3) */
	assert_near(s[0], 10, 0);
	assert_true(isnan(hx_median(s, 0)));
}

/* hx_deadline / hx_expired and hx_time */
/* The median's interval: order statistics from the binomial table (n = 100: the
 * textbook [x(40), x(61)]), coverage 1 - 2 P(Bin(n, 1/2) <= k - 1); [min, max] below
 * 6 samples, with the coverage it has. Checked against the exact sums (Python's
 * math.comb) once. */
static void median_interval(void **state)
{
	static const struct {
		size_t n;
		double lo, hi, conf;
	} want[] = {
		{ 1, 1, 1, 0 },		{ 3, 1, 3, 0.75 },	   { 5, 1, 5, 0.9375 },
		{ 6, 1, 6, 0.96875 },	{ 8, 1, 8, 0.9921875 },	   { 9, 2, 8, 0.9609375 },
		{ 10, 2, 9, 0.978515625 }, { 20, 6, 15, 0.958610535 }, { 100, 40, 61, 0.9647998 },
	};
	double v[100];
	struct hx_stats st;
	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i; /* descending: the interval comes from the sorted copy */
	for (size_t t = 0; t < sizeof want / sizeof want[0]; t++) {
		size_t n = want[t].n;
		assert_int_equal(hx_stats_compute(v + 100 - n, n, &st), 0); /* n..1 */
		assert_near(st.med_lo, want[t].lo, 0);
		assert_near(st.med_hi, want[t].hi, 0);
		assert_near(st.med_conf, want[t].conf, 1e-6);
		assert_true(st.med_lo <= st.median && st.median <= st.med_hi);
	}
}

static void sleep_a_while(void *arg) { hx_sleep_ns(*(const uint64_t *)arg); }
static void deadlines_and_timer(void **state)
{
	uint64_t ns = 2000000, d = hx_deadline(1000000000u);
	double t;
	(void)state;
	assert_false(hx_expired(d));
	assert_true(hx_expired(hx_deadline(0) - 1));
	t = hx_time(sleep_a_while, &ns);
	assert_true(t >= 0.002 && t < 60);
}

/* two groups a gap of 3x or more apart, 2 or more in each: both modes, not one median */
static void two_modes(void **state)
{
	const double two[] = { 1.0, 11.0, 0.9, 10.0, 1.1, 1.0 };     /* 4 near 1, 2 near 10 */
	const double spread[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }; /* no gap of 3x */
	const double lone[] = { 1, 1.1, 1.2, 1.0, 100 };            /* one outlier: no mode */
	struct hx_stats st;
	(void)state;
	assert_int_equal(hx_stats_compute(two, 6, &st), 0);
	assert_true(st.bimodal);
	assert_int_equal(st.n_lo, 4);
	assert_true(fabs(st.mode_lo - 1.0) < 1e-12);
	assert_true(fabs(st.mode_hi - 10.5) < 1e-12);
	assert_int_equal(hx_stats_compute(spread, 10, &st), 0);
	assert_false(st.bimodal);
	assert_int_equal(hx_stats_compute(lone, 5, &st), 0);
	assert_false(st.bimodal);
	assert_int_equal(hx_stats_compute(two, 3, &st), 0); /* too few for two groups */
	assert_false(st.bimodal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(five_samples),  cmocka_unit_test(even_count_median),
		cmocka_unit_test(one_sample),    cmocka_unit_test(no_samples),
		cmocka_unit_test(outlier),       cmocka_unit_test(student_t),
		cmocka_unit_test(clock_is_monotonic), cmocka_unit_test(student_t_table),
		cmocka_unit_test(interval_at_df_35), cmocka_unit_test(even_count_median_unsorted),
		cmocka_unit_test(tukey_fences), cmocka_unit_test(median_and_quantile),
		cmocka_unit_test(deadlines_and_timer), cmocka_unit_test(median_interval),
		cmocka_unit_test(two_modes),
	};
	return cmocka_run_group_tests_name("harness statistics", tests, NULL, NULL);
}
