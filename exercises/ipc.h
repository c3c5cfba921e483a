/* ipc.h: exercise 9, ways to share data between two workers and what they cost
 * (catalogue section 9).
 *
 * The seed (Q5) lists the ways processes share data: Queue, Pipe, Manager, Value/Array,
 * shared_memory, mmap. Here two workers pass messages of `bytes` bytes over a channel:
 *   latency  ping-pong: worker 0 sends, worker 1 answers; one-way = round trip / 2
 *   stream   worker 0 sends 2*iters messages back to back, worker 1 acknowledges the
 *            last one with a short message; bandwidth = bytes moved / time. Out of the
 *            cache: message k is read from, and received into, the k-th message-sized
 *            place of an arena of 4 x the last-level cache per side (ipc_llc), so no
 *            message finds its source or destination in the cache (the headline figure)
 *   cached   the same stream with the same buffers reused (as osu_bw): one send and one
 *            receive buffer per side, and with a window (MPI nonblocking, pointer) the
 *            window's messages all from one buffer into one, stamped once a window (the
 *            receiver checks the window's stamps and counts its messages); the data
 *            stays in the cache (the ring channels' slots stay there in both streams)
 * Channels (variants): threads and processes alike (the same mechanism on both sides,
 * so a report compares like with like): condvar (a mailbox, a mutex and a condition
 * variable; process-shared between processes), pipe, socketpair, mqueue (POSIX message
 * queue); the ring: spin (threads, in the heap) and shm (processes, the same ring in a
 * MAP_SHARED mapping); threads only: pointer (zero copy: the sender lends the receiver
 * its own buffer, a pointer through a ring; nothing is copied, so its bandwidth is the
 * cost of the hand-off); MPI: sendrecv, nonblocking, rma (put + flush, a ring in the
 * peer's window), shmwin (the spin ring in an MPI-3 shared-memory window); OpenMP: spin,
 * pointer.
 *
 * Every message is checked, and nothing costly happens while the clock runs. A message
 * is a pattern of its size and direction with its sequence number stamped into its
 * first and its last 8 bytes. Inside the timed loops the receiver only compares those
 * stamps with the next number it expects (O(1) per message; a message out of order, a
 * lost or a repeated one shows there). Outside them it checks every byte of some
 * messages: the first IPC_VERIFY of the warm-up, the acknowledgement, and IPC_VERIFY
 * more round trips after the stream; their digests (position-sensitive) are chained in
 * order of arrival, and the validator compares count, stamps and chain with
 * ipc_expected(). */
#ifndef IPC_H
#define IPC_H

#include <stddef.h>
#include <stdint.h>

enum ipc_channel {
	IPC_CONDVAR, IPC_SPIN, IPC_POINTER, IPC_PIPE, IPC_SOCKETPAIR, IPC_MQUEUE, IPC_SHM,
	IPC_SENDRECV, IPC_NONBLOCKING, IPC_RMA, IPC_SHMWIN,
};

#define IPC_WARMUP 16 /* untimed round trips before the clock starts, in every repetition */
#define IPC_VERIFY 4  /* messages each way checked byte by byte, before and after the clock */
#define IPC_SLOTS 4   /* slots of a ring (spin, shm, shmwin, rma; pointer: of pointers) */

/* Worker counts: the messages pass between workers 0 and 1 of the team. With W > 2 the
 * others start with the team and idle (they return at once; on MPI they leave the case's
 * collectives at once), so a figure at any W is that of one pair and compares with W = 2
 * (W/2 pairs at once would measure the pairs' contention for cores and memory instead).
 * With W = 1 the case is n/a, with the reason (exit 0), so a job of any size runs. */
struct ipc_args {
	enum ipc_channel ch;
	int workers;  /* the team: workers 0 and 1 pass messages, the rest idle */
	size_t bytes; /* message size */
	long iters;   /* timed round trips; the stream sends 2 * iters messages */
	size_t arena_len; /* bytes of each side's arena for the out-of-cache stream: 4 x LLC */
	unsigned char *arena[2]; /* side w's arena (ipc_arena), or NULL: ipc_side finds one */
};

/* The last-level cache in bytes: from sysfs (/sys/devices/system/cpu/cpu0/cache/index*,
 * the highest level of a data or unified cache); 0 when sysfs does not say (then *src
 * is "none"). *src: where it came from. */
size_t ipc_llc(const char **src);
/* Side w's arena of len bytes (written once, every page touched), kept for the life of the
 * process and reused by every case: allocated with alloc (NULL: the heap) and given back
 * with release when a case wants a larger one. Backends whose workers are forked
 * (procs) call it in the parent with shared memory, before the team starts. */
unsigned char *ipc_arena(int w, size_t len, void *(*alloc)(size_t),
			 void (*release)(void *, size_t));

/* Direction 0 is worker 0 -> worker 1, direction 1 the way back. */
struct ipc_result {
	double lat_s;          /* worker 0: the timed round trips */
	double stream_s;       /* worker 0: first streamed message sent .. acknowledgement back */
	double cached_s;       /* worker 0: the same for the cached stream */
	long count[2];         /* messages received in each direction */
	long misstamped[2];    /* of them, those whose stamps were not the next sequence number */
	long first_bad[2];     /* the sequence number where the first of those was due, or -1 */
	uint64_t digest[2];    /* the digests of the fully checked messages, chained in order */
};

/* Round trips for a message size when -n is given: -n, fewer for big messages (at most
 * ~32 MiB each way per phase), at least 8. Calibrated (no -n): the calibration's count at
 * every size, grown until each phase lasts --target-ms. */
long ipc_iters(long n, size_t bytes);
/* Size of the short acknowledgement that ends the stream. */
static inline size_t ipc_ack_bytes(size_t bytes)
{
	return bytes < 8 ? bytes : 8;
}

/* ---- payloads ------------------------------------------------------------------------ */
void ipc_fill(unsigned char *buf, size_t n, int dir);                /* the pattern */
/* Stamps seq into the first and the last min(n, 8) bytes (the last win where they meet). */
void ipc_stamp(unsigned char *buf, size_t n, int dir, uint64_t seq);
/* 1 when the stamped bytes of buf are those of message seq: O(1), for the timed loops. */
int ipc_stamp_ok(const unsigned char *buf, size_t n, int dir, uint64_t seq);
/* Digest of every byte: 64-bit words (a zero-padded tail) mixed in order, FNV style,
 * so a changed, moved or swapped byte changes it. */
uint64_t ipc_digest(const unsigned char *buf, size_t n);
/* The chain: chained = ipc_chain(chained, ipc_digest(message)), from 0. */
static inline uint64_t ipc_chain(uint64_t chained, uint64_t digest)
{
	return (chained ^ digest) * 0x100000001B3ULL + 0x9E3779B97F4A7C15ULL;
}
/* What a correct run receives in direction dir: the message count and digest chain. */
void ipc_expected(const struct ipc_args *a, int dir, uint64_t *digest, long *count);

/* ---- the protocol, the same for every channel ------------------------------------------ */
struct ipc_ops {
	void (*send)(void *ctx, const unsigned char *buf, size_t n); /* returns when buf is free */
	void (*recv)(void *ctx, unsigned char *buf, size_t n);       /* exactly n bytes */
	void *ctx;
	/* Optional (NULL: send, then recv): worker 0's half of a round trip at once, the
	 * receive posted before the send (MPI nonblocking). */
	void (*exchange)(void *ctx, const unsigned char *sbuf, unsigned char *rbuf, size_t n);
	/* Optional (NULL: one send / recv each): m <= window messages of n bytes in flight
	 * at once, each in its own buffer; returns when all are sent / all have arrived. */
	void (*send_many)(void *ctx, unsigned char *const *bufs, int m, size_t n);
	void (*recv_many)(void *ctx, unsigned char *const *bufs, int m, size_t n);
	int window; /* with send_many/recv_many: messages per batch (ipc_window(); MPI
		     * nonblocking: its own, mpi/ipc.c) */
	int cached_window; /* the cached stream's batch, its messages all in one buffer (0:
			    * window; MPI nonblocking: 64 at every size, as osu_bw) */
	/* Optional (zero copy, pointer; recv unused then): the receiver is lent the sender's
	 * buffer holding the next n-byte message, reads it in place, and gives it back with
	 * release; with recv_ref, send_many alone makes the batches. */
	const unsigned char *(*recv_ref)(void *ctx, size_t n);
	void (*release)(void *ctx);
};
/* A window for batches of n-byte messages: up to 64 of them, ~8 MiB in flight (the
 * pointer channels; MPI's nonblocking keeps up to 64 MiB, mpi/ipc.c). */
int ipc_window(size_t n);
/* Runs worker `side` (0 or 1) of warm-up, ping-pong, stream and the checks after them.
 * sbuf and rbuf hold a->bytes; sbuf is filled here. Side 0 sets r->lat_s, r->stream_s
 * and the figures of direction 1; side 1 those of direction 0. */
void ipc_side(int side, const struct ipc_args *a, const struct ipc_ops *ops, unsigned char *sbuf,
	      unsigned char *rbuf, struct ipc_result *r);

/* ---- a ring of IPC_SLOTS slots, one writer and one reader, in any shared memory ------ */
struct ipc_ring {
	uint64_t head;      /* messages written (the writer's) */
	uint32_t head_sleepers; /* the reader sleeps on head (IPC_SPIN_MAX, exercises/ipc.c) */
	char pad[52];       /* head and tail on separate cache lines (padding, not alignment: */
	uint64_t tail;      /* the ring may lie anywhere 8-byte aligned, e.g. an MPI window) */
	uint32_t tail_sleepers; /* the writer sleeps on tail, the ring being full */
	char pad2[52];
};
/* How a ring's waiter waits (every ring channel the same: spin, shm, shmwin): it spins
 * IPC_SPIN_MAX rounds (a pause each, about as long as a sleep and a wake-up cost here),
 * then sleeps in the kernel (a futex on the word it waits for, which works across
 * processes in shared memory) until the other side's store wakes it. */
#define IPC_SPIN_MAX 2048
/* The slots are IPC_SLOTS * slot bytes at `data` (the address in the caller's mapping). */
void ipc_ring_send(struct ipc_ring *r, unsigned char *data, size_t slot, const unsigned char *buf,
		   size_t n);
void ipc_ring_recv(struct ipc_ring *r, unsigned char *data, size_t slot, unsigned char *buf,
		   size_t n);
/* Two rings, one per direction, as one side sees them: it sends on ring[side] and
 * receives on ring[1 - side]. The ctx of ipc_duplex_send / ipc_duplex_recv, the
 * operations of every ring channel (spin, shm, shmwin). */
struct ipc_duplex {
	struct ipc_ring *ring[2]; /* ring[d] carries direction d */
	unsigned char *slots[2];  /* its IPC_SLOTS slots */
	size_t slot;              /* bytes of a slot: the message size */
	int side;
};
void ipc_duplex_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_duplex_recv(void *ctx, unsigned char *buf, size_t n);

/* ---- pointer: zero copy between threads of one address space ---------------------------
 * Per direction a ring of IPC_SLOTS pointers (the ring above, its slots holding the
 * address of the sender's buffer instead of a copy of it): head counts the messages lent,
 * tail those the receiver has given back. The sender publishes a pointer to its own
 * filled buffer and does not touch that buffer again until tail has passed it (send
 * returns then; send_many once every buffer of its batch is back); the receiver reads
 * the message in place (stamps, and in full where ipc_side checks in full) and only
 * then moves tail on. The same spin-then-futex waits as the ring. */
struct ipc_handoff {
	struct ipc_ring ring;
	const unsigned char *ptr[IPC_SLOTS];
};
/* A side's ends, the ctx of the operations: it lends on h[side], borrows from h[1 - side]. */
struct ipc_lend {
	struct ipc_handoff *h[2];
	int side;
};
void ipc_lend_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_lend_send_many(void *ctx, unsigned char *const *bufs, int m, size_t n);
const unsigned char *ipc_lend_recv(void *ctx, size_t n);
void ipc_lend_release(void *ctx);

/* ---- one direction's figures as plain words, for a worker that must send them to the
 * one that judges (MPI: rank 1 sees direction 0, rank 0 judges) ------------------------ */
#define IPC_PACKED 4
void ipc_pack(const struct ipc_result *r, int dir, int64_t out[IPC_PACKED]);
void ipc_unpack(struct ipc_result *r, int dir, const int64_t in[IPC_PACKED]);

/* ---- the parallel part, one per backend --------------------------------------------------- */
/* NULL when the backend has channel ch, else why not (for "not applicable: ..."). */
const char *ipc_na(enum ipc_channel ch);
/* One repetition between workers 0 and 1 of a team of a->workers (MPI: ranks 0 and 1 of
 * the case, the other ranks idle; the results on rank 0). */
void ipc_run(const struct ipc_args *a, struct ipc_result *r);

#endif
