/* sumsquares.c: `sumsquares` on POSIX threads (build/pthreads/sumsquares) and fork()ed
 * processes (build/procs/sumsquares, compiled with PX_PROCS=1).
 *
 * There is no loop scheduler: each schedule is written out. static and cyclic need no
 * sharing at all (worker w computes its indices from w and W). dynamic and guided share
 * one counter, the next index nobody has taken: a worker takes a grab with one atomic
 * fetch-and-add (dynamic) or a compare-and-swap loop (guided, whose grab depends on
 * what is left). For processes the counter and the result array must lie in a
 * MAP_SHARED mapping (px_team_alloc), or each child would fill its own copy; the
 * result is copied out after the timed region.
 * Run: build/procs/sumsquares -n 60000 --variant serial,cyclic -w 1,2 */
#include "sumsquares.h"
#include "team.h"

#include "hx.h"

#include <string.h>

struct shared {
	struct ss_args a;
	long next;      /* dynamic, guided: the first index nobody has taken yet */
	uint64_t *out;  /* n elements, in the same team mapping */
};

const char *ss_na(enum ss_variant v)
{
	(void)v; /* every schedule is written out below */
	return NULL;
}

static void worker(int w, void *arg)
{
	struct shared *s = arg;
	const long n = s->a.n, chunk = s->a.chunk;
	const int W = s->a.workers;

	switch (s->a.variant) {
	case SS_STATIC: { /* blocks of n/W, the first n%W blocks one longer */
		long q = n / W, r = n % W;
		long lo = w * q + (w < r ? w : r), hi = lo + q + (w < r ? 1 : 0);
		ss_map(s->out, lo, hi);
		break;
	}
	case SS_CYCLIC:
		for (long i = w; i < n; i += W)
			s->out[i] = ss_sum_square((uint64_t)i);
		break;
	case SS_DYNAMIC:
		for (;;) {
			long lo = __atomic_fetch_add(&s->next, chunk, __ATOMIC_RELAXED);
			if (lo >= n)
				break;
			ss_map(s->out, lo, lo + chunk < n ? lo + chunk : n);
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
			ss_map(s->out, lo, lo + take < n ? lo + take : n);
		}
		break;
	case SS_SERIAL: /* run by the exercise itself */
		break;
	}
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	size_t bytes = sizeof(struct shared) + (size_t)a->n * sizeof(uint64_t);
	struct shared *s = px_team_alloc(bytes);

	s->a = *a;
	s->next = 0;
	s->out = (uint64_t *)(s + 1);
	*seconds = px_team_run(a->workers, worker, s);
	/* px_team_run has reaped (joined) every worker: their writes are visible */
	memcpy(out, s->out, (size_t)a->n * sizeof(uint64_t));
	px_team_free(s, bytes);
}
