/* ipc.c: `ipc` on MPI ranks 0 and 1 of the case (with more ranks the others wait).
 * Every channel runs the protocol of ipc_side() (exercises/ipc.c); a channel only gives
 * it the operations:
 *   sendrecv     MPI_Send / MPI_Recv
 *   nonblocking  MPI_Isend / MPI_Irecv: worker 0 posts its receive before its send in a
 *                round trip (the `exchange` operation); the stream keeps a window of up
 *                to 64 messages in flight (send_many / recv_many over ipc_side()'s
 *                batch buffers, one per message, so the stamp of one never changes a
 *                message still being sent)
 *   rma          a ring in the receiver's window: the sender waits for a free slot,
 *                MPI_Put + MPI_Win_flush the message into it, then adds 1 to the
 *                receiver's `head` (MPI_Accumulate + flush); the receiver polls its own
 *                head (MPI_Fetch_and_op NO_OP), copies the slot out and adds 1 to the
 *                sender's `acked`. Passive target, one MPI_Win_lock_all epoch.
 *   shmwin       the spin ring of exercises/ipc.c in an MPI-3 shared-memory window
 *                (each rank's part holds the ring it receives on); loads and stores,
 *                no MPI call per message. Not applicable across nodes.
 * ipc_side() stamps the round trips and the stream (hx_stamp_ns) on rank 0; this file
 * reads no clock. Rank 1 sends what it saw of direction 0 (count, stamps, digest chain)
 * to rank 0 after the protocol, outside every timed region.
 * Run: mpirun -np 2 build/mpi/ipc --variant sendrecv,shmwin -m 8:1M */
#include "ipc.h"

#include "hx_mpi.h"

#include <stdlib.h>
#include <string.h>

#define TAG 9
#define CTL 64 /* rma: bytes of the window before the slots: head, acked */

static int same_node(MPI_Comm comm)
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

/* Called in setup on both ranks of the case: the same answer on both. */
const char *ipc_na(enum ipc_channel ch)
{
	switch (ch) {
	case IPC_SENDRECV:
	case IPC_NONBLOCKING:
	case IPC_RMA:
		return NULL;
	case IPC_SHMWIN:
		return same_node(hx_mpi_comm()) ? NULL
						: "the two ranks are on different nodes: no shared "
						  "memory between them";
	default:
		return "MPI ranks share no memory and have no pipes or queues of their own; this "
		       "backend has sendrecv, nonblocking, rma and shmwin";
	}
}

struct chan {
	const struct ipc_args *a;
	MPI_Comm comm;
	int me, peer;
	/* rma */
	MPI_Win win;
	unsigned char *base;
	long sent, received;
	/* shmwin */
	struct ipc_ring *in, *out;
	unsigned char *in_slots, *out_slots;
};

/* ---- sendrecv ----------------------------------------------------------------------- */
static void mpi_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	HX_CHECK_MPI(MPI_Send(buf, (int)n, MPI_BYTE, c->peer, TAG, c->comm));
}

static void mpi_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	HX_CHECK_MPI(MPI_Recv(buf, (int)n, MPI_BYTE, c->peer, TAG, c->comm, MPI_STATUS_IGNORE));
}

/* ---- rma ---------------------------------------------------------------------------- */
/* Slots start 8-byte aligned: MPICH 4.0 (ch4:ucx) loses or corrupts puts of 1 and 2 bytes
 * to unaligned places next to a slot being read. */
static size_t rma_stride(size_t bytes)
{
	return (bytes + 7) & ~(size_t)7;
}

static long read_own(struct chan *c, MPI_Aint disp)
{
	long v;
	HX_CHECK_MPI(MPI_Fetch_and_op(NULL, &v, MPI_LONG, c->me, disp, MPI_NO_OP, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->me, c->win));
	return v;
}

static void add_peer(struct chan *c, MPI_Aint disp)
{
	long one = 1;
	HX_CHECK_MPI(MPI_Accumulate(&one, 1, MPI_LONG, c->peer, disp, 1, MPI_LONG, MPI_SUM, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->peer, c->win));
}

/* my window: head, acked, then IPC_SLOTS slots, zeroed; one passive epoch to all */
static void rma_open(struct chan *c)
{
	size_t bytes = CTL + IPC_SLOTS * rma_stride(c->a->bytes);

	HX_CHECK_MPI(MPI_Win_allocate((MPI_Aint)bytes, 1, MPI_INFO_NULL, c->comm, &c->base,
				      &c->win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(c->win, MPI_ERRORS_RETURN));
	memset(c->base, 0, bytes);
	HX_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
}

static void rma_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	MPI_Aint slot = CTL + (MPI_Aint)((size_t)(c->sent % IPC_SLOTS) * rma_stride(c->a->bytes));
	while (c->sent - read_own(c, sizeof(long)) >= IPC_SLOTS) /* the ring is full */
		;
	HX_CHECK_MPI(MPI_Put(buf, (int)n, MPI_BYTE, c->peer, slot, (int)n, MPI_BYTE, c->win));
	HX_CHECK_MPI(MPI_Win_flush(c->peer, c->win)); /* the data is there before the count */
	add_peer(c, 0);
	c->sent++;
}

static void rma_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	size_t slot = CTL + (size_t)(c->received % IPC_SLOTS) * rma_stride(c->a->bytes);
	while (read_own(c, 0) <= c->received)
		;
	HX_CHECK_MPI(MPI_Win_sync(c->win)); /* see the peer's puts in our own memory */
	memcpy(buf, c->base + slot, n);
	c->received++;
	add_peer(c, sizeof(long)); /* the slot is free again */
}

/* ---- shmwin ----------------------------------------------------------------------------- */
static void shm_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	ipc_ring_send(c->out, c->out_slots, c->a->bytes, buf, n);
}

static void shm_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	ipc_ring_recv(c->in, c->in_slots, c->a->bytes, buf, n);
}

/* the ring I receive on is my part of a shared window; I send on the peer's part */
static void shm_open(struct chan *c)
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
	c->in = (struct ipc_ring *)c->base;
	c->in_slots = c->base + sizeof(struct ipc_ring);
	c->out = (struct ipc_ring *)peer;
	c->out_slots = peer + sizeof(struct ipc_ring);
	HX_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
}

/* ---- nonblocking ------------------------------------------------------------------------ */
static void nb_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	MPI_Request q;
	HX_CHECK_MPI(MPI_Isend(buf, (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q));
	HX_CHECK_MPI(MPI_Wait(&q, MPI_STATUS_IGNORE));
}

static void nb_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct chan *c = ctx;
	MPI_Request q;
	HX_CHECK_MPI(MPI_Irecv(buf, (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q));
	HX_CHECK_MPI(MPI_Wait(&q, MPI_STATUS_IGNORE));
}

/* the answer's receive is posted before the message leaves */
static void nb_exchange(void *ctx, const unsigned char *sbuf, unsigned char *rbuf, size_t n)
{
	struct chan *c = ctx;
	MPI_Request q[2];
	MPI_Status st[2]; /* not MPI_STATUSES_IGNORE: with MPICH, gcc 12 takes it for an array */
	HX_CHECK_MPI(MPI_Irecv(rbuf, (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q[0]));
	HX_CHECK_MPI(MPI_Isend(sbuf, (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q[1]));
	HX_CHECK_MPI(MPI_Waitall(2, q, st));
}

static void nb_send_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct chan *c = ctx;
	MPI_Request q[64];
	MPI_Status st[64];
	for (int j = 0; j < m; j++)
		HX_CHECK_MPI(MPI_Isend(bufs[j], (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q[j]));
	HX_CHECK_MPI(MPI_Waitall(m, q, st));
}

static void nb_recv_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct chan *c = ctx;
	MPI_Request q[64];
	MPI_Status st[64];
	for (int j = 0; j < m; j++)
		HX_CHECK_MPI(MPI_Irecv(bufs[j], (int)n, MPI_BYTE, c->peer, TAG, c->comm, &q[j]));
	HX_CHECK_MPI(MPI_Waitall(m, q, st));
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct chan c;
	struct ipc_ops ops = { .ctx = &c };
	unsigned char *sbuf = hx_calloc(1, a->bytes), *rbuf = hx_calloc(1, a->bytes);
	int64_t mine[4];

	memset(&c, 0, sizeof c);
	c.a = a;
	c.comm = hx_mpi_comm();
	HX_CHECK_MPI(MPI_Comm_rank(c.comm, &c.me));
	c.peer = 1 - c.me;

	switch (a->ch) {
	case IPC_SENDRECV:
		ops.send = mpi_send;
		ops.recv = mpi_recv;
		break;
	case IPC_NONBLOCKING:
		ops.send = nb_send;
		ops.recv = nb_recv;
		ops.exchange = nb_exchange;
		ops.send_many = nb_send_many;
		ops.recv_many = nb_recv_many;
		ops.window = ipc_window(a->bytes); /* at most 64: the requests above */
		break;
	case IPC_RMA:
		rma_open(&c);
		ops.send = rma_send;
		ops.recv = rma_recv;
		break;
	case IPC_SHMWIN:
		shm_open(&c);
		ops.send = shm_send;
		ops.recv = shm_recv;
		break;
	default:
		break;
	}
	HX_CHECK_MPI(MPI_Barrier(c.comm)); /* windows zeroed on both sides */

	ipc_side(c.me, a, &ops, sbuf, rbuf, r);

	if (a->ch == IPC_RMA || a->ch == IPC_SHMWIN) {
		HX_CHECK_MPI(MPI_Win_unlock_all(c.win));
		HX_CHECK_MPI(MPI_Win_free(&c.win));
	}
	/* rank 1's view of direction 0 goes to rank 0, which judges; only rank 0's times
	 * count */
	if (c.me == 1) {
		mine[0] = (int64_t)r->digest[0];
		mine[1] = r->count[0];
		mine[2] = r->misstamped[0];
		mine[3] = r->first_bad[0];
		HX_CHECK_MPI(MPI_Send(mine, 4, MPI_INT64_T, 0, TAG, c.comm));
		r->lat_s = r->stream_s = 0;
	} else {
		HX_CHECK_MPI(MPI_Recv(mine, 4, MPI_INT64_T, 1, TAG, c.comm, MPI_STATUS_IGNORE));
		r->digest[0] = (uint64_t)mine[0];
		r->count[0] = (long)mine[1];
		r->misstamped[0] = (long)mine[2];
		r->first_bad[0] = (long)mine[3];
	}
	free(sbuf);
	free(rbuf);
}
