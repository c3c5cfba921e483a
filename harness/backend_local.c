/* backend_local.c: the adapter for the single-process backends: openmp, pthreads and
 * procs (and the unit tests). Compiled once per backend with -DHX_BACKEND=<name>
 * (-DHX_WORKER_KIND=process for procs; -fopenmp for openmp, where the worker ceiling is
 * the runtime's: OMP_NUM_THREADS, else the online cores). One process, rank 0 of 1:
 * every collective is the identity. */
#include "hx.h"

#include <stdio.h>
#include <stdlib.h>
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

void hx_backend_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}

void hx_backend_finalize(void)
{
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

int hx_backend_all_ok(int ok)
{
	return ok;
}

void hx_backend_max(double *v, size_t n)
{
	(void)v;
	(void)n;
}

void hx_backend_sum(double *v, size_t n)
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
	exit(code);
}
