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

#endif
