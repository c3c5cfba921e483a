/* squares.c: `squares` on OpenMP threads.
 * pool: the OpenMP runtime is itself a pool. libgomp creates a team's threads at the
 * first parallel region that needs them and keeps them, asleep or spinning, for the
 * next region. So `startup` is entering an empty region of W threads (creation only
 * the first time a team this large is asked for: in the warm-up), `work` is one
 * parallel loop over the items, handed out one at a time (schedule(dynamic)), and
 * `teardown` is 0: the runtime keeps its threads until the program ends.
 * spawn: not applicable: OpenMP has no way to start a thread for one item; every
 * region and every task runs on threads the runtime already keeps.
 * Run: build/openmp/squares -w 1,2,4,8 */
#include "squares.h"

#include "hx.h"

#include <omp.h>
#include <stdio.h>

int squares_supported(enum sq_variant v, char *why, unsigned long len)
{
	if (v == SQ_SPAWN) {
		snprintf(why, len, "OpenMP cannot start a thread for one item: every parallel "
			 "region and task runs on threads the runtime already keeps (its own pool)");
		return 0;
	}
	return 1;
}

/* The clocks are read by the initial thread outside the regions: t0 before the first
 * region is entered (nobody works before), t1 after its join (every thread has left),
 * and the same around the work region. Both regions check the team: the figure of a
 * pool of W must come from W threads. */
void squares_run(const struct sq_args *a, long *result, double t[3])
{
	double t0, t1, t2;

	t0 = hx_now();
#pragma omp parallel num_threads(a->workers) default(none) shared(a)
	hx_omp_team_check(a->workers);
	t1 = hx_now();
#pragma omp parallel num_threads(a->workers) default(none) shared(a, result)
	{
		hx_omp_team_check(a->workers);
#pragma omp for schedule(dynamic)
		for (long i = 0; i < a->items; i++)
			result[i] = sq_square(i + 1, a->work);
	}
	t2 = hx_now();
	t[0] = t1 - t0;
	t[1] = t2 - t1;
	t[2] = 0;
}
