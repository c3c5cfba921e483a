/* race.h: exercise 1, a shared counter with and without a lock (catalogue section 1).
 *
 * The seed: a shared Value('i', 500); one process adds 5, one subtracts 5, 500 times
 * each. Without the lock the final value is random; with it, always 500.
 * Here: W workers, even-numbered ones add RACE_DELTA, odd ones subtract it, `iters`
 * times each; the final value must be race_expected().
 *
 * So that lost updates are counted exactly (a lost add and a lost subtract would
 * cancel out in the value), the counter is one 64-bit word holding two tallies: its
 * low 32 bits count the adds that landed, its high 32 bits the subtracts. Every update
 * is still one read-modify-write of the whole word, so two workers in it at once lose
 * one of their updates, of either kind; the seed's value is race_value(). */
#ifndef RACE_H
#define RACE_H

#define RACE_START 500L
#define RACE_DELTA 5L

enum race_variant { RACE_NONE, RACE_LOCK, RACE_ATOMIC, RACE_LOCAL };

struct race_args {
	enum race_variant variant;
	int workers;
	long iters;  /* updates per worker */
	long start;  /* the counter word before the run: 0, no update yet */
};

#define RACE_ADD 1L          /* an add, in the counter word */
#define RACE_SUB (1L << 32)  /* a subtract */
#define RACE_TALLY_MAX 0xffffffffL /* the most updates of one kind a word can count */

/* What worker w adds to the counter word at every update: an add or a subtract. */
static inline long race_step(int worker)
{
	return worker % 2 == 0 ? RACE_ADD : RACE_SUB;
}

/* The tallies of a counter word, and the seed's value it stands for. */
static inline long race_adds(long word) { return word & RACE_TALLY_MAX; }
static inline long race_subs(long word) { return (long)((unsigned long)word >> 32); }
static inline long race_value(long start, long word)
{
	return start + RACE_DELTA * (race_adds(word) - race_subs(word));
}

/* The kernels, compiled once (exercises/race.c) so every backend runs the same code. */
/* counter += step as a plain read, then a write: two workers doing this at once lose
 * updates. (Relaxed atomic load and store: racy by design, yet not undefined C. A
 * compiler barrier between them keeps them two instructions under every compiler.) */
void race_update_plain(long *counter, long step);
/* counter += step as one indivisible read-modify-write. */
void race_update_atomic(long *counter, long step);

/* The value (race_value) the counter must stand for after a correct run. */
long race_expected(long start, int workers, long iters);

/* The parallel part, one per backend (openmp/race.c, mpi/race.c, posix/race.c):
 * run the variant on a counter word that starts at a->start, store the timed region's
 * seconds in *seconds, and return the final word (on MPI, on rank 0). */
long race_run(const struct race_args *a, double *seconds);

#endif
