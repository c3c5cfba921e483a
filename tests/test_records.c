/* test_records.c: every statistic of a record, read back from its CSV and its JSON,
 * is the one hx_stats_compute gave, in its own field; a measured record leaves no
 * field empty. */
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

static const char *const stat_fields[] = { "min_s",	  "median_s",  "mean_s",
					   "max_s",	  "sd_s",      "ci95_lo_s",
					   "ci95_hi_s",	  "median_lo_s", "median_hi_s" };

static double stat_value(const struct hx_stats *st, int i)
{
	const double v[] = { st->min,	  st->median,  st->mean,   st->max,	st->sd,
			     st->ci95_lo, st->ci95_hi, st->med_lo, st->med_hi };
	return v[i];
}

static void measured(struct hx_record *r, struct hx_provenance *p)
{
	/* no two statistics alike: a field holding another's value shows */
	static const double s[] = { 0.004, 0.001, 0.002, 0.010, 0.003 };
	char *argv[] = { (char *)"build/pthreads/race", (char *)"-r", (char *)"5", NULL };
	memset(r, 0, sizeof *r);
	r->exercise = "race";
	r->variant = "lock";
	r->backend = "pthreads";
	r->phase = "run";
	r->workers = 2;
	r->size = 1000;
	r->reps = 5;
	r->warmup = 1;
	r->ops = 2000;
	r->op_name = "update";
	r->verdict = HX_PASS;
	r->note = "final=500 expected=500";
	assert_int_equal(hx_stats_compute(s, 5, &r->st), 0);
	hx_provenance_fill(p, 3, argv);
}

static void assert_close(const char *field, double got, double want)
{
	if (!(fabs(got - want) <= 1e-7 * fabs(want) + 1e-15)) {
		print_error("%s = %.9g, expected %.9g\n", field, got, want);
		fail();
	}
}

static void csv_stats_in_their_fields(void **state)
{
	struct hx_record r;
	struct hx_provenance p;
	char text[8192];
	struct tx_csv t;
	int n;
	(void)state;
	measured(&r, &p);
	n = hx_record_header(text, sizeof text, HX_FMT_CSV);
	assert_true(n > 0);
	assert_true(hx_record_write(text + n, sizeof text - (size_t)n, HX_FMT_CSV, &r, &p) > 0);
	assert_int_equal(tx_csv_parse(text, &t), 0);
	assert_int_equal(t.nrows, 1);
	for (int i = 0; i < (int)(sizeof stat_fields / sizeof stat_fields[0]); i++) {
		const char *v = tx_csv_get(&t, 0, stat_fields[i]);
		assert_non_null(v);
		if (v[0] == '\0') {
			print_error("field %s is empty\n", stat_fields[i]);
			fail();
		}
		assert_close(stat_fields[i], atof(v), stat_value(&r.st, i));
	}
	assert_true(r.st.ci95_lo < r.st.mean && r.st.mean < r.st.ci95_hi);
	assert_string_equal(tx_csv_get(&t, 0, "outliers"), "1"); /* 0.010 > Q3 + 1.5 IQR = 0.007 */
	for (int c = 0; c < t.ncols; c++)
		if (t.rows[0][c][0] == '\0') {
			print_error("field %s of a measured record is empty\n", t.head[c]);
			fail();
		}
	tx_csv_free(&t);
}

static void json_stats_in_their_fields(void **state)
{
	struct hx_record r;
	struct hx_provenance p;
	char text[8192], key[64];
	(void)state;
	measured(&r, &p);
	assert_true(hx_record_write(text, sizeof text, HX_FMT_JSON, &r, &p) > 0);
	for (int i = 0; i < (int)(sizeof stat_fields / sizeof stat_fields[0]); i++) {
		const char *at;
		snprintf(key, sizeof key, "\"%s\":", stat_fields[i]);
		at = strstr(text, key);
		if (at == NULL) {
			print_error("no %s in %s\n", key, text);
			fail();
		}
		at += strlen(key);
		if (strncmp(at, "null", 4) == 0 || *at == '"' || *at == ',') {
			print_error("%s has no number in %s\n", key, text);
			fail();
		}
		assert_close(stat_fields[i], atof(at), stat_value(&r.st, i));
	}
}

/* The node-aware fields: the last three CSV columns, in that order (older readers go by
 * position), the same in JSON; a case on two hosts says so. */
static void hosts_fields_last(void **state)
{
	struct hx_record r;
	struct hx_provenance p;
	char text[8192];
	struct tx_csv t;
	int n;
	(void)state;
	measured(&r, &p);
	assert_int_equal(p.hosts, 1); /* the provenance: this host */
	assert_string_equal(p.host_names, p.host);
	assert_int_equal(p.crossed_nodes, 0);
	p.hosts = 2;
	snprintf(p.host_names, sizeof p.host_names, "node1+node2");
	p.crossed_nodes = 1;
	n = hx_record_header(text, sizeof text, HX_FMT_CSV);
	assert_true(n > 0);
	assert_non_null(strstr(text, ",command,hosts,host_names,crossed_nodes\n"));
	assert_true(hx_record_write(text + n, sizeof text - (size_t)n, HX_FMT_CSV, &r, &p) > 0);
	assert_int_equal(tx_csv_parse(text, &t), 0);
	assert_string_equal(t.head[t.ncols - 3], "hosts");
	assert_string_equal(tx_csv_get(&t, 0, "hosts"), "2");
	assert_string_equal(tx_csv_get(&t, 0, "host_names"), "node1+node2");
	assert_string_equal(tx_csv_get(&t, 0, "crossed_nodes"), "1");
	tx_csv_free(&t);
	assert_true(hx_record_write(text, sizeof text, HX_FMT_JSON, &r, &p) > 0);
	assert_non_null(strstr(text, "\"hosts\":2,\"host_names\":\"node1+node2\",\"crossed_nodes\":1}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hosts_fields_last),
		cmocka_unit_test(csv_stats_in_their_fields),
		cmocka_unit_test(json_stats_in_their_fields),
	};
	return cmocka_run_group_tests_name("record fields", tests, NULL, NULL);
}
