/* test_errors.c: the `errors` validator rejects every way the handling can go wrong
 * (a lost or doubled error, a wrong or missing result, a lock left held, a bad
 * repair, a child left behind, cancel ignored, a worker dead outside any task, an exit
 * status other than the worker's, a sandbox that ended the wrong way or with a wrong
 * result). Links exercises/errors.o with a fake serial backend that produces a correct
 * outcome (in cancel mode: the tasks after the failure cancelled; with `sandbox` set,
 * a threads backend's sandbox ended by task 5's crash or exit), then spoils one thing
 * at a time. */
#include "errors.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

extern const struct hx_exercise errors_exercise;

static int corrupt;
static int sandbox; /* crash, exit: the sandbox ended as a whole in task 5 (threads) */
static int ntasks = 10;

/* the sandbox's end: task 5's crash or exit took it down with tasks 0..4 done; corrupt
 * 20 and up spoil it */
static void sandbox_ended(const struct errors_args *a, struct errors_result *r)
{
	for (int t = 0; t < ERRORS_BAD_TASK; t++) {
		r->task[t].value = (long)t * t;
		r->task[t].state = TASK_DONE;
	}
	r->whole_process = 1;
	r->done_before_crash = ERRORS_BAD_TASK;
	if (a->variant == ERR_CRASH)
		r->sandbox_signal = SIGSEGV;
	else
		r->sandbox_status = ERRORS_EXIT_STATUS;
	switch (corrupt) {
	case 20: r->task[3].value++; break;                          /* a wrong result */
	case 21: r->task[ERRORS_BAD_TASK].state = TASK_DONE; break;  /* task 5 done */
	case 22: r->done_before_crash++; break;                      /* miscounted */
	case 23: r->sandbox_status = HX_EXIT_SYSTEM; r->sandbox_signal = 0; break;
	case 24: r->sandbox_signal = SIGSEGV; r->sandbox_status = 0; break;
	case 25: r->sandbox_signal = SIGSEGV; r->sandbox_status = ERRORS_EXIT_STATUS; break;
	}
}

const char *errors_na(const struct errors_args *a)
{
	(void)a;
	return NULL;
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	if (sandbox) {
		sandbox_ended(a, r);
		*seconds = 1e-3;
		return;
	}
	for (int t = 0; t < a->ntasks; t++) {
		struct errors_task *k = &r->task[t];
		const char *why;
		/* a serial pool that honours cancel stops at the failure (corrupt 13: it
		 * ignores cancel) */
		if (a->mode == ERR_CANCEL && t > ERRORS_BAD_TASK && corrupt != 13) {
			k->state = TASK_CANCELLED;
			continue;
		}
		if (errors_task(t, &k->value, &why) == 0) {
			k->state = TASK_DONE;
			r->log_n++;
			r->log_sum += k->value;
		} else {
			k->state = TASK_FAILED;
			strcpy(k->reason, a->variant == ERR_CRASH ? "worker killed by signal 11"
					  : a->variant == ERR_LOCKDEATH ? "worker " ERRORS_LOCK_REASON
					  : a->variant == ERR_EXIT ? "worker exited with status 7"
					  : why);
		}
	}
	r->reported = 1;
	r->lock_free = 1;
	if (a->variant == ERR_LOCKDEATH)
		r->owner_dead = r->recovered = 1;
	switch (corrupt) {
	case 1: r->task[3].value++; break;                          /* a wrong result */
	case 2: r->task[7].state = TASK_PENDING; break;             /* a lost result */
	case 3: r->task[ERRORS_BAD_TASK].state = TASK_DONE; break;  /* the failure unnamed */
	case 4: strcpy(r->task[ERRORS_BAD_TASK].reason, "oops"); break;
	case 5: r->reported = 0; break;                             /* a lost error */
	case 6: r->reported = 2; break;                             /* a doubled one */
	case 7: r->lock_free = 0; break;                            /* a lock left held */
	case 8: r->log_n--; break;                                  /* the log not repaired */
	case 9: r->children_left = 1; break;                        /* a zombie */
	case 10: /* task 8 cancelled (before it ran): right only with cancel */
		if (r->task[8].state == TASK_DONE) {
			r->task[8].state = TASK_CANCELLED;
			r->log_n--;
			r->log_sum -= r->task[8].value;
		}
		break;
	case 11: r->recovered = 0; r->owner_dead = a->variant == ERR_LOCKDEATH; break;
	case 12: r->whole_process = 1; r->sandbox_signal = SIGKILL; break;
	case 14: r->stray_death = SIGKILL; break;                   /* killed between tasks */
	case 15: /* exit: the parent names another status than the worker's */
		if (a->variant == ERR_EXIT)
			strcpy(r->task[ERRORS_BAD_TASK].reason, "worker exited with status 1");
		break;
	}
	*seconds = 1e-3;
}

static enum hx_verdict run_case(const char *variant, const char *mode, int workers)
{
	const char *const args[] = { "--on-error", mode, NULL };
	return tx_run_case_args(&errors_exercise, variant, workers, ntasks, args, NULL);
}

static const char *const variants[] = { "return", "callback", "crash", "lockdeath",
					 "exit" };
#define NVARIANTS (int)(sizeof variants / sizeof variants[0])

static void correct_outcomes_pass(void **state)
{
	(void)state;
	corrupt = 0;
	for (int i = 0; i < NVARIANTS; i++) {
		assert_int_equal(run_case(variants[i], "continue", 2), HX_PASS);
		assert_int_equal(run_case(variants[i], "cancel", 3), HX_PASS);
	}
}

static void every_spoiled_outcome_fails(void **state)
{
	(void)state;
	for (corrupt = 1; corrupt <= 10; corrupt++)
		for (int i = 0; i < NVARIANTS; i++)
			assert_int_equal(run_case(variants[i], "continue", 2), HX_FAIL);
	corrupt = 11;
	assert_int_equal(run_case("lockdeath", "continue", 2), HX_FAIL);
	corrupt = 0;
}

static void cancelled_tasks_only_in_cancel_mode(void **state)
{
	(void)state;
	corrupt = 10;
	assert_int_equal(run_case("return", "cancel", 2), HX_PASS);
	assert_int_equal(run_case("return", "continue", 2), HX_FAIL);
	corrupt = 0;
}

/* cancel asked for, nothing cancelled: a backend that ignores cancel must fail, as soon
 * as the failing worker has a task after the failure (ntasks > 5 + W) */
static void cancel_that_cancels_nothing_fails(void **state)
{
	(void)state;
	corrupt = 13;
	for (int i = 0; i < NVARIANTS; i++) {
		for (int w = 1; w <= 4; w++)
			assert_int_equal(run_case(variants[i], "cancel", w), HX_FAIL);
		/* continue mode: nothing may be cancelled, and this is right */
		assert_int_equal(run_case(variants[i], "continue", 2), HX_PASS);
	}
	/* 10 tasks at 5 workers: task 5 is worker 0's last, nothing is left to cancel */
	assert_int_equal(run_case("return", "cancel", 5), HX_PASS);
	ntasks = 11; /* ...one more, and task 10 must be */
	assert_int_equal(run_case("return", "cancel", 5), HX_FAIL);
	ntasks = 10;
	/* honouring cancel passes at every worker count */
	corrupt = 0;
	for (int w = 1; w <= 6; w++)
		assert_int_equal(run_case("callback", "cancel", w), HX_PASS);
}

static void worker_killed_between_tasks_fails(void **state)
{
	(void)state;
	corrupt = 14;
	for (int i = 0; i < NVARIANTS; i++)
		assert_int_equal(run_case(variants[i], "continue", 2), HX_FAIL);
	corrupt = 0;
}

static void sandbox_must_die_by_sigsegv(void **state)
{
	(void)state;
	corrupt = 12; /* the sandbox died, but by SIGKILL */
	assert_int_equal(run_case("crash", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("return", "continue", 2), HX_FAIL);
	corrupt = 0;
}

/* procs, exit: the failed task must carry the status the worker gave exit() */
static void exit_status_must_be_the_workers(void **state)
{
	(void)state;
	corrupt = 15;
	assert_int_equal(run_case("exit", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("exit", "cancel", 3), HX_FAIL);
	assert_int_equal(run_case("return", "continue", 2), HX_PASS);
	corrupt = 0;
}

/* threads, crash and exit: the sandbox ended as a whole (unsafe), by the end its
 * variant causes, with what was done before it right */
static void sandbox_ends_are_checked(void **state)
{
	(void)state;
	sandbox = 1;
	corrupt = 0;
	assert_int_equal(run_case("crash", "continue", 2), HX_UNSAFE);
	assert_int_equal(run_case("exit", "continue", 2), HX_UNSAFE);
	assert_int_equal(run_case("exit", "cancel", 3), HX_UNSAFE);
	/* an end no variant causes, or another variant's */
	assert_int_equal(run_case("return", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("lockdeath", "continue", 2), HX_FAIL);
	for (corrupt = 20; corrupt <= 22; corrupt++) {
		assert_int_equal(run_case("crash", "continue", 2), HX_FAIL);
		assert_int_equal(run_case("exit", "continue", 2), HX_FAIL);
	}
	corrupt = 23; /* exit status 3: a failure the sandbox reported, not the exit */
	assert_int_equal(run_case("exit", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("crash", "continue", 2), HX_FAIL);
	corrupt = 24; /* a crash where the worker exited */
	assert_int_equal(run_case("exit", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("crash", "continue", 2), HX_UNSAFE);
	corrupt = 25; /* a signal and a status at once */
	assert_int_equal(run_case("exit", "continue", 2), HX_FAIL);
	assert_int_equal(run_case("crash", "continue", 2), HX_FAIL);
	corrupt = 0;
	sandbox = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(correct_outcomes_pass),
		cmocka_unit_test(every_spoiled_outcome_fails),
		cmocka_unit_test(cancelled_tasks_only_in_cancel_mode),
		cmocka_unit_test(sandbox_must_die_by_sigsegv),
		cmocka_unit_test(cancel_that_cancels_nothing_fails),
		cmocka_unit_test(worker_killed_between_tasks_fails),
		cmocka_unit_test(exit_status_must_be_the_workers),
		cmocka_unit_test(sandbox_ends_are_checked),
	};
	return cmocka_run_group_tests_name("errors (validator)", tests, NULL, NULL);
}
