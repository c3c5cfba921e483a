/* test_prodcons.c: prodcons's validator and option checks against a serial stand-in for
 * the backend, which can corrupt its result: a duplicated item, an item out of its
 * producer's order, a missing item, a wrong payload, an item left in the list, a
 * producer short of items: each must fail validation. */
#include "cases.h"
#include "prodcons.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

extern const struct hx_exercise prodcons_exercise;

enum fault { F_NONE, F_DUP, F_ORDER, F_MISSING, F_PAYLOAD, F_LEFT, F_SHORT, F_STRAY };
static enum fault fault;

const char *prodcons_na(enum pc_variant v)
{
	(void)v;
	return NULL;
}

/* the stand-in: a FIFO list, items put in id order (so each producer's in its order),
 * taken in turn by consumers 0, 1, ..., C-1, 0, ... */
double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	long n = a->items;
	for (long id = 0; id < n; id++) {
		int p = (int)(id % a->producers), c = (int)(id % a->consumers);
		struct pc_item it = { .id = (uint32_t)id, .producer = (uint32_t)p,
				      .val = pc_value((uint32_t)id), .t_put = 1 };
		if (fault == F_SHORT && id == n - 1)
			break; /* the last producer never puts its last item */
		t->prod[p].sum += it.val;
		t->prod[p].count++;
		if (fault == F_MISSING && id == 5)
			continue; /* put, never taken */
		if (fault == F_PAYLOAD && id == 7)
			it.val ^= 1;
		if (fault == F_STRAY && id == 3)
			it.id = (uint32_t)n + 3;
		if (fault == F_ORDER && id == 4 * a->producers) /* taken before the one before */
			it.id = (uint32_t)(3 * a->producers);
		else if (fault == F_ORDER && id == 3 * a->producers)
			it.id = (uint32_t)(4 * a->producers);
		pc_took(t, c, &it, 2);
		if (fault == F_DUP && id == 9)
			pc_took(t, c, &it, 2);
	}
	t->remaining = fault == F_LEFT ? 1 : 0;
	return 1e-3;
}

static enum hx_verdict run_case(const char *variant, int workers, long items, char *note)
{
	struct hx_case c;
	enum hx_verdict v = tx_run_case(&prodcons_exercise, variant, workers, items, &c);
	assert_true(c.ops == (double)items);
	strcpy(note, c.note);
	return v;
}

static void correct_results_pass(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	fault = F_NONE;
	for (int w = 1; w <= 5; w++) {
		assert_int_equal(run_case("cond", w, 1000, note), HX_PASS);
		assert_non_null(strstr(note, "validated=1000"));
		assert_non_null(strstr(note, "handoff_us=0.001")); /* 1 ns per item */
	}
	assert_non_null(strstr(note, "P=3 C=2"));
}

static void corrupted_results_fail(void **state)
{
	const enum fault f[] = { F_DUP, F_ORDER, F_MISSING, F_PAYLOAD, F_LEFT, F_SHORT, F_STRAY };
	const char *what[] = { "twice", "after a later one", "99 items taken", "checksums differ",
			       "left in the list", "put", "unknown" };
	char note[HX_NOTE_LEN];
	(void)state;
	for (int i = 0; i < 7; i++)
		for (int w = 2; w <= 4; w++) {
			fault = f[i];
			assert_int_equal(run_case("lock", w, 100, note), HX_FAIL);
			if (strstr(note, what[i]) == NULL)
				print_error("fault %d at %d workers: %s\n", i, w, note);
			assert_non_null(strstr(note, what[i]));
		}
	fault = F_NONE;
}

/* the split of W into P + C, and what check_opts refuses (here on "pthreads") */
static void options(void **state)
{
	struct hx_opts o;
	char err[256], out[64];
	char *ok1[] = { "prodcons", "-P", "3", "-w", "4,5", NULL };
	char *ok2[] = { "prodcons", "-P", "2", "-C", "3", NULL };
	char *bad1[] = { "prodcons", "-P", "2", "-C", "2", "-w", "3", NULL };
	char *bad2[] = { "prodcons", "-C", "3", "-w", "2,3", NULL };
	char *bad3[] = { "prodcons", "-w", "1", "-C", "1", NULL };
	(void)state;
	assert_int_equal(hx_parse(&prodcons_exercise, 5, ok1, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_OK);
	assert_int_equal(hx_parse(&prodcons_exercise, 5, ok2, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_OK);
	{ /* without -w: W = P + C, computed from the options alone */
		int w[4];
		assert_int_equal(prodcons_exercise.workers_default(&o, w, 4), 1);
		assert_int_equal(w[0], 5);
	}
	assert_int_equal(hx_parse(&prodcons_exercise, 7, bad1, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_ERROR);
	assert_non_null(strstr(err, "-w/--workers"));
	assert_int_equal(hx_parse(&prodcons_exercise, 5, bad2, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_ERROR);
	assert_non_null(strstr(err, "-C/--consumers"));
	assert_int_equal(hx_parse(&prodcons_exercise, 5, bad3, &o, err, sizeof err, out, sizeof out),
			 HX_PARSE_ERROR);
	assert_non_null(strstr(err, "-w/--workers"));
}

static void shares(void **state)
{
	(void)state;
	assert_int_equal(pc_share(10, 3, 0), 4);
	assert_int_equal(pc_share(10, 3, 1), 3);
	assert_int_equal(pc_share(10, 3, 2), 3);
	assert_int_equal(pc_share(2, 3, 2), 0);
	assert_true(pc_value(1) != pc_value(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shares),
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(corrupted_results_fail),
		cmocka_unit_test(options),
	};
	return cmocka_run_group_tests_name("prodcons (validator)", tests, NULL, NULL);
}
