/* test_driver.c: what the harness's driver decides about a record, on a made-up
 * exercise run through hx_main in a child process (its stdout read back as CSV):
 *   - a validated case whose figure is not to be trusted says `suspect` with the reason
 *     (a time of 0; a speedup past 1.1 x the workers), and the program still exits 0;
 *   - a phase the backend cannot time has empty figures, never 0;
 *   - the cases run in one order whatever the order of the options;
 *   - a case that is not applicable is one line of the table, and a record only when
 *     asked (--all-records);
 *   - calibration (a made-up exercise whose "time" is its size, not the clock): without
 *     -n the size doubles until a sample lasts --target-ms, bounded by size_max; with -n
 *     the size is kept and a short sample noted; timed samples short of the target make
 *     it resume from twice the size; the calibration runs are validated; the
 *     reference loop's per-op time is subtracted; a bad --target-ms exits 2. */
#include "cases.h"
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { V_FINE, V_ZERO, V_FAST, V_UNTIMED, V_ABSENT };

static void fake_run(struct hx_case *c)
{
	c->t[0] = c->variant == V_ZERO ? 0 : 1e-3 / c->workers;
	c->t[1] = c->variant == V_UNTIMED ? HX_NOT_MEASURED : 1e-4;
}

static void fake_check(struct hx_case *c) { c->verdict = HX_PASS; }

static const char *fake_na(const struct hx_case *c)
{
	return c->variant == V_ABSENT ? "this backend has no such thing" : NULL;
}

/* fast claims a speedup of 2 W, past what W workers can give */
static void fake_finish(struct hx_case *c, const struct hx_stats *st)
{
	(void)st;
	if (c->variant == V_FAST)
		c->speedup = 2.0 * c->workers;
}

static const struct hx_variant fake_variants[] = {
	{ "fine", "" }, { "zero", "" }, { "fast", "" }, { "untimed", "" }, { "absent", "" },
	{ NULL, NULL },
};
static const char *const fake_phases[] = { "work", "start", NULL };

static const struct hx_exercise fake = {
	.name = "fake", .summary = "a made-up exercise", .variants = fake_variants,
	.size_name = "nothing", .size_def = 1, .size_min = 1, .size_max = 1, .op_name = "op",
	.phases = fake_phases, .reps_def = 3, .warmup_def = 0,
	.not_applicable = fake_na, .run = fake_run, .check = fake_check, .finish = fake_finish,
};

/* The calibrated exercise: a repetition "lasts" 1 us per inner repetition (c->size), its
 * reference loop 0.25 us; `bad` fails its check from size 64 on; for `fooled` every
 * calibration run (rep -1) seems to last 1 ms, as if another program slowed it. */
enum { C_PLAIN, C_REF, C_BAD, C_FOOLED };

static void calib_repetition(struct hx_case *c)
{
	c->ops = (double)c->size;
	c->t[0] = (double)c->size * (c->refloop ? 0.25e-6 : 1e-6);
	if (c->variant == C_FOOLED && c->rep < 0)
		c->t[0] = 1e-3;
}

static void calib_check(struct hx_case *c)
{
	c->verdict = c->variant == C_BAD && c->size >= 64 ? HX_FAIL : HX_PASS;
}

static int calib_refloop(const struct hx_case *c) { return c->variant == C_REF; }

static const struct hx_variant calib_variants[] = {
	{ "plain", "" }, { "ref", "" }, { "bad", "" }, { "fooled", "" }, { NULL, NULL },
};

static const struct hx_exercise calib = {
	.name = "calib", .summary = "a made-up calibrated exercise", .variants = calib_variants,
	.size_name = "inner repetitions", .size_def = 1, .size_min = 1, .size_max = 1 << 20,
	.op_name = "op", .reps_def = 3, .warmup_def = 1, .calibrate = 1,
	.refloop = calib_refloop, .run = calib_repetition, .check = calib_check,
};

static const struct hx_exercise *under_test = &fake;

/* hx_main(argv) on *under_test in a child; its stdout into buf (len bytes at most);
 * returns its exit status */
static int run_fake_text(char *const argv[], char *buf, size_t len)
{
	int fd[2], st, argc = 0;
	size_t got = 0;
	ssize_t k;
	pid_t pid;

	while (argv[argc] != NULL)
		argc++;
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		_exit(hx_main(under_test, argc, (char **)argv));
	}
	close(fd[1]);
	while ((k = read(fd[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)k;
	buf[got] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* the same, its CSV records into *t (NULL: not parsed) */
static int run_fake(char *const argv[], struct tx_csv *t)
{
	static char buf[65536];
	int rc = run_fake_text(argv, buf, sizeof buf);
	if (t != NULL)
		assert_int_equal(tx_csv_parse(buf, t), 0);
	return rc;
}

static int count_lines_with(const char *text, const char *word)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, word)) != NULL; p += strlen(word))
		if (p == text || p[-1] == '\n')
			n++;
	return n;
}

static const char *row_of(const struct tx_csv *t, const char *variant, const char *w,
			  const char *phase, const char *col)
{
	for (int r = 0; r < t->nrows; r++)
		if (strcmp(tx_csv_get(t, r, "variant"), variant) == 0 &&
		    strcmp(tx_csv_get(t, r, "workers"), w) == 0 &&
		    strcmp(tx_csv_get(t, r, "phase"), phase) == 0)
			return tx_csv_get(t, r, col);
	fail_msg("no record of %s at %s workers, phase %s", variant, w, phase);
	return NULL;
}

static void suspect_figures_are_flagged(void **state)
{
	char *const argv[] = { "fake", "--csv", "-q", "-w", "2", NULL };
	struct tx_csv t;
	(void)state;
	assert_int_equal(run_fake(argv, &t), 0); /* validated: exit 0 */
	assert_string_equal(row_of(&t, "fine", "2", "work", "verdict"), "pass");
	assert_string_equal(row_of(&t, "zero", "2", "work", "verdict"), "suspect");
	assert_non_null(strstr(row_of(&t, "zero", "2", "work", "note"), "suspect=\"phase work took 0 s\""));
	assert_string_equal(row_of(&t, "fast", "2", "start", "verdict"), "suspect");
	assert_non_null(strstr(row_of(&t, "fast", "2", "work", "note"),
			       "speedup 4.00 is more than 1.1 x 2 workers"));
	tx_csv_free(&t);
}

static void untimed_phase_is_empty(void **state)
{
	char *const argv[] = { "fake", "--csv", "-q", "-w", "1", "--variant", "untimed", NULL };
	struct tx_csv t;
	(void)state;
	assert_int_equal(run_fake(argv, &t), 0);
	assert_string_equal(row_of(&t, "untimed", "1", "start", "median_s"), "");
	assert_string_equal(row_of(&t, "untimed", "1", "start", "reps"), "0");
	assert_string_equal(row_of(&t, "untimed", "1", "start", "verdict"), "pass");
	assert_true(atof(row_of(&t, "untimed", "1", "work", "median_s")) > 0);
	tx_csv_free(&t);
}

static void cases_in_one_order(void **state)
{
	char *const argv[] = { "fake", "--csv", "-q", "-w", "2,1", "--variant", "fast,fine", NULL };
	static const char *const want[][2] = { { "fine", "1" }, { "fine", "2" }, { "fast", "1" },
					       { "fast", "2" } };
	struct tx_csv t;
	(void)state;
	assert_int_equal(run_fake(argv, &t), 0);
	assert_int_equal(t.nrows, 8); /* two phases each */
	for (int i = 0; i < 4; i++) {
		assert_string_equal(tx_csv_get(&t, 2 * i, "variant"), want[i][0]);
		assert_string_equal(tx_csv_get(&t, 2 * i, "workers"), want[i][1]);
	}
	tx_csv_free(&t);
}

static void not_applicable_only_when_asked(void **state)
{
	char *const csv[] = { "fake", "--csv", "-q", "-w", "1", "--variant", "fine,absent", NULL };
	char *const all[] = { "fake", "--csv", "-q", "-w", "1", "--variant", "fine,absent",
			      "--all-records", NULL };
	char *const table[] = { "fake", "-q", "-w", "1", "--variant", "fine,absent", NULL };
	static char text[65536];
	struct tx_csv t;
	(void)state;
	assert_int_equal(run_fake(csv, &t), 0);
	assert_int_equal(t.nrows, 2); /* fine's two phases; nothing of absent */
	for (int r = 0; r < t.nrows; r++)
		assert_string_equal(tx_csv_get(&t, r, "variant"), "fine");
	tx_csv_free(&t);
	assert_int_equal(run_fake(all, &t), 0);
	assert_int_equal(t.nrows, 4);
	assert_string_equal(row_of(&t, "absent", "1", "start", "verdict"), "n/a");
	assert_non_null(strstr(row_of(&t, "absent", "1", "work", "note"), "no such thing"));
	assert_string_equal(row_of(&t, "absent", "1", "work", "median_s"), "");
	tx_csv_free(&t);
	assert_int_equal(run_fake_text(table, text, sizeof text), 0);
	assert_int_equal(count_lines_with(text, "absent "), 1);
	assert_int_equal(count_lines_with(text, "fine "), 2);
}

static void calibration_reaches_the_target(void **state)
{
	char *const argv[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "plain", NULL };
	char *const five[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "plain",
			       "--target-ms", "5", NULL };
	char *const cap[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "plain",
			      "--target-ms", "10000", NULL };
	struct tx_csv t;
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(argv, &t), 0);
	/* 1 "us" is far short of 1 ms: one step to 1024 (512 would be short), which reaches it */
	assert_string_equal(row_of(&t, "plain", "1", "run", "size"), "1024");
	assert_non_null(strstr(row_of(&t, "plain", "1", "run", "note"),
			       "calibrated=1 target_ms=1 inner=1024"));
	assert_true(atof(row_of(&t, "plain", "1", "run", "min_s")) >= 1e-3);
	tx_csv_free(&t);
	assert_int_equal(run_fake(five, &t), 0);
	assert_string_equal(row_of(&t, "plain", "1", "run", "size"), "8192");
	tx_csv_free(&t);
	/* 10 s would need 10^7: size_max (2^20) stops it (1024, then 2^20 itself) */
	assert_int_equal(run_fake(cap, &t), 0);
	assert_string_equal(row_of(&t, "plain", "1", "run", "size"), "1048576");
	tx_csv_free(&t);
	under_test = &fake;
}

/* timed samples short of the target: calibration resumes from twice the size, twice at
 * most (1 -> 2 -> 4 here), and the note keeps the shortest sample */
static void fooled_calibration_runs_again(void **state)
{
	char *const argv[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "fooled", NULL };
	struct tx_csv t;
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(argv, &t), 0);
	assert_string_equal(row_of(&t, "fooled", "1", "run", "size"), "4");
	assert_non_null(strstr(row_of(&t, "fooled", "1", "run", "note"),
			       "calibrated=1 target_ms=1 inner=4 sample_ms=0.004"));
	tx_csv_free(&t);
	under_test = &fake;
}

static void given_size_is_kept(void **state)
{
	char *const argv[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "plain", "-n", "10",
			       NULL };
	struct tx_csv t;
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(argv, &t), 0);
	assert_string_equal(row_of(&t, "plain", "1", "run", "size"), "10");
	assert_non_null(strstr(row_of(&t, "plain", "1", "run", "note"),
			       "calibrated=0 target_ms=1 sample_ms=0.01"));
	tx_csv_free(&t);
	under_test = &fake;
}

static void calibration_runs_are_validated(void **state)
{
	char *const argv[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "bad", NULL };
	struct tx_csv t;
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(argv, &t), 1); /* size 1024 failed while calibrating */
	assert_string_equal(row_of(&t, "bad", "1", "run", "verdict"), "fail");
	assert_string_equal(row_of(&t, "bad", "1", "run", "size"), "1024");
	tx_csv_free(&t);
	under_test = &fake;
}

static void reference_is_subtracted(void **state)
{
	char *const argv[] = { "calib", "--csv", "-q", "-w", "1", "--variant", "plain,ref", NULL };
	struct tx_csv t;
	const char *note;
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(argv, &t), 0);
	note = row_of(&t, "ref", "1", "run", "note");
	assert_string_equal(row_of(&t, "ref", "1", "run", "verdict"), "pass");
	assert_non_null(strstr(note, "ref_ns=250 overhead_ns=750"));
	assert_null(strstr(row_of(&t, "plain", "1", "run", "note"), "ref_ns"));
	tx_csv_free(&t);
	under_test = &fake;
}

static void bad_target_is_a_usage_error(void **state)
{
	char *const zero[] = { "calib", "--csv", "-q", "--target-ms", "0", NULL };
	char *const word[] = { "calib", "--csv", "-q", "--target-ms", "soon", NULL };
	(void)state;
	under_test = &calib;
	assert_int_equal(run_fake(zero, NULL), 2);
	assert_int_equal(run_fake(word, NULL), 2);
	under_test = &fake;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suspect_figures_are_flagged),
		cmocka_unit_test(untimed_phase_is_empty),
		cmocka_unit_test(cases_in_one_order),
		cmocka_unit_test(not_applicable_only_when_asked),
		cmocka_unit_test(calibration_reaches_the_target),
		cmocka_unit_test(fooled_calibration_runs_again),
		cmocka_unit_test(given_size_is_kept),
		cmocka_unit_test(calibration_runs_are_validated),
		cmocka_unit_test(reference_is_subtracted),
		cmocka_unit_test(bad_target_is_a_usage_error),
	};
	return cmocka_run_group_tests_name("harness driver", tests, NULL, NULL);
}
