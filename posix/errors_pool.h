/* errors_pool.h: the pool both POSIX backends of `errors` drive (posix/errors_pthreads.c,
 * errors_procs.c; the code in posix/errors_pool.c).
 * Worker w runs tasks w, w+W, ...; the parent is the monitor. What threads and processes
 * do the same lives here: the log a robust mutex guards, one task of a worker, and the
 * monitor's reading of a worker that ended. The pool lives in memory a child sees
 * too (px_shared_alloc: MAP_SHARED), zeroed. */
#ifndef PX_ERRORS_POOL_H
#define PX_ERRORS_POOL_H

#include "errors.h"

#include <pthread.h>

struct errors_slot {
	int first;  /* where this worker (or its replacement) starts */
	int cur;    /* the task it is on, -1 when none */
	int failed; /* return: the task it failed on, -1 none */
};

struct errors_pool {
	struct errors_args a;
	int cancel;           /* the flag every worker checks before each task */
	int reported;         /* errors that reached the parent */
	pthread_mutex_t lock; /* robust (PTHREAD_MUTEX_ROBUST): guards the log */
	long log_n, log_sum;  /* one entry per finished task */
	int log_dirty;        /* an update is half done... */
	long pending;         /* ...and this is what it added so far */
	int owner_dead, recovered;
	struct errors_slot *slot; /* W of them, after the tasks */
	struct errors_task task[];
};

/* A zeroed pool in shared memory for a: the slots, the robust lock (process-shared in
 * the procs build); errors_pool_close unmaps it. */
struct errors_pool *errors_pool_open(const struct errors_args *a);
void errors_pool_close(struct errors_pool *p);
int errors_pool_cancelled(struct errors_pool *p);

/* Task t of worker w. ERRORS_STEP_CANCELLED: the flag is up, t and w's later tasks are
 * marked cancelled, the worker must stop. Else slot w's cur is t, and: DONE, it is
 * entered in the log; RETURN (return variant), it failed: its reason is in its slot,
 * the worker must stop, t its result; CALLBACK, it failed: (t, *reason) must reach
 * errors_pool_report; DIE (lockdeath, task ERRORS_BAD_TASK), the lock is held and the
 * log half updated: the worker must die now. Crash dies here, by SIGSEGV; exit ends
 * its process here, by exit(ERRORS_EXIT_STATUS) (errors_exit). */
enum errors_step { ERRORS_STEP_DONE, ERRORS_STEP_RETURN, ERRORS_STEP_CALLBACK,
		   ERRORS_STEP_CANCELLED, ERRORS_STEP_DIE };
enum errors_step errors_pool_step(struct errors_pool *p, int w, int t, const char **reason);

/* The error callback (Python's error_callback): task t failed with reason; it is
 * reported, and with --on-error cancel the flag goes up. Run it under one lock. */
void errors_pool_report(struct errors_pool *p, int t, const char *reason);

/* A worker process's "my task failed" (return variant): its exit status. */
#define ERRORS_EXIT_FAILED 1
/* The wait status of worker w's process, pid: a fault unless it exited 0 or
 * ERRORS_EXIT_FAILED, or ended the way its variant ends it on purpose in task
 * ERRORS_BAD_TASK (crash: SIGSEGV, lockdeath: SIGKILL, exit: exit status
 * ERRORS_EXIT_STATUS, and no other). A status of its own is a system
 * failure it reported itself; another signal came from outside. A fault is named
 * ("worker 2 (pid 1234) was killed by signal 9 (Killed)"), the other workers are
 * killed and reaped, and the program ends with exit 3 (hx_child_fault). */
void errors_pool_check_exit(const struct errors_pool *p, int w, int pid, int status);

/* The monitor: worker w ended, died = its signal, -1 a thread's pthread_exit, 0 it
 * returned (slot.failed: the task it failed on) or, status non-zero, its process
 * exited with that status in the middle of a task (exit). Names the failed task,
 * raises the flag on cancel; returns 1 when a replacement must run the rest of w's
 * tasks (from slot.first), else 0 (none left, or they are marked cancelled). */
int errors_pool_ended(struct errors_pool *p, int w, int died, int status);

/* Fills r from the pool after the run: tasks, tallies, how the error travelled (procs:
 * 0 threads, 1 processes); whether the lock is free (the parent takes it once more,
 * repairing it if its owner died) unless a sandbox died with it; unreaped children.
 * Then destroys the lock. */
void errors_pool_collect(struct errors_pool *p, struct errors_result *r, int procs);

#endif
