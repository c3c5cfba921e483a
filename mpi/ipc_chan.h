/* ipc_chan.h: the channel of `ipc` on MPI as mpi/ipc.c (the run, the two-sided channels
 * sendrecv and nonblocking) and mpi/ipc_rma.c (the one-sided ones, rma and shmwin: a
 * library linked into every MPI program, hence the ipc_ names) both see it. */
#ifndef IPC_CHAN_H
#define IPC_CHAN_H

#include "ipc.h"

#include "hx_mpi.h"

#define IPC_TAG 9

struct ipc_chan {
	const struct ipc_args *a;
	MPI_Comm comm;
	int me, peer;
	MPI_Win win;            /* rma, shmwin */
	unsigned char *base;    /* my part of it */
	long sent, received;    /* rma: messages put into the peer's ring, taken from mine */
	struct ipc_duplex ring; /* shmwin: ring[d] lies in the part of d's receiver */
};

/* 1 when every rank of comm is on this node (can share memory): the same on all. */
int ipc_same_node(MPI_Comm comm);

/* rma: my window holds the ring I receive on; send and recv take the channel as ctx */
void ipc_rma_open(struct ipc_chan *c);
void ipc_rma_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_rma_recv(void *ctx, unsigned char *buf, size_t n);
/* shmwin: c->ring, the spin ring of exercises/ipc.c in a shared-memory window */
void ipc_shmwin_open(struct ipc_chan *c);
/* either: the epoch ends, the window is freed */
void ipc_win_close(struct ipc_chan *c);

#endif
