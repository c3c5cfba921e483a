/* race.c: what every backend shares about `race`: parameters, kernels, validator.
 * The parallel part is race_run() in openmp/race.c, mpi/race.c, posix/race.c. */
#include "race.h"

#include "hx.h"

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
	long final;
	long worst_lost; /* none: the most updates seen lost in one repetition */
};

static int race_setup(struct hx_case *c)
{
	struct race_state *s = c->state;
	s->args.variant = (enum race_variant)c->variant;
	s->args.workers = c->workers;
	s->args.iters = (long)c->size;
	s->args.start = RACE_START;
	c->ops = (double)c->workers * (double)c->size;
	return 0;
}

static void race_run_case(struct hx_case *c)
{
	struct race_state *s = c->state;
	s->final = race_run(&s->args, &c->t[0]);
}

/* Outside the timed region. On MPI the result is on rank 0, which judges. */
static void race_check(struct hx_case *c)
{
	struct race_state *s = c->state;
	long expected = race_expected(s->args.start, s->args.workers, s->args.iters);

	if (hx_backend_rank() != 0)
		return;
	hx_note(c, "final", "%ld", s->final);
	hx_note(c, "expected", "%ld", expected);
	if (s->args.variant == RACE_NONE) {
		/* unsafe on purpose: say what was lost instead of failing. Adds and
		 * subtracts can cancel out, so this is a lower bound; the record keeps
		 * the worst repetition. */
		long lost = labs(s->final - expected) / RACE_DELTA;
		if (lost > s->worst_lost)
			s->worst_lost = lost;
		c->verdict = HX_UNSAFE;
		hx_note(c, "lost_updates_min", "%ld", s->worst_lost);
		return;
	}
	c->verdict = s->final == expected ? HX_PASS : HX_FAIL;
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
	.size_def = 500, /* the seed's loop count */
	.size_min = 1,
	.size_max = 100000000, /* 1e8: the MPI lock at 2 us an update takes minutes */
	.op_name = "update",
	.reps_def = 10,
	.warmup_def = 2,
	.state_size = sizeof(struct race_state),
	.setup = race_setup,
	.run = race_run_case,
	.check = race_check,
};
