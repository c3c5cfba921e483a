/* cases.h: one case of an exercise run in this process, for the validator tests. */
#ifndef TX_CASES_H
#define TX_CASES_H

#include "hx.h"

/* cmocka and the headers it needs before it: a unit test may include this one alone */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Runs `variant` of `ex` at `workers` and `size` as the driver does one repetition:
 * HX_NA when its not_applicable hook gives a reason (in the note), else setup (which
 * must return 0), run, check and teardown, with the options parsed from `args` (NULL-terminated; NULL:
 * the defaults). Returns the verdict; *seen (when not NULL) gets the case as check
 * left it: its note, ops and times. */
enum hx_verdict tx_run_case_args(const struct hx_exercise *ex, const char *variant, int workers,
				 long long size, const char *const args[], struct hx_case *seen);
#define tx_run_case(ex, variant, workers, size, seen) \
	tx_run_case_args((ex), (variant), (workers), (size), NULL, (seen))

#endif
