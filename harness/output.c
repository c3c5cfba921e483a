/* output.c: records (human table, CSV, JSON lines) and their provenance.
 *
 * One record per case and phase. The CSV columns and the JSON keys are the same, in
 * the same order (documented in docs/records.md); free-text fields come last so
 * a column tool can cut the numeric ones without parsing quotes. */
#include "hx.h"

#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef HX_GIT_REV
#define HX_GIT_REV "unknown"
#endif

const char *hx_verdict_name(enum hx_verdict v)
{
	switch (v) {
	case HX_PASS: return "pass";
	case HX_FAIL: return "fail";
	case HX_UNSAFE: return "unsafe";
	case HX_NA: return "n/a";
	}
	return "?";
}

/* ---- a bounded string builder ---------------------------------------------------- */
struct sb {
	char *buf;
	size_t len, used;
	int overflow;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used) {
		b->overflow = 1;
		return;
	}
	b->used += (size_t)n;
}

static void sb_json_string(struct sb *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			sb_printf(b, "\\u%04x", ch);
		else
			sb_printf(b, "%c", ch);
	}
	sb_printf(b, "\"");
}

/* RFC 4180: quote when the field holds a comma, a quote, a newline or edge spaces */
static void sb_csv_string(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	if (strpbrk(s, ",\"\r\n") == NULL && (n == 0 || (s[0] != ' ' && s[n - 1] != ' '))) {
		sb_printf(b, "%s", s);
		return;
	}
	sb_printf(b, "\"");
	for (; *s; s++)
		sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
	sb_printf(b, "\"");
}

/* ---- provenance -------------------------------------------------------------------- */
static void cpu_list(char *out, size_t len)
{
	cpu_set_t set;
	struct sb b = { out, len, 0, 0 };
	int first = 1;

	out[0] = '\0';
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0) {
		snprintf(out, len, "unknown");
		return;
	}
	for (int i = 0; i < CPU_SETSIZE; i++) {
		int j = i;
		if (!CPU_ISSET(i, &set))
			continue;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &set))
			j++;
		if (j > i)
			sb_printf(&b, "%s%d-%d", first ? "" : ",", i, j);
		else
			sb_printf(&b, "%s%d", first ? "" : ",", i);
		first = 0;
		i = j;
	}
}

/* A provenance field as one clean value: control characters (a tab in a library's
 * version string, a newline) become spaces, runs of spaces one, none at either end. */
static void tidy(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		char ch = (unsigned char)*r < 0x20 || *r == 0x7f ? ' ' : *r;
		if (ch == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = ch;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

void hx_provenance_fill(struct hx_provenance *p, int argc, char *const argv[])
{
	time_t now = time(NULL);
	struct tm tm;
	struct sb b;

	memset(p, 0, sizeof *p);
	if (gethostname(p->host, sizeof p->host - 1) != 0)
		snprintf(p->host, sizeof p->host, "unknown");
	p->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_list(p->affinity, sizeof p->affinity);
	snprintf(p->compiler, sizeof p->compiler, "%s", HX_COMPILER);
	snprintf(p->mpi, sizeof p->mpi, "none");
	snprintf(p->openmp, sizeof p->openmp, "none");
	snprintf(p->git, sizeof p->git, "%s", HX_GIT_REV);
	if (gmtime_r(&now, &tm) != NULL)
		strftime(p->time_utc, sizeof p->time_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
	b = (struct sb){ p->command, sizeof p->command, 0, 0 };
	for (int i = 0; i < argc; i++)
		sb_printf(&b, "%s%s", i ? " " : "", argv[i]);
	hx_backend_info(p); /* MPI library, OpenMP version, the backend compiler */
	tidy(p->host);
	tidy(p->affinity);
	tidy(p->compiler);
	tidy(p->mpi);
	tidy(p->openmp);
	tidy(p->git);
	tidy(p->command);
}

int hx_provenance_write(char *buf, size_t len, const struct hx_provenance *p,
			const char *exercise, const char *backend)
{
	struct sb b = { buf, len, 0, 0 };
	sb_printf(&b, "# %s on %s: host %s, %d cores online, affinity %s\n", exercise, backend,
		  p->host, p->cores, p->affinity);
	sb_printf(&b, "# %s", p->compiler);
	if (strcmp(p->mpi, "none") != 0)
		sb_printf(&b, ", %s", p->mpi);
	if (strcmp(p->openmp, "none") != 0)
		sb_printf(&b, ", OpenMP %s", p->openmp);
	sb_printf(&b, ", git %s, %s\n", p->git, p->time_utc);
	sb_printf(&b, "# command: %s\n", p->command);
	return b.overflow ? -1 : (int)b.used;
}

/* ---- records ----------------------------------------------------------------------- */
static const char *const columns[] = {
	"exercise", "backend", "variant", "workers", "size", "phase", "reps", "warmup",
	"min_s", "median_s", "mean_s", "max_s", "sd_s", "ci95_lo_s", "ci95_hi_s", "outliers",
	"ops", "op", "ns_per_op", "ops_per_s", "verdict", "note",
	"host", "cores", "affinity", "compiler", "mpi", "openmp", "git", "time_utc", "command",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

/* seconds for a human: 3 significant digits in the unit that fits */
static void human_time(char *out, size_t len, double s)
{
	if (!isfinite(s))
		snprintf(out, len, "-");
	else if (s < 1e-6)
		snprintf(out, len, "%.3g ns", s * 1e9);
	else if (s < 1e-3)
		snprintf(out, len, "%.3g us", s * 1e6);
	else if (s < 1)
		snprintf(out, len, "%.3g ms", s * 1e3);
	else
		snprintf(out, len, "%.3g s", s);
}

int hx_record_header(char *buf, size_t len, enum hx_format f)
{
	struct sb b = { buf, len, 0, 0 };
	switch (f) {
	case HX_FMT_CSV:
		for (size_t i = 0; i < NCOLUMNS; i++)
			sb_printf(&b, "%s%s", i ? "," : "", columns[i]);
		sb_printf(&b, "\n");
		break;
	case HX_FMT_TABLE:
		sb_printf(&b, "%-10s %7s %11s %-9s %10s %10s %8s %12s  %-7s %s\n", "variant",
			  "workers", "size", "phase", "median", "min", "ci95", "per op", "verdict",
			  "note");
		break;
	case HX_FMT_JSON:
		break;
	}
	return b.overflow ? -1 : (int)b.used;
}

int hx_record_write(char *buf, size_t len, enum hx_format f, const struct hx_record *r,
		    const struct hx_provenance *p)
{
	struct sb b = { buf, len, 0, 0 };
	const struct hx_stats *st = &r->st;
	int measured = r->verdict != HX_NA && st->n > 0;
	double per_op = measured && r->ops > 0 ? st->median / r->ops * 1e9 : NAN;
	double rate = measured && r->ops > 0 && st->median > 0 ? r->ops / st->median : NAN;

	if (f == HX_FMT_TABLE) {
		char med[24], mn[24], ci[24], po[32];
		human_time(med, sizeof med, measured ? st->median : NAN);
		human_time(mn, sizeof mn, measured ? st->min : NAN);
		if (measured && st->n > 1 && st->mean > 0)
			snprintf(ci, sizeof ci, "+-%.1f%%",
				 100.0 * (st->ci95_hi - st->mean) / st->mean);
		else
			snprintf(ci, sizeof ci, "-");
		if (isfinite(per_op)) {
			char t[24];
			human_time(t, sizeof t, per_op * 1e-9);
			snprintf(po, sizeof po, "%s/%s", t, r->op_name ? r->op_name : "op");
		} else {
			snprintf(po, sizeof po, "-");
		}
		sb_printf(&b, "%-10s %7d %11lld %-9s %10s %10s %8s %12s  %-7s %s\n", r->variant,
			  r->workers, r->size, r->phase, med, mn, ci, po, hx_verdict_name(r->verdict),
			  r->note ? r->note : "");
		return b.overflow ? -1 : (int)b.used;
	}

	/* CSV and JSON share the column list: values in the same order */
	for (size_t i = 0; i < NCOLUMNS; i++) {
		const char *key = columns[i];
		char num[64];
		const char *str = NULL;
		int is_num = 1;

		num[0] = '\0';
#define NUM(fmt, v) snprintf(num, sizeof num, fmt, v)
#define STAT(v) (measured ? NUM("%.9g", v) : NUM("%s", "null"))
		if (!strcmp(key, "exercise")) str = r->exercise;
		else if (!strcmp(key, "backend")) str = r->backend;
		else if (!strcmp(key, "variant")) str = r->variant;
		else if (!strcmp(key, "workers")) NUM("%d", r->workers);
		else if (!strcmp(key, "size")) NUM("%lld", r->size);
		else if (!strcmp(key, "phase")) str = r->phase;
		else if (!strcmp(key, "reps")) NUM("%zu", st->n);
		else if (!strcmp(key, "warmup")) NUM("%d", r->warmup);
		else if (!strcmp(key, "min_s")) STAT(st->min);
		else if (!strcmp(key, "median_s")) STAT(st->median);
		else if (!strcmp(key, "mean_s")) STAT(st->mean);
		else if (!strcmp(key, "max_s")) STAT(st->max);
		else if (!strcmp(key, "sd_s")) STAT(st->sd);
		else if (!strcmp(key, "ci95_lo_s")) STAT(st->ci95_lo);
		else if (!strcmp(key, "ci95_hi_s")) STAT(st->ci95_hi);
		else if (!strcmp(key, "outliers")) NUM("%d", st->outliers);
		else if (!strcmp(key, "ops")) NUM("%.15g", r->ops);
		else if (!strcmp(key, "op")) str = r->op_name ? r->op_name : "op";
		else if (!strcmp(key, "ns_per_op")) isfinite(per_op) ? NUM("%.6g", per_op) : NUM("%s", "null");
		else if (!strcmp(key, "ops_per_s")) isfinite(rate) ? NUM("%.6g", rate) : NUM("%s", "null");
		else if (!strcmp(key, "verdict")) str = hx_verdict_name(r->verdict);
		else if (!strcmp(key, "note")) str = r->note ? r->note : "";
		else if (!strcmp(key, "host")) str = p->host;
		else if (!strcmp(key, "cores")) NUM("%d", p->cores);
		else if (!strcmp(key, "affinity")) str = p->affinity;
		else if (!strcmp(key, "compiler")) str = p->compiler;
		else if (!strcmp(key, "mpi")) str = p->mpi;
		else if (!strcmp(key, "openmp")) str = p->openmp;
		else if (!strcmp(key, "git")) str = p->git;
		else if (!strcmp(key, "time_utc")) str = p->time_utc;
		else if (!strcmp(key, "command")) str = p->command;
#undef NUM
#undef STAT
		if (str != NULL)
			is_num = 0;
		if (f == HX_FMT_CSV) {
			if (i)
				sb_printf(&b, ",");
			if (is_num)
				sb_printf(&b, "%s", strcmp(num, "null") ? num : "");
			else
				sb_csv_string(&b, str);
		} else {
			sb_printf(&b, "%s\"%s\":", i ? "," : "{", key);
			if (is_num)
				sb_printf(&b, "%s", num);
			else
				sb_json_string(&b, str);
		}
	}
	sb_printf(&b, f == HX_FMT_JSON ? "}\n" : "\n");
	return b.overflow ? -1 : (int)b.used;
}
