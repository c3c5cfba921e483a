/* sumsquares.h: exercise 5, a data-parallel map, serial against parallel (catalogue
 * section 5).
 *
 * The seed: sum_square(n) = sum of i*i for i < n, mapped over range(10000) with a
 * multiprocessing.Pool (0.55 s) and serially (2.19 s). Here: out[n] = sum_square(n) for
 * n = 0..N-1, computed with a loop (the work grows with n: the load is triangular, so
 * how the indices are dealt to the workers decides the speedup). */
#ifndef SUMSQUARES_H
#define SUMSQUARES_H

#include <stdint.h>

enum ss_variant { SS_SERIAL, SS_STATIC, SS_CYCLIC, SS_DYNAMIC, SS_GUIDED };

/* The work budget of one repetition: the map does N*N/2 inner steps (about 0.8 ns
 * each here, single worker: the serial case and the baseline run the whole map on
 * one core), so N at most 300000 is about 4.5e10 steps, 40 s here and a few minutes on
 * a slow machine. (Every element fits in 64 bits far beyond: up to N = 3810779.) */
#define SS_MAX_N 300000LL

/* out[] before a run holds SS_POISON everywhere (no sum_square below SS_MAX_N comes
 * near it); an element filled twice by a merge becomes SS_TWICE: both fail validation. */
#define SS_POISON UINT64_MAX
#define SS_TWICE (UINT64_MAX - 1)

struct ss_args {
	enum ss_variant variant;
	int workers;
	long n;     /* elements: out[0..n-1] */
	long chunk; /* dynamic: indices taken per grab; guided: the smallest grab */
	/* the serial baseline ss_run runs first (NULL: none): its map, its seconds */
	uint64_t *serial_out;
	double *serial_seconds;
};

/* The kernel, compiled once (exercises/sumsquares.c) so every backend runs the same
 * machine code: a loop, never the closed form. */
uint64_t ss_sum_square(uint64_t n);
/* out[i] = ss_sum_square(i) for i = lo, lo + step, lo + 2*step, ... below hi, one after
 * the other (step >= 1). Compiled once, like the kernel: the serial baseline is
 * ss_map(out, 0, n, 1), and a POSIX worker maps its share with it (a block, a chunk,
 * or every W-th index), so one worker of a team of one runs the very call the
 * baseline makes. */
void ss_map(uint64_t *out, long lo, long hi, long step);

/* The serial map ss_map(out, 0, n, 1) on the calling thread, timed (hx_time): the serial
 * case, and the baseline of a parallel one. */
double ss_serial_seconds(uint64_t *out, long n);
/* The baseline as OpenMP and MPI run it: ss_serial_seconds(a->serial_out, a->n) on the
 * case's first worker (the master thread, rank 0) alone while the others sleep
 * (hx_alone), its seconds in *a->serial_seconds; nothing when a->serial_out is NULL. On
 * MPI every rank of the case calls it. */
void ss_baseline_alone(const struct ss_args *a);

/* The closed form (n-1)n(2n-1)/6, in 128 bits: for the validator only. */
uint64_t ss_expected(uint64_t n);
/* Index of the first element of out[0..n-1] that is wrong, or -1. */
long ss_first_wrong(const uint64_t *out, long n);

/* Merges chunks computed elsewhere into out[] (MPI dynamic, on rank 0): chunk j starts
 * at starts[j], holds min(chunk, n - start) values, packed one after the other in vals.
 * An element still SS_POISON gets its value, an element already filled becomes
 * SS_TWICE (an index computed twice must fail, not pass because both copies agree); a
 * start outside 0..n-1 is skipped (its indices stay SS_POISON and fail). Returns the
 * number of elements filled twice. */
long ss_merge_chunks(uint64_t *out, long n, long chunk, const long *starts, long nstarts,
		     const uint64_t *vals);

/* Guided's next grab when `remaining` indices are left: half an even share, at least
 * `chunk` (OpenMP's guided shrinks the same way). */
static inline long ss_guided_grab(long remaining, int workers, long chunk)
{
	long g = (remaining + 2L * workers - 1) / (2L * workers);
	return g < chunk ? chunk : g;
}

/* ---- the parallel part, one per backend (openmp/, mpi/, posix/) ---------------------
 * Why `variant` cannot run on this backend, or NULL when it can (serial always can:
 * the exercise runs it itself, the same code on every backend). */
const char *ss_na(enum ss_variant v);
/* The serial baseline, then the map over 0..n-1 with the variant's schedule. The
 * baseline (when a->serial_out is not NULL): ss_serial_seconds(a->serial_out, a->n)
 * by the case's first worker alone while the others sleep, outside the timed region,
 * its seconds in *a->serial_seconds (on MPI: on rank 0); the others are woken after it,
 * as they are at the start of any team. Then the map fills out[] (on MPI: on rank 0)
 * and *seconds gets the timed region's. */
void ss_run(const struct ss_args *a, uint64_t *out, double *seconds);

#endif
