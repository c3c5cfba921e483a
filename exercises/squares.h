/* squares.h: exercise 4, pool size and the cost of starting workers (catalogue
 * section 4).
 *
 * The seed: multiprocessing.Pool squares 1..10 at pool sizes 2, 4 and 8, timed (0.028 s
 * at 2, 0.040 s at 4, 0.070 s at 8: the bigger pool is slower, because starting
 * workers costs more than ten squares); and one Process per item against a Pool.
 * Here: square 1..N with W workers, timing three phases separately:
 *   startup   create the W workers and wait until all are ready
 *   work      hand out the N items, get every square back, in input order
 *   teardown  tell the workers to leave and wait for them
 * Variants: pool (W workers, created once, each takes item after item) and spawn (a
 * new thread or process per item, at most W alive at once: creating them is work).
 * Each item runs sq_square(x, work): `work` rounds of a kernel the compiler cannot
 * drop, then x*x. Small work: start-up dominates and a bigger pool loses; heavy work:
 * a bigger pool wins, up to the number of cores. */
#ifndef SQUARES_H
#define SQUARES_H

enum sq_variant { SQ_POOL, SQ_SPAWN };

/* OpenMP's pool start-up, EPCC's way (syncbench's PARALLEL and REDUCTION): `inner` empty
 * regions back to back, minus a reference loop of their body alone. Filled by the
 * backends that time it so (openmp/squares.c); the others leave inner at 0. */
struct sq_regions {
	long inner;        /* regions per sample: calibrated to --target-ms by the backend in
			    * the case's first repetition (0 before), then kept */
	double region_s;   /* this repetition: seconds per region (back to back) */
	double ref_s;      /* seconds per iteration of the reference loop */
	double red_s;      /* the same with reduction(+) in every region */
	double red_ref_s;
	long least;        /* the check: the fewest regions a thread counted (inner) */
	long entered;      /* the regions counted by all threads (workers x inner) */
	long red_least, red_entered;
	long red_sum;      /* the reductions' result (workers x inner) */
};

struct sq_args {
	enum sq_variant variant;
	int workers;
	long items; /* N: squares of 1..N */
	long work;  /* rounds of the kernel per item */
	double target_s; /* --target-ms: a sample of back-to-back regions lasts this long */
	struct sq_regions *regions; /* written by a backend that times regions so */
};

/* The kernel, compiled once (exercises/squares.c): `work` rounds, then x*x. */
long sq_square(long x, long work);

/* The validator: every result[i] == (i+1)^2. 0, or -1 with the first fault in why. */
int sq_validate(const long *result, long items, char *why, unsigned long len);

/* The check of *r after a run of `workers` threads: every thread counted r->inner regions
 * of each kind, the reduction's sum is workers x inner, every time is there (a reference
 * loop that lost iterations says least = -1). 0, or -1 with the fault in why. */
int sq_regions_validate(const struct sq_regions *r, int workers, char *why, unsigned long len);

/* ---- the parallel part, one per backend ----------------------------------------------- */
/* NULL when the backend has this variant, else why not (the not_applicable hook). */
const char *squares_na(enum sq_variant v);
/* One repetition: result[0..items-1] in input order (on MPI: on rank 0), the seconds
 * of startup, work, teardown in t[0..2], and per worker the seconds its creation and
 * its teardown took in life[0..1], stamped where they happen (posix/team.h's px_life:
 * create call to the worker's first instruction, its last instruction to joined or
 * reaped); HX_NOT_MEASURED where the backend creates no worker of its own. */
void squares_run(const struct sq_args *a, long *result, double t[3], double life[2]);

#endif
