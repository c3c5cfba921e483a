/* team.c: the one parallel region every OpenMP exercise runs in (see team.h). */
#include "team.h"

#include "hx.h"

#include <omp.h>

/* a region of more than one thread ran since the pool was last torn down */
static int pool_alive;

double om_team_run(int workers, om_body body, void *arg, struct om_times *times)
{
	double outer0, t0 = 0, t1 = 0;
	struct om_times tm;

	outer0 = hx_now();
#pragma omp parallel num_threads(workers) default(none) shared(workers, body, arg, t0, t1)
	{
		hx_omp_team_check(workers);
		/* every thread has arrived before the clock starts, and nobody starts work
		 * before it has (the barrier closing `single`) */
#pragma omp barrier
#pragma omp single
		t0 = hx_now();
		if (body != NULL)
			body(omp_get_thread_num(), arg);
		/* the last thread has finished before the clock stops */
#pragma omp barrier
#pragma omp single nowait
		t1 = hx_now();
	}
	tm.outer = hx_now() - outer0;
	tm.work = t1 - t0;
	pool_alive |= workers > 1;
	if (times != NULL)
		*times = tm;
	return tm.work;
}

int om_pool_end(void)
{
	if (omp_pause_resource_all(omp_pause_hard) == 0)
		pool_alive = 0;
	return pool_alive ? -1 : 0;
}

void om_team_stamp(double *at)
{
#pragma omp barrier
#pragma omp single
	*at = hx_now();
}
