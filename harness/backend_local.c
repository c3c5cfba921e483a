/* backend_local.c: the adapter for the single-process backends: openmp, pthreads and
 * procs (and the unit tests). Compiled once per backend with -DHX_BACKEND=<name>
 * (-DHX_WORKER_KIND=process for procs; -fopenmp for openmp, where the worker ceiling is
 * the runtime's: OMP_NUM_THREADS, else the online cores). One process, rank 0 of 1:
 * every collective is the identity. */
#include "hx.h"

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

void hx_omp_team_check_at(const char *file, int line, int want)
{
	int got = omp_get_num_threads();
	char msg[512];
	int n;

	if (got >= want)
		return;
	/* every thread of the short team is here: one reports, the others wait for the
	 * end (none may go on into work laid out for `want` threads) */
	hx_fault_claim();
	n = snprintf(msg, sizeof msg, "%s:%d: %s: OpenMP gave %d thread%s where %d were asked (%s)\n",
		     file, line, hx_current_exercise(), got, got == 1 ? "" : "s", want,
		     omp_get_dynamic() ? "OMP_DYNAMIC is true: the runtime shrinks a team to the "
					 "idle cores; unset it"
				       : "OMP_THREAD_LIMIT? OMP_MAX_ACTIVE_LEVELS? ulimit -u?");
	if (n > 0 && write(STDERR_FILENO, msg, strlen(msg)) < 0) {
		/* the exit status still tells */
	}
	hx_exit_now(HX_EXIT_SYSTEM);
}
#endif

void hx_backend_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
#ifdef _OPENMP
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

int hx_backend_case_worst(int v)
{
	return v;
}

void hx_backend_info(struct hx_provenance *p)
{
#ifdef _OPENMP
	snprintf(p->openmp, sizeof p->openmp, "%d", _OPENMP);
#else
	(void)p;
#endif
}

_Noreturn void hx_backend_abort(int code)
{
	__atomic_store_n(&leaving, 1, __ATOMIC_SEQ_CST);
	exit(code);
}
