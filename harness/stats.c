/* stats.c: per-measurement statistics (EPCC style): min, median, mean, sd, a 95%
 * interval of the mean, and outliers by Tukey's fences (robust for the small,
 * skewed samples timings give: one descheduled repetition does not hide the rest). */
#include "hx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks (the "R-7" quantile). */
static double quantile(const double *sorted, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

double hx_t95(size_t df)
{
	/* two-sided 95% quantiles of Student's t, df = 1..30, then selected values */
	static const double t[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
				    2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
				    2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
				    2.060,  2.056, 2.052, 2.048, 2.045, 2.042 };
	if (df == 0)
		return NAN;
	if (df <= 30)
		return t[df - 1];
	if (df <= 40)
		return 2.021;
	if (df <= 60)
		return 2.000;
	if (df <= 120)
		return 1.980;
	return 1.960;
}

/* P(X = i) for X ~ Bin(n, 1/2) */
static double half_binomial(size_t n, size_t i)
{
	return exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) -
		   (double)n * log(2.0));
}

/* The median's interval from the sorted samples s (struct hx_stats): X, the samples
 * below the true median, is Bin(n, 1/2); [x(k), x(n+1-k)] misses it on one side when
 * X <= k - 1, so its coverage is 1 - 2 P(X <= k - 1). The largest k with
 * P(X <= k - 1) <= 2.5%; k = 1 ([min, max]) when even that is more. */
static void median_interval(const double *s, size_t n, struct hx_stats *st)
{
	double below = half_binomial(n, 0); /* P(X <= k - 1) */
	size_t k = 1;

	for (size_t j = 1; 2 * (j + 1) <= n + 1; j++) {
		double next = below + half_binomial(n, j);
		if (next > 0.025)
			break;
		below = next;
		k = j + 1;
	}
	st->med_lo = s[k - 1];
	st->med_hi = s[n - k];
	st->med_conf = 1 - 2 * below;
}

/* s sorted: the widest gap of at least HX_BIMODAL_GAP between two groups of 2 or more */
static void modes(const double *s, size_t n, struct hx_stats *st)
{
	double widest = HX_BIMODAL_GAP;
	size_t cut = 0;

	for (size_t i = 2; n >= 4 && i + 2 <= n; i++) /* groups s[0..i-1] and s[i..n-1] */
		if (s[i - 1] > 0 && s[i] / s[i - 1] >= widest) {
			widest = s[i] / s[i - 1];
			cut = i;
		}
	if (cut == 0)
		return;
	st->bimodal = 1;
	st->n_lo = cut;
	st->mode_lo = quantile(s, cut, 0.5);
	st->mode_hi = quantile(s + cut, n - cut, 0.5);
}

int hx_stats_compute(const double *samples, size_t n, struct hx_stats *st)
{
	double *s, sum = 0, ss = 0, q1, q3, iqr;
	size_t i;

	memset(st, 0, sizeof *st);
	if (n == 0)
		return -1;
	s = malloc(n * sizeof *s);
	if (s == NULL)
		return -1;
	memcpy(s, samples, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);

	st->n = n;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = quantile(s, n, 0.5);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (s[i] - st->mean) * (s[i] - st->mean);
	st->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	if (n > 1) {
		double half = hx_t95(n - 1) * st->sd / sqrt((double)n);
		st->ci95_lo = st->mean - half;
		st->ci95_hi = st->mean + half;
	} else {
		st->ci95_lo = st->ci95_hi = st->mean;
	}
	median_interval(s, n, st);
	modes(s, n, st);
	q1 = quantile(s, n, 0.25);
	q3 = quantile(s, n, 0.75);
	iqr = q3 - q1;
	for (i = 0; i < n; i++)
		if (s[i] < q1 - 1.5 * iqr || s[i] > q3 + 1.5 * iqr)
			st->outliers++;
	free(s);
	return 0;
}

double hx_quantile(const double *samples, size_t n, double q)
{
	double *s, v;
	if (n == 0)
		return NAN;
	s = hx_alloc(n * sizeof *s);
	memcpy(s, samples, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	v = quantile(s, n, q < 0 ? 0 : q > 1 ? 1 : q);
	free(s);
	return v;
}

double hx_median(const double *samples, size_t n)
{
	return hx_quantile(samples, n, 0.5);
}
