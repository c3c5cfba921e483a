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

/* The same region cut into n >= 1 phases run one after the other: barrier, stamp,
 * phase[0], stamp, phase[1], stamp, ..., phase[n-1], barrier, stamp. t[i] gets this
 * rank's seconds in phase i (the closing barrier counts in the last). Between phases
 * there is no barrier: a phase that must end together holds its own (on whatever
 * communicator it made), so each rank stamps when it is done with it. */
void mp_team_phases(const mp_body *phase, int n, void *arg, double *t);

#endif
