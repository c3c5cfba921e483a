/* prodcons.c: `prodcons` on OpenMP threads. Threads 0..P-1 of one parallel region
 * produce, P..P+C-1 consume; the list is shared (every thread reaches it through the
 * body's argument).
 *   lock  the seed's list: N slots, head and tail under an omp_lock_t; a consumer that
 *         finds it empty lets go, yields and looks again (polling).
 *   cond  OpenMP has no condition variable: a thread can only block at a barrier, on
 *         a lock or in taskwait. So the bounded buffer of K slots borrows two POSIX
 *         semaphores (OpenMP threads are POSIX threads here): `slots` counts free
 *         slots, producers wait on it; `full` counts items, consumers wait on it. The
 *         omp_lock_t only guards the indices, held briefly by one thread at a time.
 *         A consumer first claims one of the N items on an atomic counter, so it only
 *         waits for an item that is sure to come.
 * openmp/team.c runs the body on W threads and times it; an item's time in the list
 * is stamped when it is put and when it is taken.
 * Run: OMP_NUM_THREADS=4 build/openmp/prodcons -w 2,4 -n 100000 --variant lock,cond */
#include "prodcons.h"

#include "hx.h"
#include "team.h"

#include <errno.h>
#include <omp.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

struct list {
	omp_lock_t lock;
	sem_t slots, full;     /* cond */
	long head, tail, nslots;
	long claimed;          /* cond: items claimed by consumers */
	struct pc_item *slot;
};

const char *prodcons_na(enum pc_variant v)
{
	if (v == PC_PIPE)
		return "threads share memory: a pipe would copy through the kernel what they can "
		       "read directly (see cond; pipe is on procs)";
	if (v == PC_MSG)
		return "msg is MPI's channel; threads hand items over in memory (see cond)";
	return NULL;
}

static void sem_wait_checked(sem_t *s)
{
	while (sem_wait(s) != 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "sem_wait", errno);
}

static void put(struct list *l, enum pc_variant v, struct pc_item *it)
{
	if (v == PC_COND)
		sem_wait_checked(&l->slots); /* a free slot, or sleep until a consumer frees one */
	omp_set_lock(&l->lock);
	it->t_put = hx_stamp_ns(); /* its time in the list starts */
	l->slot[l->tail++ % l->nslots] = *it;
	omp_unset_lock(&l->lock);
	if (v == PC_COND)
		HX_CHECK_SYS(sem_post(&l->full)); /* wakes a sleeping consumer */
}

/* Takes one item into *it; returns 0 when all n have been taken. */
static int take(struct list *l, enum pc_variant v, long n, struct pc_item *it, struct pc_side *me)
{
	long mine;

	if (v == PC_LOCK) {
		for (;;) {
			int got = 0, done;
			omp_set_lock(&l->lock);
			if (l->head < l->tail) {
				*it = l->slot[l->head++];
				got = 1;
			}
			done = l->head == n;
			omp_unset_lock(&l->lock);
			if (got)
				return 1;
			if (done)
				return 0;
			me->polls++; /* empty: look again later, as the seed does */
			sched_yield();
		}
	}
#pragma omp atomic capture
	mine = l->claimed++;
	if (mine >= n)
		return 0;
	sem_wait_checked(&l->full); /* an item, or sleep until a producer puts one */
	omp_set_lock(&l->lock);
	*it = l->slot[l->head++ % l->nslots];
	omp_unset_lock(&l->lock);
	HX_CHECK_SYS(sem_post(&l->slots));
	return 1;
}

struct job {
	const struct pc_args *a;
	struct pc_tally *t;
	struct list l;
};

static void body(int w, void *arg)
{
	struct job *jb = arg;
	const struct pc_args *a = jb->a;
	struct pc_tally *t = jb->t;
	struct list *l = &jb->l;
	struct pc_item it;

	if (a->workers == 1) { /* the serial baseline: put, take back */
		for (long id = 0; id < a->items; id++) {
			it = (struct pc_item){ .id = (uint32_t)id, .val = pc_value((uint32_t)id) };
			put(l, a->variant, &it);
			t->prod[0].sum += it.val;
			t->prod[0].count++;
			if (!take(l, a->variant, a->items, &it, &t->cons[0]))
				break;
			pc_took(t, 0, &it, hx_stamp_ns());
		}
	} else if (w < a->producers) {
		for (long id = w; id < a->items; id += a->producers) {
			it = (struct pc_item){ .id = (uint32_t)id, .producer = (uint32_t)w,
					       .val = pc_value((uint32_t)id) };
			put(l, a->variant, &it);
			t->prod[w].sum += it.val;
			t->prod[w].count++;
		}
	} else {
		int c = w - a->producers;
		while (take(l, a->variant, a->items, &it, &t->cons[c]))
			pc_took(t, c, &it, hx_stamp_ns());
	}
}

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	struct job jb = { a, t, { .nslots = a->variant == PC_LOCK ? a->items : a->capacity } };
	struct list *l = &jb.l;
	double seconds;

	l->slot = hx_calloc((size_t)l->nslots, sizeof *l->slot);
	omp_init_lock(&l->lock);
	HX_CHECK_SYS(sem_init(&l->slots, 0, (unsigned)l->nslots));
	HX_CHECK_SYS(sem_init(&l->full, 0, 0));
	/* a smaller team than asked would leave consumers waiting for ever: om_team_run
	 * checks it, and times from every thread ready to the last put and take done */
	seconds = om_team_run(a->workers, body, &jb, NULL);
	t->remaining = l->tail - l->head;
	HX_CHECK_SYS(sem_destroy(&l->full));
	HX_CHECK_SYS(sem_destroy(&l->slots));
	omp_destroy_lock(&l->lock);
	free(l->slot);
	return seconds;
}
