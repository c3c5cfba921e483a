/* ipc.c: what every backend shares about `ipc`: payloads, stamps and digests, the
 * ping-pong/stream protocol, the spin ring and its two-way ends (ipc_duplex), the
 * pointer hand-off (ipc_lend: the ring's slots carrying pointers), a direction's
 * figures packed for sending, the validator and the hooks (a size sweep:
 * one record per message size). The channels are in openmp/ipc.c, mpi/ipc.c (+
 * ipc_rma.c), posix/ipc.c (+ ipc_kernel.c).
 * Run: build/procs/ipc -w 2 -m 8:4M --variant pipe,shm */
#include "ipc.h"

#include "hx.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

long ipc_iters(long n, size_t bytes)
{
	long cap = (long)((32u << 20) / (bytes ? bytes : 1));
	if (cap < 8)
		cap = 8;
	return n < cap ? n : cap;
}

/* ---- payloads ------------------------------------------------------------------------ */
void ipc_fill(unsigned char *buf, size_t n, int dir)
{
	for (size_t j = 0; j < n; j++)
		buf[j] = (unsigned char)(j * 131u + n * 7u + (size_t)dir * 29u + 1u);
}

static uint64_t stamp_of(int dir, uint64_t seq)
{
	return (seq + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dir;
}

/* the stamp of the last bytes: another number, so a head copied to the tail shows */
static uint64_t tail_of(uint64_t head)
{
	head ^= head >> 31;
	return head * 0xBF58476D1CE4E5B9ULL ^ 0x5555555555555555ULL;
}

void ipc_stamp(unsigned char *buf, size_t n, int dir, uint64_t seq)
{
	uint64_t h = stamp_of(dir, seq), t = tail_of(h);
	size_t k = n < 8 ? n : 8;
	for (size_t j = 0; j < k; j++)
		buf[j] = (unsigned char)(h >> (8 * j));
	for (size_t j = 0; j < k; j++)
		buf[n - k + j] = (unsigned char)(t >> (8 * j));
}

int ipc_stamp_ok(const unsigned char *buf, size_t n, int dir, uint64_t seq)
{
	uint64_t h = stamp_of(dir, seq), t = tail_of(h);
	size_t k = n < 8 ? n : 8;
	for (size_t j = 0; j < k; j++)
		if (buf[n - k + j] != (unsigned char)(t >> (8 * j)))
			return 0;
	for (size_t j = 0; j < k && j < n - k; j++) /* the head bytes the tail left */
		if (buf[j] != (unsigned char)(h >> (8 * j)))
			return 0;
	return 1;
}

/* Little-endian 64-bit words, each xored in and multiplied (FNV-1a on words), the
 * length first: where a byte lies matters as much as what it is. */
__attribute__((noinline)) uint64_t ipc_digest(const unsigned char *buf, size_t n)
{
	const uint64_t prime = 0x100000001B3ULL;
	uint64_t h = (0xCBF29CE484222325ULL ^ (uint64_t)n) * prime, w;
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		memcpy(&w, buf + j, 8);
		h = (h ^ w) * prime;
	}
	if (j < n) {
		w = 0;
		for (size_t k = 0; j + k < n; k++)
			w |= (uint64_t)buf[j + k] << (8 * k);
		h = (h ^ w) * prime;
	}
	return h;
}

/* the digest of message seq of n bytes in direction dir, as sent */
static uint64_t digest_of(unsigned char *tmp, size_t n, int dir, uint64_t seq)
{
	ipc_fill(tmp, n, dir);
	ipc_stamp(tmp, n, dir, seq);
	return ipc_digest(tmp, n);
}

/* Which messages are checked byte by byte (see ipc_side): in each direction the first
 * IPC_VERIFY of the warm-up and the IPC_VERIFY after the stream; in direction 1 also
 * the acknowledgement between them. */
void ipc_expected(const struct ipc_args *a, int dir, uint64_t *digest, long *count)
{
	size_t n = a->bytes;
	unsigned char *tmp = hx_alloc(n ? n : 1);
	uint64_t chain = 0, seq;
	/* direction 0: the round trips and both streams; direction 1: the round trips */
	long before = dir == 0 ? IPC_WARMUP + 5 * a->iters : IPC_WARMUP + a->iters;

	for (seq = 0; seq < IPC_VERIFY; seq++)
		chain = ipc_chain(chain, digest_of(tmp, n, dir, seq));
	seq = (uint64_t)before;
	for (int k = 0; dir == 1 && k < 2; k++) /* the acknowledgements of the two streams */
		chain = ipc_chain(chain, digest_of(tmp, ipc_ack_bytes(n), dir, seq++));
	for (int k = 0; k < IPC_VERIFY; k++)
		chain = ipc_chain(chain, digest_of(tmp, n, dir, seq++));
	free(tmp);
	*digest = chain;
	*count = (long)seq;
}

/* ---- the arena of the out-of-cache stream -------------------------------------------- */
size_t ipc_llc(const char **src)
{
	size_t best = 0;
	int best_level = 0;
	*src = "none";
	for (int i = 0; i < 16; i++) {
		char path[96], type[32] = "";
		unsigned level = 0;
		unsigned long long kib = 0;
		char unit = 0;
		FILE *f;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if ((f = fopen(path, "r")) == NULL)
			break;
		if (fscanf(f, "%u", &level) != 1)
			level = 0;
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%31s", type) != 1)
				type[0] = 0;
			fclose(f);
		}
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu%c", &kib, &unit) < 1)
			kib = 0;
		fclose(f);
		if (unit == 'M')
			kib *= 1024;
		if (strcmp(type, "Instruction") != 0 && (int)level >= best_level && kib > 0) {
			best_level = (int)level;
			best = (size_t)kib * 1024;
			*src = "sysfs";
		}
	}
	return best;
}

static struct {
	unsigned char *p;
	size_t len;
	void (*release)(void *, size_t);
} arenas[2];

unsigned char *ipc_arena(int w, size_t len, void *(*alloc)(size_t), void (*release)(void *, size_t))
{
	if (arenas[w].len >= len && arenas[w].p != NULL)
		return arenas[w].p;
	if (arenas[w].p != NULL) {
		if (arenas[w].release != NULL)
			arenas[w].release(arenas[w].p, arenas[w].len);
		else
			free(arenas[w].p);
	}
	arenas[w].p = alloc != NULL ? alloc(len) : hx_alloc(len);
	arenas[w].len = len;
	arenas[w].release = alloc != NULL ? release : NULL;
	memset(arenas[w].p, 0x5A, len); /* every page a page of its own, now */
	return arenas[w].p;
}

/* ---- the protocol ------------------------------------------------------------------------
 * Side 0 (worker 0) and side 1 (worker 1), in this order:
 *   warm-up   IPC_WARMUP round trips, untimed; the first IPC_VERIFY checked in full
 *   latency   side 0 reads t0, iters round trips, t1
 *   stream    side 0 sends 2 * iters messages (in batches of ops->window when the
 *             channel has send_many), side 1 receives them all and answers with a
 *             short acknowledgement; side 0 reads t2 when it arrives. Message k comes
 *             from place k of side 0's arena and goes to place k of side 1's (out of
 *             the cache)
 *   cached    the same, t2 to t3, from one buffer into one (a window's messages all
 *             from one buffer, stamped once: the window's first sequence number)
 *   verify    IPC_VERIFY round trips, untimed, every byte checked (side 1 sent the
 *             acknowledgement first, so none of this is inside t2 - t1)
 * While the clock runs a receiver only compares stamps (take() with full = 0). A channel
 * that lends its sender's buffer (recv_ref: pointer) is read in place, and given back
 * (release) only once take() is done with it. */
struct rx {
	int dir;
	uint64_t next; /* the sequence number due */
	long count, misstamped, first_bad;
	uint64_t chain;
};

static inline void take(struct rx *x, const unsigned char *buf, size_t n, int full)
{
	if (!ipc_stamp_ok(buf, n, x->dir, x->next) && x->misstamped++ == 0)
		x->first_bad = (long)x->next;
	if (full)
		x->chain = ipc_chain(x->chain, ipc_digest(buf, n));
	x->next++;
	x->count++;
}

/* The next message: copied into buf, or where it lies when the channel lends it
 * (recv_ref), to be given back with give_back() once taken. */
static const unsigned char *next_msg(const struct ipc_ops *ops, unsigned char *buf, size_t n)
{
	if (ops->recv_ref != NULL)
		return ops->recv_ref(ops->ctx, n);
	ops->recv(ops->ctx, buf, n);
	return buf;
}

static void give_back(const struct ipc_ops *ops)
{
	if (ops->recv_ref != NULL)
		ops->release(ops->ctx);
}

/* receives the next message and takes it */
static void recv_take(const struct ipc_ops *ops, struct rx *x, unsigned char *buf, size_t n,
		      int full)
{
	take(x, next_msg(ops, buf, n), n, full);
	give_back(ops);
}

/* side 0: sends sbuf, takes the answer */
static void round_trip(const struct ipc_ops *ops, struct rx *x, const unsigned char *sbuf,
		       unsigned char *rbuf, size_t n, int full)
{
	if (ops->exchange != NULL) {
		ops->exchange(ops->ctx, sbuf, rbuf, n);
		take(x, rbuf, n, full);
	} else {
		ops->send(ops->ctx, sbuf, n);
		recv_take(ops, x, rbuf, n, full);
	}
}

int ipc_window(size_t n)
{
	size_t w = (8u << 20) / (n ? n : 1);
	return w < 1 ? 1 : w > 64 ? 64 : (int)w;
}

/* the stream's window: ops->window when the channel takes batches, else 1 */
static int stream_window(const struct ipc_ops *ops)
{
	int windowed = ops->send_many != NULL &&
		       (ops->recv_many != NULL || ops->recv_ref != NULL) && ops->window > 1;
	return windowed ? ops->window : 1;
}

/* Place k of an arena: the k-th message-sized piece, round and round. */
struct places {
	unsigned char *base;
	size_t n, count;
};

static unsigned char *place(const struct places *p, long k)
{
	return p->base + ((size_t)k % p->count) * p->n;
}

/* Side 0's half of a stream: 2 * iters messages from the arena (cached = 0) or from
 * cbuf (cached = 1), then the acknowledgement; returns the time it arrived. */
static uint64_t stream_send(const struct ipc_ops *ops, struct rx *x, const struct places *ar,
			    unsigned char *cbuf, unsigned char *rbuf, unsigned char **bufs,
			    int win, long total, int cached, uint64_t *seq)
{
	size_t n = ar->n, ack = ipc_ack_bytes(n);
	uint64_t t;
	for (long k = 0; k < total; k += win) {
		int m = (int)(total - k < win ? total - k : win);
		if (win == 1) {
			unsigned char *b = cached ? cbuf : place(ar, k);
			ipc_stamp(b, n, 0, (*seq)++);
			ops->send(ops->ctx, b, n);
			continue;
		}
		if (cached) {
			ipc_stamp(cbuf, n, 0, *seq);
			*seq += (uint64_t)m;
		}
		for (int j = 0; j < m; j++) {
			bufs[j] = cached ? cbuf : place(ar, k + j);
			if (!cached)
				ipc_stamp(bufs[j], n, 0, (*seq)++);
		}
		ops->send_many(ops->ctx, bufs, m, n);
	}
	{
		const unsigned char *m = next_msg(ops, rbuf, ack);
		t = hx_stamp_ns();
		take(x, m, ack, 1);
		give_back(ops);
	}
	return t;
}

/* a window's messages, all from one buffer: each must carry the window's first number */
static inline void take_window(struct rx *x, const unsigned char *buf, size_t n, uint64_t first)
{
	if (!ipc_stamp_ok(buf, n, x->dir, first) && x->misstamped++ == 0)
		x->first_bad = (long)first;
	x->count++;
}

/* Side 1's half: receives the stream into its arena (or cbuf), then acknowledges. */
static void stream_recv(const struct ipc_ops *ops, struct rx *x, const struct places *ar,
			unsigned char *cbuf, unsigned char *sbuf, unsigned char **bufs, int win,
			long total, int cached, uint64_t *seq)
{
	size_t n = ar->n, ack = ipc_ack_bytes(n);
	for (long k = 0; k < total; k += win) {
		int m = (int)(total - k < win ? total - k : win);
		uint64_t first = x->next;
		if (ops->recv_ref != NULL) { /* in place, one at a time */
			for (int j = 0; j < m; j++) {
				const unsigned char *p = ops->recv_ref(ops->ctx, n);
				if (cached && win > 1)
					take_window(x, p, n, first);
				else
					take(x, p, n, 0);
				give_back(ops);
			}
			x->next = first + (uint64_t)m;
			continue;
		}
		if (win == 1) {
			unsigned char *b = cached ? cbuf : place(ar, k);
			ops->recv(ops->ctx, b, n);
			take(x, b, n, 0);
			continue;
		}
		for (int j = 0; j < m; j++)
			bufs[j] = cached ? cbuf : place(ar, k + j);
		ops->recv_many(ops->ctx, bufs, m, n);
		if (cached) { /* one buffer: the window's stamps, its messages counted */
			take_window(x, cbuf, n, first);
			x->count += m - 1;
			x->next = first + (uint64_t)m;
		} else {
			for (int j = 0; j < m; j++)
				take(x, bufs[j], n, 0);
		}
	}
	ipc_stamp(sbuf, ack, 1, (*seq)++);
	ops->send(ops->ctx, sbuf, ack);
}

void ipc_side(int side, const struct ipc_args *a, const struct ipc_ops *ops, unsigned char *sbuf,
	      unsigned char *rbuf, struct ipc_result *r)
{
	size_t n = a->bytes;
	struct rx x = { .dir = 1 - side, .first_bad = -1 };
	long total = 2 * a->iters;
	uint64_t seq = 0;
	int win = stream_window(ops);
	int cwin = win > 1 && ops->cached_window > 0 ? ops->cached_window : win;
	unsigned char **bufs = hx_calloc((size_t)(cwin > win ? cwin : win), sizeof *bufs);
	size_t alen = a->arena_len, need = (size_t)win * (n ? n : 1);
	struct places ar = { a->arena[side], n ? n : 1, 0 };

	if (alen < need) /* a window's places must not meet: never with 64 MiB or more */
		alen = need, ar.base = NULL;
	if (ar.base == NULL)
		ar.base = ipc_arena(side, alen, NULL, NULL);
	ar.count = alen / ar.n;
	{
		/* map every page the stream will use now, not in the timed region: a forked
		 * worker finds the parent's shared arena unmapped in its own page tables, and
		 * on a guest with shadow page tables (PVM) the kernel's copies (pipe,
		 * socketpair, mqueue) and the worker's loads and stores fault apart, so each
		 * page is touched both ways: a byte written by the kernel (getrandom), then
		 * by the worker */
		size_t span = (size_t)total * ar.n < alen ? (size_t)total * ar.n : alen;
		volatile unsigned char *v = ar.base;
		for (size_t off = 0; off < span; off += 4096) {
			if (getrandom(ar.base + off, 1, 0) != 1)
				hx_die_errno(__FILE__, __LINE__, "getrandom", errno);
			v[off] = v[off];
		}
	}
	ipc_fill(sbuf, n, side);
	if (side == 0) {
		/* side 0 stamps its own figures (hx_stamp_ns): the round trips after the
		 * warm-up, then each stream up to its acknowledgement */
		uint64_t t0 = 0, t1, t2, t3;
		for (long k = 0; k < IPC_WARMUP + a->iters; k++) {
			if (k == IPC_WARMUP)
				t0 = hx_stamp_ns();
			ipc_stamp(sbuf, n, 0, seq++);
			round_trip(ops, &x, sbuf, rbuf, n, k < IPC_VERIFY);
		}
		t1 = hx_stamp_ns();
		t2 = stream_send(ops, &x, &ar, sbuf, rbuf, bufs, win, total, 0, &seq);
		t3 = stream_send(ops, &x, &ar, sbuf, rbuf, bufs, cwin, total, 1, &seq);
		for (int k = 0; k < IPC_VERIFY; k++) {
			ipc_fill(sbuf, n, 0); /* the cached stream stamped it */
			ipc_stamp(sbuf, n, 0, seq++);
			round_trip(ops, &x, sbuf, rbuf, n, 1);
		}
		r->lat_s = (double)(t1 - t0) * 1e-9;
		r->stream_s = (double)(t2 - t1) * 1e-9;
		r->cached_s = (double)(t3 - t2) * 1e-9;
	} else {
		for (long k = 0; k < IPC_WARMUP + a->iters; k++) {
			recv_take(ops, &x, rbuf, n, k < IPC_VERIFY);
			ipc_stamp(sbuf, n, 1, seq++);
			ops->send(ops->ctx, sbuf, n);
		}
		stream_recv(ops, &x, &ar, rbuf, sbuf, bufs, win, total, 0, &seq);
		stream_recv(ops, &x, &ar, rbuf, sbuf, bufs, cwin, total, 1, &seq);
		for (int k = 0; k < IPC_VERIFY; k++) {
			recv_take(ops, &x, rbuf, n, 1);
			ipc_stamp(sbuf, n, 1, seq++);
			ops->send(ops->ctx, sbuf, n);
		}
	}
	free(bufs);
	r->count[x.dir] = x.count;
	r->misstamped[x.dir] = x.misstamped;
	r->first_bad[x.dir] = x.first_bad;
	r->digest[x.dir] = x.chain;
}

/* ---- the ring --------------------------------------------------------------------------
 * The writer owns head, the reader owns tail. The writer fills slot head % SLOTS once
 * head - tail < SLOTS, then publishes it with a store of head + 1; the reader waits for
 * head > tail, copies the slot out, then frees it with a store of tail + 1. A waiter
 * spins IPC_SPIN_MAX rounds, then sleeps (spin-then-block, the same for every ring
 * channel): it says so in the ring (head_sleepers / tail_sleepers), checks the word once
 * more and sleeps in FUTEX_WAIT on the word's low 32 bits while they still hold the
 * value it saw; the other side, after its store, wakes it when it said it sleeps. The
 * stores and loads of the word and the flag are sequentially consistent: either the
 * waiter sees the new value, or the other side sees the flag (no lost wake-up). The
 * futex is not PRIVATE: the ring may be shared between processes (shm, shmwin). A
 * sleep gives up after 10 ms and looks again, so nothing waits for ever on a wake-up
 * that a dead peer never sends (the watchdog names a stuck peer). */
static void futex_wait32(uint32_t *word, uint32_t seen)
{
	struct timespec ten_ms = { 0, 10000000 };
	if (syscall(SYS_futex, word, FUTEX_WAIT, seen, &ten_ms, NULL, 0) != 0 &&
	    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
		hx_die_errno(__FILE__, __LINE__, "futex(FUTEX_WAIT)", errno);
}

static void futex_wake_all(uint32_t *word)
{
	if (syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0) < 0)
		hx_die_errno(__FILE__, __LINE__, "futex(FUTEX_WAKE)", errno);
}

/* The low 32 bits of a 64-bit counter: the futex word (little-endian: its address). */
static uint32_t *low_word(uint64_t *v)
{
	return (uint32_t *)v + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

/* Waits until *word != seen when `same`, or until *word - seen < IPC_SLOTS when not
 * (the writer, for a free slot: seen is its head, *word the tail). */
static void ring_wait(uint64_t *word, uint32_t *sleepers, uint64_t seen, int same)
{
#define RING_BLOCKED(v) (same ? (v) == seen : seen - (v) >= IPC_SLOTS)
	unsigned spins = 0;
	uint64_t v;

	while (RING_BLOCKED(v = __atomic_load_n(word, __ATOMIC_SEQ_CST))) {
		if (++spins < IPC_SPIN_MAX) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		__atomic_store_n(sleepers, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if (RING_BLOCKED(v))
			futex_wait32(low_word(word), (uint32_t)v);
		__atomic_store_n(sleepers, 0, __ATOMIC_SEQ_CST);
	}
#undef RING_BLOCKED
}

/* After a store to *word: wake the other side if it sleeps on it. */
static void ring_publish(uint64_t *word, uint32_t *sleepers, uint64_t v)
{
	__atomic_store_n(word, v, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(sleepers, __ATOMIC_SEQ_CST))
		futex_wake_all(low_word(word));
}

void ipc_ring_send(struct ipc_ring *r, unsigned char *data, size_t slot, const unsigned char *buf,
		   size_t n)
{
	uint64_t h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	ring_wait(&r->tail, &r->tail_sleepers, h, 0);
	memcpy(data + (h % IPC_SLOTS) * slot, buf, n);
	ring_publish(&r->head, &r->head_sleepers, h + 1);
}

void ipc_ring_recv(struct ipc_ring *r, unsigned char *data, size_t slot, unsigned char *buf,
		   size_t n)
{
	uint64_t t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	ring_wait(&r->head, &r->head_sleepers, t, 1);
	memcpy(buf, data + (t % IPC_SLOTS) * slot, n);
	ring_publish(&r->tail, &r->tail_sleepers, t + 1);
}

void ipc_duplex_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_duplex *d = ctx;
	ipc_ring_send(d->ring[d->side], d->slots[d->side], d->slot, buf, n);
}

void ipc_duplex_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_duplex *d = ctx;
	ipc_ring_recv(d->ring[1 - d->side], d->slots[1 - d->side], d->slot, buf, n);
}

/* ---- pointer: the ring's slots carry the sender's buffers, lent ------------------------
 * The sender waits for a free pointer slot (head - tail < IPC_SLOTS), stores its
 * buffer's address there and publishes it (head + 1); the receiver waits for head >
 * tail, reads the message where the pointer says and, done with it, moves tail on. The
 * sender touches a lent buffer again only once tail has passed it: send waits for it,
 * send_many for every buffer of its batch. The stores and loads of head and tail are
 * sequentially consistent, so the receiver's reads come before the sender's next
 * writes. */
static void lend(struct ipc_handoff *h, const unsigned char *buf)
{
	uint64_t hd = __atomic_load_n(&h->ring.head, __ATOMIC_RELAXED);
	ring_wait(&h->ring.tail, &h->ring.tail_sleepers, hd, 0);
	h->ptr[hd % IPC_SLOTS] = buf;
	ring_publish(&h->ring.head, &h->ring.head_sleepers, hd + 1);
}

/* Until the receiver has given back everything lent on h (tail = head): ring_wait's
 * free-slot test (blocked while seen - tail >= IPC_SLOTS) with seen = head +
 * IPC_SLOTS - 1 blocks exactly while tail < head. */
static void wait_returned(struct ipc_handoff *h)
{
	uint64_t hd = __atomic_load_n(&h->ring.head, __ATOMIC_RELAXED);
	ring_wait(&h->ring.tail, &h->ring.tail_sleepers, hd + IPC_SLOTS - 1, 0);
}

void ipc_lend_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_lend *e = ctx;
	(void)n; /* the receiver knows the size it expects */
	lend(e->h[e->side], buf);
	wait_returned(e->h[e->side]);
}

void ipc_lend_send_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct ipc_lend *e = ctx;
	(void)n;
	for (int j = 0; j < m; j++)
		lend(e->h[e->side], bufs[j]);
	wait_returned(e->h[e->side]);
}

const unsigned char *ipc_lend_recv(void *ctx, size_t n)
{
	struct ipc_lend *e = ctx;
	struct ipc_handoff *h = e->h[1 - e->side];
	uint64_t t = __atomic_load_n(&h->ring.tail, __ATOMIC_RELAXED);
	(void)n;
	ring_wait(&h->ring.head, &h->ring.head_sleepers, t, 1);
	return h->ptr[t % IPC_SLOTS];
}

void ipc_lend_release(void *ctx)
{
	struct ipc_lend *e = ctx;
	struct ipc_handoff *h = e->h[1 - e->side];
	uint64_t t = __atomic_load_n(&h->ring.tail, __ATOMIC_RELAXED);
	ring_publish(&h->ring.tail, &h->ring.tail_sleepers, t + 1);
}

/* ---- a direction's figures in words: digest, count, misstamped, first bad ------------ */
void ipc_pack(const struct ipc_result *r, int dir, int64_t out[IPC_PACKED])
{
	out[0] = (int64_t)r->digest[dir];
	out[1] = r->count[dir];
	out[2] = r->misstamped[dir];
	out[3] = r->first_bad[dir];
}

void ipc_unpack(struct ipc_result *r, int dir, const int64_t in[IPC_PACKED])
{
	r->digest[dir] = (uint64_t)in[0];
	r->count[dir] = (long)in[1];
	r->misstamped[dir] = (long)in[2];
	r->first_bad[dir] = (long)in[3];
}

/* ---- the exercise -------------------------------------------------------------------------- */
#define MAX_SAMPLES 1024
enum { X_MESSAGE_SIZE, X_LLC, X_COUNT }; /* ipc_opts, below */
#define IPC_LLC_ASSUMED (32u << 20) /* when neither --llc nor sysfs says */
#define IPC_ARENA_MIN (64u << 20)   /* holds any stream window (MPI's: 64 MiB) */

struct ipc_state {
	struct ipc_args args;
	struct ipc_result res;
	uint64_t want_digest[2];
	long want_count[2];
	double lat[MAX_SAMPLES], stream[MAX_SAMPLES], cached[MAX_SAMPLES];
	size_t llc;
	const char *llc_src;
	int nsamples;
};

static const char *ipc_na_case(const struct hx_case *c)
{
	if (c->workers < 2)
		return "ipc passes messages between two workers, and a team of one has no peer";
	return ipc_na((enum ipc_channel)c->variant);
}

static int ipc_setup(struct hx_case *c)
{
	struct ipc_state *s = c->state;

	s->args.ch = (enum ipc_channel)c->variant;
	s->args.bytes = (size_t)c->size;
	s->args.workers = c->workers;
	/* calibrated: the count calibration chose, at every size; -n given: capped for big
	 * messages, but for pointer, which copies nothing */
	s->args.iters = s->args.ch == IPC_POINTER || !c->opts->size_set
				? c->opts->size
				: ipc_iters(c->opts->size, s->args.bytes);
	s->llc = (size_t)hx_opt(c->opts, X_LLC);
	s->llc_src = "option";
	if (s->llc == 0 && (s->llc = ipc_llc(&s->llc_src)) == 0) {
		s->llc = IPC_LLC_ASSUMED;
		s->llc_src = "assumed";
	}
	s->args.arena_len = 4 * s->llc < IPC_ARENA_MIN ? IPC_ARENA_MIN : 4 * s->llc;
	for (int d = 0; d < 2; d++)
		ipc_expected(&s->args, d, &s->want_digest[d], &s->want_count[d]);
	c->ops = 2.0 * (double)s->args.iters; /* one-way messages per phase */
	return 0;
}

static void ipc_run_case(struct hx_case *c)
{
	struct ipc_state *s = c->state;
	memset(&s->res, 0, sizeof s->res);
	ipc_run(&s->args, &s->res);
	c->t[0] = s->res.lat_s;
	c->t[1] = s->res.stream_s;
	c->t[2] = s->res.cached_s;
}

/* Outside the timed region, on rank 0: in both directions every message arrived, in
 * order (its stamps), and the ones checked in full were right to the byte (the digest
 * chain). The note carries the figures of the repetitions so far. */
static int dir_ok(const struct ipc_state *s, int d)
{
	const struct ipc_result *r = &s->res;
	return r->count[d] == s->want_count[d] && r->misstamped[d] == 0 &&
	       r->digest[d] == s->want_digest[d];
}

static void ipc_check(struct hx_case *c)
{
	struct ipc_state *s = c->state;
	const struct ipc_result *r = &s->res;

	if (hx_backend_rank() != 0)
		return;
	hx_note(c, "iters", "%ld", s->args.iters);
	if (!dir_ok(s, 0) || !dir_ok(s, 1)) {
		for (int d = 0; d < 2; d++)
			if (!dir_ok(s, d)) {
				char key[32];
				snprintf(key, sizeof key, "dir%d", d);
				hx_note(c, key, "%ld/%ld_msgs_%ld_misstamped_from_%ld_digest_%s",
					r->count[d], s->want_count[d], r->misstamped[d],
					r->first_bad[d],
					r->digest[d] == s->want_digest[d] ? "ok" : "BAD");
			}
		hx_note(c, "checksums", "BAD");
		c->verdict = HX_FAIL;
		return;
	}
	hx_note(c, "checksums", "ok");
	if (c->timed && s->nsamples < MAX_SAMPLES) {
		s->lat[s->nsamples] = r->lat_s;
		s->stream[s->nsamples] = r->stream_s;
		s->cached[s->nsamples] = r->cached_s;
		s->nsamples++;
	}
	if (s->nsamples > 0) {
		double lat = hx_median(s->lat, (size_t)s->nsamples);
		double st = hx_median(s->stream, (size_t)s->nsamples);
		double ca = hx_median(s->cached, (size_t)s->nsamples);
		double iters = (double)s->args.iters, moved = (double)s->args.bytes * 2 * iters;
		hx_note(c, "one_way_us", "%.4g", lat / (2 * iters) * 1e6);
		/* stream: out of the cache (the headline); cached: the buffers reused */
		if (st > 0)
			hx_note(c, "gb_per_s", "%.4g", moved / st / 1e9);
		if (ca > 0)
			hx_note(c, "cached_gb_per_s", "%.4g", moved / ca / 1e9);
	}
	hx_note(c, "llc", "%zuK llc_src=%s arena=%zuM", s->llc >> 10, s->llc_src,
		s->args.arena_len >> 20);
}

extern const struct hx_exercise ipc_exercise;


/* -m MIN:MAX: MIN, 2 MIN, 4 MIN, ... up to MAX, each its own case (size = bytes). */
static int ipc_sizes(const struct hx_opts *o, long long *out, int max)
{
	int n = 0;
	for (long long v = hx_opt(o, X_MESSAGE_SIZE); v <= hx_opt_hi(o, X_MESSAGE_SIZE) && n < max; v *= 2)
		out[n++] = v;
	return n;
}

static const struct hx_variant ipc_variants[] = {
	[IPC_CONDVAR] = { "condvar", "threads, processes: a shared buffer, a mutex and a condition variable (process-shared between processes)" },
	[IPC_SPIN] = { "spin", "threads: a ring of slots in shared memory, spinning on an atomic flag" },
	[IPC_POINTER] = { "pointer", "threads: zero copy, the sender lends its own buffer through a ring of pointers (bandwidth: the hand-off's cost, nothing is copied)" },
	[IPC_PIPE] = { "pipe", "threads, processes: a pipe each way" },
	[IPC_SOCKETPAIR] = { "socketpair", "threads, processes: a Unix stream socket pair" },
	[IPC_MQUEUE] = { "mqueue", "threads, processes: a POSIX message queue each way (chunks of msgsize_max)" },
	[IPC_SHM] = { "shm", "processes: the spin ring in a MAP_SHARED mapping" },
	[IPC_SENDRECV] = { "sendrecv", "MPI: MPI_Send / MPI_Recv" },
	[IPC_NONBLOCKING] = { "nonblocking", "MPI: MPI_Isend / MPI_Irecv (a window of them when streaming)" },
	[IPC_RMA] = { "rma", "MPI: MPI_Put + MPI_Win_flush into a ring in the peer's window" },
	[IPC_SHMWIN] = { "shmwin", "MPI: the spin ring in an MPI-3 shared-memory window" },
	{ NULL, NULL },
};

static const struct hx_optdef ipc_opts[] = {
	[X_MESSAGE_SIZE] = { .shortname = 'm', .longname = "message-size", .kind = HX_OPT_RANGE,
			     .metavar = "MIN:MAX", .help = "message sizes, powers of two from MIN to MAX",
			     .min = 1, .max = 4 << 20, .def = 8, .def2 = 4 << 20, .bytes = 1,
			     .pow2 = 1 },
	[X_LLC] = { .longname = "llc", .kind = HX_OPT_INT, .metavar = "BYTES",
		    .help = "last-level cache (0: from sysfs, else 32M assumed); the out-of-cache "
			    "stream cycles through 4x this (at least 64M) per side",
		    .min = 0, .max = 1LL << 32, .def = 0, .bytes = 1 },
	[X_COUNT] = { 0 },
};

/* stream: out of the cache (the arena); cached: the same buffers reused, as osu_bw */
static const char *const ipc_phases[] = { "latency", "stream", "cached", NULL };
static const int ipc_workers_def[] = { 2, 0 };

const struct hx_exercise ipc_exercise = {
	.name = "ipc",
	.summary = "ping-pong and streaming between two workers over each channel, 8 B to 4 MiB",
	.variants = ipc_variants,
	.size_name = "round trips per message size (given: fewer for big messages, but for pointer)",
	.size_def = 5000,
	.size_min = 1,
	.size_max = 100000000,
	.op_name = "message",
	.phases = ipc_phases,
	.workers_def = ipc_workers_def,
	.reps_def = 10,
	.warmup_def = 1,
	.xopts = ipc_opts,
	.sizes = ipc_sizes,
	/* without -n: from 200 round trips up, doubling, until both phases last --target-ms
	 * (from 200: fewer runs of the slow channels, which need about as many anyway) */
	.calibrate = 1,
	.calib_start = 200,
	.not_applicable = ipc_na_case,
	.state_size = sizeof(struct ipc_state),
	.setup = ipc_setup,
	.run = ipc_run_case,
	.check = ipc_check,
};
