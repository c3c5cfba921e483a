/* errors.c: what every backend shares about `errors`: the task, the validator, the
 * exercise descriptor. The parallel part is errors_run() in openmp/errors.c,
 * mpi/errors.c, posix/errors_pthreads.c and posix/errors_procs.c (the pool both POSIX
 * backends drive is posix/errors_pool.c). */
#include "errors.h"

#include "hx.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

__attribute__((noinline)) int errors_task(int i, long *value, const char **reason)
{
	hx_sleep_ns(ERRORS_TASK_NS);
	if (i == ERRORS_BAD_TASK) {
		*reason = ERRORS_REASON;
		return -1;
	}
	*value = (long)i * i;
	return 0;
}

void errors_crash(void)
{
	/* SIGSEGV with the default action: no handler (a sanitizer's included) may turn it
	 * into something else */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	abort(); /* not reached: SIGSEGV's default action ends the process */
}

static int exiting; /* errors_exit was called: the process ends on purpose */

void errors_exit(void)
{
	/* exit(), not _exit(): what a C worker that gives up calls; its atexit handlers run,
	 * and the process ends with every thread in it */
	__atomic_store_n(&exiting, 1, __ATOMIC_SEQ_CST);
	exit(ERRORS_EXIT_STATUS);
}

#ifdef __SANITIZE_ADDRESS__
#define ERRORS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ERRORS_ASAN 1
#endif
#endif
#ifdef ERRORS_ASAN
/* LeakSanitizer's hook, read when a process exits: no leak check for the exit variant's
 * exit(). That process is a fork()ed worker or sandbox ending mid-work, other threads
 * holding what they use; and its thread registry still lists the parent's threads,
 * which the fork did not copy ("Running thread N was not suspended. False leaks are
 * possible."), so a false leak could turn its status into LeakSanitizer's own. Every
 * other exit is checked as before. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return __atomic_load_n(&exiting, __ATOMIC_SEQ_CST);
}
#endif

int errors_ends_process(const struct errors_args *a)
{
	return a->variant == ERR_CRASH || a->variant == ERR_EXIT;
}

#define ERRORS_STR_(x) #x
#define ERRORS_STR(x) ERRORS_STR_(x)

const char *errors_expected_reason(const struct errors_args *a)
{
	switch (a->variant) {
	case ERR_CRASH:
		return "signal 11";
	case ERR_EXIT:
		return "worker exited with status " ERRORS_STR(ERRORS_EXIT_STATUS);
	case ERR_LOCKDEATH:
		return ERRORS_LOCK_REASON;
	default:
		return ERRORS_REASON;
	}
}

/* The rule for cancel: task ERRORS_BAD_TASK belongs to worker BAD % W (every backend
 * deals task i to worker i % W), and that worker knows of the failure before it could
 * start its next task, BAD + W: it raised the flag itself (threads, OpenMP), or the
 * parent did before the worker goes on (its exit or signal is what the parent sees;
 * procs' callback waits for the parent to take its error in), or the ranks agreed on
 * it at the end of that round (MPI). So when task BAD + W exists, i.e. ntasks > BAD + W,
 * a backend that honours cancel has cancelled at least that one, whatever the
 * scheduling; one that ignores cancel has cancelled nothing. */
int errors_must_cancel(const struct errors_args *a)
{
	return a->mode == ERR_CANCEL && a->ntasks > ERRORS_BAD_TASK + a->workers;
}

void errors_sandbox(void (*fn)(void *), void *arg, const struct errors_task *task, int ntasks,
		    struct errors_result *r)
{
	int st;
	pid_t pid = hx_fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	hx_runtime_forget((int)pid); /* it left through _exit, exit() or a crash */
	/* the ends the variants cause are SIGSEGV and exit status ERRORS_EXIT_STATUS; any
	 * other signal came from outside (a SIGKILL, say), any other status is a failure
	 * the sandbox reported itself: a fault, exit 3, not a result of the exercise */
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGSEGV)
		hx_child_fault(__FILE__, __LINE__, "the sandbox process", (int)pid, st);
	if (WIFSIGNALED(st)) {
		r->whole_process = 1;
		r->sandbox_signal = WTERMSIG(st);
	} else if (WEXITSTATUS(st) == ERRORS_EXIT_STATUS) {
		r->whole_process = 1;
		r->sandbox_status = WEXITSTATUS(st);
	} else if (WEXITSTATUS(st) != 0) {
		hx_child_fault(__FILE__, __LINE__, "the sandbox process", (int)pid, st);
	}
	for (int i = 0; i < ntasks; i++)
		r->done_before_crash += task[i].state == TASK_DONE;
}

void errors_gathered(struct errors_result *r, int n, const long *state, const long *value,
		     int failed, const char *reason, int reported)
{
	long done = 0, sum = 0;

	for (int t = 0; t < n; t++) {
		r->task[t].state = (int)state[t];
		r->task[t].value = value[t];
		if (state[t] == TASK_DONE) {
			done++;
			sum += value[t];
		}
	}
	if (failed >= 0)
		snprintf(r->task[failed].reason, sizeof r->task[failed].reason, "%s", reason);
	r->reported = reported;
	r->log_n = done;
	r->log_sum = sum;
	r->lock_free = 1; /* no lock was shared */
}

int errors_validate(const struct errors_args *a, const struct errors_result *r, char *why,
		    size_t len)
{
	int cancelled = 0;
	long n = 0, sum = 0;

	if (r->stray_death != 0) {
		snprintf(why, len, "a worker died by signal %d outside any task", r->stray_death);
		return HX_FAIL;
	}
	if (r->whole_process) {
		/* threads: the crash or the exit took the sandbox process down, as it must;
		 * what was done before it is right, and task 5 is not among it */
		int done = 0;
		if (!(a->variant == ERR_CRASH && r->sandbox_signal == SIGSEGV &&
		      r->sandbox_status == 0) &&
		    !(a->variant == ERR_EXIT && r->sandbox_status == ERRORS_EXIT_STATUS &&
		      r->sandbox_signal == 0)) {
			snprintf(why, len, "the sandbox ended by signal %d, exit status %d",
				 r->sandbox_signal, r->sandbox_status);
			return HX_FAIL;
		}
		for (int i = 0; i < a->ntasks; i++) {
			const struct errors_task *t = &r->task[i];
			if (t->state != TASK_DONE)
				continue;
			if (i == ERRORS_BAD_TASK || t->value != (long)i * i) {
				snprintf(why, len, "task %d done with value %ld before the sandbox ended "
					 "(expected %s)", i, t->value,
					 i == ERRORS_BAD_TASK ? "not done" : "i*i");
				return HX_FAIL;
			}
			done++;
		}
		if (done != r->done_before_crash) {
			snprintf(why, len, "%d results done before the sandbox ended, %d counted",
				 done, r->done_before_crash);
			return HX_FAIL;
		}
		return HX_UNSAFE;
	}
	for (int i = 0; i < a->ntasks; i++) {
		const struct errors_task *t = &r->task[i];
		if (i == ERRORS_BAD_TASK) {
			if (t->state != TASK_FAILED) {
				snprintf(why, len, "task %d was not reported failed (state %d)", i, t->state);
				return HX_FAIL;
			}
			if (strstr(t->reason, errors_expected_reason(a)) == NULL) {
				snprintf(why, len, "task %d failed with '%s', expected '%s'", i, t->reason,
					 errors_expected_reason(a));
				return HX_FAIL;
			}
			continue;
		}
		if (t->state == TASK_DONE && t->value == (long)i * i) {
			n++;
			sum += t->value;
			continue;
		}
		if (t->state == TASK_CANCELLED && a->mode == ERR_CANCEL) {
			cancelled++;
			continue;
		}
		snprintf(why, len, "task %d: state %d value %ld (expected done, %ld)", i, t->state,
			 t->value, (long)i * i);
		return HX_FAIL;
	}
	if (r->reported != 1) {
		snprintf(why, len, "%d errors reached the parent, expected 1", r->reported);
		return HX_FAIL;
	}
	if (!r->lock_free) {
		snprintf(why, len, "the lock was left held");
		return HX_FAIL;
	}
	if (r->log_n != n || r->log_sum != sum) {
		snprintf(why, len, "the locked log has %ld entries summing %ld; %ld done summing %ld",
			 r->log_n, r->log_sum, n, sum);
		return HX_FAIL;
	}
	if (a->variant == ERR_LOCKDEATH && (r->owner_dead != 1 || r->recovered != 1)) {
		snprintf(why, len, "owner-dead seen %d times, recovered %d", r->owner_dead, r->recovered);
		return HX_FAIL;
	}
	if (r->children_left != 0) {
		snprintf(why, len, "%d child processes left", r->children_left);
		return HX_FAIL;
	}
	if (errors_must_cancel(a) && cancelled == 0) {
		snprintf(why, len, "cancel asked for, but none of the %d tasks after task %d was "
			 "cancelled (task %d at least must be)", a->ntasks - ERRORS_BAD_TASK - 1,
			 ERRORS_BAD_TASK, ERRORS_BAD_TASK + a->workers);
		return HX_FAIL;
	}
	return HX_PASS;
}

struct errors_state_ {
	struct errors_args args;
	struct errors_result res;
};

enum { X_ON_ERROR, X_COUNT }; /* errors_xopts, below */

static struct errors_args errors_args_of(const struct hx_case *c)
{
	struct errors_args a = {
		.variant = (enum errors_variant)c->variant,
		.mode = (enum errors_mode)hx_opt(c->opts, X_ON_ERROR),
		.workers = c->workers,
		.ntasks = (int)c->size,
	};
	return a;
}

static const char *errors_na_case(const struct hx_case *c)
{
	struct errors_args a = errors_args_of(c);
	return errors_na(&a);
}

static int errors_setup(struct hx_case *c)
{
	struct errors_args a = errors_args_of(c);
	struct errors_state_ *s = c->state;

	s->args = a;
	s->res.task = hx_calloc((size_t)a.ntasks, sizeof *s->res.task);
	c->ops = (double)a.ntasks;
	return 0;
}

static void errors_run_case(struct hx_case *c)
{
	struct errors_state_ *s = c->state;
	struct errors_task *keep = s->res.task;

	memset(&s->res, 0, sizeof s->res);
	memset(keep, 0, (size_t)s->args.ntasks * sizeof *keep);
	s->res.task = keep;
	errors_run(&s->args, &s->res, &c->t[0]);
}

static void errors_check(struct hx_case *c)
{
	struct errors_state_ *s = c->state;
	struct errors_result *r = &s->res;
	char why[200];
	int done = 0, cancelled = 0;

	if (hx_backend_rank() != 0)
		return;
	for (int i = 0; i < s->args.ntasks; i++) {
		done += r->task[i].state == TASK_DONE;
		cancelled += r->task[i].state == TASK_CANCELLED;
	}
	c->verdict = (enum hx_verdict)errors_validate(&s->args, r, why, sizeof why);
	if (r->whole_process && r->sandbox_signal != 0) {
		hx_note(c, "crash", "a thread crash took the whole (sandbox) process down: signal %d "
			"(%s), %d results done before it lost with it; parent alive",
			r->sandbox_signal, strsignal(r->sandbox_signal), r->done_before_crash);
	} else if (r->whole_process) {
		hx_note(c, "exit", "a thread's exit() ended the whole (sandbox) process, every "
			"thread with it: exit status %d, %d results done before it lost with it; "
			"parent alive", r->sandbox_status, r->done_before_crash);
	} else {
		hx_note(c, "failed_task", "%d", ERRORS_BAD_TASK);
		hx_note(c, "reason", "'%s'", r->task[ERRORS_BAD_TASK].reason);
		hx_note(c, "done", "%d", done);
		hx_note(c, "cancelled", "%d", cancelled);
		hx_note(c, "lock", "%s", r->lock_free ? "free" : "HELD");
		if (s->args.variant == ERR_LOCKDEATH)
			hx_note(c, "eownerdead", "%d recovered=%d", r->owner_dead, r->recovered);
	}
	if (r->how[0])
		hx_note(c, "via", "%s", r->how);
	if (c->verdict == HX_FAIL)
		hx_note(c, "broken", "%s", why);
}

static void errors_teardown(struct hx_case *c)
{
	struct errors_state_ *s = c->state;
	if (s != NULL)
		free(s->res.task);
}

static const struct hx_variant errors_variants[] = {
	{ "return", "the error comes back as the worker's result (future, join, exit status)" },
	{ "callback", "an error callback is called with the failed task and its reason" },
	{ "crash", "task 5 dies by SIGSEGV: contained in a process; a thread takes its process\n"
		   "             down (shown in a forked sandbox: verdict unsafe, exit 0)" },
	{ "lockdeath", "task 5 dies holding a robust mutex: EOWNERDEAD, repaired, go on" },
	{ "exit", "task 5 does not handle its error: exit(" ERRORS_STR(ERRORS_EXIT_STATUS)
		  "); a process ends alone, its parent\n"
		  "             reads the status; a thread ends its whole process (sandbox:\n"
		  "             verdict unsafe, exit 0); MPI: n/a" },
	{ NULL, NULL },
};

static const char *const errors_modes[] = { "continue", "cancel", NULL };

static const struct hx_optdef errors_xopts[] = {
	[X_ON_ERROR] = { .longname = "on-error", .kind = HX_OPT_CHOICE, .metavar = "MODE",
			 .help = "keep every other result, or stop the rest promptly",
			 .choices = errors_modes },
	[X_COUNT] = { 0 },
};

const struct hx_exercise errors_exercise = {
	.name = "errors",
	.summary = "tasks 0..N-1, task 5 fails with \"bad value\"; the failure must be named, every\n"
		   "other result right, the parent alive, no lock held. Exit 0 when the failure\n"
		   "was handled as designed and reported (pass), or shown uncontainable as\n"
		   "designed (unsafe: a thread that crashes or exits); 1 when the handling\n"
		   "itself went wrong (a lost error, a wrong result, a lock left held, a child\n"
		   "left behind)",
	.variants = errors_variants,
	.size_name = "tasks (task 5 fails)",
	.size_def = 12,
	.size_min = ERRORS_BAD_TASK + 1,
	/* 1e4 tasks of 0.5 ms: 5 s a repetition on one worker; more is a typo */
	.size_max = 10000,
	.op_name = "task",
	.reps_def = 3,
	.warmup_def = 0,
	.xopts = errors_xopts,
	.state_size = sizeof(struct errors_state_),
	.not_applicable = errors_na_case,
	.setup = errors_setup,
	.run = errors_run_case,
	.check = errors_check,
	.teardown = errors_teardown,
};
