/* run_errors.c: integration tests of `errors`: every backend, every variant, both
 * --on-error modes, at 1 to 4 workers (MPI: -np 1 to 4), read back from the CSV
 * records: task 5 named with its reason, every other result there (or cancelled),
 * no lock held; a process crash contained with its signal, a process's exit() with
 * its status, a thread's crash or exit() reported from its sandbox with exit 0
 * (verdict unsafe: the signal, or the status); the robust mutex recovered with no
 * shared-memory object or process left behind; bad input refused with exit 2. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTASKS 12

/* the verdict each backend must give each variant */
static const char *expected(const char *backend, const char *variant)
{
	if (strcmp(variant, "return") == 0 || strcmp(variant, "callback") == 0)
		return "pass";
	if (strcmp(backend, "procs") == 0)
		return "pass";
	if (strcmp(backend, "mpi") == 0)
		return "n/a";
	if (strcmp(variant, "crash") == 0 || strcmp(variant, "exit") == 0)
		return "unsafe"; /* threads: the crash or exit takes the (sandbox) process down */
	return strcmp(backend, "pthreads") == 0 ? "pass" : "n/a"; /* lockdeath */
}


static void check_rows(const struct tx_csv *t, const char *backend, const char *mode, int w)
{
	for (int row = 0; row < t->nrows; row++) {
		const char *v = tx_csv_get(t, row, "variant");
		const char *verdict = tx_csv_get(t, row, "verdict");
		const char *note = tx_csv_get(t, row, "note");
		long done, cancelled;

		const char *want = expected(backend, v);
		if (strcmp(verdict, want) != 0 && !(strcmp(want, "pass") == 0 && tx_passed(verdict))) {
			fprintf(stderr, "%s %s %s at %d: %s (expected %s): %s\n", backend, v, mode, w,
				verdict, expected(backend, v), note);
			fail();
		}
		if (strcmp(verdict, "n/a") == 0) {
			assert_non_null(strstr(note, "reason=not applicable: "));
			continue;
		}
		if (strcmp(verdict, "unsafe") == 0) {
			if (strcmp(v, "exit") == 0)
				assert_non_null(strstr(note, "ended the whole (sandbox) process, every "
						       "thread with it: exit status 7, "));
			else
				assert_non_null(strstr(note, "signal 11"));
			assert_non_null(strstr(note, "parent alive"));
			continue;
		}
		assert_non_null(strstr(note, "failed_task=5 "));
		assert_non_null(strstr(note, "lock=free"));
		if (strcmp(v, "crash") == 0)
			assert_non_null(strstr(note, "reason='worker killed by signal 11"));
		else if (strcmp(v, "exit") == 0)
			assert_non_null(strstr(note, "reason='worker exited with status 7'"));
		else if (strcmp(v, "lockdeath") == 0) {
			assert_non_null(strstr(note, "reason='worker died holding the lock"));
			assert_non_null(strstr(note, "eownerdead=1 recovered=1"));
		} else
			assert_non_null(strstr(note, "reason='bad value'"));
		done = tx_note(note, "done");
		cancelled = tx_note(note, "cancelled");
		if (strcmp(mode, "continue") == 0) {
			assert_int_equal(done, NTASKS - 1);
			assert_int_equal(cancelled, 0);
		} else {
			assert_int_equal(done + cancelled, NTASKS - 1);
			/* the failing worker's next task, 5 + w, is cancelled on every backend */
			if (NTASKS > 5 + w && cancelled == 0) {
				fprintf(stderr, "%s %s cancel at %d: nothing cancelled: %s\n", backend,
					v, w, note);
				fail();
			}
		}
	}
}

static void validates_on(const char *backend)
{
	static const char *const modes[] = { "continue", "cancel" };
	for (int m = 0; m < 2; m++) {
		for (int w = 1; w <= tx_top(backend, 4); w++) {
			const char *args[] = { "-n", "12", "-r", "1", "-x", "0", "--on-error", modes[m], NULL };
			struct tx_csv t;
			tx_expect_records(&t, backend, "errors", w, args, "pass,unsafe,n/a", 5);
			assert_int_equal(t.nrows, 5);
			check_rows(&t, backend, modes[m], w);
			tx_csv_free(&t);
		}
	}
}

static void validates(void **state) { validates_on(*state); }

/* with cancellation on, `omp cancel` stops the rest; off, the note says so */
static void openmp_cancel_follows_omp_cancellation(void **state)
{
	static const char *const args[] = { "-n", "40", "-r", "1", "-x", "0", "--on-error",
					    "cancel", "--variant", "return", NULL };
	struct tx_csv t;
	(void)state;
	setenv("OMP_CANCELLATION", "true", 1);
	tx_expect_records(&t, "openmp", "errors", 2, args, "pass", 1);
	assert_non_null(strstr(tx_csv_get(&t, 0, "note"), "omp cancel for"));
	assert_true(tx_note(tx_csv_get(&t, 0, "note"), "cancelled") > 0);
	tx_csv_free(&t);
	setenv("OMP_CANCELLATION", "false", 1);
	tx_expect_records(&t, "openmp", "errors", 2, args, "pass", 1);
	assert_non_null(strstr(tx_csv_get(&t, 0, "note"), "omp cancel off: set OMP_CANCELLATION=true"));
	assert_true(tx_note(tx_csv_get(&t, 0, "note"), "cancelled") > 0);
	tx_csv_free(&t);
	unsetenv("OMP_CANCELLATION");
}

/* ---- leftovers: the suite's /dev/shm objects and processes running an errors binary -- */
/* entries of `path` named like the suite's shared-memory objects (/tvp-...); other
 * programs on the machine may add and remove their own at any moment */
static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, "tvp") != NULL;
	closedir(d);
	return n;
}

/* processes of this build's `errors` programs (pthreads, procs), alive or zombies left
 * to this test; the same programs of another build or checkout running at the same
 * moment are not ours */
static int count_errors_procs(void)
{
	static const char *const backends[] = { "pthreads", "procs" };
	char ours[2][PATH_MAX];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	for (int b = 0; b < 2; b++) {
		char rel[512];
		snprintf(rel, sizeof rel, "%s/%s/errors", tx_build(), backends[b]);
		if (realpath(rel, ours[b]) == NULL)
			ours[b][0] = '\0';
	}
	while ((e = readdir(d)) != NULL) {
		char path[300], exe[PATH_MAX], stat[256];
		ssize_t k;
		FILE *f;
		size_t m;
		int ppid = 0;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
		k = readlink(path, exe, sizeof exe - 1);
		if (k > 0) {
			exe[k] = '\0';
			n += (ours[0][0] && strcmp(exe, ours[0]) == 0) ||
			     (ours[1][0] && strcmp(exe, ours[1]) == 0);
			continue;
		}
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r"); /* a zombie has no exe: its name, and whose it is */
		if (f == NULL)
			continue;
		m = fread(stat, 1, sizeof stat - 1, f);
		stat[m] = '\0';
		fclose(f);
		if (strstr(stat, "(errors) Z") != NULL &&
		    sscanf(strstr(stat, "(errors) Z") + 10, "%d", &ppid) == 1 && ppid == getpid())
			n++;
	}
	closedir(d);
	return n;
}

static void nothing_left_behind(void **state)
{
	static const char *const backends[] = { "pthreads", "procs" };
	int shm0 = count_dir("/dev/shm"), procs0 = count_errors_procs();
	(void)state;
	assert_int_equal(procs0, 0);
	for (int b = 0; b < 2; b++) {
		for (int w = 2; w <= 3; w++) {
			const char *args[] = { "-n", "12", "-r", "3", "-x", "0", "--variant",
					       "lockdeath,crash,exit", NULL };
			struct tx_csv t;
			tx_expect_records(&t, backends[b], "errors", w, args, "pass,unsafe", 3);
			check_rows(&t, backends[b], "continue", w);
			tx_csv_free(&t);
		}
	}
	/* the suite's objects: ours must add nothing */
	assert_true(count_dir("/dev/shm") <= shm0);
	assert_int_equal(count_errors_procs(), 0);
}


static const struct tx_bad bad_inputs[] = {
	{ { "--on-error", "ignore" }, "--on-error" },
	{ { "--on-error" }, "--on-error" },
	{ { "-n", "5" }, "--size" },
	{ { "-n", "10001" }, "--size" }, /* more tasks than a sane run has */
	{ { "-n", "100000000" }, "--size" },
	{ { "--variant", "segfault" }, "--variant" },
	{ { "-r", "0" }, "--reps" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "errors", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(openmp_cancel_follows_omp_cancellation),
		cmocka_unit_test(nothing_left_behind),
		TX_ON_ALL(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("errors (integration)", tests, NULL, NULL);
}
