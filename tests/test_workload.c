/* test_workload.c: the workload validator (exercises/workload.c) against a fake serial
 * backend that can corrupt its result: a task counted twice, a task skipped, a wrong
 * cpu checksum, a wrong file read-back. Each corruption must fail validation; the
 * honest run must pass. */
#include "workload.h"

#include "cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct hx_exercise workload_exercise;

enum corruption { HONEST, TWICE, SKIPPED, WRONG_CPU, WRONG_FILE };
static enum corruption corrupt;
static double fake_uss = 8; /* what the fake backend's memory probe reports */
static double create_s = 4e-5; /* the creation per worker the fake backend reports */

/* The fake backend: every task once, in order, on this thread; then the corruption. */
void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r)
{
	for (long i = 0; i < a->tasks; i++) {
		result[i] = wl_run_task(a, i);
		done[i]++;
	}
	switch (corrupt) {
	case TWICE:
		done[a->tasks - 1]++;
		break;
	case SKIPPED:
		done[0] = 0;
		break;
	case WRONG_CPU:
	case WRONG_FILE:
		result[0] ^= 1;
		break;
	case HONEST:
		break;
	}
	r->work_s = 1e-3;
	r->start_s = 1e-4;
	r->end_s = 5e-5;
	r->create_s = create_s;
	r->reap_s = 2e-5;
	wl_mem_unmeasured(&r->mem);
	if (a->measure_mem) {
		r->mem.kind = WL_MEM_THREADS;
		r->mem.workers = a->mem_workers;
		r->mem.pss = r->mem.uss = fake_uss;
		r->mem.pte = 4;
		r->mem.kstack = 16;
		r->mem.check = 30;
	}
}

static enum hx_verdict run_one(const char *variant, enum corruption how, char *note, size_t len)
{
	const char *const args[] = { "--cpu-iters", "1000", "--sleep-us", "10", "--file-kib", "2",
				     NULL };
	struct hx_case c;
	enum hx_verdict v;

	corrupt = how;
	v = tx_run_case_args(&workload_exercise, variant, 2, 6, args, &c);
	snprintf(note, len, "%s", c.note);
	return v;
}

static void honest_passes(void **state)
{
	static const char *const kinds[] = { "cpu", "io", "file", "mixed" };
	char note[HX_NOTE_LEN];
	(void)state;
	for (int k = 0; k < 4; k++) {
		assert_int_equal(run_one(kinds[k], HONEST, note, sizeof note), HX_PASS);
		assert_non_null(strstr(note, "tasks_ok=6/6"));
		assert_non_null(strstr(note, "thread_kib_per_worker=28.0"));
		assert_non_null(strstr(note, "uss_kib_per_worker=8.0"));
		assert_non_null(strstr(note, "kernel_kib_per_worker=20.0"));
		assert_non_null(strstr(note, "meminfo_kib_per_worker=30.0"));
		assert_non_null(strstr(note, "mem_workers=64"));
	}
}

static void counted_twice_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("io", TWICE, note, sizeof note), HX_FAIL);
	assert_non_null(strstr(note, "twice=1"));
}

static void skipped_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("mixed", SKIPPED, note, sizeof note), HX_FAIL);
	assert_non_null(strstr(note, "missed=1"));
}

static void wrong_cpu_result_fails(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("cpu", WRONG_CPU, note, sizeof note), HX_FAIL);
	assert_non_null(strstr(note, "wrong=1"));
}

static void wrong_file_contents_fail(void **state)
{
	char note[HX_NOTE_LEN];
	(void)state;
	assert_int_equal(run_one("file", WRONG_FILE, note, sizeof note), HX_FAIL);
	assert_non_null(strstr(note, "first_bad_task=0"));
}

/* The per-worker creation note is the median over the timed repetitions, not the last
 * one's: three repetitions (after a warm-up) report 10, 90 and 30 us: the note says 30. */
static void creation_note_is_the_median(void **state)
{
	static const double us[] = { 500, 10, 90, 30 }; /* the warm-up's is left out */
	const char *argv[] = { "workload", "-r", "3", "-x", "1", "--sleep-us", "0", NULL };
	struct hx_opts o;
	struct hx_case c;
	char err[128], out[64];
	(void)state;
	assert_int_equal(hx_parse(&workload_exercise, 7, (char *const *)argv, &o, err, sizeof err,
				  out, sizeof out), HX_PARSE_OK);
	memset(&c, 0, sizeof c);
	c.ex = &workload_exercise;
	c.opts = &o;
	c.variant = hx_variant_index(&workload_exercise, "io");
	c.variant_name = "io";
	c.workers = 2;
	c.size = 4;
	c.state = calloc(1, workload_exercise.state_size);
	assert_non_null(c.state);
	assert_int_equal(workload_exercise.setup(&c), 0);
	corrupt = HONEST;
	for (int rep = 0; rep < 4; rep++) {
		c.rep = rep;
		c.timed = rep >= 1;
		c.note[0] = '\0';
		create_s = us[rep] * 1e-6;
		workload_exercise.run(&c);
		workload_exercise.check(&c);
		assert_int_equal(c.verdict, HX_PASS);
	}
	workload_exercise.teardown(&c);
	free(c.state);
	create_s = 4e-5;
	assert_non_null(strstr(c.note, "create_us_per_worker=30.0"));
	assert_non_null(strstr(c.note, "reap_us_per_worker=20.0"));
}

/* the file kernel reads back what the validator expects, and the memory probe reads */
static void kernels_agree(void **state)
{
	struct wl_procmem m = { 0 };
	struct wl_sysmem sys = { 0 };
	(void)state;
	assert_true(wl_file_task(3, 5) == wl_file_expected(3, 5));
	assert_true(wl_file_task(3, 5) != wl_file_expected(4, 5));
	assert_true(wl_cpu_task(1, 1000) == wl_cpu_task(1, 1000));
	assert_true(wl_cpu_task(1, 1000) != wl_cpu_task(2, 1000));
	assert_int_equal(wl_proc_mem(0, &m), 0);
	assert_true(m.rss > 0 && m.pss > 0 && m.uss > 0 && m.pte > 0 && m.threads >= 1);
	assert_true(m.uss <= m.rss && m.pss <= m.rss);
	assert_int_equal(wl_sys_mem(&sys), 0);
	assert_true(sys.kstack > 0 && sys.pagetables > 0 && sys.anon > 0);
	/* blocks cover every task once */
	for (int w = 1; w <= 9; w++)
		for (long t = 1; t <= 20; t++) {
			assert_int_equal(wl_first(t, w, 0), 0);
			assert_int_equal(wl_first(t, w, w), t);
		}
}

/* the slope divides what the large team added beyond the small one by the workers it
 * added; a try that could not measure (NAN) is left out of the median */
static void memory_slope_and_median(void **state)
{
	struct wl_memdelta one = { .n = 1, .pss = 10, .uss = 8, .pte = 4, .kstack = 16, .check = 30 };
	struct wl_memdelta big = { .n = 65, .pss = 650, .uss = 520, .pte = 260, .kstack = 1040, .check = 1950 };
	struct wl_sysmem before = { .kstack = 100, .pagetables = 200, .anon = 1000 };
	struct wl_sysmem alive = { .kstack = 116, .pagetables = 204, .anon = 1010 };
	struct wl_sysmem after = { .kstack = 100, .pagetables = 202, .anon = 1002 };
	struct wl_memdelta d;
	struct wl_mem m[3], out;
	(void)state;
	wl_mem_slope(&one, &big, &m[0]);
	assert_true(m[0].pss == 10 && m[0].uss == 8 && m[0].pte == 4 && m[0].kstack == 16 &&
		    m[0].check == 30);
	wl_mem_slope(&big, &one, &m[1]); /* no worker added: not measured */
	assert_true(isnan(m[1].uss) && isnan(m[1].check));
	m[2] = m[0];
	m[2].uss = 2;
	m[0].uss = 6;
	wl_mem_median(m, 3, &out);
	assert_true(out.uss == 4 && out.pss == 10 && out.check == 30);
	wl_sys_delta(&before, &alive, &after, &d);
	assert_true(d.kstack == 16 && d.check == 1330 - 1302);
	wl_mem_unmeasured(&out);
	assert_true(out.kind == WL_MEM_NONE && isnan(out.pss) && isnan(out.kstack));
}

/* a negative memory figure is noted and doubted (the driver makes the verdict
 * `suspect`); the case still passes its check */
static void negative_memory_is_suspect(void **state)
{
	const char *const args[] = { "--sleep-us", "10", NULL };
	struct hx_case c;
	(void)state;
	corrupt = HONEST;
	fake_uss = -30;
	assert_int_equal(tx_run_case_args(&workload_exercise, "io", 2, 4, args, &c), HX_PASS);
	fake_uss = 8;
	assert_non_null(strstr(c.note, "thread_kib_per_worker=-10.0"));
	assert_non_null(strstr(c.suspect, "negative memory per worker"));
}

/* the work budget of check_opts: per kind that runs, the product of -n and the task
 * size; at the edge accepted, past it refused naming both options */
static int parses(const char *const *argv, char *err, size_t len)
{
	struct hx_opts o;
	char out[64];
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	return hx_parse(&workload_exercise, argc, (char *const *)argv, &o, err, len, out, sizeof out);
}

static void work_budget(void **state)
{
	static const char *const absurd[] = { "workload", "-n", "1000000", "--cpu-iters",
					      "1000000000", NULL };
	static const char *const cpu_edge[] = { "workload", "-n", "30", "--cpu-iters", "1000000000",
						"--variant", "cpu", NULL };
	static const char *const cpu_over[] = { "workload", "-n", "31", "--cpu-iters", "1000000000",
						"--variant", "cpu", NULL };
	static const char *const io_only[] = { "workload", "-n", "31", "--cpu-iters", "1000000000",
					       "--variant", "io", NULL };
	static const char *const mixed_half[] = { "workload", "-n", "60", "--cpu-iters",
						  "1000000000", "--sleep-us", "1", "--variant",
						  "mixed", NULL };
	static const char *const sleep_over[] = { "workload", "-n", "1000", "--sleep-us", "200000",
						  "--variant", "io", NULL };
	static const char *const file_over[] = { "workload", "-n", "100001", "--file-kib", "1",
						 "--variant", "file", NULL };
	static const char *const file_bytes[] = { "workload", "-n", "100", "--file-kib", "65536",
						  "--variant", "file", NULL };
	char err[256];
	(void)state;
	assert_int_equal(parses(absurd, err, sizeof err), HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--cpu-iters"));
	assert_non_null(strstr(err, "-n/--size"));
	assert_int_equal(parses(cpu_edge, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(parses(cpu_over, err, sizeof err), HX_PARSE_ERROR);
	assert_int_equal(parses(io_only, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(parses(mixed_half, err, sizeof err), HX_PARSE_OK);
	assert_int_equal(parses(sleep_over, err, sizeof err), HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--sleep-us"));
	assert_int_equal(parses(file_over, err, sizeof err), HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--file-kib"));
	assert_int_equal(parses(file_bytes, err, sizeof err), HX_PARSE_ERROR);
	assert_non_null(strstr(err, "--file-kib"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(honest_passes),
		cmocka_unit_test(counted_twice_fails),
		cmocka_unit_test(skipped_fails),
		cmocka_unit_test(wrong_cpu_result_fails),
		cmocka_unit_test(wrong_file_contents_fail),
		cmocka_unit_test(creation_note_is_the_median),
		cmocka_unit_test(kernels_agree),
		cmocka_unit_test(work_budget),
		cmocka_unit_test(memory_slope_and_median),
		cmocka_unit_test(negative_memory_is_suspect),
	};
	return cmocka_run_group_tests_name("workload validator", tests, NULL, NULL);
}
