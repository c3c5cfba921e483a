/* team.c: the timed region of every hybrid exercise (see hybrid.h). */
#include "hybrid.h"

#include <omp.h>

double hy_team_run(hy_body threads, hy_rank_body after, void *arg)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank, nt;
	double t0, t1;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	nt = hy_rank_threads(rank);
	/* the threads exist before the clock starts (a later region wakes them) */
#pragma omp parallel num_threads(nt) default(none) shared(nt)
	hx_omp_team_check(nt);
	HX_CHECK_MPI(MPI_Barrier(comm));
	t0 = hx_now();
#pragma omp parallel num_threads(nt) default(none) shared(nt, threads, comm, rank, arg)
	{
		hx_omp_team_check(nt);
		if (threads != NULL)
			threads(comm, rank, omp_get_thread_num(), arg);
	}
	if (after != NULL)
		after(comm, rank, arg);
	HX_CHECK_MPI(MPI_Barrier(comm));
	t1 = hx_now();
	return t1 - t0;
}

void hy_team_stamp(MPI_Comm comm, double *at)
{
#pragma omp barrier
#pragma omp master
	{
		HX_CHECK_MPI(MPI_Barrier(comm));
		*at = hx_now();
	}
#pragma omp barrier
}
