/* ipc.c: `ipc` on OpenMP threads: channel `spin` only. Two threads of one parallel
 * region pass messages through the ring of exercises/ipc.c (slots in shared memory,
 * an atomic head and tail): the writer copies into a free slot and publishes it, the
 * reader waits for it, copies it out and frees it. OpenMP has no other channel to
 * offer; the other variants say so. openmp/team.c runs the two sides on one team;
 * each side times its messages itself (ipc_side, exercises/ipc.c).
 * Run: OMP_NUM_THREADS=2 build/openmp/ipc --variant spin -m 8:1M */
#include "ipc.h"

#include "hx.h"
#include "team.h"

#include <stdlib.h>
#include <string.h>

const char *ipc_na(enum ipc_channel ch)
{
	if (ch == IPC_SPIN)
		return NULL;
	return "OpenMP threads share memory directly; this backend has `spin` (a shared ring "
	       "and an atomic flag) only";
}

struct job {
	const struct ipc_args *a;
	struct ipc_result *r;
	struct ipc_ring ring[2];  /* ring[d] carries direction d */
	unsigned char *slots[2];
	unsigned char *buf[2][2]; /* each side's send and receive buffers */
};

/* each side times its own messages (ipc_side, exercises/ipc.c); thread w sends on
 * ring[w] and receives on ring[1 - w] */
static void body(int w, void *arg)
{
	struct job *jb = arg;
	struct ipc_duplex ring = { { &jb->ring[0], &jb->ring[1] },
				   { jb->slots[0], jb->slots[1] }, jb->a->bytes, w };
	struct ipc_ops ops = { .send = ipc_duplex_send, .recv = ipc_duplex_recv, .ctx = &ring };
	ipc_side(w, jb->a, &ops, jb->buf[w][0], jb->buf[w][1], jb->r);
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct job jb;
	memset(&jb, 0, sizeof jb);
	jb.a = a;
	jb.r = r;
	for (int d = 0; d < 2; d++) {
		jb.slots[d] = hx_calloc(IPC_SLOTS, a->bytes);
		for (int k = 0; k < 2; k++)
			jb.buf[d][k] = hx_calloc(1, a->bytes);
	}
	/* two threads; a lone one would wait for its peer for ever (om_team_run checks) */
	om_team_run(2, body, &jb, NULL);
	for (int d = 0; d < 2; d++) {
		free(jb.slots[d]);
		for (int k = 0; k < 2; k++)
			free(jb.buf[d][k]);
	}
}
