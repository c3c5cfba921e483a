/* errors.h: exercise 7, when a worker fails (catalogue section 7).
 *
 * The seed (Q6): `if x == 5: raise ValueError("Bad value")` in a pool of workers, and
 * why it matters: crashes, leaked locks, lost errors, deadlocks. Here tasks 0..N-1
 * (task i returns i*i after a short wait), task 5 fails, and the variants show the
 * ways a failure travels back to the parent:
 *   return     as the worker's return value: a future, pthread_join, an exit status
 *   callback   through an error callback (Pool.apply_async(error_callback=...))
 *   crash      the worker dies by SIGSEGV: a process is contained, a thread takes its
 *              whole process down (shown inside a forked sandbox)
 *   lockdeath  the worker dies holding a robust mutex; the next locker gets EOWNERDEAD,
 *              repairs what it protects and goes on
 * --on-error continue keeps every other result; cancel stops the rest promptly. */
#ifndef ERRORS_H
#define ERRORS_H

#include <pthread.h>
#include <stddef.h>

enum errors_variant { ERR_RETURN, ERR_CALLBACK, ERR_CRASH, ERR_LOCKDEATH };
enum errors_mode { ERR_CONTINUE, ERR_CANCEL };

#define ERRORS_BAD_TASK 5
#define ERRORS_REASON "bad value"
#define ERRORS_LOCK_REASON "died holding the lock"
#define ERRORS_TASK_NS 500000ULL /* each task waits this long: cancel has work to stop */

/* Why a backend lacks a variant (its errors_na): the notes. */
#define ERRORS_NA_MPI_CRASH                                                               \
	"a rank is a process, but not a contained one: when one dies by a signal "        \
	"mpirun ends every rank of the job (as MPI_Abort does on purpose); "              \
	"see procs for a crash the parent survives"
#define ERRORS_NA_MPI_LOCKDEATH                                                           \
	"ranks share no mutex that could be left held: an RMA lock "                      \
	"(MPI_Win_lock) dies with its job, and a dead rank ends the job"
#define ERRORS_NA_OPENMP_LOCKDEATH                                                        \
	"an OpenMP thread cannot die alone (leaving a parallel region early, as "         \
	"pthread_exit would, is undefined) and omp locks are not robust: the "            \
	"owner's death is the whole process's (see --variant crash)"

enum errors_state { TASK_PENDING, TASK_DONE, TASK_FAILED, TASK_CANCELLED };

struct errors_task {
	int state;
	long value;
	char reason[80];
};

struct errors_args {
	enum errors_variant variant;
	enum errors_mode mode;
	int workers;
	int ntasks;
};

/* What a run left behind; filled by the backend, judged by errors_validate. */
struct errors_result {
	struct errors_task *task; /* ntasks slots, owned by the caller */
	int reported;      /* errors that reached the parent (none lost, none doubled) */
	int whole_process; /* a thread crash: the sandbox process died as a whole */
	int sandbox_signal;
	int done_before_crash;
	int lock_free;     /* the lock is free at the end (checked by the parent) */
	int owner_dead;    /* EOWNERDEAD seen */
	int recovered;     /* ...and made consistent */
	long log_n, log_sum; /* the state the lock protects: one entry per DONE task */
	int children_left; /* unreaped children at the end */
	int stray_death;   /* a worker died by this signal outside any task (0: none) */
	char how[120];     /* how the error travelled, for the note */
};

/* Task i: i*i after ERRORS_TASK_NS; task 5 fails. Returns 0 with *value, or -1 with
 * *reason = ERRORS_REASON. Compiled once for every backend. */
int errors_task(int i, long *value, const char **reason);
/* The crash variant's death in task ERRORS_BAD_TASK: SIGSEGV, with its default action
 * (the process ends), raised by the calling thread. */
_Noreturn void errors_crash(void);
/* What the failed task's reason must say for this variant (a substring). */
const char *errors_expected_reason(const struct errors_args *a);
/* HX_PASS, HX_UNSAFE (a thread crash shown taking its process down, as designed) or
 * HX_FAIL with why. */
int errors_validate(const struct errors_args *a, const struct errors_result *r, char *why,
		    size_t len);

/* In --on-error cancel mode, whether some task must have been cancelled: see the rule
 * in errors.c. */
int errors_must_cancel(const struct errors_args *a);

/* A thread's crash ends its whole process, so the threads backends run the pool in a
 * sandbox: fn(arg) in a fork()ed child (hx_fork), the parent waits for it (waitpid,
 * retried on EINTR). Died by SIGSEGV (the crash): r->whole_process = 1,
 * r->sandbox_signal. Killed by another signal (from outside) or exited non-zero: a
 * fault (hx_child_fault: exit 3, file:line). Either way the DONE slots of
 * `task` (which must lie in MAP_SHARED memory, so the child's writes show) are counted
 * into r->done_before_crash. */
void errors_sandbox(void (*fn)(void *), void *arg, const struct errors_task *task, int ntasks,
		    struct errors_result *r);

/* What the parent learned, from arrays by task that a backend gathered (MPI's rank 0):
 * each task's state and value, the failed task's reason (failed < 0: none), the errors
 * reported. With no lock shared the log is the done tasks, and the lock is free. */
void errors_gathered(struct errors_result *r, int n, const long *state, const long *value,
		     int failed, const char *reason, int reported);

/* ---- the pool both POSIX backends drive (posix/errors_pthreads.c, errors_procs.c) ------
 * Worker w runs tasks w, w+W, ...; the parent is the monitor. What threads and processes
 * do the same lives here: the log a robust mutex guards, one task of a worker, and the
 * monitor's reading of a worker that ended. The backend puts the pool in memory a
 * child sees too (px_shared_alloc: MAP_SHARED), zeroed, errors_pool_size() bytes. */
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

size_t errors_pool_size(const struct errors_args *a);
/* a, the slots, the robust lock (process-shared when pshared) */
void errors_pool_init(struct errors_pool *p, const struct errors_args *a, int pshared);
int errors_pool_cancelled(struct errors_pool *p);

/* Task t of worker w. ERRORS_STEP_CANCELLED: the flag is up, t and w's later tasks are
 * marked cancelled, the worker must stop. Else slot w's cur is t, and: DONE, it is
 * entered in the log; RETURN (return variant), it failed: its reason is in its slot,
 * the worker must stop, t its result; CALLBACK, it failed: (t, *reason) must reach
 * errors_pool_report; DIE (lockdeath, task ERRORS_BAD_TASK), the lock is held and the
 * log half updated: the worker must die now. Crash dies here, by SIGSEGV. */
enum errors_step { ERRORS_STEP_DONE, ERRORS_STEP_RETURN, ERRORS_STEP_CALLBACK,
		   ERRORS_STEP_CANCELLED, ERRORS_STEP_DIE };
enum errors_step errors_pool_step(struct errors_pool *p, int w, int t, const char **reason);

/* The error callback (Python's error_callback): task t failed with reason; it is
 * reported, and with --on-error cancel the flag goes up. Run it under one lock. */
void errors_pool_report(struct errors_pool *p, int t, const char *reason);

/* A worker process's "my task failed" (return variant): its exit status. */
#define ERRORS_EXIT_FAILED 1
/* The wait status of worker w's process, pid: a fault unless it exited 0 or
 * ERRORS_EXIT_FAILED, or died the death its variant causes on purpose in task
 * ERRORS_BAD_TASK (crash: SIGSEGV, lockdeath: SIGKILL). A status of its own is a system
 * failure it reported itself; another signal came from outside. A fault is named
 * ("worker 2 (pid 1234) was killed by signal 9 (Killed)"), the other workers are
 * killed and reaped, and the program ends with exit 3 (hx_child_fault). */
void errors_pool_check_exit(const struct errors_pool *p, int w, int pid, int status);

/* The monitor: worker w ended, died = its signal, -1 a thread's pthread_exit, 0 it
 * returned (slot.failed: the task it failed on). Names the failed task, raises the
 * flag on cancel; returns 1 when a replacement must run the rest of w's tasks (from
 * slot.first), else 0 (none left, or they are marked cancelled). */
int errors_pool_ended(struct errors_pool *p, int w, int died);

/* Fills r from the pool after the run: tasks, tallies, how the error travelled (procs:
 * 0 threads, 1 processes); whether the lock is free (the parent takes it once more,
 * repairing it if its owner died) unless a sandbox died with it; unreaped children.
 * Then destroys the lock. */
void errors_pool_collect(struct errors_pool *p, struct errors_result *r, int procs);

/* The parallel part, one per backend: errors_na says why a variant does not apply
 * (NULL: it does); errors_run fills r and the seconds of the run. */
const char *errors_na(const struct errors_args *a);
void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds);

#endif
