/* team.c: the timed region of every MPI exercise (see team.h). */
#include "team.h"

double mp_team_run(mp_body body, void *arg)
{
	double t;

	mp_team_phases(&body, 1, arg, &t);
	return t;
}

void mp_team_phases(const mp_body *phase, int n, void *arg, double *t)
{
	MPI_Comm comm = hx_mpi_comm();
	int rank;
	double prev, now;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Barrier(comm));
	prev = hx_now();
	for (int i = 0; i < n; i++) {
		if (phase[i] != NULL)
			phase[i](comm, rank, arg);
		if (i == n - 1)
			HX_CHECK_MPI(MPI_Barrier(comm));
		now = hx_now();
		t[i] = now - prev;
		prev = now;
	}
}
