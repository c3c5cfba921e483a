/* race.c: what every backend shares about `race`: parameters, kernels, validator.
 * The parallel part is race_run() in openmp/race.c, mpi/race.c, posix/race.c. */
#include "race.h"

#include "hx.h"

#include <stdio.h>
#include <stdlib.h>

/* The load and the store stay two instructions with the add between them in a
 * register: the empty asm takes v as an input it may have changed, so no compiler can
 * fuse the three into one read-modify-write of memory (clang at -O2 would otherwise
 * emit a single `add %reg,(mem)`, which another core rarely interrupts), nor move
 * the store before the load. */
__attribute__((noinline)) void race_update_plain(long *counter, long step)
{
	long v = __atomic_load_n(counter, __ATOMIC_RELAXED);
	__asm__ volatile("" : "+r"(v) : : "memory");
	__atomic_store_n(counter, v + step, __ATOMIC_RELAXED);
}

__attribute__((noinline)) void race_update_atomic(long *counter, long step)
{
	__atomic_fetch_add(counter, step, __ATOMIC_SEQ_CST);
}

long race_expected(long start, int workers, long iters)
{
	long adders = (workers + 1) / 2, subtractors = workers / 2;
	return start + (adders - subtractors) * RACE_DELTA * iters;
}

struct race_state {
	struct race_args args;
	long final;       /* the counter word after the run */
	double *lost;     /* none: the updates lost in each timed repetition so far */
	int nlost;
};

static int race_setup(struct hx_case *c)
{
	struct race_state *s = c->state;
	s->args.variant = (enum race_variant)c->variant;
	s->args.workers = c->workers;
	s->args.iters = (long)c->size;
	s->args.start = 0;
	s->lost = hx_calloc((size_t)c->opts->reps, sizeof *s->lost);
	c->ops = (double)c->workers * (double)c->size;
	return 0;
}

static void race_teardown(struct hx_case *c)
{
	struct race_state *s = c->state;
	free(s->lost);
}

static void race_run_case(struct hx_case *c)
{
	struct race_state *s = c->state;
	struct race_args a = s->args;
	if (c->refloop) /* the update without the primitive, and on a private word */
		a.variant = RACE_LOCAL;
	s->final = race_run(&a, &c->t[0]);
}

/* The reference loop of lock and atomic: the `local` loop (the same plain update, on a
 * word of the worker's own), so the overhead is what the primitive and the sharing add. */
static int race_refloop(const struct hx_case *c)
{
	return c->variant == RACE_LOCK || c->variant == RACE_ATOMIC;
}

/* Outside the timed region. On MPI the result is on rank 0, which judges. The word's
 * tallies say exactly how many adds and subtracts were lost (negative: more landed
 * than were made, a bug in any variant). */
static void race_check(struct hx_case *c)
{
	struct race_state *s = c->state;
	const struct race_args *a = &s->args;
	long lost_adds = (long)((a->workers + 1) / 2) * a->iters - race_adds(s->final);
	long lost_subs = (long)(a->workers / 2) * a->iters - race_subs(s->final);

	if (hx_backend_rank() != 0 || c->refloop)
		return;
	hx_note(c, "final", "%ld", race_value(RACE_START, s->final));
	hx_note(c, "expected", "%ld", race_expected(RACE_START, a->workers, a->iters));
	if (lost_adds < 0 || lost_subs < 0) {
		hx_note(c, "error", "more_updates_landed_than_were_made");
		c->verdict = HX_FAIL;
		return;
	}
	if (a->variant != RACE_NONE) {
		c->verdict = lost_adds + lost_subs == 0 ? HX_PASS : HX_FAIL;
		return;
	}
	/* unsafe on purpose: say what this repetition lost, and the median and the most
	 * over the timed repetitions so far (the record's note is the last one's) */
	c->verdict = HX_UNSAFE;
	hx_note(c, "lost_updates", "%ld", lost_adds + lost_subs);
	hx_note(c, "lost_adds", "%ld", lost_adds);
	hx_note(c, "lost_subtracts", "%ld", lost_subs);
	if (c->timed && s->nlost < c->opts->reps) {
		s->lost[s->nlost++] = (double)(lost_adds + lost_subs);
		hx_note(c, "lost_updates_median", "%.0f", hx_median(s->lost, (size_t)s->nlost));
		hx_note(c, "lost_updates_max", "%.0f", hx_quantile(s->lost, (size_t)s->nlost, 1.0));
	}
}

/* The word counts at most RACE_TALLY_MAX updates of one kind: (W + 1) / 2 adders at
 * -n updates each must fit, at the largest worker count (given or default). */
static int race_check_opts(const struct hx_opts *o, char *err, size_t len)
{
	int wmax = o->workers_set ? 1 : hx_backend_max_default();
	for (int i = 0; o->workers_set && i < o->nworkers; i++)
		if (o->workers[i] > wmax)
			wmax = o->workers[i];
	if ((double)((wmax + 1) / 2) * (double)o->size > (double)RACE_TALLY_MAX) {
		snprintf(err, len,
			 "options -n/--size and -w/--workers: %lld updates by each of %d adding "
			 "workers is more than the %ld one counter word can tally",
			 o->size, (wmax + 1) / 2, RACE_TALLY_MAX);
		return -1;
	}
	return 0;
}

static const struct hx_variant race_variants[] = {
	{ "none", "plain read-modify-write: reports the updates it lost" },
	{ "lock", "a mutex around every update" },
	{ "atomic", "an atomic read-modify-write for every update" },
	{ "local", "each worker sums privately; one combine at the end" },
	{ NULL, NULL },
};

const struct hx_exercise race_exercise = {
	.name = "race",
	.summary = "a shared counter (start 500), half the workers add 5, half subtract 5",
	.variants = race_variants,
	.size_name = "updates per worker",
	/* The seed loops 500 times: too short for two workers to be in the update at once
	 * (at 500, 0 to 2 runs of 10 lost any on pthreads, procs, openmp). At 100000, two
	 * workers lost updates in 10 runs of 10 on every backend (2 cores, quiet machine). */
	.size_def = 100000,
	.size_min = 1,
	.size_max = 100000000, /* 1e8: the MPI lock at 2 us an update takes minutes */
	.op_name = "update",
	.reps_def = 10,
	.warmup_def = 2,
	/* without -n: from 10000 updates a worker, doubling until a sample lasts
	 * --target-ms; 1 ms of two workers updating one word loses updates every time, and
	 * the slow MPI updates (microseconds) need no more than the start */
	.calibrate = 1,
	.calib_start = 10000,
	.refloop = race_refloop,
	.state_size = sizeof(struct race_state),
	.check_opts = race_check_opts,
	.setup = race_setup,
	.run = race_run_case,
	.check = race_check,
	.teardown = race_teardown,
};
