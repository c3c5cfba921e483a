/* run_all.c: every exercise on every backend, the integration test a new exercise has
 * before it has one of its own (tests/run_<e>.c adds what is particular to it):
 *   - `<e> --help` exits 0 and lists the variants;
 *   - one short run with the arguments of exercises/<e>.run (none without the file),
 *     at -r 1 -x 0 and the first worker count of its -w list (else 2; MPI: as many
 *     ranks): exit 0, CSV records all of this exercise, backend and worker count, every
 *     variant of --help among them, each validated (pass), unsafe on purpose or n/a;
 *   - bad common options refused with exit 2 and one line naming the option.
 * The exercises: TX_EXERCISES (make test sets it, following ONLY=), else every
 * exercises/<e>.c; the tests run from the checkout. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EX 64
#define MAX_ARGS 40

static char names[MAX_EX][64];
static int nnames;

static void find_exercises(void)
{
	const char *env = getenv("TX_EXERCISES");
	glob_t g;

	if (env != NULL && *env != '\0') {
		char *copy = strdup(env), *save = NULL;
		if (copy == NULL)
			exit(99);
		for (char *t = strtok_r(copy, " ", &save); t && nnames < MAX_EX;
		     t = strtok_r(NULL, " ", &save))
			snprintf(names[nnames++], sizeof names[0], "%s", t);
		free(copy);
		return;
	}
	if (glob("exercises/*.c", 0, NULL, &g) != 0) {
		fprintf(stderr, "run_all: no exercises/*.c here (run the tests from the checkout)\n");
		exit(99);
	}
	for (size_t i = 0; i < g.gl_pathc && nnames < MAX_EX; i++) {
		const char *base = g.gl_pathv[i] + strlen("exercises/");
		snprintf(names[nnames++], sizeof names[0], "%.*s", (int)(strlen(base) - 2), base);
	}
	globfree(&g);
}

/* The words of exercises/<ex>.run without its -w, -r and -x (and their values): into
 * words (freed by the caller), pointers in args (NULL-terminated); the first count of
 * its -w list, else 2. */
static int run_args(const char *ex, char *words, size_t len, const char *args[])
{
	char path[128], line[512], *save = NULL;
	int n = 0, workers = 2, skip = 0;
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof path, "exercises/%s.run", ex);
	words[0] = '\0';
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (line[0] != '#' && used + strlen(line) + 2 < len) {
			used += (size_t)snprintf(words + used, len - used, " %s", line);
		}
	if (f != NULL)
		fclose(f);
	for (char *t = strtok_r(words, " \t\n", &save); t && n < MAX_ARGS - 5;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (skip) {
			if (skip == 'w')
				workers = atoi(t);
			skip = 0;
		} else if (strcmp(t, "-w") == 0 || strcmp(t, "--workers") == 0) {
			skip = 'w';
		} else if (strcmp(t, "-r") == 0 || strcmp(t, "--reps") == 0 ||
			   strcmp(t, "-x") == 0 || strcmp(t, "--warmup") == 0) {
			skip = 'r';
		} else {
			args[n++] = t;
		}
	}
	args[n++] = "-r";
	args[n++] = "1";
	args[n++] = "-x";
	args[n++] = "0";
	args[n] = NULL;
	return workers > 0 ? workers : 2;
}

/* The variants `--help` lists (the lines after "variants:"), space-separated. */
static void help_variants(const char *backend, const char *ex, char *out, size_t len)
{
	const char *const args[] = { "--help", NULL };
	struct tx_result r;
	const char *p = NULL;

	tx_launch(&r, backend, ex, 1, args);
	if (r.exit_code == 0)
		p = strstr(r.out, "\nvariants:\n");
	if (p == NULL) {
		tx_dump("--help", &r);
		fail_msg("%s --help on %s: exit 0 and a list of variants expected", ex, backend);
		return;
	}
	out[0] = '\0';
	for (p = strchr(p + 1, '\n') + 1; strncmp(p, "  ", 2) == 0; p = strchr(p, '\n') + 1) {
		char word[64];
		if (p[2] != ' ' && sscanf(p, "%63s", word) == 1 && /* not a continued line */
		    strlen(out) + strlen(word) + 2 < len)
			strcat(strcat(out, " "), word);
		if (strchr(p, '\n') == NULL)
			break;
	}
	tx_result_free(&r);
	if (out[0] == '\0')
		fail_msg("%s --help on %s lists no variant", ex, backend);
}

static void runs_and_validates(void **state)
{
	const char *backend = *state;
	for (int e = 0; e < nnames; e++) {
		char words[1024], variants[512], *save = NULL;
		const char *args[MAX_ARGS];
		int w = tx_top(backend, run_args(names[e], words, sizeof words, args));
		struct tx_csv t;

		help_variants(backend, names[e], variants, sizeof variants);
		tx_expect_records(&t, backend, names[e], w, args, "pass,unsafe,n/a", 1);
		for (char *v = strtok_r(variants, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
			int seen = 0;
			for (int row = 0; row < t.nrows; row++)
				seen |= strcmp(tx_csv_get(&t, row, "variant"), v) == 0;
			if (!seen)
				fail_msg("%s on %s: no record of variant %s", names[e], backend, v);
		}
		printf("    %-10s %-8s at %d: %d records\n", names[e], backend, w, t.nrows);
		tx_csv_free(&t);
	}
}

static void refuses_bad_options(void **state)
{
	static const struct tx_bad bad[] = {
		{ { "-w", "0", NULL }, "--workers" },
		{ { "-n", "abc", NULL }, "--size" },
		{ { "--no-such-option", NULL }, "--no-such-option" },
	};
	for (int e = 0; e < nnames; e++)
		tx_expect_usage_errors(*state, names[e], bad, sizeof bad / sizeof bad[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(runs_and_validates),
		TX_ON_ALL(refuses_bad_options),
	};
	find_exercises();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
