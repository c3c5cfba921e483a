/* prodcons.c: what every backend shares about `prodcons`: the split of W workers into
 * producers and consumers, the item payload kernel, the tally and its validator, and
 * the exercise descriptor. The parallel part is prodcons_run() in openmp/prodcons.c,
 * mpi/prodcons.c and posix/prodcons.c.
 * Run: build/pthreads/prodcons -w 2,4 -n 100000 --variant lock,cond */
#include "prodcons.h"

#include "hx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) uint64_t pc_value(uint32_t id)
{
	uint64_t x = (uint64_t)id + 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void pc_tally_reset(struct pc_tally *t)
{
	memset(t->taken_by, 0, (size_t)t->items * sizeof *t->taken_by);
	memset(t->seq, 0, (size_t)t->items * sizeof *t->seq);
	memset(t->prod, 0, (size_t)t->producers * sizeof *t->prod);
	memset(t->cons, 0, (size_t)t->consumers * sizeof *t->cons);
	t->remaining = -1; /* the backend must say */
}

void pc_took_log(struct pc_tally *t, int c, const struct pc_side *side, const uint32_t *ids,
		 long nids)
{
	t->cons[c] = *side;
	t->cons[c].dups = t->cons[c].strays = 0;
	for (long j = 0; j < nids; j++)
		pc_mark(t, c, ids[j], (uint32_t)j);
}

/* the shared block: taken_by, seq, each 64-aligned, then the sides (64 bytes each) */
static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

size_t pc_tally_bytes(const struct pc_args *a)
{
	return 2 * align64((size_t)a->items * sizeof(uint32_t)) +
	       (size_t)(a->producers + a->consumers) * sizeof(struct pc_side);
}

void *pc_tally_place(struct pc_tally *t, const struct pc_args *a, void *mem)
{
	char *at = mem;
	size_t ids = align64((size_t)a->items * sizeof(uint32_t));

	*t = (struct pc_tally){ .items = a->items, .producers = a->producers,
				.consumers = a->consumers,
				.taken_by = (uint32_t *)(void *)at,
				.seq = (uint32_t *)(void *)(at + ids),
				.prod = (struct pc_side *)(void *)(at + 2 * ids) };
	t->cons = t->prod + a->producers;
	return t->cons + a->consumers;
}

void pc_tally_copy(struct pc_tally *to, const struct pc_tally *from)
{
	memcpy(to->taken_by, from->taken_by, (size_t)from->items * sizeof *to->taken_by);
	memcpy(to->seq, from->seq, (size_t)from->items * sizeof *to->seq);
	memcpy(to->prod, from->prod, (size_t)from->producers * sizeof *to->prod);
	memcpy(to->cons, from->cons, (size_t)from->consumers * sizeof *to->cons);
}

void pc_write_item(int fd, const struct pc_item *it)
{
	ssize_t k;
	while ((k = write(fd, it, sizeof *it)) < 0 && errno == EINTR)
		;
	if (k != (ssize_t)sizeof *it)
		hx_die_errno(__FILE__, __LINE__, "write(pipe)", k < 0 ? errno : EIO);
}

void pc_read_item(int fd, struct pc_item *it)
{
	size_t got = 0;
	while (got < sizeof *it) {
		ssize_t k = read(fd, (char *)it + got, sizeof *it - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			hx_die_errno(__FILE__, __LINE__, "read(pipe)", k < 0 ? errno : EPIPE);
		got += (size_t)k;
	}
}

/* Every item taken exactly once, each producer's items taken in the order it put them
 * (as seen by each consumer: a FIFO list cannot reorder one producer's items), the
 * list empty at the end, and the checksums of both sides equal to the expected one. */
int pc_validate(const struct pc_tally *t, char *why, unsigned long len)
{
	uint64_t expected = 0, put = 0, took = 0;
	long taken = 0, *last;
	int bad = 0;

	for (int c = 0; c < t->consumers; c++) {
		const struct pc_side *s = &t->cons[c];
		if (s->dups || s->strays) {
			snprintf(why, len, "consumer %d took %ld item(s) twice and %ld unknown one(s)",
				 c, s->dups, s->strays);
			return -1;
		}
		taken += s->count;
		took += s->sum;
	}
	if (taken != t->items) {
		snprintf(why, len, "%ld items taken, %ld put", taken, t->items);
		return -1;
	}
	for (long id = 0; id < t->items; id++) {
		if (t->taken_by[id] == 0 || t->taken_by[id] > (uint32_t)t->consumers) {
			snprintf(why, len, "item %ld was never taken", id);
			return -1;
		}
		expected += pc_value((uint32_t)id);
	}
	for (int p = 0; p < t->producers; p++) {
		if (t->prod[p].count != pc_share(t->items, t->producers, p)) {
			snprintf(why, len, "producer %d put %ld items, not %ld", p, t->prod[p].count,
				 pc_share(t->items, t->producers, p));
			return -1;
		}
		put += t->prod[p].sum;
	}
	/* producer order: walk each producer's items in the order it put them; for every
	 * consumer, the positions among its takes must grow */
	last = hx_calloc((size_t)t->consumers, sizeof *last);
	for (int p = 0; p < t->producers && !bad; p++) {
		for (int c = 0; c < t->consumers; c++)
			last[c] = -1;
		for (long id = p; id < t->items; id += t->producers) {
			int c = (int)t->taken_by[id] - 1;
			if ((long)t->seq[id] <= last[c]) {
				snprintf(why, len, "producer %d's item %ld was taken after a later one "
					 "by consumer %d", p, id, c);
				bad = 1;
				break;
			}
			last[c] = (long)t->seq[id];
		}
	}
	free(last);
	if (bad)
		return -1;
	if (t->remaining != 0) {
		snprintf(why, len, "%ld item(s) left in the list", t->remaining);
		return -1;
	}
	if (put != expected || took != expected) {
		snprintf(why, len, "checksums differ: put %016llx, taken %016llx, expected %016llx",
			 (unsigned long long)put, (unsigned long long)took,
			 (unsigned long long)expected);
		return -1;
	}
	return 0;
}

/* ---- options and the split of W into P + C ------------------------------------------ */
enum { X_PRODUCERS, X_CONSUMERS, X_CAPACITY, X_COUNT };
static const struct hx_optdef pc_xopts[] = {
	[X_PRODUCERS] = { .shortname = 'P', .longname = "producers", .kind = HX_OPT_INT,
			  .metavar = "P", .help = "producers (default: ceil(W/2), or 1 without -w)",
			  .min = 1, .max = HX_MAX_WORKERS - 1, .def = 1 },
	[X_CONSUMERS] = { .shortname = 'C', .longname = "consumers", .kind = HX_OPT_INT,
			  .metavar = "C", .help = "consumers (default: floor(W/2), or 1 without -w)",
			  .min = 1, .max = HX_MAX_WORKERS - 1, .def = 1 },
	[X_CAPACITY] = { .shortname = 'k', .longname = "capacity", .kind = HX_OPT_INT,
			 .metavar = "K", .help = "cond: slots in the bounded buffer; msg: sends a "
						 "producer may have unmatched per consumer",
			 .min = 1, .max = 1 << 20, .def = 64 },
	[X_COUNT] = { 0 },
};

/* Without -w the one case is W = P + C. */
static int pc_workers_default(const struct hx_opts *o, int *out, int max)
{
	(void)max;
	out[0] = (int)(hx_opt(o, X_PRODUCERS) + hx_opt(o, X_CONSUMERS));
	return 1;
}

/* P and C for a case of `workers` (check_opts has made sure the split is possible). */
static void pc_split(const struct hx_opts *o, int workers, int *p, int *c)
{
	int pset = hx_opt_given(o, X_PRODUCERS), cset = hx_opt_given(o, X_CONSUMERS);
	if (workers == 1) { /* the serial baseline: one worker in both roles */
		*p = *c = 1;
	} else if (pset) {
		*p = (int)hx_opt(o, X_PRODUCERS);
		*c = workers - *p;
	} else if (cset) {
		*c = (int)hx_opt(o, X_CONSUMERS);
		*p = workers - *c;
	} else {
		*p = workers - workers / 2;
		*c = workers / 2;
	}
}

/* The work budget of one repetition, so absurd input is refused instead of running for
 * hours (each limit is about a minute here, 2 busy cores, a few on a slow machine):
 *   cond (threads, processes) and msg (MPI) pay a wake-up or a handshake every K items
 *   or so: 1.6 us an item at K = 64, 21-30 us at K = 1 (measured here, P = C = 2):
 *   N * (2 + 30/K) us at most 60 s
 *   lock on MPI, a list in an RMA window: about 50 us an item (4 ranks on 2 cores):
 *   N at most 500000 */
#define PC_BUDGET_US 60e6
#define PC_MPI_LOCK_MAX 500000

static int pc_has_variant(const struct hx_opts *o, enum pc_variant v)
{
	for (int i = 0; i < o->nvariants; i++)
		if (o->variants[i] == (int)v)
			return 1;
	return 0;
}

static int pc_check_budget(const struct hx_opts *o, int mpi, char *err, size_t len)
{
	long long n = o->size, k = hx_opt(o, X_CAPACITY);
	int handoff = pc_has_variant(o, mpi ? PC_MSG : PC_COND);

	if (handoff && (double)n * (2.0 + 30.0 / (double)k) > PC_BUDGET_US) {
		snprintf(err, len, "options -n/--size and -k/--capacity: %lld items with %s at K = "
			 "%lld take about %.0f s here (N * (2 + 30/K) us; at most %.0f s)", n,
			 mpi ? "msg" : "cond", k, (double)n * (2.0 + 30.0 / (double)k) / 1e6,
			 PC_BUDGET_US / 1e6);
		return -1;
	}
	if (mpi && pc_has_variant(o, PC_LOCK) && n > PC_MPI_LOCK_MAX) {
		snprintf(err, len, "option -n/--size: %lld items for lock on MPI (about 50 us each "
			 "through the RMA list; at most %d)", n, PC_MPI_LOCK_MAX);
		return -1;
	}
	return 0;
}

static int pc_check_opts(const struct hx_opts *o, char *err, size_t len)
{
	int pset = hx_opt_given(o, X_PRODUCERS), cset = hx_opt_given(o, X_CONSUMERS);
	long p = (long)hx_opt(o, X_PRODUCERS), c = (long)hx_opt(o, X_CONSUMERS);
	int mpi = strcmp(hx_backend_name, "mpi") == 0, nranks = hx_backend_nranks();

	if (pc_check_budget(o, mpi, err, len) != 0)
		return -1;
	if (pset && cset && p + c > HX_MAX_WORKERS) {
		snprintf(err, len, "options -P/--producers and -C/--consumers: P + C = %ld workers, "
			 "more than %d", p + c, HX_MAX_WORKERS);
		return -1;
	}

	if (mpi && nranks < 2) {
		snprintf(err, len, "needs at least 2 MPI ranks (one producer, one consumer): "
			 "run mpirun -np 2 or more");
		return -1;
	}
	if (!o->workers_set) {
		if (mpi && p + c > nranks) {
			snprintf(err, len, "options -P/--producers and -C/--consumers: P + C = %ld "
				 "workers, more than the %d MPI ranks (run mpirun -np %ld)",
				 p + c, nranks, p + c);
			return -1;
		}
		return 0;
	}
	for (int i = 0; i < o->nworkers; i++) {
		int w = o->workers[i];
		if (w == 1 && mpi) {
			snprintf(err, len, "option -w/--workers: a case needs at least 2 MPI ranks "
				 "(one producer, one consumer), not 1");
			return -1;
		}
		if (w == 1 && (pset || cset)) {
			snprintf(err, len, "option -w/--workers: 1 worker is the serial baseline; "
				 "it takes no -P/--producers or -C/--consumers");
			return -1;
		}
		if (w == 1)
			continue;
		if (pset && cset && w != p + c) {
			snprintf(err, len, "option -w/--workers: %d is not P + C = %ld "
				 "(-P/--producers %ld, -C/--consumers %ld)", w, p + c, p, c);
			return -1;
		}
		if (pset && !cset && w <= p) {
			snprintf(err, len, "option -P/--producers: %ld leaves no consumer among %d "
				 "workers (W = P + C)", p, w);
			return -1;
		}
		if (cset && !pset && w <= c) {
			snprintf(err, len, "option -C/--consumers: %ld leaves no producer among %d "
				 "workers (W = P + C)", c, w);
			return -1;
		}
	}
	return 0;
}

/* ---- hooks --------------------------------------------------------------------------- */
struct pc_state {
	struct pc_args a;
	struct pc_tally t;
};

static const char *pc_na(const struct hx_case *c)
{
	return prodcons_na((enum pc_variant)c->variant);
}

static int pc_setup(struct hx_case *c)
{
	struct pc_state *s = c->state;

	s->a.variant = (enum pc_variant)c->variant;
	s->a.workers = c->workers;
	pc_split(c->opts, c->workers, &s->a.producers, &s->a.consumers);
	s->a.items = (long)c->size;
	s->a.capacity = (long)hx_opt(c->opts, X_CAPACITY);
	s->t.items = s->a.items;
	s->t.producers = s->a.producers;
	s->t.consumers = s->a.consumers;
	s->t.taken_by = hx_calloc((size_t)s->a.items, sizeof *s->t.taken_by);
	s->t.seq = hx_calloc((size_t)s->a.items, sizeof *s->t.seq);
	s->t.prod = hx_calloc((size_t)s->a.producers, sizeof *s->t.prod);
	s->t.cons = hx_calloc((size_t)s->a.consumers, sizeof *s->t.cons);
	c->ops = (double)c->size;
	return 0;
}

static void pc_run_case(struct hx_case *c)
{
	struct pc_state *s = c->state;
	pc_tally_reset(&s->t);
	c->t[0] = prodcons_run(&s->a, &s->t);
}

/* Outside the timed region; on MPI rank 0 holds the tally and judges. */
static void pc_check(struct hx_case *c)
{
	struct pc_state *s = c->state;
	uint64_t lat = 0;
	long polls = 0;
	char why[200];

	if (hx_backend_rank() != 0)
		return;
	for (int i = 0; i < s->t.consumers; i++) {
		lat += s->t.cons[i].latency_ns;
		polls += s->t.cons[i].polls;
	}
	hx_note(c, "P", "%d", s->a.producers);
	hx_note(c, "C", "%d", s->a.consumers);
	if (s->a.variant == PC_COND || s->a.variant == PC_MSG)
		hx_note(c, "K", "%ld", s->a.capacity);
	if (c->t[0] > 0)
		hx_note(c, "items_per_s", "%.4g", (double)s->a.items / c->t[0]);
	hx_note(c, "handoff_us", "%.3f", (double)lat / (double)s->a.items / 1e3);
	if (s->a.variant == PC_LOCK)
		hx_note(c, "empty_polls", "%ld", polls);
	if (pc_validate(&s->t, why, sizeof why) != 0) {
		hx_note(c, "error", "\"%s\"", why);
		c->verdict = HX_FAIL;
		return;
	}
	hx_note(c, "validated", "%ld", s->a.items);
	c->verdict = HX_PASS;
}

static void pc_teardown(struct hx_case *c)
{
	struct pc_state *s = c->state;
	if (s == NULL)
		return;
	free(s->t.taken_by);
	free(s->t.seq);
	free(s->t.prod);
	free(s->t.cons);
}

static const struct hx_variant pc_variants[] = {
	{ "lock", "a list of N slots under one lock; consumers poll it (the seed's way)" },
	{ "cond", "a bounded buffer of K slots; condition variables / semaphores, no polling" },
	{ "pipe", "procs: one pipe all producers write to and all consumers read from" },
	{ "msg", "mpi: messages from producer to consumer ranks; K unmatched sends at most" },
	{ NULL, NULL },
};

const struct hx_exercise prodcons_exercise = {
	.name = "prodcons",
	.summary = "P producers put items 0..N-1 into a list, C consumers take them "
		   "(W = P + C workers)",
	.variants = pc_variants,
	.size_name = "items, all producers together",
	.size_def = 10000,
	.size_min = 1,
	.size_max = 10000000,
	.op_name = "item",
	.workers_default = pc_workers_default,
	.reps_def = 10,
	.warmup_def = 2,
	.xopts = pc_xopts,
	.check_opts = pc_check_opts,
	.state_size = sizeof(struct pc_state),
	.not_applicable = pc_na,
	.setup = pc_setup,
	.run = pc_run_case,
	.check = pc_check,
	.teardown = pc_teardown,
};
