/* sumsquares.c: what every backend shares about `sumsquares`: the kernel (a loop,
 * compiled once), the serial baseline, the validator (the closed form, used here
 * only), the speedup and efficiency against the serial run.
 * The parallel part is ss_run() in openmp/, mpi/ and posix/sumsquares.c.
 *
 * The baseline rule: speedup and efficiency of a case are against a serial map timed in
 * the same repetitions, alternating with the parallel one: each repetition first times
 * the serial map (the `serial` phase: ss_serial_seconds, ss_map over 0..N-1, the loop a
 * POSIX worker maps its share with; OpenMP's and MPI's are theirs, the same call of the
 * kernel per index), then the parallel one (the `run` phase). The
 * backend's ss_run runs both: the baseline on the case's first worker alone while the
 * others wait asleep, then the map with every worker woken. OpenMP and MPI through
 * hx_alone (ss_baseline_alone: the master thread outside any region; rank 0 while the
 * other ranks of the case sleep in a barrier, the ranks outside it in the harness's,
 * so an oversubscribed rank 0 does not share its core with busy-polling ranks);
 * pthreads and procs inside their team, worker 0 while the others sleep at a barrier
 * (posix/sumsquares.c says why).
 * Speedup = median serial / median run: a machine whose speed drifts over minutes (a
 * core taken by another program, a VM's neighbours) moves both alike. The `serial`
 * variant is the seed's serial loop as a case of its own, on one worker only: at W > 1
 * it is reported not applicable.
 * Run: build/openmp/sumsquares -n 60000 -w 1,2 */
#include "sumsquares.h"

#include "hx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* One multiply and one add per step under every compiler: the empty asm makes the
 * running sum a value the compiler cannot see through, so it can neither replace the
 * loop by the closed form (clang at -O2 does, without it) nor vectorise it. */
__attribute__((noinline)) uint64_t ss_sum_square(uint64_t n)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		sum += i * i;
		__asm__ volatile("" : "+r"(sum));
	}
	return sum;
}

__attribute__((noinline)) void ss_map(uint64_t *out, long lo, long hi, long step)
{
	for (long i = lo; i < hi; i += step)
		out[i] = ss_sum_square((uint64_t)i);
}

uint64_t ss_expected(uint64_t n)
{
	unsigned __int128 v;
	if (n == 0)
		return 0;
	v = (unsigned __int128)(n - 1) * n * (2 * (unsigned __int128)n - 1) / 6;
	return (uint64_t)v;
}

long ss_first_wrong(const uint64_t *out, long n)
{
	for (long i = 0; i < n; i++)
		if (out[i] != ss_expected((uint64_t)i))
			return i;
	return -1;
}

long ss_merge_chunks(uint64_t *out, long n, long chunk, const long *starts, long nstarts,
		     const uint64_t *vals)
{
	long twice = 0;

	for (long j = 0; j < nstarts; j++) {
		long lo = starts[j], len = lo >= 0 && lo < n ? (n - lo < chunk ? n - lo : chunk) : 0;
		if (lo < 0 || lo >= n)
			continue; /* nothing can be placed: its indices stay poisoned */
		for (long i = 0; i < len; i++) {
			if (out[lo + i] == SS_POISON) {
				out[lo + i] = vals[i];
			} else {
				out[lo + i] = SS_TWICE;
				twice++;
			}
		}
		vals += len;
	}
	return twice;
}

struct serial_map {
	uint64_t *out;
	long n;
};

static void serial_map(void *arg)
{
	const struct serial_map *m = arg;
	ss_map(m->out, 0, m->n, 1);
}

double ss_serial_seconds(uint64_t *out, long n)
{
	struct serial_map m = { out, n };
	return hx_time(serial_map, &m);
}

static void baseline_measure(void *arg)
{
	const struct ss_args *a = arg;
	*a->serial_seconds = ss_serial_seconds(a->serial_out, a->n);
}

void ss_baseline_alone(const struct ss_args *a)
{
	if (a->serial_out != NULL)
		hx_alone(baseline_measure, (void *)a);
}

struct ss_state {
	struct ss_args args;
	uint64_t *out;
	uint64_t *serial_out; /* the serial phase's map (rank 0, parallel cases) */
};

enum { SS_PHASE_RUN, SS_PHASE_SERIAL };

enum { X_CHUNK, X_COUNT }; /* ss_xopts, below */

/* serial is the exercise's own loop, the same on every backend, at one worker */
static const char *ss_na_case(const struct hx_case *c)
{
	if (c->variant == SS_SERIAL)
		return c->workers > 1 ? "serial runs on one worker: its figure is the W=1 row" : NULL;
	return ss_na((enum ss_variant)c->variant);
}

static int ss_setup(struct hx_case *c)
{
	struct ss_state *s = c->state;

	s->args.variant = (enum ss_variant)c->variant;
	s->args.workers = c->workers;
	s->args.n = (long)c->size;
	s->args.chunk = (long)hx_opt(c->opts, X_CHUNK);
	s->out = hx_calloc((size_t)c->size, sizeof *s->out);
	c->ops = (double)c->size;
	if (c->variant != SS_SERIAL)
		s->serial_out = hx_calloc((size_t)c->size, sizeof *s->serial_out);
	return 0;
}

static void ss_run_case(struct hx_case *c)
{
	struct ss_state *s = c->state;

	/* a stale result must not pass: poison every element before the run */
	for (long i = 0; i < s->args.n; i++)
		s->out[i] = SS_POISON;
	c->t[SS_PHASE_SERIAL] = HX_NOT_MEASURED; /* but on the rank that times it */
	if (s->args.variant == SS_SERIAL) { /* one worker; on MPI that is rank 0 alone */
		c->t[SS_PHASE_RUN] = ss_serial_seconds(s->out, s->args.n);
	} else { /* the baseline, then the parallel map: the backend runs both */
		for (long i = 0; i < s->args.n; i++)
			s->serial_out[i] = SS_POISON;
		s->args.serial_out = s->serial_out;
		s->args.serial_seconds = &c->t[SS_PHASE_SERIAL];
		ss_run(&s->args, s->out, &c->t[SS_PHASE_RUN]);
	}
}

/* Outside the timed region; on MPI the map is gathered on rank 0, which judges. */
static void ss_check(struct hx_case *c)
{
	struct ss_state *s = c->state;
	long bad;

	if (hx_backend_rank() != 0)
		return;
	if (s->serial_out != NULL && (bad = ss_first_wrong(s->serial_out, s->args.n)) >= 0) {
		hx_note(c, "serial_first_wrong", "%ld", bad);
		c->verdict = HX_FAIL;
		return;
	}
	bad = ss_first_wrong(s->out, s->args.n);
	if (bad >= 0) {
		hx_note(c, "first_wrong", "%ld", bad);
		hx_note(c, "got", "%llu", (unsigned long long)s->out[bad]);
		hx_note(c, "expected", "%llu", (unsigned long long)ss_expected((uint64_t)bad));
		c->verdict = HX_FAIL;
		return;
	}
	hx_note(c, "checked", "%ld", s->args.n);
	hx_note(c, "last", "%llu", (unsigned long long)s->out[s->args.n - 1]);
}

static void ss_teardown(struct hx_case *c)
{
	struct ss_state *s = c->state;
	free(s->out);
	free(s->serial_out);
}

/* Rank 0, after the statistics: speedup and efficiency against the serial map timed
 * in the same repetitions (phase[SS_PHASE_SERIAL]). */
static void ss_finish(struct hx_case *c, const struct hx_stats *phase)
{
	double base = phase[SS_PHASE_SERIAL].median, par = phase[SS_PHASE_RUN].median;

	if (c->variant == SS_SERIAL || phase[SS_PHASE_SERIAL].n == 0 || par <= 0 || base <= 0)
		return;
	c->speedup = base / par; /* the harness doubts one past 1.1 x W */
	hx_note(c, "speedup", "%.3f", c->speedup);
	hx_note(c, "efficiency", "%.3f", c->speedup / c->workers);
	hx_note(c, "baseline", "interleaved");
	hx_note(c, "serial_s", "%.6f", base);
}

static int ss_check_opts(const struct hx_opts *o, char *err, size_t errlen)
{
	if (o->size > SS_MAX_N) {
		snprintf(err, errlen,
			 "option -n/--size: %lld is too large: N*N/2 = %.2g inner steps for one "
			 "repetition, more than the budget of %.2g (N at most %lld)", o->size,
			 (double)o->size * (double)o->size / 2, (double)SS_MAX_N * SS_MAX_N / 2,
			 SS_MAX_N);
		return -1;
	}
	return 0;
}

static const struct hx_variant ss_variants[] = {
	{ "serial", "one worker, n = 0..N-1 in order: the baseline of speedup and efficiency" },
	{ "static", "N/W contiguous blocks, one per worker (the last block holds the most work)" },
	{ "cyclic", "round robin: worker w takes n = w, w+W, w+2W, ..." },
	{ "dynamic", "a shared counter: each worker grabs the next -c indices until none are left" },
	{ "guided", "grabs shrink with the work left (OpenMP's guided), never below -c" },
	{ NULL, NULL },
};

/* run: the map, timed (the parallel one, or the serial variant's); serial: the serial
 * map of the same repetition, timed alone before it (the baseline) */
static const char *const ss_phases[] = { [SS_PHASE_RUN] = "run", [SS_PHASE_SERIAL] = "serial",
					 NULL };

static const struct hx_optdef ss_xopts[] = {
	[X_CHUNK] = { .shortname = 'c', .longname = "chunk", .kind = HX_OPT_INT, .metavar = "C",
	  .help = "indices per grab for dynamic, the smallest grab for guided",
	  .min = 1, .max = 1000000000, .def = 16 },
	[X_COUNT] = { 0 },
};

const struct hx_exercise sumsquares_exercise = {
	.name = "sumsquares",
	.summary = "map sum_square(n) = sum of i*i for i < n over n = 0..N-1; speedup against serial",
	.variants = ss_variants,
	.size_name = "elements N (the work grows as N*N/2)",
	.size_def = 10000,
	.size_min = 1,
	.size_max = 1000000000, /* the work budget SS_MAX_N is checked with a clearer message */
	.op_name = "element",
	.reps_def = 10,
	.warmup_def = 1,
	.phases = ss_phases,
	.xopts = ss_xopts,
	.check_opts = ss_check_opts,
	.not_applicable = ss_na_case,
	.state_size = sizeof(struct ss_state),
	.setup = ss_setup,
	.run = ss_run_case,
	.check = ss_check,
	.teardown = ss_teardown,
	.finish = ss_finish,
};
