/* mpistart.c: what starting MPI costs, seen from inside the ranks. The program does
 * nothing but MPI_Init and MPI_Finalize; tools/mpistart.sh launches it (through
 * tools/mpilaunch) at several rank counts and times the whole launch from outside, so
 * the launcher's share and MPI_Init's come apart (docs/records.md, "MPI start-up").
 *
 * Rank 0 prints one line of key=value figures, in seconds:
 *   to_main_s    from the launcher's start (TVP_LAUNCH_T0, wall-clock seconds that
 *                tools/mpilaunch exports just before it runs the launcher) to main(),
 *                the slowest rank; empty when TVP_LAUNCH_T0 is not set
 *   init_s       MPI_Init, the slowest rank
 *   finalize_s   MPI_Finalize on rank 0 (it leaves once every rank has come in)
 *   main_s       rank 0 from main() to after MPI_Finalize: MPI_Init + the program + Finalize
 *   end_s        from the launcher's start to rank 0 leaving MPI_Finalize (empty without
 *                TVP_LAUNCH_T0): never more than the launch, on the same clock
 * Usage: tools/mpilaunch NP build/tools/mpistart (no arguments; one: exit 2). */
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const me = "mpistart";

static double clock_s(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0) {
		fprintf(stderr, "%s: clock_gettime: %s\n", me, strerror(errno));
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* after MPI_Init: every call returns its error (MPI_ERRORS_RETURN), checked here */
static void check_mpi(int rc, const char *what)
{
	char reason[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (rc == MPI_SUCCESS)
		return;
	if (MPI_Error_string(rc, reason, &len) != MPI_SUCCESS)
		snprintf(reason, sizeof reason, "error %d", rc);
	fprintf(stderr, "%s: %s: %s\n", me, what, reason);
	MPI_Abort(MPI_COMM_WORLD, 1);
	exit(1);
}
#define CHECK_MPI(call) check_mpi((call), #call)

/* TVP_LAUNCH_T0 as seconds, or NAN when it is not set or not a number */
static double launch_t0(void)
{
	const char *s = getenv("TVP_LAUNCH_T0");
	char *end;
	double t;
	if (s == NULL || *s == '\0')
		return NAN;
	errno = 0;
	t = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(t > 0))
		return NAN;
	return t;
}

int main(int argc, char **argv)
{
	double wall_main = clock_s(CLOCK_REALTIME), t_main = clock_s(CLOCK_MONOTONIC);
	double t0 = launch_t0(), t_init, t_fin, t_end, wall_end;
	double mine[2], worst[2] = { 0, 0 }; /* MPI_Init, to main (-1: unknown) */
	int rank, size, rc;

	t_init = clock_s(CLOCK_MONOTONIC);
	rc = MPI_Init(&argc, &argv);
	mine[0] = clock_s(CLOCK_MONOTONIC) - t_init;
	if (rc != MPI_SUCCESS) { /* the default handler aborts first; this is the fallback */
		fprintf(stderr, "%s: MPI_Init failed (error %d)\n", me, rc);
		return 1;
	}
	CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
	CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
	CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
	if (argc > 1) { /* every rank leaves with 2; rank 0 says why */
		if (rank == 0)
			fprintf(stderr, "%s: takes no arguments (got '%s'; usage: tools/mpilaunch NP %s)\n",
				me, argv[1], argv[0]);
		CHECK_MPI(MPI_Finalize());
		return 2;
	}
	mine[1] = isnan(t0) ? -1 : wall_main - t0;
	CHECK_MPI(MPI_Reduce(mine, worst, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));

	t_fin = clock_s(CLOCK_MONOTONIC);
	CHECK_MPI(MPI_Finalize());
	t_end = clock_s(CLOCK_MONOTONIC);
	wall_end = clock_s(CLOCK_REALTIME);

	if (rank != 0)
		return 0;
	printf("%s: np=%d to_main_s=", me, size);
	if (worst[1] >= 0)
		printf("%.6f", worst[1]);
	printf(" init_s=%.6f finalize_s=%.6f main_s=%.6f end_s=", worst[0], t_end - t_fin, t_end - t_main);
	if (!isnan(t0))
		printf("%.6f", wall_end - t0);
	printf("\n");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing the figures: %s\n", me, strerror(errno));
		return 1;
	}
	return 0;
}
