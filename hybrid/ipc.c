/* ipc.c: `ipc` on the hybrid backend: between two threads of one rank, or between two
 * ranks, as the case lays out its 2 workers (hybrid.h): with OMP_NUM_THREADS >= 2 both
 * are threads of rank 0, with OMP_NUM_THREADS=1 they are ranks 0 and 1 (one thread each).
 *   threads of one rank  spin (the shared ring of exercises/ipc.c, an atomic head and
 *                        tail) and pointer (the same ring carrying pointers to the
 *                        writer's buffers), as on openmp, in one parallel region
 *                        (team.c)
 *   ranks                sendrecv (MPI_Send / MPI_Recv) by each rank's master thread,
 *                        as on mpi; rank 1 sends what it saw of direction 0 to rank 0
 *                        after the protocol, outside every timed region
 * Any other channel is n/a, and says which layout has it. ipc_side (exercises/ipc.c)
 * times each side's messages itself.
 * Run: OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/ipc --variant spin,pointer
 *      OMP_NUM_THREADS=1 tools/mpilaunch 2 build/hybrid/ipc --variant sendrecv */
#include "ipc.h"

#include "hybrid.h"

#include <stdlib.h>
#include <string.h>

#define HY_IPC_TAG 9

/* the case's 2 workers: threads of rank 0 (1), ranks 0 and 1 (0), or fewer than 2 (-1) */
static int threads_of_one_rank(void)
{
	if (hy_rank_threads(0) >= 2)
		return 1;
	return hy_rank_threads(1) >= 1 ? 0 : -1;
}

/* Called in setup on every rank of the case: the same answer on all. */
const char *ipc_na(enum ipc_channel ch)
{
	int threads = threads_of_one_rank();

	if (threads < 0)
		return "ipc runs between 2 workers: start 2 ranks, or OMP_NUM_THREADS=2";
	if (threads)
		return ch == IPC_SPIN || ch == IPC_POINTER
			       ? NULL
			       : "the 2 workers are threads of one rank (OMP_NUM_THREADS >= 2), which "
				 "have spin and pointer; between ranks (OMP_NUM_THREADS=1): sendrecv";
	return ch == IPC_SENDRECV ? NULL
				  : "the 2 workers are ranks (OMP_NUM_THREADS=1), which have "
				    "sendrecv; threads of one rank (OMP_NUM_THREADS >= 2): spin, pointer";
}

/* ---- threads of one rank ------------------------------------------------------------ */
struct job {
	const struct ipc_args *a;
	struct ipc_result *r;
	struct ipc_ring ring[2];    /* spin: ring[d] carries direction d */
	unsigned char *slots[2];
	struct ipc_handoff lend[2]; /* pointer: lend[d] carries direction d */
	unsigned char *buf[2][2];   /* each side's send and receive buffers */
};

/* thread `side` sends on ring[side] (lend[side]) and receives on the other */
static void side_thread(MPI_Comm comm, int rank, int side, void *arg)
{
	struct job *jb = arg;
	struct ipc_duplex ring = { { &jb->ring[0], &jb->ring[1] },
				   { jb->slots[0], jb->slots[1] }, jb->a->bytes, side };
	struct ipc_lend lend = { { &jb->lend[0], &jb->lend[1] }, side };
	struct ipc_ops ops = { .send = ipc_duplex_send, .recv = ipc_duplex_recv, .ctx = &ring };

	(void)comm;
	(void)rank;
	if (jb->a->ch == IPC_POINTER)
		ops = (struct ipc_ops){ .send = ipc_lend_send, .send_many = ipc_lend_send_many,
					.recv_ref = ipc_lend_recv, .release = ipc_lend_release,
					.ctx = &lend, .window = ipc_window(jb->a->bytes) };
	ipc_side(side, jb->a, &ops, jb->buf[side][0], jb->buf[side][1], jb->r);
}

static void between_threads(const struct ipc_args *a, struct ipc_result *r)
{
	struct job jb;

	memset(&jb, 0, sizeof jb);
	jb.a = a;
	jb.r = r;
	for (int d = 0; d < 2; d++) {
		if (a->ch == IPC_SPIN)
			jb.slots[d] = hx_calloc(IPC_SLOTS, a->bytes);
		for (int k = 0; k < 2; k++)
			jb.buf[d][k] = hx_calloc(1, a->bytes);
	}
	(void)hy_team_run(side_thread, NULL, &jb); /* 2 threads, checked */
	for (int d = 0; d < 2; d++) {
		free(jb.slots[d]);
		for (int k = 0; k < 2; k++)
			free(jb.buf[d][k]);
	}
}

/* ---- ranks ----------------------------------------------------------------------------- */
struct peer {
	MPI_Comm comm;
	int other;
};

static void rank_send(void *ctx, const unsigned char *buf, size_t n)
{
	const struct peer *p = ctx;
	HX_CHECK_MPI(MPI_Send(buf, (int)n, MPI_BYTE, p->other, HY_IPC_TAG, p->comm));
}

static void rank_recv(void *ctx, unsigned char *buf, size_t n)
{
	const struct peer *p = ctx;
	HX_CHECK_MPI(MPI_Recv(buf, (int)n, MPI_BYTE, p->other, HY_IPC_TAG, p->comm,
			      MPI_STATUS_IGNORE));
}

static void between_ranks(const struct ipc_args *a, struct ipc_result *r)
{
	struct peer p = { .comm = hx_mpi_comm() };
	struct ipc_ops ops = { .send = rank_send, .recv = rank_recv, .ctx = &p };
	unsigned char *sbuf = hx_calloc(1, a->bytes), *rbuf = hx_calloc(1, a->bytes);
	int64_t mine[IPC_PACKED];
	int me;

	HX_CHECK_MPI(MPI_Comm_rank(p.comm, &me));
	p.other = 1 - me;
	HX_CHECK_MPI(MPI_Barrier(p.comm));
	ipc_side(me, a, &ops, sbuf, rbuf, r);
	/* rank 1's view of direction 0 goes to rank 0, which judges */
	if (me == 1) {
		ipc_pack(r, 0, mine);
		HX_CHECK_MPI(MPI_Send(mine, IPC_PACKED, MPI_INT64_T, 0, HY_IPC_TAG, p.comm));
		r->lat_s = r->stream_s = 0;
	} else {
		HX_CHECK_MPI(MPI_Recv(mine, IPC_PACKED, MPI_INT64_T, 1, HY_IPC_TAG, p.comm,
				      MPI_STATUS_IGNORE));
		ipc_unpack(r, 0, mine);
	}
	free(sbuf);
	free(rbuf);
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	if (threads_of_one_rank() > 0)
		between_threads(a, r);
	else
		between_ranks(a, r);
}
