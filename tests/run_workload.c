/* run_workload.c: integration tests of `workload`: every backend, every kind, at 1 to
 * 4 workers (MPI: -np 1 to 4), read back from the CSV records (every task done once
 * with the right result; memory, and creating and ending a worker, reported: a start and
 * an end phase, per-worker notes; empty on MPI, never 0); I/O-bound work gains past
 * the 2 cores and CPU-bound work does not; processes cost more memory than threads;
 * bad input refused with exit 2 on every backend (a work budget too: -n times the size
 * of a task); no file left in /tmp. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int tmp_leftovers(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "workload-", 9) == 0)
			n++;
	closedir(d);
	return n;
}

static void validates_on(const char *backend)
{
	static const char *const args[] = { "-n", "8", "--cpu-iters", "20000", "--sleep-us", "300",
					    "--file-kib", "4", "-r", "2", "-x", "0", NULL };
	int mpi = strcmp(backend, "mpi") == 0, before = tmp_leftovers();
	for (int w = 1; w <= tx_top(backend, 4); w++) {
		struct tx_csv t;
		int seen[4] = { 0 };
		tx_expect_records(&t, backend, "workload", w, args, "pass", 12);
		assert_int_equal(t.nrows, 12); /* 4 kinds x 3 phases */
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *note = tx_csv_get(&t, row, "note");
			const char *phase = tx_csv_get(&t, row, "phase");
			assert_non_null(strstr(note, "tasks_ok=8/8"));
			assert_true(tx_note(note, "rss_kib_per_worker") > -1e9);
			if (mpi) {
				assert_non_null(strstr(note, "start=mpirun"));
				assert_null(strstr(note, "create_us_per_worker"));
			} else {
				assert_true(tx_note(note, "create_us_per_worker") > 0);
				/* OpenMP's threads park after the region: nobody ends them */
				if (strcmp(backend, "openmp") != 0)
					assert_true(tx_note(note, "reap_us_per_worker") > 0);
				else
					assert_null(strstr(note, "reap_us_per_worker"));
			}
			if (w == 1)
				assert_true(tx_note(note, "speedup") == 1.0);
			if (strcmp(phase, "work") == 0) {
				assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
				seen[strcmp(v, "cpu") == 0 ? 0 : strcmp(v, "io") == 0 ? 1
								  : strcmp(v, "file") == 0 ? 2 : 3]++;
			} else { /* MPI's start is mpirun's, not measured: empty, never 0 */
				assert_true(strcmp(phase, "start") == 0 || strcmp(phase, "end") == 0);
				if (mpi || (strcmp(backend, "openmp") == 0 && strcmp(phase, "end") == 0))
					assert_string_equal(tx_csv_get(&t, row, "median_s"), "");
				else
					assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			}
		}
		for (int i = 0; i < 4; i++)
			assert_int_equal(seen[i], 1);
		tx_csv_free(&t);
	}
	assert_int_equal(tmp_leftovers(), before);
}

static void validates(void **state) { validates_on(*state); }

/* runs io and cpu at 1 and 4 workers; returns the speedup notes at 4. A wait of 20 ms
 * a task: on a machine with a dozen programs on 2 cores a woken worker can wait
 * milliseconds for a core (MPI ranks poll in their barriers), and at 5 ms a task that
 * took the io speedup at 4 workers below 2.5 three times in a row. */
static void speedups(const char *backend, double *io, double *cpu)
{
	static const char *const args[] = { "--csv", "-q", "-w", "1,4", "--variant", "io,cpu", "-n", "16",
					    "--sleep-us", "20000", "--cpu-iters", "300000", "-r", "3",
					    "-x", "1", NULL };
	struct tx_result r;
	struct tx_csv t;
	*io = *cpu = -1;
	tx_launch(&r, backend, "workload", strcmp(backend, "mpi") == 0 ? 4 : 0, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
		tx_dump("workload speedups", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++) {
		const char *v = tx_csv_get(&t, row, "variant");
		if (atoi(tx_csv_get(&t, row, "workers")) != 4 ||
		    strcmp(tx_csv_get(&t, row, "phase"), "work") != 0)
			continue;
		if (strcmp(v, "io") == 0)
			*io = tx_note(tx_csv_get(&t, row, "note"), "speedup");
		else
			*cpu = tx_note(tx_csv_get(&t, row, "note"), "speedup");
	}
	printf("    %-8s speedup at 4 workers on 2 cores: io %.2f, cpu %.2f\n", backend, *io, *cpu);
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* Sleeping workers overlap past the core count: io at 4 workers on 2 cores must gain
 * well past 2. Arithmetic cannot use more than the 2 cores, but a bound at 2 is not a
 * fair test on a shared machine: when other programs load it, one worker gets less than
 * a core and four workers get a bigger share of both, so the cpu figure is printed
 * and only checked for sanity (no more than the 4 workers). On a loaded machine a woken
 * worker may wait for a core (4 MPI ranks and two busy programs on 2 cores), and the
 * one-worker baseline may run at a moment of heavier load than the four (a cpu
 * "speedup" of 7 was seen with 13 programs on the 2 cores): both are shown when one of
 * three runs shows them. */
static void io_gains_past_the_cores_cpu_does_not(void **state)
{
	(void)state;
	for (int b = 0; b < 4; b++) {
		double io = 0, cpu = 0;
		if (tx_top(tx_backends[b], 4) < 4)
			continue; /* 4 workers on 2 cores is the point: not under a polling MPI */
		for (int attempt = 0; attempt < 3 && (io < 2.5 || cpu <= 0 || cpu > 4.6); attempt++)
			speedups(tx_backends[b], &io, &cpu);
		assert_true(io >= 2.5);
		assert_true(cpu > 0 && cpu <= 4.6);
	}
}

static double mem_of(const char *backend, const char *key)
{
	static const char *const args[] = { "--csv", "-q", "-w", "4", "--variant", "io", "-n", "4",
					    "--sleep-us", "100", "-r", "1", "-x", "0", NULL };
	struct tx_result r;
	struct tx_csv t;
	double v;
	tx_launch(&r, backend, "workload", 0, args);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(tx_csv_parse(r.out, &t), 0);
	v = tx_note(tx_csv_get(&t, 0, "note"), key);
	tx_csv_free(&t);
	tx_result_free(&r);
	return v;
}

/* A process carries its own copies of the pages it writes; a thread only a stack. */
static void processes_use_more_memory(void **state)
{
	double threads = mem_of("pthreads", "rss_kib_per_worker");
	double procs = mem_of("procs", "rss_kib_per_worker");
	double procs_pss = mem_of("procs", "pss_kib_per_worker");
	(void)state;
	printf("    memory per worker: thread rss %.0f KiB, process rss %.0f KiB (pss %.0f KiB)\n",
	       threads, procs, procs_pss);
	assert_true(procs > threads);
	assert_true(procs_pss > 0);
}


static const struct tx_bad bad_inputs[] = {
	{ { "-n", "0" }, "--size" },
	{ { "-n", "abc" }, "--size" },
	{ { "--cpu-iters", "0" }, "--cpu-iters" },
	{ { "--sleep-us", "-1" }, "--sleep-us" },
	{ { "--file-kib", "12x" }, "--file-kib" },
	{ { "--file-kib" }, "--file-kib" },
	{ { "-w", "0" }, "--workers" },
	{ { "--variant", "disk" }, "--variant" },
	{ { "--frobnicate" }, "--frobnicate" },
	/* past the work budget: one repetition would take far more than minutes */
	{ { "-n", "1000000", "--cpu-iters", "1000000000" }, "--cpu-iters" },
	{ { "-n", "100", "--cpu-iters", "1000000000", "--variant", "mixed" }, "--cpu-iters" },
	{ { "-n", "1000000", "--sleep-us", "1000000", "--variant", "io" }, "--sleep-us" },
	{ { "-n", "1000000", "--variant", "file" }, "--file-kib" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "workload", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }
static void mpi_refuses_bad_input(void **state)
{
	static const char *const too_many[] = { "-w", "8", NULL }; /* with 2 ranks */
	(void)state;
	bad_input_on("mpi");
	tx_expect_usage_error("mpi", "workload", too_many, "--workers");
}

/* MPI's start is mpirun's, not measured: empty at every worker count, also for the
 * cases that leave some of the ranks out (they add nothing to the slowest rank's time,
 * not a 0). */
static void mpi_start_is_never_zero(void **state)
{
	const int np = tx_top("mpi", 3);
	const char *const args[] = { "--csv", "-q", "--variant", "io", "-n", "4", "--sleep-us",
				     "1000", "-r", "2", "-x", "0", "-w", np > 2 ? "1,2,3" : "1,2", NULL };
	struct tx_result r;
	struct tx_csv t;
	(void)state;
	tx_launch(&r, "mpi", "workload", np, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0 || t.nrows != 3 * (np > 2 ? 3 : 2)) {
		tx_dump("workload on MPI", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++)
		if (strcmp(tx_csv_get(&t, row, "phase"), "work") != 0) {
			assert_string_equal(tx_csv_get(&t, row, "median_s"), "");
			assert_true(tx_passed(tx_csv_get(&t, row, "verdict")));
		}
	tx_csv_free(&t);
	tx_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		cmocka_unit_test(io_gains_past_the_cores_cpu_does_not),
		cmocka_unit_test(processes_use_more_memory),
		TX_ON_LOCAL(refuses_bad_input),
		cmocka_unit_test(mpi_refuses_bad_input),
		cmocka_unit_test(mpi_start_is_never_zero),
	};
	return cmocka_run_group_tests_name("workload (integration)", tests, NULL, NULL);
}
