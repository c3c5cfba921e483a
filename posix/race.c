/* race.c: `race` on POSIX threads (build/pthreads/race) and fork()ed processes
 * (build/procs/race, compiled with PX_PROCS=1).
 *
 * Threads share the whole address space: the counter is a variable every thread can
 * touch. Processes share nothing by default: a plain global would be copied into each
 * child and the parent would never see an update. So the counter and its lock live in
 * px_team_alloc() memory (a MAP_SHARED mapping for processes), and the lock is a
 * PTHREAD_PROCESS_SHARED mutex. The loop each worker runs is the same for both.
 * Run: build/pthreads/race --variant none -w 2 -n 1000000 */
#include "race.h"
#include "team.h"

#include "hx.h"

struct shared {
	struct race_args a;
	long counter;
	pthread_mutex_t lock;
};

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	long step = race_step(w), mine = 0;

	switch (s->a.variant) {
	case RACE_NONE: /* read, add, write back: another worker may write in between */
		for (long i = 0; i < s->a.iters; i++)
			race_update_plain(&s->counter, step);
		break;
	case RACE_LOCK:
		for (long i = 0; i < s->a.iters; i++) {
			HX_CHECK_PT(pthread_mutex_lock(&s->lock));
			race_update_plain(&s->counter, step);
			HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		}
		break;
	case RACE_ATOMIC: /* lock-free atomics work across processes on shared memory too */
		for (long i = 0; i < s->a.iters; i++)
			race_update_atomic(&s->counter, step);
		break;
	case RACE_LOCAL: /* private sum, then one locked combine */
		for (long i = 0; i < s->a.iters; i++)
			race_update_plain(&mine, step);
		HX_CHECK_PT(pthread_mutex_lock(&s->lock));
		race_update_plain(&s->counter, mine);
		HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
		break;
	}
}

long race_run(const struct race_args *a, double *seconds)
{
	struct shared *s = px_team_alloc(sizeof *s);
	long final;

	s->a = *a;
	s->counter = a->start;
	px_mutex_init(&s->lock, PX_PSHARED);
	*seconds = px_team_run(a->workers, worker, s);
	final = s->counter;
	HX_CHECK_PT(pthread_mutex_destroy(&s->lock));
	px_team_free(s, sizeof *s);
	return final;
}
