/* team.c: the one parallel region every OpenMP exercise runs in (see team.h). */
#include "team.h"

#include "hx.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

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

/* om_regions_run: a thread's count on a cache line of its own (128 bytes: two lines, as
 * the adjacent-line prefetcher pairs them) */
#define OM_LINE (128 / sizeof(long))

void om_regions_run(int workers, struct om_regions *r)
{
	long *mem = hx_calloc((size_t)(workers + 1) * OM_LINE, sizeof(long));
	long *cnt = (long *)(((uintptr_t)mem + 127) & ~(uintptr_t)127);
	long inner = r->inner, sum = 0, rsum = 0;
	double t0, t1, t2;

	t0 = hx_now();
	if (!r->reduce) {
		for (long j = 0; j < inner; j++) {
#pragma omp parallel num_threads(workers) default(none) shared(workers, cnt)
			{
				if (omp_get_num_threads() < workers)
					hx_omp_team_check(workers); /* exit 3, named */
				cnt[(size_t)omp_get_thread_num() * OM_LINE]++;
			}
		}
	} else {
		for (long j = 0; j < inner; j++) {
#pragma omp parallel num_threads(workers) default(none) shared(workers, cnt) reduction(+ : sum)
			{
				if (omp_get_num_threads() < workers)
					hx_omp_team_check(workers);
				cnt[(size_t)omp_get_thread_num() * OM_LINE]++;
				sum += 1;
			}
		}
	}
	t1 = hx_now();
	/* the reference: the same body, inner times, on this thread alone; the empty asm
	 * keeps each iteration (the compiler may not fold them into one add) */
	for (long j = 0; j < inner; j++) {
		cnt[(size_t)workers * OM_LINE]++;
		if (r->reduce)
			rsum += 1;
		__asm__ volatile("" : "+r"(rsum) : : "memory");
	}
	t2 = hx_now();
	r->region = t1 - t0;
	r->ref = t2 - t1;
	r->least = inner;
	r->entered = 0;
	for (int w = 0; w < workers; w++) {
		long n = cnt[(size_t)w * OM_LINE];
		r->entered += n;
		if (n < r->least)
			r->least = n;
	}
	r->sum = r->reduce ? sum : 0;
	if (cnt[(size_t)workers * OM_LINE] != inner || rsum != (r->reduce ? inner : 0))
		r->least = -1; /* the reference loop lost iterations: no figure */
	free(mem);
	pool_alive |= workers > 1;
}

long om_regions_calibrate(int workers, int reduce, double target_s)
{
	struct om_regions r = { .reduce = reduce };
	double give_up = hx_now() + 3.0;
	long inner = 16;

	for (;;) {
		double best;
		r.inner = inner;
		om_regions_run(workers, &r);
		best = r.region;
		om_regions_run(workers, &r);
		if (r.region < best)
			best = r.region;
		if (best >= target_s || hx_now() > give_up || inner > (1L << 40))
			return inner;
		/* to the power of two this sample says reaches the target, x2 to x1024 */
		long step = 2;
		while (step < 1024 && best * (double)step < target_s)
			step *= 2;
		inner *= step;
	}
}
