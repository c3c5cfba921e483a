/* spawn.c: the workers of spawn.h, one at a time. Compiled twice like every posix/
 * file: PX_PROCS picks threads or processes. The deadline of px_wait_count is read on
 * hx_deadline's clock, CLOCK_MONOTONIC (harness/clock.c): the clock every condition
 * variable of px_cond_init (posix/team.c) waits on, immune to the date being set. */
#include "spawn.h"

#include "hx.h"

#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* a thread's start routine: its first and last instructions are stamped */
static void *stamped(void *p)
{
	struct px_worker *w = p;
	void *r;
	px_life_stamp(&w->life->running);
	r = w->fn(w->arg);
	px_life_stamp(&w->life->ended);
	return r;
}

void px_worker_start(struct px_worker *w, void *(*fn)(void *), void *arg, int k)
{
	w->fn = fn;
	w->arg = arg;
	if (w->life != NULL)
		px_life_stamp(&w->life->created);
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_create(&w->tid, NULL, w->life != NULL ? stamped : fn,
					   w->life != NULL ? (void *)w : arg));
		return;
	}
	w->pid = hx_fork();
	if (w->pid == 0) {
		if (w->life != NULL)
			px_life_stamp(&w->life->running);
		fn(arg);
		if (w->life != NULL)
			px_life_stamp(&w->life->ended);
		_exit(0);
	}
	hx_child_name((int)w->pid, k);
}

void px_worker_end(struct px_worker *w, struct px_lifesum *sum)
{
	int st;
	if (w->life != NULL)
		px_life_stamp(&w->life->waited);
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_join(w->tid, NULL));
	} else {
		while (waitpid(w->pid, &st, 0) < 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
		/* killed, or failed: named with its pid, the others killed and reaped, exit 3 */
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			hx_child_fault(__FILE__, __LINE__, NULL, (int)w->pid, st);
	}
	if (w->life != NULL) {
		px_life_stamp(&w->life->reaped);
		if (sum != NULL)
			px_life_add(sum, w->life);
	}
}


/* processes: none of w[0..n-1] may have ended while the parent waits for it */
static void none_died(const struct px_worker *w, int n)
{
	for (int k = 0; k < n; k++) {
		int st;
		pid_t r = waitpid(w[k].pid, &st, WNOHANG);
		if (r == w[k].pid && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
			hx_child_fault(__FILE__, __LINE__, NULL, (int)r, st);
		if (r == w[k].pid)
			hx_die(__FILE__, __LINE__, "pool worker process",
			       "ended before the pool was torn down");
		if (r < 0)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	}
}

void px_wait_count(pthread_cond_t *c, pthread_mutex_t *m, const int *count, int want,
		   const struct px_worker *w, int n)
{
	HX_CHECK_PT(pthread_mutex_lock(m));
	while (*count < want) {
		uint64_t d;
		struct timespec ts;
		int rc;
		if (!PX_PROCS) {
			HX_CHECK_PT(pthread_cond_wait(c, m));
			continue;
		}
		d = hx_deadline(50 * 1000000u); /* 50 ms from now */
		ts = (struct timespec){ (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
		rc = pthread_cond_timedwait(c, m, &ts);
		if (rc == ETIMEDOUT)
			none_died(w, n);
		else if (rc != 0)
			hx_die_errno(__FILE__, __LINE__, "pthread_cond_timedwait", rc);
	}
	HX_CHECK_PT(pthread_mutex_unlock(m));
}
