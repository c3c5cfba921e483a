/* errors.c: `errors` on MPI ranks. Rank r runs tasks r, r+W, ... A rank must never
 * leave on its own (the others would wait for it forever), so an error is a value:
 *   return     the task's error is returned, as MPI's own are under MPI_ERRORS_RETURN
 *              (shown once: a send to a rank that does not exist returns an error)
 *   callback   an error handler (MPI_Comm_create_errhandler) on a duplicate of the
 *              communicator, called with MPI_Comm_call_errhandler and an error class
 *              of our own, "bad value"; crash, lockdeath, exit: not applicable
 *              (errors_na)
 * The ranks agree on the failed task (MPI_Allreduce) before anyone leaves; on cancel,
 * on the error flag after each round. MPI_Abort, which ends every rank, is not run.
 * Run: mpirun -np 4 build/mpi/errors --variant callback --on-error cancel */
#include "errors.h"
#include "team.h"

#include <stdio.h>
#include <stdlib.h>

/* the task this rank runs, and what the error handler saw (it runs on this rank) */
static int current_task = -1, cb_task = -1;
static char cb_reason[MPI_MAX_ERROR_STRING];
static int bad_value_code = -1;

static void on_error(MPI_Comm *comm, int *code, ...)
{
	int len = 0;
	(void)comm;
	if (MPI_Error_string(*code, cb_reason, &len) != MPI_SUCCESS)
		snprintf(cb_reason, sizeof cb_reason, "MPI error %d", *code);
	cb_task = current_task;
}

const char *errors_na(const struct errors_args *a)
{
	if (a->variant == ERR_CRASH) /* a rank's death ends the job */
		return ERRORS_NA_MPI_CRASH;
	if (a->variant == ERR_LOCKDEATH) /* ranks share no mutex */
		return ERRORS_NA_MPI_LOCKDEATH;
	if (a->variant == ERR_EXIT) /* a rank's exit() ends the job */
		return ERRORS_NA_MPI_EXIT;
	return NULL;
}

/* One rank's tasks: state[n], value[n] (0: another rank's), value[n] errors reported */
struct tasks {
	const struct errors_args *a;
	MPI_Comm cbcomm; /* callback: the duplicate that carries the handler */
	long *state, *value;
	int failed, agreed;
	char reason[80];
};

/* The timed region: rounds of tasks, then the agreement on the failed task. */
static void run_tasks(MPI_Comm comm, int rank, void *arg)
{
	struct tasks *k = arg;
	const struct errors_args *a = k->a;
	int W = a->workers, n = a->ntasks, stop = 0;
	for (int round = 0; round * W < n; round++) {
		int t = round * W + rank;
		const char *why;
		long v;
		if (t < n && stop)
			k->state[t] = TASK_CANCELLED;
		else if (t < n && errors_task((current_task = t), &v, &why) == 0) {
			k->value[t] = v;
			k->state[t] = TASK_DONE;
		} else if (t < n) { /* return: the error is the task's value */
			k->state[t] = TASK_FAILED;
			k->failed = t;
			snprintf(k->reason, sizeof k->reason, "%s", why);
			if (a->variant == ERR_CALLBACK) {
				/* the handler is called; under it the call itself succeeds */
				HX_CHECK_MPI(MPI_Comm_call_errhandler(k->cbcomm, bad_value_code));
				k->failed = cb_task;
				snprintf(k->reason, sizeof k->reason, "%.79s", cb_reason);
			}
		}
		if (a->mode == ERR_CANCEL && !stop) { /* agree on the flag every round */
			stop = k->failed >= 0;
			HX_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, comm));
		}
	}
	/* before anyone leaves, all agree on which task failed */
	HX_CHECK_MPI(MPI_Allreduce(&k->failed, &k->agreed, 1, MPI_INT, MPI_MAX, comm));
}

/* callback: a duplicate of the communicator that carries the error handler */
static MPI_Comm callback_comm(MPI_Comm comm)
{
	MPI_Comm cbcomm;
	MPI_Errhandler eh;
	int cls;
	HX_CHECK_MPI(MPI_Comm_dup(comm, &cbcomm));
	HX_CHECK_MPI(MPI_Comm_create_errhandler(on_error, &eh));
	HX_CHECK_MPI(MPI_Comm_set_errhandler(cbcomm, eh));
	HX_CHECK_MPI(MPI_Errhandler_free(&eh));
	if (bad_value_code < 0) { /* once per process: the error class "bad value" */
		HX_CHECK_MPI(MPI_Add_error_class(&cls));
		HX_CHECK_MPI(MPI_Add_error_code(cls, &bad_value_code));
		HX_CHECK_MPI(MPI_Add_error_string(bad_value_code, ERRORS_REASON));
	}
	cb_task = -1;
	return cbcomm;
}

/* rank 0: how the error travelled (return: one bad call shown returning) */
static void how(const struct errors_args *a, MPI_Comm comm, int size, struct errors_result *r)
{
	int x = 0, rc, cls = -1, len = 0;
	char text[MPI_MAX_ERROR_STRING];
	snprintf(r->how, sizeof r->how, "MPI_Comm_call_errhandler -> the handler on the "
		 "failing rank, MPI_Allreduce");
	if (a->variant != ERR_RETURN)
		return;
	/* MPI_ERRORS_RETURN (set on the communicator): a bad call returns */
	rc = MPI_Send(&x, 1, MPI_INT, size, 0, comm);
	if (rc == MPI_SUCCESS)
		hx_die(__FILE__, __LINE__, "MPI_Send to a rank beyond the communicator",
		       "succeeded");
	HX_CHECK_MPI(MPI_Error_class(rc, &cls));
	HX_CHECK_MPI(MPI_Error_string(cls, text, &len));
	snprintf(r->how, sizeof r->how, "a returned value, MPI_Allreduce; "
		 "MPI_ERRORS_RETURN: a bad send returned '%.40s'", text);
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank, W = a->workers, n = a->ntasks; /* W: the size of comm */
	struct tasks k = { .a = a, .cbcomm = MPI_COMM_NULL, .failed = -1, .agreed = -1 };
	k.state = hx_calloc(2 * (size_t)n + 1, sizeof *k.state);
	k.value = k.state + n;
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	if (a->variant == ERR_CALLBACK)
		k.cbcomm = callback_comm(comm);

	*seconds = mp_team_run(run_tasks, &k);

	/* rank 0 collects: every task is one rank's, the others hold zeros there: one SUM
	 * puts it all together; the failed task's owner tells the others its reason */
	k.value[n] = k.failed >= 0;
	HX_CHECK_MPI(MPI_Reduce(rank == 0 ? MPI_IN_PLACE : k.state, k.state, 2 * n + 1, MPI_LONG,
				MPI_SUM, 0, comm));
	if (k.agreed >= 0)
		HX_CHECK_MPI(MPI_Bcast(k.reason, sizeof k.reason, MPI_CHAR, k.agreed % W, comm));
	if (rank == 0) {
		errors_gathered(r, n, k.state, k.value, k.agreed, k.reason, (int)k.value[n]);
		how(a, comm, W, r);
	}
	if (k.cbcomm != MPI_COMM_NULL)
		HX_CHECK_MPI(MPI_Comm_free(&k.cbcomm));
	free(k.state);
}
