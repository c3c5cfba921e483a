/* team.h: time a region on the ranks of an MPI case. The MPI exercises use it so that
 * their files hold only what each rank does and how the ranks communicate: the
 * barriers and the clock live here (team.c).
 *
 * The ranks are the case's: the first W of MPI_COMM_WORLD, in the communicator
 * hx_mpi_comm() (harness/backend_mpi.c made it; MPI_Init is there too). Every rank
 * meets the others at a barrier, stamps the start, runs body, meets them again, and
 * stamps the end: its time is the slowest rank's work plus one barrier, and the
 * driver keeps the largest time over the ranks. */
#ifndef MP_TEAM_H
#define MP_TEAM_H

#include "hx_mpi.h"

typedef void (*mp_body)(MPI_Comm comm, int rank, void *arg);

/* body(comm, rank, arg) on every rank of the case between two barriers; returns this
 * rank's seconds. */
double mp_team_run(mp_body body, void *arg);

#endif
