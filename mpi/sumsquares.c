/* sumsquares.c: `sumsquares` on MPI ranks. Ranks share no memory, so each schedule
 * also says how the results reach rank 0 (inside the timed region: it is part of the
 * price of processes):
 *   static   rank r maps one contiguous block; MPI_Gatherv puts the blocks in place
 *   cyclic   rank r maps n = r, r+W, ...; MPI_Gather of the packed values, rank 0
 *            puts them in place
 *   dynamic  a shared counter in an RMA window on rank 0: each grab is one
 *            MPI_Fetch_and_op(MPI_SUM); each rank fills the indices it took in a
 *            zeroed copy of the array, and MPI_Reduce(MPI_SUM) merges the copies (each
 *            index is computed by exactly one rank, so the sum is the value; an index
 *            computed twice would come out doubled and fail validation)
 *   guided   not applicable (see ss_not_applicable)
 * Run: mpirun -np 2 build/mpi/sumsquares -n 60000 --variant serial,cyclic */
#include "sumsquares.h"

#include "hx_mpi.h"

#include <stdlib.h>
#include <string.h>

const char *ss_not_applicable(enum ss_variant v)
{
	if (v == SS_GUIDED)
		return "MPI has no loop scheduler: a guided grab depends on what is left, so it "
		       "needs a compare-and-swap retry loop over RMA; dynamic shows the shared "
		       "counter (MPI_Fetch_and_op)";
	return NULL;
}

static void run_static(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank, int W)
{
	long q = a->n / W, r = a->n % W;
	long lo = rank * q + (rank < r ? rank : r), cnt = q + (rank < r ? 1 : 0);
	int *counts = NULL, *displs = NULL;
	uint64_t *mine = hx_calloc((size_t)(cnt > 0 ? cnt : 1), sizeof *mine);

	for (long i = 0; i < cnt; i++)
		mine[i] = ss_sum_square((uint64_t)(lo + i));
	if (rank == 0) {
		counts = hx_calloc((size_t)W, sizeof *counts);
		displs = hx_calloc((size_t)W, sizeof *displs);
		for (int k = 0; k < W; k++) {
			counts[k] = (int)(q + (k < r ? 1 : 0));
			displs[k] = (int)(k * q + (k < r ? k : r));
		}
	}
	HX_CHECK_MPI(MPI_Gatherv(mine, (int)cnt, MPI_UINT64_T, out, counts, displs,
				 MPI_UINT64_T, 0, comm));
	free(mine);
	free(counts);
	free(displs);
}

static void run_cyclic(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank, int W)
{
	long per = (a->n + W - 1) / W; /* every rank sends `per` values, padded */
	uint64_t *mine = hx_calloc((size_t)per, sizeof *mine), *all = NULL;
	long k = 0;

	for (long i = rank; i < a->n; i += W)
		mine[k++] = ss_sum_square((uint64_t)i);
	if (rank == 0)
		all = hx_calloc((size_t)per * (size_t)W, sizeof *all);
	HX_CHECK_MPI(MPI_Gather(mine, (int)per, MPI_UINT64_T, all, (int)per, MPI_UINT64_T, 0, comm));
	if (rank == 0) /* rank r's k-th value is index r + k*W */
		for (int r = 0; r < W; r++)
			for (long j = 0, i = r; i < a->n; j++, i += W)
				out[i] = all[(size_t)r * (size_t)per + (size_t)j];
	free(mine);
	free(all);
}

static void run_dynamic(const struct ss_args *a, uint64_t *out, MPI_Comm comm, int rank,
			MPI_Win win)
{
	uint64_t *mine = hx_calloc((size_t)a->n, sizeof *mine);
	long lo, chunk = a->chunk;

	for (;;) {
		HX_CHECK_MPI(MPI_Fetch_and_op(&chunk, &lo, MPI_LONG, 0, 0, MPI_SUM, win));
		HX_CHECK_MPI(MPI_Win_flush(0, win));
		if (lo >= a->n)
			break;
		ss_map(mine, lo, lo + chunk < a->n ? lo + chunk : a->n);
	}
	HX_CHECK_MPI(MPI_Reduce(mine, rank == 0 ? out : NULL, (int)a->n, MPI_UINT64_T, MPI_SUM, 0,
				comm));
	free(mine);
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	MPI_Win win = MPI_WIN_NULL;
	long *counter = NULL;
	int rank, W;
	double t0;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &W));
	if (a->variant == SS_DYNAMIC) {
		/* the counter: one long on rank 0, zero before anyone grabs */
		HX_CHECK_MPI(MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(long) : 0, sizeof(long),
					      MPI_INFO_NULL, comm, &counter, &win));
		HX_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
		HX_CHECK_MPI(MPI_Win_lock_all(0, win));
		if (rank == 0) {
			long zero = 0;
			HX_CHECK_MPI(MPI_Put(&zero, 1, MPI_LONG, 0, 0, 1, MPI_LONG, win));
			HX_CHECK_MPI(MPI_Win_flush(0, win));
		}
	}
	HX_CHECK_MPI(MPI_Barrier(comm)); /* the counter is 0 before anyone looks */
	t0 = hx_now();
	switch (a->variant) {
	case SS_STATIC:
		run_static(a, out, comm, rank, W);
		break;
	case SS_CYCLIC:
		run_cyclic(a, out, comm, rank, W);
		break;
	case SS_DYNAMIC:
		run_dynamic(a, out, comm, rank, win);
		break;
	case SS_SERIAL: /* run by the exercise itself */
	case SS_GUIDED: /* refused in setup */
		break;
	}
	HX_CHECK_MPI(MPI_Barrier(comm));
	*seconds = hx_now() - t0;
	if (win != MPI_WIN_NULL) {
		HX_CHECK_MPI(MPI_Win_unlock_all(win));
		HX_CHECK_MPI(MPI_Win_free(&win));
	}
}
