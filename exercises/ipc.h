/* ipc.h: exercise 9, ways to share data between two workers and what they cost
 * (catalogue section 9).
 *
 * The seed (Q5) lists the ways processes share data: Queue, Pipe, Manager, Value/Array,
 * shared_memory, mmap. Here two workers pass messages of `bytes` bytes over a channel:
 *   latency  ping-pong: worker 0 sends, worker 1 answers; one-way = round trip / 2
 *   stream   worker 0 sends 2*iters messages back to back, worker 1 acknowledges the
 *            last one with a short message; bandwidth = bytes moved / time
 * Channels (variants): threads: condvar (a shared buffer and a condition variable),
 * spin (a ring of slots and an atomic flag); processes: pipe, socketpair, mqueue (POSIX
 * message queue), shm (the spin ring in a MAP_SHARED mapping); MPI: sendrecv,
 * nonblocking, rma (put + flush, a ring in the peer's window), shmwin (the spin ring in
 * an MPI-3 shared-memory window); OpenMP: spin.
 *
 * Every message is checked: its bytes are a pattern of its size and direction with
 * its sequence number stamped in the first 8 bytes; the receiver adds up a checksum of
 * every message it gets, and the validator compares the totals with ipc_expected(). */
#ifndef IPC_H
#define IPC_H

#include <stddef.h>
#include <stdint.h>

enum ipc_channel {
	IPC_CONDVAR, IPC_SPIN, IPC_PIPE, IPC_SOCKETPAIR, IPC_MQUEUE, IPC_SHM,
	IPC_SENDRECV, IPC_NONBLOCKING, IPC_RMA, IPC_SHMWIN,
};

#define IPC_WARMUP 16 /* untimed round trips before the clock starts, in every repetition */
#define IPC_SLOTS 4   /* slots of a ring (spin, shm, shmwin, rma) */

struct ipc_args {
	enum ipc_channel ch;
	size_t bytes; /* message size */
	long iters;   /* timed round trips; the stream sends 2 * iters messages */
};

/* Direction 0 is worker 0 -> worker 1, direction 1 the way back. */
struct ipc_result {
	double lat_s;     /* worker 0: the timed round trips */
	double stream_s;  /* worker 0: first streamed message sent .. acknowledgement back */
	uint64_t sum[2];  /* checksums of the messages received in each direction, added up */
	long count[2];    /* messages received in each direction */
};

/* Round trips for a message size: -n, fewer for big messages (at most ~32 MiB each way
 * per phase), at least 8. */
long ipc_iters(long n, size_t bytes);
/* Size of the short acknowledgement that ends the stream. */
static inline size_t ipc_ack_bytes(size_t bytes)
{
	return bytes < 8 ? bytes : 8;
}

/* ---- payloads ------------------------------------------------------------------------ */
void ipc_fill(unsigned char *buf, size_t n, int dir);             /* the pattern */
void ipc_stamp(unsigned char *buf, size_t n, int dir, uint64_t seq); /* the first 8 bytes */
uint64_t ipc_checksum(const unsigned char *buf, size_t n);       /* sum of 64-bit words */
/* The totals a correct run receives in direction dir. */
void ipc_expected(const struct ipc_args *a, int dir, uint64_t *sum, long *count);

/* ---- the protocol, the same for every blocking channel --------------------------------- */
struct ipc_ops {
	void (*send)(void *ctx, const unsigned char *buf, size_t n); /* returns when buf is free */
	void (*recv)(void *ctx, unsigned char *buf, size_t n);       /* exactly n bytes */
	void *ctx;
};
/* Runs worker `side` (0 or 1) of warm-up, ping-pong and stream. sbuf and rbuf hold
 * a->bytes; sbuf is filled here. Side 0 sets r->lat_s, r->stream_s, sum[1], count[1];
 * side 1 sets sum[0], count[0]. */
void ipc_side(int side, const struct ipc_args *a, const struct ipc_ops *ops, unsigned char *sbuf,
	      unsigned char *rbuf, struct ipc_result *r);

/* ---- a ring of IPC_SLOTS slots, one writer and one reader, in any shared memory ------ */
struct ipc_ring {
	uint64_t head;      /* messages written (the writer's) */
	char pad[56];       /* head and tail on separate cache lines (padding, not alignment: */
	uint64_t tail;      /* the ring may lie anywhere 8-byte aligned, e.g. an MPI window) */
	char pad2[56];
};
/* The slots are IPC_SLOTS * slot bytes at `data` (the address in the caller's mapping). */
void ipc_ring_send(struct ipc_ring *r, unsigned char *data, size_t slot, const unsigned char *buf,
		   size_t n);
void ipc_ring_recv(struct ipc_ring *r, unsigned char *data, size_t slot, unsigned char *buf,
		   size_t n);

/* ---- the parallel part, one per backend --------------------------------------------------- */
/* NULL when the backend has channel ch, else why not (for "not applicable: ..."). */
const char *ipc_lacks(enum ipc_channel ch);
/* One repetition between workers 0 and 1 (MPI: ranks 0 and 1 of the case; the
 * results on rank 0). */
void ipc_run(const struct ipc_args *a, struct ipc_result *r);

#endif
