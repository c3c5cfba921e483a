/* hybrid.h: the hybrid backend, R MPI ranks of T OpenMP threads each.
 *
 * A case of W workers runs on the first R = ceil(W / T) ranks of MPI_COMM_WORLD (the
 * case's communicator, hx_mpi_comm()), each with T OpenMP threads but the last, which
 * has W - (R-1) T; T is OMP_NUM_THREADS (else the cores), the least over the ranks.
 * Worker g of the case is thread g - r T of rank r = g / T. MPI is initialised at
 * MPI_THREAD_FUNNELED (harness/backend_mpi.c, built for this backend by
 * hybrid/hx_backend.c): only a rank's master thread calls MPI, outside a parallel
 * region or inside `omp master`. */
#ifndef HY_HYBRID_H
#define HY_HYBRID_H

#include "hx_mpi.h"

/* T: the threads of a full rank (OMP_NUM_THREADS, the same on every rank) */
int hy_threads_per_rank(void);
/* the threads of rank r of the current case (0 for a rank outside it) */
int hy_rank_threads(int rank);
/* the case's worker number of thread 0 of rank r: r T */
int hy_first_worker(int rank);

/* A thread's part: every thread of every rank of the case, inside one parallel region
 * of hy_rank_threads(rank) threads; MPI only under `omp master` (FUNNELED). */
typedef void (*hy_body)(MPI_Comm comm, int rank, int tid, void *arg);
/* A rank's part after its threads have joined (its master thread alone): the
 * reduction or gathering over the ranks. */
typedef void (*hy_rank_body)(MPI_Comm comm, int rank, void *arg);

/* The timed region (team.c): the team of each rank is created first (an empty region,
 * untimed), then every rank meets the others at MPI_Barrier, stamps, runs one parallel
 * region of its threads (each checks the team: short, exit 3) calling threads(...),
 * then after(...) on its master thread (may be NULL), meets the others again and
 * stamps. Returns this rank's seconds; the driver keeps the slowest rank's. */
double hy_team_run(hy_body threads, hy_rank_body after, void *arg);

/* Inside threads(...), called by every thread of every rank of the case at the same
 * point: an omp barrier, the master thread meets the other ranks at MPI_Barrier and
 * writes the clock (seconds) into *at, an omp barrier. Two of them time a part of the
 * region (sync leaves its round 0 out). */
void hy_team_stamp(MPI_Comm comm, double *at);

#endif
