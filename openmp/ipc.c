/* ipc.c: `ipc` on OpenMP threads: channels `spin` and `pointer`. Two threads of one
 * parallel region pass messages through the ring of exercises/ipc.c (slots in shared
 * memory, an atomic head and tail): with spin the writer copies into a free slot and
 * publishes it, the reader waits for it, copies it out and frees it; with pointer
 * (zero copy, ipc_lend) the slots carry pointers to the writer's own buffers, which
 * the reader reads in place and gives back. OpenMP has no other channel to offer; the
 * other variants say so. openmp/team.c runs the two sides on one team; each side times
 * its messages itself (ipc_side, exercises/ipc.c).
 * Run: OMP_NUM_THREADS=2 build/openmp/ipc --variant spin,pointer -m 8:1M */
#include "ipc.h"

#include "hx.h"
#include "team.h"

#include <stdlib.h>
#include <string.h>

const char *ipc_na(enum ipc_channel ch)
{
	if (ch == IPC_SPIN || ch == IPC_POINTER)
		return NULL;
	return "OpenMP threads share memory directly; this backend has `spin` (a shared ring "
	       "and an atomic flag) and `pointer` (the same ring, carrying pointers) only";
}

struct job {
	const struct ipc_args *a;
	struct ipc_result *r;
	struct ipc_ring ring[2];  /* spin: ring[d] carries direction d */
	unsigned char *slots[2];
	struct ipc_handoff lend[2]; /* pointer: lend[d] carries direction d */
	unsigned char *buf[2][2]; /* each side's send and receive buffers */
};

/* each side times its own messages (ipc_side, exercises/ipc.c); thread w sends on
 * ring[w] (lend[w]) and receives on ring[1 - w] (lend[1 - w]) */
static void body(int w, void *arg)
{
	struct job *jb = arg;
	struct ipc_duplex ring = { { &jb->ring[0], &jb->ring[1] },
				   { jb->slots[0], jb->slots[1] }, jb->a->bytes, w };
	struct ipc_lend lend = { { &jb->lend[0], &jb->lend[1] }, w };
	struct ipc_ops ops = { .send = ipc_duplex_send, .recv = ipc_duplex_recv, .ctx = &ring };
	if (w >= 2) /* threads 0 and 1 pass the messages; the rest of the team idles */
		return;
	if (jb->a->ch == IPC_POINTER)
		ops = (struct ipc_ops){ .send = ipc_lend_send, .send_many = ipc_lend_send_many,
					.recv_ref = ipc_lend_recv, .release = ipc_lend_release,
					.ctx = &lend, .window = ipc_window(jb->a->bytes) };
	ipc_side(w, jb->a, &ops, jb->buf[w][0], jb->buf[w][1], jb->r);
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
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
	/* the case's team (at least two: one alone is n/a; om_team_run checks its size) */
	om_team_run(a->workers, body, &jb, NULL);
	for (int d = 0; d < 2; d++) {
		free(jb.slots[d]);
		for (int k = 0; k < 2; k++)
			free(jb.buf[d][k]);
	}
}
