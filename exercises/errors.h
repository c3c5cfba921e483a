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
 *   exit       the worker meets "bad value" and does not handle it: it calls exit()
 *              with ERRORS_EXIT_STATUS, C's uncaught exception. A process ends alone
 *              (the parent reads the status by waitpid); a thread ends its whole
 *              process, every other thread with it (shown in the sandbox, as crash)
 *   lockdeath  the worker dies holding a robust mutex; the next locker gets EOWNERDEAD,
 *              repairs what it protects and goes on
 * --on-error continue keeps every other result; cancel stops the rest promptly. */
#ifndef ERRORS_H
#define ERRORS_H

#include <stddef.h>

enum errors_variant { ERR_RETURN, ERR_CALLBACK, ERR_CRASH, ERR_LOCKDEATH, ERR_EXIT };
enum errors_mode { ERR_CONTINUE, ERR_CANCEL };

#define ERRORS_BAD_TASK 5
#define ERRORS_REASON "bad value"
#define ERRORS_LOCK_REASON "died holding the lock"
/* The exit variant's status: distinct from the suite's exit codes (1 invalid, 2 usage,
 * 3 a system failure a worker reports itself: HX_EXIT_SYSTEM), so it cannot be taken
 * for one of them, nor they for it. */
#define ERRORS_EXIT_STATUS 7
#define ERRORS_TASK_NS 500000ULL /* each task waits this long: cancel has work to stop */

/* Why a backend lacks a variant (its errors_na): the notes. */
#define ERRORS_NA_MPI_CRASH                                                               \
	"a rank is a process, but not a contained one: when one dies by a signal "        \
	"mpirun ends every rank of the job (as MPI_Abort does on purpose); "              \
	"see procs for a crash the parent survives"
#define ERRORS_NA_MPI_EXIT                                                                \
	"a rank that calls exit() without MPI_Finalize makes mpirun end every rank of "   \
	"the job; see procs for an exit the parent survives"
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
	int whole_process; /* a thread crash or exit: the sandbox process ended as a whole */
	int sandbox_signal; /* ...by this signal (crash), */
	int sandbox_status; /* ...or with this exit status (exit) */
	int done_before_crash; /* the results done when it ended, lost with it */
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
/* The exit variant's end of a worker that met its error in task ERRORS_BAD_TASK and does
 * not handle it: exit(ERRORS_EXIT_STATUS), which ends the calling process, every thread
 * of it. */
_Noreturn void errors_exit(void);
/* Whether a's worker ends its whole process on purpose (crash, exit): the threads
 * backends run such a pool in errors_sandbox. */
int errors_ends_process(const struct errors_args *a);
/* What the failed task's reason must say for this variant (a substring). */
const char *errors_expected_reason(const struct errors_args *a);
/* HX_PASS, HX_UNSAFE (a thread's crash or exit shown taking its process down, as
 * designed: the end the variant causes, task ERRORS_BAD_TASK not done, every result done
 * before it right) or HX_FAIL with why. */
int errors_validate(const struct errors_args *a, const struct errors_result *r, char *why,
		    size_t len);

/* In --on-error cancel mode, whether some task must have been cancelled: see the rule
 * in errors.c. */
int errors_must_cancel(const struct errors_args *a);

/* A thread's crash or exit() ends its whole process, so the threads backends run the
 * pool in a sandbox: fn(arg) in a fork()ed child (hx_fork), the parent waits for it
 * (waitpid, retried on EINTR). Died by SIGSEGV (the crash): r->whole_process = 1,
 * r->sandbox_signal; exited with ERRORS_EXIT_STATUS (the exit): r->whole_process = 1,
 * r->sandbox_status (errors_validate checks the end is the variant's). Killed by
 * another signal (from outside) or exited with another non-zero status: a fault
 * (hx_child_fault: exit 3, file:line). Either way the DONE slots of
 * `task` (which must lie in MAP_SHARED memory, so the child's writes show) are counted
 * into r->done_before_crash. */
void errors_sandbox(void (*fn)(void *), void *arg, const struct errors_task *task, int ntasks,
		    struct errors_result *r);

/* What the parent learned, from arrays by task that a backend gathered (MPI's rank 0):
 * each task's state and value, the failed task's reason (failed < 0: none), the errors
 * reported. With no lock shared the log is the done tasks, and the lock is free. */
void errors_gathered(struct errors_result *r, int n, const long *state, const long *value,
		     int failed, const char *reason, int reported);

/* The parallel part, one per backend: errors_na says why a variant does not apply
 * (NULL: it does); errors_run fills r and the seconds of the run. */
const char *errors_na(const struct errors_args *a);
void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds);

#endif
