/* sync.c: what every backend shares about `sync`: parameters, helpers, validator and
 * the exercise descriptor, and what the backends share while they run: the counters'
 * bookkeeping, the staggered round 0 and the invariant checks (sync.h). The parallel part
 * is sync_run() in openmp/sync.c, mpi/sync.c and posix/sync.c. */
#include "sync.h"

#include "hx.h"

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

/* ---- the counters in memory every worker sees (OpenMP, pthreads, procs) ---------- */
static long mem_add(struct sync_team *t, int slot, long v)
{
	if (v == 0) /* a read: no write to the line the others spin on */
		return __atomic_load_n(&t->c[slot], __ATOMIC_SEQ_CST);
	return __atomic_add_fetch(&t->c[slot], v, __ATOMIC_SEQ_CST);
}

static void mem_max(struct sync_team *t, int slot, long v)
{
	long old = __atomic_load_n(&t->c[slot], __ATOMIC_SEQ_CST);
	while (old < v && !__atomic_compare_exchange_n(&t->c[slot], &old, v, 0, __ATOMIC_SEQ_CST,
						       __ATOMIC_SEQ_CST))
		;
}

static long mem_get(struct sync_team *t, int slot)
{
	return __atomic_load_n(&t->c[slot], __ATOMIC_RELAXED);
}

static void mem_put(struct sync_team *t, int slot, long v)
{
	__atomic_store_n(&t->c[slot], v, __ATOMIC_RELAXED);
}

void sync_team_init(struct sync_team *t, const struct sync_args *a, const char *who)
{
	memset(t, 0, sizeof *t);
	t->a = *a;
	t->who = who;
	t->add = mem_add;
	t->max = mem_max;
	t->get = mem_get;
	t->put = mem_put;
	t->c[SYNC_PERMITS] = a->permits;
	t->r.unrecorded = a->reference;
}

void sync_team_result(const struct sync_team *t, struct sync_result *r)
{
	*r = t->r;
	r->max_inside = t->c[SYNC_MAXIN];
	r->counter = t->c[SYNC_COUNTER];
	r->deepest = t->c[SYNC_DEEPEST];
}

/* ---- the checks, the same on every backend ---------------------------------------- */

/* Round 0 of semaphore and rlock: whoever is inside waits until every worker has
 * come to the door (counted in SYNC_TRYING just before the acquire), then stays a
 * while, or until more are inside than may be: a primitive that lets everybody in is
 * then seen doing so, whatever the scheduling. */
static void hold_round0(struct sync_team *t, int slot, long limit)
{
	uint64_t until = hx_deadline(1000000000u);
	while (t->add(t, SYNC_TRYING, 0) < t->a.workers && !hx_expired(until))
		hx_sleep_ns(10000);
	until = hx_deadline(5000000u);
	while (t->add(t, slot, 0) <= limit && !hx_expired(until))
		hx_sleep_ns(10000);
}

int sync_semaphore_pass(struct sync_team *t, int w, long r, const struct sync_lock *l)
{
	long n, k = t->a.permits < t->a.workers ? t->a.permits : t->a.workers;
	int sab = t->a.sabotage;

	if (r == 0)
		t->add(t, SYNC_TRYING, 1);
	if (!sab)
		l->take(l->p);
	n = t->add(t, SYNC_INSIDE, 1);
	t->max(t, SYNC_MAXIN, n);
	if (n > t->a.permits)
		sync_violation(&t->r, "%s %d entered as number %ld with %d permits", t->who, w, n,
			       t->a.permits);
	if (r == 0) {
		/* the first K to come in wait for each other (K must be reached), then hold
		 * on a while so that a semaphore that lets everybody in is seen doing so */
		long ticket = t->add(t, SYNC_TICKETS, 1), target = t->a.workers - ticket + 1;
		uint64_t until = hx_deadline(1000000000u);
		if (target > k)
			target = k;
		while (t->add(t, SYNC_INSIDE, 0) < target && !hx_expired(until))
			hx_sleep_ns(10000);
		hold_round0(t, SYNC_INSIDE, t->a.permits);
	} else {
		sync_hold(50);
	}
	t->add(t, SYNC_INSIDE, -1);
	if (!sab)
		l->give(l->p);
	return 1;
}

int sync_rlock_pass(struct sync_team *t, int w, long r, const struct sync_lock *l)
{
	int sab = t->a.sabotage, depth = 1;
	long n, v;

	if (r == 0)
		t->add(t, SYNC_TRYING, 1);
	if (!sab)
		l->take(l->p);
	n = t->add(t, SYNC_OWNERS, 1);
	t->max(t, SYNC_MAXIN, n);
	if (n > 1)
		sync_violation(&t->r, "%s %d owns the lock with %ld others", t->who, w, n - 1);
	/* the owner comes back in: a recursive lock counts, a plain one refuses */
	for (int d = 2; d <= SYNC_DEPTH; d++) {
		if (!sab && !l->again(l->p)) {
			sync_violation(&t->r, "re-entry %d refused: locking again would deadlock", d);
			break;
		}
		depth++;
	}
	t->max(t, SYNC_DEEPEST, depth);
	/* a plain read-modify-write: the lock alone keeps it whole */
	v = t->get(t, SYNC_COUNTER);
	if (r == 0)
		hold_round0(t, SYNC_OWNERS, 1); /* without the lock another comes in now */
	else
		sync_hold(20);
	t->put(t, SYNC_COUNTER, v + 1);
	t->add(t, SYNC_OWNERS, -1);
	for (int d = 0; d < depth && !sab; d++)
		l->give(l->p);
	return 1;
}

void sync_crossed(struct sync_team *t, int w, long r)
{
	long seen = t->add(t, SYNC_ARRIVED, 0), all = t->a.workers;
	if (seen < all * (r + 1))
		sync_violation(&t->r, "%s %d left barrier %ld when %ld of %ld had arrived", t->who, w,
			       r, seen - all * r, all);
}

long sync_rounds(struct sync_team *t, int w, int (*one)(void *arg, int w, long r),
		 void (*timed)(void *arg), void *arg)
{
	long passes = 0;
	int started = 0;

	for (long r = 0; r <= t->a.rounds; r++) {
		int n;
		if (r == 1) { /* round 0 done: the timed rounds start together */
			timed(arg);
			started = 1;
		}
		if (t->add(t, SYNC_BROKEN, 0))
			break;
		if (r == 0 && t->a.variant == SYNC_BARRIER)
			sync_stagger(w);
		if (r == 0 && w == 0 && (t->a.variant == SYNC_EVENT || t->a.variant == SYNC_CONDITION))
			hx_sleep_ns(SYNC_DELAY_NS); /* the others are waiting first */
		n = one(arg, w, r);
		if (n < 0)
			break; /* broken: leave */
		passes += n;
	}
	if (!started) /* broken in round 0: the others may be waiting for us */
		timed(arg);
	return passes;
}

int sync_wait_failed(struct sync_team *t, const char *who, int holds, uint64_t since,
		     uint64_t deadline, uint64_t give_up)
{
	if (holds && since + SYNC_WAIT_NS / 10 < deadline)
		sync_violation(&t->r, "%s: lost wake-up (predicate true %.0f ms before the wait "
				      "timed out, no notify came)",
			       who, (double)(deadline - since) / 1e6);
	else if (hx_expired(give_up))
		sync_violation(&t->r, "%s: stuck for %.0f s", who, SYNC_GIVE_UP_NS / 1e9);
	else
		return 0;
	t->add(t, SYNC_BROKEN, 1);
	return 1;
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
	struct sync_args a = s->args;
	memset(&s->res, 0, sizeof s->res);
	if (c->refloop) /* the same rounds and checks, the primitive replaced by nothing */
		a.sabotage = a.reference = 1;
	sync_run(&a, &s->res, &c->t[0]);
}

/* The reference loop: where sabotage leaves the rest of the round as it is. Not event or
 * condition, whose rounds without the primitive are a different hand-off (or none). */
static int sync_refloop(const struct hx_case *c)
{
	return c->variant == SYNC_BARRIER || c->variant == SYNC_SEMAPHORE ||
	       c->variant == SYNC_RLOCK;
}

/* Outside the timed region; on MPI rank 0 holds the gathered result. */
static void sync_check(struct hx_case *c)
{
	struct sync_state *s = c->state;
	char why[160];

	if (hx_backend_rank() != 0 || c->refloop)
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
	.reps_def = 10,
	.warmup_def = 1,
	/* without -n: from 100 rounds up, doubling, until a sample lasts --target-ms */
	.calibrate = 1,
	.calib_start = 100,
	.refloop = sync_refloop,
	.xopts = sync_xopts,
	.state_size = sizeof(struct sync_state),
	.not_applicable = sync_na_case,
	.setup = sync_setup,
	.run = sync_run_case,
	.check = sync_check,
};
