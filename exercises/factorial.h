/* factorial.h: exercise 3, a pool of workers returning futures (catalogue section 3).
 *
 * The seed: ThreadPoolExecutor(max_workers=5) computes the factorials of 1..10, prints
 * each as it completes (as_completed) and keeps them by input. Here: N tasks on W
 * workers; each result is printed as it completes (the first repetition only, and only
 * when it is an untimed warm-up: printing is I/O; with -x 0 the first repetition's
 * recorded completion order is printed after it) and stored by input order; the results are exact big integers (GMP).
 *   small  dispatch overhead: task k computes (1 + k % 20)!, a few multiplications
 *          of a word, so the time per task is what handing it out and collecting it
 *          costs
 *   large  throughput: task k computes (k+1)!, n = 1..N as in the seed, big integers
 *          of uneven size (the last task is the biggest)
 * Every value is checked against n! computed another way (the plain product 2*3*...*n,
 * see fac_validate); the completion order must name every task exactly once. */
#ifndef FACTORIAL_H
#define FACTORIAL_H

#include <stddef.h>
#include <gmp.h>

enum fac_variant { FAC_SMALL, FAC_LARGE };

#define FAC_SMALL_MAX 20 /* 20! is the largest factorial in 64 bits */
#define FAC_PRINT_MAX 20 /* results printed as they complete, per case */

struct hx_case;

struct fac_args {
	enum fac_variant variant;
	int workers;
	long ntasks;
	int print;                 /* print results as they complete (hx_say) */
	const struct hx_case *c;   /* for hx_say */
};

/* The n of task k (0-based). */
static inline unsigned long fac_task_n(enum fac_variant v, long k)
{
	return v == FAC_SMALL ? 1UL + (unsigned long)(k % FAC_SMALL_MAX) : (unsigned long)k + 1UL;
}

/* The kernel, compiled once (exercises/factorial.c): out = n! by GMP's own algorithm
 * (mpz_fac_ui: a table for small n, else the odd part of n! by Luschny's prime
 * swing with balanced products, shifted by the power of 2), what a user who wants n!
 * calls. The validator does not use it. */
void fac_compute(mpz_t out, unsigned long n);

/* Called by whoever sees task k end as the j-th (0-based): prints it when a->print and
 * j is among the first FAC_PRINT_MAX. Thread-safe (one printf per line). */
void fac_report(const struct fac_args *a, long k, long j, const mpz_t value);

/* Every task in input order on the calling worker, each filed, ordered and reported:
 * what a backend with no one to hand work to does (MPI on one rank: the farm's master
 * only dispatches). */
void fac_serial(const struct fac_args *a, mpz_t *values, long *order);

/* Bytes of the magnitude of the case's largest factorial (mpz_export): what a receive
 * buffer for any one result must hold. */
size_t fac_max_bytes(const struct fac_args *a);

/* Why the result is wrong (static text), or NULL when values[k] = n_k! for every k and
 * order[0..ntasks-1] names every task exactly once. Sets *bad to the failing index.
 * Independent of the kernel: each n_k! is the running product 1*2*...*n_k (mpz_mul_ui
 * one factor at a time, carried from one task to the next), compared exactly. */
const char *fac_validate(const struct fac_args *a, mpz_t *values, const long *order, long *bad);

/* ---- the parallel part, one per backend (openmp/, mpi/, posix/) ---------------------
 * fac_open starts the case's workers (a thread pool, pre-forked processes; outside the
 * timed region, reused by every repetition), fac_run runs the N tasks once: values[k]
 * gets task k's result (on MPI: on rank 0), order[j] the task that ended j-th, and
 * *seconds the timed region; fac_close stops the workers. */
void *fac_open(const struct fac_args *a);
void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds);
void fac_close(void *ctx);

#endif
