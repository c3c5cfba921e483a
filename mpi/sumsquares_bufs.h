/* sumsquares_bufs.h: the buffers of `sumsquares` on MPI (mpi/sumsquares.c), allocated
 * and touched before the timed region so that it holds only the schedule, the
 * computing and the gathering; and the gathering of dynamic's chunks on rank 0. */
#ifndef MP_SUMSQUARES_BUFS_H
#define MP_SUMSQUARES_BUFS_H

#include "sumsquares.h"

#include "hx_mpi.h"

/* What a rank needs during the timed region, allocated (and touched) before it. */
struct map {
	const struct ss_args *a;
	uint64_t *out;
	MPI_Win win;             /* dynamic: the shared counter */
	int W;
	uint64_t *mine;          /* the values this rank computes, packed */
	long *starts;            /* dynamic: the starts of the chunks this rank took */
	int *counts, *displs;    /* rank 0: per rank, for the Gatherv */
	int *scounts, *sdispls;  /* rank 0, dynamic: the same for the chunk starts */
	uint64_t *all;           /* rank 0, cyclic and dynamic: what the ranks sent */
	long *allstarts;         /* rank 0, dynamic */
	long *sizes;             /* rank 0, dynamic: values and chunks of each rank */
	long nmine, nchunks;     /* room in mine and starts */
};

/* Room for what this rank computes and sends (and receives, on rank 0) in m->a's
 * variant, on W ranks; every page touched. m->a is set; the rest is filled. */
void ss_bufs_open(struct map *m, int rank, int W);
void ss_bufs_close(struct map *m);

/* Dynamic, on every rank after its grabs: each rank's nvals values and nstarts chunk
 * starts (m->mine, m->starts) reach rank 0 (MPI_Gather of the two counts, then
 * MPI_Gatherv of only what each rank computed: N values in all), in m->all and
 * m->allstarts. Returns, on rank 0, the number of chunk starts received. */
long ss_gather_chunks(MPI_Comm comm, int rank, struct map *m, long nvals, long nstarts);

#endif
