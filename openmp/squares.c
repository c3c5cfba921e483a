/* squares.c: `squares` on OpenMP threads.
 * pool: the OpenMP runtime is itself a pool. libgomp creates a team's threads at the
 * first parallel region that needs them and keeps them, asleep or spinning, for the
 * next region. So `startup` is entering an empty region of W threads, timed as EPCC's
 * syncbench times PARALLEL: `inner` empty regions back to back (inner calibrated in the
 * case's first repetition so that they last --target-ms, and grown when a sample comes
 * out shorter), per region; the note's
 * overhead_ns= is that minus a reference loop of the regions' body alone (om_regions_run
 * in team.c), and reduction_overhead_ns= the same for regions with reduction(+)
 * (EPCC's REDUCTION). Every thread counts its regions, checked outside the timing. The
 * regions follow one empty region of W threads (om_team_run: the team checked, the
 * threads created the first time, else woken from wherever the last region left them),
 * so that they measure a region that follows a region. `work` is one parallel loop over
 * the items, handed out one at a time (schedule(dynamic)), timed from outside
 * (om_team_run's `outer`, fork to join), and `teardown` is empty: the runtime keeps its
 * threads until the program ends.
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

/* Back-to-back regions, then the reference loop, plain and with reduction(+): per
 * region and per iteration into *rg. The first repetition of a case calibrates. */
static void regions(const struct sq_args *a, struct sq_regions *rg)
{
	struct om_regions r = { 0 };

	if (rg->inner <= 0)
		rg->inner = om_regions_calibrate(a->workers, 0, a->target_s);
	r.inner = rg->inner;
	om_regions_run(a->workers, &r);
	/* a sample shorter than the target (another program slowed calibration, or the
	 * threads' first regions): more regions, kept for the repetitions after, twice at most */
	for (int again = 0; r.region < a->target_s && again < 2; again++) {
		long step = 2;
		while (step < 1024 && r.region * (double)step < a->target_s)
			step *= 2;
		rg->inner *= step;
		r.inner = rg->inner;
		om_regions_run(a->workers, &r);
	}
	rg->region_s = r.region / (double)r.inner;
	rg->ref_s = r.ref / (double)r.inner;
	rg->least = r.least;
	rg->entered = r.entered;
	r.reduce = 1;
	om_regions_run(a->workers, &r);
	rg->red_s = r.region / (double)r.inner;
	rg->red_ref_s = r.ref / (double)r.inner;
	rg->red_least = r.least;
	rg->red_entered = r.entered;
	rg->red_sum = r.sum;
}

/* startup: a region, back to back (above); work: a whole region seen from the initial
 * thread, outside it: from before the fork (nobody works before) to after the join
 * (every thread has left). Every region checks its team, as a figure of a pool of W
 * must come from W threads. */
void squares_run(const struct sq_args *a, long *result, double t[3], double life[2])
{
	struct job jb = { a, result };
	struct om_times work;

	om_team_run(a->workers, NULL, NULL, NULL);
	regions(a, a->regions);
	om_team_run(a->workers, body, &jb, &work);
	t[0] = a->regions->region_s;
	t[1] = work.outer;
	t[2] = HX_NOT_MEASURED; /* nothing to time: the runtime keeps its threads */
	life[0] = life[1] = HX_NOT_MEASURED; /* no thread of the pool is created or ended here */
}
