/* workload.h: exercise 8, I/O-bound versus CPU-bound work (catalogue section 8).
 *
 * The seeds' claim (Q1, Q3): threads for I/O-bound work, processes for CPU-bound work.
 * Here: T tasks, each of one kind, shared out in contiguous blocks over W workers
 * (worker w takes tasks [w*T/W, (w+1)*T/W)). A `cpu` task runs a fixed amount of
 * arithmetic (wl_cpu_task, compiled once for every backend); an `io` task blocks in a
 * sleep; a `file` task writes a private unnamed file, fsyncs it and reads it back;
 * `mixed` alternates cpu and io tasks (even tasks cpu, odd ones io), so every block
 * of two or more tasks holds both kinds.
 * On 2 cores, waits overlap past the core count (io keeps gaining up to W = T) and
 * arithmetic stops at it (cpu tops out near 2x). */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>

enum wl_kind { WL_CPU, WL_IO, WL_FILE, WL_MIXED };

struct wl_args {
	enum wl_kind kind;
	int workers;
	long tasks;     /* T */
	long cpu_iters; /* arithmetic steps of one cpu task */
	long sleep_us;  /* the wait of one io task */
	long file_kib;  /* bytes written, synced and read back by one file task */
	int measure_mem; /* also measure the memory of the team (outside the timed region) */
};

/* What the parallel part reports besides the per-task results. */
struct wl_report {
	double work_s;  /* the timed region: all ready .. last task done */
	/* Creating and ending the team, outside the work; HX_NOT_MEASURED on MPI (mpirun
	 * started the ranks before main). posix: stamped where they happen (posix/team.h's
	 * px_life): start from the first create call to the last worker running, end from
	 * the last worker's end to the last one joined / reaped. OpenMP: the first region
	 * of a fresh pool from outside less its work (the runtime creates its threads
	 * there), and tearing the pool down (omp_pause_resource_all). */
	double start_s, end_s;
	/* Per worker: posix, the means over the team of create call -> running and of
	 * end -> joined / reaped; OpenMP, start_s and end_s over W. HX_NOT_MEASURED on MPI. */
	double create_s, reap_s;
	int woken; /* OpenMP: the runtime kept its pool, so start_s is a wake-up */
	/* When a->measure_mem: the memory each worker adds while the whole team is alive
	 * (a second, untimed team that only waits): RSS, and PSS (shared pages split
	 * between the processes that map them); NAN when it cannot be read. */
	double rss_kib, pss_kib;
};

/* The first task of worker w (the block of w is [wl_first(w), wl_first(w + 1))). */
static inline long wl_first(long tasks, int workers, int w)
{
	return (long)((__int128)tasks * w / workers);
}

/* The kind of task i under a->kind (mixed: even cpu, odd io). */
static inline enum wl_kind wl_task_kind(const struct wl_args *a, long i)
{
	if (a->kind == WL_MIXED)
		return i % 2 == 0 ? WL_CPU : WL_IO;
	return a->kind;
}

/* The kernels, compiled once (exercises/workload.c). Each returns the task's result. */
uint64_t wl_cpu_task(long task, long iters);   /* a checksum of the arithmetic */
uint64_t wl_io_task(long task, long sleep_us);  /* a token: wl_io_token(task) */
uint64_t wl_file_task(long task, long kib);     /* checksum of the data read back */
uint64_t wl_run_task(const struct wl_args *a, long task); /* by kind */
uint64_t wl_io_token(long task);
/* The checksum wl_file_task must read back (computed without any file). */
uint64_t wl_file_expected(long task, long kib);

/* Memory of process `pid` (0: this one) in KiB, from /proc/<pid>/smaps_rollup
 * (Rss, Pss), else /proc/<pid>/status (VmRSS; *pss = -1). Returns 0, or -1. */
int wl_mem_kib(int pid, double *rss, double *pss);

/* The parallel part, one per backend: run the tasks; done[i] counts how often task i
 * ran and result[i] holds its result (on MPI, on rank 0: the sums over ranks). */
void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r);

#endif
