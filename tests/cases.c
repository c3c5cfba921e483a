/* cases.c: what the validator tests (tests/test_<e>.c) share: one case of an exercise
 * run through its hooks in this process, as the driver runs one timed repetition. The
 * test defines the backend's function itself (a serial stand-in that can corrupt its
 * result), so the exercise's setup, run, check and teardown are what is tested. */
#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum hx_verdict tx_run_case_args(const struct hx_exercise *ex, const char *variant, int workers,
				 long long size, const char *const args[], struct hx_case *seen)
{
	static struct hx_opts o; /* the case points to it: it outlives the call */
	struct hx_case c;
	char *argv[16] = { (char *)ex->name };
	char err[256], out[8192];
	int argc = 1;

	for (; args != NULL && args[argc - 1] != NULL; argc++) {
		assert_true(argc < 15);
		argv[argc] = (char *)args[argc - 1];
	}
	if (hx_parse(ex, argc, argv, &o, err, sizeof err, out, sizeof out) != HX_PARSE_OK)
		fail_msg("tx_run_case: %s", err);
	o.quiet = 1;
	memset(&c, 0, sizeof c);
	c.ex = ex;
	c.opts = &o;
	c.variant = hx_variant_index(ex, variant);
	assert_true(c.variant >= 0);
	c.variant_name = variant;
	c.workers = workers;
	c.size = size;
	c.rep = 0; /* the first repetition, its times kept */
	c.timed = 1;
	c.figure = c.reference = NAN;
	if (ex->not_applicable != NULL && ex->not_applicable(&c) != NULL) {
		hx_note(&c, "reason", "not applicable: %s", ex->not_applicable(&c));
		c.verdict = HX_NA;
		if (seen != NULL)
			*seen = c;
		return HX_NA;
	}
	c.state = ex->state_size > 0 ? hx_calloc(1, ex->state_size) : NULL;
	assert_true(ex->setup == NULL || ex->setup(&c) == 0);
	ex->run(&c);
	ex->check(&c);
	if (ex->teardown != NULL)
		ex->teardown(&c);
	free(c.state);
	c.state = NULL;
	if (seen != NULL)
		*seen = c;
	return c.verdict;
}
