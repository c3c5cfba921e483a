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
	case HX_SUSPECT: return "suspect";
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
	hx_cpu_list(p->affinity, sizeof p->affinity);
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
	hx_machine_fill(p);
	tidy(p->host);
	tidy(p->affinity);
	tidy(p->compiler);
	tidy(p->mpi);
	tidy(p->openmp);
	tidy(p->git);
	tidy(p->command);
	tidy(p->cpu_model);
	tidy(p->kernel);
	tidy(p->env);
	tidy(p->topology);
	tidy(p->binding);
	tidy(p->host_names);
}

int hx_provenance_write(char *buf, size_t len, const struct hx_provenance *p,
			const char *exercise, const char *backend)
{
	struct sb b = { buf, len, 0, 0 };
	sb_printf(&b, "# %s on %s: host %s, %d CPUs online (%s), affinity %s\n", exercise,
		  backend, p->host, p->cores, p->topology, p->affinity);
	sb_printf(&b, "# binding: %s\n", p->binding);
	sb_printf(&b, "# %s", p->compiler);
	if (strcmp(p->mpi, "none") != 0)
		sb_printf(&b, ", %s", p->mpi);
	if (strcmp(p->openmp, "none") != 0)
		sb_printf(&b, ", OpenMP %s", p->openmp);
	sb_printf(&b, ", git %s, %s\n", p->git, p->time_utc);
	sb_printf(&b, "# command: %s\n", p->command);
	if (strcmp(p->env, "none") != 0)
		sb_printf(&b, "# environment: %s\n", p->env);
	sb_printf(&b, "# %s, kernel %s, load average ", p->cpu_model, p->kernel);
	if (isnan(p->load_start))
		sb_printf(&b, "unknown\n");
	else
		sb_printf(&b, "%.2f at the start%s\n", p->load_start,
			  hx_machine_busy(p->load_start, NAN, p->cores) ? " (busy: figures may be noisy)"
									: "");
	return b.overflow ? -1 : (int)b.used;
}

/* ---- records ----------------------------------------------------------------------- */
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

/* What a column is computed from: the record, the provenance, and the derived figures. */
struct row {
	const struct hx_record *r;
	const struct hx_provenance *p;
	int measured;          /* there are timed samples (not n/a) */
	double per_op, rate;   /* ns per op and ops per second, NAN when none */
};

/* One value: text (`str`), or a number written into `num`; a number that does not
 * exist is "" (CSV: an empty field; JSON: null). */
struct cell {
	const char *str;
	char num[64];
};

static void num(struct cell *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void num(struct cell *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->num, sizeof c->num, fmt, ap);
	va_end(ap);
}

static void stat_cell(const struct row *w, struct cell *c, double v)
{
	if (w->measured)
		num(c, "%.9g", v);
}

/* a derived figure: empty when it does not exist */
static void figure(struct cell *c, double v)
{
	if (isfinite(v))
		num(c, "%.6g", v);
}

/* A getter for each column: `x` is the row, `c` the cell to fill. */
#define TEXT(name, expr) \
	static void get_##name(const struct row *x, struct cell *c) { c->str = (expr); }
#define NUMBER(name, fmt, expr) \
	static void get_##name(const struct row *x, struct cell *c) { num(c, fmt, expr); }
#define STAT(name) \
	static void get_##name(const struct row *x, struct cell *c) { stat_cell(x, c, x->r->st.name); }
TEXT(exercise, x->r->exercise)
TEXT(backend, x->r->backend)
TEXT(variant, x->r->variant)
NUMBER(workers, "%d", x->r->workers)
NUMBER(size, "%lld", x->r->size)
TEXT(phase, x->r->phase)
NUMBER(reps, "%zu", x->r->st.n)
NUMBER(warmup, "%d", x->r->warmup)
STAT(min)
STAT(median)
STAT(mean)
STAT(max)
/* one sample has no spread to estimate: empty, not 0 */
static void get_sd(const struct row *x, struct cell *c)
{
	if (x->r->st.n > 1)
		stat_cell(x, c, x->r->st.sd);
}
STAT(ci95_lo)
STAT(ci95_hi)
STAT(med_lo)
STAT(med_hi)
static void get_med_conf(const struct row *x, struct cell *c)
{
	if (x->measured)
		num(c, "%.4f", x->r->st.med_conf);
}
NUMBER(outliers, "%d", x->r->st.outliers)
NUMBER(ops, "%.15g", x->r->ops)
TEXT(op, x->r->op_name ? x->r->op_name : "op")
TEXT(verdict, hx_verdict_name(x->r->verdict))
TEXT(note, x->r->note ? x->r->note : "")
TEXT(host, x->p->host)
NUMBER(cores, "%d", x->p->cores)
TEXT(affinity, x->p->affinity)
TEXT(compiler, x->p->compiler)
TEXT(mpi, x->p->mpi)
TEXT(openmp, x->p->openmp)
TEXT(git, x->p->git)
TEXT(time_utc, x->p->time_utc)
TEXT(command, x->p->command)
TEXT(cpu_model, x->p->cpu_model)
TEXT(kernel, x->p->kernel)
TEXT(env, x->p->env)
TEXT(topology, x->p->topology)
TEXT(binding, x->p->binding)
NUMBER(hosts, "%d", x->p->hosts)
TEXT(host_names, x->p->host_names)
NUMBER(crossed_nodes, "%d", x->p->crossed_nodes)
static void get_load_start(const struct row *x, struct cell *c) { figure(c, x->p->load_start); }
static void get_load1(const struct row *x, struct cell *c) { figure(c, x->r->load1); }
static void get_steal_pct(const struct row *x, struct cell *c) { figure(c, x->r->steal_pct); }
static void get_idle_pct(const struct row *x, struct cell *c) { figure(c, x->r->idle_pct); }
NUMBER(loaded, "%d", x->r->loaded)
#undef TEXT
#undef NUMBER
#undef STAT
static void get_ns_per_op(const struct row *x, struct cell *c) { figure(c, x->per_op); }
static void get_ops_per_s(const struct row *x, struct cell *c) { figure(c, x->rate); }

/* The human table's own renderings of the timing columns */
static void show_time(struct cell *c, int measured, double s)
{
	human_time(c->num, sizeof c->num, measured ? s : NAN);
	c->str = c->num;
}
static void show_median(const struct row *x, struct cell *c) { show_time(c, x->measured, x->r->st.median); }
static void show_min(const struct row *x, struct cell *c) { show_time(c, x->measured, x->r->st.min); }
/* the median's 95% interval, its farther end from the median as a share of it; "-"
 * with fewer than 6 repetitions, whose [min, max] covers the median less often */
static void show_ci95(const struct row *x, struct cell *c)
{
	const struct hx_stats *st = &x->r->st;
	double far = fmax(st->median - st->med_lo, st->med_hi - st->median);
	if (x->measured && st->med_conf >= 0.95 && st->median > 0)
		num(c, "+-%.1f%%", 100.0 * far / st->median);
	else
		num(c, "-");
	c->str = c->num;
}
static void show_per_op(const struct row *x, struct cell *c)
{
	char t[24];
	c->str = c->num;
	if (!isfinite(x->per_op)) {
		num(c, "-");
		return;
	}
	human_time(t, sizeof t, x->per_op * 1e-9);
	num(c, "%s/%s", t, x->r->op_name ? x->r->op_name : "op");
}

/* Every column, in the records' order: its CSV header and JSON key (NULL: shown to a
 * human only), how its value is got, and its place in the human table: position
 * (1, 2, ...; 0: not there), heading, width (negative: aligned left), the space before
 * it, and a rendering of its own for a human (NULL: the value as it is). */
struct column {
	const char *key;
	void (*get)(const struct row *, struct cell *);
	int pos;
	const char *heading;
	int width;
	const char *gap;
	void (*show)(const struct row *, struct cell *);
};

static const struct column columns[] = {
	{ "exercise", get_exercise, 0, NULL, 0, NULL, NULL },
	{ "backend", get_backend, 0, NULL, 0, NULL, NULL },
	{ "variant", get_variant, 1, "variant", -10, "", NULL },
	{ "workers", get_workers, 2, "workers", 7, " ", NULL },
	{ "size", get_size, 3, "size", 11, " ", NULL },
	{ "phase", get_phase, 4, "phase", -9, " ", NULL },
	{ "reps", get_reps, 0, NULL, 0, NULL, NULL },
	{ "warmup", get_warmup, 0, NULL, 0, NULL, NULL },
	{ "min_s", get_min, 6, "min", 10, " ", show_min },
	{ "median_s", get_median, 5, "median", 10, " ", show_median },
	{ "mean_s", get_mean, 0, NULL, 0, NULL, NULL },
	{ "max_s", get_max, 0, NULL, 0, NULL, NULL },
	{ "sd_s", get_sd, 0, NULL, 0, NULL, NULL },
	{ "ci95_lo_s", get_ci95_lo, 0, NULL, 0, NULL, NULL },
	{ "ci95_hi_s", get_ci95_hi, 0, NULL, 0, NULL, NULL },
	{ "median_lo_s", get_med_lo, 0, NULL, 0, NULL, NULL },
	{ "median_hi_s", get_med_hi, 0, NULL, 0, NULL, NULL },
	{ "median_conf", get_med_conf, 0, NULL, 0, NULL, NULL },
	{ NULL, NULL, 7, "ci95", 8, " ", show_ci95 },
	{ "outliers", get_outliers, 0, NULL, 0, NULL, NULL },
	{ "ops", get_ops, 0, NULL, 0, NULL, NULL },
	{ "op", get_op, 0, NULL, 0, NULL, NULL },
	{ "ns_per_op", get_ns_per_op, 8, "per op", 12, " ", show_per_op },
	{ "ops_per_s", get_ops_per_s, 0, NULL, 0, NULL, NULL },
	{ "verdict", get_verdict, 9, "verdict", -7, "  ", NULL },
	{ "note", get_note, 10, "note", 0, " ", NULL },
	{ "host", get_host, 0, NULL, 0, NULL, NULL },
	{ "cores", get_cores, 0, NULL, 0, NULL, NULL },
	{ "affinity", get_affinity, 0, NULL, 0, NULL, NULL },
	{ "topology", get_topology, 0, NULL, 0, NULL, NULL },
	{ "binding", get_binding, 0, NULL, 0, NULL, NULL },
	{ "cpu_model", get_cpu_model, 0, NULL, 0, NULL, NULL },
	{ "kernel", get_kernel, 0, NULL, 0, NULL, NULL },
	{ "load_start", get_load_start, 0, NULL, 0, NULL, NULL },
	{ "load1", get_load1, 0, NULL, 0, NULL, NULL },
	{ "steal_pct", get_steal_pct, 0, NULL, 0, NULL, NULL },
	{ "idle_pct", get_idle_pct, 0, NULL, 0, NULL, NULL },
	{ "loaded", get_loaded, 0, NULL, 0, NULL, NULL },
	{ "compiler", get_compiler, 0, NULL, 0, NULL, NULL },
	{ "mpi", get_mpi, 0, NULL, 0, NULL, NULL },
	{ "openmp", get_openmp, 0, NULL, 0, NULL, NULL },
	{ "git", get_git, 0, NULL, 0, NULL, NULL },
	{ "time_utc", get_time_utc, 0, NULL, 0, NULL, NULL },
	{ "env", get_env, 0, NULL, 0, NULL, NULL },
	{ "command", get_command, 0, NULL, 0, NULL, NULL },
	/* added later: at the end, so readers by position keep working */
	{ "hosts", get_hosts, 0, NULL, 0, NULL, NULL },
	{ "host_names", get_host_names, 0, NULL, 0, NULL, NULL },
	{ "crossed_nodes", get_crossed_nodes, 0, NULL, 0, NULL, NULL },
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

/* The column at position `pos` of the human table, or NULL past the last. */
static const struct column *table_column(int pos)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (columns[i].pos == pos)
			return &columns[i];
	return NULL;
}

/* One line of the human table: the headings (x NULL) or a record's values. */
static void table_line(struct sb *b, const struct row *x)
{
	const struct column *col;
	for (int pos = 1; (col = table_column(pos)) != NULL; pos++) {
		struct cell c = { NULL, "" };
		const char *text = col->heading;
		if (x != NULL) {
			(col->show ? col->show : col->get)(x, &c);
			text = c.str != NULL ? c.str : c.num;
		}
		if (col->width == 0)
			sb_printf(b, "%s%s", col->gap, text);
		else
			sb_printf(b, "%s%*s", col->gap, col->width, text);
	}
	sb_printf(b, "\n");
}

int hx_record_header(char *buf, size_t len, enum hx_format f)
{
	struct sb b = { buf, len, 0, 0 };
	const char *sep = "";
	switch (f) {
	case HX_FMT_CSV:
		for (size_t i = 0; i < NCOLUMNS; i++)
			if (columns[i].key != NULL) {
				sb_printf(&b, "%s%s", sep, columns[i].key);
				sep = ",";
			}
		sb_printf(&b, "\n");
		break;
	case HX_FMT_TABLE:
		table_line(&b, NULL);
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
	struct row x = { r, p, r->verdict != HX_NA && r->st.n > 0, NAN, NAN };
	const char *sep = "";

	if (x.measured && r->ops > 0) {
		x.per_op = r->st.median / r->ops * 1e9;
		if (r->st.median > 0)
			x.rate = r->ops / r->st.median;
	}
	if (f == HX_FMT_TABLE) {
		table_line(&b, &x);
		return b.overflow ? -1 : (int)b.used;
	}
	/* CSV and JSON: the same columns in the same order */
	sb_printf(&b, "%s", f == HX_FMT_JSON ? "{" : "");
	for (size_t i = 0; i < NCOLUMNS; i++) {
		struct cell c = { NULL, "" };
		if (columns[i].key == NULL)
			continue;
		columns[i].get(&x, &c);
		if (f == HX_FMT_CSV) {
			sb_printf(&b, "%s", sep);
			if (c.str != NULL)
				sb_csv_string(&b, c.str);
			else
				sb_printf(&b, "%s", c.num);
		} else {
			sb_printf(&b, "%s\"%s\":", sep, columns[i].key);
			if (c.str != NULL)
				sb_json_string(&b, c.str);
			else
				sb_printf(&b, "%s", c.num[0] ? c.num : "null");
		}
		sep = ",";
	}
	sb_printf(&b, f == HX_FMT_JSON ? "}\n" : "\n");
	return b.overflow ? -1 : (int)b.used;
}
