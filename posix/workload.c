/* workload.c: `workload` on POSIX threads (build/pthreads/workload) and fork()ed
 * processes (build/procs/workload, compiled with PX_PROCS=1).
 *
 * Worker w runs its block of tasks and records, per task, that it ran (done[i]++) and
 * its result. The records live in px_team_alloc() memory: the heap for threads, a
 * MAP_SHARED mapping for processes (a child's writes to ordinary memory would stay in
 * its own copy). No two workers touch the same task, so no lock is needed. The team
 * is timed by px_team_run_times: its work, and each worker's creation and teardown
 * stamped where they happen (posix/team.h's px_life: before pthread_create / fork, the
 * worker's first and last instructions, after pthread_join / waitpid).
 *
 * Memory per worker is measured by workload_memprobe.c, outside the timed region, with
 * teams of idle workers of its own (1 and --mem-workers M).
 * Run: build/procs/workload --variant cpu,io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>
#include "workload_memprobe.h"
#include "team.h"

#include "hx.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct shared {
	struct wl_args a;
	long *done;
	uint64_t *result;
};

/* The whole function is the work: px_team_run() times it from the first worker's
 * start to the last one's end, each stamped by the worker itself. */
static void worker(int w, void *arg)
{
	struct shared *s = arg;
	long lo = wl_first(s->a.tasks, s->a.workers, w), hi = wl_first(s->a.tasks, s->a.workers, w + 1);
	for (long i = lo; i < hi; i++) {
		s->result[i] = wl_run_task(&s->a, i);
		__atomic_fetch_add(&s->done[i], 1, __ATOMIC_RELAXED);
	}
}

void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	size_t nd = (size_t)a->tasks * sizeof *done, nr = (size_t)a->tasks * sizeof *result;
	struct shared *s = px_team_alloc(sizeof *s);
	struct px_times tm;

	s->a = *a;
	s->done = px_team_alloc(nd);
	s->result = px_team_alloc(nr);
	memset(s->done, 0, nd);
	r->work_s = px_team_run_times(a->workers, worker, s, &tm);
	/* what creating and ending the team cost, beside the work it did */
	r->start_s = tm.start;
	r->end_s = tm.end;
	r->create_s = tm.creation;
	r->reap_s = tm.teardown;
	memcpy(done, s->done, nd);
	memcpy(result, s->result, nr);
	px_team_free(s->done, nd);
	px_team_free(s->result, nr);
	px_team_free(s, sizeof *s);
	if (a->measure_mem)
		px_memprobe(a->mem_workers, &r->mem); /* workload_memprobe.c */
}
