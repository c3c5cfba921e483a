/* run_race.c: integration tests of `race`: every backend, every variant, at 1 to 4
 * workers (MPI: -np 1 to 4), read back from the CSV records; lost updates seen by
 * `none`; bad input refused with exit 2 on every backend. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "20000", "-r", "2", "-x", "1", NULL };
	for (int w = 1; w <= 4; w++) {
		struct tx_csv t;
		int seen[4] = { 0 };
		tx_expect_records(&t, backend, "race", w, args, "pass,unsafe", 4);
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *verdict = tx_csv_get(&t, row, "verdict");
			const char *note = tx_csv_get(&t, row, "note");
			long final = tx_note(note, "final"), expected = tx_note(note, "expected");
			/* half add 5, half subtract 5, 20000 times each, from 500 */
			assert_int_equal(expected, 500 + ((w + 1) / 2 - w / 2) * 5 * 20000L);
			if (strcmp(v, "none") == 0) {
				seen[0]++;
				assert_string_equal(verdict, "unsafe");
				assert_true(tx_note(note, "lost_updates_min") >= 0);
			} else {
				seen[strcmp(v, "lock") == 0 ? 1 : strcmp(v, "atomic") == 0 ? 2 : 3]++;
				assert_string_equal(verdict, "pass");
				assert_int_equal(final, expected);
			}
			assert_string_equal(tx_csv_get(&t, row, "reps"), "2");
			assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			assert_true(strlen(tx_csv_get(&t, row, "host")) > 0);
		}
		for (int i = 0; i < 4; i++)
			assert_int_equal(seen[i], 1);
		tx_csv_free(&t);
	}
}

static void validates(void **state) { validates_on(*state); }

/* Two workers, two million plain read-modify-writes each: updates get lost. What is
 * seen is a net loss (a lost add and a lost subtract cancel out) and a loaded machine
 * may not run the two workers at once, so a backend gets three tries. */
static void none_loses_updates(void **state)
{
	static const char *const args[] = { "--variant", "none", "-n", "2000000", "-r", "3",
					    "-x", "0", NULL };
	(void)state;
	for (int b = 0; b < 4; b++) {
		double lost = 0;
		for (int attempt = 0; attempt < 3 && lost <= 0; attempt++) {
			struct tx_csv t;
			tx_expect_records(&t, tx_backends[b], "race", 2, args, "unsafe", 1);
			lost = tx_note(tx_csv_get(&t, 0, "note"), "lost_updates_min");
			if (lost <= 0)
				fprintf(stderr, "%s: no lost update seen: %s\n", tx_backends[b],
					tx_csv_get(&t, 0, "note"));
			tx_csv_free(&t);
		}
		assert_true(lost > 0);
	}
}

/* --json: one object per line, only rank 0 printing; --save appends CSV records. */
static void json_and_save(void **state)
{
	(void)state;
	for (int b = 0; b < 4; b++) {
		char save[64], *line;
		const char *args[] = { "--json", "-q", "-w", "2", "--variant", "lock,atomic", "-r",
				       "2", "-n", "1000", "--save", save, NULL };
		struct tx_result r;
		struct tx_csv t;
		FILE *fp;
		char text[16384];
		size_t n;
		int lines = 0;

		snprintf(save, sizeof save, "/tmp/tvp-test-%d-%d.csv", (int)getpid(), b);
		unlink(save);
		tx_launch(&r, tx_backends[b], "race", 2, args);
		if (r.exit_code != 0)
			tx_dump("race --json", &r);
		assert_int_equal(r.exit_code, 0);
		for (line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
			lines++;
			assert_int_equal(line[0], '{');
			assert_int_equal(line[strlen(line) - 1], '}');
			assert_non_null(strstr(line, "\"verdict\":\"pass\""));
			assert_non_null(strstr(line, "\"workers\":2"));
			assert_non_null(strstr(line, "\"time_utc\":\""));
			assert_non_null(strstr(line, strcmp(tx_backends[b], "mpi") == 0
						     ? "\"mpi\":\"Open MPI" : "\"mpi\":\"none\""));
		}
		assert_int_equal(lines, 2); /* two variants, one worker count: rank 0 alone prints */
		tx_result_free(&r);
		fp = fopen(save, "r");
		assert_non_null(fp);
		n = fread(text, 1, sizeof text - 1, fp);
		text[n] = '\0';
		fclose(fp);
		unlink(save);
		assert_int_equal(tx_csv_parse(text, &t), 0);
		assert_int_equal(t.nrows, 2);
		assert_string_equal(tx_csv_get(&t, 0, "variant"), "lock");
		assert_string_equal(tx_csv_get(&t, 1, "variant"), "atomic");
		assert_string_equal(tx_csv_get(&t, 1, "verdict"), "pass");
		tx_csv_free(&t);
	}
}

/* --help and --version leave with 0 on every backend, MPI included */
static void help_and_version(void **state)
{
	(void)state;
	for (int b = 0; b < 4; b++) {
		static const char *const help[] = { "--help", NULL }, *const version[] = { "--version", NULL };
		struct tx_result r;
		tx_launch(&r, tx_backends[b], "race", 0, help);
		assert_int_equal(r.exit_code, 0);
		assert_non_null(strstr(r.out, "usage:"));
		assert_non_null(strstr(r.out, "--variant"));
		assert_non_null(strstr(r.out, "lost"));
		tx_result_free(&r);
		tx_launch(&r, tx_backends[b], "race", 0, version);
		assert_int_equal(r.exit_code, 0);
		assert_non_null(strstr(r.out, tx_backends[b]));
		tx_result_free(&r);
	}
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "abc" }, "-n/--size" },
	{ { "-n", "12x" }, "--size" },
	{ { "--size=-5" }, "--size" },
	{ { "-n", "0" }, "--size" },
	{ { "-n", "99999999999999999999999" }, "--size" },
	{ { "-n" }, "--size" },
	{ { "-w", "0" }, "--workers" },
	{ { "-w", "-1" }, "--workers" },
	{ { "-w", "1,,2" }, "--workers" },
	{ { "-w", "100000" }, "--workers" },
	{ { "-r", "0" }, "--reps" },
	{ { "-x", "-1" }, "--warmup" },
	{ { "--variant", "bogus" }, "--variant" },
	{ { "--frobnicate" }, "--frobnicate" },
	{ { "--csv=yes" }, "--csv" },
	{ { "stray" }, "stray" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "race", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }
static void mpi_refuses_bad_input(void **state)
{
	static const char *const too_many[] = { "-w", "5", NULL }; /* with 2 ranks */
	(void)state;
	bad_input_on("mpi");
	tx_expect_usage_error("mpi", "race", too_many, "--workers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON(validates, "openmp"),
		TX_ON(validates, "pthreads"),
		TX_ON(validates, "procs"),
		TX_ON(validates, "mpi"),
		cmocka_unit_test(none_loses_updates),
		cmocka_unit_test(json_and_save),
		cmocka_unit_test(help_and_version),
		TX_ON(refuses_bad_input, "openmp"),
		TX_ON(refuses_bad_input, "pthreads"),
		TX_ON(refuses_bad_input, "procs"),
		cmocka_unit_test(mpi_refuses_bad_input),
	};
	return cmocka_run_group_tests_name("race (integration)", tests, NULL, NULL);
}
