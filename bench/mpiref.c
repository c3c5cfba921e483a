/* mpiref.c: make bench's bare reference for MPI's 8-byte one-way latency: two ranks,
 * MPI_Init (MPI_THREAD_SINGLE, as osu_latency), rank 0 MPI_Send then MPI_Recv, rank 1
 * the echo; `inner` round trips (calibrated to -t MS, default 1) halved. Rank 0 prints
 * the median over -s SAMPLES (default 9):   mpi_oneway_us=...
 * Run with exactly 2 ranks: tools/mpilaunch 2 BUILD/bench/mpiref. */
#include "ref.h"

#include <mpi.h>
#include <stdint.h>

enum { PING = 1, STOP = 2 };

static void mpi_check(int rc, const char *what)
{
	if (rc != MPI_SUCCESS) {
		fprintf(stderr, "mpiref: %s failed\n", what);
		MPI_Abort(MPI_COMM_WORLD, 3);
	}
}

static double trips(void *arg, long inner)
{
	uint64_t m = 0;
	double t0 = MPI_Wtime();
	(void)arg;
	for (long i = 0; i < inner; i++) {
		mpi_check(MPI_Send(&m, 1, MPI_UINT64_T, 1, PING, MPI_COMM_WORLD), "MPI_Send");
		mpi_check(MPI_Recv(&m, 1, MPI_UINT64_T, 1, PING, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
			  "MPI_Recv");
	}
	if (m != (uint64_t)inner)
		ref_die("echo", EPROTO);
	return (MPI_Wtime() - t0) / 2;
}

int main(int argc, char **argv)
{
	int rank, size;

	mpi_check(MPI_Init(&argc, &argv), "MPI_Init");
	mpi_check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
	mpi_check(MPI_Comm_size(MPI_COMM_WORLD, &size), "MPI_Comm_size");
	if (size != 2) {
		if (rank == 0)
			fprintf(stderr, "mpiref: runs on exactly 2 ranks (got %d)\n", size);
		MPI_Finalize();
		return 2;
	}
	ref_options(argc, argv, "mpiref");
	if (rank == 0) {
		double s = ref_measure(trips, NULL);
		uint64_t m = 0;
		mpi_check(MPI_Send(&m, 1, MPI_UINT64_T, 1, STOP, MPI_COMM_WORLD), "MPI_Send");
		printf("mpi_oneway_us=%.4f\n", s * 1e6);
	} else {
		for (;;) {
			uint64_t m;
			MPI_Status st;
			mpi_check(MPI_Recv(&m, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st),
				  "MPI_Recv");
			if (st.MPI_TAG == STOP)
				break;
			m++;
			mpi_check(MPI_Send(&m, 1, MPI_UINT64_T, 0, PING, MPI_COMM_WORLD), "MPI_Send");
		}
	}
	mpi_check(MPI_Finalize(), "MPI_Finalize");
	return 0;
}
