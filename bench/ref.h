/* ref.h: what make bench's bare reference programs share (the .c files of bench/): a clock, a
 * median, a fatal error, the -s SAMPLES -t MS options, and the calibrated sample:
 * an inner count that doubles until one untimed run lasts MS milliseconds, as the
 * suite's own calibration does (harness/driver.c), then SAMPLES timed runs of it.
 * The programs print `key=value` medians, one line; no harness, no records. */
#ifndef BENCH_REF_H
#define BENCH_REF_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *ref_prog = "ref";
static int ref_samples = 9, ref_ms = 1;

static inline void ref_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", ref_prog, what, strerror(err));
	exit(3);
}

static inline double ref_now(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		ref_die("clock_gettime", errno);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline int ref_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static inline double ref_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, ref_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* -s SAMPLES (1..1000) and -t MS (1..10000); anything else is a usage error (exit 2) */
static inline void ref_options(int argc, char **argv, const char *prog)
{
	ref_prog = prog;
	for (int i = 1; i < argc; i += 2) {
		char *end;
		long v;
		if (i + 1 >= argc || (strcmp(argv[i], "-s") != 0 && strcmp(argv[i], "-t") != 0)) {
			fprintf(stderr, "%s: unknown option '%s'; usage: %s [-s SAMPLES] [-t MS]\n",
				prog, argv[i], prog);
			exit(2);
		}
		errno = 0;
		v = strtol(argv[i + 1], &end, 10);
		if (errno || *end || end == argv[i + 1] || v < 1 || v > (argv[i][1] == 's' ? 1000 : 10000)) {
			fprintf(stderr, "%s: option %s: a count from 1 to %d (got '%s')\n", prog,
				argv[i], argv[i][1] == 's' ? 1000 : 10000, argv[i + 1]);
			exit(2);
		}
		if (argv[i][1] == 's')
			ref_samples = (int)v;
		else
			ref_ms = (int)v;
	}
}

/* The median over ref_samples runs of fn(arg, inner), in seconds per inner repetition,
 * inner calibrated first: fn returns the seconds its `inner` repetitions took. */
static inline double ref_measure(double (*fn)(void *, long), void *arg)
{
	double v[1000];
	long inner = 1;
	while (fn(arg, inner) < ref_ms * 1e-3 && inner < (1L << 40))
		inner *= 2;
	for (int i = 0; i < ref_samples; i++)
		v[i] = fn(arg, inner) / (double)inner;
	return ref_median(v, ref_samples);
}

#endif
