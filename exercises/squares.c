/* squares.c: what every backend shares about `squares`: the kernel, the validator, the
 * sweep (pool sizes 2, 4, 8; items 10 then 1000) and the comparison of each pool size
 * with the next smaller one. The parallel part is squares_run() in openmp/squares.c,
 * mpi/squares.c and posix/squares.c.
 * Run: build/procs/squares            (the seed's sweep)
 *      build/procs/squares -w 1,2,4,8 -n 2000 --work 100000 */
#include "squares.h"

#include "hx.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) long sq_square(long x, long work)
{
	uint64_t h = (uint64_t)x;
	for (long k = 0; k < work; k++) {
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(h)); /* the compiler must do every round */
	}
	return x * x;
}

int sq_validate(const long *result, long items, char *why, unsigned long len)
{
	for (long i = 0; i < items; i++) {
		long want = (i + 1) * (i + 1);
		if (result[i] != want) {
			snprintf(why, len, "item %ld: got %ld, not %ld = %ld^2", i, result[i], want,
				 i + 1);
			return -1;
		}
	}
	return 0;
}

int sq_regions_validate(const struct sq_regions *r, int workers, char *why, unsigned long len)
{
	long want = (long)workers * r->inner;

	if (r->least == r->inner && r->entered == want && r->red_least == r->inner &&
	    r->red_entered == want && r->red_sum == want && !isnan(r->region_s) &&
	    !isnan(r->ref_s) && !isnan(r->red_s) && !isnan(r->red_ref_s))
		return 0;
	if (r->least != r->inner || r->entered != want)
		snprintf(why, len, "regions: a thread counted %ld of %ld, all %ld of %ld",
			 r->least, r->inner, r->entered, want);
	else if (r->red_least != r->inner || r->red_entered != want)
		snprintf(why, len, "reduction regions: a thread counted %ld of %ld, all %ld of %ld",
			 r->red_least, r->inner, r->red_entered, want);
	else if (r->red_sum != want)
		snprintf(why, len, "reduction: sum %ld, not %ld", r->red_sum, want);
	else
		snprintf(why, len, "regions: a time is missing");
	return -1;
}

struct sq_state {
	struct sq_args a;
	long *result;
	double *sum; /* startup + work + teardown of each timed repetition */
	int nsum;
	double life[2];      /* this repetition's creation, teardown per worker (seconds) */
	double *life_rep[2]; /* of each timed repetition that measured them */
	int nlife;
	struct sq_regions reg; /* OpenMP's back-to-back regions (openmp/squares.c) */
	double *reg_rep[4];    /* region_s, ref_s, red_s, red_ref_s of each timed repetition */
	int nreg;
};

enum { X_WORK, X_COUNT }; /* sq_xopts, below */

static const char *sq_na(const struct hx_case *c)
{
	return squares_na((enum sq_variant)c->variant);
}

static int sq_setup(struct hx_case *c)
{
	struct sq_state *s = c->state;

	s->a.variant = (enum sq_variant)c->variant;
	s->a.workers = c->workers;
	s->a.items = (long)c->size;
	s->a.work = (long)hx_opt(c->opts, X_WORK);
	s->a.target_s = c->opts->target_ms / 1e3;
	s->a.regions = &s->reg;
	s->result = hx_calloc((size_t)s->a.items, sizeof *s->result);
	s->sum = hx_calloc((size_t)c->opts->reps, sizeof *s->sum);
	s->life_rep[0] = hx_calloc((size_t)c->opts->reps, sizeof *s->life_rep[0]);
	s->life_rep[1] = hx_calloc((size_t)c->opts->reps, sizeof *s->life_rep[1]);
	for (int i = 0; i < 4; i++)
		s->reg_rep[i] = hx_calloc((size_t)c->opts->reps, sizeof *s->reg_rep[i]);
	c->ops = (double)c->size;
	return 0;
}

static void sq_run_case(struct hx_case *c)
{
	struct sq_state *s = c->state;
	for (long i = 0; i < s->a.items; i++)
		s->result[i] = -1; /* nothing left from the last repetition can pass */
	/* nor from the regions' (inner, once calibrated, is kept) */
	s->reg.least = s->reg.entered = s->reg.red_least = s->reg.red_entered = -1;
	s->reg.red_sum = -1;
	s->reg.region_s = s->reg.ref_s = s->reg.red_s = s->reg.red_ref_s = NAN;
	squares_run(&s->a, s->result, c->t, s->life);
}

static void sq_check(struct hx_case *c)
{
	struct sq_state *s = c->state;
	char why[200];

	if (hx_backend_rank() != 0)
		return;
	if (c->timed && s->nsum < c->opts->reps)
		s->sum[s->nsum++] = fmax(c->t[0], 0) + c->t[1] + fmax(c->t[2], 0); /* untimed: 0 */
	if (c->timed && s->life[0] >= 0 && s->nlife < c->opts->reps) {
		s->life_rep[0][s->nlife] = s->life[0];
		s->life_rep[1][s->nlife++] = s->life[1];
	}
	hx_note(c, "work", "%ld", s->a.work);
	if (s->a.variant == SQ_SPAWN)
		hx_note(c, "spawn", "one_worker_per_item_created_in_work");
	if (sq_validate(s->result, s->a.items, why, sizeof why) != 0) {
		hx_note(c, "error", "\"%s\"", why);
		c->verdict = HX_FAIL;
		return;
	}
	if (s->reg.inner > 0 && sq_regions_validate(&s->reg, s->a.workers, why, sizeof why) != 0) {
		hx_note(c, "error", "\"%s\"", why);
		c->verdict = HX_FAIL;
		return;
	}
	if (c->timed && s->reg.inner > 0 && s->nreg < c->opts->reps) {
		s->reg_rep[0][s->nreg] = s->reg.region_s;
		s->reg_rep[1][s->nreg] = s->reg.ref_s;
		s->reg_rep[2][s->nreg] = s->reg.red_s;
		s->reg_rep[3][s->nreg++] = s->reg.red_ref_s;
	}
	hx_note(c, "validated", "%ld", s->a.items);
	c->verdict = HX_PASS;
}

/* rank 0: the case's figure, for its record and the cases that follow
 * (hx_result_median), is the median total of its repetitions; what creating and ending
 * one worker took (posix: stamped where it happens), the medians over the repetitions */
static void sq_teardown(struct hx_case *c)
{
	struct sq_state *s = c->state;
	if (s->nsum > 0)
		c->figure = hx_median(s->sum, (size_t)s->nsum);
	if (s->nlife > 0) {
		hx_note(c, "create_us_per_worker", "%.1f", hx_median(s->life_rep[0], (size_t)s->nlife) * 1e6);
		hx_note(c, "reap_us_per_worker", "%.1f", hx_median(s->life_rep[1], (size_t)s->nlife) * 1e6);
	}
	free(s->result);
	free(s->sum);
	free(s->life_rep[0]);
	free(s->life_rep[1]);
	if (s->nreg > 0) { /* EPCC's overheads: median per region minus the reference's */
		size_t n = (size_t)s->nreg;
		double m[4];
		for (int i = 0; i < 4; i++)
			m[i] = hx_median(s->reg_rep[i], n) * 1e9;
		hx_note(c, "regions", "%ld ref_ns=%.3g overhead_ns=%.3g reduction_ns=%.3g "
			"reduction_overhead_ns=%.3g", s->reg.inner, m[1], m[0] - m[1], m[2],
			m[2] - m[3]);
	}
	for (int i = 0; i < 4; i++)
		free(s->reg_rep[i]);
}

/* The record says the total time and how it compares with the next smaller pool of this
 * run: vs_w2=1.80x_slower means this pool took 1.8 times as long as the pool of 2. */
static void sq_finish(struct hx_case *c, const struct hx_stats *phase0)
{
	double prev = NAN;
	int pw = 0;
	(void)phase0;
	if (isnan(c->figure))
		return;
	for (int i = 0; i < c->opts->nworkers; i++) { /* the largest smaller pool run */
		int w = c->opts->workers[i];
		double m = w < c->workers ? hx_result_median(c, c->variant_name, w) : NAN;
		if (!isnan(m) && w > pw) {
			prev = m;
			pw = w;
		}
	}
	hx_note(c, "total_ms", "%.3f", c->figure * 1e3);
	if (pw > 0 && prev > 0) {
		double r = c->figure / prev;
		char key[24];
		snprintf(key, sizeof key, "vs_w%d", pw);
		hx_note(c, key, "%.2fx_%s", r >= 1 ? r : 1 / r, r >= 1 ? "slower" : "faster");
	}
}

/* Without -n: the seed's 10 items, then 1000 (enough for the work to weigh). */
static int sq_sizes(const struct hx_opts *o, long long *out, int max)
{
	if (o->size_set || max < 2) {
		out[0] = o->size;
		return 1;
	}
	out[0] = 10;
	out[1] = 1000;
	return 2;
}

/* The work budget of one repetition, so absurd input is refused instead of running for
 * hours. Measured here (2 cores, busy): one kernel round about 1 ns; a pool hands out
 * an item for well under 1 us; spawn costs a thread or a fork()+wait per item (about
 * 0.3 ms for a process here). Limits, each about a minute here on one worker:
 *   items * max(work, 1000) <= 5e10 (the rounds, with a floor for the per-item cost)
 *   spawn: items <= 100000 (one creation each) */
#define SQ_BUDGET_ROUNDS 5e10
#define SQ_SPAWN_MAX 100000

static int sq_check_opts(const struct hx_opts *o, char *err, size_t errlen)
{
	long long sizes[2];
	int n = sq_sizes(o, sizes, 2), spawn = 0;
	long long work = o->x[0][0], items = 0;

	for (int i = 0; i < n; i++)
		if (sizes[i] > items)
			items = sizes[i]; /* the sweep's largest, without -n 1000 */
	for (int i = 0; i < o->nvariants; i++)
		spawn |= o->variants[i] == SQ_SPAWN;
	if ((double)items * (double)(work > 1000 ? work : 1000) > SQ_BUDGET_ROUNDS) {
		snprintf(err, errlen,
			 "options -n/--size and --work: %lld items x %lld rounds is more than the "
			 "%.0e rounds one repetition may take (items x max(work, 1000))", items, work,
			 SQ_BUDGET_ROUNDS);
		return -1;
	}
	if (spawn && items > SQ_SPAWN_MAX) {
		snprintf(err, errlen,
			 "option -n/--size: %lld items for variant spawn is %lld thread or process "
			 "creations in one repetition (at most %d)", items, items, SQ_SPAWN_MAX);
		return -1;
	}
	return 0;
}

static const struct hx_optdef sq_xopts[] = {
	[X_WORK] = { .longname = "work", .kind = HX_OPT_INT, .metavar = "K",
		     .help = "rounds of the kernel per item (about 1 ns each here)",
		     .min = 0, .max = 1000000000, .def = 20000 },
	[X_COUNT] = { 0 },
};

static const struct hx_variant sq_variants[] = {
	{ "pool", "W workers created once; each takes item after item" },
	{ "spawn", "a new thread / process per item, at most W at once" },
	{ NULL, NULL },
};

static const char *const sq_phases[] = { "startup", "work", "teardown", NULL };
static const int sq_workers_def[] = { 2, 4, 8, 0 };

const struct hx_exercise squares_exercise = {
	.name = "squares",
	.summary = "squares of 1..N with a pool of W workers, or a worker per item; start-up, "
		   "work and tear-down timed apart",
	.variants = sq_variants,
	.size_name = "items: squares of 1..N (without -n: 10, then 1000)",
	.size_def = 10,
	.size_min = 1,
	.size_max = 10000000, /* memory: a result per item, on MPI twice on rank 0 */
	.op_name = "item",
	.phases = sq_phases,
	.workers_def = sq_workers_def,
	.reps_def = 10,
	.warmup_def = 1,
	.xopts = sq_xopts,
	.sizes = sq_sizes,
	.check_opts = sq_check_opts,
	.not_applicable = sq_na,
	.state_size = sizeof(struct sq_state),
	.setup = sq_setup,
	.run = sq_run_case,
	.check = sq_check,
	.teardown = sq_teardown,
	.finish = sq_finish,
};
