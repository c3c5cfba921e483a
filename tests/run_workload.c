/* run_workload.c: integration tests of `workload`: every backend, every kind, at 1 to
 * 4 workers (MPI: -np 1 to 4), read back from the CSV records (every task done once
 * with the right result; memory, and creating and ending a worker, reported: a start and
 * an end phase, per-worker notes; empty on MPI, never 0); I/O-bound work gains past
 * the 2 cores and CPU-bound work does not; memory per worker (a thread at least a
 * page, processes more) and its second method, /proc/meminfo, within 2x;
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
		assert_int_equal(t.nrows, 16); /* 4 kinds x 4 phases */
		for (int row = 0; row < t.nrows; row++) {
			const char *v = tx_csv_get(&t, row, "variant");
			const char *note = tx_csv_get(&t, row, "note");
			const char *phase = tx_csv_get(&t, row, "phase");
			assert_non_null(strstr(note, "tasks_ok=8/8"));
			if (mpi) {
				assert_true(tx_note(note, "pss_kib_per_rank") > 0);
				assert_true(tx_note(note, "uss_kib_per_rank") > 0);
			} else if (strcmp(backend, "procs") == 0) {
				assert_true(tx_note(note, "pss_kib_per_worker") > 0);
				assert_true(tx_note(note, "uss_kib_per_worker") > 0);
				assert_true(tx_note(note, "process_kib_per_worker") > 0);
			} else {
				assert_true(tx_note(note, "thread_kib_per_worker") >= 4);
			}
			if (mpi) {
				assert_non_null(strstr(note, "start=mpirun:see_make_mpi-startup"));
				assert_null(strstr(note, "create_us_per_worker"));
			} else {
				assert_true(tx_note(note, "create_us_per_worker") > 0);
				/* OpenMP's threads park after the region: nobody ends them */
				if (strcmp(backend, "openmp") != 0)
					assert_true(tx_note(note, "reap_us_per_worker") > 0);
				else
					assert_null(strstr(note, "reap_us_per_worker"));
			}
			/* against the serial baseline of the same repetitions */
			assert_true(tx_note(note, "speedup") > 0);
			assert_non_null(strstr(note, "baseline=interleaved"));
			if (strcmp(phase, "serial") == 0) {
				assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
			} else if (strcmp(phase, "work") == 0) {
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

static double mem_of(const char *backend, const char *mem_workers, const char *key, double *check)
{
	const char *const args[] = { "--csv", "-q", "-w", "1", "--variant", "io", "-n", "1",
				     "--sleep-us", "0", "-r", "1", "-x", "0", "--mem-workers",
				     mem_workers, NULL };
	struct tx_result r;
	struct tx_csv t;
	double v;
	tx_launch(&r, backend, "workload", 0, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
		tx_dump("workload memory", &r);
		fail();
	}
	v = tx_note(tx_csv_get(&t, 0, "note"), key);
	if (check != NULL)
		*check = tx_note(tx_csv_get(&t, 0, "note"), "meminfo_kib_per_worker");
	tx_csv_free(&t);
	tx_result_free(&r);
	return v;
}

/* A process carries its own copies of the pages it writes, its page tables and a
 * kernel stack; a thread a stack page or two and a kernel stack. */
static void processes_use_more_memory(void **state)
{
	double thread = mem_of("pthreads", "64", "thread_kib_per_worker", NULL);
	double process = mem_of("procs", "64", "process_kib_per_worker", NULL);
	double pss = mem_of("procs", "64", "pss_kib_per_worker", NULL);
	(void)state;
	printf("    memory per worker: a thread %.1f KiB, a process %.1f KiB (pss %.1f KiB)\n",
	       thread, process, pss);
	assert_true(thread >= 4);
	assert_true(process > thread);
	assert_true(pss > 0);
}

/* The second method: what /proc/meminfo's AnonPages + KernelStack + PageTables grew by
 * while the large team was alive, the same slope, agrees with the first (the
 * process's or the children's smaps_rollup and VmPTE, and KernelStack) within 2x.
 * meminfo is the whole machine's, so other programs that allocate or free while a
 * team is alive move it: the teams are large (a thread ~28 KiB x 1024, a process
 * ~130 KiB x 256: 28-33 MiB each) and a disagreement is retried twice. */
static void memory_agrees_with_meminfo(void **state)
{
	const char *backend = *state;
	int procs = strcmp(backend, "procs") == 0;
	const char *key = procs ? "process_kib_per_worker" : "thread_kib_per_worker";
	double first = 0, second = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		first = mem_of(backend, procs ? "256" : "1024", key, &second);
		printf("    %-8s a worker: %.1f KiB (smaps and status), %.1f KiB (meminfo)\n", backend,
		       first, second);
		if (second > 0 && first <= 2 * second && second <= 2 * first)
			break;
	}
	assert_true(first >= 4);
	assert_true(second > 0 && first <= 2 * second && second <= 2 * first);
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
	{ { "--mem-workers", "1" }, "--mem-workers" },
	{ { "--mem-workers", "1025" }, "--mem-workers" },
	{ { "--mem-workers", "many" }, "--mem-workers" },
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
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0 || t.nrows != 4 * (np > 2 ? 3 : 2)) {
		tx_dump("workload on MPI", &r);
		fail();
	}
	for (int row = 0; row < t.nrows; row++)
		if (strcmp(tx_csv_get(&t, row, "phase"), "start") == 0 ||
		    strcmp(tx_csv_get(&t, row, "phase"), "end") == 0) {
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
		TX_ON_LOCAL(memory_agrees_with_meminfo),
		TX_ON_LOCAL(refuses_bad_input),
		cmocka_unit_test(mpi_refuses_bad_input),
		cmocka_unit_test(mpi_start_is_never_zero),
	};
	return cmocka_run_group_tests_name("workload (integration)", tests, NULL, NULL);
}
