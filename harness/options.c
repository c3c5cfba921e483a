/* options.c: the command line, parsed in one place for every exercise and backend.
 *
 * Strict on purpose: a benchmark that silently reads "-n 10x" as 10, or "-w -2" as
 * something, produces numbers nobody asked for. Every rejected input gets one line
 * naming the option, and the program exits with HX_EXIT_USAGE. */
#include "hx.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HX_VERSION
#define HX_VERSION "0.1.0"
#endif


#define REPS_MAX 1000000
#define WARMUP_MAX 1000000
#define WATCHDOG_DEF 300
#define WATCHDOG_MAX 86400
#define TARGET_MS_DEF 1
#define TARGET_MS_MAX 10000

/* the name of an option as a user sees it: "-n/--size" or "--chunk" */
static void optname(char *buf, size_t len, char shortname, const char *longname)
{
	if (shortname)
		snprintf(buf, len, "-%c/--%s", shortname, longname);
	else
		snprintf(buf, len, "--%s", longname);
}

static int fail(char *err, size_t errlen, const char *exname, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *exname, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: ", exname);
	if (n < 0 || (size_t)n >= errlen)
		return HX_PARSE_ERROR;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return HX_PARSE_ERROR;
}

/* A value as shown in a message: whole when short, else its start and "...", so a long
 * value never pushes the reason out of the one line. */
#define SHOWN_MAX 48
static const char *shown(const char *s, char *buf, size_t len)
{
	if (strlen(s) <= SHOWN_MAX)
		return s;
	snprintf(buf, len, "%.*s...", SHOWN_MAX - 3, s);
	return buf;
}

/* Parses a whole number in [min, max]. Returns 0, or writes why not into `why`. */
static int parse_number(const char *s, long long min, long long max, int bytes, long long *out,
			char *why, size_t whylen)
{
	const char *p = s;
	char *end, sbuf[SHOWN_MAX + 1];
	long long v, mult = 1;

	s = shown(s, sbuf, sizeof sbuf);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		snprintf(why, whylen, "missing value");
		return -1;
	}
	if (!(isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1])))) {
		snprintf(why, whylen, "'%s' is not a whole number", s);
		return -1;
	}
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno == ERANGE) {
		snprintf(why, whylen, "'%s' is too large (at most %lld)", s, max);
		return -1;
	}
	if (bytes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1LL << 10; end++; break;
		case 'm': case 'M': mult = 1LL << 20; end++; break;
		case 'g': case 'G': mult = 1LL << 30; end++; break;
		default: break;
		}
	}
	if (*end != '\0') {
		char ebuf[SHOWN_MAX + 1];
		snprintf(why, whylen, "'%s' is not a whole number (trailing '%s')", s,
			 shown(end, ebuf, sizeof ebuf));
		return -1;
	}
	if (mult > 1) {
		if (v > max / mult || v < -(max / mult) - 1) {
			snprintf(why, whylen, "'%s' is too large (at most %lld)", s, max);
			return -1;
		}
		v *= mult;
	}
	if (v < min) {
		snprintf(why, whylen, "%s is too small (at least %lld)", s, min);
		return -1;
	}
	if (v > max) {
		snprintf(why, whylen, "%s is too large (at most %lld)", s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int hx_variant_count(const struct hx_exercise *ex)
{
	int n = 0;
	while (ex->variants[n].name != NULL)
		n++;
	return n;
}

int hx_variant_index(const struct hx_exercise *ex, const char *name)
{
	for (int i = 0; ex->variants[i].name != NULL; i++)
		if (strcmp(ex->variants[i].name, name) == 0)
			return i;
	return -1;
}

static int nxopts(const struct hx_exercise *ex)
{
	int n = 0;
	if (ex->xopts == NULL)
		return 0;
	while (ex->xopts[n].longname != NULL)
		n++;
	return n;
}

long long hx_opt(const struct hx_opts *o, int idx)
{
	return o->x[idx][0];
}

long long hx_opt_hi(const struct hx_opts *o, int idx)
{
	return o->x[idx][1];
}

int hx_opt_given(const struct hx_opts *o, int idx)
{
	return o->xset[idx];
}

/* "1,2,4" -> workers[] */
static int parse_workers(const struct hx_exercise *ex, const char *name, const char *s,
			 struct hx_opts *o, char *err, size_t errlen)
{
	char why[160], item[64];
	const char *p = s;
	long long v;

	o->nworkers = 0;
	if (*s == '\0')
		return fail(err, errlen, ex->name, "option %s: missing value", name);
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n >= sizeof item)
			return fail(err, errlen, ex->name, "option %s: '%.40s...' is too long", name, p);
		memcpy(item, p, n);
		item[n] = '\0';
		if (n == 0)
			return fail(err, errlen, ex->name, "option %s: empty item in '%s'", name, s);
		if (parse_number(item, 1, HX_MAX_WORKERS, 0, &v, why, sizeof why) != 0)
			return fail(err, errlen, ex->name, "option %s: %s", name, why);
		if (o->nworkers == HX_MAX_LIST)
			return fail(err, errlen, ex->name, "option %s: more than %d worker counts", name,
				    HX_MAX_LIST);
		for (int k = 0; k < o->nworkers; k++)
			if (o->workers[k] == (int)v)
				return fail(err, errlen, ex->name,
					    "option %s: %lld is listed twice (each count runs once)",
					    name, v);
		o->workers[o->nworkers++] = (int)v;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	o->workers_set = 1;
	return HX_PARSE_OK;
}

static int parse_variants(const struct hx_exercise *ex, const char *s, struct hx_opts *o,
			  char *err, size_t errlen)
{
	char item[64], names[512], sbuf[SHOWN_MAX + 1];
	const char *p = s;
	size_t used = 0;

	o->nvariants = 0;
	if (*s == '\0')
		return fail(err, errlen, ex->name, "option --variant: missing value");
	for (;;) {
		size_t n = strcspn(p, ",");
		int idx;
		if (n == 0 || n >= sizeof item)
			return fail(err, errlen, ex->name, "option --variant: bad list '%s'",
				    shown(s, sbuf, sizeof sbuf));
		memcpy(item, p, n);
		item[n] = '\0';
		if (strcmp(item, "all") == 0) {
			if (o->nvariants > 0 || p[n] != '\0')
				return fail(err, errlen, ex->name,
					    "option --variant: 'all' cannot be combined with other variants");
			for (int i = 0; ex->variants[i].name != NULL && i < HX_MAX_VARIANTS; i++)
				o->variants[o->nvariants++] = i;
		} else if ((idx = hx_variant_index(ex, item)) >= 0) {
			if (o->nvariants == HX_MAX_VARIANTS)
				return fail(err, errlen, ex->name, "option --variant: too many variants");
			for (int k = 0; k < o->nvariants; k++)
				if (o->variants[k] == idx)
					return fail(err, errlen, ex->name,
						    "option --variant: '%s' is listed twice (each variant runs once)",
						    item);
			o->variants[o->nvariants++] = idx;
		} else {
			names[0] = '\0';
			for (int i = 0; ex->variants[i].name != NULL; i++) {
				int k = snprintf(names + used, sizeof names - used, "%s, ",
						 ex->variants[i].name);
				if (k > 0 && (size_t)k < sizeof names - used)
					used += (size_t)k;
			}
			return fail(err, errlen, ex->name,
				    "option --variant: unknown variant '%s' (one of: %sall)", item, names);
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return HX_PARSE_OK;
}

static void append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *out, size_t outlen, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (*used >= outlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *used, outlen - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < outlen - *used ? (size_t)n : outlen - *used - 1;
}

static void help_text(const struct hx_exercise *ex, char *out, size_t outlen);

static void set_defaults(const struct hx_exercise *ex, struct hx_opts *o)
{
	memset(o, 0, sizeof *o);
	o->size = ex->size_def;
	o->reps = ex->reps_def > 0 ? ex->reps_def : 10;
	o->warmup = ex->warmup_def >= 0 ? ex->warmup_def : 2;
	o->format = HX_FMT_TABLE;
	o->watchdog_s = WATCHDOG_DEF;
	o->target_ms = TARGET_MS_DEF;
	for (int i = 0; ex->variants[i].name != NULL && i < HX_MAX_VARIANTS; i++)
		o->variants[o->nvariants++] = i;
	for (int i = 0; i < nxopts(ex) && i < HX_MAX_XOPTS; i++) {
		o->x[i][0] = ex->xopts[i].def;
		o->x[i][1] = ex->xopts[i].kind == HX_OPT_RANGE ? ex->xopts[i].def2 : ex->xopts[i].def;
	}
}

static int parse_xopt(const struct hx_exercise *ex, int idx, const char *name, const char *val,
		      struct hx_opts *o, char *err, size_t errlen)
{
	const struct hx_optdef *d = &ex->xopts[idx];
	char why[160];
	long long v;

	switch (d->kind) {
	case HX_OPT_FLAG:
		o->x[idx][0] = o->x[idx][1] = 1;
		break;
	case HX_OPT_INT:
		if (parse_number(val, d->min, d->max, d->bytes, &v, why, sizeof why) != 0)
			return fail(err, errlen, ex->name, "option %s: %s", name, why);
		if (d->pow2 && (v & (v - 1)) != 0)
			return fail(err, errlen, ex->name, "option %s: %lld is not a power of two",
				    name, v);
		o->x[idx][0] = o->x[idx][1] = v;
		break;
	case HX_OPT_RANGE: {
		char lo[64], sbuf[SHOWN_MAX + 1];
		const char *colon = strchr(val, ':');
		long long v2;
		size_t n = colon ? (size_t)(colon - val) : 0;
		if (colon == NULL || n == 0 || n >= sizeof lo || strchr(colon + 1, ':') != NULL)
			return fail(err, errlen, ex->name, "option %s: '%s' is not MIN:MAX", name,
				    shown(val, sbuf, sizeof sbuf));
		memcpy(lo, val, n);
		lo[n] = '\0';
		if (parse_number(lo, d->min, d->max, d->bytes, &v, why, sizeof why) != 0 ||
		    parse_number(colon + 1, d->min, d->max, d->bytes, &v2, why, sizeof why) != 0)
			return fail(err, errlen, ex->name, "option %s: %s", name, why);
		if (v > v2)
			return fail(err, errlen, ex->name, "option %s: MIN %lld is above MAX %lld", name,
				    v, v2);
		if (d->pow2 && ((v & (v - 1)) != 0 || (v2 & (v2 - 1)) != 0))
			return fail(err, errlen, ex->name, "option %s: %lld is not a power of two",
				    name, (v & (v - 1)) != 0 ? v : v2);
		o->x[idx][0] = v;
		o->x[idx][1] = v2;
		break;
	}
	case HX_OPT_CHOICE: {
		int k;
		for (k = 0; d->choices[k] != NULL; k++)
			if (strcmp(d->choices[k], val) == 0)
				break;
		if (d->choices[k] == NULL) {
			char names[256] = "";
			size_t u = 0;
			for (int j = 0; d->choices[j] != NULL; j++)
				append(names, sizeof names, &u, "%s%s", j ? ", " : "", d->choices[j]);
			char sbuf[SHOWN_MAX + 1];
			return fail(err, errlen, ex->name, "option %s: unknown value '%s' (one of: %s)",
				    name, shown(val, sbuf, sizeof sbuf), names);
		}
		o->x[idx][0] = o->x[idx][1] = k;
		break;
	}
	}
	o->xset[idx] = 1;
	return HX_PARSE_OK;
}

/* ---- the common options: one table ---------------------------------------------------
 * Each option: its names, its value's name (NULL: it takes none), its help, and the
 * function that stores it. */
struct parse {
	const struct hx_exercise *ex;
	struct hx_opts *o;
	const char *name; /* as a user sees it: "-n/--size" */
	char *err, *out;
	size_t errlen, outlen;
};

static int bad_number(struct parse *p, const char *val, long long min, long long max, long long *v)
{
	char why[256];
	if (parse_number(val, min, max, 0, v, why, sizeof why) == 0)
		return HX_PARSE_OK;
	return fail(p->err, p->errlen, p->ex->name, "option %s: %s", p->name, why);
}

static int set_size(struct parse *p, const char *val)
{
	p->o->size_set = 1;
	return bad_number(p, val, p->ex->size_min, p->ex->size_max, &p->o->size);
}

static int set_workers(struct parse *p, const char *val)
{
	return parse_workers(p->ex, p->name, val, p->o, p->err, p->errlen);
}

/* a count in [min, max] into *dst */
static int set_count(struct parse *p, const char *val, int min, int max, int *dst)
{
	long long v = 0;
	int rc = bad_number(p, val, min, max, &v);
	*dst = (int)v;
	return rc;
}
static int set_reps(struct parse *p, const char *val) { return set_count(p, val, 1, REPS_MAX, &p->o->reps); }
static int set_warmup(struct parse *p, const char *val) { return set_count(p, val, 0, WARMUP_MAX, &p->o->warmup); }
static int set_watchdog(struct parse *p, const char *val) { return set_count(p, val, 0, WATCHDOG_MAX, &p->o->watchdog_s); }
static int set_target(struct parse *p, const char *val) { return set_count(p, val, 1, TARGET_MS_MAX, &p->o->target_ms); }

static int set_variant(struct parse *p, const char *val)
{
	return parse_variants(p->ex, val, p->o, p->err, p->errlen);
}

static int set_format(struct parse *p, enum hx_format f)
{
	if (p->o->format != HX_FMT_TABLE && p->o->format != f)
		return fail(p->err, p->errlen, p->ex->name,
			    "option %s: --%s was given too (one record format at a time)", p->name,
			    f == HX_FMT_CSV ? "json" : "csv");
	p->o->format = f;
	return HX_PARSE_OK;
}
static int set_csv(struct parse *p, const char *val) { (void)val; return set_format(p, HX_FMT_CSV); }
static int set_json(struct parse *p, const char *val) { (void)val; return set_format(p, HX_FMT_JSON); }

static int set_quiet(struct parse *p, const char *val)
{
	(void)val;
	p->o->quiet = 1;
	return HX_PARSE_OK;
}

static int set_all_records(struct parse *p, const char *val)
{
	(void)val;
	p->o->all_records = 1;
	return HX_PARSE_OK;
}

static int set_save(struct parse *p, const char *val)
{
	if (*val == '\0' || strlen(val) >= sizeof p->o->save)
		return fail(p->err, p->errlen, p->ex->name, "option %s: %s file name", p->name,
			    *val ? "too long a" : "missing");
	if (p->o->save[0] != '\0')
		return fail(p->err, p->errlen, p->ex->name,
			    "option %s: given twice (records go to one file)", p->name);
	snprintf(p->o->save, sizeof p->o->save, "%s", val);
	return HX_PARSE_OK;
}

/* --bind MODE, and the environment's TVP_BIND (the default: what a job asks for) */
static int bind_value(const char *val, int *mode)
{
	if (strcmp(val, "cores") == 0)
		*mode = HX_BIND_CORES;
	else if (strcmp(val, "none") == 0)
		*mode = HX_BIND_NONE;
	else
		return -1;
	return 0;
}

static int set_bind(struct parse *p, const char *val)
{
	char sbuf[SHOWN_MAX + 1];
	if (bind_value(val, &p->o->bind) != 0)
		return fail(p->err, p->errlen, p->ex->name,
			    "option %s: unknown value '%s' (one of: cores, none)", p->name,
			    *val ? shown(val, sbuf, sizeof sbuf) : "");
	p->o->bind_set = 1;
	return HX_PARSE_OK;
}

static int set_help(struct parse *p, const char *val)
{
	(void)val;
	help_text(p->ex, p->out, p->outlen);
	return HX_PARSE_EXIT;
}

static int set_version(struct parse *p, const char *val)
{
	(void)val;
	char built[256];
	hx_backend_build(built, sizeof built);
	snprintf(p->out, p->outlen, "%s (tvp suite) %s, backend %s\nbuilt with: %s\n", p->ex->name,
		 HX_VERSION, hx_backend_name, built);
	return HX_PARSE_EXIT;
}

/* --help's words for an option whose default depends on the exercise or backend */
static void help_size(const struct hx_exercise *ex, char *buf, size_t len)
{
	if (ex->calibrate)
		snprintf(buf, len, "%s (%lld..%lld; default: calibrated,\nfrom %lld up, see --target-ms)",
			 ex->size_name, ex->size_min, ex->size_max,
			 ex->calib_start > 0 ? ex->calib_start : ex->size_def);
	else
		snprintf(buf, len, "%s (default %lld, %lld..%lld)", ex->size_name, ex->size_def,
			 ex->size_min, ex->size_max);
}
static void help_workers(const struct hx_exercise *ex, char *buf, size_t len)
{
	(void)ex;
	if (strcmp(hx_backend_name, "mpi") == 0)
		snprintf(buf, len, "ranks per case, e.g. 1,2,4: the first W ranks take\n"
			 "part (default: 1, 2, 4, ... and all ranks)");
	else
		snprintf(buf, len, "worker counts to run, e.g. 1,2,4 (1..%d; default:\n"
			 "1, 2, 4, ... up to the online cores)", HX_MAX_WORKERS);
}
static void help_reps(const struct hx_exercise *ex, char *buf, size_t len)
{
	snprintf(buf, len, "timed repetitions (default %d)", ex->reps_def > 0 ? ex->reps_def : 10);
}
static void help_warmup(const struct hx_exercise *ex, char *buf, size_t len)
{
	snprintf(buf, len, "untimed warm-up repetitions (default %d)",
		 ex->warmup_def >= 0 ? ex->warmup_def : 2);
}
static void help_watchdog(const struct hx_exercise *ex, char *buf, size_t len)
{
	(void)ex;
	snprintf(buf, len, "a repetition running longer is a hang: the stuck\n"
		 "workers are named, exit 3 (default %d, 0: off)", WATCHDOG_DEF);
}

static void help_target(const struct hx_exercise *ex, char *buf, size_t len)
{
	if (ex->calibrate)
		snprintf(buf, len, "without -n, -n grows (doubling) until one sample\n"
			 "lasts MS milliseconds (default %d, 1..%d)", TARGET_MS_DEF, TARGET_MS_MAX);
	else
		snprintf(buf, len, "calibration target (default %d, 1..%d; %s does\n"
			 "not calibrate)", TARGET_MS_DEF, TARGET_MS_MAX, ex->name);
}

static const struct common_opt {
	char shortname;
	const char *longname, *metavar;
	int (*set)(struct parse *p, const char *val);
	const char *help; /* "\n" starts a continuation line */
	void (*help_of)(const struct hx_exercise *ex, char *buf, size_t len); /* or this */
} common[] = {
	{ 'n', "size", "N", set_size, NULL, help_size },
	{ 'w', "workers", "LIST", set_workers, NULL, help_workers },
	{ 'r', "reps", "N", set_reps, NULL, help_reps },
	{ 'x', "warmup", "N", set_warmup, NULL, help_warmup },
	{ 0, "variant", "LIST", set_variant, "variants to run, comma-separated, or all (default)", NULL },
	{ 0, "csv", NULL, set_csv, "CSV records (a header, then one line per case)", NULL },
	{ 0, "json", NULL, set_json, "JSON records (one object per line)", NULL },
	{ 'q', "quiet", NULL, set_quiet, "records only: no provenance or progress lines", NULL },
	{ 0, "save", "FILE", set_save, "also append the records to FILE: CSV, or JSON lines\n"
					"when FILE ends in .json or .jsonl", NULL },
	{ 0, "all-records", NULL, set_all_records, "also write the cases that are not applicable on\n"
						   "this backend as records (CSV, JSON, --save)", NULL },
	{ 0, "watchdog", "SEC", set_watchdog, NULL, help_watchdog },
	{ 0, "target-ms", "MS", set_target, NULL, help_target },
	{ 0, "bind", "MODE", set_bind, "cores: worker w on the w-th CPU the process may use\n"
				       "(threads, processes, OpenMP places; MPI: checks the\n"
				       "launcher's); none (default, unless TVP_BIND is set)", NULL },
	{ 'h', "help", NULL, set_help, "this help", NULL },
	{ 0, "version", NULL, set_version, "version and backend", NULL },
};
#define NCOMMON (int)(sizeof common / sizeof common[0])

/* One option's line of --help: "  -n, --size N        what it is", continuation lines
 * (after a newline in `help`) indented under the text. */
static void help_line(char *out, size_t outlen, size_t *u, char shortname, const char *longname,
		      const char *metavar, const char *help)
{
	char left[64];
	const char *nl;
	snprintf(left, sizeof left, "%c%c%s --%s%s%s", shortname ? '-' : ' ',
		 shortname ? shortname : ' ', shortname ? "," : " ", longname, metavar ? " " : "",
		 metavar ? metavar : "");
	append(out, outlen, u, "  %-18s  ", left);
	while ((nl = strchr(help, '\n')) != NULL) {
		append(out, outlen, u, "%.*s\n%22s", (int)(nl - help), help, "");
		help = nl + 1;
	}
	append(out, outlen, u, "%s", help);
}

static void help_text(const struct hx_exercise *ex, char *out, size_t outlen)
{
	size_t u = 0;
	int mpi = strcmp(hx_backend_name, "mpi") == 0;

	append(out, outlen, &u, "usage: %s%s [options]\n", mpi ? "mpirun -np N " : "", ex->name);
	append(out, outlen, &u, "%s (backend: %s, a worker is a%s %s)\n\n", ex->summary,
	       hx_backend_name, hx_worker_kind[0] == 'r' ? "n MPI" : "", hx_worker_kind);
	append(out, outlen, &u, "options:\n");
	for (int i = 0; i < NCOMMON; i++) {
		char buf[256];
		const struct common_opt *c = &common[i];
		if (c->help_of != NULL)
			c->help_of(ex, buf, sizeof buf);
		help_line(out, outlen, &u, c->shortname, c->longname, c->metavar,
			  c->help_of != NULL ? buf : c->help);
		append(out, outlen, &u, "\n");
	}
	for (int i = 0; i < nxopts(ex); i++) {
		const struct hx_optdef *d = &ex->xopts[i];
		help_line(out, outlen, &u, d->shortname, d->longname, d->metavar, d->help);
		if (d->kind == HX_OPT_INT)
			append(out, outlen, &u, " (default %lld, %lld..%lld)", d->def, d->min, d->max);
		else if (d->kind == HX_OPT_RANGE)
			append(out, outlen, &u, " (default %lld:%lld)", d->def, d->def2);
		else if (d->kind == HX_OPT_CHOICE) {
			append(out, outlen, &u, " (");
			for (int k = 0; d->choices[k] != NULL; k++)
				append(out, outlen, &u, "%s%s", k ? "|" : "", d->choices[k]);
			append(out, outlen, &u, "; default %s)", d->choices[d->def]);
		}
		append(out, outlen, &u, "\n");
	}
	append(out, outlen, &u, "\nvariants:\n");
	for (int i = 0; ex->variants[i].name != NULL; i++)
		append(out, outlen, &u, "  %-10s %s\n", ex->variants[i].name, ex->variants[i].help);
	append(out, outlen, &u,
	       "\nexit status: 0 validated, 1 a result failed validation, 2 bad usage,\n"
	       "3 a system or library call failed.\n");
}

/* Does `arg` name the option (shortname, longname)? "--long" and "--long=V", "-s" and
 * "-sV"; *val is set to an attached value. */
static int names(const char *arg, char shortname, const char *longname, const char **val)
{
	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');
		size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (strlen(longname) != n || strncmp(longname, arg + 2, n) != 0)
			return 0;
		*val = eq ? eq + 1 : NULL;
		return 1;
	}
	if (shortname == 0 || arg[1] != shortname)
		return 0;
	*val = arg[2] != '\0' ? arg + 2 : NULL;
	return 1;
}

/* Finds what `arg` names: a common option (*c) or the exercise's option *x; fills
 * p->name and *val. Returns 0 when it names none. */
static int lookup(struct parse *p, const char *arg, const struct common_opt **c, int *x,
		  const char **val, char *name, size_t namelen)
{
	*c = NULL;
	*x = -1;
	for (int k = 0; k < NCOMMON; k++)
		if (names(arg, common[k].shortname, common[k].longname, val)) {
			*c = &common[k];
			optname(name, namelen, common[k].shortname, common[k].longname);
			return 1;
		}
	for (int k = 0; k < nxopts(p->ex); k++)
		if (names(arg, p->ex->xopts[k].shortname, p->ex->xopts[k].longname, val)) {
			*x = k;
			optname(name, namelen, p->ex->xopts[k].shortname, p->ex->xopts[k].longname);
			return 1;
		}
	return 0;
}

/* An option that names nothing: "unknown option '--foo'" (a long one shown without its
 * value, cut to fit) */
static int unknown(struct parse *p, const char *arg)
{
	char buf[SHOWN_MAX + 1], sbuf[SHOWN_MAX + 1];
	size_t n = arg[1] == '-' && strchr(arg, '=') ? (size_t)(strchr(arg, '=') - arg) : strlen(arg);
	snprintf(buf, sizeof buf, "%.*s", (int)(n < SHOWN_MAX ? n : SHOWN_MAX), arg);
	if (n > SHOWN_MAX)
		snprintf(buf, sizeof buf, "%.*s...", SHOWN_MAX - 3, arg);
	return fail(p->err, p->errlen, p->ex->name, "unknown option '%s' (try --help)",
		    shown(buf, sbuf, sizeof sbuf));
}

/* One option at argv[*i] (its value may be the next word: *i moves past it). */
static int parse_one(struct parse *p, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i], *val = NULL;
	const struct common_opt *c;
	char name[64], sbuf[SHOWN_MAX + 1];
	int x, takes_value;

	if (arg[0] != '-' || arg[1] == '\0')
		return fail(p->err, p->errlen, p->ex->name, "unexpected argument '%s' (try --help)",
			    shown(arg, sbuf, sizeof sbuf));
	if (!lookup(p, arg, &c, &x, &val, name, sizeof name))
		return unknown(p, arg);
	p->name = name;
	takes_value = c != NULL ? c->metavar != NULL : p->ex->xopts[x].kind != HX_OPT_FLAG;
	if (takes_value && val == NULL) {
		if (*i + 1 >= argc)
			return fail(p->err, p->errlen, p->ex->name, "option %s: missing value", name);
		val = argv[++*i];
	} else if (!takes_value && val != NULL) {
		return fail(p->err, p->errlen, p->ex->name, "option %s takes no value (got '%s')",
			    name, shown(val, sbuf, sizeof sbuf));
	}
	return c != NULL ? c->set(p, val) : parse_xopt(p->ex, x, name, val, p->o, p->err, p->errlen);
}

int hx_parse(const struct hx_exercise *ex, int argc, char *const argv[], struct hx_opts *o,
	     char *err, size_t errlen, char *out, size_t outlen)
{
	struct parse p = { ex, o, "", err, out, errlen, outlen };

	if (err && errlen)
		err[0] = '\0';
	if (out && outlen)
		out[0] = '\0';
	set_defaults(ex, o);
	if (nxopts(ex) > HX_MAX_XOPTS)
		return fail(err, errlen, ex->name, "too many exercise options (internal)");
	for (int i = 1; i < argc; i++) {
		int rc;
		if (strcmp(argv[i], "--") == 0) { /* the end of the options: nothing may follow */
			char sbuf[SHOWN_MAX + 1];
			if (i + 1 < argc)
				return fail(err, errlen, ex->name,
					    "unexpected argument '%s' after -- (try --help)",
					    shown(argv[i + 1], sbuf, sizeof sbuf));
			break;
		}
		rc = parse_one(&p, argc, argv, &i);
		if (rc != HX_PARSE_OK)
			return rc;
	}
	if (!o->bind_set && getenv("TVP_BIND") != NULL && getenv("TVP_BIND")[0] != '\0' &&
	    bind_value(getenv("TVP_BIND"), &o->bind) != 0) {
		char sbuf[SHOWN_MAX + 1];
		return fail(err, errlen, ex->name,
			    "option --bind: the environment's TVP_BIND='%s' is not cores or none",
			    shown(getenv("TVP_BIND"), sbuf, sizeof sbuf));
	}
	if (ex->check_opts != NULL) {
		char why[256] = "";
		if (ex->check_opts(o, why, sizeof why) != 0)
			return fail(err, errlen, ex->name, "%s", why);
	}
	return HX_PARSE_OK;
}
