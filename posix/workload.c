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
 * Memory per worker is measured in a second team, outside the timed region, whose
 * workers only meet at a barrier: while all of them are alive, worker 0 reads
 * /proc/.../smaps_rollup. Threads: what the one process grew by. Processes: each
 * child's own Rss/Pss, plus what the parent's Pss changed by (its pages now shared).
 * Run: build/procs/workload --variant cpu,io -w 1,2,4,8 */
#include "workload.h"

#include <math.h>
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

/* ---- the memory team ---------------------------------------------------------------- */
struct memprobe {
	pthread_barrier_t alive, measured;
	int workers;
	pid_t parent;
	double parent_pss;
	double v[]; /* rss[w] = v[2w], pss[w] = v[2w+1] */
};

static void mem_worker(int w, void *arg)
{
	struct memprobe *m = arg;
	int rc = pthread_barrier_wait(&m->alive); /* everyone is alive from here */
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
	if (PX_PROCS) { /* each process its own; worker 0 also the parent's */
		if (wl_mem_kib(0, &m->v[2 * w], &m->v[2 * w + 1]) != 0)
			m->v[2 * w] = m->v[2 * w + 1] = -1;
		if (w == 0) {
			double rss;
			if (wl_mem_kib(m->parent, &rss, &m->parent_pss) != 0)
				m->parent_pss = -1;
		}
	} else if (w == 0) { /* threads: the one process */
		if (wl_mem_kib(0, &m->v[0], &m->v[1]) != 0)
			m->v[0] = m->v[1] = -1;
	}
	rc = pthread_barrier_wait(&m->measured); /* nobody leaves before the reading */
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
}

static void measure(int workers, struct wl_report *r)
{
	size_t len = sizeof(struct memprobe) + 2 * (size_t)workers * sizeof(double);
	struct memprobe *m = px_team_alloc(len);
	double rss0, pss0;

	r->rss_kib = r->pss_kib = NAN;
	m->workers = workers;
	m->parent = getpid();
	px_barrier_init(&m->alive, (unsigned)workers, PX_PSHARED);
	px_barrier_init(&m->measured, (unsigned)workers, PX_PSHARED);
	if (wl_mem_kib(0, &rss0, &pss0) == 0) {
		(void)px_team_run(workers, mem_worker, m);
		if (PX_PROCS) {
			double rss = 0, pss = m->parent_pss - pss0;
			int ok = pss0 >= 0 && m->parent_pss >= 0;
			for (int w = 0; w < workers; w++) {
				ok = ok && m->v[2 * w] >= 0 && m->v[2 * w + 1] >= 0;
				rss += m->v[2 * w];
				pss += m->v[2 * w + 1];
			}
			if (ok) {
				r->rss_kib = rss / workers;
				r->pss_kib = pss / workers;
			}
		} else if (m->v[0] >= 0) {
			r->rss_kib = (m->v[0] - rss0) / workers;
			r->pss_kib = pss0 >= 0 && m->v[1] >= 0 ? (m->v[1] - pss0) / workers : NAN;
		}
	}
	HX_CHECK_PT(pthread_barrier_destroy(&m->alive));
	HX_CHECK_PT(pthread_barrier_destroy(&m->measured));
	px_team_free(m, len);
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
		measure(a->workers, r);
}
