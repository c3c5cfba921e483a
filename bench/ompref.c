/* ompref.c: make bench's bare references for OpenMP's constructs, as EPCC's syncbench
 * times them but with nothing in the body: `inner` back-to-back empty parallel regions,
 * and `inner` barriers inside one region, each calibrated to -t MS (default 1). Prints
 * the medians over -s SAMPLES (default 9), per construct, at OMP_NUM_THREADS threads:
 *   omp_parallel_us=... omp_barrier_us=... threads=...
 * Built into BUILD/bench/ompref by make bench. */
#include "ref.h"

#include <omp.h>

static volatile int sink;

static double regions(void *arg, long inner)
{
	double t0 = ref_now();
	(void)arg;
	for (long i = 0; i < inner; i++) {
#pragma omp parallel
		{
			if (omp_get_thread_num() == 0)
				sink = 1;
		}
	}
	return ref_now() - t0;
}

static double barriers(void *arg, long inner)
{
	double t0, t1;
	(void)arg;
#pragma omp parallel
	{
#pragma omp barrier
#pragma omp master
		t0 = ref_now();
		for (long i = 0; i < inner; i++) {
#pragma omp barrier
		}
#pragma omp master
		t1 = ref_now();
	}
	return t1 - t0;
}

int main(int argc, char **argv)
{
	double p, b;
	int n = 0;

	ref_options(argc, argv, "ompref");
#pragma omp parallel
#pragma omp master
	n = omp_get_num_threads();
	p = ref_measure(regions, NULL);
	b = ref_measure(barriers, NULL);
	printf("omp_parallel_us=%.4f omp_barrier_us=%.4f threads=%d\n", p * 1e6, b * 1e6, n);
	return 0;
}
