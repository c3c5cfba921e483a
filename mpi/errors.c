/* errors.c: `errors` on MPI ranks. Rank r runs tasks r, r+W, ... A rank must never
 * leave on its own (the others would wait for it forever), so an error is a value:
 *   return     the task's error is returned, as MPI's own errors are under
 *              MPI_ERRORS_RETURN (shown once: a send to a rank that does not exist
 *              returns MPI_ERR_RANK instead of ending the job); the ranks agree on the
 *              failed task with MPI_Allreduce before anyone leaves
 *   callback   MPI's error callback: an error handler made with
 *              MPI_Comm_create_errhandler on a duplicate of the communicator; the task
 *              raises its error with MPI_Comm_call_errhandler and a user-defined error
 *              class whose string is "bad value"
 *   crash, lockdeath   not applicable (see errors_na)
 * --on-error cancel: after each round of tasks the ranks agree on the error flag
 * (MPI_Allreduce); once it is up, nobody starts another task. MPI_Abort is the last
 * resort, for when the ranks can no longer agree: it ends every rank of the job (the
 * harness uses it when an MPI call fails), so it is described here, not run.
 * mp_team_run (team.c) times the rounds and the agreement between barriers.
 * Run: mpirun -np 4 build/mpi/errors --variant callback --on-error cancel */
#include "errors.h"

#include "team.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what the error handler saw (it runs on the rank that raised the error) */
static int cb_task = -1;
static char cb_reason[MPI_MAX_ERROR_STRING];
static int current_task = -1;
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
	if (a->variant == ERR_CRASH)
		return "a rank is a process, but not a contained one: when one dies by a signal "
		       "mpirun ends every rank of the job (as MPI_Abort does on purpose); "
		       "see procs for a crash the parent survives";
	if (a->variant == ERR_LOCKDEATH)
		return "ranks share no mutex that could be left held: an RMA lock "
		       "(MPI_Win_lock) dies with its job, and a dead rank ends the job";
	return NULL;
}

/* One rank's tasks and what it saw of them. */
struct tasks {
	const struct errors_args *a;
	MPI_Comm cbcomm;  /* callback: the duplicate that carries the handler */
	int *state;
	long *value;
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
		else if (t < n) {
			current_task = t;
			if (errors_task(t, &v, &why) == 0) {
				k->value[t] = v;
				k->state[t] = TASK_DONE;
			} else if (a->variant == ERR_CALLBACK) {
				/* the handler is called; under it the call itself succeeds */
				HX_CHECK_MPI(MPI_Comm_call_errhandler(k->cbcomm, bad_value_code));
				k->state[t] = TASK_FAILED;
				k->failed = cb_task;
				snprintf(k->reason, sizeof k->reason, "%.79s", cb_reason);
			} else {
				/* the error is the task's return value */
				k->state[t] = TASK_FAILED;
				k->failed = t;
				snprintf(k->reason, sizeof k->reason, "%s", why);
			}
		}
		if (a->mode == ERR_CANCEL && !stop) { /* agree on the flag every round */
			int up = k->failed >= 0, any;
			HX_CHECK_MPI(MPI_Allreduce(&up, &any, 1, MPI_INT, MPI_MAX, comm));
			stop = any;
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
	if (a->variant == ERR_RETURN) {
		/* MPI_ERRORS_RETURN (set on the communicator): a bad call returns */
		int x = 0, rc = MPI_Send(&x, 1, MPI_INT, size, 0, comm), cls = -1;
		char text[MPI_MAX_ERROR_STRING];
		int len = 0;
		if (rc == MPI_SUCCESS)
			hx_die(__FILE__, __LINE__, "MPI_Send to a rank beyond the communicator",
			       "succeeded");
		HX_CHECK_MPI(MPI_Error_class(rc, &cls));
		HX_CHECK_MPI(MPI_Error_string(cls, text, &len));
		snprintf(r->how, sizeof r->how, "a returned value, MPI_Allreduce; "
			 "MPI_ERRORS_RETURN: a bad send returned '%.40s'", text);
	} else {
		snprintf(r->how, sizeof r->how, "MPI_Comm_call_errhandler -> the handler "
			 "on the failing rank, MPI_Allreduce");
	}
}

void errors_run(const struct errors_args *a, struct errors_result *r, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank, size, W = a->workers, n = a->ntasks, *all_state = NULL;
	long *all_value = NULL, sums[3], mine[3] = { 0, 0, 0 };
	struct tasks k = { .a = a, .cbcomm = MPI_COMM_NULL, .failed = -1, .agreed = -1 };

	k.state = hx_calloc((size_t)n, sizeof *k.state);
	k.value = hx_calloc((size_t)n, sizeof *k.value);
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (a->variant == ERR_CALLBACK)
		k.cbcomm = callback_comm(comm);

	*seconds = mp_team_run(run_tasks, &k);

	/* rank 0 collects: every task belongs to one rank, so MAX of the states and SUM
	 * of the values put them together; the failed task's owner sends the reason */
	if (rank == 0) {
		all_state = hx_calloc((size_t)n, sizeof *all_state);
		all_value = hx_calloc((size_t)n, sizeof *all_value);
	}
	HX_CHECK_MPI(MPI_Reduce(k.state, all_state, n, MPI_INT, MPI_MAX, 0, comm));
	HX_CHECK_MPI(MPI_Reduce(k.value, all_value, n, MPI_LONG, MPI_SUM, 0, comm));
	mine[0] = k.failed >= 0;
	for (int t = rank; t < n; t += W)
		if (k.state[t] == TASK_DONE) {
			mine[1]++;
			mine[2] += k.value[t];
		}
	HX_CHECK_MPI(MPI_Reduce(mine, sums, 3, MPI_LONG, MPI_SUM, 0, comm));
	if (k.agreed >= 0 && k.agreed % W != 0) {
		if (rank == k.agreed % W)
			HX_CHECK_MPI(MPI_Send(k.reason, sizeof k.reason, MPI_CHAR, 0, 7, comm));
		else if (rank == 0)
			HX_CHECK_MPI(MPI_Recv(k.reason, sizeof k.reason, MPI_CHAR, k.agreed % W, 7,
					      comm, MPI_STATUS_IGNORE));
	}
	if (rank == 0) {
		for (int t = 0; t < n; t++) {
			r->task[t].state = all_state[t];
			r->task[t].value = all_value[t];
		}
		if (k.agreed >= 0)
			snprintf(r->task[k.agreed].reason, sizeof r->task[k.agreed].reason, "%s",
				 k.reason);
		r->reported = (int)sums[0];
		r->log_n = sums[1];
		r->log_sum = sums[2];
		r->lock_free = 1; /* no lock is shared between ranks */
		how(a, comm, size, r);
		free(all_state);
		free(all_value);
	}
	if (k.cbcomm != MPI_COMM_NULL)
		HX_CHECK_MPI(MPI_Comm_free(&k.cbcomm));
	free(k.state);
	free(k.value);
}
