/* factorial.c: what every backend shares about `factorial`: the kernel, the printing
 * of results as they complete, the validator, the hooks. The parallel part is
 * fac_open/fac_run/fac_close in openmp/, mpi/ and posix/factorial_*.c.
 * Run: build/pthreads/factorial --variant large -n 10 -w 5 -r 1   (the seed)
 *      build/pthreads/factorial --variant small -n 20000 -w 2      (dispatch cost) */
#include "factorial.h"

#include "hx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n! as a user who wants it computes it: mpz_fac_ui. The product loop this kernel used
 * to be (2*3*...*n, n-2 multiplications of an ever longer number by a word) made
 * `large -n 1000` barely faster than the seed's Python, whose math.factorial splits
 * the product in halves (binary splitting) as GMP does. No backend splits a task's
 * range, so each task is one whole n!. */
__attribute__((noinline)) void fac_compute(mpz_t out, unsigned long n)
{
	mpz_fac_ui(out, n);
}

void fac_report(const struct fac_args *a, long k, long j, const mpz_t value)
{
	unsigned long n = fac_task_n(a->variant, k);

	if (!a->print || j > FAC_PRINT_MAX)
		return;
	if (j == FAC_PRINT_MAX) {
		hx_say(a->c, "  ... (%ld more, not shown)\n", a->ntasks - FAC_PRINT_MAX);
		return;
	}
	if (mpz_sizeinbase(value, 10) <= 40) {
		char buf[48];
		mpz_get_str(buf, 10, value);
		hx_say(a->c, "  done #%ld: %lu! = %s\n", j + 1, n, buf);
	} else {
		char *s = mpz_get_str(NULL, 10, value);
		size_t len = strlen(s);
		void (*gmp_free)(void *, size_t);
		hx_say(a->c, "  done #%ld: %lu! has %zu digits (%.10s...)\n", j + 1, n, len, s);
		mp_get_memory_functions(NULL, NULL, &gmp_free);
		gmp_free(s, len + 1);
	}
}

void fac_serial(const struct fac_args *a, mpz_t *values, long *order)
{
	for (long k = 0; k < a->ntasks; k++) {
		fac_compute(values[k], fac_task_n(a->variant, k));
		order[k] = k;
		fac_report(a, k, k, values[k]);
	}
}

size_t fac_max_bytes(const struct fac_args *a)
{
	/* small repeats 1!..20!: its largest is 20! once there are 20 tasks */
	long k_max = a->variant == FAC_SMALL && a->ntasks > FAC_SMALL_MAX ? FAC_SMALL_MAX - 1
									  : a->ntasks - 1;
	size_t bytes;
	mpz_t big;

	mpz_init(big);
	mpz_fac_ui(big, fac_task_n(a->variant, k_max));
	bytes = (mpz_sizeinbase(big, 2) + 7) / 8;
	mpz_clear(big);
	return bytes;
}

/* The reference is not the kernel: a kernel that computes the wrong thing (the wrong
 * n, a double factorial, a truncated product) would agree with itself. So n! here is
 * the plain product 1*2*...*n, one mpz_mul_ui per factor, carried from task to task
 * (large: task k+1 is task k's value times k+2; small restarts at 1 each time n drops),
 * which costs N multiplications of a number by a word in all, not a factorial per
 * task. Every value is compared exactly, so a corrupted one (off by one, zero, another
 * task's) fails wherever it is. */
const char *fac_validate(const struct fac_args *a, mpz_t *values, const long *order, long *bad)
{
	char *seen = hx_calloc((size_t)a->ntasks, 1);
	const char *why = NULL;
	unsigned long have = 0; /* want = have! */
	mpz_t want;

	mpz_init_set_ui(want, 1);
	for (long k = 0; k < a->ntasks && why == NULL; k++) {
		unsigned long n = fac_task_n(a->variant, k);
		if (n < have) {
			mpz_set_ui(want, 1);
			have = 0;
		}
		while (have < n)
			mpz_mul_ui(want, want, ++have);
		if (mpz_cmp(values[k], want) != 0) {
			*bad = k;
			why = "a value differs from n! (the product 1*2*...*n)";
		}
	}
	for (long j = 0; j < a->ntasks && why == NULL; j++) {
		if (order[j] < 0 || order[j] >= a->ntasks) {
			*bad = j;
			why = "the completion order names no task";
		} else if (seen[order[j]]++) {
			*bad = j;
			why = "the completion order names a task twice";
		}
	}
	mpz_clear(want);
	free(seen);
	return why;
}

struct fac_state {
	struct fac_args args;
	void *ctx;
	mpz_t *values;
	long *order;
};

static int fac_setup(struct hx_case *c)
{
	struct fac_state *s = c->state;

	s->args.variant = (enum fac_variant)c->variant;
	s->args.workers = c->workers;
	s->args.ntasks = (long)c->size;
	s->args.c = c;
	s->values = hx_calloc((size_t)c->size, sizeof *s->values);
	s->order = hx_calloc((size_t)c->size, sizeof *s->order);
	for (long k = 0; k < s->args.ntasks; k++)
		mpz_init(s->values[k]);
	s->ctx = fac_open(&s->args);
	c->ops = (double)c->size;
	return 0;
}

/* Rank 0, after a timed run: the first results from the recorded completion order
 * (order[j] is the task that ended j-th), outside the timed region. */
static void fac_report_after(const struct fac_args *a, mpz_t *values, const long *order)
{
	struct fac_args p = *a;

	p.print = 1;
	for (long j = 0; j < a->ntasks && j <= FAC_PRINT_MAX; j++)
		if (order[j] >= 0 && order[j] < a->ntasks) /* else the validator says so */
			fac_report(&p, order[j], j, values[order[j]]);
}

/* Printing is I/O, so it never happens in a timed repetition: the first repetition
 * prints each result the moment its task ends when it is a warm-up (the default);
 * with -x 0 the first repetition is timed, and its results are printed after it from
 * the completion order it recorded (same order, same lines, said in the heading). */
static void fac_run_case(struct hx_case *c)
{
	struct fac_state *s = c->state;
	int after = c->rep == 0 && c->timed;

	/* a stale result must not pass: 0 is nobody's factorial, -1 nobody's index */
	for (long k = 0; k < s->args.ntasks; k++) {
		mpz_set_ui(s->values[k], 0);
		s->order[k] = -1;
	}
	s->args.print = c->rep == 0 && !c->timed;
	if (s->args.print)
		hx_say(c, "%s, %d workers: results as they complete\n", c->variant_name, c->workers);
	fac_run(s->ctx, &s->args, s->values, s->order, &c->t[0]);
	if (after && hx_backend_rank() == 0) {
		hx_say(c, "%s, %d workers: results as they complete (recorded in a timed "
		       "repetition, printed after it)\n", c->variant_name, c->workers);
		fac_report_after(&s->args, s->values, s->order);
	}
}

/* Outside the timed region; on MPI the results are on rank 0, which judges. */
static void fac_check(struct hx_case *c)
{
	struct fac_state *s = c->state;
	long bad = -1, last = s->args.ntasks - 1;
	const char *why;

	if (hx_backend_rank() != 0)
		return;
	why = fac_validate(&s->args, s->values, s->order, &bad);
	if (why != NULL) {
		hx_note(c, "error", "%s", why);
		hx_note(c, "at", "%ld", bad);
		c->verdict = HX_FAIL;
		return;
	}
	hx_note(c, "checked", "%ld", s->args.ntasks);
	hx_note(c, "last_n", "%lu", fac_task_n(s->args.variant, last));
	hx_note(c, "last_digits", "%zu", mpz_sizeinbase(s->values[last], 10));
	hx_note(c, "first_done_n", "%lu", fac_task_n(s->args.variant, s->order[0]));
	hx_note(c, "last_done_n", "%lu", fac_task_n(s->args.variant, s->order[last]));
}

static void fac_teardown(struct hx_case *c)
{
	struct fac_state *s = c->state;

	if (s == NULL)
		return;
	fac_close(s->ctx);
	for (long k = 0; k < s->args.ntasks; k++)
		mpz_clear(s->values[k]);
	free(s->values);
	free(s->order);
}

/* The budget of one repetition. large keeps every n! up to N: about N^2 log2(N) / 2
 * bits (43 MB at N = 8000, 300 MB at 20000), each value sent whole between processes
 * (procs, MPI), and the validator multiplies its running product up to N! one factor
 * at a time; so N at most 8000. small costs a dispatch per task: -n at most 1000000
 * (size_max). */
#define FAC_LARGE_MAX 8000

static int fac_check_opts(const struct hx_opts *o, char *err, size_t errlen)
{
	for (int i = 0; i < o->nvariants; i++)
		if (o->variants[i] == FAC_LARGE && o->size > FAC_LARGE_MAX) {
			snprintf(err, errlen,
				 "option -n/--size: %lld is too large for variant large, which computes "
				 "every n! up to N: its results grow as N^2 log N (at most %d)", o->size,
				 FAC_LARGE_MAX);
			return -1;
		}
	return 0;
}

static const struct hx_variant fac_variants[] = {
	{ "small", "dispatch overhead: task k computes (1 + k%20)!, a few word multiplications;"
		   " time per task = the cost of handing a task out and collecting its result" },
	{ "large", "throughput: n! for n = 1..N (the seed's tasks), big integers of uneven size,"
		   " the biggest last" },
	{ NULL, NULL },
};

const struct hx_exercise factorial_exercise = {
	.name = "factorial",
	.summary = "a pool of workers returning futures: n! for N tasks, the first printed as they "
		   "complete (during the warm-up; with -x 0 from the recorded completion order, "
		   "after the first repetition, outside its timing)",
	.variants = fac_variants,
	.size_name = "tasks N",
	.size_def = 2000,
	.size_min = 1,
	.size_max = 1000000,
	.op_name = "task",
	.reps_def = 10,
	.warmup_def = 1,
	.check_opts = fac_check_opts,
	.state_size = sizeof(struct fac_state),
	.setup = fac_setup,
	.run = fac_run_case,
	.check = fac_check,
	.teardown = fac_teardown,
};
