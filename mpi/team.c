/* team.c: the timed region of every MPI exercise (see team.h). */
#include "team.h"

double mp_team_run(mp_body body, void *arg)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank;
	double t0;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Barrier(comm));
	t0 = hx_now();
	body(comm, rank, arg);
	HX_CHECK_MPI(MPI_Barrier(comm));
	return hx_now() - t0;
}
