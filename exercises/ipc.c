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
	long before = dir == 0 ? IPC_WARMUP + 3 * a->iters : IPC_WARMUP + a->iters;

	for (seq = 0; seq < IPC_VERIFY; seq++)
		chain = ipc_chain(chain, digest_of(tmp, n, dir, seq));
	seq = (uint64_t)before;
	if (dir == 1)
		chain = ipc_chain(chain, digest_of(tmp, ipc_ack_bytes(n), dir, seq++));
	for (int k = 0; k < IPC_VERIFY; k++)
		chain = ipc_chain(chain, digest_of(tmp, n, dir, seq++));
	free(tmp);
	*digest = chain;
	*count = (long)seq;
}

/* ---- the protocol ------------------------------------------------------------------------
 * Side 0 (worker 0) and side 1 (worker 1), in this order:
 *   warm-up   IPC_WARMUP round trips, untimed; the first IPC_VERIFY checked in full
 *   latency   side 0 reads t0, iters round trips, t1
 *   stream    side 0 sends 2 * iters messages (in batches of ops->window when the
 *             channel has send_many), side 1 receives them all and answers with a
 *             short acknowledgement; side 0 reads t2 when it arrives
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

/* The stream's buffers: one per message of a batch (the caller's own buffer when the
 * channel takes one message at a time), filled here, before any clock is read; none
 * for a receiver that reads lent buffers in place (`lent`). */
static unsigned char **batch_bufs(const struct ipc_ops *ops, int *win, unsigned char *own,
				  size_t n, int lent)
{
	int windowed = ops->send_many != NULL &&
		       (ops->recv_many != NULL || ops->recv_ref != NULL) && ops->window > 1;
	unsigned char **b;
	*win = windowed ? ops->window : 1;
	b = hx_calloc((size_t)*win, sizeof *b);
	if (!windowed) {
		b[0] = own;
		return b;
	}
	if (lent)
		return b; /* NULLs: free_batch frees nothing */
	for (int j = 0; j < *win; j++) {
		b[j] = hx_alloc(n ? n : 1);
		ipc_fill(b[j], n, 0);
	}
	return b;
}

static void free_batch(unsigned char **b, int win)
{
	for (int j = 0; win > 1 && j < win; j++)
		free(b[j]);
	free(b);
}

void ipc_side(int side, const struct ipc_args *a, const struct ipc_ops *ops, unsigned char *sbuf,
	      unsigned char *rbuf, struct ipc_result *r)
{
	size_t n = a->bytes, ack = ipc_ack_bytes(n);
	struct rx x = { .dir = 1 - side, .first_bad = -1 };
	long total = 2 * a->iters;
	uint64_t seq = 0;
	unsigned char **batch;
	int win;

	ipc_fill(sbuf, n, side);
	batch = batch_bufs(ops, &win, side == 0 ? sbuf : rbuf, n,
			   side == 1 && ops->recv_ref != NULL);
	if (side == 0) {
		/* side 0 stamps its own figures (hx_stamp_ns): the round trips after the
		 * warm-up, then the stream up to its acknowledgement */
		uint64_t t0 = 0, t1, t2;
		for (long k = 0; k < IPC_WARMUP + a->iters; k++) {
			if (k == IPC_WARMUP)
				t0 = hx_stamp_ns();
			ipc_stamp(sbuf, n, 0, seq++);
			round_trip(ops, &x, sbuf, rbuf, n, k < IPC_VERIFY);
		}
		t1 = hx_stamp_ns();
		for (long k = 0; k < total; k += win) {
			int m = (int)(total - k < win ? total - k : win);
			for (int j = 0; j < m; j++)
				ipc_stamp(batch[j], n, 0, seq++);
			if (win > 1)
				ops->send_many(ops->ctx, batch, m, n);
			else
				ops->send(ops->ctx, batch[0], n);
		}
		{
			const unsigned char *m = next_msg(ops, rbuf, ack);
			t2 = hx_stamp_ns();
			take(&x, m, ack, 1);
			give_back(ops);
		}
		for (int k = 0; k < IPC_VERIFY; k++) {
			ipc_stamp(sbuf, n, 0, seq++);
			round_trip(ops, &x, sbuf, rbuf, n, 1);
		}
		r->lat_s = (double)(t1 - t0) * 1e-9;
		r->stream_s = (double)(t2 - t1) * 1e-9;
	} else {
		for (long k = 0; k < IPC_WARMUP + a->iters; k++) {
			recv_take(ops, &x, rbuf, n, k < IPC_VERIFY);
			ipc_stamp(sbuf, n, 1, seq++);
			ops->send(ops->ctx, sbuf, n);
		}
		for (long k = 0; k < total; k += win) {
			int m = (int)(total - k < win ? total - k : win);
			if (ops->recv_ref != NULL) { /* in place, one at a time */
				for (int j = 0; j < m; j++)
					recv_take(ops, &x, NULL, n, 0);
				continue;
			}
			if (win > 1)
				ops->recv_many(ops->ctx, batch, m, n);
			else
				ops->recv(ops->ctx, batch[0], n);
			for (int j = 0; j < m; j++)
				take(&x, batch[j], n, 0);
		}
		ipc_stamp(sbuf, ack, 1, seq++);
		ops->send(ops->ctx, sbuf, ack);
		for (int k = 0; k < IPC_VERIFY; k++) {
			recv_take(ops, &x, rbuf, n, 1);
			ipc_stamp(sbuf, n, 1, seq++);
			ops->send(ops->ctx, sbuf, n);
		}
	}
	free_batch(batch, win);
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

struct ipc_state {
	struct ipc_args args;
	struct ipc_result res;
	uint64_t want_digest[2];
	long want_count[2];
	double lat[MAX_SAMPLES], stream[MAX_SAMPLES];
	int nsamples;
};

static const char *ipc_na_case(const struct hx_case *c)
{
	return ipc_na((enum ipc_channel)c->variant);
}

static int ipc_setup(struct hx_case *c)
{
	struct ipc_state *s = c->state;

	s->args.ch = (enum ipc_channel)c->variant;
	s->args.bytes = (size_t)c->size;
	/* pointer copies nothing: -n round trips at every size (the cap bounds copies) */
	s->args.iters = s->args.ch == IPC_POINTER ? c->opts->size
						  : ipc_iters(c->opts->size, s->args.bytes);
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
		s->nsamples++;
	}
	if (s->nsamples > 0) {
		double lat = hx_median(s->lat, (size_t)s->nsamples);
		double st = hx_median(s->stream, (size_t)s->nsamples);
		double iters = (double)s->args.iters;
		hx_note(c, "one_way_us", "%.4g", lat / (2 * iters) * 1e6);
		if (st > 0)
			hx_note(c, "gb_per_s", "%.4g", (double)s->args.bytes * 2 * iters / st / 1e9);
	}
}

extern const struct hx_exercise ipc_exercise;

enum { X_MESSAGE_SIZE, X_COUNT }; /* ipc_opts, below */

/* -m MIN:MAX: MIN, 2 MIN, 4 MIN, ... up to MAX, each its own case (size = bytes). */
static int ipc_sizes(const struct hx_opts *o, long long *out, int max)
{
	int n = 0;
	for (long long v = hx_opt(o, X_MESSAGE_SIZE); v <= hx_opt_hi(o, X_MESSAGE_SIZE) && n < max; v *= 2)
		out[n++] = v;
	return n;
}

static int ipc_check_opts(const struct hx_opts *o, char *err, size_t len)
{
	if (o->workers_set)
		for (int i = 0; i < o->nworkers; i++)
			if (o->workers[i] != 2) {
				snprintf(err, len,
					 "option -w/--workers: ipc runs between exactly 2 workers (got %d)",
					 o->workers[i]);
				return -1;
			}
	if (strcmp(hx_backend_name, "mpi") == 0 && hx_backend_nranks() < 2) {
		snprintf(err, len,
			 "option -w/--workers: ipc needs 2 ranks and this job has %d "
			 "(start it with mpirun -np 2)",
			 hx_backend_nranks());
		return -1;
	}
	return 0;
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
	[X_COUNT] = { 0 },
};

static const char *const ipc_phases[] = { "latency", "stream", NULL };
static const int ipc_workers_def[] = { 2, 0 };

const struct hx_exercise ipc_exercise = {
	.name = "ipc",
	.summary = "ping-pong and streaming between two workers over each channel, 8 B to 4 MiB",
	.variants = ipc_variants,
	.size_name = "round trips per message size (fewer for big messages, but for pointer)",
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
	.check_opts = ipc_check_opts,
	.not_applicable = ipc_na_case,
	.state_size = sizeof(struct ipc_state),
	.setup = ipc_setup,
	.run = ipc_run_case,
	.check = ipc_check,
};
