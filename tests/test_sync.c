/* test_sync.c: the `sync` validator rejects every kind of broken result. Links the
 * shared part (exercises/sync.o) with a fake serial backend that returns a correct
 * result, or a corrupted one, through the exercise's own hooks. */
#include "sync.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

extern const struct hx_exercise sync_exercise;

static int corrupt; /* 0: a correct result; else which field to spoil */

const char *sync_na(enum sync_variant v)
{
	(void)v;
	return NULL;
}

/* the right answer, computed serially, then spoiled on request */
void sync_run(const struct sync_args *a, struct sync_result *r, double *seconds)
{
	long k = a->permits < a->workers ? a->permits : a->workers;
	memset(r, 0, sizeof *r);
	r->passes = sync_expected_passes(a);
	if (a->variant == SYNC_SEMAPHORE)
		r->max_inside = k;
	if (a->variant == SYNC_RLOCK) {
		r->max_inside = 1;
		r->counter = r->passes;
		r->deepest = SYNC_DEPTH;
	}
	switch (corrupt) {
	case 1: sync_violation(r, "worker 1 left barrier 0 early"); break;
	case 2: r->passes--; break;
	case 3: r->max_inside = a->variant == SYNC_RLOCK ? 2 : a->permits + 1; break;
	case 4: r->max_inside = a->variant == SYNC_RLOCK ? 0 : k - 1; break;
	case 5: r->counter--; break;
	case 6: r->deepest = 1; break;
	}
	*seconds = 1e-3;
}

/* runs variant v at W workers through the hooks; returns the verdict */
static enum hx_verdict run_case(const char *variant, int workers, const char *permits,
				char *note)
{
	const char *const args[] = { "-k", permits, NULL };
	struct hx_case c;
	enum hx_verdict v = tx_run_case_args(&sync_exercise, variant, workers, 100, args, &c);
	strcpy(note, c.note);
	return v;
}

static const char *const variants[] = { "barrier", "event", "condition", "semaphore", "rlock" };

static void correct_results_pass(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	corrupt = 0;
	for (int i = 0; i < 5; i++)
		for (int w = 1; w <= 4; w++)
			assert_int_equal(run_case(variants[i], w, "2", note), HX_PASS);
}

static void a_breach_fails_every_variant(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	corrupt = 1;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(run_case(variants[i], 2, "2", note), HX_FAIL);
		assert_non_null(strstr(note, "broken=1 breaches, first: worker 1 left barrier 0"));
	}
	corrupt = 2; /* a pass missing */
	for (int i = 0; i < 5; i++)
		assert_int_equal(run_case(variants[i], 2, "2", note), HX_FAIL);
	corrupt = 0;
}

static void semaphore_bounds(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	corrupt = 3; /* more inside than permits */
	assert_int_equal(run_case("semaphore", 4, "2", note), HX_FAIL);
	assert_non_null(strstr(note, "more than the 2 permits"));
	corrupt = 4; /* K never reached */
	assert_int_equal(run_case("semaphore", 4, "2", note), HX_FAIL);
	assert_non_null(strstr(note, "never reached"));
	corrupt = 0;
}

static void rlock_checks(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	for (corrupt = 3; corrupt <= 6; corrupt++)
		assert_int_equal(run_case("rlock", 3, "2", note), HX_FAIL);
	corrupt = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(correct_results_pass),
		cmocka_unit_test(a_breach_fails_every_variant),
		cmocka_unit_test(semaphore_bounds),
		cmocka_unit_test(rlock_checks),
	};
	return cmocka_run_group_tests_name("sync (validator)", tests, NULL, NULL);
}
