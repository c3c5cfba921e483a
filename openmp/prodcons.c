/* prodcons.c: `prodcons` on OpenMP threads: threads 0..P-1 of one parallel region
 * (om_team_run) produce, P..P+C-1 consume; the list is shared through body's argument.
 *   lock  the seed's list: N slots, head and tail under an omp_lock_t; a consumer that
 *         finds it empty lets go, yields and looks again (polling).
 *   cond  OpenMP has no condition variable (a thread blocks only at a barrier, on a lock
 *         or in taskwait), so the ring of K slots borrows two POSIX semaphores: `slots`
 *         (free slots, producers wait) and `full` (items, consumers wait); the lock only
 *         guards the indices. A consumer first claims one of the N items on an atomic
 *         counter, so it only waits for an item that is sure to come.
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
	enum pc_variant v;
	long n;                /* items, all producers together */
	omp_lock_t lock;
	sem_t slots, full;     /* cond */
	long head, tail, nslots;
	long claimed;          /* cond: items claimed by consumers */
	struct pc_item *slot;
};

const char *prodcons_na(enum pc_variant v)
{
	if (v == PC_PIPE)
		return PC_NA_PIPE_ON_THREADS;
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

/* put and take: the roles that call them are pc_work's (exercises/prodcons.h) */
static void put(void *arg, struct pc_item *it)
{
	struct list *l = arg;
	enum pc_variant v = l->v;

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
static int take(void *arg, struct pc_item *it, struct pc_side *me)
{
	struct list *l = arg;
	long n = l->n, mine;

	if (l->v == PC_LOCK) {
		for (;;) {
			int got = 0, done;
			omp_set_lock(&l->lock);
			if (l->head < l->tail) {
				*it = l->slot[l->head++];
				got = 1;
			}
			done = l->head == n;
			omp_unset_lock(&l->lock);
			if (got || done)
				return got;
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
	pc_work(w, jb->a, jb->t, put, take, &jb->l);
}

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	struct job jb = { a, t, { .v = a->variant, .n = a->items,
				  .nslots = a->variant == PC_LOCK ? a->items : a->capacity } };
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
