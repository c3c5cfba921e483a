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

void px_worker_start(union px_worker *w, void *(*fn)(void *), void *arg, int k)
{
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_create(&w->tid, NULL, fn, arg));
		return;
	}
	w->pid = hx_fork();
	if (w->pid == 0) {
		fn(arg);
		_exit(0);
	}
	hx_child_name((int)w->pid, k);
}

void px_worker_end(union px_worker *w)
{
	int st;
	if (!PX_PROCS) {
		HX_CHECK_PT(pthread_join(w->tid, NULL));
		return;
	}
	while (waitpid(w->pid, &st, 0) < 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	/* killed, or failed: named with its pid, the others killed and reaped, exit 3 */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		hx_child_fault(__FILE__, __LINE__, NULL, (int)w->pid, st);
}


/* processes: none of w[0..n-1] may have ended while the parent waits for it */
static void none_died(const union px_worker *w, int n)
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
		   const union px_worker *w, int n)
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
