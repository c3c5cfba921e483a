/* team.h: run a worker body on exactly W OpenMP threads, and time it. The OpenMP
 * exercises use it so that their files hold only what each thread does and how the
 * threads share: the parallel region, the team check and the clock live here.
 *
 * One `#pragma omp parallel num_threads(W)` region (team.c, 41 lines): every thread
 * checks the team (fewer than W threads, from OMP_DYNAMIC, OMP_THREAD_LIMIT or a
 * runtime that could not create them, ends the program with exit 3), all meet at a
 * barrier, one stamps the start, each calls body(tid, arg), all meet again, one
 * stamps the end. Inside body, OpenMP's orphaned constructs (`omp for`, `single`,
 * `critical`, `atomic`, `barrier`, `task`) bind to this team, and a variable declared
 * in body is private to its thread. om_team_stamp marks a timed region of body's own
 * (sync leaves its round 0 out). */
#ifndef OM_TEAM_H
#define OM_TEAM_H

#include <stddef.h> /* NULL: no times wanted, or an empty region */

typedef void (*om_body)(int tid, void *arg);

struct om_times {
	double work;  /* from the moment every thread is in the region to the moment
		       * the last one has finished its body (a barrier each side) */
	double outer; /* from before the region is entered (the fork) to after its join:
		       * work, plus waking (or, the first time, creating) the threads */
};

/* body(tid, arg) on threads tid = 0..workers-1 of one parallel region; body may be
 * NULL (an empty region: what entering one costs). Fills *times when not NULL and
 * returns times->work. */
double om_team_run(int workers, om_body body, void *arg, struct om_times *times);

/* Tears the runtime's pool of threads down (omp_pause_resource_all(omp_pause_hard),
 * OpenMP 5.0), outside any region, so that the next region creates its threads afresh
 * (a region otherwise wakes the threads the last one left parked). Returns 0 when no
 * thread of an earlier region is left (torn down, or none was ever created: a runtime
 * may refuse to pause when it has nothing to pause), -1 when the runtime keeps them. */
int om_pool_end(void);

/* Inside body, called by every thread of the team at the same point: a barrier, then
 * one thread writes the clock (seconds) into *at while the others wait for it (the
 * barrier closing `single`). Two of them, *t1 - *t0, time a part of body when its
 * timed region is not the whole of it. */
void om_team_stamp(double *at);

/* EPCC's PARALLEL and REDUCTION (syncbench's testpr, testred): `inner` empty parallel
 * regions of `workers` threads back to back, then the same number of iterations of the
 * regions' body on the calling thread alone (the reference loop, syncbench's refer and
 * referred); with `reduce`, each region is `reduction(+:sum)` and each thread adds 1.
 * Each thread counts its regions on a cache line of its own (the body: one add), so the
 * caller can check that every region ran on every thread; a short team (OMP_DYNAMIC)
 * ends the program with exit 3 as om_team_run's does. Nothing is created here: the first
 * call after om_pool_end also creates the threads, so time a call after a first one. */
struct om_regions {
	long inner;     /* in: regions per sample */
	int reduce;     /* in: 1: reduction(+) in every region (EPCC's REDUCTION) */
	double region;  /* out: seconds of the `inner` regions, fork of the first to join of
			 * the last */
	double ref;     /* out: seconds of the reference loop (the body, `inner` times) */
	long least;     /* out: the fewest regions a thread of the team counted (inner) */
	long entered;   /* out: the regions counted by all threads (workers x inner) */
	long sum;       /* out: reduce: the reduction's result (workers x inner), else 0 */
};
void om_regions_run(int workers, struct om_regions *r);

/* EPCC's calibration for om_regions_run: the regions double (from 16, several doublings
 * at once when a sample is far short, at most x1024 a step; each size run twice, the
 * shorter counts) until a sample lasts target_s seconds, or for at most 3 s in all.
 * Returns the regions per sample. */
long om_regions_calibrate(int workers, int reduce, double target_s);

#endif
