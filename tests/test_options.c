/* test_options.c: the option parser, as a table of accepted inputs (with what they
 * set) and rejected inputs (with the exact one-line message). */
#include "hx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct hx_variant variants[] = {
	{ "alpha", "the first" }, { "beta", "the second" }, { "gamma", "the third" }, { NULL, NULL }
};
static const char *const modes[] = { "fast", "slow", NULL };
static const struct hx_optdef xopts[] = {
	{ 'c', "chunk", HX_OPT_INT, "N", "chunk size", 1, 1000, 10, 0, 0, NULL, 0 },
	{ 0, "mode", HX_OPT_CHOICE, "MODE", "how", 0, 0, 1, 0, 0, modes, 0 },
	{ 'm', "message", HX_OPT_RANGE, "MIN:MAX", "sizes", 8, 4 << 20, 8, 1024, 1, NULL, 1 },
	{ 0, "sabotage", HX_OPT_FLAG, NULL, "break it", 0, 0, 0, 0, 0, NULL, 0 },
	{ 0, NULL, HX_OPT_FLAG, NULL, NULL, 0, 0, 0, 0, 0, NULL, 0 },
};
static const struct hx_exercise ex = {
	.name = "demo",
	.summary = "a test exercise",
	.variants = variants,
	.size_name = "items",
	.size_def = 100,
	.size_min = 1,
	.size_max = 1000000,
	.reps_def = 7,
	.warmup_def = 1,
	.xopts = xopts,
};

#define MAXARGS 8
static int parse(const char *const args[], struct hx_opts *o, char *err, size_t errlen)
{
	char *argv[MAXARGS + 1];
	char out[8192];
	int argc = 0;
	argv[argc++] = (char *)"demo";
	for (int i = 0; args[i] != NULL && argc < MAXARGS; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	return hx_parse(&ex, argc, argv, o, err, errlen, out, sizeof out);
}

static void defaults(void **state)
{
	const char *const args[] = { NULL };
	struct hx_opts o;
	char err[256];
	(void)state;
	assert_int_equal(parse(args, &o, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(o.size, 100);
	assert_int_equal(o.reps, 7);
	assert_int_equal(o.warmup, 1);
	assert_int_equal(o.target_ms, 1);
	assert_int_equal(o.nvariants, 3);
	assert_int_equal(o.workers_set, 0);
	assert_int_equal(o.format, HX_FMT_TABLE);
	assert_int_equal(o.x[0][0], 10);
	assert_int_equal(o.x[1][0], 1); /* slow */
	assert_int_equal(o.x[2][0], 8);
	assert_int_equal(o.x[2][1], 1024);
	assert_int_equal(o.x[3][0], 0);
}

struct good {
	const char *args[MAXARGS];
	long long size;
	const char *workers; /* as a list */
	const char *variants;
	int reps, warmup;
	long long chunk, mode, mlo, mhi, sabotage;
	enum hx_format format;
};

static const struct good goods[] = {
	{ { "-n", "5" }, 5, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "-n5" }, 5, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--size=1000000" }, 1000000, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--size", "42" }, 42, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "-w", "1,2,4" }, 100, "1,2,4", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--workers=3" }, 100, "3", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "-r", "3", "-x", "0" }, 100, "", "alpha,beta,gamma", 3, 0, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--variant", "gamma,alpha" }, 100, "", "gamma,alpha", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--variant=all" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--csv" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_CSV },
	{ { "--json", "-q" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_JSON },
	{ { "-c", "1000", "--mode", "fast" }, 100, "", "alpha,beta,gamma", 7, 1, 1000, 0, 8, 1024, 0, HX_FMT_TABLE },
	{ { "-m", "8:4M" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 4 << 20, 0, HX_FMT_TABLE },
	{ { "--message=1K:64k" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 1024, 65536, 0, HX_FMT_TABLE },
	{ { "--sabotage" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 1, HX_FMT_TABLE },
	{ { "-n", "5", "--" }, 5, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_TABLE },
	{ { "--csv", "--csv" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 8, 1024, 0, HX_FMT_CSV },
	{ { "-m", "16:1K" }, 100, "", "alpha,beta,gamma", 7, 1, 10, 1, 16, 1024, 0, HX_FMT_TABLE },
};

static void accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		const struct good *g = &goods[i];
		struct hx_opts o;
		char err[256], list[256] = "";
		size_t u = 0;
		int rc = parse(g->args, &o, err, sizeof err);
		if (rc != HX_PARSE_OK)
			print_error("case %zu: rejected: %s\n", i, err);
		assert_int_equal(rc, HX_PARSE_OK);
		assert_int_equal(o.size, g->size);
		for (int k = 0; k < (o.workers_set ? o.nworkers : 0); k++)
			u += (size_t)snprintf(list + u, sizeof list - u, "%s%d", k ? "," : "", o.workers[k]);
		assert_string_equal(list, g->workers);
		u = 0;
		list[0] = '\0';
		for (int k = 0; k < o.nvariants; k++)
			u += (size_t)snprintf(list + u, sizeof list - u, "%s%s", k ? "," : "",
					      variants[o.variants[k]].name);
		assert_string_equal(list, g->variants);
		assert_int_equal(o.reps, g->reps);
		assert_int_equal(o.warmup, g->warmup);
		assert_int_equal(o.x[0][0], g->chunk);
		assert_int_equal(o.x[1][0], g->mode);
		assert_int_equal(o.x[2][0], g->mlo);
		assert_int_equal(o.x[2][1], g->mhi);
		assert_int_equal(o.x[3][0], g->sabotage);
		assert_int_equal(o.format, g->format);
	}
}

struct bad {
	const char *args[MAXARGS];
	const char *message;
};

static const struct bad bads[] = {
	{ { "-n", "abc" }, "demo: option -n/--size: 'abc' is not a whole number" },
	{ { "-n", "12x" }, "demo: option -n/--size: '12x' is not a whole number (trailing 'x')" },
	{ { "-n", "1.5" }, "demo: option -n/--size: '1.5' is not a whole number (trailing '.5')" },
	{ { "-n", "-5" }, "demo: option -n/--size: -5 is too small (at least 1)" },
	{ { "--size=0" }, "demo: option -n/--size: 0 is too small (at least 1)" },
	{ { "-n", "1000001" }, "demo: option -n/--size: 1000001 is too large (at most 1000000)" },
	{ { "-n", "99999999999999999999" },
	  "demo: option -n/--size: '99999999999999999999' is too large (at most 1000000)" },
	{ { "-n" }, "demo: option -n/--size: missing value" },
	{ { "--size=" }, "demo: option -n/--size: missing value" },
	{ { "-w", "0" }, "demo: option -w/--workers: 0 is too small (at least 1)" },
	{ { "-w", "2,-1" }, "demo: option -w/--workers: -1 is too small (at least 1)" },
	{ { "-w", "1,,2" }, "demo: option -w/--workers: empty item in '1,,2'" },
	{ { "-w", "2000" }, "demo: option -w/--workers: 2000 is too large (at most 1024)" },
	{ { "-w", "two" }, "demo: option -w/--workers: 'two' is not a whole number" },
	{ { "-r", "0" }, "demo: option -r/--reps: 0 is too small (at least 1)" },
	{ { "-x", "-1" }, "demo: option -x/--warmup: -1 is too small (at least 0)" },
	{ { "--variant", "delta" },
	  "demo: option --variant: unknown variant 'delta' (one of: alpha, beta, gamma, all)" },
	{ { "--variant", "alpha,,beta" }, "demo: option --variant: bad list 'alpha,,beta'" },
	{ { "--frobnicate" }, "demo: unknown option '--frobnicate' (try --help)" },
	{ { "--frobnicate=3" }, "demo: unknown option '--frobnicate' (try --help)" },
	{ { "-z" }, "demo: unknown option '-z' (try --help)" },
	{ { "stray" }, "demo: unexpected argument 'stray' (try --help)" },
	{ { "--csv=yes" }, "demo: option --csv takes no value (got 'yes')" },
	{ { "-c", "0" }, "demo: option -c/--chunk: 0 is too small (at least 1)" },
	{ { "--mode", "medium" }, "demo: option --mode: unknown value 'medium' (one of: fast, slow)" },
	{ { "-m", "64" }, "demo: option -m/--message: '64' is not MIN:MAX" },
	{ { "-m", "64:8" }, "demo: option -m/--message: MIN 64 is above MAX 8" },
	{ { "-m", "4:64" }, "demo: option -m/--message: 4 is too small (at least 8)" },
	{ { "-m", "8:8G" }, "demo: option -m/--message: '8G' is too large (at most 4194304)" },
	{ { "--sabotage=1" }, "demo: option --sabotage takes no value (got '1')" },
	{ { "-m", "8:24" }, "demo: option -m/--message: 24 is not a power of two" },
	{ { "-m", "12:64" }, "demo: option -m/--message: 12 is not a power of two" },
	{ { "-m", "8:8:8" }, "demo: option -m/--message: '8:8:8' is not MIN:MAX" },
	{ { "--csv", "--json" }, "demo: option --json: --csv was given too (one record format at a time)" },
	{ { "--json", "--csv" }, "demo: option --csv: --json was given too (one record format at a time)" },
	{ { "--variant", "beta,alpha,beta" },
	  "demo: option --variant: 'beta' is listed twice (each variant runs once)" },
	{ { "--variant", "all,beta" },
	  "demo: option --variant: 'all' cannot be combined with other variants" },
	{ { "-w", "1,2,1" }, "demo: option -w/--workers: 1 is listed twice (each count runs once)" },
	{ { "--save", "a", "--save", "b" }, "demo: option --save: given twice (records go to one file)" },
	{ { "--", "-n", "5" }, "demo: unexpected argument '-n' after -- (try --help)" },
	{ { "-n", "5", "--", "x" }, "demo: unexpected argument 'x' after -- (try --help)" },
	{ { "-n", "1234567890123456789012345678901234567890123456789012345678901234567890" },
	  "demo: option -n/--size: '123456789012345678901234567890123456789012345...' is too large "
	  "(at most 1000000)" },
	{ { "-n", "12abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij" },
	  "demo: option -n/--size: '12abcdefghijabcdefghijabcdefghijabcdefghijabc...' is not a whole "
	  "number (trailing 'abcdefghijabcdefghijabcdefghijabcdefghijabcde...')" },
	{ { "--watchdog", "x" }, "demo: option --watchdog: 'x' is not a whole number" },
	{ { "--target-ms", "0" }, "demo: option --target-ms: 0 is too small (at least 1)" },
	{ { "--target-ms", "10001" }, "demo: option --target-ms: 10001 is too large (at most 10000)" },
	{ { "--target-ms", "1.5" },
	  "demo: option --target-ms: '1.5' is not a whole number (trailing '.5')" },
	{ { "--target-ms" }, "demo: option --target-ms: missing value" },
	{ { "--bind", "core" }, "demo: option --bind: unknown value 'core' (one of: cores, none)" },
	{ { "--bind=" }, "demo: option --bind: unknown value '' (one of: cores, none)" },
	{ { "--bind" }, "demo: option --bind: missing value" },
};

static void rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		struct hx_opts o;
		char err[256];
		int rc = parse(bads[i].args, &o, err, sizeof err);
		if (rc != HX_PARSE_ERROR)
			print_error("case %zu (%s): accepted\n", i, bads[i].args[0]);
		assert_int_equal(rc, HX_PARSE_ERROR);
		assert_string_equal(err, bads[i].message);
		assert_null(strchr(err, '\n')); /* one line */
	}
}

/* --bind: none by default, cores or none as given, the environment's TVP_BIND when not
 * given (a bad one refused, naming --bind and the variable) */
static void bind_modes(void **state)
{
	const char *const none[] = { NULL }, *const cores[] = { "--bind", "cores", NULL },
			  *const off[] = { "--bind=none", NULL };
	struct hx_opts o;
	char err[256];
	(void)state;
	unsetenv("TVP_BIND");
	assert_int_equal(parse(none, &o, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(o.bind, HX_BIND_NONE);
	assert_int_equal(parse(cores, &o, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(o.bind, HX_BIND_CORES);
	setenv("TVP_BIND", "cores", 1);
	assert_int_equal(parse(none, &o, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(o.bind, HX_BIND_CORES);
	assert_int_equal(parse(off, &o, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(o.bind, HX_BIND_NONE);
	setenv("TVP_BIND", "all", 1);
	assert_int_equal(parse(none, &o, err, sizeof err), HX_PARSE_ERROR);
	assert_string_equal(err, "demo: option --bind: the environment's TVP_BIND='all' is not "
				 "cores or none");
	assert_int_equal(parse(cores, &o, err, sizeof err), HX_PARSE_OK);
	unsetenv("TVP_BIND");
}

static void help_and_version(void **state)
{
	char *argv[] = { (char *)"demo", (char *)"--help", NULL };
	char *argv2[] = { (char *)"demo", (char *)"--version", NULL };
	struct hx_opts o;
	char err[256], out[8192];
	(void)state;
	assert_int_equal(hx_parse(&ex, 2, argv, &o, err, sizeof err, out, sizeof out), HX_PARSE_EXIT);
	assert_non_null(strstr(out, "usage: demo"));
	assert_non_null(strstr(out, "--chunk"));
	assert_non_null(strstr(out, "gamma"));
	assert_non_null(strstr(out, "exit status"));
	assert_int_equal(hx_parse(&ex, 2, argv2, &o, err, sizeof err, out, sizeof out), HX_PARSE_EXIT);
	assert_non_null(strstr(out, "backend pthreads"));
	assert_non_null(strstr(out, "built with: gcc ") != NULL ? strstr(out, "built with: gcc ")
								 : strstr(out, "built with: clang "));
	assert_non_null(strstr(out, "MPI none, OpenMP none"));
}

static int no_odd(const struct hx_opts *o, char *err, size_t len)
{
	if (o->size % 2) {
		snprintf(err, len, "option -n/--size: %lld is odd", o->size);
		return -1;
	}
	return 0;
}

static void cross_checks(void **state)
{
	struct hx_exercise e2 = ex;
	const char *const odd[] = { "-n", "3", NULL }, *const even[] = { "-n", "4", NULL };
	char *argv[4];
	struct hx_opts o;
	char err[256], out[64];
	(void)state;
	e2.check_opts = no_odd;
	argv[0] = (char *)"demo";
	argv[1] = (char *)odd[0];
	argv[2] = (char *)odd[1];
	argv[3] = NULL;
	assert_int_equal(hx_parse(&e2, 3, argv, &o, err, sizeof err, out, sizeof out), HX_PARSE_ERROR);
	assert_string_equal(err, "demo: option -n/--size: 3 is odd");
	argv[2] = (char *)even[1];
	assert_int_equal(hx_parse(&e2, 3, argv, &o, err, sizeof err, out, sizeof out), HX_PARSE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),         cmocka_unit_test(accepted),
		cmocka_unit_test(rejected),         cmocka_unit_test(help_and_version),
		cmocka_unit_test(bind_modes),
		cmocka_unit_test(cross_checks),
	};
	return cmocka_run_group_tests_name("harness options", tests, NULL, NULL);
}
