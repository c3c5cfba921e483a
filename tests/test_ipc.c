/* test_ipc.c: the ipc validator (exercises/ipc.c) against a fake backend: two threads
 * run the real protocol over the spin ring, or over the pointer hand-off (ipc_lend: the
 * receiver reads the sender's buffer in place), and can corrupt what travels: a byte in
 * the middle of a message checked in full (in the warm-up, after the stream), the last
 * byte of a timed message, two streamed messages swapped, two words of a message
 * swapped; or the result: a message counted twice, a digest off by one. Each
 * corruption must fail validation; the honest run must pass. Pointer with a receiver
 * that dawdles over each lent buffer must pass too: the sender waits for it (a sender
 * that reused its buffers early would have restamped them under the reader). Also the stamps and
 * digests themselves, and that the batch (window) path of ipc_side() validates. */
#include "ipc.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const struct hx_exercise ipc_exercise;

enum corruption {
	HONEST, FLIP_WARMUP, FLIP_AFTER, FLIP_TIMED_EDGE, SWAP_STREAMED, SWAP_WORDS, COUNTED_TWICE,
	DIGEST_OFF, SLOW_READER,
};
static enum corruption corrupt;
static int windowed; /* the fake channel offers send_many / recv_many */

struct fake {
	const struct ipc_args *a;
	struct ipc_result *r;
	struct ipc_ring ring[2];
	unsigned char *slots[2];
	struct ipc_handoff lend[2]; /* pointer */
	long sent0;           /* messages worker 0 has sent */
	unsigned char *held;  /* SWAP_STREAMED: the message held back */
};

struct end {
	struct fake *f;
	int side;
	struct ipc_lend lend; /* pointer: this side's ends of f->lend */
};

/* spin: a copy into the ring; pointer: buf lent, back when this returns */
static void put(struct end *e, const unsigned char *buf, size_t n)
{
	if (e->f->a->ch == IPC_POINTER)
		ipc_lend_send(&e->lend, buf, n);
	else
		ipc_ring_send(&e->f->ring[e->side], e->f->slots[e->side], e->f->a->bytes, buf, n);
}

/* Worker 0's messages in order: IPC_WARMUP + iters round trips, 2 * iters streamed out
 * of the cache, 2 * iters streamed cached, IPC_VERIFY round trips. */
static void fake_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct end *e = ctx;
	struct fake *f = e->f;
	long k = e->side == 0 ? f->sent0++ : -1;
	long streamed = IPC_WARMUP + f->a->iters + 5, last = IPC_WARMUP + 5 * f->a->iters + IPC_VERIFY - 1;
	unsigned char *tmp = malloc(n);

	memcpy(tmp, buf, n);
	if ((corrupt == FLIP_WARMUP && k == 1) || (corrupt == FLIP_AFTER && k == last))
		tmp[n / 2] ^= 0x10;
	if (corrupt == FLIP_TIMED_EDGE && k == IPC_WARMUP + 4)
		tmp[n - 1] ^= 0x10;
	if (corrupt == SWAP_WORDS && k == 2 && n >= 24) {
		unsigned char w[8];
		memcpy(w, tmp + 8, 8);
		memcpy(tmp + 8, tmp + 16, 8);
		memcpy(tmp + 16, w, 8);
	}
	if (corrupt == SWAP_STREAMED && k == streamed) { /* held back, sent after the next */
		f->held = tmp;
		return;
	}
	put(e, tmp, n);
	free(tmp);
	if (f->held != NULL && k == streamed + 1) {
		put(e, f->held, n);
		free(f->held);
		f->held = NULL;
	}
}

static void fake_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct end *e = ctx;
	ipc_ring_recv(&e->f->ring[1 - e->side], e->f->slots[1 - e->side], e->f->a->bytes, buf, n);
}

static const unsigned char *fake_recv_ref(void *ctx, size_t n)
{
	const unsigned char *m = ipc_lend_recv(&((struct end *)ctx)->lend, n);
	if (corrupt == SLOW_READER) { /* the sender has time to touch what it lent */
		struct timespec t = { 0, 100000 };
		nanosleep(&t, NULL);
	}
	return m;
}

static void fake_release(void *ctx)
{
	ipc_lend_release(&((struct end *)ctx)->lend);
}

static void fake_send_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	struct end *e = ctx;
	if (corrupt == SLOW_READER && e->f->a->ch == IPC_POINTER) { /* the batch lent as is */
		ipc_lend_send_many(&e->lend, bufs, m, n);
		e->f->sent0 += e->side == 0 ? m : 0;
		return;
	}
	for (int j = 0; j < m; j++)
		fake_send(ctx, bufs[j], n);
}

static void fake_recv_many(void *ctx, unsigned char *const *bufs, int m, size_t n)
{
	for (int j = 0; j < m; j++)
		fake_recv(ctx, bufs[j], n);
}

static void *side_main(void *p)
{
	struct end *e = p;
	struct ipc_ops ops = { .send = fake_send, .recv = fake_recv, .ctx = e };
	unsigned char *s = calloc(1, e->f->a->bytes), *r = calloc(1, e->f->a->bytes);
	if (windowed) {
		ops.send_many = fake_send_many;
		ops.recv_many = fake_recv_many;
		ops.window = 7; /* 2 * iters is not a multiple: a short last batch */
	}
	if (e->f->a->ch == IPC_POINTER) { /* read in place, no recv / recv_many */
		ops.recv = NULL;
		ops.recv_many = NULL;
		ops.recv_ref = fake_recv_ref;
		ops.release = fake_release;
	}
	ipc_side(e->side, e->f->a, &ops, s, r, e->f->r);
	free(s);
	free(r);
	return NULL;
}

const char *ipc_na(enum ipc_channel ch)
{
	return ch == IPC_SPIN || ch == IPC_POINTER ? NULL : "the fake backend has spin and pointer only";
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct fake f;
	struct end e[2] = { { &f, 0, { { &f.lend[0], &f.lend[1] }, 0 } },
			    { &f, 1, { { &f.lend[0], &f.lend[1] }, 1 } } };
	pthread_t t;

	memset(&f, 0, sizeof f);
	f.a = a;
	f.r = r;
	for (int d = 0; d < 2; d++)
		f.slots[d] = calloc(IPC_SLOTS, a->bytes);
	assert_int_equal(pthread_create(&t, NULL, side_main, &e[1]), 0);
	side_main(&e[0]);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (int d = 0; d < 2; d++)
		free(f.slots[d]);
	if (corrupt == COUNTED_TWICE)
		r->count[0]++;
	if (corrupt == DIGEST_OFF)
		r->digest[1]++;
}

static enum hx_verdict run_one(const char *variant, long long bytes, enum corruption how,
			       char *note, size_t len)
{
	const char *const args[] = { "-n", "50", NULL };
	struct hx_case c;
	enum hx_verdict v;

	corrupt = how;
	v = tx_run_case_args(&ipc_exercise, variant, 2, bytes, args, &c);
	snprintf(note, len, "%s", c.note);
	return v;
}

/* the fake's channels: a copy through the ring, a pointer lent */
static const char *const fake_channels[] = { "spin", "pointer" };

static void honest_passes(void **state)
{
	static const long long sizes[] = { 1, 3, 8, 13, 16, 17, 4096, 65536 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (int ch = 0; ch < 2; ch++)
		for (windowed = 0; windowed < 2; windowed++)
			for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
				assert_int_equal(run_one(fake_channels[ch], sizes[i], HONEST, note,
							 sizeof note),
						 HX_PASS);
				assert_non_null(strstr(note, "checksums=ok"));
				assert_non_null(strstr(note, "one_way_us="));
				assert_non_null(strstr(note, "gb_per_s="));
			}
	windowed = 0;
}

/* a corruption of worker 0's messages fails, and says direction 0, on either channel */
static void fails_dir0(enum corruption how, const long long *sizes, size_t nsizes,
		       const char *what)
{
	char note[HX_NOTE_LEN];
	for (int ch = 0; ch < 2; ch++)
		for (windowed = 0; windowed < 2; windowed++)
			for (size_t i = 0; i < nsizes; i++) {
				if (run_one(fake_channels[ch], sizes[i], how, note, sizeof note) !=
					    HX_FAIL ||
				    strstr(note, "checksums=BAD") == NULL || strstr(note, what) == NULL) {
					print_message("%s size %lld windowed %d: %s\n",
						      fake_channels[ch], sizes[i], windowed, note);
					fail();
				}
			}
	windowed = 0;
}

/* a byte in the middle of a message the protocol checks in full: the digest chain */
static void corrupted_payload_fails(void **state)
{
	static const long long sizes[] = { 1, 8, 100, 4096 };
	(void)state;
	fails_dir0(FLIP_WARMUP, sizes, 4, "digest_BAD");
	fails_dir0(FLIP_AFTER, sizes, 4, "digest_BAD");
}

/* the last byte of a timed message: its stamp */
static void corrupted_timed_edge_fails(void **state)
{
	static const long long sizes[] = { 1, 8, 100, 4096 };
	(void)state;
	fails_dir0(FLIP_TIMED_EDGE, sizes, 4, "_1_misstamped_from_20_");
}

/* two streamed messages out of order: both stamps wrong, from the first of them */
static void reordered_messages_fail(void **state)
{
	static const long long sizes[] = { 1, 8, 64, 4096 };
	(void)state;
	fails_dir0(SWAP_STREAMED, sizes, 4, "_2_misstamped_from_71_");
}

/* two words of a message swapped: the same bytes, elsewhere */
static void reordered_words_fail(void **state)
{
	static const long long sizes[] = { 24, 100, 4096 };
	(void)state;
	fails_dir0(SWAP_WORDS, sizes, 3, "digest_BAD");
}

/* pointer: the receiver reads each lent buffer slowly; honest senders wait for it */
static void pointer_sender_waits(void **state)
{
	static const long long sizes[] = { 8, 4096 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (windowed = 0; windowed < 2; windowed++)
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
			if (run_one("pointer", sizes[i], SLOW_READER, note, sizeof note) != HX_PASS) {
				print_message("size %lld windowed %d: %s\n", sizes[i], windowed, note);
				fail();
			}
	windowed = 0;
}

static void counted_twice_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	for (int ch = 0; ch < 2; ch++)
		assert_int_equal(run_one(fake_channels[ch], 64, COUNTED_TWICE, note, sizeof note),
				 HX_FAIL);
}

static void digest_off_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	for (int ch = 0; ch < 2; ch++) {
		assert_int_equal(run_one(fake_channels[ch], 64, DIGEST_OFF, note, sizeof note),
				 HX_FAIL);
		assert_non_null(strstr(note, "dir1="));
	}
}

/* stamps: the sequence number and direction at both ends, nothing else */
static void stamps_check_both_ends(void **state)
{
	static const size_t sizes[] = { 1, 2, 7, 8, 9, 15, 16, 17, 40, 4096 };
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		unsigned char *b = malloc(n);
		ipc_fill(b, n, 0);
		ipc_stamp(b, n, 0, 41);
		assert_true(ipc_stamp_ok(b, n, 0, 41));
		assert_false(ipc_stamp_ok(b, n, 0, 40));
		assert_false(ipc_stamp_ok(b, n, 0, 42));
		assert_false(ipc_stamp_ok(b, n, 1, 41));
		b[0] ^= 1;
		assert_false(ipc_stamp_ok(b, n, 0, 41));
		b[0] ^= 1;
		b[n - 1] ^= 1;
		assert_false(ipc_stamp_ok(b, n, 0, 41));
		b[n - 1] ^= 1;
		if (n > 16) { /* the middle is left to the full check, outside the clock */
			uint64_t d = ipc_digest(b, n);
			b[n / 2] ^= 1;
			assert_true(ipc_stamp_ok(b, n, 0, 41));
			assert_true(ipc_digest(b, n) != d);
		}
		free(b);
	}
}

/* digests: a byte changed, two bytes or two words swapped, a length changed */
static void digest_sees_order(void **state)
{
	unsigned char b[64];
	uint64_t d;
	(void)state;
	ipc_fill(b, sizeof b, 0);
	d = ipc_digest(b, sizeof b);
	b[13] ^= 4;
	assert_true(ipc_digest(b, sizeof b) != d);
	b[13] ^= 4;
	{
		unsigned char t = b[3];
		b[3] = b[4];
		b[4] = t;
		assert_true(b[3] != b[4]);
		assert_true(ipc_digest(b, sizeof b) != d);
		b[4] = b[3];
		b[3] = t;
	}
	{
		unsigned char w[8];
		memcpy(w, b + 8, 8);
		memcpy(b + 8, b + 40, 8);
		memcpy(b + 40, w, 8);
		assert_true(ipc_digest(b, sizeof b) != d);
		memcpy(b + 40, b + 8, 8);
		memcpy(b + 8, w, 8);
	}
	assert_true(ipc_digest(b, sizeof b) == d);
	assert_true(ipc_digest(b, sizeof b - 1) != d);
	assert_true(ipc_chain(ipc_chain(0, 1), 2) != ipc_chain(ipc_chain(0, 2), 1));
}

static void lacking_channel_is_na(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("pipe", 64, HONEST, note, sizeof note), HX_NA);
	assert_non_null(strstr(note, "not applicable"));
}

/* what ipc_expected() says = the messages as stamped, in the order ipc_side() checks
 * them in full: the first IPC_VERIFY and the IPC_VERIFY after the streams; direction 1
 * the acknowledgements of both streams between them too */
static void expected_matches_messages(void **state)
{
	static const size_t sizes[] = { 1, 2, 7, 8, 9, 64, 1000 };
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int d = 0; d < 2; d++) {
			size_t n = sizes[i];
			struct ipc_args a = { .ch = IPC_SPIN, .bytes = n, .iters = 3 };
			unsigned char *b = malloc(n);
			uint64_t want, got = 0, seq;
			long count, after = d == 0 ? IPC_WARMUP + 15 : IPC_WARMUP + 3;
			for (seq = 0; seq < IPC_VERIFY; seq++) {
				ipc_fill(b, n, d);
				ipc_stamp(b, n, d, seq);
				got = ipc_chain(got, ipc_digest(b, n));
			}
			seq = (uint64_t)after;
			for (int k = 0; d == 1 && k < 2; k++) {
				size_t ack = ipc_ack_bytes(n);
				ipc_fill(b, ack, d);
				ipc_stamp(b, ack, d, seq++);
				got = ipc_chain(got, ipc_digest(b, ack));
			}
			for (int k = 0; k < IPC_VERIFY; k++) {
				ipc_fill(b, n, d);
				ipc_stamp(b, n, d, seq++);
				got = ipc_chain(got, ipc_digest(b, n));
			}
			ipc_expected(&a, d, &want, &count);
			assert_int_equal(count, (long)seq);
			assert_true(want == got);
			free(b);
		}
}

static void sizes_and_workers(void **state)
{
	const char *ok[] = { "ipc", "-m", "8:1K", NULL };
	const char *any_w[] = { "ipc", "-w", "1,3,4", NULL };
	struct hx_opts o;
	long long s[HX_MAX_SIZES];
	char err[256], out[64];
	(void)state;
	assert_int_equal(hx_parse(&ipc_exercise, 3, (char *const *)ok, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_OK);
	assert_int_equal(ipc_exercise.sizes(&o, s, HX_MAX_SIZES), 8);
	assert_int_equal(s[0], 8);
	assert_int_equal(s[7], 1024);
	/* any worker count parses: 1 is n/a when it runs, more than 2 idle but 0 and 1 */
	assert_int_equal(hx_parse(&ipc_exercise, 3, (char *const *)any_w, &o, err, sizeof err, out,
				  sizeof out),
			 HX_PARSE_OK);
	assert_int_equal(o.nworkers, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expected_matches_messages),
		cmocka_unit_test(honest_passes),
		cmocka_unit_test(stamps_check_both_ends),
		cmocka_unit_test(digest_sees_order),
		cmocka_unit_test(corrupted_payload_fails),
		cmocka_unit_test(corrupted_timed_edge_fails),
		cmocka_unit_test(reordered_messages_fail),
		cmocka_unit_test(reordered_words_fail),
		cmocka_unit_test(pointer_sender_waits),
		cmocka_unit_test(counted_twice_fails),
		cmocka_unit_test(digest_off_fails),
		cmocka_unit_test(lacking_channel_is_na),
		cmocka_unit_test(sizes_and_workers),
	};
	return cmocka_run_group_tests_name("ipc validator", tests, NULL, NULL);
}
