/* errors.c: `errors` on POSIX threads (build/pthreads/errors) and fork()ed processes
 * (build/procs/errors, compiled with PX_PROCS=1).
 *
 * A pool of W workers; worker w runs tasks w, w+W, w+2W, ... The parent is the
 * monitor: it waits for every worker to end (pthread_join / waitpid), learns how it
 * ended, names the failed task, and in `continue` mode starts a replacement worker for
 * the rest of a dead worker's tasks (what a process pool does); in `cancel` mode it
 * raises a flag every worker checks before each task. Every finished task is entered
 * in a log guarded by a robust mutex (PTHREAD_MUTEX_ROBUST, process-shared for procs),
 * so that a worker dying with the lock held leaves something to repair.
 *   return     threads: the worker's return value via pthread_join; processes: the exit
 *              status (1: a task failed, its reason in the task's shared slot)
 *   callback   threads: the callback runs in the worker; processes: the worker writes
 *              the error into a pipe and the parent calls the callback (as Pool does);
 *              to cancel, the parent raises the flag and the worker waits for it
 *   crash      processes: the child dies by SIGSEGV, the parent sees WIFSIGNALED;
 *              threads: the whole process would die, so the pool runs in a forked
 *              sandbox and the parent reports the sandbox's signal
 *   lockdeath  the worker takes the lock, half-updates the log, and dies (a process by
 *              SIGKILL, a thread by pthread_exit): the next locker (a worker, or the
 *              parent's final check) gets EOWNERDEAD, rolls the half-update back, calls
 *              pthread_mutex_consistent and goes on
 * Only those deaths are the exercise's: a worker process killed from outside (a
 * SIGKILL, a crash outside task 5) is a fault, named with its pid and signal ("worker 2
 * (pid 1234) was killed by signal 9 (Killed)"), the other workers killed and reaped,
 * exit 3. The monitor times the pool it drives (hx_time).
 * Run: build/procs/errors --variant crash -w 2 --on-error continue */
#include "errors.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_TASK_FAILED 1 /* a process worker's "my task failed" */

struct shared;
struct slot {
	struct shared *s;
	int w;
	int first;   /* where this worker (or its replacement) starts */
	int cur;     /* the task it is on, -1 when none */
	int failed;  /* return: the task it failed on, -1 none */
	int ended;   /* threads: pushed onto the exit queue */
	pid_t pid;
	pthread_t tid;
};

struct shared {
	struct errors_args a;
	int cancel;
	int reported;
	int errfd[2];          /* callback on processes: worker -> parent */
	pthread_mutex_t lock;  /* robust: guards the log */
	long log_n, log_sum;
	int log_dirty;         /* an update is half done */
	long pending;          /* ...and this is what it added so far */
	int owner_dead, recovered;
	int stray_death;       /* a worker killed between tasks: by which signal (now a
				* fault, exit 3: stays 0) */
	pthread_mutex_t qm;    /* threads: the monitor's exit queue, and the callback's lock */
	pthread_cond_t qc;
	int nexited, exited[2 * HX_MAX_WORKERS];
	struct slot *slot;
	struct errors_task task[];
};

static int cancelled(struct shared *s)
{
	return __atomic_load_n(&s->cancel, __ATOMIC_SEQ_CST);
}

static void robust_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	HX_CHECK_PT(pthread_mutexattr_init(&a));
	HX_CHECK_PT(pthread_mutexattr_setpshared(&a, PX_PSHARED ? PTHREAD_PROCESS_SHARED
								: PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST));
	HX_CHECK_PT(pthread_mutex_init(m, &a));
	HX_CHECK_PT(pthread_mutexattr_destroy(&a));
}

/* The owner died with the log half-updated: undo its part, mark the lock usable. */
static void repair(struct shared *s)
{
	if (s->log_dirty) {
		s->log_sum -= s->pending;
		s->log_dirty = 0;
	}
	s->owner_dead++;
	HX_CHECK_PT(pthread_mutex_consistent(&s->lock));
	s->recovered++;
}

static void log_lock(struct shared *s)
{
	int rc = pthread_mutex_lock(&s->lock);
	if (rc == EOWNERDEAD)
		repair(s);
	else if (rc != 0)
		hx_die_errno(__FILE__, __LINE__, "pthread_mutex_lock", rc);
}

/* a finished task enters the log: two steps, so a death in between shows */
static void log_add(struct shared *s, long v)
{
	log_lock(s);
	s->log_dirty = 1;
	s->pending = v;
	s->log_sum += v;
	s->log_n++;
	s->log_dirty = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
}

/* the worker's death, as each variant has it */
static void die_in_task(struct shared *s, int t)
{
	if (s->a.variant == ERR_CRASH) {
		/* SIGSEGV with the default action: no handler (a sanitizer's included) may
		 * turn it into something else */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
	/* lockdeath: take the lock, begin the update, die */
	log_lock(s);
	snprintf(s->task[t].reason, sizeof s->task[t].reason, "%s", "worker " ERRORS_LOCK_REASON);
	s->log_dirty = 1;
	s->pending = (long)t * t;
	s->log_sum += s->pending;
#if PX_PROCS
	raise(SIGKILL);
#else
	pthread_exit(NULL); /* the robust mutex is marked owner-dead when the thread ends */
#endif
}

/* Python's error_callback: name the task and its reason, cancel when asked to. */
static void on_error(struct shared *s, int t, const char *reason)
{
	s->task[t].state = TASK_FAILED;
	snprintf(s->task[t].reason, sizeof s->task[t].reason, "%s", reason);
	s->reported++;
	if (s->a.mode == ERR_CANCEL)
		__atomic_store_n(&s->cancel, 1, __ATOMIC_SEQ_CST);
}

/* Runs the slot's tasks; returns the failed task (return variant), or -1. */
static int work(struct shared *s, struct slot *sl)
{
	for (int t = sl->first; t < s->a.ntasks; t += s->a.workers) {
		const char *reason;
		long v;

		if (cancelled(s)) {
			for (; t < s->a.ntasks; t += s->a.workers)
				s->task[t].state = TASK_CANCELLED;
			break;
		}
		sl->cur = t;
		if (t == ERRORS_BAD_TASK && (s->a.variant == ERR_CRASH || s->a.variant == ERR_LOCKDEATH))
			die_in_task(s, t);
		if (errors_task(t, &v, &reason) < 0) {
			if (s->a.variant == ERR_RETURN) {
				/* the error is the worker's result: stop here, like an exception
				 * leaving the worker's function */
				snprintf(s->task[t].reason, sizeof s->task[t].reason, "%s", reason);
				sl->cur = -1;
				return t;
			}
#if PX_PROCS
			{ /* the callback runs in the parent: send it the error; to cancel, the
			   * parent raises the flag, and the worker waits for that before it
			   * goes on (a bounded wait: a parent that never does is caught by the
			   * validator, nothing cancelled) */
				char msg[128];
				int n = snprintf(msg, sizeof msg, "%d %s\n", t, reason);
				uint64_t until = hx_deadline(10000000000u);
				HX_CHECK_SYS(write(s->errfd[1], msg, (size_t)n));
				while (s->a.mode == ERR_CANCEL && !cancelled(s) && !hx_expired(until))
					hx_sleep_ns(20000);
			}
#else
			HX_CHECK_PT(pthread_mutex_lock(&s->qm));
			on_error(s, t, reason);
			HX_CHECK_PT(pthread_mutex_unlock(&s->qm));
#endif
			continue;
		}
		s->task[t].value = v;
		s->task[t].state = TASK_DONE;
		log_add(s, v);
	}
	sl->cur = -1;
	return -1;
}

/* ---- starting one worker, and waiting for the next to end ------------------------- */
#if PX_PROCS
static void start(struct shared *s, struct slot *sl)
{
	sl->cur = -1;
	sl->failed = -1;
	pid_t pid = hx_fork(); /* the slot is shared: only the parent writes its pid */
	if (pid == 0) {
		int failed = work(s, sl);
		sl->failed = failed;
		_exit(failed >= 0 ? EXIT_TASK_FAILED : 0);
	}
	sl->pid = pid;
	hx_child_name((int)pid, sl->w);
}

/* the parent calls the callback for every error a worker sent ("task reason\n") */
static void drain_errors(struct shared *s)
{
	char buf[512];
	static char line[256];
	static size_t used;
	ssize_t n;

	while ((n = read(s->errfd[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			const char *reason;
			int t;
			if (buf[i] != '\n') {
				if (used < sizeof line - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = '\0';
			used = 0;
			t = atoi(line);
			reason = strchr(line, ' ');
			if (t >= 0 && t < s->a.ntasks && reason != NULL)
				on_error(s, t, reason + 1);
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		hx_die_errno(__FILE__, __LINE__, "read", errno);
}

/* Waits for the next worker to end; *died: by a signal (which), else 0; *pid, *status:
 * which process it was and its wait status. A worker that exits with a status of its
 * own (not 0, not "my task failed": it reported a system failure itself) is a fault.
 * Errors sent to the callback are taken in while waiting, so cancel is prompt. */
static struct slot *next_exit(struct shared *s, int *died, int *pid_out, int *status)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
		for (int w = 0; pid > 0 && w < s->a.workers; w++) {
			if (s->slot[w].pid != pid)
				continue;
			s->slot[w].pid = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != EXIT_TASK_FAILED) {
				char who[32];
				snprintf(who, sizeof who, "worker %d", w);
				hx_child_fault(__FILE__, __LINE__, who, (int)pid, st);
			}
			*died = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
			*pid_out = (int)pid;
			*status = st;
			return &s->slot[w];
		}
		if (pid > 0)
			continue;
		if (s->a.variant == ERR_CALLBACK) {
			struct pollfd p = { s->errfd[0], POLLIN, 0 };
			if (poll(&p, 1, 1) > 0)
				drain_errors(s);
		} else {
			hx_sleep_ns(100000);
		}
	}
}
#else
/* runs when the thread ends, by return or by pthread_exit: tells the monitor */
static void thread_ended(void *p)
{
	struct slot *sl = p;
	struct shared *s = sl->s;
	HX_CHECK_PT(pthread_mutex_lock(&s->qm));
	s->exited[s->nexited++] = sl->w;
	HX_CHECK_PT(pthread_cond_signal(&s->qc));
	HX_CHECK_PT(pthread_mutex_unlock(&s->qm));
}

static void *thread_main(void *p)
{
	struct slot *sl = p;
	int failed;
	pthread_cleanup_push(thread_ended, sl);
	failed = work(sl->s, sl);
	pthread_cleanup_pop(1);
	return (void *)(intptr_t)(failed + 1); /* the future: 0 fine, else task + 1 */
}

static void start(struct shared *s, struct slot *sl)
{
	sl->cur = -1;
	sl->failed = -1;
	HX_CHECK_PT(pthread_create(&sl->tid, NULL, thread_main, sl));
	(void)s;
}

static struct slot *next_exit(struct shared *s, int *died, int *pid, int *status)
{
	struct slot *sl;
	void *ret;
	HX_CHECK_PT(pthread_mutex_lock(&s->qm));
	while (s->nexited == 0)
		HX_CHECK_PT(pthread_cond_wait(&s->qc, &s->qm));
	sl = &s->slot[s->exited[--s->nexited]];
	HX_CHECK_PT(pthread_mutex_unlock(&s->qm));
	HX_CHECK_PT(pthread_join(sl->tid, &ret));
	/* pthread_exit(NULL) in the middle of a task: the thread died */
	*died = ret == NULL && sl->cur >= 0 ? -1 : 0;
	*pid = 0;
	*status = 0;
	if (ret != NULL && ret != PTHREAD_CANCELED)
		sl->failed = (int)(intptr_t)ret - 1;
	return sl;
}
#endif

/* ---- the monitor ---------------------------------------------------------------------- */
/* The deaths the variants cause on purpose, in task ERRORS_BAD_TASK: crash by SIGSEGV,
 * lockdeath by SIGKILL (a process raises it holding the lock). Any other death of a
 * worker process is a fault (hx_child_fault). */
static int death_expected(const struct shared *s, const struct slot *sl, int sig)
{
	if (sl->cur != ERRORS_BAD_TASK)
		return 0;
	return (s->a.variant == ERR_CRASH && sig == SIGSEGV) ||
	       (s->a.variant == ERR_LOCKDEATH && sig == SIGKILL);
}

static void pool(struct shared *s)
{
	int live = s->a.workers;

	for (int w = 0; w < s->a.workers; w++) {
		s->slot[w] = (struct slot){ .s = s, .w = w, .first = w, .cur = -1, .failed = -1 };
		start(s, &s->slot[w]);
	}
	while (live > 0) {
		int died, pid, status, t = -1;
		struct slot *sl = next_exit(s, &died, &pid, &status);

		live--;
		if (died > 0 && !death_expected(s, sl, died)) {
			/* killed by someone else (no task of ours does that but task 5's own
			 * crash or lockdeath): a fault from outside, not the exercise's
			 * failure; the other workers are killed and reaped, exit 3 */
			char who[32];
			snprintf(who, sizeof who, "worker %d", sl->w);
			hx_child_fault(__FILE__, __LINE__, who, pid, status);
		}
		if (died != 0) { /* mid-task: that task failed with the worker */
			t = sl->cur;
			s->task[t].state = TASK_FAILED;
			if (s->a.variant == ERR_CRASH)
				snprintf(s->task[t].reason, sizeof s->task[t].reason,
					 "worker killed by signal %d (%s)", died, strsignal(died));
			else if (died > 0) /* lockdeath: the worker's last words, and how it ended */
				snprintf(s->task[t].reason + strlen(s->task[t].reason),
					 sizeof s->task[t].reason - strlen(s->task[t].reason),
					 " (killed by signal %d)", died);
			else
				snprintf(s->task[t].reason + strlen(s->task[t].reason),
					 sizeof s->task[t].reason - strlen(s->task[t].reason),
					 " (thread exited)");
		} else if (sl->failed >= 0) { /* return: the worker's result is the error */
			t = sl->failed;
			s->task[t].state = TASK_FAILED;
		}
		if (t < 0)
			continue;
		s->reported++;
		if (s->a.mode == ERR_CANCEL)
			__atomic_store_n(&s->cancel, 1, __ATOMIC_SEQ_CST);
		/* the rest of that worker's tasks: a replacement, or cancelled */
		if (t + s->a.workers >= s->a.ntasks)
			continue;
		if (!cancelled(s)) {
			sl->first = t + s->a.workers;
			start(s, sl);
			live++;
		} else {
			for (int k = t + s->a.workers; k < s->a.ntasks; k += s->a.workers)
				s->task[k].state = TASK_CANCELLED;
		}
	}
#if PX_PROCS
	if (s->a.variant == ERR_CALLBACK)
		drain_errors(s);
#endif
}

static void pool_fn(void *s)
{
	pool(s);
}

/* The timed region: the pool, from the first worker started to the last one reaped. */
struct monitor {
	struct shared *s;
	struct errors_result *r;
};

static void monitor(void *arg)
{
	struct monitor *m = arg;
	if (!PX_PROCS && m->s->a.variant == ERR_CRASH)
		/* a thread's crash ends its process: let it end a forked copy of this one */
		errors_sandbox(pool_fn, m->s, m->s->task, m->s->a.ntasks, m->r);
	else
		pool(m->s);
}

/* No lock may be left held: the parent takes it once more (and repairs it when its
 * last owner died with it). */
static int lock_check(struct shared *s)
{
	int rc = pthread_mutex_trylock(&s->lock);
	if (rc == EOWNERDEAD) {
		repair(s);
		rc = 0;
	}
	if (rc == EBUSY)
		return 0;
	if (rc != 0)
		hx_die_errno(__FILE__, __LINE__, "pthread_mutex_trylock", rc);
	HX_CHECK_PT(pthread_mutex_unlock(&s->lock));
	return 1;
}

static int children_left(void)
{
	int st;
	pid_t pid = waitpid(-1, &st, WNOHANG);
	if (pid < 0 && errno == ECHILD)
		return 0;
	return 1;
}

const char *errors_na(const struct errors_args *a)
{
	(void)a;
	return NULL;
}

static const char *how(const struct errors_args *a)
{
	static const char *const text[2][4] = {
		{ "pthread_join's return value", "a callback in the worker thread",
		  "a forked sandbox", "EOWNERDEAD, rollback, pthread_mutex_consistent" },
		{ "exit status 1 and the task's shared slot",
		  "a pipe to the parent, which calls the callback",
		  "waitpid: WIFSIGNALED, WTERMSIG",
		  "EOWNERDEAD, rollback, pthread_mutex_consistent" },
	};
	return text[PX_PROCS][a->variant];
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	size_t len = sizeof(struct shared) + (size_t)a->ntasks * sizeof(struct errors_task);
	size_t slen = (size_t)a->workers * sizeof(struct slot);
	struct shared *s = px_shared_alloc(len); /* shared: a sandbox's results stay visible */
	struct monitor m = { s, r };

	s->a = *a;
	s->slot = px_shared_alloc(slen);
	s->errfd[0] = s->errfd[1] = -1;
	robust_init(&s->lock);
	px_mutex_init(&s->qm, 0);
	px_cond_init(&s->qc, 0);
	if (PX_PROCS && a->variant == ERR_CALLBACK) {
		HX_CHECK_SYS(pipe(s->errfd));
		HX_CHECK_SYS(fcntl(s->errfd[0], F_SETFL, O_NONBLOCK));
	}
	/* this thread is the monitor: it times the pool it drives; the setup above is not
	 * timed */
	*seconds = hx_time(monitor, &m);

	/* a sandbox that died took its locks with it: they are not looked at again */
	r->lock_free = r->whole_process ? 0 : lock_check(s);
	memcpy(r->task, s->task, (size_t)a->ntasks * sizeof *r->task);
	r->reported = s->reported;
	r->owner_dead = s->owner_dead;
	r->recovered = s->recovered;
	r->log_n = s->log_n;
	r->log_sum = s->log_sum;
	r->children_left = children_left();
	r->stray_death = s->stray_death;
	snprintf(r->how, sizeof r->how, "%s", how(a));

	if (s->errfd[0] >= 0) {
		HX_CHECK_SYS(close(s->errfd[0]));
		HX_CHECK_SYS(close(s->errfd[1]));
	}
	if (!r->whole_process) {
		HX_CHECK_PT(pthread_mutex_destroy(&s->lock));
		HX_CHECK_PT(pthread_mutex_destroy(&s->qm));
		HX_CHECK_PT(pthread_cond_destroy(&s->qc));
	}
	px_shared_free(s->slot, slen);
	px_shared_free(s, len);
}
