/* errors_pool.c: what the threads and the processes of `errors` do the same
 * (errors_pool.h): the log a robust mutex guards, one task of a worker, the monitor's
 * reading of a worker that ended, and the tally afterwards. */
#include "errors_pool.h"

#include "hx.h"
#include "team.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Both POSIX backends have every variant. */
const char *errors_na(const struct errors_args *a)
{
	(void)a;
	return NULL;
}

static size_t pool_size(const struct errors_args *a)
{
	return sizeof(struct errors_pool) + (size_t)a->ntasks * sizeof(struct errors_task) +
	       (size_t)a->workers * sizeof(struct errors_slot);
}

struct errors_pool *errors_pool_open(const struct errors_args *a)
{
	struct errors_pool *p = px_shared_alloc(pool_size(a));
	pthread_mutexattr_t m;

	p->a = *a;
	p->slot = (struct errors_slot *)&p->task[a->ntasks];
	for (int w = 0; w < a->workers; w++)
		p->slot[w] = (struct errors_slot){ .first = w, .cur = -1, .failed = -1 };
	/* robust: a locker learns that the owner died with it (EOWNERDEAD) */
	HX_CHECK_PT(pthread_mutexattr_init(&m));
	HX_CHECK_PT(pthread_mutexattr_setpshared(&m, PX_PSHARED ? PTHREAD_PROCESS_SHARED
								: PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_mutexattr_setrobust(&m, PTHREAD_MUTEX_ROBUST));
	HX_CHECK_PT(pthread_mutex_init(&p->lock, &m));
	HX_CHECK_PT(pthread_mutexattr_destroy(&m));
	return p;
}

void errors_pool_close(struct errors_pool *p)
{
	px_shared_free(p, pool_size(&p->a));
}

int errors_pool_cancelled(struct errors_pool *p)
{
	return __atomic_load_n(&p->cancel, __ATOMIC_SEQ_CST);
}

/* The owner died with the log half-updated: undo its part, mark the lock usable. */
static void repair(struct errors_pool *p)
{
	if (p->log_dirty) {
		p->log_sum -= p->pending;
		p->log_dirty = 0;
	}
	p->owner_dead++;
	HX_CHECK_PT(pthread_mutex_consistent(&p->lock));
	p->recovered++;
}

static void log_lock(struct errors_pool *p)
{
	int rc = pthread_mutex_lock(&p->lock);
	if (rc == EOWNERDEAD)
		repair(p);
	else if (rc != 0)
		hx_die_errno(__FILE__, __LINE__, "pthread_mutex_lock", rc);
}

/* a finished task enters the log: two steps, so a death in between shows */
static void log_add(struct errors_pool *p, long v)
{
	log_lock(p);
	p->log_dirty = 1;
	p->pending = v;
	p->log_sum += v;
	p->log_n++;
	p->log_dirty = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
}

enum errors_step errors_pool_step(struct errors_pool *p, int w, int t, const char **reason)
{
	long v;

	if (errors_pool_cancelled(p)) {
		for (int k = t; k < p->a.ntasks; k += p->a.workers)
			p->task[k].state = TASK_CANCELLED;
		p->slot[w].cur = -1;
		return ERRORS_STEP_CANCELLED;
	}
	p->slot[w].cur = t;
	if (t == ERRORS_BAD_TASK && p->a.variant == ERR_CRASH)
		errors_crash();
	if (t == ERRORS_BAD_TASK && p->a.variant == ERR_LOCKDEATH) {
		/* lockdeath: take the lock, begin the update; the caller dies */
		log_lock(p);
		snprintf(p->task[t].reason, sizeof p->task[t].reason, "%s",
			 "worker " ERRORS_LOCK_REASON);
		p->log_dirty = 1;
		p->pending = (long)t * t;
		p->log_sum += p->pending;
		return ERRORS_STEP_DIE;
	}
	if (errors_task(t, &v, reason) < 0) {
		if (p->a.variant == ERR_EXIT) /* not handled: the worker gives up */
			errors_exit();
		if (p->a.variant != ERR_RETURN)
			return ERRORS_STEP_CALLBACK;
		/* the error is the worker's result: it stops here, like an exception leaving
		 * the worker's function */
		snprintf(p->task[t].reason, sizeof p->task[t].reason, "%s", *reason);
		p->slot[w].cur = -1;
		return ERRORS_STEP_RETURN;
	}
	p->task[t].value = v;
	/* released after its value: a sandbox that ends at any moment leaves no DONE slot
	 * without its value (errors_validate checks those values) */
	__atomic_store_n(&p->task[t].state, TASK_DONE, __ATOMIC_RELEASE);
	log_add(p, v);
	return ERRORS_STEP_DONE;
}

void errors_pool_report(struct errors_pool *p, int t, const char *reason)
{
	p->task[t].state = TASK_FAILED;
	snprintf(p->task[t].reason, sizeof p->task[t].reason, "%s", reason);
	p->reported++;
	if (p->a.mode == ERR_CANCEL)
		__atomic_store_n(&p->cancel, 1, __ATOMIC_SEQ_CST);
}

void errors_pool_check_exit(const struct errors_pool *p, int w, int pid, int status)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int task5 = p->slot[w].cur == ERRORS_BAD_TASK;
	int expected = (task5 && p->a.variant == ERR_CRASH && sig == SIGSEGV) ||
		       (task5 && p->a.variant == ERR_LOCKDEATH && sig == SIGKILL);
	int gave_up = task5 && p->a.variant == ERR_EXIT && WIFEXITED(status) &&
		      WEXITSTATUS(status) == ERRORS_EXIT_STATUS;
	int own_status = WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
			 WEXITSTATUS(status) != ERRORS_EXIT_FAILED && !gave_up;
	char who[32];

	if (!own_status && (sig == 0 || expected))
		return;
	snprintf(who, sizeof who, "worker %d", w);
	hx_child_fault(__FILE__, __LINE__, who, pid, status);
}

/* task t failed with its worker, which died by signal `died` (-1: pthread_exit), or
 * whose process exited with `status` */
static void death_reason(struct errors_pool *p, int t, int died, int status)
{
	char *why = p->task[t].reason;
	size_t used = strlen(why), room = sizeof p->task[t].reason;

	if (died == 0) /* exit: the status its process ended with, as waitpid gave it */
		snprintf(why, room, "worker exited with status %d", status);
	else if (p->a.variant == ERR_CRASH)
		snprintf(why, room, "worker killed by signal %d (%s)", died, strsignal(died));
	else if (died > 0) /* lockdeath: the worker's last words, and how it ended */
		snprintf(why + used, room - used, " (killed by signal %d)", died);
	else
		snprintf(why + used, room - used, " (thread exited)");
}

int errors_pool_ended(struct errors_pool *p, int w, int died, int status)
{
	struct errors_slot *sl = &p->slot[w];
	int t = -1, W = p->a.workers;

	if (died != 0 || status != 0) { /* mid-task: that task failed with the worker */
		t = sl->cur;
		p->task[t].state = TASK_FAILED;
		death_reason(p, t, died, status);
	} else if (sl->failed >= 0) { /* return: the worker's result is the error */
		t = sl->failed;
		p->task[t].state = TASK_FAILED;
	}
	if (t < 0)
		return 0;
	p->reported++;
	if (p->a.mode == ERR_CANCEL)
		__atomic_store_n(&p->cancel, 1, __ATOMIC_SEQ_CST);
	/* the rest of that worker's tasks: a replacement, or cancelled */
	if (t + W >= p->a.ntasks)
		return 0;
	if (errors_pool_cancelled(p)) {
		for (int k = t + W; k < p->a.ntasks; k += W)
			p->task[k].state = TASK_CANCELLED;
		return 0;
	}
	*sl = (struct errors_slot){ .first = t + W, .cur = -1, .failed = -1 };
	return 1;
}

/* No lock may be left held: the parent takes it once more (and repairs it when its
 * last owner died with it). */
static int lock_check(struct errors_pool *p)
{
	int rc = pthread_mutex_trylock(&p->lock);
	if (rc == EOWNERDEAD) {
		repair(p);
		rc = 0;
	}
	if (rc == EBUSY)
		return 0;
	if (rc != 0)
		hx_die_errno(__FILE__, __LINE__, "pthread_mutex_trylock", rc);
	HX_CHECK_PT(pthread_mutex_unlock(&p->lock));
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

void errors_pool_collect(struct errors_pool *p, struct errors_result *r, int procs)
{
	static const char *const how[2][5] = {
		{ "pthread_join's return value", "a callback in the worker thread",
		  "a forked sandbox", "EOWNERDEAD, rollback, pthread_mutex_consistent",
		  "a forked sandbox" },
		{ "exit status 1 and the task's shared slot",
		  "a pipe to the parent, which calls the callback",
		  "waitpid: WIFSIGNALED, WTERMSIG",
		  "EOWNERDEAD, rollback, pthread_mutex_consistent",
		  "waitpid: WIFEXITED, WEXITSTATUS" },
	};

	/* a sandbox that died took its locks with it: they are not looked at again */
	r->lock_free = r->whole_process ? 0 : lock_check(p);
	memcpy(r->task, p->task, (size_t)p->a.ntasks * sizeof *r->task);
	r->reported = p->reported;
	r->owner_dead = p->owner_dead;
	r->recovered = p->recovered;
	r->log_n = p->log_n;
	r->log_sum = p->log_sum;
	r->children_left = children_left();
	snprintf(r->how, sizeof r->how, "%s", how[procs][p->a.variant]);
	if (!r->whole_process)
		HX_CHECK_PT(pthread_mutex_destroy(&p->lock));
}

