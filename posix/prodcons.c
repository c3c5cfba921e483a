/* prodcons.c: `prodcons` on POSIX threads (build/pthreads/prodcons) and fork()ed
 * processes (build/procs/prodcons, compiled with PX_PROCS=1).
 *
 * Workers 0..P-1 produce, P..P+C-1 consume. Everything they share lies in one
 * px_team_alloc() block: plain heap for threads, a MAP_SHARED mapping for processes
 * (whose mutex and condition variables are then PTHREAD_PROCESS_SHARED). An item is
 * stamped (hx_stamp_ns) as it is put and as it is taken: its latency in the list.
 *   lock  the seed's list: N slots, head and tail under one mutex. A consumer that
 *         finds it empty lets go of the lock, yields, and looks again (polling).
 *   cond  a ring of K slots. A producer sleeps on not_full while it is full, a
 *         consumer on not_empty while it is empty; whoever changes it wakes the other
 *         side. Nobody looks at the ring without a reason to.
 *   pipe  (procs) one pipe: producers write whole items (24 bytes < PIPE_BUF, so a
 *         write is never interleaved with another), consumers read whole items. A
 *         consumer first claims one of the N items on a shared counter, so it only
 *         ever reads an item that is sure to come: no end marker, no EOF needed.
 * Run: build/procs/prodcons -w 2,4 -n 100000 --variant cond,pipe */
#include "prodcons.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct shared {
	struct pc_args a;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	long head, tail;      /* items taken / put so far; the list holds tail - head */
	long nslots;          /* N for lock, K for cond */
	long claimed;         /* pipe: items claimed by consumers (atomic) */
	int fd[2];            /* pipe */
	struct pc_tally t;    /* its arrays point into this block */
	struct pc_item *slot; /* [nslots] */
};

const char *prodcons_na(enum pc_variant v)
{
	if (v == PC_MSG)
		return PX_PROCS ? "msg is MPI's channel; here see pipe"
				: "msg is MPI's channel; here see cond";
	if (v == PC_PIPE && !PX_PROCS)
		return "threads share memory: a pipe would copy through the kernel what they can "
		       "read directly (see cond; pipe is on procs)";
	return NULL;
}

static struct pc_item make_item(long id, int p)
{
	return (struct pc_item){ .id = (uint32_t)id, .producer = (uint32_t)p,
				 .val = pc_value((uint32_t)id) };
}

/* ---- the three ways to put and take one item ------------------------------------------ */
static void put(struct shared *s, struct pc_item *it)
{
	switch (s->a.variant) {
	case PC_LOCK: /* unbounded for this run: the list has room for all N */
		HX_CHECK_PT(pthread_mutex_lock(&s->lock));
		it->t_put = hx_stamp_ns();
		s->slot[s->tail++] = *it;
		HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		break;
	case PC_COND:
		HX_CHECK_PT(pthread_mutex_lock(&s->lock));
		while (s->tail - s->head == s->nslots) /* full: wait for a consumer */
			HX_CHECK_PT(pthread_cond_wait(&s->not_full, &s->lock));
		it->t_put = hx_stamp_ns();
		s->slot[s->tail++ % s->nslots] = *it;
		HX_CHECK_PT(pthread_cond_signal(&s->not_empty));
		HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		break;
	default: { /* pipe: one write of a whole item is atomic */
		ssize_t k;
		it->t_put = hx_stamp_ns();
		while ((k = write(s->fd[1], it, sizeof *it)) < 0 && errno == EINTR)
			;
		if (k != (ssize_t)sizeof *it)
			hx_die_errno(__FILE__, __LINE__, "write(pipe)", k < 0 ? errno : EIO);
		break;
	}
	}
}

/* Takes one item into *it; returns 0 when all N have been taken (by anybody). */
static int take(struct shared *s, struct pc_item *it, struct pc_side *me)
{
	long n = s->a.items;

	switch (s->a.variant) {
	case PC_LOCK:
		for (;;) {
			int got = 0, done;
			HX_CHECK_PT(pthread_mutex_lock(&s->lock));
			if (s->head < s->tail) {
				*it = s->slot[s->head++];
				got = 1;
			}
			done = s->head == n;
			HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
			if (got)
				return 1;
			if (done)
				return 0;
			me->polls++; /* empty: look again later, as the seed does */
			sched_yield();
		}
	case PC_COND:
		HX_CHECK_PT(pthread_mutex_lock(&s->lock));
		while (s->head == s->tail && s->head < n) /* empty: wait for a producer */
			HX_CHECK_PT(pthread_cond_wait(&s->not_empty, &s->lock));
		if (s->head == n) {
			HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
			return 0;
		}
		*it = s->slot[s->head++ % s->nslots];
		HX_CHECK_PT(pthread_cond_signal(&s->not_full));
		if (s->head == n) /* the last item: wake the consumers still waiting, to leave */
			HX_CHECK_PT(pthread_cond_broadcast(&s->not_empty));
		HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		return 1;
	default: { /* pipe: claim an item, then read it; it is bound to come */
		size_t got = 0;
		if (__atomic_fetch_add(&s->claimed, 1, __ATOMIC_RELAXED) >= n)
			return 0;
		while (got < sizeof *it) {
			ssize_t k = read(s->fd[0], (char *)it + got, sizeof *it - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				hx_die_errno(__FILE__, __LINE__, "read(pipe)", k < 0 ? errno : EPIPE);
			got += (size_t)k;
		}
		return 1;
	}
	}
}

static void produce(struct shared *s, int p)
{
	struct pc_side *me = &s->t.prod[p];
	for (long id = p; id < s->a.items; id += s->a.producers) {
		struct pc_item it = make_item(id, p);
		put(s, &it);
		me->sum += it.val;
		me->count++;
	}
}

static void consume(struct shared *s, int c)
{
	struct pc_item it;
	while (take(s, &it, &s->t.cons[c]))
		pc_took(&s->t, c, &it, hx_stamp_ns());
}

/* W = 1: put an item and take it straight back; the cost of the list without a hand-off */
static void serial(struct shared *s)
{
	struct pc_item it;
	for (long id = 0; id < s->a.items; id++) {
		it = make_item(id, 0);
		put(s, &it);
		s->t.prod[0].sum += it.val;
		s->t.prod[0].count++;
		if (!take(s, &it, &s->t.cons[0]))
			break;
		pc_took(&s->t, 0, &it, hx_stamp_ns());
	}
}

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	if (s->a.workers == 1)
		serial(s);
	else if (w < s->a.producers)
		produce(s, w);
	else
		consume(s, w - s->a.producers);
}

/* one block: the struct, then the tally's arrays, then the slots */
static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	long nslots = a->variant == PC_LOCK ? a->items : a->variant == PC_COND ? a->capacity : 1;
	size_t o_by = align64(sizeof(struct shared)),
	       o_seq = o_by + align64((size_t)a->items * sizeof(uint32_t)),
	       o_prod = o_seq + align64((size_t)a->items * sizeof(uint32_t)),
	       o_cons = o_prod + (size_t)a->producers * sizeof(struct pc_side),
	       o_slot = o_cons + (size_t)a->consumers * sizeof(struct pc_side),
	       total = o_slot + (size_t)nslots * sizeof(struct pc_item);
	char *base = px_team_alloc(total);
	struct shared *s = (struct shared *)(void *)base;
	double secs;
	int queued = 0;

	memset(base, 0, total);
	s->a = *a;
	s->nslots = nslots;
	s->t = (struct pc_tally){ .items = a->items, .producers = a->producers,
				  .consumers = a->consumers,
				  .taken_by = (uint32_t *)(void *)(base + o_by),
				  .seq = (uint32_t *)(void *)(base + o_seq),
				  .prod = (struct pc_side *)(void *)(base + o_prod),
				  .cons = (struct pc_side *)(void *)(base + o_cons) };
	s->slot = (struct pc_item *)(void *)(base + o_slot);
	px_mutex_init(&s->lock, PX_PSHARED);
	px_cond_init(&s->not_empty, PX_PSHARED);
	px_cond_init(&s->not_full, PX_PSHARED);
	if (a->variant == PC_PIPE)
		HX_CHECK_SYS(pipe(s->fd));

	secs = px_team_run(a->workers, worker, s);

	/* after the run, outside the timed region: what is left, and the tally */
	if (a->variant == PC_PIPE) {
		HX_CHECK_SYS(ioctl(s->fd[0], FIONREAD, &queued));
		t->remaining = queued / (long)sizeof(struct pc_item);
		HX_CHECK_SYS(close(s->fd[0]));
		HX_CHECK_SYS(close(s->fd[1]));
	} else {
		t->remaining = s->tail - s->head;
	}
	memcpy(t->taken_by, s->t.taken_by, (size_t)a->items * sizeof *t->taken_by);
	memcpy(t->seq, s->t.seq, (size_t)a->items * sizeof *t->seq);
	memcpy(t->prod, s->t.prod, (size_t)a->producers * sizeof *t->prod);
	memcpy(t->cons, s->t.cons, (size_t)a->consumers * sizeof *t->cons);
	HX_CHECK_PT(pthread_cond_destroy(&s->not_full));
	HX_CHECK_PT(pthread_cond_destroy(&s->not_empty));
	HX_CHECK_PT(pthread_mutex_destroy(&s->lock));
	px_team_free(base, total);
	return secs;
}
