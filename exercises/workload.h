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
	int measure_mem; /* also measure the memory of idle workers (outside the timed region) */
	int mem_workers; /* M, the large idle team of that measurement (--mem-workers) */
};

/* What one more worker costs in memory, KiB, measured outside the timed region by the
 * backend's memory probe (posix/, openmp/, mpi/workload_memprobe.c) with
 * idle workers. Threads and processes: a team of 1 and a team of M idle workers, each
 * read while alive minus the same reading just before it, and the slope between the
 * two, (mem(M) - mem(1)) / (n(M) - n(1)), with n the workers that really came into
 * being (threads from /proc/self/status). MPI ranks: the mean over the ranks of the
 * case, each reading its own (a slope over ranks needs two launches: tools/mpimem.sh).
 * NAN: not measured. */
enum wl_mem_kind { WL_MEM_NONE, WL_MEM_THREADS, WL_MEM_PROCS, WL_MEM_RANKS };
struct wl_mem {
	enum wl_mem_kind kind;
	int workers;     /* M (ranks: the ranks of the case) */
	double pss, uss; /* user pages (smaps_rollup Pss; Private_Clean + Private_Dirty) */
	double pte;      /* page tables (VmPTE) */
	double kstack;   /* kernel stacks (/proc/meminfo KernelStack; NAN for ranks) */
	double check;    /* the second method: /proc/meminfo AnonPages + KernelStack +
			  * PageTables, the same slope (system-wide: others' noise in it) */
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
	struct wl_mem mem; /* when a->measure_mem: what one more idle worker costs */
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

/* ---- reading memory (the probes' pure part) ---------------------------------------
 * One process `pid` (0: this one), KiB: Rss, Pss and Private_Clean + Private_Dirty
 * (uss) from /proc/<pid>/smaps_rollup, VmPTE and Threads from /proc/<pid>/status.
 * The machine: KernelStack, PageTables, AnonPages from /proc/meminfo. Return 0, or -1
 * when a field cannot be read. */
struct wl_procmem {
	double rss, pss, uss, pte, threads;
};
struct wl_sysmem {
	double kstack, pagetables, anon;
};
int wl_proc_mem(int pid, struct wl_procmem *m);
int wl_sys_mem(struct wl_sysmem *m);
/* What a team of n idle workers added, KiB: the reading while it is alive minus the
 * one before it (summed over its processes). */
struct wl_memdelta {
	double n, pss, uss, pte, kstack, check;
};
/* d->kstack and d->check from readings of /proc/meminfo while the team is alive and
 * the mean of those before and after it (a drift of the machine's memory in between
 * cancels out). */
void wl_sys_delta(const struct wl_sysmem *before, const struct wl_sysmem *alive,
		  const struct wl_sysmem *after, struct wl_memdelta *d);
/* The per-worker slope between a small team and a large one into *out (kind and
 * workers are the caller's); everything NAN when big->n <= one->n. */
void wl_mem_slope(const struct wl_memdelta *one, const struct wl_memdelta *big,
		  struct wl_mem *out);
/* The probes measure WL_MEM_TRIES times (teams of 1 and M each time) and keep the
 * median of each field over the tries that measured it (a program elsewhere on the
 * machine that allocates or frees while a team is alive moves the /proc/meminfo
 * figures of one try). */
#define WL_MEM_TRIES 3
void wl_mem_median(const struct wl_mem *m, int n, struct wl_mem *out);
/* Everything NAN, kind WL_MEM_NONE. */
void wl_mem_unmeasured(struct wl_mem *out);

/* The parallel part, one per backend: run the tasks; done[i] counts how often task i
 * ran and result[i] holds its result (on MPI, on rank 0: the sums over ranks). */
void wl_run(const struct wl_args *a, long *done, uint64_t *result, struct wl_report *r);

#endif
