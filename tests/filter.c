/* filter.c: linked into every test program. TX_FILTER in the environment picks the
 * tests to run by name, a pattern with * and ? ("validates (procs)", "*lock*"), as
 * cmocka's own filter does; unset or empty, every test runs. tests/mutate.sh uses it
 * to run only the tests that matter for a change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

__attribute__((constructor)) static void tx_filter_from_env(void)
{
	const char *pattern = getenv("TX_FILTER");
	if (pattern != NULL && pattern[0] != '\0')
		cmocka_set_test_filter(pattern);
}
