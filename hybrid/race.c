/* race.c: `race` on R MPI ranks of T OpenMP threads (hybrid.h). Each rank's threads
 * update a counter word of the rank's own (worker g = r T + tid adds or subtracts, as
 * race_step(g) says); then the master thread of each rank sends its word to rank 0 in
 * one MPI_Reduce (FUNNELED), inside the timed region (team.c). Ranks share no memory,
 * so a lost update can only happen between the threads of one rank:
 *   none   plain read and write of the rank's word: its threads lose updates (unsafe)
 *   lock   `omp critical` around the update
 *   atomic an atomic read-modify-write of the rank's word
 *   local  each thread sums privately, then one atomic add into the rank's word
 * The tallies of a word add up (race.h), so the words' sum is the counter.
 * Run: OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/race --variant local,atomic */
#include "race.h"

#include "hybrid.h"

#include <omp.h>

struct shared {
	const struct race_args *a;
	long word;  /* this rank's counter word */
	long total; /* rank 0: the sum of the words */
};

static void threads(MPI_Comm comm, int rank, int tid, void *arg)
{
	struct shared *sh = arg;
	const long iters = sh->a->iters;
	long step = race_step(hy_first_worker(rank) + tid), mine = 0;

	(void)comm;
	switch (sh->a->variant) {
	case RACE_NONE:
		for (long i = 0; i < iters; i++)
			race_update_plain(&sh->word, step);
		break;
	case RACE_LOCK:
		for (long i = 0; i < iters; i++) {
#pragma omp critical(hy_race)
			race_update_plain(&sh->word, step);
		}
		break;
	case RACE_ATOMIC:
		for (long i = 0; i < iters; i++)
			race_update_atomic(&sh->word, step);
		break;
	case RACE_LOCAL:
		for (long i = 0; i < iters; i++)
			race_update_plain(&mine, step);
#pragma omp atomic
		sh->word += mine;
		break;
	}
}

static void reduce(MPI_Comm comm, int rank, void *arg)
{
	struct shared *sh = arg;

	HX_CHECK_MPI(MPI_Reduce(&sh->word, &sh->total, 1, MPI_LONG, MPI_SUM, 0, comm));
	(void)rank;
}

long race_run(const struct race_args *a, double *seconds)
{
	struct shared sh = { a, 0, 0 };
	int rank;

	HX_CHECK_MPI(MPI_Comm_rank(hx_mpi_comm(), &rank));
	*seconds = hy_team_run(threads, reduce, &sh);
	return rank == 0 ? a->start + sh.total : 0;
}
