/* hx_backend.c: the adapter of the hybrid backend: harness/backend_mpi.c, built here at
 * MPI_THREAD_FUNNELED (the Makefile passes -DHX_MPI_THREAD_LEVEL=MPI_THREAD_FUNNELED to
 * every file of hybrid/; backend_mpi.c checks the level provided and leaves with exit 3
 * when it is lower), with the functions that differ for R ranks of T OpenMP threads
 * taken over below: the backend's name, the worker ceiling (ranks x T), entering a case
 * of W workers (ceil(W / T) ranks), the case's note (ranks=R threads=T) and the
 * provenance (the OpenMP version, the threads per rank). Everything else (parsing on
 * rank 0, case communicators, max-reduction of times, MPI_Abort) is the MPI adapter's,
 * unchanged. */
#define hx_backend_name hy_mpi_backend_name
#define hx_worker_kind hy_mpi_worker_kind
#define hx_backend_init hy_mpi_backend_init
#define hx_backend_max_default hy_mpi_max_default
#define hx_backend_max_workers hy_mpi_max_workers
#define hx_backend_enter hy_mpi_enter
#define hx_backend_info hy_mpi_info
#include "backend_mpi.c"
#undef hx_backend_name
#undef hx_worker_kind
#undef hx_backend_init
#undef hx_backend_max_default
#undef hx_backend_max_workers
#undef hx_backend_enter
#undef hx_backend_info

#include "hybrid.h"

#include <dlfcn.h>
#include <errno.h>
#include <omp.h>
#include <unistd.h>

/* hx.h declared these under the names above: declared again under their own */
extern const char hx_backend_name[];
extern const char hx_worker_kind[];
void hx_backend_init(int *argc, char ***argv);
int hx_backend_max_default(void);
int hx_backend_max_workers(void);
int hx_backend_enter(int workers);
void hx_backend_info(struct hx_provenance *p);
/* the driver's hook (harness/driver.c, a weak default there) */
void hx_backend_case_note(struct hx_case *c);

const char hx_backend_name[] = "hybrid";
const char hx_worker_kind[] = "thread";

static int per_rank = 1;     /* T */
static int case_workers = 0; /* W of the current case */

int hy_threads_per_rank(void)
{
	return per_rank;
}

int hy_first_worker(int rank)
{
	return rank * per_rank;
}

int hy_rank_threads(int rank)
{
	int left = case_workers - rank * per_rank;
	return left <= 0 ? 0 : left < per_rank ? left : per_rank;
}

/* OpenMP waits passively, as in the openmp backend (harness/backend_local.c says why),
 * unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set: libgomp reads it when it is loaded,
 * so the program starts itself again once, before MPI_Init, with the setting made. */
static void omp_wait_passive(char **argv)
{
	if (getenv("OMP_WAIT_POLICY") != NULL || getenv("GOMP_SPINCOUNT") != NULL)
		return;
	if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
		hx_die_errno(__FILE__, __LINE__, "setenv(OMP_WAIT_POLICY)", errno);
	if (dlsym(RTLD_DEFAULT, "__kmpc_fork_call") != NULL) /* libomp: not started yet */
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	if (unsetenv("OMP_WAIT_POLICY") != 0)
		hx_die_errno(__FILE__, __LINE__, "unsetenv(OMP_WAIT_POLICY)", errno);
}

void hx_backend_init(int *argc, char ***argv)
{
	int mine;

	omp_wait_passive(*argv);
	hy_mpi_backend_init(argc, argv);
	/* every rank runs as many threads as the least of them may */
	mine = omp_get_max_threads();
	HX_CHECK_MPI(MPI_Allreduce(&mine, &per_rank, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
	if (per_rank < 1)
		per_rank = 1;
}

int hx_backend_max_default(void)
{
	long n = (long)hy_mpi_max_default() * per_rank;
	return n < HX_MAX_WORKERS ? (int)n : HX_MAX_WORKERS;
}

int hx_backend_max_workers(void)
{
	long n = (long)hy_mpi_max_workers() * per_rank;
	return n < HX_MAX_WORKERS ? (int)n : HX_MAX_WORKERS;
}

int hx_backend_enter(int workers)
{
	case_workers = workers;
	return hy_mpi_enter((workers + per_rank - 1) / per_rank);
}

/* rank 0, before the case's records: how its workers were made */
void hx_backend_case_note(struct hx_case *c)
{
	int ranks = (c->workers + per_rank - 1) / per_rank;
	int threads = c->workers < per_rank ? c->workers : per_rank;

	hx_note(c, "ranks", "%d", ranks);
	hx_note(c, "threads", "%d", threads);
	if (hy_rank_threads(ranks - 1) != threads)
		hx_note(c, "last_rank_threads", "%d", hy_rank_threads(ranks - 1));
}

/* A team shorter than asked ends the run (exit 3), as on the openmp backend. */
#include "backend_omp.c"

void hx_backend_info(struct hx_provenance *p)
{
	static const char *const policy[] = { "false", "true", "primary", "close", "spread" };
	omp_proc_bind_t b = omp_get_proc_bind();
	size_t used;

	hy_mpi_info(p);
	snprintf(p->openmp, sizeof p->openmp, "%d", _OPENMP);
	used = strlen(p->binding);
	snprintf(p->binding + used, sizeof p->binding - used,
		 "; %d OpenMP thread%s per rank, OMP_PROC_BIND %s", per_rank,
		 per_rank == 1 ? "" : "s",
		 (unsigned)b < sizeof policy / sizeof policy[0] ? policy[b] : "?");
}
