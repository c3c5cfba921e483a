/* ipc.c: `ipc` on MPI ranks 0 and 1 of the case (with more ranks the others idle). Each
 * channel gives ipc_side() (exercises/ipc.c) its operations; the two-sided ones are here:
 *   sendrecv     MPI_Send / MPI_Recv
 *   nonblocking  MPI_Isend / MPI_Irecv: worker 0 posts its receive before its send in a
 *                round trip (`exchange`); the stream posts its messages in windows of
 *                NB_WINDOW (64, as osu_bw) in flight at once (send_many / recv_many):
 *                in the stream each in its own place of the side's arena (out of the
 *                cache), so every message keeps its own stamps; in the cached stream
 *                all from one buffer into one, 64 at every size, as osu_bw. A window
 *                of the stream holds at most NB_WINDOW_BYTES (64 MiB): 64 messages up
 *                to 1 MiB, 32 at 2 MiB, 16 at 4 MiB; the arena (exercises/ipc.c) is at
 *                least that.
 * and the one-sided rma and shmwin in mpi/ipc_rma.c. ipc_side() stamps the times on
 * rank 0 (this file reads no clock); rank 1 sends what it saw of direction 0 to rank 0
 * after the protocol, outside every timed region.
 * Run: mpirun -np 2 build/mpi/ipc --variant sendrecv,shmwin -m 8:1M */
#include "ipc.h"
#include "ipc_chan.h"

#include "hx_mpi.h"

#include <stdlib.h>
#include <string.h>

/* Called in setup on both ranks of the case: the same answer on both. */
const char *ipc_na(enum ipc_channel ch)
{
	switch (ch) {
	case IPC_SENDRECV:
	case IPC_NONBLOCKING:
	case IPC_RMA:
		return NULL;
	case IPC_SHMWIN:
		return ipc_same_node(hx_mpi_comm()) ? NULL
						    : "the two ranks are on different nodes: no "
						      "shared memory between them";
	case IPC_POINTER:
		return "a pointer means nothing in another address space: ranks copy (sendrecv, "
		       "rma) or map (shmwin)";
	default:
		return "MPI ranks share no memory and have no pipes or queues of their own; this "
		       "backend has sendrecv, nonblocking, rma and shmwin";
	}
}

/* ---- sendrecv ----------------------------------------------------------------------- */
static void mpi_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	HX_CHECK_MPI(MPI_Send(buf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm));
}

static void mpi_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	HX_CHECK_MPI(MPI_Recv(buf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, MPI_STATUS_IGNORE));
}

/* ---- nonblocking ------------------------------------------------------------------------ */
#define NB_WINDOW 64                 /* messages in flight in the stream, as osu_bw */
#define NB_WINDOW_BYTES (64u << 20) /* their buffers: at most this much on each rank */

/* the stream's window for n-byte messages: NB_WINDOW, fewer above 1 MiB, at least 1 */
static int nb_window(size_t n)
{
	size_t w = NB_WINDOW_BYTES / (n ? n : 1);
	return w < 1 ? 1 : w > NB_WINDOW ? NB_WINDOW : (int)w;
}

static void nb_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Request q;
	HX_CHECK_MPI(MPI_Isend(buf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q));
	HX_CHECK_MPI(MPI_Wait(&q, MPI_STATUS_IGNORE));
}

static void nb_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Request q;
	HX_CHECK_MPI(MPI_Irecv(buf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q));
	HX_CHECK_MPI(MPI_Wait(&q, MPI_STATUS_IGNORE));
}

/* the answer's receive is posted before the message leaves */
static void nb_exchange(void *ctx, const unsigned char *sbuf, unsigned char *rbuf, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Request q[2];
	MPI_Status st[2]; /* not MPI_STATUSES_IGNORE: with MPICH, gcc 12 takes it for an array */
	HX_CHECK_MPI(MPI_Irecv(rbuf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q[0]));
	HX_CHECK_MPI(MPI_Isend(sbuf, (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q[1]));
	HX_CHECK_MPI(MPI_Waitall(2, q, st));
}

static void nb_send_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Request q[NB_WINDOW];
	MPI_Status st[NB_WINDOW];
	for (int j = 0; j < m; j++)
		HX_CHECK_MPI(MPI_Isend(bufs[j], (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q[j]));
	HX_CHECK_MPI(MPI_Waitall(m, q, st));
}

static void nb_recv_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct ipc_chan *c = ctx;
	MPI_Request q[NB_WINDOW];
	MPI_Status st[NB_WINDOW];
	for (int j = 0; j < m; j++)
		HX_CHECK_MPI(MPI_Irecv(bufs[j], (int)n, MPI_BYTE, c->peer, IPC_TAG, c->comm, &q[j]));
	HX_CHECK_MPI(MPI_Waitall(m, q, st));
}

static const struct ipc_ops channel_ops[] = {
	[IPC_SENDRECV] = { .send = mpi_send, .recv = mpi_recv },
	[IPC_NONBLOCKING] = { .send = nb_send, .recv = nb_recv, .exchange = nb_exchange,
			      .send_many = nb_send_many, .recv_many = nb_recv_many },
	[IPC_RMA] = { .send = ipc_rma_send, .recv = ipc_rma_recv },
	[IPC_SHMWIN] = { .send = ipc_duplex_send, .recv = ipc_duplex_recv },
};

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct ipc_chan c = { .a = a };
	struct ipc_ops ops = channel_ops[a->ch];
	unsigned char *sbuf, *rbuf;
	int64_t mine[IPC_PACKED];
	int rank;

	/* ranks 0 and 1 of the case pass the messages on a communicator of their own (the
	 * windows are made and freed on it); the others idle: they return at once */
	HX_CHECK_MPI(MPI_Comm_rank(hx_mpi_comm(), &rank));
	HX_CHECK_MPI(MPI_Comm_split(hx_mpi_comm(), rank < 2 ? 0 : MPI_UNDEFINED, rank, &c.comm));
	if (c.comm == MPI_COMM_NULL)
		return;
	sbuf = hx_calloc(1, a->bytes);
	rbuf = hx_calloc(1, a->bytes);
	HX_CHECK_MPI(MPI_Comm_rank(c.comm, &c.me));
	c.peer = 1 - c.me;
	ops.ctx = &c;
	if (a->ch == IPC_NONBLOCKING) {
		ops.window = nb_window(a->bytes); /* at most NB_WINDOW: the requests above */
		ops.cached_window = NB_WINDOW;    /* one buffer: 64 at every size, as osu_bw */
	}
	if (a->ch == IPC_RMA)
		ipc_rma_open(&c);
	if (a->ch == IPC_SHMWIN) {
		ipc_shmwin_open(&c);
		ops.ctx = &c.ring;
	}
	HX_CHECK_MPI(MPI_Barrier(c.comm)); /* windows zeroed on both sides */

	ipc_side(c.me, a, &ops, sbuf, rbuf, r);

	if (a->ch == IPC_RMA || a->ch == IPC_SHMWIN)
		ipc_win_close(&c);
	/* rank 1's view of direction 0 goes to rank 0, which judges; only rank 0's times
	 * count */
	if (c.me == 1) {
		ipc_pack(r, 0, mine);
		HX_CHECK_MPI(MPI_Send(mine, IPC_PACKED, MPI_INT64_T, 0, IPC_TAG, c.comm));
		r->lat_s = r->stream_s = 0;
	} else {
		HX_CHECK_MPI(MPI_Recv(mine, IPC_PACKED, MPI_INT64_T, 1, IPC_TAG, c.comm,
				      MPI_STATUS_IGNORE));
		ipc_unpack(r, 0, mine);
	}
	free(sbuf);
	free(rbuf);
	HX_CHECK_MPI(MPI_Comm_free(&c.comm));
}
