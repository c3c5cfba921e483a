/* sumsquares.c: `sumsquares` on POSIX threads (build/pthreads/sumsquares) and fork()ed
 * processes (build/procs/sumsquares, compiled with PX_PROCS=1).
 *
 * There is no loop scheduler: each schedule is written out. static and cyclic need no
 * sharing at all (worker w computes its indices from w and W). dynamic and guided share
 * one counter, the next index nobody has taken: a worker takes a grab with one atomic
 * fetch-and-add (dynamic) or a compare-and-swap loop (guided, whose grab depends on
 * what is left). For processes the counter and the result array must lie in a
 * MAP_SHARED mapping (px_team_alloc), or each child would fill its own copy; the
 * result is copied out after the timed region. Every worker maps its share with
 * ss_map, the exercise's one compiled loop, which the baseline runs over all of 0..n-1.
 *
 * The baseline runs inside the team, as on OpenMP and MPI: worker 0 maps 0..n-1 alone
 * (timed, ss_serial_seconds) while the others sleep at a barrier, then every worker
 * stamps its start again (px_team_mark_start) and the timed map begins. It used to run
 * on the main thread before the team was created: the baseline and a W = 1 map ran on
 * different threads, and at W = 2 the new workers, placed while the main thread still
 * held its core, were seen starting on the same core (sched_getcpu(), on a loaded
 * machine) and, having just run, were not moved at once (a task that ran in the last
 * 0.5 ms is cache-hot to the scheduler): one waited 6 to 90 ms for a core of its own.
 * Workers asleep through the baseline are cold, and woken each goes to an idle core,
 * as OpenMP's pool threads and MPI's ranks do.
 * Run: build/procs/sumsquares -n 60000 --variant serial,cyclic -w 1,2 */
#include "sumsquares.h"
#include "team.h"

#include "hx.h"

#include <string.h>

#define LINE 64 /* bytes of a cache line */

struct shared {
	struct ss_args a;
	uint64_t *out;    /* n elements, in the same team mapping, from a line of its own */
	uint64_t *serial; /* the baseline's n elements, after them; NULL: no baseline */
	double serial_s;  /* the baseline's seconds (worker 0) */
	pthread_barrier_t woken; /* the others sleep here while worker 0 runs the baseline */
	/* dynamic, guided: the first index nobody has taken yet. Every grab writes it, so
	 * it has a line to itself (the padding), away from what the workers read */
	char before[LINE];
	long next;
	char after[LINE];
};

const char *ss_na(enum ss_variant v)
{
	(void)v; /* every schedule is written out below */
	return NULL;
}

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
}

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	const long n = s->a.n, chunk = s->a.chunk;
	const int W = s->a.workers;

	if (s->serial != NULL) { /* the baseline, untimed by the team */
		if (w == 0)
			s->serial_s = ss_serial_seconds(s->serial, n);
		barrier_wait(&s->woken);
		px_team_mark_start();
	}

	switch (s->a.variant) {
	case SS_STATIC: { /* blocks of n/W, the first n%W blocks one longer */
		long q = n / W, r = n % W;
		long lo = w * q + (w < r ? w : r), hi = lo + q + (w < r ? 1 : 0);
		ss_map(s->out, lo, hi, 1);
		break;
	}
	case SS_CYCLIC:
		ss_map(s->out, w, n, W);
		break;
	case SS_DYNAMIC:
		for (;;) {
			long lo = __atomic_fetch_add(&s->next, chunk, __ATOMIC_RELAXED);
			if (lo >= n)
				break;
			ss_map(s->out, lo, lo + chunk < n ? lo + chunk : n, 1);
		}
		break;
	case SS_GUIDED:
		for (;;) {
			long lo = __atomic_load_n(&s->next, __ATOMIC_RELAXED), take;
			do {
				if (lo >= n)
					return;
				take = ss_guided_grab(n - lo, W, chunk);
			} while (!__atomic_compare_exchange_n(&s->next, &lo, lo + take, 0,
							      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
			ss_map(s->out, lo, lo + take < n ? lo + take : n, 1);
		}
		break;
	case SS_SERIAL: /* run by the exercise itself */
		break;
	}
}

static size_t up_to_line(size_t bytes)
{
	return (bytes + LINE - 1) / LINE * LINE;
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	size_t head = up_to_line(sizeof(struct shared)), len = (size_t)a->n * sizeof(uint64_t);
	size_t bytes = head + up_to_line(len) + (a->serial_out != NULL ? len : 0);
	struct shared *s = px_team_alloc(bytes);

	s->a = *a;
	s->next = 0;
	s->out = (uint64_t *)((char *)s + head);
	/* out[] arrives poisoned (the exercise's run hook): so must the team's copy, or an
	 * index nobody computed would read 0 from the fresh mapping, and 0 is right for
	 * n = 0 and 1. Writing it also faults its pages in before the timed region; the
	 * baseline's copy too, before its timing. */
	memcpy(s->out, out, len);
	s->serial = NULL;
	if (a->serial_out != NULL) {
		s->serial = (uint64_t *)((char *)s->out + up_to_line(len));
		memcpy(s->serial, a->serial_out, len);
	}
	px_barrier_init(&s->woken, (unsigned)a->workers, PX_PSHARED);
	*seconds = px_team_run(a->workers, worker, s);
	/* px_team_run has reaped (joined) every worker: their writes are visible */
	memcpy(out, s->out, len);
	if (s->serial != NULL) {
		memcpy(a->serial_out, s->serial, len);
		*a->serial_seconds = s->serial_s;
	}
	HX_CHECK_PT(pthread_barrier_destroy(&s->woken));
	px_team_free(s, bytes);
}
