/* backend_mpi.c: the adapter for MPI.
 *
 * Rank 0 parses and prints; hx_backend_bcast gives every rank the verdict and the
 * options, so all ranks leave through the same path (no exit on one rank, no rank
 * left waiting). Times: each rank times its own region between barriers the exercise
 * places; the driver takes the maximum over ranks (PRK). Worker sweeps in one mpirun:
 * a case of W workers runs on the first W ranks, the others park in a sleeping
 * wait so they do not steal cores from the measurement. MPI is initialised at
 * HX_MPI_THREAD_LEVEL (harness/hx_mpi.h: MPI_THREAD_SINGLE), checked, and only the main
 * thread calls MPI. */
#include "hx_mpi.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HX_STR_(x) #x
#define HX_STR(x) HX_STR_(x)

const char hx_backend_name[] = "mpi";
const char hx_worker_kind[] = "rank";

static int world_rank, world_size;
/* rank 0: where each rank may run, as its launcher bound it (hx_backend_info) */
static char binding[512];
static MPI_Comm case_comm = MPI_COMM_NULL;
/* the thread level MPI_Init_thread provided; the thread that called it, the only one
 * that calls MPI */
static int thread_level = -1;
static pthread_t main_thread;

_Noreturn void hx_die_mpi(const char *file, int line, const char *what, int code)
{
	char reason[MPI_MAX_ERROR_STRING + 1];
	int len = 0;
	if (MPI_Error_string(code, reason, &len) != MPI_SUCCESS)
		snprintf(reason, sizeof reason, "MPI error %d", code);
	reason[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING] = '\0';
	hx_die(file, line, what, reason);
}

/* The MPI library and its version in one clean line: the first line of
 * MPI_Get_library_version up to a comma, blanks (MPICH puts a tab in) made single
 * spaces, "Version:" and lone colons left out. "Open MPI v4.1.4, package: ..." ->
 * "Open MPI v4.1.4"; "MPICH Version:\t4.0.2\nMPICH Release date: ..." -> "MPICH 4.0.2".
 * Returns 0, or -1 when the library does not say. */
static int mpi_library(char *out, size_t size)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING + 1];
	size_t n = 0, end;
	int len = 0;

	if (size == 0 || MPI_Get_library_version(lib, &len) != MPI_SUCCESS)
		return -1;
	lib[len >= 0 && len <= MPI_MAX_LIBRARY_VERSION_STRING ? len : MPI_MAX_LIBRARY_VERSION_STRING] = '\0';
	end = strcspn(lib, ",\n\r");
	lib[end] = '\0';
	for (char *save = NULL, *word = strtok_r(lib, " \t\v\f", &save); word != NULL;
	     word = strtok_r(NULL, " \t\v\f", &save)) {
		size_t w = strlen(word);
		if (strcmp(word, "Version:") == 0 || strcmp(word, "Version") == 0 ||
		    strcmp(word, ":") == 0)
			continue;
		if (n > 0 && n + 1 < size)
			out[n++] = ' ';
		for (size_t i = 0; i < w && n + 1 < size; i++)
			out[n++] = isprint((unsigned char)word[i]) ? word[i] : '?';
	}
	while (n > 0 && out[n - 1] == ' ') /* cut short after a space */
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static const char *level_name(int level)
{
	switch (level) {
	case MPI_THREAD_SINGLE:
		return "MPI_THREAD_SINGLE";
	case MPI_THREAD_FUNNELED:
		return "MPI_THREAD_FUNNELED";
	case MPI_THREAD_SERIALIZED:
		return "MPI_THREAD_SERIALIZED";
	case MPI_THREAD_MULTIPLE:
		return "MPI_THREAD_MULTIPLE";
	default:
		return "an unknown thread level";
	}
}

/* The processes the launcher started, as its environment says, and this one's place
 * among them: 0 when no known launcher started it. Open MPI's mpirun says
 * OMPI_COMM_WORLD_*, a PMI launcher (MPICH's hydra, srun --mpi=pmi2) PMI_*, srun
 * SLURM_STEP_NUM_TASKS and SLURM_PROCID (only inside a step: the batch script's own
 * environment does not count). */
static int launched(int *rank, const char **by)
{
	static const struct {
		const char *size, *rank, *by;
	} env[] = {
		{ "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "Open MPI's mpirun" },
		{ "PMI_SIZE", "PMI_RANK", NULL },
		{ "SLURM_STEP_NUM_TASKS", "SLURM_PROCID", "srun" },
	};
	for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
		const char *sz = getenv(env[i].size), *rk = getenv(env[i].rank), *step;
		char *end;
		long n, r = 0;
		if (sz == NULL)
			continue;
		if (i == 2) { /* a step of a job, not its batch script or extern step */
			step = getenv("SLURM_STEP_ID");
			if (step == NULL || strtoul(step, &end, 10) >= 0xfffffff0UL || *end != '\0')
				return 0;
		}
		n = strtol(sz, &end, 10);
		if (*end != '\0' || n < 1)
			return 0;
		if (rk != NULL)
			r = strtol(rk, &end, 10);
		*rank = (int)r;
		*by = env[i].by;
		if (*by == NULL)
			*by = getenv("MPI_LOCALNRANKS") != NULL ? "MPICH's mpiexec (hydra)"
			      : getenv("SLURM_STEP_ID") != NULL ? "srun (PMI)"
								: "a PMI launcher";
		return n > 1000000 ? 1000000 : (int)n;
	}
	return 0;
}

/* A launcher of another MPI (Open MPI's mpirun for an MPICH build, or the reverse)
 * starts N singletons, each its own one-rank job: N tables instead of one. Say so in
 * one line (the copy that the launcher numbers 0) and leave with HX_EXIT_USAGE. */
static void check_one_job(const char *prog)
{
	const char *by = NULL, *base = strrchr(prog, '/');
	char lib[96] = "this MPI";
	int rank = 0, n = launched(&rank, &by);
#if defined(OPEN_MPI)
	const char *hint = "MPIRUN=mpirun.openmpi, or Open MPI's mpirun";
#elif defined(MPICH_VERSION)
	const char *hint = "MPIRUN=mpiexec.mpich, or MPICH's mpiexec";
#else
	const char *hint = "MPIRUN=...";
#endif

	if (world_size != 1 || n <= 1)
		return;
	base = base != NULL ? base + 1 : prog;
	(void)mpi_library(lib, sizeof lib);
	if (rank == 0) {
		fprintf(stderr,
			"%s: these %d processes do not form one MPI job: each sees 1 rank (launched by "
			"%s, built with %s); start it with the launcher of the MPI it was built with (%s)\n",
			base, n, by, lib, hint);
		fflush(stderr);
	}
	HX_CHECK_MPI(MPI_Finalize());
	exit(HX_EXIT_USAGE);
}

/* Every rank's CPUs (its affinity, as mpirun or srun bound it), whether they hold more
 * than one core (unbound), and its host (MPI_Get_processor_name), gathered to rank 0 at
 * the start: hx_backend_info writes "each rank may run on CPUs 0-1" when they are all
 * the same, else "rank 0: CPUs 0; rank 1: CPUs 1; ..." (as many as fit), and
 * hx_backend_case_info the same for a case's first W ranks. */
#define CPUS_LEN 32
#define HOST_LEN 64
struct rank_place {
	char cpus[CPUS_LEN];
	char host[HOST_LEN];
	int cores; /* whole cores in its CPUs (hx_cpus_cores): > 1 unbound, -1 unknown */
};
static struct rank_place *places; /* rank 0: world_size of them */
static int unbound_warned;

static void gather_binding(void)
{
	struct rank_place mine;
	char name[MPI_MAX_PROCESSOR_NAME + 1];
	int same = 1, len = 0;
	size_t used = 0;

	memset(&mine, 0, sizeof mine);
	hx_cpu_list(mine.cpus, sizeof mine.cpus);
	mine.cores = hx_cpus_cores();
	HX_CHECK_MPI(MPI_Get_processor_name(name, &len));
	name[len >= 0 && len <= MPI_MAX_PROCESSOR_NAME ? len : 0] = '\0';
	snprintf(mine.host, sizeof mine.host, "%.*s", HOST_LEN - 1, name);
	if (world_rank == 0)
		places = hx_calloc((size_t)world_size, sizeof *places);
	HX_CHECK_MPI(MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, places, (int)sizeof mine,
				MPI_BYTE, 0, MPI_COMM_WORLD));
	if (world_rank != 0)
		return;
	for (int r = 1; r < world_size; r++)
		same &= strcmp(places[r].cpus, places[0].cpus) == 0;
	if (same)
		snprintf(binding, sizeof binding, "%s rank may run on CPUs %s",
			 world_size == 1 ? "the" : "each", places[0].cpus);
	for (int r = 0; !same && r < world_size && used + 1 < sizeof binding; r++)
		used += (size_t)snprintf(binding + used, sizeof binding - used, "%srank %d: CPUs %s",
					 r ? "; " : "", r, places[r].cpus);
}

void hx_backend_init(int *argc, char ***argv)
{
	int provided = -1;

	main_thread = pthread_self();
	HX_CHECK_MPI(MPI_Init_thread(argc, argv, HX_MPI_THREAD_LEVEL, &provided));
	HX_CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
	HX_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
	HX_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
	/* The levels are ordered: SINGLE < FUNNELED < SERIALIZED < MULTIPLE. Every rank
	 * learns the lowest level provided, so all leave together, one line from rank 0,
	 * and no MPI_Abort from several ranks at once. */
	HX_CHECK_MPI(MPI_Allreduce(&provided, &thread_level, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
	if (thread_level < HX_MPI_THREAD_LEVEL) {
		char lib[96] = "this MPI";
		(void)mpi_library(lib, sizeof lib);
		if (world_rank == 0) {
			fprintf(stderr, "%s:%d: MPI_Init_thread: %s provides %s, this program needs %s\n",
				__FILE__, __LINE__, lib, level_name(thread_level),
				level_name(HX_MPI_THREAD_LEVEL));
			fflush(stderr);
		}
		HX_CHECK_MPI(MPI_Finalize());
		exit(HX_EXIT_SYSTEM);
	}
	check_one_job(*argc > 0 && (*argv)[0] != NULL ? (*argv)[0] : "mpi");
	gather_binding();
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

int hx_backend_enter(int workers)
{
	int in = world_rank < workers;
	HX_CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, in ? 0 : MPI_UNDEFINED, world_rank, &case_comm));
	if (in)
		HX_CHECK_MPI(MPI_Comm_set_errhandler(case_comm, MPI_ERRORS_RETURN));
	return in;
}

void hx_mpi_sleeping_barrier(MPI_Comm comm)
{
	MPI_Request req;
	int done = 0;

	HX_CHECK_MPI(MPI_Ibarrier(comm, &req));
	for (;;) {
		HX_CHECK_MPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
		if (done)
			break;
		hx_sleep_ns(200000);
	}
}

void hx_backend_leave(void)
{
	if (case_comm != MPI_COMM_NULL)
		HX_CHECK_MPI(MPI_Comm_free(&case_comm));
	/* Everybody meets here. Ranks that sat the case out arrive first, and sleep. */
	hx_mpi_sleeping_barrier(MPI_COMM_WORLD);
}

int hx_backend_case_worst(int v)
{
	int worst;
	HX_CHECK_MPI(MPI_Allreduce(&v, &worst, 1, MPI_INT, MPI_MAX, case_comm));
	return worst;
}

void hx_alone(void (*fn)(void *arg), void *arg)
{
	int rank;

	HX_CHECK_MPI(MPI_Comm_rank(case_comm, &rank));
	if (rank == 0)
		fn(arg);
	/* rank 0 arrives when it is done; the others sleep meanwhile instead of MPI's busy
	 * poll, so they leave the cores to it */
	hx_mpi_sleeping_barrier(case_comm);
}

MPI_Comm hx_mpi_comm(void)
{
	return case_comm;
}

void hx_backend_info(struct hx_provenance *p)
{
	char lib[sizeof p->mpi - 32];
	/* one line: no tab, newline or trailing blank; the thread level MPI_Init_thread
	 * provided in brackets: "Open MPI v4.1.4 (MPI_THREAD_SINGLE)" */
	if (mpi_library(lib, sizeof lib) == 0)
		snprintf(p->mpi, sizeof p->mpi, "%s (%s)", lib, level_name(thread_level));
	/* the compiler that built this file: the Makefile makes the MPI wrapper run $(CC) */
	snprintf(p->compiler, sizeof p->compiler, "%s", HX_COMPILER);
	/* the whole job's hosts until a case says its own; the mode asked, then the ranks' CPUs */
	hx_backend_case_info(world_size, p);
	snprintf(p->binding, sizeof p->binding, "%s: %.*s", hx_bind_name(hx_bind_mode()),
		 (int)sizeof p->binding - 16, binding);
}

/* The launcher binds the ranks, not the program: the mode asked, then what each of the
 * case's ranks got ("rank:CPUs 0:0 1:1"); with --bind cores and a rank on more than one
 * core, "UNBOUND" and the ranks, and one warning on stderr. The hosts: the distinct
 * processor names of the case's ranks, in rank order. */
void hx_backend_case_info(int workers, struct hx_provenance *p)
{
	int n = workers < world_size ? workers : world_size, unbound = 0, k;
	size_t used;

	if (places == NULL || n < 1)
		return;
	for (int r = 0; r < n; r++)
		unbound += places[r].cores > 1;
	k = snprintf(p->binding, sizeof p->binding, "%s: ", hx_bind_name(hx_bind_mode()));
	used = k > 0 ? (size_t)k : 0;
	if (hx_bind_mode() == HX_BIND_CORES && unbound > 0) {
		k = snprintf(p->binding + used, sizeof p->binding - used,
			     "UNBOUND: %d of %d ranks may run on more than one core (the launcher "
			     "binds: mpirun --bind-to core, srun --cpu-bind=cores); ", unbound, n);
		used += k > 0 ? (size_t)k : 0;
		if (!unbound_warned) {
			fprintf(stderr, "%s: warning: --bind cores, but %d of %d ranks may run on "
				"more than one core (rank 0: CPUs %s): bind them with the launcher "
				"(mpirun --bind-to core, srun --cpu-bind=cores)\n",
				hx_current_exercise(), unbound, n, places[0].cpus);
			unbound_warned = 1;
		}
	}
	k = snprintf(p->binding + used, sizeof p->binding - used, "rank:CPUs");
	used += k > 0 && used < sizeof p->binding ? (size_t)k : 0;
	for (int r = 0; r < n && used + CPUS_LEN + 12 < sizeof p->binding; r++) {
		k = snprintf(p->binding + used, sizeof p->binding - used, " %d:%s", r, places[r].cpus);
		used += k > 0 ? (size_t)k : 0;
	}
	if (used + CPUS_LEN + 12 >= sizeof p->binding && used + 4 < sizeof p->binding)
		snprintf(p->binding + used, sizeof p->binding - used, " ...");
	p->hosts = 0;
	p->host_names[0] = '\0';
	used = 0;
	for (int r = 0; r < n; r++) {
		int seen = 0;
		for (int q = 0; q < r && !seen; q++)
			seen = strcmp(places[q].host, places[r].host) == 0;
		if (seen)
			continue;
		p->hosts++;
		if (used + strlen(places[r].host) + 5 < sizeof p->host_names) {
			k = snprintf(p->host_names + used, sizeof p->host_names - used, "%s%s",
				     used ? "+" : "", places[r].host);
			used += k > 0 ? (size_t)k : 0;
		} else if (used + 4 < sizeof p->host_names && strstr(p->host_names, "...") == NULL) {
			used += (size_t)snprintf(p->host_names + used, sizeof p->host_names - used, "+...");
		}
	}
	p->crossed_nodes = p->hosts > 1;
}

/* The MPI this program was compiled against (its mpi.h), without starting MPI */
void hx_backend_build(char *out, size_t len)
{
#if defined(OPEN_MPI)
	snprintf(out, len, "%s, MPI Open MPI %d.%d.%d, OpenMP %s", HX_COMPILER, OMPI_MAJOR_VERSION,
		 OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION,
#elif defined(MPICH_VERSION)
	snprintf(out, len, "%s, MPI MPICH %s, OpenMP %s", HX_COMPILER, MPICH_VERSION,
#else
	snprintf(out, len, "%s, MPI %d.%d (standard), OpenMP %s", HX_COMPILER, MPI_VERSION,
		 MPI_SUBVERSION,
#endif
#ifdef _OPENMP
		 HX_STR(_OPENMP)
#else
		 "none"
#endif
	);
}

_Noreturn void hx_backend_abort(int code)
{
	/* a fatal error on another thread (the watchdog's) makes no MPI call: the rank
	 * leaves, and mpirun ends the others */
	if (!pthread_equal(pthread_self(), main_thread))
		hx_exit_now(code);
	fflush(stdout);
	MPI_Abort(MPI_COMM_WORLD, code);
	exit(code); /* MPI_Abort does not return; this satisfies _Noreturn */
}
