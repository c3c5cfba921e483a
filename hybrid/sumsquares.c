/* sumsquares.c: `sumsquares` on R MPI ranks of T OpenMP threads (hybrid.h). The ranks
 * share the indices as the workers would on MPI, each rank's share is split over its
 * threads by one `omp for`, and the values reach rank 0 by MPI, from the master thread
 * after its threads have joined (FUNNELED), inside the timed region (team.c):
 *   static   worker g of W gets the g-th of W contiguous blocks; so rank r maps the
 *            blocks of its workers, one contiguous range, with `omp for
 *            schedule(static)`; MPI_Gatherv puts the ranges in place on rank 0
 *   cyclic   worker g takes n = g, g+W, ...; rank r's threads take its indices with
 *            `omp for schedule(static, 1)`; MPI_Gatherv, then rank 0 puts them in place
 *   dynamic, guided  not applicable (see ss_na)
 * A test hook: TVP_HYBRID_CORRUPT=1 in the environment makes the last rank send one
 * wrong value, which the validator must catch (tests/run_hybrid.c).
 * Run: OMP_NUM_THREADS=2 tools/mpilaunch 2 build/hybrid/sumsquares -n 20000 -r 3 */
#include "sumsquares.h"

#include "hybrid.h"

#include <stdlib.h>
#include <string.h>

const char *ss_na(enum ss_variant v)
{
	if (v == SS_DYNAMIC || v == SS_GUIDED)
		return "a grab across ranks needs an MPI counter that every thread calls, and "
		       "FUNNELED lets only the master call MPI; mpi and openmp show the two halves";
	return NULL;
}

struct hmap {
	const struct ss_args *a;
	uint64_t *out;
	int W, R, T, corrupt;
	long lo, cnt;        /* static: this rank's range; cyclic: cnt, its indices */
	uint64_t *mine;      /* what this rank computes (rank 0, static: out + lo) */
	int *counts, *displs; /* rank 0: per rank */
	uint64_t *all;        /* rank 0, cyclic: what the ranks sent */
};

/* the start of worker g's block of n over W (g = W: n) */
static long block_lo(long n, int W, int g)
{
	long q = n / W, r = n % W;
	return g * q + (g < r ? g : r);
}

/* the indices of the workers first..first+t-1 in the cyclic deal over W workers */
static long cyclic_count(long n, int W, int first, int t)
{
	long cnt = 0;
	for (int g = first; g < first + t; g++)
		cnt += g < n ? (n - g + W - 1) / W : 0;
	return cnt;
}

/* the k-th index of a rank whose workers are first..first+t-1 */
static long cyclic_index(long k, int W, int first, int t)
{
	return (k / t) * W + first + k % t;
}

static void threads(MPI_Comm comm, int rank, int tid, void *arg)
{
	struct hmap *m = arg;
	uint64_t *mine = m->mine;
	const long cnt = m->cnt, lo = m->lo;
	const int W = m->W, first = hy_first_worker(rank), t = hy_rank_threads(rank);

	(void)comm;
	(void)tid;
	if (m->a->variant == SS_STATIC) {
#pragma omp for schedule(static)
		for (long k = 0; k < cnt; k++)
			mine[k] = ss_sum_square((uint64_t)(lo + k));
	} else if (m->a->variant == SS_CYCLIC) {
#pragma omp for schedule(static, 1)
		for (long k = 0; k < cnt; k++)
			mine[k] = ss_sum_square((uint64_t)cyclic_index(k, W, first, t));
	}
}

static void gather(MPI_Comm comm, int rank, void *arg)
{
	struct hmap *m = arg;

	if (m->corrupt && rank == m->R - 1 && m->cnt > 0)
		m->mine[m->cnt - 1] += 1;
	if (m->a->variant == SS_STATIC) {
		HX_CHECK_MPI(MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : m->mine, (int)m->cnt, MPI_UINT64_T,
					 m->out, m->counts, m->displs, MPI_UINT64_T, 0, comm));
	} else if (m->a->variant == SS_CYCLIC) {
		HX_CHECK_MPI(MPI_Gatherv(m->mine, (int)m->cnt, MPI_UINT64_T, m->all, m->counts,
					 m->displs, MPI_UINT64_T, 0, comm));
		if (rank == 0)
			for (int r = 0; r < m->R; r++)
				for (long k = 0; k < m->counts[r]; k++)
					m->out[cyclic_index(k, m->W, hy_first_worker(r),
							    hy_rank_threads(r))] =
						m->all[m->displs[r] + k];
	}
}

void ss_run(const struct ss_args *a, uint64_t *out, double *seconds)
{
	MPI_Comm comm = hx_mpi_comm();
	const char *corrupt = getenv("TVP_HYBRID_CORRUPT");
	struct hmap m = { .a = a, .out = out, .W = a->workers, .T = hy_threads_per_rank() };
	int rank, first, t;

	/* the baseline on rank 0's master thread, the case's other ranks asleep */
	ss_baseline_alone(a);
	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &m.R));
	m.corrupt = corrupt != NULL && strcmp(corrupt, "1") == 0;
	first = hy_first_worker(rank);
	t = hy_rank_threads(rank);
	if (a->variant == SS_STATIC) {
		m.lo = block_lo(a->n, m.W, first);
		m.cnt = block_lo(a->n, m.W, first + t) - m.lo;
	} else {
		m.cnt = cyclic_count(a->n, m.W, first, t);
	}
	/* every buffer allocated and touched before the timed region */
	if (a->variant == SS_STATIC && rank == 0)
		m.mine = out + m.lo;
	else
		m.mine = hx_calloc((size_t)m.cnt + 1, sizeof *m.mine);
	if (rank == 0) {
		long total = 0;
		m.counts = hx_calloc((size_t)m.R, sizeof *m.counts);
		m.displs = hx_calloc((size_t)m.R, sizeof *m.displs);
		for (int r = 0; r < m.R; r++) {
			int f = hy_first_worker(r), tr = hy_rank_threads(r);
			long c = a->variant == SS_STATIC
					 ? block_lo(a->n, m.W, f + tr) - block_lo(a->n, m.W, f)
					 : cyclic_count(a->n, m.W, f, tr);
			m.counts[r] = (int)c;
			m.displs[r] = (int)(a->variant == SS_STATIC ? block_lo(a->n, m.W, f) : total);
			total += c;
		}
		if (a->variant == SS_CYCLIC) {
			m.all = hx_calloc((size_t)a->n + 1, sizeof *m.all);
			memset(m.all, 0xff, ((size_t)a->n + 1) * sizeof *m.all);
		}
	}
	*seconds = hy_team_run(threads, gather, &m);
	if (m.mine != out + m.lo || a->variant != SS_STATIC || rank != 0)
		free(m.mine);
	free(m.counts);
	free(m.displs);
	free(m.all);
}
