/* backend_mpi.c: the adapter for MPI.
 *
 * Rank 0 parses and prints; hx_backend_bcast gives every rank the verdict and the
 * options, so all ranks leave through the same path (no exit on one rank, no rank
 * left waiting). Times: each rank times its own region between barriers the exercise
 * places; the driver takes the maximum over ranks (PRK). Worker sweeps in one mpirun:
 * a case of W workers runs on the first W ranks, the others park in a sleeping
 * wait so they do not steal cores from the measurement. */
#include "hx_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char hx_backend_name[] = "mpi";
const char hx_worker_kind[] = "rank";

static int world_rank, world_size;
static MPI_Comm case_comm = MPI_COMM_NULL;

_Noreturn void hx_die_mpi(const char *file, int line, const char *what, int code)
{
	char reason[MPI_MAX_ERROR_STRING + 1];
	int len = 0;
	if (MPI_Error_string(code, reason, &len) != MPI_SUCCESS)
		snprintf(reason, sizeof reason, "MPI error %d", code);
	reason[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING] = '\0';
	hx_die(file, line, what, reason);
}

void hx_backend_init(int *argc, char ***argv)
{
	int provided;
	HX_CHECK_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
	HX_CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
	HX_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
	HX_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
}

void hx_backend_finalize(void)
{
	fflush(stdout);
	HX_CHECK_MPI(MPI_Finalize());
}

int hx_backend_rank(void)
{
	return world_rank;
}

int hx_backend_nranks(void)
{
	return world_size;
}

int hx_backend_max_default(void)
{
	return world_size;
}

int hx_backend_max_workers(void)
{
	return world_size;
}

void hx_backend_bcast(void *buf, size_t len)
{
	HX_CHECK_MPI(MPI_Bcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD));
}

int hx_backend_all_ok(int ok)
{
	int all;
	HX_CHECK_MPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD));
	return all;
}

static void reduce(double *v, size_t n, MPI_Op op)
{
	if (n == 0)
		return;
	if (world_rank == 0)
		HX_CHECK_MPI(MPI_Reduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, op, 0, MPI_COMM_WORLD));
	else
		HX_CHECK_MPI(MPI_Reduce(v, NULL, (int)n, MPI_DOUBLE, op, 0, MPI_COMM_WORLD));
}

void hx_backend_max(double *v, size_t n)
{
	reduce(v, n, MPI_MAX);
}

void hx_backend_sum(double *v, size_t n)
{
	reduce(v, n, MPI_SUM);
}

int hx_backend_enter(int workers)
{
	int in = world_rank < workers;
	HX_CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, in ? 0 : MPI_UNDEFINED, world_rank, &case_comm));
	if (in)
		HX_CHECK_MPI(MPI_Comm_set_errhandler(case_comm, MPI_ERRORS_RETURN));
	return in;
}

void hx_backend_leave(void)
{
	MPI_Request req;
	int done = 0;

	if (case_comm != MPI_COMM_NULL)
		HX_CHECK_MPI(MPI_Comm_free(&case_comm));
	/* Everybody meets here. Ranks that sat the case out arrive first and wait with a
	 * sleep between tests instead of MPI's busy poll. */
	HX_CHECK_MPI(MPI_Ibarrier(MPI_COMM_WORLD, &req));
	for (;;) {
		HX_CHECK_MPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
		if (done)
			break;
		hx_sleep_ns(200000);
	}
}

int hx_backend_case_worst(int v)
{
	int worst;
	HX_CHECK_MPI(MPI_Allreduce(&v, &worst, 1, MPI_INT, MPI_MAX, case_comm));
	return worst;
}

MPI_Comm hx_mpi_comm(void)
{
	return case_comm;
}

void hx_backend_info(struct hx_provenance *p)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0;
	if (MPI_Get_library_version(lib, &len) == MPI_SUCCESS) {
		size_t n = strcspn(lib, ",\n"); /* "Open MPI v4.1.4, package: ..." -> first part */
		if (n >= sizeof p->mpi)
			n = sizeof p->mpi - 1;
		memcpy(p->mpi, lib, n);
		p->mpi[n] = '\0';
	}
	snprintf(p->compiler, sizeof p->compiler, "%s", HX_COMPILER); /* mpicc's compiler */
}

_Noreturn void hx_backend_abort(int code)
{
	fflush(stdout);
	MPI_Abort(MPI_COMM_WORLD, code);
	exit(code); /* MPI_Abort does not return; this satisfies _Noreturn */
}
