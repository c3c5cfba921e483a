/* errors_procs.c: `errors` on fork()ed processes: W children, the parent their monitor;
 * the task loop's bookkeeping and the monitor's verdicts are errors_pool_*
 * (exercises/errors.c, shared with errors_pthreads.c). What processes do their own way:
 *   return     exit status 1; the failed task's reason lies in its shared slot
 *   callback   the child writes the error into a pipe, the parent calls the callback
 *   crash      the child dies by SIGSEGV: the parent sees WIFSIGNALED and lives on
 *   lockdeath  the child dies by SIGKILL holding the robust, process-shared lock
 *   exit       the child does not handle its error: exit(ERRORS_EXIT_STATUS) ends it
 *              alone; the parent sees WIFEXITED with that status (any other is a fault)
 *              and names the task with it
 * Any other death is a fault (errors_pool_check_exit): named, the others reaped, exit 3.
 * Run: build/procs/errors --variant crash -w 2 --on-error continue */
#include "errors_pool.h"
#include "hx.h"
#include "team.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* an error on its way to the callback: one write() under PIPE_BUF, so it arrives whole */
struct msg {
	int t;
	char reason[80];
};

struct team {
	struct errors_pool *p;     /* MAP_SHARED: what a child writes there, the parent sees */
	int errfd[2];              /* callback: children -> parent */
	pid_t pid[HX_MAX_WORKERS]; /* the parent's own: which child is which worker */
};

/* Runs worker w's tasks in its child; returns the failed task (return variant), or -1. */
static int work(struct team *tm, int w)
{
	struct errors_pool *p = tm->p;
	for (int t = p->slot[w].first; t < p->a.ntasks; t += p->a.workers) {
		const char *reason;
		enum errors_step st = errors_pool_step(p, w, t, &reason);

		if (st == ERRORS_STEP_DIE) /* lockdeath: with the lock held */
			raise(SIGKILL);
		if (st == ERRORS_STEP_RETURN)
			return t;
		if (st == ERRORS_STEP_CANCELLED)
			return -1;
		if (st == ERRORS_STEP_CALLBACK) {
			/* the callback runs in the parent: send it the error; on cancel, wait
			 * (bounded: else the validator sees nothing cancelled) for its flag */
			struct msg m = { .t = t };
			uint64_t until = hx_deadline(10000000000u);
			snprintf(m.reason, sizeof m.reason, "%s", reason);
			HX_CHECK_SYS(write(tm->errfd[1], &m, sizeof m));
			while (p->a.mode == ERR_CANCEL && !errors_pool_cancelled(p) &&
			       !hx_expired(until))
				hx_sleep_ns(20000);
		}
	}
	p->slot[w].cur = -1;
	return -1;
}

static void start(struct team *tm, int w)
{
	pid_t pid = hx_fork();
	if (pid == 0) { /* the child: its tasks, then the failed one (or -1) as its status */
		tm->p->slot[w].failed = work(tm, w);
		_exit(tm->p->slot[w].failed >= 0 ? ERRORS_EXIT_FAILED : 0);
	}
	tm->pid[w] = pid;
	hx_child_name((int)pid, w);
}

/* the parent calls the callback for every error a child sent */
static void drain_errors(struct team *tm)
{
	struct msg m;
	ssize_t n;
	while ((n = read(tm->errfd[0], &m, sizeof m)) == (ssize_t)sizeof m)
		if (m.t >= 0 && m.t < tm->p->a.ntasks)
			errors_pool_report(tm->p, m.t, m.reason);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		hx_die_errno(__FILE__, __LINE__, "read", errno);
}

/* The monitor, and the timed region: start W children; as each ends (waitpid), learn
 * how and start a replacement when errors_pool_ended says so. While it waits it takes
 * in the errors sent to the callback, so cancel is prompt. */
static void pool(void *arg)
{
	struct team *tm = arg;
	int W = tm->p->a.workers, live = W;
	struct pollfd pf = { tm->errfd[0], POLLIN, 0 }; /* callback: the errors' pipe */

	for (int w = 0; w < W; w++)
		start(tm, w);
	while (live > 0) {
		int st, w = 0;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
		while (pid > 0 && w < W && tm->pid[w] != pid)
			w++;
		if (pid > 0 && w < W) { /* worker w's child ended: how? */
			tm->pid[w] = 0;
			live--;
			errors_pool_check_exit(tm->p, w, (int)pid, st); /* a fault: exit 3 */
			/* a status other than 0 and ERRORS_EXIT_FAILED got here only as the exit
			 * variant's ERRORS_EXIT_STATUS in task 5 (errors_pool_check_exit) */
			if (errors_pool_ended(tm->p, w, WIFSIGNALED(st) ? WTERMSIG(st) : 0,
					      WIFEXITED(st) && WEXITSTATUS(st) != ERRORS_EXIT_FAILED
						      ? WEXITSTATUS(st) : 0)) {
				start(tm, w);
				live++;
			}
		} else if (pid <= 0 && tm->p->a.variant != ERR_CALLBACK) {
			hx_sleep_ns(100000);
		} else if (pid <= 0 && poll(&pf, 1, 1) > 0) {
			drain_errors(tm);
		}
	}
	if (tm->p->a.variant == ERR_CALLBACK)
		drain_errors(tm);
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	struct team *tm = hx_calloc(1, sizeof *tm);

	tm->p = errors_pool_open(a);
	if (a->variant == ERR_CALLBACK) {
		HX_CHECK_SYS(pipe(tm->errfd));
		HX_CHECK_SYS(fcntl(tm->errfd[0], F_SETFL, O_NONBLOCK));
	}
	/* this process is the monitor: it times the pool it drives; the setup is not timed */
	*seconds = hx_time(pool, tm);
	errors_pool_collect(tm->p, r, PX_PROCS);
	if (a->variant == ERR_CALLBACK) {
		HX_CHECK_SYS(close(tm->errfd[0]));
		HX_CHECK_SYS(close(tm->errfd[1]));
	}
	errors_pool_close(tm->p);
	free(tm);
}
