/* race.h: exercise 1, a shared counter with and without a lock (catalogue section 1).
 *
 * The seed: a shared Value('i', 500); one process adds 5, one subtracts 5, 500 times
 * each. Without the lock the final value is random; with it, always 500.
 * Here: W workers, even-numbered ones add RACE_DELTA, odd ones subtract it, `iters`
 * times each; the final value must be race_expected(). */
#ifndef RACE_H
#define RACE_H

#define RACE_START 500L
#define RACE_DELTA 5L

enum race_variant { RACE_NONE, RACE_LOCK, RACE_ATOMIC, RACE_LOCAL };

struct race_args {
	enum race_variant variant;
	int workers;
	long iters;  /* updates per worker */
	long start;  /* the counter's value before the run */
};

/* What worker w adds at every update. */
static inline long race_step(int worker)
{
	return worker % 2 == 0 ? RACE_DELTA : -RACE_DELTA;
}

/* The kernels, compiled once (exercises/race.c) so every backend runs the same code. */
/* counter += step as a plain read, then a write: two workers doing this at once lose
 * updates. (Relaxed atomic load and store: racy by design, yet not undefined C. A
 * compiler barrier between them keeps them two instructions under every compiler.) */
void race_update_plain(long *counter, long step);
/* counter += step as one indivisible read-modify-write. */
void race_update_atomic(long *counter, long step);

/* The value the counter must hold after a correct run. */
long race_expected(long start, int workers, long iters);

/* The parallel part, one per backend (openmp/race.c, mpi/race.c, posix/race.c):
 * run the variant on a counter that starts at a->start, store the timed region's
 * seconds in *seconds, and return the counter's final value (on MPI, on rank 0). */
long race_run(const struct race_args *a, double *seconds);

#endif
