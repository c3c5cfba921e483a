/* team.h: start W workers as POSIX threads or as fork()ed processes, time the region
 * they work in, and wait for all of them. The exercises in posix/ use it so that
 * their files hold only the parallel part: what each worker does and how they share.
 * The clock is read here (team.c) and nowhere else in posix/.
 *
 * Timing is the same for both: every worker is ready before any is let go; each
 * stamps the start and end of its work, and the timed region runs from the first
 * start to the last end. Creating and reaping the workers is outside it (see
 * px_team_run_times for a figure that has them, and hx_time or px_drive_phases for a
 * region that a thread times while it drives workers of its own). */
#ifndef PX_TEAM_H
#define PX_TEAM_H

#include <pthread.h>
#include <stddef.h>

typedef void (*px_work_fn)(int worker, void *arg);

/* fn(w, arg) for w = 0..workers-1 on new threads; returns the timed seconds. */
double px_threads_run(int workers, px_work_fn fn, void *arg);

/* fn(w, arg) for w = 0..workers-1 in fork()ed children; returns the timed seconds.
 * The children share only what lies in px_shared_alloc() memory. A child that exits
 * non-zero or dies by a signal is reported (file:line, "worker 2 (pid 1234) was killed
 * by signal 9 (Killed)"), the others are killed and reaped, and the program ends with
 * HX_EXIT_SYSTEM; a child that stops making progress (SIGSTOP, a deadlock) is named
 * by the watchdog (--watchdog SEC), with the same end: never a hang. */
double px_procs_run(int workers, px_work_fn fn, void *arg);

/* Zeroed memory that fork()ed children share with their parent (MAP_SHARED |
 * MAP_ANONYMOUS: it has no name, so nothing is left behind in /dev/shm). */
void *px_shared_alloc(size_t len);
void px_shared_free(void *p, size_t len);

/* Initialise a mutex / condition variable / barrier; `pshared` makes it usable across
 * processes (it must then lie in shared memory). A condition variable's timed wait is
 * on CLOCK_MONOTONIC, the clock of hx_deadline. px_mutex_init_type: a mutex of that
 * type (PTHREAD_MUTEX_RECURSIVE, ...). Checked. */
void px_mutex_init(pthread_mutex_t *m, int pshared);
void px_mutex_init_type(pthread_mutex_t *m, int pshared, int type);
void px_cond_init(pthread_cond_t *c, int pshared);
void px_barrier_init(pthread_barrier_t *b, unsigned count, int pshared);

/* ---- one source, two backends ------------------------------------------------------
 * posix/<exercise>.c is compiled twice: into build/pthreads (workers are threads) and
 * into build/procs with -DPX_PROCS=1 (workers are processes). An exercise whose two
 * versions differ in more than this has posix/<exercise>_pthreads.c and _procs.c. */
#ifndef PX_PROCS
#define PX_PROCS 0
#endif
/* Threads share the parent's memory as it is; processes share only what lies in a
 * MAP_SHARED mapping, and their mutexes must be PTHREAD_PROCESS_SHARED. */
#define PX_PSHARED PX_PROCS
#if PX_PROCS
#define px_team_run px_procs_run
#else
#define px_team_run px_threads_run
#endif
/* Memory for the team's shared state: heap for threads, a shared mapping for processes. */
void *px_team_alloc(size_t len);
void px_team_free(void *p, size_t len);

/* ---- creation and teardown, stamped where they happen -----------------------------
 * One method for every worker posix/ starts (px_team_run here, one at a time in
 * spawn.h): five stamps on CLOCK_MONOTONIC (hx_now: one clock for every process of the
 * machine), kept in memory the worker shares with its parent (px_team_alloc):
 *   created  the parent, just before pthread_create / fork
 *   running  the worker, its first instruction (a thread's start routine, the child's
 *            return from fork)
 *   ended    the worker, its last (after its work, before it returns / _exits)
 *   waited   the parent, the moment it was free to wait for this worker (pthread_join or
 *            the reaping began, or it had just reaped the one before)
 *   reaped   the parent, pthread_join / waitpid returned for it
 * creation = running - created: the create call, and the wait for a core to run on;
 * teardown = reaped - max(ended, waited): the exit, and the parent's wake-up and join
 * or waitpid (its own delay, busy with another worker, is not this worker's). */
struct px_life {
	double created, running, ended, waited, reaped;
};
void px_life_stamp(double *at); /* *at = now, seconds */
/* Sums over workers of creation and teardown (seconds) and how many were added. */
struct px_lifesum {
	double creation, teardown;
	long n;
};
void px_life_add(struct px_lifesum *sum, const struct px_life *l);

/* ---- what a timing needs beyond px_team_run ---------------------------------------- */
struct px_times {
	double work;  /* first start to last end: what px_team_run returns */
	double outer; /* from before the first worker is created to after the last one is
		       * joined or reaped: work, plus starting and ending the team, plus the
		       * release of the workers in between */
	double start; /* the first `created` to the last `running`: creating the team */
	double end;   /* the last `ended` to the last `reaped`: ending it */
	double creation, teardown; /* per worker: the means over the team (px_life) */
};
/* px_threads_run / px_procs_run, also timed from outside, with each worker's px_life.
 * Fills *times; returns times->work. px_team_run_times: the one of this backend. */
double px_threads_run_times(int workers, px_work_fn fn, void *arg, struct px_times *times);
double px_procs_run_times(int workers, px_work_fn fn, void *arg, struct px_times *times);
#if PX_PROCS
#define px_team_run_times px_procs_run_times
#else
#define px_team_run_times px_threads_run_times
#endif

/* Called by a worker inside fn: its start is stamped again, now. For a region that
 * begins after a prologue each worker runs untimed (sync's round 0, after which the
 * workers meet at a barrier of their own): px_team_run then returns the earliest of
 * these starts to the last end. Outside a team worker it ends the program (exit 3). */
void px_team_mark_start(void);

/* A region the calling thread drives: a pool it hands tasks to and collects from
 * (factorial), a monitor that starts, reaps and replaces workers (errors): hx_time
 * (harness/hx.h) times it on the calling thread. The start, work and end of a pool as
 * phases of their own (squares): px_drive_phases runs step[0..n-1](arg) one after the
 * other and fills t[i] with the seconds of step i: one stamp between two steps, the
 * end of one the start of the next. */
typedef void (*px_drive_fn)(void *arg);
void px_drive_phases(int n, const px_drive_fn *step, void *arg, double *t);

#endif
