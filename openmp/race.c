/* race.c: `race` on OpenMP threads. The counter is shared (every thread reaches it
 * through the pointer), each thread's step private (a local of the body).
 * lock: a critical section; atomic: `omp atomic`; local: each thread sums into a
 * local variable, private by construction, and adds it to the counter once.
 * openmp/team.c runs the body on W threads and times it.
 * Run: OMP_NUM_THREADS=2 build/openmp/race --variant atomic -n 1000000 */
#include "race.h"

#include "team.h"

#include <stddef.h>

struct shared {
	const struct race_args *a;
	long counter;
};

static void body(int tid, void *arg)
{
	struct shared *sh = arg;
	const struct race_args *a = sh->a;
	long step = race_step(tid), sum = 0;

	switch (a->variant) {
	case RACE_NONE:
		for (long i = 0; i < a->iters; i++)
			race_update_plain(&sh->counter, step);
		break;
	case RACE_LOCK:
		for (long i = 0; i < a->iters; i++) {
#pragma omp critical(race_counter)
			race_update_plain(&sh->counter, step);
		}
		break;
	case RACE_ATOMIC:
		for (long i = 0; i < a->iters; i++) {
#pragma omp atomic
			sh->counter += step;
		}
		break;
	case RACE_LOCAL: /* sum is this thread's own: one combine at the end */
		for (long i = 0; i < a->iters; i++)
			race_update_plain(&sum, step);
#pragma omp atomic
		sh->counter += sum;
		break;
	}
}

long race_run(const struct race_args *a, double *seconds)
{
	struct shared sh = { a, a->start };
	*seconds = om_team_run(a->workers, body, &sh, NULL);
	return sh.counter;
}
