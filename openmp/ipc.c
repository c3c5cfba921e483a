/* ipc.c: `ipc` on OpenMP threads: channel `spin` only. Two threads of one parallel
 * region pass messages through the ring of exercises/ipc.c (slots in shared memory,
 * an atomic head and tail): the writer copies into a free slot and publishes it, the
 * reader waits for it, copies it out and frees it. OpenMP has no other channel to
 * offer; the other variants say so.
 * Run: OMP_NUM_THREADS=2 build/openmp/ipc --variant spin -m 8:1M */
#include "ipc.h"

#include "hx.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

const char *ipc_lacks(enum ipc_channel ch)
{
	if (ch == IPC_SPIN)
		return NULL;
	return "OpenMP threads share memory directly; this backend has `spin` (a shared ring "
	       "and an atomic flag) only";
}

struct chan {
	const struct ipc_args *a;
	struct ipc_ring ring[2]; /* ring[d] carries direction d */
	unsigned char *slots[2];
};

struct endpoint {
	struct chan *c;
	int side;
};

static void ring_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	ipc_ring_send(&e->c->ring[e->side], e->c->slots[e->side], e->c->a->bytes, buf, n);
}

static void ring_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	ipc_ring_recv(&e->c->ring[1 - e->side], e->c->slots[1 - e->side], e->c->a->bytes, buf, n);
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct chan c;
	unsigned char *buf[2][2];
	memset(&c, 0, sizeof c);
	c.a = a;
	for (int d = 0; d < 2; d++) {
		c.slots[d] = hx_calloc(IPC_SLOTS, a->bytes);
		for (int k = 0; k < 2; k++)
			buf[d][k] = hx_calloc(1, a->bytes);
	}
#pragma omp parallel num_threads(2) default(none) shared(a, r, c, buf)
	{
		int w = omp_get_thread_num();
		struct endpoint e = { &c, w };
		struct ipc_ops ops = { .send = ring_send, .recv = ring_recv, .ctx = &e };
		hx_omp_team_check(2); /* a lone thread would wait for its peer for ever */
		ipc_side(w, a, &ops, buf[w][0], buf[w][1], r);
	}
	for (int d = 0; d < 2; d++) {
		free(c.slots[d]);
		for (int k = 0; k < 2; k++)
			free(buf[d][k]);
	}
}
