/* driver.c: hx_main, the loop every program runs.
 *
 *   parse (rank 0) -> every rank learns the verdict -> for each variant, each worker count:
 *       setup -> warm-up reps, timed reps (run, then check outside the timed region)
 *       -> teardown -> max of the samples over ranks -> statistics -> one record per phase
 *
 * Rank 0 alone parses and prints; on MPI every rank leaves through the same path, so no
 * rank is left waiting whatever the outcome. */
#include "hx.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int say_enabled;

/* Every write to stdout is checked: a record that cannot be written (a full disk, a
 * closed pipe's reader gone) ends the program with HX_EXIT_SYSTEM, never a silent exit 0. */
static const char *prog_name = "tvp";

static _Noreturn void output_failed(const char *where, int err)
{
	fprintf(stderr, "%s: cannot write the records to %s: %s\n", prog_name, where, strerror(err));
	fflush(stderr);
	hx_backend_abort(HX_EXIT_SYSTEM);
}


/* what hx_result_median looks up: the cases run so far */
struct past {
	int variant, workers;
	long long size;
	double median;
};
static struct past *past;
static size_t npast, cap_past;

static void remember(const struct hx_case *c, double median)
{
	if (npast == cap_past) {
		size_t cap = cap_past ? 2 * cap_past : 64;
		struct past *p = realloc(past, cap * sizeof *p);
		if (p == NULL)
			hx_die(__FILE__, __LINE__, "realloc", "out of memory");
		past = p;
		cap_past = cap;
	}
	past[npast++] = (struct past){ c->variant, c->workers, c->size, median };
}

double hx_result_median(const struct hx_case *c, const char *variant, int workers)
{
	int v = hx_variant_index(c->ex, variant);
	for (size_t i = npast; i-- > 0;)
		if (past[i].variant == v && past[i].workers == workers && past[i].size == c->size)
			return past[i].median;
	return NAN;
}

void hx_suspect(struct hx_case *c, const char *fmt, ...)
{
	va_list ap;
	if (c->suspect[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->suspect, sizeof c->suspect, fmt, ap);
	va_end(ap);
}

/* The harness's own doubts about a measured case's figures (hx_suspect): a speedup
 * past HX_SUSPECT_SPEEDUP x the workers, a phase whose shortest time is 0 or less, a
 * median's 95% interval wider than the median. */
static void doubt(struct hx_case *c, const struct hx_stats *st, int ph, const char *phase)
{
	if (ph == 0 && !isnan(c->speedup) && c->speedup > HX_SUSPECT_SPEEDUP * c->workers)
		hx_suspect(c, "speedup %.2f is more than %.1f x %d workers", c->speedup,
			   HX_SUSPECT_SPEEDUP, c->workers);
	if (st->min <= 0)
		hx_suspect(c, "phase %s took %g s", phase, st->min);
	if (st->med_conf >= 0.95 && st->med_hi - st->med_lo > st->median)
		hx_suspect(c, "phase %s: the median's interval is wider than the median", phase);
	/* both modes, each the median of its group, and how many repetitions fell in it */
	if (st->bimodal) {
		char key[48];
		snprintf(key, sizeof key, "modes_%s_s", phase);
		hx_note(c, key, "%.3gx%zu,%.3gx%zu", st->mode_lo, st->n_lo, st->mode_hi,
			st->n - st->n_lo);
	}
}

void hx_note(struct hx_case *c, const char *key, const char *fmt, ...)
{
	size_t used = strlen(c->note);
	va_list ap;
	int n;

	if (used + 2 >= sizeof c->note)
		return;
	n = snprintf(c->note + used, sizeof c->note - used, "%s%s=", used ? " " : "", key);
	if (n < 0 || (size_t)n >= sizeof c->note - used) {
		c->note[used] = '\0';
		return;
	}
	used += (size_t)n;
	va_start(ap, fmt);
	vsnprintf(c->note + used, sizeof c->note - used, fmt, ap);
	va_end(ap);
}

void hx_say(const struct hx_case *c, const char *fmt, ...)
{
	va_list ap;
	int n;
	(void)c;
	if (!say_enabled)
		return;
	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	if (n < 0 || fflush(stdout) != 0)
		output_failed("standard output", errno);
}

static int nphases(const struct hx_exercise *ex)
{
	int n = 0;
	if (ex->phases == NULL)
		return 1;
	while (n < HX_MAX_PHASES && ex->phases[n] != NULL)
		n++;
	return n;
}

/* Default worker counts: the exercise's own list, or 1, 2, 4, ... up to the backend's
 * default ceiling (online cores, OMP_NUM_THREADS, or MPI ranks) and the ceiling itself.
 * On MPI, defaults above the number of ranks are dropped. */
static void default_workers(const struct hx_exercise *ex, struct hx_opts *o)
{
	int top = hx_backend_max_default(), cap = hx_backend_max_workers();
	int list[HX_MAX_LIST], n = 0;
	o->nworkers = 0;
	if (ex->workers_default != NULL)
		n = ex->workers_default(o, list, HX_MAX_LIST);
	else
		for (; ex->workers_def != NULL && n < HX_MAX_LIST && ex->workers_def[n] > 0; n++)
			list[n] = ex->workers_def[n];
	for (int i = 0; i < n; i++)
		if (list[i] <= cap)
			o->workers[o->nworkers++] = list[i];
	if (o->nworkers > 0)
		return;
	if (top < 1)
		top = 1;
	for (int w = 1; w < top && o->nworkers < HX_MAX_LIST - 1; w *= 2)
		o->workers[o->nworkers++] = w;
	o->workers[o->nworkers++] = top;
}

static int check_workers(const struct hx_exercise *ex, struct hx_opts *o, char *err, size_t len)
{
	int cap = hx_backend_max_workers();
	if (!o->workers_set) {
		default_workers(ex, o);
		return HX_PARSE_OK;
	}
	for (int i = 0; i < o->nworkers; i++) {
		if (o->workers[i] > cap) {
			if (strcmp(hx_backend_name, "mpi") == 0)
				snprintf(err, len,
					 "%s: option -w/--workers: %d is more than the %d MPI ranks "
					 "(start more with mpirun -np %d)",
					 ex->name, o->workers[i], cap, o->workers[i]);
			else if (strcmp(hx_backend_name, "hybrid") == 0)
				snprintf(err, len,
					 "%s: option -w/--workers: %d is more than the %d threads of "
					 "this job (MPI ranks x OMP_NUM_THREADS)",
					 ex->name, o->workers[i], cap);
			else
				snprintf(err, len,
					 "%s: option -w/--workers: %d is more than the %d threads "
					 "OMP_THREAD_LIMIT allows",
					 ex->name, o->workers[i], cap);
			return HX_PARSE_ERROR;
		}
	}
	return HX_PARSE_OK;
}

static void emit(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) != 0)
		output_failed("standard output", errno);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* --save FILE: records appended in CSV (header when the file is new) or JSON lines.
 * Opened while the command line is checked, so a file that cannot be written is a usage
 * error naming the option, before anything is printed. NULL with `err` filled. */
static FILE *open_save(const struct hx_exercise *ex, const char *path, char *err, size_t len)
{
	FILE *fp = fopen(path, "a");
	if (fp == NULL)
		snprintf(err, len, "%s: option --save: cannot append to '%s': %s", ex->name, path,
			 strerror(errno));
	return fp;
}

static enum hx_format save_format(const char *path)
{
	return ends_with(path, ".json") || ends_with(path, ".jsonl") ? HX_FMT_JSON : HX_FMT_CSV;
}

static void save_line(const char *path, FILE *fp, const char *line)
{
	if (fputs(line, fp) == EOF || fflush(fp) != 0)
		output_failed(path, errno);
}

/* Repetition `rep` of the case (warm-up ones first; -1 a calibration run, neither):
 * run, then check outside the timing, with the watchdog armed around both; c->t, c->note
 * and c->verdict are this repetition's. */
static void one_repetition(struct hx_case *c, int rep)
{
	c->rep = rep;
	c->timed = rep >= c->opts->warmup;
	memset(c->t, 0, sizeof c->t);
	c->note[0] = '\0';
	c->verdict = HX_PASS;
	hx_watchdog_arm(c);
	c->ex->run(c);
	c->ex->check(c);
	hx_watchdog_disarm();
}

/* ---- calibration and the reference loop (EPCC's syncbench method) -----------------------
 * An exercise with ex->calibrate: when -n was not given, its inner repetitions start at
 * calib_start (or size_def) and double in untimed (but validated) runs until one run's
 * shortest phase lasts --target-ms (several doublings at once when a run is far short: to
 * the power of two its time says reaches the target), so no per-op figure comes from a
 * sample near the clock's resolution. Rank 0 decides each step for every rank of the case
 * (hx_backend_case_worst carries its factor, 0 to stop). Bounds: size_max, the
 * exercise's check_opts at the grown size, a run whose ops did not grow (ipc caps big
 * messages), and CALIB_CAP_NS of calibration per case. */
#define CALIB_CAP_NS 3000000000ULL
#define CALIB_JUMP_MAX 1024 /* the most one step multiplies the size by */
/* Timed samples shorter than the target after calibrating: the case runs again from twice
 * the size, at most this many times. */
#define CALIB_RETRIES 2

/* the inner repetitions of a case: -n, which is c->size unless the exercise sweeps sizes */
static long long inner_reps(const struct hx_case *c)
{
	return c->ex->sizes != NULL ? c->opts->size : c->size;
}

static void set_inner_reps(struct hx_case *c, struct hx_opts *own, long long n)
{
	own->size = n;
	c->opts = own;
	if (c->ex->sizes == NULL)
		c->size = n;
}

/* One untimed run at the current size: state, setup, run, check, teardown. Returns the
 * agreed verdict; *t0 is this rank's shortest timed phase (HX_NOT_MEASURED: none),
 * *ops the ops. */
static enum hx_verdict calib_run(struct hx_case *c, double *t0, double *ops)
{
	const struct hx_exercise *ex = c->ex;
	enum hx_verdict v = HX_PASS;

	c->state = ex->state_size > 0 ? hx_calloc(1, ex->state_size) : NULL;
	c->verdict = HX_PASS;
	c->note[0] = '\0';
	if (ex->setup != NULL && ex->setup(c) == HX_NA)
		v = HX_NA;
	if (v != HX_NA) {
		one_repetition(c, -1); /* before the warm-up: neither warm-up nor timed */
		for (int ph = 0; ph < nphases(ex); ph++)
			if (c->t[ph] >= 0 && (*t0 < 0 || c->t[ph] < *t0))
				*t0 = c->t[ph];
		*ops = c->ops;
		v = c->verdict;
		if (ex->teardown != NULL)
			ex->teardown(c);
	}
	free(c->state);
	c->state = NULL;
	return (enum hx_verdict)hx_backend_case_worst((int)v);
}

/* 1 when the exercise accepts -n = n (its size bounds and its own cross-option check) */
static int size_fits(const struct hx_case *c, long long n)
{
	struct hx_opts o = *c->opts;
	char err[256];
	if (n > c->ex->size_max)
		return 0;
	o.size = n;
	return c->ex->check_opts == NULL || c->ex->check_opts(&o, err, sizeof err) == 0;
}

/* Grows the inner repetitions of c from n (own: the case's copy of the options). Returns
 * HX_PASS, or the verdict that stopped it (a run that failed, or HX_NA). */
static enum hx_verdict calibrate(struct hx_case *c, struct hx_opts *own, long long n)
{
	uint64_t start = hx_now_ns();
	double target = c->opts->target_ms * 1e-3, prev_ops = -1;
	long long prev_n = n;

	if (c->opts != own)
		*own = *c->opts;
	set_inner_reps(c, own, n);
	for (;;) {
		double t0 = HX_NOT_MEASURED, t1 = HX_NOT_MEASURED, ops = 0;
		int grow = 0;
		/* two runs a size, the shorter counts: the first run of a case pays for what
		 * a warm-up would (creating the workers, first touches), and one run may be
		 * slowed by another program */
		enum hx_verdict v = calib_run(c, &t0, &ops);
		if (v == HX_FAIL || v == HX_NA)
			return v;
		v = calib_run(c, &t1, &ops);
		if (v == HX_FAIL || v == HX_NA)
			return v;
		if (t1 >= 0 && t1 < t0)
			t0 = t1;
		if (ops == prev_ops) { /* the exercise capped it: the last size was as good */
			set_inner_reps(c, own, prev_n);
			break;
		}
		prev_ops = ops;
		if (hx_backend_rank() == 0 && t0 >= 0 && t0 < target &&
		    hx_now_ns() - start < CALIB_CAP_NS) {
			/* doubling, several times at once when the run was far short of it */
			grow = 2;
			while (grow < CALIB_JUMP_MAX && grow * t0 < target)
				grow *= 2;
			while (grow > 2 && !size_fits(c, grow * n))
				grow /= 2;
			if (!size_fits(c, grow * n))
				grow = 0;
		}
		grow = hx_backend_case_worst(grow); /* rank 0's decision, on every rank */
		if (!grow)
			break;
		prev_n = n;
		n *= grow;
		set_inner_reps(c, own, n);
	}
	return HX_PASS;
}

/* The reference loop (ex->refloop): warm-up and timed repetitions as many as the case's, at
 * its size, with c->refloop = 1. Its verdict and note are not the case's (the primitive is
 * left out): both are put back. This rank's median seconds per op go to c->ref_op_s. */
static void reference_loop(struct hx_case *c)
{
	const struct hx_opts *o = c->opts;
	enum hx_verdict verdict = c->verdict;
	char note[HX_NOTE_LEN];
	double *t = hx_calloc((size_t)o->reps, sizeof *t);
	size_t n = 0;

	memcpy(note, c->note, sizeof note);
	c->refloop = 1;
	for (int rep = 0; rep < o->warmup + o->reps; rep++) {
		one_repetition(c, rep);
		if (c->timed && c->t[0] >= 0)
			t[n++] = c->t[0];
	}
	c->refloop = 0;
	if (n > 0 && c->ops > 0)
		c->ref_op_s = hx_median(t, n) / c->ops;
	memcpy(c->note, note, sizeof note);
	c->verdict = verdict;
	free(t);
}

/* every sample of a phase timed (none HX_NOT_MEASURED) */
static int phase_measured_at(const double *t, int n)
{
	for (int i = 0; i < n; i++)
		if (t[i] < 0)
			return 0;
	return 1;
}

/* the shortest timed sample of any phase (this rank's), NAN when none */
static double shortest_sample(const struct hx_case *c, const double *samples, int done)
{
	double least = NAN;
	for (int ph = 0; ph < nphases(c->ex) && done > 0; ph++) {
		const double *t = samples + (size_t)ph * (size_t)c->opts->reps;
		double m = phase_measured_at(t, done) ? hx_quantile(t, (size_t)done, 0.0) : NAN;
		if (!isnan(m) && (isnan(least) || m < least))
			least = m;
	}
	return least;
}

/* Calibrated, but a timed sample came out shorter than the target (a calibration run
 * slowed by another program stopped the growth too early): 1 when the case is to be run
 * again from twice the size, rank 0's decision on every rank. */
static int calib_again(const struct hx_case *c, const double *samples, int done, int attempt)
{
	int again = 0;
	if (hx_backend_rank() == 0) {
		double least = shortest_sample(c, samples, done);
		again = attempt < CALIB_RETRIES && !isnan(least) && least >= 0 &&
			least < c->opts->target_ms * 1e-3 && size_fits(c, 2 * inner_reps(c));
	}
	return hx_backend_case_worst(again);
}

/* The record's word on calibration: the inner repetitions it chose (or calibrated=0 with
 * -n given), and the shortest timed sample (this rank's, of any phase) when it is shorter
 * than the target, calibrated or not (a calibration run slowed by another program can
 * reach the target when the timed ones do not). */
static void calib_note(struct hx_case *c, int calibrated, const double *samples, int done)
{
	double least = shortest_sample(c, samples, done);
	int short_sample = !isnan(least) && least >= 0 && least < c->opts->target_ms * 1e-3;
	if (calibrated)
		hx_note(c, "calibrated", "1 target_ms=%d inner=%lld", c->opts->target_ms,
			inner_reps(c));
	else if (short_sample)
		hx_note(c, "calibrated", "0 target_ms=%d", c->opts->target_ms);
	if (short_sample)
		hx_note(c, "sample_ms", "%.3g", least * 1e3);
}

/* Runs one case on this rank; returns its verdict, and in *done how many timed
 * repetitions were run (fewer than asked when one failed). samples[phase * reps + k]. */
static enum hx_verdict run_case(struct hx_case *c, double *samples, int *done)
{
	const struct hx_exercise *ex = c->ex;
	const struct hx_opts *o = c->opts;
	int np = nphases(ex), total = o->warmup + o->reps, calibrated;
	enum hx_verdict worst = HX_PASS, v;
	static struct hx_opts calib_opts; /* a calibrated case's options: its own -n */

	c->verdict = HX_PASS;
	*done = 0;
	if (ex->not_applicable != NULL) {
		const char *why = ex->not_applicable(c);
		if (why != NULL) {
			hx_note(c, "reason", "not applicable: %s", why);
			return HX_NA;
		}
	}
	calibrated = ex->calibrate && !o->size_set;
	for (int attempt = 0;; attempt++) {
		if (calibrated) {
			long long from = attempt > 0 ? 2 * inner_reps(c)
				       : ex->calib_start > 0 ? ex->calib_start : inner_reps(c);
			v = calibrate(c, &calib_opts, from);
			if (v == HX_FAIL || v == HX_NA)
				return v;
			o = c->opts;
		}
		c->state = ex->state_size > 0 ? hx_calloc(1, ex->state_size) : NULL;
		if (ex->setup != NULL && ex->setup(c) == HX_NA) {
			free(c->state);
			c->state = NULL;
			return HX_NA;
		}
		worst = HX_PASS;
		*done = 0;
		for (int rep = 0; rep < total; rep++) {
			one_repetition(c, rep);
			if (c->timed) {
				for (int ph = 0; ph < np; ph++)
					samples[ph * o->reps + (rep - o->warmup)] = c->t[ph];
				(*done)++;
			}
			/* on MPI one rank may judge alone: all stop together, or none */
			v = (enum hx_verdict)hx_backend_case_worst((int)c->verdict);
			if (v > worst)
				worst = v;
			if (v == HX_FAIL || v == HX_NA)
				break;
		}
		if (!calibrated || worst == HX_FAIL || worst == HX_NA ||
		    !calib_again(c, samples, *done, attempt))
			break;
		if (ex->teardown != NULL)
			ex->teardown(c);
		free(c->state);
		c->state = NULL;
	}
	if (worst != HX_FAIL && worst != HX_NA && ex->refloop != NULL && ex->refloop(c))
		reference_loop(c);
	if (ex->calibrate && worst != HX_NA)
		calib_note(c, calibrated, samples, *done);
	if (ex->teardown != NULL)
		ex->teardown(c);
	free(c->state);
	c->state = NULL;
	return worst;
}

/* Where rank 0 writes the records. */
struct sink {
	const struct hx_exercise *ex;
	const struct hx_opts *o;
	struct hx_provenance prov;
	char *line;
	size_t linelen;
	FILE *save;
	enum hx_format save_fmt;
	struct hx_cpu_times cpu0; /* /proc/stat when the program started */
	int steal_warned;         /* the steal warning was given */
};

/* One case on every rank: the ranks that take part run it, then every rank learns the
 * worst verdict, and rank 0 the timed repetitions run and the slowest rank's time in
 * each. */
static enum hx_verdict run_everywhere(struct hx_case *c, double *samples, size_t nsamples,
				      int *done)
{
	enum hx_verdict v = HX_PASS;
	double agreed[2];

	*done = 0;
	/* what a rank outside the case adds to the maximum below: nothing (not 0, which
	 * would turn a phase no rank could time, HX_NOT_MEASURED, into a time of 0) */
	for (size_t i = 0; i < nsamples; i++)
		samples[i] = -DBL_MAX;
	if (hx_backend_enter(c->workers))
		v = run_case(c, samples, done);
	hx_backend_leave();
	agreed[0] = (double)v;
	agreed[1] = (double)*done;
	hx_backend_max(agreed, 2);
	hx_backend_bcast(agreed, sizeof agreed);
	hx_backend_max(samples, nsamples);
	*done = (int)agreed[1];
	return (enum hx_verdict)(int)agreed[0];
}

/* 0 when the backend could not time this phase (every sample HX_NOT_MEASURED): its
 * record's figures are left empty, never written as 0 */
static int phase_measured(const double *t, int n)
{
	for (int i = 0; i < n; i++)
		if (t[i] >= 0)
			return 1;
	return 0;
}

/* Rank 0, before a case's records are written: what the backend adds to the case's
 * note. This default, a weak symbol, adds nothing; the hybrid adapter
 * (hybrid/hx_backend.c) defines its own (ranks=R threads=T). */
void hx_backend_case_note(struct hx_case *c);
__attribute__((weak)) void hx_backend_case_note(struct hx_case *c)
{
	(void)c;
}

/* Rank 0: statistics over the `done` timed repetitions, the exercise's finish hook,
 * one record per phase. */
static void report(struct sink *k, struct hx_case *c, enum hx_verdict v, const double *samples,
		   int done)
{
	const struct hx_exercise *ex = k->ex;
	int reps = k->o->reps, measured = v != HX_NA && done > 0, timed[HX_MAX_PHASES], timed_any;
	struct hx_stats st[HX_MAX_PHASES];
	struct hx_cpu_times cpu1;
	double load1 = hx_loadavg(), steal, idle;

	hx_cpu_times(&cpu1);
	steal = hx_steal_pct(&k->cpu0, &cpu1);
	idle = hx_idle_pct(&k->cpu0, &cpu1);
	if (!k->steal_warned && hx_machine_busy(NAN, steal, k->prov.cores)) {
		fprintf(stderr, "%s: warning: a hypervisor took %.1f%% of the CPU time since the "
			"start: the figures may be noisy (records: loaded=1)\n", ex->name, steal);
		k->steal_warned = 1;
	}
	for (int ph = 0; ph < nphases(ex); ph++) {
		const double *mine = samples + (size_t)ph * (size_t)reps;
		memset(&st[ph], 0, sizeof st[ph]);
		timed[ph] = measured && phase_measured(mine, done);
		if (timed[ph] && hx_stats_compute(mine, (size_t)done, &st[ph]) != 0)
			hx_die(__FILE__, __LINE__, "hx_stats_compute", "out of memory");
	}
	timed_any = timed[0];
	for (int ph = 1; ph < nphases(ex); ph++)
		timed_any |= timed[ph];
	if (timed_any) { /* phase 0 may be one the backend cannot time (squares' spawn) */
		remember(c, !isnan(c->figure) ? c->figure : timed[0] ? st[0].median : NAN);
		if (ex->finish != NULL)
			ex->finish(c, &st[0]);
	}
	for (int ph = 0; ph < nphases(ex); ph++)
		if (timed[ph])
			doubt(c, &st[ph], ph, ex->phases ? ex->phases[ph] : "run");
	if (timed[0] && !isnan(c->ref_op_s) && c->ops > 0)
		hx_note(c, "ref_ns", "%.3g overhead_ns=%.3g", c->ref_op_s * 1e9,
			(st[0].median / c->ops - c->ref_op_s) * 1e9);
	if (v == HX_PASS && c->suspect[0] != '\0') {
		v = HX_SUSPECT;
		hx_note(c, "suspect", "\"%s\"", c->suspect);
	}
	/* the case's own binding and hosts (the provenance's fields, per case) */
	hx_backend_case_info(c->workers, &k->prov);
	hx_backend_case_note(c);
	for (int ph = 0; ph < nphases(ex); ph++) {
		/* a case this backend has no such thing for: one line in the table, and no
		 * record elsewhere unless asked (--all-records) */
		int table_row = k->o->format == HX_FMT_TABLE && (v != HX_NA || ph == 0);
		int record = v != HX_NA || k->o->all_records;
		struct hx_record r = {
			.exercise = ex->name, .variant = c->variant_name, .backend = hx_backend_name,
			.phase = v == HX_NA && k->o->format == HX_FMT_TABLE && nphases(ex) > 1 ? "-"
				 : ex->phases ? ex->phases[ph] : "run",
			.workers = c->workers,
			.size = c->size, .reps = timed[ph] ? done : 0, .warmup = k->o->warmup,
			.ops = c->ops, .op_name = ex->op_name, .verdict = v, .note = c->note,
			.load1 = load1, .steal_pct = steal, .idle_pct = idle,
			.loaded = hx_machine_busy(k->prov.load_start, steal, k->prov.cores) ||
				  hx_machine_busy(load1, NAN, k->prov.cores),
			.st = st[ph],
		};
		if ((k->o->format == HX_FMT_TABLE ? table_row : record) &&
		    hx_record_write(k->line, k->linelen, k->o->format, &r, &k->prov) > 0)
			emit(k->line);
		r.phase = ex->phases ? ex->phases[ph] : "run";
		if (record && k->save != NULL &&
		    hx_record_write(k->line, k->linelen, k->save_fmt, &r, &k->prov) > 0)
			save_line(k->o->save, k->save, k->line);
	}
	if (v == HX_FAIL)
		fprintf(stderr, "%s: %s variant %s at %d workers FAILED validation: %s\n", ex->name,
			hx_backend_name, c->variant_name, c->workers, c->note);
}

static void sort_ints(int *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* One order of the cases whatever the order of the options: the variants as the
 * descriptor lists them, the worker counts ascending (sizes come ascending from the
 * exercise). A case that compares with an earlier one (hx_result_median) then finds
 * the same cases before it, e.g. sumsquares' serial and squares' next smaller pool. */
static void canonical_order(struct hx_opts *o)
{
	sort_ints(o->variants, o->nvariants);
	sort_ints(o->workers, o->nworkers);
}

/* Rank 0 parses (and opens --save's file); every rank learns the outcome. Returns
 * HX_PARSE_*. */
static int parse_everywhere(const struct hx_exercise *ex, int argc, char **argv, struct hx_opts *o,
			    FILE **save)
{
	int rc = HX_PARSE_OK;

	memset(o, 0, sizeof *o);
	*save = NULL;
	if (hx_backend_rank() == 0) {
		const size_t outlen = 16384;
		char err[1024], *out = hx_alloc(outlen);
		rc = hx_parse(ex, argc, argv, o, err, sizeof err, out, outlen);
		if (rc == HX_PARSE_OK)
			rc = check_workers(ex, o, err, sizeof err);
		if (rc == HX_PARSE_OK)
			canonical_order(o);
		if (rc == HX_PARSE_OK && o->save[0] != '\0' &&
		    (*save = open_save(ex, o->save, err, sizeof err)) == NULL)
			rc = HX_PARSE_ERROR;
		if (rc == HX_PARSE_ERROR)
			fprintf(stderr, "%s\n", err);
		else if (rc == HX_PARSE_EXIT)
			emit(out);
		fflush(stderr);
		free(out);
	}
	hx_backend_bcast(&rc, sizeof rc);
	if (rc == HX_PARSE_OK)
		hx_backend_bcast(o, sizeof *o);
	return rc;
}

/* Rank 0, before the first case: the machine's state (a warning when it is busy), the
 * provenance and the heading or CSV header, and --save's header. */
static void open_output(struct sink *k, int argc, char **argv)
{
	const struct hx_opts *o = k->o;
	const char *name = k->ex->name;

	hx_cpu_times(&k->cpu0);
	hx_provenance_fill(&k->prov, argc, argv);
	if (hx_machine_busy(k->prov.load_start, NAN, k->prov.cores))
		fprintf(stderr,
			"%s: warning: the load average is %.2f on %d CPUs: other programs share "
			"the machine, so the figures may be noisy (records: loaded=1)\n",
			name, k->prov.load_start, k->prov.cores);
	if (o->format == HX_FMT_TABLE && !o->quiet &&
	    hx_provenance_write(k->line, k->linelen, &k->prov, name, hx_backend_name) > 0)
		emit(k->line);
	if ((o->format == HX_FMT_CSV || (o->format == HX_FMT_TABLE && !o->quiet)) &&
	    hx_record_header(k->line, k->linelen, o->format) > 0)
		emit(k->line);
	if (k->save != NULL) {
		k->save_fmt = save_format(o->save);
		if (k->save_fmt == HX_FMT_CSV && ftell(k->save) == 0 &&
		    hx_record_header(k->line, k->linelen, k->save_fmt) > 0)
			save_line(o->save, k->save, k->line);
	}
}

int hx_main(const struct hx_exercise *ex, int argc, char **argv)
{
	struct hx_opts o;
	struct sink k = { .ex = ex, .o = &o, .linelen = 8192, .save_fmt = HX_FMT_CSV };
	long long sizes[HX_MAX_SIZES];
	int rc, rank, failed = 0, nsizes, ncases;
	size_t nsamples;

	hx_backend_init(&argc, &argv);
	rank = hx_backend_rank();
	prog_name = ex->name;
	rc = parse_everywhere(ex, argc, argv, &o, &k.save);
	if (rc != HX_PARSE_OK) {
		hx_backend_finalize();
		return rc == HX_PARSE_EXIT ? HX_EXIT_OK : HX_EXIT_USAGE;
	}
	hx_bind_start(o.bind);
	say_enabled = rank == 0 && o.format == HX_FMT_TABLE && !o.quiet;
	k.line = hx_alloc(k.linelen);
	if (rank == 0)
		open_output(&k, argc, argv);

	nsizes = ex->sizes != NULL ? ex->sizes(&o, sizes, HX_MAX_SIZES) : 0;
	if (nsizes <= 0) {
		sizes[0] = o.size;
		nsizes = 1;
	}
	/* every variant, at every worker count, at every size, in that order */
	ncases = o.nvariants * o.nworkers * nsizes;
	nsamples = (size_t)nphases(ex) * (size_t)o.reps;
	for (int i = 0; i < ncases; i++) {
		struct hx_case c = { .ex = ex, .opts = &o, .figure = NAN, .reference = NAN,
				     .speedup = NAN, .ref_op_s = NAN };
		double *samples = hx_calloc(nsamples, sizeof(double));
		enum hx_verdict v;
		int done;

		c.variant = o.variants[i / (o.nworkers * nsizes)];
		c.variant_name = ex->variants[c.variant].name;
		c.workers = o.workers[i / nsizes % o.nworkers];
		c.size = sizes[i % nsizes];
		v = run_everywhere(&c, samples, nsamples, &done);
		if (v == HX_FAIL)
			failed = 1;
		if (rank == 0)
			report(&k, &c, v, samples, done);
		free(samples);
	}
	free(k.line);
	free(past);
	if (k.save != NULL && fclose(k.save) != 0)
		output_failed(o.save, errno);
	if (rank == 0 && fflush(stdout) != 0)
		output_failed("standard output", errno);
	hx_backend_finalize();
	if (rank == 0 && fclose(stdout) != 0) {
		fprintf(stderr, "%s: cannot write the records to standard output: %s\n", ex->name,
			strerror(errno));
		return HX_EXIT_SYSTEM;
	}
	return failed ? HX_EXIT_INVALID : HX_EXIT_OK;
}
