/* sumsquares_bufs.c: the buffers of mpi/sumsquares.c and dynamic's gathering
 * (sumsquares_bufs.h). */
#include "sumsquares_bufs.h"

#include <stdlib.h>
#include <string.h>

static void *touched(size_t n, size_t size)
{
	void *p = hx_calloc(n > 0 ? n : 1, size);
	memset(p, 0xff, (n > 0 ? n : 1) * size); /* the pages are mapped before the start */
	return p;
}

void ss_bufs_open(struct map *b, int rank, int W)
{
	const struct ss_args *a = b->a;
	long n = a->n;
	int dyn = a->variant == SS_DYNAMIC; /* a rank may get every chunk */

	b->nchunks = (n + a->chunk - 1) / a->chunk;
	b->nmine = a->variant == SS_STATIC ? n / W + 1 : a->variant == SS_CYCLIC ? (n + W - 1) / W
										: dyn ? n : 0;
	b->mine = touched((size_t)b->nmine, sizeof *b->mine);
	b->starts = dyn ? touched((size_t)b->nchunks, sizeof *b->starts) : NULL;
	if (rank != 0)
		return;
	b->counts = touched((size_t)W, sizeof *b->counts);
	b->displs = touched((size_t)W, sizeof *b->displs);
	if (a->variant == SS_CYCLIC)
		b->all = touched((size_t)b->nmine * (size_t)W, sizeof *b->all);
	if (dyn) {
		b->scounts = touched((size_t)W, sizeof *b->scounts);
		b->sdispls = touched((size_t)W, sizeof *b->sdispls);
		b->all = touched((size_t)n, sizeof *b->all);
		b->allstarts = touched((size_t)b->nchunks, sizeof *b->allstarts);
		b->sizes = touched(2 * (size_t)W, sizeof *b->sizes);
	}
}

void ss_bufs_close(struct map *b)
{
	free(b->mine);
	free(b->starts);
	free(b->counts);
	free(b->displs);
	free(b->scounts);
	free(b->sdispls);
	free(b->all);
	free(b->allstarts);
	free(b->sizes);
}

long ss_gather_chunks(MPI_Comm comm, int rank, struct map *b, long nvals, long nstarts)
{
	long tot[2] = { 0, 0 }, *sizes = b->sizes, mine2[2] = { nvals, nstarts };

	HX_CHECK_MPI(MPI_Gather(mine2, 2, MPI_LONG, sizes, 2, MPI_LONG, 0, comm));
	if (rank == 0)
		for (int r = 0; r < b->W; r++) {
			b->counts[r] = (int)sizes[2 * r];
			b->displs[r] = (int)tot[0];
			b->scounts[r] = (int)sizes[2 * r + 1];
			b->sdispls[r] = (int)tot[1];
			tot[0] += sizes[2 * r];
			tot[1] += sizes[2 * r + 1];
		}
	if (rank == 0 && (tot[0] > b->a->n || tot[1] > b->nchunks)) {
		/* more than N values: some index came twice; room for all, the merge says
		 * which (a failure: its time does not matter) */
		free(b->all);
		free(b->allstarts);
		b->all = hx_calloc((size_t)tot[0] + 1, sizeof *b->all);
		b->allstarts = hx_calloc((size_t)tot[1] + 1, sizeof *b->allstarts);
	}
	HX_CHECK_MPI(MPI_Gatherv(b->starts, (int)nstarts, MPI_LONG, b->allstarts, b->scounts,
				 b->sdispls, MPI_LONG, 0, comm));
	HX_CHECK_MPI(MPI_Gatherv(b->mine, (int)nvals, MPI_UINT64_T, b->all, b->counts, b->displs,
				 MPI_UINT64_T, 0, comm));
	return tot[1];
}
