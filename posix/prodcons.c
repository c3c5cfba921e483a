/* prodcons.c: `prodcons` on POSIX threads (build/pthreads/prodcons) and fork()ed
 * processes (build/procs/prodcons, PX_PROCS=1). Workers 0..P-1 produce, P..P+C-1
 * consume; all they share lies in one px_team_alloc() block: heap for threads, a
 * MAP_SHARED mapping for processes (their mutex and condition variables PROCESS_SHARED).
 *   lock  N slots under one mutex; a consumer finding none unlocks, yields, looks again.
 *   cond  a ring of K slots: producers sleep on not_full, consumers on not_empty.
 *   pipe  (procs) items written whole (24 bytes < PIPE_BUF: never interleaved); a
 *         consumer claims one of the N on a shared counter first, so its read is met.
 * An item is stamped (hx_stamp_ns) as it is put and as it is taken.
 * Run: build/procs/prodcons -w 2,4 -n 100000 --variant cond,pipe */
#include "prodcons.h"
#include "team.h"

#include <errno.h>
#include <sched.h>
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
	return v == PC_PIPE && !PX_PROCS ? PC_NA_PIPE_ON_THREADS : NULL;
}

/* ---- the three ways to put and take one item (the roles: pc_work, prodcons.h) ---- */
static void put(void *arg, struct pc_item *it)
{
	struct shared *s = arg;
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
	default: /* pipe: one write of a whole item is atomic (pc_write_item) */
		it->t_put = hx_stamp_ns();
		pc_write_item(s->fd[1], it);
	}
}

/* Takes one item into *it; returns 0 when all N have been taken (by anybody). */
static int take(void *arg, struct pc_item *it, struct pc_side *me)
{
	struct shared *s = arg;
	long n = s->a.items;
	int got, done;

	switch (s->a.variant) {
	case PC_LOCK:
		for (;;) {
			HX_CHECK_PT(pthread_mutex_lock(&s->lock));
			got = s->head < s->tail;
			if (got) /* the oldest item */
				*it = s->slot[s->head++];
			done = s->head == n;
			HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
			if (got || done)
				return got;
			me->polls++; /* empty: look again later, as the seed does */
			sched_yield();
		}
	case PC_COND:
		HX_CHECK_PT(pthread_mutex_lock(&s->lock));
		while (s->head == s->tail && s->head < n) /* empty: wait for a producer */
			HX_CHECK_PT(pthread_cond_wait(&s->not_empty, &s->lock));
		got = s->head < n; /* else all N are taken: leave */
		if (got) {
			*it = s->slot[s->head++ % s->nslots];
			HX_CHECK_PT(pthread_cond_signal(&s->not_full));
			if (s->head == n) /* the last item: wake the consumers still waiting */
				HX_CHECK_PT(pthread_cond_broadcast(&s->not_empty));
		}
		HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		return got;
	default: /* pipe: claim an item, then read it; it is bound to come */
		if (__atomic_fetch_add(&s->claimed, 1, __ATOMIC_RELAXED) >= n)
			return 0;
		pc_read_item(s->fd[0], it);
		return 1;
	}
}

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	pc_work(w, &s->a, &s->t, put, take, s);
}

/* one block: the struct, the tally's arrays (pc_tally_place), then the slots */
double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	long nslots = a->variant == PC_LOCK ? a->items : a->variant == PC_COND ? a->capacity : 1;
	size_t o_tally = (sizeof(struct shared) + 63) & ~(size_t)63,
	       total = o_tally + pc_tally_bytes(a) + (size_t)nslots * sizeof(struct pc_item);
	char *base = px_team_alloc(total); /* zeroed: heap for threads, MAP_SHARED for procs */
	struct shared *s = (struct shared *)(void *)base;
	double secs;
	int queued = 0;

	s->a = *a;
	s->nslots = nslots;
	s->slot = pc_tally_place(&s->t, a, base + o_tally);
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
	pc_tally_copy(t, &s->t);
	HX_CHECK_PT(pthread_cond_destroy(&s->not_full));
	HX_CHECK_PT(pthread_cond_destroy(&s->not_empty));
	HX_CHECK_PT(pthread_mutex_destroy(&s->lock));
	px_team_free(base, total);
	return secs;
}
