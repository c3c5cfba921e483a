/* factorial.c: `factorial` as an MPI master/worker farm. Ranks share no memory, so a
 * task is a message and each result travels back as one message: its k, then the big
 * integer's magnitude (mpz_export). Rank 0 only dispatches: it gives each worker (ranks
 * 1..W-1) a task, posts an MPI_Irecv per worker and waits in MPI_Waitany (Python's
 * as_completed); whichever result arrives first is filed, printed, and its worker gets
 * the next task, or STOP. So W ranks give W-1 computing workers; with one rank there is
 * nobody to hand work to and rank 0 computes alone (fac_serial). mp_team_run (team.c)
 * times the farm between barriers.
 * Run: mpirun -np 3 build/mpi/factorial --variant large -n 10 -r 1 */
#include "factorial.h"

#include "team.h"

#include <stdlib.h>
#include <string.h>

enum { TAG_TASK = 1, TAG_STOP = 2, TAG_RESULT = 3 };

struct ctx {
	size_t cap;           /* bytes of the largest result message */
	unsigned char **buf;  /* master: one receive buffer per worker; worker: buf[0] */
	MPI_Request *req;
	int nbuf;
};

void *fac_open(const struct fac_args *a)
{
	struct ctx *x = hx_calloc(1, sizeof *x);

	/* every message fits the largest factorial of the case, plus the header */
	x->cap = sizeof(long) + fac_max_bytes(a);
	x->nbuf = a->workers;
	x->buf = hx_calloc((size_t)x->nbuf, sizeof *x->buf);
	for (int i = 0; i < x->nbuf; i++)
		x->buf[i] = hx_alloc(x->cap);
	x->req = hx_calloc((size_t)x->nbuf, sizeof *x->req);
	return x;
}

void fac_close(void *ctx)
{
	struct ctx *x = ctx;
	for (int i = 0; i < x->nbuf; i++)
		free(x->buf[i]);
	free(x->buf);
	free(x->req);
	free(x);
}

/* worker rank i+1 gets the next task, and request i waits for its result; or STOP */
static void give(struct ctx *x, MPI_Comm comm, int i, long *next, const struct fac_args *a)
{
	long none = -1;

	x->req[i] = MPI_REQUEST_NULL;
	if (*next >= a->ntasks) {
		HX_CHECK_MPI(MPI_Send(&none, 1, MPI_LONG, i + 1, TAG_STOP, comm));
		return;
	}
	HX_CHECK_MPI(MPI_Send(next, 1, MPI_LONG, i + 1, TAG_TASK, comm));
	++*next;
	HX_CHECK_MPI(MPI_Irecv(x->buf[i], (int)x->cap, MPI_BYTE, i + 1, TAG_RESULT, comm,
			       &x->req[i]));
}

static void master(struct ctx *x, MPI_Comm comm, int W, const struct fac_args *a,
		   mpz_t *values, long *order)
{
	long next = 0, j = 0;

	/* workers are ranks 1..W-1; request i belongs to rank i+1 */
	for (int i = 0; i < W - 1; i++)
		give(x, comm, i, &next, a);
	while (j < a->ntasks) {
		MPI_Status st;
		int i, bytes;
		long k;

		HX_CHECK_MPI(MPI_Waitany(W - 1, x->req, &i, &st));
		if (i == MPI_UNDEFINED)
			hx_die(__FILE__, __LINE__, "MPI_Waitany", "no worker has a task, tasks remain");
		HX_CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &bytes));
		memcpy(&k, x->buf[i], sizeof k);
		if (k < 0 || k >= a->ntasks || bytes < (int)sizeof k)
			hx_die(__FILE__, __LINE__, "factorial worker", "a result for no task");
		mpz_import(values[k], (size_t)bytes - sizeof k, 1, 1, 1, 0, x->buf[i] + sizeof k);
		order[j] = k;
		fac_report(a, k, j, values[k]);
		j++;
		give(x, comm, i, &next, a); /* the next task, or STOP */
	}
}

static void worker(struct ctx *x, MPI_Comm comm, const struct fac_args *a)
{
	mpz_t v;

	mpz_init(v);
	for (;;) {
		MPI_Status st;
		long k;
		size_t bytes = 0;

		HX_CHECK_MPI(MPI_Recv(&k, 1, MPI_LONG, 0, MPI_ANY_TAG, comm, &st));
		if (st.MPI_TAG == TAG_STOP)
			break;
		fac_compute(v, fac_task_n(a->variant, k));
		memcpy(x->buf[0], &k, sizeof k);
		mpz_export(x->buf[0] + sizeof k, &bytes, 1, 1, 1, 0, v);
		HX_CHECK_MPI(MPI_Send(x->buf[0], (int)(sizeof k + bytes), MPI_BYTE, 0, TAG_RESULT,
				      comm));
	}
	mpz_clear(v);
}

/* What every rank needs in the timed region. */
struct farm {
	struct ctx *x;
	const struct fac_args *a;
	mpz_t *values;
	long *order;
	int W;
};

static void run_farm(MPI_Comm comm, int rank, void *arg)
{
	const struct farm *f = arg;
	const struct fac_args *a = f->a;

	if (f->W == 1) /* nobody to hand work to: rank 0 computes alone, in input order */
		fac_serial(a, f->values, f->order);
	else if (rank == 0)
		master(f->x, comm, f->W, a, f->values, f->order);
	else
		worker(f->x, comm, a);
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	struct farm f = { ctx, a, values, order, 0 };

	HX_CHECK_MPI(MPI_Comm_size(hx_mpi_comm(), &f.W));
	*seconds = mp_team_run(run_farm, &f);
}
