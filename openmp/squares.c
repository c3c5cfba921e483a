/* squares.c: `squares` on OpenMP threads.
 * pool: the OpenMP runtime is itself a pool. libgomp creates a team's threads at the
 * first parallel region that needs them and keeps them, asleep or spinning, for the
 * next region. So `startup` is entering an empty region of W threads (creation only
 * the first time a team this large is asked for: in the warm-up), `work` is one
 * parallel loop over the items, handed out one at a time (schedule(dynamic)), and
 * `teardown` is empty: the runtime keeps its threads until the program ends.
 * Both are timed from outside (om_team_run's `outer`, fork to join).
 * spawn: not applicable: OpenMP has no way to start a thread for one item; every
 * region and every task runs on threads the runtime already keeps.
 * Run: build/openmp/squares -w 1,2,4,8 */
#include "squares.h"

#include "hx.h"
#include "team.h"

#include <stdio.h>

struct job {
	const struct sq_args *a;
	long *result;
};

const char *squares_na(enum sq_variant v)
{
	if (v == SQ_SPAWN)
		return "OpenMP cannot start a thread for one item: every parallel region and task "
		       "runs on threads the runtime already keeps (its own pool)";
	return NULL;
}

static void body(int tid, void *arg)
{
	const struct job *jb = arg;

	(void)tid;
#pragma omp for schedule(dynamic)
	for (long i = 0; i < jb->a->items; i++)
		jb->result[i] = sq_square(i + 1, jb->a->work);
}

/* Each phase is a whole region seen from the initial thread, outside it: from before
 * the fork (nobody works before) to after the join (every thread has left). An empty
 * region is what starting the pool costs; both check the team, as a figure of a pool
 * of W must come from W threads. */
void squares_run(const struct sq_args *a, long *result, double t[3], double life[2])
{
	struct job jb = { a, result };
	struct om_times start, work;

	om_team_run(a->workers, NULL, NULL, &start);
	om_team_run(a->workers, body, &jb, &work);
	t[0] = start.outer;
	t[1] = work.outer;
	t[2] = HX_NOT_MEASURED; /* nothing to time: the runtime keeps its threads */
	life[0] = life[1] = HX_NOT_MEASURED; /* no thread of the pool is created or ended here */
}
