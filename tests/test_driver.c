/* test_driver.c: what the harness's driver decides about a record, on a made-up
 * exercise run through hx_main in a child process (its stdout read back as CSV):
 *   - a validated case whose figure is not to be trusted says `suspect` with the reason
 *     (a time of 0; a speedup past 1.1 x the workers), and the program still exits 0;
 *   - a phase the backend cannot time has empty figures, never 0;
 *   - the cases run in one order whatever the order of the options;
 *   - a case that is not applicable is one line of the table, and a record only when
 *     asked (--all-records). */
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

/* hx_main(argv) in a child; its stdout into buf (len bytes at most); returns its exit
 * status */
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
		_exit(hx_main(&fake, argc, (char **)argv));
	}
	close(fd[1]);
	while ((k = read(fd[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)k;
	buf[got] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* the same, its CSV records into *t */
static int run_fake(char *const argv[], struct tx_csv *t)
{
	static char buf[65536];
	int rc = run_fake_text(argv, buf, sizeof buf);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suspect_figures_are_flagged),
		cmocka_unit_test(untimed_phase_is_empty),
		cmocka_unit_test(cases_in_one_order),
		cmocka_unit_test(not_applicable_only_when_asked),
	};
	return cmocka_run_group_tests_name("harness driver", tests, NULL, NULL);
}
