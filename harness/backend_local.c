/* backend_local.c: the adapter for the single-process backends: openmp, pthreads and
 * procs (and the unit tests). Compiled once per backend with -DHX_BACKEND=<name>
 * (-DHX_WORKER_KIND=process for procs; -fopenmp for openmp, where the worker ceiling is
 * the runtime's: OMP_NUM_THREADS, else the online cores). One process, rank 0 of 1:
 * every collective is the identity. */
#include "hx.h"

#include <dlfcn.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef HX_BACKEND
#define HX_BACKEND pthreads
#endif
#ifndef HX_WORKER_KIND
#define HX_WORKER_KIND thread
#endif
#define HX_STR_(x) #x
#define HX_STR(x) HX_STR_(x)

const char hx_backend_name[] = HX_STR(HX_BACKEND);
const char hx_worker_kind[] = HX_STR(HX_WORKER_KIND);

/* Set when the program leaves the way it means to: hx_main's return (through
 * hx_backend_finalize) or hx_backend_abort (hx_die). */
static int leaving;

#ifdef _OPENMP
/* ---- OpenMP: what the runtime does when it cannot give us the threads -------------
 *
 * libgomp (GCC's runtime) ends the program itself when it cannot create a thread
 * (ulimit -u, ulimit -v, no memory for a stack): it prints "libgomp: Thread creation
 * failed: <reason>" and calls exit(1), the code this suite gives a failed validation.
 * An atexit handler, registered before the first parallel region, turns that into a
 * system failure: when the program exits through neither hx_main's return nor
 * hx_backend_abort, it adds one line below the runtime's own and leaves with
 * _exit(HX_EXIT_SYSTEM). Limits: it sees exits through exit() only. A runtime that
 * aborts instead (LLVM's libomp raises SIGABRT on a failed thread creation) or a
 * signal is reported as that signal, not as exit 3; and any other library calling
 * exit() from inside the program would be reported the same way (none does here).
 * No pre-check of RLIMIT_NPROC or RLIMIT_AS: the limit counts every process and
 * thread of the user, and the address space a thread needs depends on the runtime's
 * stack size, so only the failure itself tells.
 *
 * A case of W workers needs exactly W threads. The runtime may give fewer: with
 * OMP_DYNAMIC=true libgomp hands out no more than the idle cores (cores minus the load
 * average), and OMP_THREAD_LIMIT, OMP_MAX_ACTIVE_LEVELS=0 or a region started from a
 * thread of our own cap a team too. The user's setting is kept (it is theirs to make),
 * and every parallel region checks its team (hx_omp_team_check): a short team ends the
 * run with exit 3 and a line naming the likely cause, never a wrong figure or a
 * validation failure. */
static void omp_exit_guard(void)
{
	if (__atomic_load_n(&leaving, __ATOMIC_SEQ_CST))
		return;
	hx_fault_claim();
	fprintf(stderr,
		"%s:%d: %s: the OpenMP runtime ended the program (see its message above): a "
		"system resource ran out (threads: ulimit -u / -v)\n",
		__FILE__, __LINE__, hx_current_exercise());
	fflush(stderr);
	hx_exit_now(HX_EXIT_SYSTEM);
}

#include "backend_omp.c"
#endif

#ifdef _OPENMP
/* ---- OpenMP: waiting threads sleep, as POSIX threads and processes do ---------------
 *
 * Left to itself libgomp spins at a barrier or a lock for GOMP_SPINCOUNT rounds
 * (300,000; 1,000 when the threads outnumber the cores) before it sleeps. With as many
 * threads as cores and another program holding a core, a thread that finished first
 * then burns the core the last thread waits for: a team of exactly the cores ran 10 to
 * 100 times slower than one thread or than more threads than cores (race's `local` at 2
 * threads: 13.2 ms spinning, 1.39 ms passive, at load 6). pthreads and procs wait in
 * futexes, so for the same construct to be compared on every backend an OpenMP program
 * waits passively (OMP_WAIT_POLICY=passive) unless OMP_WAIT_POLICY or GOMP_SPINCOUNT
 * is set: OMP_WAIT_POLICY=active measures the spinning runtime. The records keep the
 * setting (`env`). libgomp reads its environment when it is loaded, before main: the
 * program starts itself again, once, with the setting made; LLVM's libomp reads it at
 * its first use, after this. */
/* --bind cores on OpenMP: the runtime places the threads (OMP_PROC_BIND=close, one
 * thread a place, OMP_PLACES=cores), as the harness binds threads and processes. Like
 * the waiting policy it must be in the environment before libgomp loads: the same
 * start again. The mode comes from the command line (--bind cores, --bind=cores; the
 * parser judges it later, so a bad value only leaves the environment alone) or from
 * TVP_BIND; a setting of OMP_PROC_BIND or OMP_PLACES already made is kept (the records
 * show it: env, binding). */
static int omp_bind_asked(char **argv)
{
	const char *mode = getenv("TVP_BIND");
	for (int i = 1; argv[i] != NULL && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--bind") == 0 && argv[i + 1] != NULL)
			mode = argv[++i];
		else if (strncmp(argv[i], "--bind=", 7) == 0)
			mode = argv[i] + 7;
	}
	return mode != NULL && strcmp(mode, "cores") == 0;
}

static int set_unless(const char *name, const char *value)
{
	if (getenv(name) != NULL)
		return 0;
	if (setenv(name, value, 1) != 0)
		hx_die_errno(__FILE__, __LINE__, "setenv", errno);
	return 1;
}

static void omp_wait_passive(char **argv)
{
	int changed = 0;
	if (getenv("OMP_WAIT_POLICY") == NULL && getenv("GOMP_SPINCOUNT") == NULL)
		changed |= set_unless("OMP_WAIT_POLICY", "passive");
	if (omp_bind_asked(argv)) {
		changed |= set_unless("OMP_PROC_BIND", "close");
		changed |= set_unless("OMP_PLACES", "cores");
	}
	if (!changed)
		return;
	if (dlsym(RTLD_DEFAULT, "__kmpc_fork_call") != NULL) /* libomp: not started yet */
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	/* no /proc: go on spinning and unbound, and say so in the records (env, binding) */
	if (unsetenv("OMP_WAIT_POLICY") != 0 || unsetenv("OMP_PROC_BIND") != 0 ||
	    unsetenv("OMP_PLACES") != 0)
		hx_die_errno(__FILE__, __LINE__, "unsetenv", errno);
}
#endif

void hx_backend_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
#ifdef _OPENMP
	omp_wait_passive(*argv);
	if (atexit(omp_exit_guard) != 0)
		hx_die(__FILE__, __LINE__, "atexit", "cannot register the exit guard");
#if defined(__clang__)
	/* LLVM's libomp guards `critical` with a fair queuing lock by default: with more
	 * threads than cores every hand-off waits for the next thread in line to be
	 * scheduled (a convoy: milliseconds an update on 2 busy cores, 400x its unfair
	 * test-and-set lock). libgomp and glibc's mutexes are unfair, so for the same
	 * construct to be measured under both runtimes libomp gets its test-and-set lock,
	 * unless KMP_LOCK_KIND is set. Read when the runtime starts, below. */
	if (setenv("KMP_LOCK_KIND", "tas", 0) != 0)
		hx_die_errno(__FILE__, __LINE__, "setenv(KMP_LOCK_KIND)", errno);
#endif
#endif
}

void hx_backend_finalize(void)
{
	__atomic_store_n(&leaving, 1, __ATOMIC_SEQ_CST);
}

int hx_backend_rank(void)
{
	return 0;
}

int hx_backend_nranks(void)
{
	return 1;
}

int hx_backend_max_default(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
#endif
}

int hx_backend_max_workers(void)
{
#ifdef _OPENMP
	int limit = omp_get_thread_limit(); /* OMP_THREAD_LIMIT */
	return limit < HX_MAX_WORKERS ? limit : HX_MAX_WORKERS;
#else
	return HX_MAX_WORKERS;
#endif
}

void hx_backend_bcast(void *buf, size_t len)
{
	(void)buf;
	(void)len;
}

void hx_backend_max(double *v, size_t n)
{
	(void)v;
	(void)n;
}

int hx_backend_enter(int workers)
{
	(void)workers;
	return 1;
}

void hx_backend_leave(void)
{
}

void hx_alone(void (*fn)(void *arg), void *arg)
{
	fn(arg); /* between teams (OpenMP: outside any region): no worker has work */
}

int hx_backend_case_worst(int v)
{
	return v;
}

#ifdef _OPENMP
/* OpenMP's binding without starting a region (which would create the pool before the
 * first case): the policy, and the places a team's threads are put on under it. */
static void omp_binding(char *out, size_t len)
{
	static const char *const policy[] = { "false", "true", "primary", "close", "spread" };
	omp_proc_bind_t b = omp_get_proc_bind();
	int nplaces = omp_get_num_places(), used;
	char cpus[128];

	if (b == omp_proc_bind_false || nplaces <= 0) {
		hx_cpu_list(cpus, sizeof cpus);
		snprintf(out, len, "none (OMP_PROC_BIND false): each thread may run on CPUs %s", cpus);
		return;
	}
	used = snprintf(out, len, "OMP_PROC_BIND %s, threads placed on %d place%s:",
			(unsigned)b < sizeof policy / sizeof policy[0] ? policy[b] : "?", nplaces,
			nplaces == 1 ? "" : "s");
	for (int pl = 0; pl < nplaces && used > 0 && (size_t)used < len; pl++) {
		int n = omp_get_place_num_procs(pl), ids[64];
		if (n > 64)
			n = 64;
		omp_get_place_proc_ids(pl, ids);
		used += snprintf(out + used, len - (size_t)used, " {");
		for (int i = 0; i < n && (size_t)used < len; i++)
			used += snprintf(out + used, len - (size_t)used, "%s%d", i ? "," : "", ids[i]);
		if ((size_t)used < len)
			used += snprintf(out + used, len - (size_t)used, "}");
	}
}
#endif

void hx_backend_info(struct hx_provenance *p)
{
#ifdef _OPENMP
	snprintf(p->openmp, sizeof p->openmp, "%d", _OPENMP);
	omp_binding(p->binding, sizeof p->binding);
#else
	char cpus[128];
	hx_cpu_list(cpus, sizeof cpus);
	if (hx_bind_mode() == HX_BIND_CORES)
		snprintf(p->binding, sizeof p->binding,
			 "cores: %s w on the w-th of the process's CPUs %s (each record: what each got)",
			 hx_worker_kind, cpus);
	else
		snprintf(p->binding, sizeof p->binding, "none: every %s may run on the process's CPUs %s",
			 hx_worker_kind, cpus);
#endif
	p->hosts = 1;
	snprintf(p->host_names, sizeof p->host_names, "%s", p->host);
	p->crossed_nodes = 0;
}

void hx_backend_case_info(int workers, struct hx_provenance *p)
{
#ifdef _OPENMP
	/* the runtime binds: the mode asked, then the policy and places it got; under
	 * close with no more threads than places, thread w runs on place w */
	int places = omp_get_num_places(), n;
	n = snprintf(p->binding, sizeof p->binding, "%s: %s", hx_bind_name(hx_bind_mode()),
		     omp_get_proc_bind() == omp_proc_bind_close && workers <= places
			     ? "close, thread w on place w; " : "");
	if (n > 0 && (size_t)n < sizeof p->binding)
		omp_binding(p->binding + n, sizeof p->binding - (size_t)n);
#else
	hx_bind_describe(workers, p->binding, sizeof p->binding);
#endif
	/* one process: every worker runs on this host */
	p->hosts = 1;
	snprintf(p->host_names, sizeof p->host_names, "%s", p->host);
	p->crossed_nodes = 0;
}

void hx_backend_build(char *out, size_t len)
{
#ifdef _OPENMP
	snprintf(out, len, "%s, MPI none, OpenMP %d", HX_COMPILER, _OPENMP);
#else
	snprintf(out, len, "%s, MPI none, OpenMP none", HX_COMPILER);
#endif
}

_Noreturn void hx_backend_abort(int code)
{
	__atomic_store_n(&leaving, 1, __ATOMIC_SEQ_CST);
	exit(code);
}
