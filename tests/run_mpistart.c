/* run_mpistart.c: MPI start-up, measured (build/tools/mpistart and tools/mpistart.sh,
 * make mpi-startup). Structure only, no timing targets: the program runs at -np 1 and 2
 * and prints positive figures in seconds; the script prints a row per NP and keeps
 * every launch in its CSV, leaves nothing behind, and refuses bad input with one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#define SCRIPT_TIMEOUT 240 /* seconds: tools/mpistart.sh launches 2 x NPs x REPS times */

static const char *prog(void)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/tools/mpistart", tx_build());
	return path;
}

/* the value of `key=` in the figures line (NULL when absent; "" when empty) */
static const char *field(const char *line, const char *key, char *val, size_t len)
{
	char pat[64];
	const char *p;
	size_t n;
	snprintf(pat, sizeof pat, " %s=", key);
	p = strstr(line, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, " \n");
	if (n >= len)
		n = len - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	return val;
}

static void figures_at(int np)
{
	char nbuf[16], val[64], *line, *nl;
	const char *argv[] = { "tools/mpilaunch", nbuf, prog(), NULL };
	static const char *const keys[] = { "to_main_s", "init_s", "finalize_s", "main_s", "end_s" };
	struct tx_result r;

	snprintf(nbuf, sizeof nbuf, "%d", np);
	tx_run(&r, TX_TIMEOUT, (char *const *)argv);
	if (r.exit_code != 0 || strncmp(r.out, "mpistart: ", 10) != 0) {
		tx_dump("mpistart", &r);
		fail();
	}
	/* one line, from rank 0 only */
	nl = strchr(r.out, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");
	line = r.out;
	assert_non_null(field(line, "np", val, sizeof val));
	assert_int_equal(atoi(val), np);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (field(line, keys[i], val, sizeof val) == NULL || !(atof(val) > 0)) {
			fprintf(stderr, "%s is not a positive figure in: %s", keys[i], line);
			fail();
		}
	}
	/* rank 0's main() holds its MPI_Init; the slowest rank's MPI_Init may be longer */
	if (np == 1) {
		double init = atof(field(line, "init_s", val, sizeof val));
		assert_true(atof(field(line, "main_s", val, sizeof val)) >= init);
	}
	tx_result_free(&r);
}

static void runs_at_1_and_2(void **state)
{
	(void)state;
	figures_at(1);
	figures_at(tx_top("mpi", 2));
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* the script's scratch directory (its TMPDIR) and CSV: made before the test, removed
 * after it even when it fails */
struct scratch {
	char dir[64], csv[128];
};

static int scratch_make(void **state)
{
	static struct scratch s;
	snprintf(s.dir, sizeof s.dir, "/tmp/tx-mpistart.XXXXXX");
	if (mkdtemp(s.dir) == NULL)
		return -1;
	snprintf(s.csv, sizeof s.csv, "%s/startup.csv", s.dir);
	*state = &s;
	return 0;
}

static int scratch_remove(void **state)
{
	struct scratch *s = *state;
	unsetenv("TMPDIR");
	(void)unlink(s->csv); /* absent when the script failed before writing it */
	if (rmdir(s->dir) != 0) {
		fprintf(stderr, "rmdir %s: something was left in it\n", s->dir);
		return -1;
	}
	return 0;
}

static void script_prints_a_row_per_np(void **state)
{
	struct scratch *s = *state;
	const char *argv[] = { "tools/mpistart.sh", "-b", tx_build(), "-r", "1", "-o", s->csv, "1", "2", NULL };
	struct tx_result r;
	struct tx_csv t;
	char *text;
	FILE *f;
	long len;
	static const char *const cols[] = { "launch_s", "to_main_s", "init_s", "finalize_s",
					    "main_s", "end_s", "launcher_s", "true_launch_s" };

	/* its scratch files go to TMPDIR: this one, which must be left empty but for the CSV */
	assert_int_equal(setenv("TMPDIR", s->dir, 1), 0);
	tx_run(&r, SCRIPT_TIMEOUT, (char *const *)argv);
	assert_int_equal(unsetenv("TMPDIR"), 0);
	if (r.exit_code != 0 || strstr(r.out, "MPI start-up") == NULL) {
		tx_dump("tools/mpistart.sh", &r);
		fail();
	}
	/* the table: a row for each NP, after the header line naming the columns */
	assert_non_null(strstr(r.out, "MPI_Init"));
	assert_non_null(strstr(r.out, "\n   1 "));
	assert_non_null(strstr(r.out, "\n   2 "));
	tx_result_free(&r);
	assert_int_equal(entries(s->dir), 1); /* the CSV only */

	f = fopen(s->csv, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = calloc((size_t)len + 1, 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(tx_csv_parse(text, &t), 0);
	free(text);
	assert_int_equal(t.nrows, 2);
	for (int row = 0; row < t.nrows; row++) {
		assert_int_equal(atoi(tx_csv_get(&t, row, "np")), row + 1);
		for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
			const char *v = tx_csv_get(&t, row, cols[i]);
			if (v == NULL || !(atof(v) > 0)) {
				fprintf(stderr, "row %d: %s is not a positive figure (%s)\n", row,
					cols[i], v ? v : "absent");
				fail();
			}
		}
		/* causality, on one clock: rank 0 left MPI_Finalize before the launcher ended
		 * (1 ms for the clock's rate being slewed meanwhile) */
		assert_true(atof(tx_csv_get(&t, row, "end_s")) <=
			    atof(tx_csv_get(&t, row, "launch_s")) + 1e-3);
	}
	tx_csv_free(&t);
}

/* exit 2, nothing on stdout, one line on stderr naming `what` */
static void refuses(char *const argv[], const char *what)
{
	struct tx_result r;
	tx_run(&r, TX_TIMEOUT, argv);
	if (r.exit_code != 2 || r.out[0] != '\0' || strstr(r.err, what) == NULL) {
		tx_dump("bad input", &r);
		fail();
	}
	/* one line of the program's (mpirun may add its own note about the exit status) */
	const char *mine = strncmp(r.err, "mpistart: ", 10) == 0 ? "mpistart: " : "mpistart.sh: ";
	assert_true(strncmp(r.err, mine, strlen(mine)) == 0);
	assert_null(strstr(strchr(r.err, '\n'), mine));
	if (strcmp(mine, "mpistart.sh: ") == 0)
		assert_string_equal(strchr(r.err, '\n'), "\n");
	tx_result_free(&r);
}

static void refuses_bad_input(void **state)
{
	const char *a1[] = { "tools/mpistart.sh", "-b", tx_build(), "-r", "0", NULL };
	const char *a2[] = { "tools/mpistart.sh", "-b", tx_build(), "1", "x", NULL };
	const char *a3[] = { "tools/mpistart.sh", "-q", NULL };
	const char *a4[] = { "tools/mpistart.sh", "-b", NULL };
	const char *a5[] = { "tools/mpilaunch", "1", prog(), "--bogus", NULL };
	(void)state;
	refuses((char *const *)a1, "-r");
	refuses((char *const *)a2, "NP");
	refuses((char *const *)a3, "-q");
	refuses((char *const *)a4, "-b");
	refuses((char *const *)a5, "--bogus");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs_at_1_and_2),
		cmocka_unit_test_setup_teardown(script_prints_a_row_per_np, scratch_make, scratch_remove),
		cmocka_unit_test(refuses_bad_input),
	};
	/* a sanitizer build: Open MPI's own allocations are not ours to report */
	setenv("ASAN_OPTIONS", "detect_leaks=0", 0);
	return cmocka_run_group_tests_name("mpistart (integration)", tests, NULL, NULL);
}
