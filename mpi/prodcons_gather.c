/* prodcons_gather.c: after `prodcons` on MPI, every rank's side and the consumers' logs
 * of ids reach rank 0, which rebuilds the tally the validator reads (prodcons_mpi.h). */
#include "prodcons_mpi.h"

#include <stdlib.h>

/* Rank 0 rebuilds the tally from the sides and the consumers' logs, in their order. */
static void tally(const struct pc_args *a, struct pc_tally *t, const struct pc_side *sides,
		  const int *counts, const int *displs, const uint32_t *all)
{
	for (int p = 0; p < a->producers; p++)
		t->prod[p] = sides[p];
	for (int r = a->producers; r < a->producers + a->consumers; r++)
		pc_took_log(t, r - a->producers, &sides[r], all + displs[r], counts[r]);
}

void pc_gather(MPI_Comm comm, const struct pc_args *a, const struct pc_side *me,
	       const uint32_t *log, int count, struct pc_tally *t)
{
	struct pc_side *sides = NULL;
	uint32_t *all = NULL;
	int rank, size, *counts = NULL, *displs = NULL;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (rank == 0) {
		sides = hx_calloc((size_t)size, sizeof *sides);
		counts = hx_calloc((size_t)size, sizeof *counts);
		displs = hx_calloc((size_t)size, sizeof *displs);
	}
	HX_CHECK_MPI(MPI_Gather(me, (int)sizeof *me, MPI_BYTE, sides, (int)sizeof *me, MPI_BYTE,
				0, comm));
	HX_CHECK_MPI(MPI_Gather(&count, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
	if (rank == 0) {
		long total = 0;
		for (int r = 0; r < size; r++) {
			displs[r] = (int)total;
			total += counts[r];
		}
		all = hx_calloc((size_t)(total > 0 ? total : 1), sizeof *all);
	}
	HX_CHECK_MPI(MPI_Gatherv(log, count, MPI_UINT32_T, all, counts, displs, MPI_UINT32_T, 0,
				 comm));
	if (rank == 0)
		tally(a, t, sides, counts, displs, all);
	free(all);
	free(sides);
	free(counts);
	free(displs);
}
