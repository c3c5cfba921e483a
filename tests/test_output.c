/* test_output.c: the records: CSV (RFC 4180, header and rows agree), JSON lines (one
 * object per line, escaped), the human table, and the provenance. */
#include "hx.h"
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hx_provenance prov(void)
{
	struct hx_provenance p;
	char *argv[] = { (char *)"build/pthreads/race", (char *)"-w", (char *)"1,2",
			 (char *)"--variant", (char *)"say \"hi\"", NULL };
	hx_provenance_fill(&p, 5, argv);
	return p;
}

static struct hx_record record(enum hx_verdict v)
{
	struct hx_record r = {
		.exercise = "race", .variant = "lock", .backend = "pthreads", .phase = "run",
		.workers = 2, .size = 1000, .reps = 3, .warmup = 1, .ops = 2000,
		.op_name = "update", .verdict = v, .note = "final=500 expected=500",
	};
	const double s[] = { 0.002, 0.001, 0.003 };
	if (v != HX_NA)
		assert_int_equal(hx_stats_compute(s, 3, &r.st), 0);
	return r;
}

static void provenance(void **state)
{
	struct hx_provenance p = prov();
	(void)state;
	assert_true(strlen(p.host) > 0);
	assert_true(p.cores >= 1);
	assert_true(strlen(p.affinity) > 0);
	assert_non_null(strstr(p.compiler, "gcc") ? p.compiler : strstr(p.compiler, "clang"));
	assert_string_equal(p.mpi, "none");
	assert_int_equal(strlen(p.time_utc), 20); /* 2026-01-01T00:00:00Z */
	assert_int_equal(p.time_utc[19], 'Z');
	assert_non_null(strstr(p.command, "-w 1,2"));
	/* hwloc's view: at least one core and one hardware thread, or "unknown" */
	assert_true(strstr(p.topology, "hardware thread") != NULL || strcmp(p.topology, "unknown") == 0);
	assert_true(strlen(p.binding) > 0);
	assert_non_null(strstr(p.binding, p.affinity)); /* pthreads: the process's CPUs */
}

static void csv(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_PASS);
	char text[8192];
	struct tx_csv t;
	int n;
	(void)state;
	n = hx_record_header(text, sizeof text, HX_FMT_CSV);
	assert_true(n > 0);
	assert_true(hx_record_write(text + n, sizeof text - (size_t)n, HX_FMT_CSV, &r, &p) > 0);
	assert_int_equal(tx_csv_parse(text, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.ncols, 47); /* the last three: hosts, host_names, crossed_nodes */
	assert_string_equal(t.head[0], "exercise");
	assert_string_equal(tx_csv_get(&t, 0, "exercise"), "race");
	assert_string_equal(tx_csv_get(&t, 0, "backend"), "pthreads");
	assert_string_equal(tx_csv_get(&t, 0, "variant"), "lock");
	assert_string_equal(tx_csv_get(&t, 0, "workers"), "2");
	assert_string_equal(tx_csv_get(&t, 0, "size"), "1000");
	assert_string_equal(tx_csv_get(&t, 0, "reps"), "3");
	assert_string_equal(tx_csv_get(&t, 0, "median_s"), "0.002");
	assert_string_equal(tx_csv_get(&t, 0, "min_s"), "0.001");
	assert_string_equal(tx_csv_get(&t, 0, "ns_per_op"), "1000"); /* 2 ms / 2000 */
	assert_string_equal(tx_csv_get(&t, 0, "ops_per_s"), "1e+06");
	assert_string_equal(tx_csv_get(&t, 0, "verdict"), "pass");
	assert_string_equal(tx_csv_get(&t, 0, "note"), "final=500 expected=500");
	assert_string_equal(tx_csv_get(&t, 0, "mpi"), "none");
	/* the command has a comma and quotes: quoted, and read back whole */
	assert_string_equal(tx_csv_get(&t, 0, "command"),
			    "build/pthreads/race -w 1,2 --variant say \"hi\"");
	tx_csv_free(&t);
}

static void csv_not_applicable(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_NA);
	char text[8192];
	struct tx_csv t;
	int n;
	(void)state;
	r.note = "reason=no such thing";
	n = hx_record_header(text, sizeof text, HX_FMT_CSV);
	assert_true(hx_record_write(text + n, sizeof text - (size_t)n, HX_FMT_CSV, &r, &p) > 0);
	assert_int_equal(tx_csv_parse(text, &t), 0);
	assert_string_equal(tx_csv_get(&t, 0, "verdict"), "n/a");
	assert_string_equal(tx_csv_get(&t, 0, "median_s"), "");
	assert_string_equal(tx_csv_get(&t, 0, "ns_per_op"), "");
	tx_csv_free(&t);
}

static void json(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_FAIL);
	char text[8192];
	const char *keys[] = { "\"exercise\":\"race\"", "\"backend\":\"pthreads\"", "\"workers\":2",
			       "\"size\":1000", "\"reps\":3", "\"median_s\":0.002",
			       "\"verdict\":\"fail\"", "\"openmp\":\"none\"", "\"git\":" };
	(void)state;
	r.note = "tab\there \"quoted\"";
	assert_true(hx_record_write(text, sizeof text, HX_FMT_JSON, &r, &p) > 0);
	assert_int_equal(text[0], '{');
	assert_string_equal(text + strlen(text) - 2, "}\n");
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1); /* one line */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strstr(text, keys[i]) == NULL) {
			print_error("missing %s in %s", keys[i], text);
			fail();
		}
	assert_non_null(strstr(text, "\"note\":\"tab\\u0009here \\\"quoted\\\"\""));
	assert_non_null(strstr(text, "\"command\":\"build/pthreads/race -w 1,2 --variant say \\\"hi\\\"\""));
	/* keys in the documented order: exercise first, command last */
	assert_true(strncmp(text, "{\"exercise\":", 12) == 0);
	assert_non_null(strstr(text, ",\"command\":"));
}

static void json_not_applicable(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_NA);
	char text[8192];
	(void)state;
	assert_true(hx_record_write(text, sizeof text, HX_FMT_JSON, &r, &p) > 0);
	assert_non_null(strstr(text, "\"median_s\":null"));
	assert_non_null(strstr(text, "\"verdict\":\"n/a\""));
}

static void table(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_PASS);
	char text[8192];
	(void)state;
	assert_true(hx_record_header(text, sizeof text, HX_FMT_TABLE) > 0);
	assert_non_null(strstr(text, "median"));
	assert_true(hx_record_write(text, sizeof text, HX_FMT_TABLE, &r, &p) > 0);
	assert_non_null(strstr(text, "lock"));
	assert_non_null(strstr(text, "2 ms"));      /* the median, in a unit that fits */
	assert_non_null(strstr(text, "1 us/update")); /* per op */
	assert_non_null(strstr(text, "pass"));
	assert_non_null(strstr(text, "final=500"));
	assert_true(hx_provenance_write(text, sizeof text, &p, "race", "pthreads") > 0);
	assert_true(strncmp(text, "# race on pthreads: host ", 25) == 0);
}

static void too_small_a_buffer(void **state)
{
	struct hx_provenance p = prov();
	struct hx_record r = record(HX_PASS);
	char text[64];
	(void)state;
	assert_int_equal(hx_record_write(text, sizeof text, HX_FMT_JSON, &r, &p), -1);
}

/* Provenance fields are clean values: no tab, newline or space at either end, whatever
 * the command line or a library's version string holds. */
static void provenance_is_tidy(void **state)
{
	char *const argv[] = { "prog", "a\tb", "c\nd ", NULL };
	struct hx_provenance p;
	const char *fields[] = { p.host, p.affinity, p.compiler, p.mpi,	     p.openmp,
				 p.git,	 p.command,  p.cpu_model, p.kernel,  p.env };
	(void)state;
	hx_provenance_fill(&p, 3, argv);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t n = strlen(fields[i]);
		assert_null(strpbrk(fields[i], "\t\r\n"));
		assert_true(n == 0 || (fields[i][0] != ' ' && fields[i][n - 1] != ' '));
	}
	assert_string_equal(p.command, "prog a b c d");
	assert_true(strlen(p.cpu_model) > 0 && strlen(p.kernel) > 0);
}

/* The machine's state: the load average as /proc/loadavg's first figure (what uptime
 * prints), a share of stolen time between 0 and 100, the busy rule. */
static void machine_state(void **state)
{
	struct hx_cpu_times a, b;
	double load = hx_loadavg();
	(void)state;
	assert_true(load >= 0 && load < 10000);
	assert_int_equal(hx_cpu_times(&a), 0);
	for (volatile long i = 0; i < 50000000; i++)
		; /* a few ticks of CPU time */
	assert_int_equal(hx_cpu_times(&b), 0);
	assert_true(b.total > a.total && b.steal >= a.steal && b.idle >= a.idle);
	assert_true(hx_steal_pct(&a, &b) >= 0 && hx_steal_pct(&a, &b) <= 100);
	assert_true(isnan(hx_steal_pct(&b, &b)));
	assert_true(hx_idle_pct(&a, &b) >= 0 && hx_idle_pct(&a, &b) <= 100);
	assert_true(isnan(hx_idle_pct(&b, &b)));
	assert_true(hx_machine_busy(2.5, 0, 2));
	assert_false(hx_machine_busy(1.5, 0, 2));
	assert_true(hx_machine_busy(0.1, 6.0, 2));
	assert_false(hx_machine_busy(NAN, NAN, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(provenance),  cmocka_unit_test(csv),
		cmocka_unit_test(csv_not_applicable), cmocka_unit_test(json),
		cmocka_unit_test(json_not_applicable), cmocka_unit_test(table),
		cmocka_unit_test(too_small_a_buffer), cmocka_unit_test(provenance_is_tidy),
		cmocka_unit_test(machine_state),
	};
	return cmocka_run_group_tests_name("harness output", tests, NULL, NULL);
}
