/* sync.c: what every backend shares about `sync`: parameters, helpers, validator and
 * the exercise descriptor. The parallel part is sync_run() in openmp/sync.c,
 * mpi/sync.c and posix/sync.c. */
#include "sync.h"

#include "hx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sync_stagger(int worker)
{
	if (worker > 0)
		hx_sleep_ns((uint64_t)worker * SYNC_DELAY_NS);
}

__attribute__((noinline)) void sync_hold(long spins)
{
	for (volatile long i = 0; i < spins; i++)
		;
}

void sync_violation(struct sync_result *r, const char *fmt, ...)
{
	/* the first breach writes the text; the others only count */
	if (__atomic_fetch_add(&r->violations, 1, __ATOMIC_SEQ_CST) == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->what, sizeof r->what, fmt, ap);
		va_end(ap);
	}
}

long sync_expected_passes(const struct sync_args *a)
{
	long rounds = a->rounds + 1; /* round 0 too */
	switch (a->variant) {
	case SYNC_EVENT:
	case SYNC_CONDITION:
		return rounds;
	default:
		return rounds * a->workers;
	}
}

int sync_validate(const struct sync_args *a, const struct sync_result *r, char *why, size_t len)
{
	long want = sync_expected_passes(a);
	long k = a->permits < a->workers ? a->permits : a->workers;

	if (r->violations > 0) {
		snprintf(why, len, "%ld breaches, first: %s", r->violations, r->what);
		return 1;
	}
	if (r->passes != want) {
		snprintf(why, len, "%ld passes, expected %ld", r->passes, want);
		return 1;
	}
	switch (a->variant) {
	case SYNC_SEMAPHORE:
		if (r->max_inside > a->permits) {
			snprintf(why, len, "%ld inside at once, more than the %d permits",
				 r->max_inside, a->permits);
			return 1;
		}
		if (r->max_inside != k) {
			snprintf(why, len, "at most %ld inside at once: %ld never reached",
				 r->max_inside, k);
			return 1;
		}
		break;
	case SYNC_RLOCK:
		if (r->max_inside != 1) {
			snprintf(why, len, "%ld owners at once", r->max_inside);
			return 1;
		}
		if (r->counter != want) {
			snprintf(why, len, "counter %ld, expected %ld (lost updates)", r->counter, want);
			return 1;
		}
		if (r->deepest != SYNC_DEPTH) {
			snprintf(why, len, "re-entered %ld deep, expected %d", r->deepest, SYNC_DEPTH);
			return 1;
		}
		break;
	default:
		break;
	}
	return 0;
}

struct sync_state {
	struct sync_args args;
	struct sync_result res;
};

enum { X_PERMITS, X_SABOTAGE, X_COUNT }; /* sync_xopts, below */

static const char *sync_na_case(const struct hx_case *c)
{
	return sync_na((enum sync_variant)c->variant);
}

static int sync_setup(struct hx_case *c)
{
	struct sync_state *s = c->state;

	s->args.variant = (enum sync_variant)c->variant;
	s->args.workers = c->workers;
	s->args.rounds = (long)c->size;
	s->args.permits = (int)hx_opt(c->opts, X_PERMITS);
	s->args.sabotage = (int)hx_opt(c->opts, X_SABOTAGE);
	/* one op: a barrier crossing; an event set + release + answer; a notify + wake-up
	 * + answer; one worker's pass through the semaphore or the (re-entered) lock */
	c->ops = (double)s->args.rounds;
	if (s->args.variant == SYNC_SEMAPHORE || s->args.variant == SYNC_RLOCK)
		c->ops *= c->workers;
	return 0;
}

static void sync_run_case(struct hx_case *c)
{
	struct sync_state *s = c->state;
	memset(&s->res, 0, sizeof s->res);
	sync_run(&s->args, &s->res, &c->t[0]);
}

/* Outside the timed region; on MPI rank 0 holds the gathered result. */
static void sync_check(struct hx_case *c)
{
	struct sync_state *s = c->state;
	char why[160];

	if (hx_backend_rank() != 0)
		return;
	if (s->args.sabotage)
		hx_note(c, "sabotage", "1");
	hx_note(c, "passes", "%ld", s->res.passes);
	if (s->args.variant == SYNC_SEMAPHORE)
		hx_note(c, "permits", "%d max_inside=%ld", s->args.permits, s->res.max_inside);
	if (s->args.variant == SYNC_RLOCK)
		hx_note(c, "depth", "%ld counter=%ld", s->res.deepest, s->res.counter);
	if (sync_validate(&s->args, &s->res, why, sizeof why)) {
		c->verdict = HX_FAIL;
		hx_note(c, "broken", "%s", why);
	}
}

static const struct hx_variant sync_variants[] = {
	{ "barrier", "all meet every round; nobody may start round r+1 early (op: a crossing)" },
	{ "event", "worker 0 sets, the others are released and answer (op: a round)" },
	{ "condition", "wait for a predicate, notify, answer; no lost wake-up (op: a round)" },
	{ "semaphore", "at most K inside at once, and K is reached (op: one pass)" },
	{ "rlock", "a recursive lock taken 3 deep by its owner (op: one outer acquire)" },
	{ NULL, NULL },
};

static const struct hx_optdef sync_xopts[] = {
	[X_PERMITS] = { .shortname = 'k', .longname = "permits", .kind = HX_OPT_INT, .metavar = "K",
			.help = "semaphore: workers allowed inside at once",
			.min = 1, .max = 1024, .def = 2 },
	[X_SABOTAGE] = { .longname = "sabotage", .kind = HX_OPT_FLAG, .metavar = "",
			 .help = "test aid: replace the primitive by a no-op; the checks must then "
				 "fail (exit 1)", .max = 1 },
	[X_COUNT] = { 0 },
};

const struct hx_exercise sync_exercise = {
	.name = "sync",
	.summary = "barrier, event, condition, semaphore and recursive lock, each checking its "
		   "invariant",
	.variants = sync_variants,
	.size_name = "rounds (timed; one untimed round 0 with staggered arrivals first)",
	.size_def = 2000,
	.size_min = 1,
	/* 1e6: a round costs 10-50 us at 2-4 workers on 2 cores (event, condition, MPI),
	 * so this is already a minute per repetition; more is a typo, not a benchmark */
	.size_max = 1000000,
	.op_name = "op",
	.reps_def = 5,
	.warmup_def = 1,
	.xopts = sync_xopts,
	.state_size = sizeof(struct sync_state),
	.not_applicable = sync_na_case,
	.setup = sync_setup,
	.run = sync_run_case,
	.check = sync_check,
};
