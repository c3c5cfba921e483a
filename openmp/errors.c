/* errors.c: `errors` on OpenMP threads. The tasks are the iterations of one
 * `omp for` (schedule(static,1): thread w runs w, w+W, ...); each iteration's slot is
 * its future. A failure raises a shared error flag. With --on-error cancel each thread
 * checks it before a task, and the failing thread also requests `omp cancel for`: the
 * others stop at their next `omp cancellation point` (when OMP_CANCELLATION=true).
 *   return     the failure stays in its task's slot, read by the parent after the region
 *   callback   the failing thread calls the error callback (in a critical section)
 *   crash      an OpenMP thread's crash ends the whole process: shown in a forked
 *              sandbox (errors_sandbox), lockdeath is not applicable (see errors_na)
 *   exit       the failing thread calls exit() on its error: the whole process ends,
 *              every thread of the team with it; shown in the sandbox as crash
 * Run: OMP_CANCELLATION=true build/openmp/errors --variant return --on-error cancel -w 2 */
#include "errors.h"
#include "hx.h"
#include "team.h"

#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct job {
	const struct errors_args *a;
	struct errors_result *r; /* the sandbox's report */
	struct errors_task *task;
	int flag;        /* the error flag */
	int reported;
	omp_lock_t lock; /* guards the log */
	long log_n, log_sum;
};

/* the tasks are the iterations of an orphaned `omp for`: shared among the team */
static void body(int tid, void *arg)
{
	struct job *j = arg;
	const struct errors_args *a = j->a;

	(void)tid;
#pragma omp for schedule(static, 1)
	for (int t = 0; t < a->ntasks; t++) {
		const char *reason;
		long v;

		if (a->mode == ERR_CANCEL) {
#pragma omp cancellation point for
			if (__atomic_load_n(&j->flag, __ATOMIC_SEQ_CST)) {
				j->task[t].state = TASK_CANCELLED;
				continue;
			}
		}
		if (t == ERRORS_BAD_TASK && a->variant == ERR_CRASH)
			errors_crash(); /* SIGSEGV: this thread's, and so its process's, death */
		if (errors_task(t, &v, &reason) < 0) {
			if (a->variant == ERR_EXIT) /* not handled: the thread gives up */
				errors_exit();
			snprintf(j->task[t].reason, sizeof j->task[t].reason, "%s", reason);
			j->task[t].state = TASK_FAILED; /* return: the future holds the error */
			if (a->variant == ERR_CALLBACK) {
#pragma omp critical(errors_callback)
				j->reported++; /* the callback, one thread at a time */
			}
			__atomic_store_n(&j->flag, 1, __ATOMIC_SEQ_CST);
#pragma omp cancel for if (a->mode == ERR_CANCEL)
			continue;
		}
		j->task[t].value = v;
		/* after its value: a sandbox ending at any moment leaves no DONE without it */
		__atomic_store_n(&j->task[t].state, TASK_DONE, __ATOMIC_RELEASE);
		omp_set_lock(&j->lock);
		j->log_n++;
		j->log_sum += v;
		omp_unset_lock(&j->lock);
	}
}

/* the sandbox's region runs on a new thread: OpenMP's pool of the parent process does
 * not exist in a fork()ed child, a fresh thread builds its own */
static void *sandbox_main(void *p)
{
	/* a new thread starts from the runtime's defaults: dynamic adjustment off, as the
	 * harness sets it for the initial thread (see harness/backend_local.c) */
	omp_set_dynamic(0);
	om_team_run(((struct job *)p)->a->workers, body, p, NULL);
	return NULL;
}

/* exit variant, in the sandbox: the harness's exit guard (harness/backend_local.c)
 * takes an exit() it did not make for the OpenMP runtime's own failure and turns it
 * into exit 3; registered after it, this handler runs first and ends the sandbox with
 * the status the thread gave exit(), which errors_sandbox reads */
static void exit_as_given(int status, void *arg)
{
	(void)arg;
	hx_exit_now(status);
}

/* in the sandbox (errors_sandbox's child) */
static void sandbox_run(void *p)
{
	pthread_t tid;
	if (on_exit(exit_as_given, NULL) != 0)
		hx_die(__FILE__, __LINE__, "on_exit", "cannot register the sandbox's exit handler");
	HX_CHECK_PT(pthread_create(&tid, NULL, sandbox_main, p));
	HX_CHECK_PT(pthread_join(tid, NULL));
}

/* the timed run (hx_time): the tasks' region, or the sandbox around it (its fork and
 * wait); each thread runs its share: W workers must be W threads (om_team_run checks) */
static void run(void *p)
{
	struct job *j = p;
	if (errors_ends_process(j->a))
		errors_sandbox(sandbox_run, j, j->task, j->a->ntasks, j->r);
	else
		om_team_run(j->a->workers, body, j, NULL);
}

const char *errors_na(const struct errors_args *a)
{
	if (a->variant == ERR_LOCKDEATH) /* a thread cannot die alone; no robust omp lock */
		return ERRORS_NA_OPENMP_LOCKDEATH;
	return NULL;
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	size_t len = (size_t)a->ntasks * sizeof(struct errors_task);
	struct job j = { .a = a, .r = r };

	/* shared with a sandbox, so what it finished before dying can be counted */
	j.task = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.task == MAP_FAILED)
		hx_die_errno(__FILE__, __LINE__, "mmap", errno);
	omp_init_lock(&j.lock);
	*seconds = hx_time(run, &j); /* the mapping above is not timed */

	/* the parent collects the futures: each failure found is one reported error;
	 * tasks cancelled by `omp cancel` never ran */
	for (int i = 0; i < a->ntasks; i++) {
		if (a->variant == ERR_RETURN && j.task[i].state == TASK_FAILED)
			j.reported++;
		if (a->mode == ERR_CANCEL && j.flag && j.task[i].state == TASK_PENDING)
			j.task[i].state = TASK_CANCELLED;
	}
	memcpy(r->task, j.task, len);
	r->reported = j.reported;
	r->log_n = j.log_n;
	r->log_sum = j.log_sum;
	r->lock_free = omp_test_lock(&j.lock);
	if (r->lock_free)
		omp_unset_lock(&j.lock);
	omp_destroy_lock(&j.lock);
	snprintf(r->how, sizeof r->how, "%s%s",
		 a->variant == ERR_RETURN ? "the task's slot (a future)"
		 : a->variant == ERR_CALLBACK ? "a callback in the thread"
		 : "a forked sandbox", /* crash, exit */
		 a->mode != ERR_CANCEL ? ""
		 : omp_get_cancellation() ? ", omp cancel for"
		 : ", the error flag (omp cancel off: set OMP_CANCELLATION=true)");
	HX_CHECK_SYS(munmap(j.task, len));
}
