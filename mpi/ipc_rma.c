/* ipc_rma.c: the one-sided channels of `ipc` on MPI (mpi/ipc.c runs them and has the
 * two-sided ones): a rank writes into the peer's memory, no receive matches it.
 *   rma     a ring in the receiver's window (passive target, one MPI_Win_lock_all epoch):
 *           the sender waits for a free slot, MPI_Put + flush the message into it, adds 1
 *           to the receiver's `head` (MPI_Accumulate + flush); the receiver polls its own
 *           head (MPI_Fetch_and_op NO_OP), copies the slot out, adds 1 to `acked`.
 *   shmwin  the spin ring of exercises/ipc.c in an MPI-3 shared-memory window (each
 *           rank's part holds the ring it receives on); loads and stores, no MPI call
 *           per message. Not applicable across nodes.
 * A library file, linked into every MPI program: its functions are ipc_*. */
#include "ipc_chan.h"

#include <string.h>

#define CTL 64 /* rma: bytes of the window before the slots: head, acked */

int ipc_same_node(MPI_Comm comm)
{
	MPI_Comm node;
	int rank, size, nsize;
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	HX_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
	HX_CHECK_MPI(MPI_Comm_size(node, &nsize));
	HX_CHECK_MPI(MPI_Comm_free(&node));
	return nsize == size;
}

/* ---- rma ---------------------------------------------------------------------------- */
/* Slots start 8-byte aligned: MPICH 4.0 (ch4:ucx) loses or corrupts puts of 1 and 2 bytes
 * to unaligned places next to a slot being read. */
static size_t rma_stride(size_t bytes)
{
	return (bytes + 7) & ~(size_t)7;
}

static long read_own(struct ipc_chan *c, MPI_Aint disp)
{
	long v;
	HX_CHECK_MPI(MPI_Fetch_and_op(NULL, &v, MPI_LONG, c->me, disp, MPI_NO_OP, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->me, c->win));
	return v;
}

static void add_peer(struct ipc_chan *c, MPI_Aint disp)
{
	long one = 1;
	HX_CHECK_MPI(MPI_Accumulate(&one, 1, MPI_LONG, c->peer, disp, 1, MPI_LONG, MPI_SUM, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->peer, c->win));
}

/* my window: head, acked, then IPC_SLOTS slots, zeroed; one passive epoch to all */
void ipc_rma_open(struct ipc_chan *c)
{
	size_t bytes = CTL + IPC_SLOTS * rma_stride(c->a->bytes);

	HX_CHECK_MPI(MPI_Win_allocate((MPI_Aint)bytes, 1, MPI_INFO_NULL, c->comm, &c->base,
				      &c->win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(c->win, MPI_ERRORS_RETURN));
	memset(c->base, 0, bytes);
	HX_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
}

void ipc_rma_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Aint slot = CTL + (MPI_Aint)((size_t)(c->sent % IPC_SLOTS) * rma_stride(c->a->bytes));
	while (c->sent - read_own(c, sizeof(long)) >= IPC_SLOTS) /* the ring is full */
		;
	HX_CHECK_MPI(MPI_Put(buf, (int)n, MPI_BYTE, c->peer, slot, (int)n, MPI_BYTE, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->peer, c->win)); /* the data is there before the count */
	add_peer(c, 0);
	c->sent++;
}

void ipc_rma_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	size_t slot = CTL + (size_t)(c->received % IPC_SLOTS) * rma_stride(c->a->bytes);
	while (read_own(c, 0) <= c->received)
		;
	HX_CHECK_MPI(MPI_Win_sync(c->win)); /* see the peer's puts in our own memory */
	memcpy(buf, c->base + slot, n);
	c->received++;
	add_peer(c, sizeof(long)); /* the slot is free again */
}

/* ---- shmwin ----------------------------------------------------------------------------- */
/* The ring I receive on is my part of a shared window; I send on the peer's part:
 * direction me lies there, direction peer here. */
void ipc_shmwin_open(struct ipc_chan *c)
{
	/* whole pages, so each rank's part starts aligned */
	size_t ringlen = (sizeof(struct ipc_ring) + IPC_SLOTS * c->a->bytes + 4095) &
			 ~(size_t)4095;
	MPI_Aint len;
	int disp;
	unsigned char *peer;

	HX_CHECK_MPI(MPI_Win_allocate_shared((MPI_Aint)ringlen, 1, MPI_INFO_NULL, c->comm,
					     &c->base, &c->win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(c->win, MPI_ERRORS_RETURN));
	HX_CHECK_MPI(MPI_Win_shared_query(c->win, c->peer, &len, &disp, &peer));
	memset(c->base, 0, ringlen);
	c->ring.ring[c->peer] = (struct ipc_ring *)c->base;
	c->ring.slots[c->peer] = c->base + sizeof(struct ipc_ring);
	c->ring.ring[c->me] = (struct ipc_ring *)peer;
	c->ring.slots[c->me] = peer + sizeof(struct ipc_ring);
	c->ring.slot = c->a->bytes;
	c->ring.side = c->me;
	HX_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
}

void ipc_win_close(struct ipc_chan *c)
{
	HX_CHECK_MPI(MPI_Win_unlock_all(c->win));
	HX_CHECK_MPI(MPI_Win_free(&c->win));
}
