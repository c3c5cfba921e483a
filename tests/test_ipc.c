/* test_ipc.c: the ipc validator (exercises/ipc.c) against a fake backend: two threads
 * run the real protocol over the spin ring, and can corrupt the result: one byte of
 * one payload flipped in flight, a message counted twice, a checksum total off by one.
 * Each corruption must fail validation; the honest run must pass. */
#include "ipc.h"

#include "hx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct hx_exercise ipc_exercise;

enum corruption { HONEST, PAYLOAD, COUNTED_TWICE, SUM_OFF };
static enum corruption corrupt;

struct fake {
	const struct ipc_args *a;
	struct ipc_result *r;
	struct ipc_ring ring[2];
	unsigned char *slots[2];
	long sent0;
};

struct end {
	struct fake *f;
	int side;
};

static void fake_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct end *e = ctx;
	unsigned char *tmp = malloc(n);
	memcpy(tmp, buf, n);
	/* the 20th message from worker 0 gets one byte flipped on the way */
	if (corrupt == PAYLOAD && e->side == 0 && e->f->sent0++ == 20)
		tmp[n - 1] ^= 0x10;
	ipc_ring_send(&e->f->ring[e->side], e->f->slots[e->side], e->f->a->bytes, tmp, n);
	free(tmp);
}

static void fake_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct end *e = ctx;
	ipc_ring_recv(&e->f->ring[1 - e->side], e->f->slots[1 - e->side], e->f->a->bytes, buf, n);
}

static void *side_main(void *p)
{
	struct end *e = p;
	struct ipc_ops ops = { fake_send, fake_recv, e };
	unsigned char *s = calloc(1, e->f->a->bytes), *r = calloc(1, e->f->a->bytes);
	ipc_side(e->side, e->f->a, &ops, s, r, e->f->r);
	free(s);
	free(r);
	return NULL;
}

const char *ipc_lacks(enum ipc_channel ch)
{
	return ch == IPC_SPIN ? NULL : "the fake backend has spin only";
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct fake f;
	struct end e[2] = { { &f, 0 }, { &f, 1 } };
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
	if (corrupt == SUM_OFF)
		r->sum[1]++;
}

static enum hx_verdict run_one(const char *variant, long long bytes, enum corruption how,
			       char *note, size_t len)
{
	const char *argv[] = { "ipc", "--variant", variant, "-n", "50", NULL };
	struct hx_opts o;
	struct hx_case c;
	char err[256], out[64];
	enum hx_verdict v;

	assert_int_equal(hx_parse(&ipc_exercise, 5, (char *const *)argv, &o, err, sizeof err, out,
				  sizeof out),
			 HX_PARSE_OK);
	memset(&c, 0, sizeof c);
	c.ex = &ipc_exercise;
	c.opts = &o;
	c.variant = o.variants[0];
	c.variant_name = variant;
	c.workers = 2;
	c.size = bytes;
	c.timed = 1;
	corrupt = how;
	if (ipc_exercise.setup(&c) == HX_NA) {
		snprintf(note, len, "%s", c.note);
		return HX_NA;
	}
	ipc_exercise.run(&c);
	ipc_exercise.check(&c);
	snprintf(note, len, "%s", c.note);
	v = c.verdict;
	ipc_exercise.teardown(&c);
	return v;
}

static void honest_passes(void **state)
{
	static const long long sizes[] = { 1, 3, 8, 13, 4096, 65536 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(run_one("spin", sizes[i], HONEST, note, sizeof note), HX_PASS);
		assert_non_null(strstr(note, "checksums=ok"));
		assert_non_null(strstr(note, "one_way_us="));
		assert_non_null(strstr(note, "gb_per_s="));
	}
}

static void corrupted_payload_fails(void **state)
{
	static const long long sizes[] = { 1, 8, 100, 4096 };
	char note[HX_NOTE_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(run_one("spin", sizes[i], PAYLOAD, note, sizeof note), HX_FAIL);
		assert_non_null(strstr(note, "checksums=BAD"));
		assert_non_null(strstr(note, "dir0="));
	}
}

static void counted_twice_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("spin", 64, COUNTED_TWICE, note, sizeof note), HX_FAIL);
}

static void sum_off_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("spin", 64, SUM_OFF, note, sizeof note), HX_FAIL);
	assert_non_null(strstr(note, "dir1="));
}

static void lacking_channel_is_na(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("pipe", 64, HONEST, note, sizeof note), HX_NA);
	assert_non_null(strstr(note, "not applicable"));
}

/* the expected total is the sum of the checksums of the messages as stamped */
static void expected_matches_messages(void **state)
{
	static const size_t sizes[] = { 1, 2, 7, 8, 9, 64, 1000 };
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int d = 0; d < 2; d++) {
			struct ipc_args a = { IPC_SPIN, sizes[i], 3 };
			unsigned char *b = malloc(sizes[i]);
			uint64_t want, got = 0;
			long n, count = d == 0 ? IPC_WARMUP + 9 : IPC_WARMUP + 3;
			ipc_fill(b, sizes[i], d);
			for (long k = 0; k < count; k++) {
				ipc_stamp(b, sizes[i], d, (uint64_t)k);
				got += ipc_checksum(b, sizes[i]);
			}
			if (d == 1) {
				size_t ack = ipc_ack_bytes(sizes[i]);
				ipc_stamp(b, ack, d, (uint64_t)count);
				got += ipc_checksum(b, ack);
				count++;
			}
			ipc_expected(&a, d, &want, &n);
			assert_int_equal(n, count);
			assert_true(want == got);
			free(b);
		}
}

static void sizes_and_workers(void **state)
{
	const char *ok[] = { "ipc", "-m", "8:1K", NULL };
	const char *bad_w[] = { "ipc", "-w", "3", NULL };
	struct hx_opts o;
	long long s[HX_MAX_SIZES];
	char err[256], out[64];
	(void)state;
	assert_int_equal(hx_parse(&ipc_exercise, 3, (char *const *)ok, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_OK);
	assert_int_equal(ipc_exercise.sizes(&o, s, HX_MAX_SIZES), 8);
	assert_int_equal(s[0], 8);
	assert_int_equal(s[7], 1024);
	assert_int_equal(hx_parse(&ipc_exercise, 3, (char *const *)bad_w, &o, err, sizeof err, out,
				  sizeof out),
			 HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--workers"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expected_matches_messages),
		cmocka_unit_test(honest_passes),
		cmocka_unit_test(corrupted_payload_fails),
		cmocka_unit_test(counted_twice_fails),
		cmocka_unit_test(sum_off_fails),
		cmocka_unit_test(lacking_channel_is_na),
		cmocka_unit_test(sizes_and_workers),
	};
	return cmocka_run_group_tests_name("ipc validator", tests, NULL, NULL);
}
