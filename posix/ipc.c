/* ipc.c: `ipc` on POSIX threads (build/pthreads/ipc: condvar, spin, pointer, pipe,
 * socketpair, mqueue) and fork()ed processes (build/procs/ipc, PX_PROCS=1: condvar,
 * pipe, socketpair, mqueue, shm): condvar and the kernel channels are the same code on
 * both, so threads and processes compare with the same mechanism. Workers 0 and 1 run
 * ipc_side() (exercises/ipc.c) over a channel made before the team starts:
 *   condvar     a mailbox per direction, a mutex and a condition variable (process-
 *               shared for processes, PX_PSHARED) in team memory: ipc_box.c
 *   spin, shm   the ring of exercises/ipc.c per direction, in team memory: the heap for
 *               threads (spin), a MAP_SHARED mapping (px_team_alloc) for processes (shm)
 *   pointer     threads: zero copy, a ring of pointers per direction (ipc_lend,
 *               exercises/ipc.c): the receiver reads the sender's own buffer in place
 *   pipe, socketpair, mqueue   through the kernel: ipc_kernel.c
 * The results and buffers of a process team lie in shared memory; every buffer is
 * touched before the start, so no page fault lands in the timed region.
 * Run: build/procs/ipc --variant pipe,shm -m 8:1M */
#include "ipc.h"
#include "ipc_chan.h"
#include "team.h"

#include "hx.h"

#include <string.h>

const char *ipc_na(enum ipc_channel ch)
{
	switch (ch) {
	case IPC_CONDVAR:
	case IPC_PIPE:
	case IPC_SOCKETPAIR:
	case IPC_MQUEUE:
		return NULL;
	case IPC_SPIN:
		return PX_PROCS ? "the threads' ring in the heap; processes have the same ring in a "
				  "MAP_SHARED mapping: shm"
				: NULL;
	case IPC_POINTER:
		return PX_PROCS ? "a pointer means nothing in another address space: processes "
				  "copy (pipe, shm) or map"
				: NULL;
	case IPC_SHM:
		return PX_PROCS ? NULL
				: "the processes' ring in a MAP_SHARED mapping; threads have the same "
				  "ring in the heap: spin";
	default:
		return "an MPI channel (the mpi backend)";
	}
}

/* ---- the channel: everything both workers use; all in team memory -------------------- */
struct chan {
	struct ipc_args a;
	struct ipc_result res;
	unsigned char *buf[2][2];   /* [worker][0 send, 1 receive] */
	size_t buflen;
	struct ipc_mailbox box[2];  /* condvar: box[d] carries direction d */
	struct ipc_ring ring[2];    /* spin, shm: ring[d] carries direction d */
	unsigned char *slots[2];
	struct ipc_handoff lend[2]; /* pointer: lend[d] carries direction d */
	struct ipc_kchan k;         /* pipe, socketpair, mqueue */
};

static const struct ipc_ops channel_ops[] = {
	[IPC_CONDVAR] = { .send = ipc_box_send, .recv = ipc_box_recv },
	[IPC_SPIN] = { .send = ipc_duplex_send, .recv = ipc_duplex_recv },
	[IPC_POINTER] = { .send = ipc_lend_send, .send_many = ipc_lend_send_many,
			  .recv_ref = ipc_lend_recv, .release = ipc_lend_release },
	[IPC_PIPE] = { .send = ipc_stream_send, .recv = ipc_stream_recv },
	[IPC_SOCKETPAIR] = { .send = ipc_stream_send, .recv = ipc_stream_recv },
	[IPC_MQUEUE] = { .send = ipc_mq_send, .recv = ipc_mq_recv },
	[IPC_SHM] = { .send = ipc_duplex_send, .recv = ipc_duplex_recv },
};

/* Worker w sends in direction w and receives in direction 1 - w, through an end of the
 * channel's kind: a pair of mailboxes, a pair of rings (of slots or of pointers), or the
 * kernel channel. */
static void worker(int w, void *arg)
{
	struct chan *c = arg;
	struct ipc_box_end box = { &c->box[w], &c->box[1 - w] };
	struct ipc_duplex ring = { { &c->ring[0], &c->ring[1] }, { c->slots[0], c->slots[1] },
				   c->a.bytes, w };
	struct ipc_lend lend = { { &c->lend[0], &c->lend[1] }, w };
	struct ipc_kend kern = { &c->k, w };
	void *end[] = { [IPC_CONDVAR] = &box, [IPC_SPIN] = &ring, [IPC_POINTER] = &lend,
			[IPC_PIPE] = &kern, [IPC_SOCKETPAIR] = &kern, [IPC_MQUEUE] = &kern,
			[IPC_SHM] = &ring };
	struct ipc_ops ops = channel_ops[c->a.ch];

	ops.ctx = end[c->a.ch];
	if (c->a.ch == IPC_POINTER)
		ops.window = ipc_window(c->a.bytes); /* a batch of buffers lent at once */
	if (w < 2) /* workers 0 and 1; the rest of the team idles */
		ipc_side(w, &c->a, &ops, c->buf[w][0], c->buf[w][1], &c->res);
}

/* zeroed team memory, every page touched now rather than in the timed region */
static void *touched(size_t len)
{
	void *p = px_team_alloc(len);
	memset(p, 0, len);
	return p;
}

static void open_channel(struct chan *c)
{
	for (int d = 0; d < 2 && c->a.ch == IPC_CONDVAR; d++)
		ipc_box_open(&c->box[d], c->a.bytes);
	for (int d = 0; d < 2 && (c->a.ch == IPC_SPIN || c->a.ch == IPC_SHM); d++)
		c->slots[d] = touched(IPC_SLOTS * c->a.bytes);
	c->k.bytes = c->a.bytes;
	ipc_kernel_open(&c->k, c->a.ch); /* pipe, socketpair, mqueue */
}

static void close_channel(struct chan *c)
{
	for (int d = 0; d < 2 && c->a.ch == IPC_CONDVAR; d++)
		ipc_box_close(&c->box[d]);
	for (int d = 0; d < 2 && (c->a.ch == IPC_SPIN || c->a.ch == IPC_SHM); d++)
		px_team_free(c->slots[d], IPC_SLOTS * c->a.bytes);
	ipc_kernel_close(&c->k, c->a.ch);
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct chan *c = px_team_alloc(sizeof *c);

	c->a = *a;
	/* the out-of-cache stream's arenas, kept for every case: shared memory made before
	 * the workers are forked, so no child copies a page on write in the timed region */
	for (int w = 0; w < 2; w++)
		c->a.arena[w] = ipc_arena(w, a->arena_len, px_team_alloc, px_team_free);
	c->buflen = a->bytes + IPC_MQ_SLACK; /* room for one more queue message (mqueue) */
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++)
			c->buf[w][k] = touched(c->buflen);
	open_channel(c);
	(void)px_team_run(a->workers, worker, c);
	*r = c->res;
	close_channel(c);
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++)
			px_team_free(c->buf[w][k], c->buflen);
	px_team_free(c, sizeof *c);
}
