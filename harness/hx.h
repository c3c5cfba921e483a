/*
 * hx.h: the common timing harness, one implementation for every backend.
 *
 * An exercise is described once (struct hx_exercise, in exercises/<name>.c): its
 * variants, its options, its size, and four hooks (setup, run, check, teardown).
 * hx_main() parses the command line, then for every (variant x workers) case runs
 * the exercise: `warmup` untimed repetitions, then `reps` timed ones, each followed
 * by the exercise's own validation outside the timed region; it reduces the samples
 * to statistics and prints one record per case and phase (table, CSV or JSON).
 *
 * The backend adapter (harness/backend_<model>.c, one is linked into each program)
 * supplies what differs between models: MPI's ranks, barrier and max-reduction,
 * OpenMP's runtime version, nothing at all for POSIX.
 *
 * Public names start with hx_; everything else in the harness is static.
 */
#ifndef HX_H
#define HX_H

#include <stddef.h>
#include <stdint.h>

/* ---- exit codes: the same rule on every backend ---------------------------- */
enum {
	HX_EXIT_OK = 0,       /* every case validated (or was reported unsafe on purpose) */
	HX_EXIT_INVALID = 1,  /* a result failed its validation */
	HX_EXIT_USAGE = 2,    /* bad command line: one line on stderr names the option */
	HX_EXIT_SYSTEM = 3,   /* a system, pthread or MPI call failed (file:line on stderr) */
};

/* ---- clock ------------------------------------------------------------------ */
/* Monotonic wall clock, never CPU time (a CPU clock adds up across threads). */
uint64_t hx_now_ns(void);
double hx_now(void); /* seconds */
/* Busy-free sleep for `ns` nanoseconds (restarts after signals). */
void hx_sleep_ns(uint64_t ns);
/* Bounded waits (a give-up time, not a measurement): the moment `ns` from now, and
 * whether it has passed. Nanoseconds on CLOCK_MONOTONIC, like every clock here, so a
 * deadline may go to pthread_cond_timedwait on a CLOCK_MONOTONIC condition variable
 * (split into seconds and nanoseconds). */
uint64_t hx_deadline(uint64_t ns);
int hx_expired(uint64_t deadline);
/* A timestamp for a figure of the exercise's own that is not its timed region (an
 * item's time in a queue, a message's round trip): nanoseconds, monotonic. The timed
 * region itself is stamped by the team helpers (posix/team.h, openmp/team.h,
 * mpi/team.h) and by hx_time. */
uint64_t hx_stamp_ns(void);
/* Seconds that fn(arg) takes on the calling thread: a serial region, timed. */
double hx_time(void (*fn)(void *arg), void *arg);

/* ---- statistics ------------------------------------------------------------- */
struct hx_stats {
	size_t n;
	double min, max, median, mean, sd;
	double ci95_lo, ci95_hi; /* 95% interval of the mean (Student t) */
	/* The median's interval, free of any assumed distribution: order statistics
	 * [x(k), x(n+1-k)] with the largest k that covers the median at least 95% of the
	 * time (n >= 6); with fewer samples [min, max]. med_conf: its coverage,
	 * 1 - 2 P(Bin(n, 1/2) < k) (n = 5: 0.9375, n = 3: 0.75). */
	double med_lo, med_hi, med_conf;
	int outliers;            /* samples outside the Tukey fences Q1-1.5IQR, Q3+1.5IQR */
	/* Two modes, not one: sorted, the samples split where one is at least
	 * HX_BIMODAL_GAP times the one before, with at least 2 on each side (n >= 4; the
	 * widest such gap). Then mode_lo and mode_hi are the medians of the two groups,
	 * of n_lo and n - n_lo samples: a median alone would describe neither. */
	int bimodal;
	double mode_lo, mode_hi;
	size_t n_lo;
};
#define HX_BIMODAL_GAP 3.0
/* Fills *st from n samples (n >= 1). The samples are not modified. Returns 0, or -1
 * when n is 0 or memory runs out. */
int hx_stats_compute(const double *samples, size_t n, struct hx_stats *st);
/* Two-sided 95% Student t quantile for `df` degrees of freedom (df >= 1). */
double hx_t95(size_t df);
/* The q-quantile (0 <= q <= 1; linear interpolation between closest ranks, "R-7")
 * and the median of n samples, which are not modified; NAN when n is 0. */
double hx_quantile(const double *samples, size_t n, double q);
double hx_median(const double *samples, size_t n);

/* ---- options ------------------------------------------------------------------ */
#define HX_MAX_LIST 32      /* values in a list option (-w 1,2,4,...) */
#define HX_MAX_VARIANTS 16
#define HX_MAX_XOPTS 12     /* exercise-specific options */
#define HX_MAX_WORKERS 1024 /* beyond this a worker count is refused as absurd */

enum hx_opt_kind {
	HX_OPT_INT,    /* a whole number in [min, max]; `bytes` allows K/M/G suffixes */
	HX_OPT_CHOICE, /* one of `choices`; stored as its index */
	HX_OPT_FLAG,   /* no value; stored as 1 */
	HX_OPT_RANGE,  /* MIN:MAX, both in [min, max], MIN <= MAX */
};

struct hx_optdef {
	char shortname;        /* 0 for none */
	const char *longname;  /* without the leading -- */
	enum hx_opt_kind kind;
	const char *metavar;   /* e.g. "N", "MIN:MAX" */
	const char *help;
	long long min, max;    /* for INT and RANGE */
	long long def;         /* default (INT, CHOICE index, FLAG); RANGE: def..def2 */
	long long def2;
	int bytes;             /* INT/RANGE: accept K, M, G suffixes (powers of 1024) */
	const char *const *choices; /* CHOICE: NULL-terminated */
	int pow2;              /* INT/RANGE: only powers of two */
};

enum hx_format { HX_FMT_TABLE, HX_FMT_CSV, HX_FMT_JSON };

/* The parsed command line. Plain data without pointers, so the MPI adapter can
 * broadcast it from rank 0 to every rank as bytes. */
struct hx_opts {
	long long size;
	int size_set;
	int nworkers;
	int workers[HX_MAX_LIST];
	int workers_set;
	int reps, warmup;
	int nvariants;
	int variants[HX_MAX_VARIANTS]; /* indices into the exercise's variant table */
	enum hx_format format;
	int quiet;
	int all_records;               /* --all-records: n/a cases are records too (CSV, JSON,
					* --save), one per phase; else only the table shows them,
					* in one line */
	char save[256];                /* --save FILE: also append the records there */
	int watchdog_s;                /* --watchdog SEC: a repetition longer than this is a hang
					* (exit 3, the stuck workers named); 0: no watchdog */
	int target_ms;                 /* --target-ms MS: calibration's shortest sample (see
					* hx_exercise.calibrate) */
	int bind;                      /* --bind: HX_BIND_NONE or HX_BIND_CORES (default: the
					* environment's TVP_BIND, else none) */
	int bind_set;                  /* --bind was given */
	long long x[HX_MAX_XOPTS][2];  /* exercise options, in the order of ex->xopts */
	int xset[HX_MAX_XOPTS];
};

/* --bind MODE: how every backend binds its workers (harness/machine.c). none: as the
 * process was started (every worker may run on the process's CPUs); cores: worker w on
 * the w-th CPU of the process's allowed set, modulo its size (pthreads, procs:
 * sched_setaffinity; OpenMP: OMP_PROC_BIND=close OMP_PLACES=cores, set before the
 * runtime starts; MPI: the launcher's, which the program checks and reports). */
enum hx_bind { HX_BIND_NONE = 0, HX_BIND_CORES = 1 };

enum hx_parse_result { HX_PARSE_OK = 0, HX_PARSE_EXIT = 1, HX_PARSE_ERROR = 2 };

/* ---- exercises ------------------------------------------------------------------ */
struct hx_variant {
	const char *name;
	const char *help;
};

/* Verdict of one case, set by the exercise's check hook. */
/* Ordered by severity: the worst over repetitions and ranks is reported. */
enum hx_verdict {
	HX_PASS = 0,   /* validated */
	HX_UNSAFE = 1, /* unsafe on purpose (race --variant none): what went wrong is reported */
	HX_NA = 2,     /* not applicable on this backend: the reason is reported */
	HX_FAIL = 3,   /* validation failed: the program exits 1 */
	/* validated, but a figure is not to be trusted (a speedup past 1.1 x the workers,
	 * a time of 0, an interval wider than the median, negative memory): the reason is
	 * in the note; the program still exits 0. Rank 0 decides it, per record. */
	HX_SUSPECT = 4,
};
#define HX_SUSPECT_SPEEDUP 1.1 /* a speedup above this times the workers is suspect */

#define HX_MAX_PHASES 4
#define HX_NOTE_LEN 256

/* One case: a variant at a worker count. The exercise keeps its state in `state`. */
struct hx_case {
	const struct hx_exercise *ex;
	const struct hx_opts *opts;
	int variant;              /* index into ex->variants */
	const char *variant_name;
	int workers;
	long long size;
	int rep;                  /* 0.. for warm-up then timed repetitions */
	int timed;                /* this repetition's times are kept */
	void *state;
	enum hx_verdict verdict;
	char note[HX_NOTE_LEN];   /* key=value pairs for the record, space separated */
	double ops;               /* operations per repetition, for the per-op figure */
#define HX_NOT_MEASURED (-1.0) /* in t[]: a phase's seconds that could not be measured */
	/* Filled by the run hook: seconds per phase (phase 0 only, unless ex->phases);
	 * HX_NOT_MEASURED for a phase this backend cannot time (its record's figures are
	 * then empty, never 0). */
	double t[HX_MAX_PHASES];
	/* Kept from setup to the record, on rank 0 (NAN until set): */
	double figure;    /* what later cases read with hx_result_median: the median of
			   * phase 0 unless the exercise sets another (squares: its total) */
	double reference; /* a figure the case measured for its own finish hook
			   * (sumsquares: the serial baseline when no serial case runs) */
	double speedup;   /* set by finish when the exercise computes one: the harness
			   * calls it suspect past HX_SUSPECT_SPEEDUP x workers */
	char suspect[96]; /* why a figure is not to be trusted (hx_suspect); "" none */
	/* Calibration and the reference loop (ex->calibrate, ex->refloop): */
	int refloop;      /* 1 while this repetition runs the reference loop: the run hook
			   * leaves the primitive out, the check hook does not judge it */
	double ref_op_s;  /* the reference loop's median seconds per op (rank 0), or NAN */
};

struct hx_exercise {
	const char *name;
	const char *summary;            /* one line for --help */
	const struct hx_variant *variants; /* terminated by a {NULL} entry */
	const char *size_name;          /* what -n counts, e.g. "iterations per worker" */
	long long size_def, size_min, size_max;
	const char *op_name;            /* the per-op unit, e.g. "update" */
	const char *const *phases;      /* NULL: a single phase called "run" */
	const int *workers_def;         /* NULL: 1, 2, 4, ... up to the cores, and the cores */
	/* Default worker counts computed from the options (they win over workers_def):
	 * writes at most `max` into out[], returns how many. Pure: it only reads `o`. */
	int (*workers_default)(const struct hx_opts *o, int *out, int max);
	int reps_def, warmup_def;
	const struct hx_optdef *xopts;  /* terminated by a {0, NULL} entry; may be NULL */
	/* Sizes to sweep (ipc's message sizes): fills out[] from the options, returns how
	 * many (at most `max`). NULL: the one size of -n. */
	int (*sizes)(const struct hx_opts *o, long long *out, int max);
	/* Why the case cannot run on this backend (a variant the model has no such thing
	 * for), or NULL when it can: each backend answers for its variants through the
	 * exercise's <e>_na(). The case is then reported n/a with the reason, and no other
	 * hook is called. May be NULL. */
	const char *(*not_applicable)(const struct hx_case *c);
	/* Cross-option checks after parsing; writes one line into err. May be NULL. */
	int (*check_opts)(const struct hx_opts *o, char *err, size_t errlen);
	/* The case's state: the harness gives every case state_size zeroed bytes in
	 * c->state before setup and frees them after teardown (0: c->state is NULL). */
	size_t state_size;
	/* Per case, outside timing. Return 0, or HX_NA with c->note saying why (then
	 * nothing may be left allocated: teardown is called only after a 0). */
	int (*setup)(struct hx_case *c);
	/* One repetition: the parallel part, which fills c->t[] with its timed region. */
	void (*run)(struct hx_case *c);
	/* After each repetition, outside timing: sets c->verdict (and c->note). */
	void (*check)(struct hx_case *c);
	/* Frees what setup allocated besides the state. May be NULL. */
	void (*teardown)(struct hx_case *c);
	/* EPCC's calibration (harness/driver.c, "calibration"): 1 when one sample must last
	 * at least --target-ms. When -n is not given, the inner repetitions (-n: c->size,
	 * or opts->size for an exercise with a size sweep) start at calib_start (0:
	 * size_def) and double in untimed runs (setup, run, check, teardown: validated)
	 * until the shortest timed phase of one run lasts the target, bounded by size_max,
	 * check_opts and a time cap; rank 0 decides
	 * for every rank. The note says calibrated=1 target_ms= inner=. With -n given, the
	 * size is used as is, and a median sample shorter than the target is noted
	 * (calibrated=0 sample_ms=). */
	int calibrate;
	long long calib_start;
	/* The reference loop, EPCC's: 1 when this case has one. The harness then runs, after
	 * the timed repetitions and at the same size, as many again with c->refloop = 1 (the
	 * same loop with the primitive replaced by nothing), and notes ref_ns= (its median
	 * per op) and overhead_ns= (the case's median per op minus ref_ns). May be NULL. */
	int (*refloop)(const struct hx_case *c);
	/* Rank 0, after the statistics, before the record is printed: may add to c->note
	 * (a speedup against an earlier case, say: see hx_result_median, or against a
	 * phase of the same repetitions). phase[p]: the statistics of phase p (n == 0 for a
	 * phase that was not timed). May be NULL. */
	void (*finish)(struct hx_case *c, const struct hx_stats *phase);
};

#define HX_MAX_SIZES 64

/* The figure (c->figure: the median of phase 0 in seconds, unless the exercise set
 * another) of a case already run by this program with the same size: `variant` at
 * `workers`; NAN when there is none (rank 0 only). The cases run in one order whatever
 * the order of the options (variants as the descriptor lists them, worker counts and
 * sizes ascending), so a case finds the same earlier cases for the same options. */
double hx_result_median(const struct hx_case *c, const char *variant, int workers);

/* Rank 0, in finish: a figure of this case is not to be trusted (fmt, printf-style):
 * its records say `suspect` with the reason, if it validated. The first reason wins. */
void hx_suspect(struct hx_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The program's entry point: `int main(int argc, char **argv) { return hx_main(&ex,...); }`
 * (generated for each exercise from harness/main.c). */
int hx_main(const struct hx_exercise *ex, int argc, char **argv);

/* Parsing, separated out so the tests can drive it. On HX_PARSE_ERROR, err holds one
 * line naming the option; on HX_PARSE_EXIT, `out` holds the --help/--version text. */
int hx_parse(const struct hx_exercise *ex, int argc, char *const argv[], struct hx_opts *o,
	     char *err, size_t errlen, char *out, size_t outlen);
/* An exercise's own option, by its index in ex->xopts: declare the options with
 * designated initialisers indexed by the exercise's enum ([SYNC_PERMITS] = { .longname =
 * "permits", ... }) and read them with that enum. RANGE: hx_opt is MIN, hx_opt_hi MAX.
 * hx_opt_given: it was on the command line. */
long long hx_opt(const struct hx_opts *o, int idx);
long long hx_opt_hi(const struct hx_opts *o, int idx);
int hx_opt_given(const struct hx_opts *o, int idx);
int hx_variant_index(const struct hx_exercise *ex, const char *name);
int hx_variant_count(const struct hx_exercise *ex);

/* Append `key=value` (printf-style value) to the case's note. */
void hx_note(struct hx_case *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Chatter for a human (results as they complete, ...): printed by rank 0 in table
 * mode unless --quiet, never in CSV/JSON mode so stdout stays machine-readable. */
void hx_say(const struct hx_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- records ------------------------------------------------------------------------ */
struct hx_record {
	const char *exercise, *variant, *backend, *phase;
	double load1;      /* the 1-minute load average when the case ended */
	double steal_pct;  /* CPU time stolen by a hypervisor since the program started, % */
	double idle_pct;   /* CPU time left idle since the program started, % of all CPUs' */
	int loaded;        /* 1: the machine was busy (see hx_machine_busy) */
	int workers;
	long long size;
	int reps, warmup;
	struct hx_stats st;
	double ops;        /* per repetition; 0 when the exercise has no per-op figure */
	const char *op_name;
	enum hx_verdict verdict;
	const char *note;
};

struct hx_provenance {
	char host[128];
	int cores;          /* online CPUs */
	char affinity[128]; /* CPUs this process may run on, as a list (0-1) */
	char compiler[96];
	char mpi[128];      /* MPI library and version, or "none" */
	char openmp[32];    /* OpenMP version (_OPENMP), or "none" */
	char git[64];
	char time_utc[32];
	char command[1024];
	char cpu_model[96];
	char kernel[64];
	double load_start;  /* the 1-minute load average when the program started */
	char env[512];      /* the runtimes' settings: OMP_*, GOMP_*, OMPI_MCA_*, ... */
	char topology[128]; /* hwloc's: packages, NUMA nodes, cores, hardware threads */
	char binding[512];  /* where the workers may run: bound or not, and to which CPUs;
			     * per case: the mode asked, then what each worker got */
	/* per case: the hosts its workers ran on (MPI: the case's ranks' processor
	 * names; elsewhere this host), how many, and whether the case crossed nodes */
	int hosts;
	char host_names[256]; /* distinct names joined with '+', in rank order */
	int crossed_nodes;
};

/* ---- the machine's state (harness/machine.c; Linux /proc, else NAN) --------------- */
struct hx_cpu_times {
	unsigned long long total, idle, steal; /* clock ticks of all CPUs since boot */
};
double hx_loadavg(void);                       /* 1-minute load average */
int hx_cpu_times(struct hx_cpu_times *t);      /* 0, or -1 (all 0) */
double hx_steal_pct(const struct hx_cpu_times *a, const struct hx_cpu_times *b);
double hx_idle_pct(const struct hx_cpu_times *a, const struct hx_cpu_times *b);
void hx_machine_fill(struct hx_provenance *p); /* cpu_model, kernel, load_start, env,
						 * topology */
/* The CPUs the calling thread may run on, as a list ("0-1", "0,2"); "unknown". */
void hx_cpu_list(char *out, size_t len);
/* The machine's topology from hwloc: "1 package, 1 NUMA node, 2 cores, 2 hardware
 * threads"; "unknown" when hwloc cannot tell. (The `cores` of the provenance are the
 * online CPUs, i.e. hardware threads.) */
void hx_topology(char *out, size_t len);
/* Binding (--bind). hx_bind_start: the driver, on every rank, after parsing: the mode,
 * and the process's allowed CPUs then (the set workers are bound within). */
void hx_bind_start(int mode);
int hx_bind_mode(void);
const char *hx_bind_name(int mode); /* "none", "cores" */
/* The calling thread (a worker thread, or a worker process's only thread) binds itself
 * as worker `worker` under the mode: cores, to the worker-th allowed CPU (modulo);
 * none, nothing. Returns the one CPU it may now run on, or -1 when it may run on more
 * than one. Checked. */
int hx_bind_self(int worker);
/* What worker `worker` of the team that ran last got (hx_bind_self's answer), kept for
 * the record: the thread itself, or the parent of a worker process after reaping it. */
void hx_bind_record(int worker, int cpu);
/* The record's binding for a case of `workers` workers, on a single-process backend:
 * "cores: thread:CPU 0:0 1:1" (as recorded; "-" for a worker not seen, "*" for one
 * that may run on several CPUs), or "none: every thread may run on CPUs 0-1". Forgets
 * the recorded CPUs. */
void hx_bind_describe(int workers, char *out, size_t len);
/* How many whole cores (hwloc) the calling thread's allowed CPUs hold: at most 1 when
 * it is bound to one core (0: to some of a core's hardware threads); -1 when hwloc
 * cannot tell. */
int hx_cpus_cores(void);
/* 1 when the figures of a run may be noisy: a load average above the online cores, or
 * more than HX_STEAL_MAX_PCT of the CPU time stolen. */
#define HX_STEAL_MAX_PCT 5.0
int hx_machine_busy(double load, double steal_pct, int cores);

const char *hx_verdict_name(enum hx_verdict v);
void hx_provenance_fill(struct hx_provenance *p, int argc, char *const argv[]);
/* Writes a record in the chosen format (hx_record_header writes the CSV header or the
 * table heading). Each returns the number of bytes written, or -1. */
int hx_record_write(char *buf, size_t len, enum hx_format f, const struct hx_record *r,
		    const struct hx_provenance *p);
int hx_record_header(char *buf, size_t len, enum hx_format f);
/* Human table: the provenance lines (each starting with "# "). */
int hx_provenance_write(char *buf, size_t len, const struct hx_provenance *p,
			const char *exercise, const char *backend);

/* The compiler that compiled the including file, for the provenance. */
#if defined(__clang__)
#define HX_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define HX_COMPILER "gcc " __VERSION__
#else
#define HX_COMPILER "unknown"
#endif

/* ---- the backend adapter: one implementation per model --------------------------- */
extern const char hx_backend_name[];   /* "openmp", "mpi", "pthreads", "procs" */
extern const char hx_worker_kind[];    /* "thread", "rank", "process" */
void hx_backend_init(int *argc, char ***argv);
void hx_backend_finalize(void);
int hx_backend_rank(void);     /* 0 except on MPI */
int hx_backend_nranks(void);   /* 1 except on MPI */
/* Default worker ceiling: MPI, the number of ranks; otherwise the online cores. */
int hx_backend_max_default(void);
/* MPI: the largest worker count a case may ask for (the ranks); others: HX_MAX_WORKERS. */
int hx_backend_max_workers(void);
void hx_backend_bcast(void *buf, size_t len);           /* from rank 0 */
void hx_backend_max(double *v, size_t n);               /* element-wise max onto rank 0 */
/* Enter a case of `workers` workers: returns 1 when this rank takes part. MPI: the
 * first `workers` ranks form the case's communicator; the others park until
 * hx_backend_leave (sleeping, so they do not steal cores from the measurement). */
int hx_backend_enter(int workers);
void hx_backend_leave(void);
/* Runs fn(arg) on the first worker of the current case while its other workers wait
 * asleep, outside any team: a serial baseline timed in the case's own repetitions
 * (sumsquares, workload). MPI: rank 0 of the case runs it, the case's other ranks wait
 * in an MPI_Ibarrier polled with a sleep, so an oversubscribed rank 0 has its core;
 * elsewhere fn(arg) on the calling thread (no worker is alive between teams). Every
 * rank of the case calls it. */
void hx_alone(void (*fn)(void *arg), void *arg);
/* The worst verdict over the ranks of the current case (MPI; elsewhere `v` itself):
 * after every repetition, so all ranks stop together when one has failed. */
int hx_backend_case_worst(int v);
/* The mpi / openmp fields, and `binding`: whether the workers are bound to CPUs and
 * to which (OpenMP: each thread's place under OMP_PROC_BIND; MPI: each rank's CPUs, as
 * the launcher bound it; POSIX: the process's CPUs, which every worker inherits). */
void hx_backend_info(struct hx_provenance *p);
/* Rank 0, before a case's records are written: the case's `binding` (the mode asked,
 * what each worker got), `hosts`, `host_names` and `crossed_nodes` into *p. MPI: from
 * what the ranks said at the start (MPI_Get_processor_name and their CPUs, gathered to
 * rank 0), for the case's first `workers` ranks; with --bind cores and a rank not bound
 * to one core, the binding says so and rank 0 warns once on stderr. */
void hx_backend_case_info(int workers, struct hx_provenance *p);
/* What built this program, for --version: the compiler, and the MPI (its header's
 * version) and OpenMP (_OPENMP) it was compiled against, "none" for either it was not. */
void hx_backend_build(char *out, size_t len);
/* Leave now with `code`: every process of the job goes (MPI_Abort on MPI). */
_Noreturn void hx_backend_abort(int code);

/* ---- checked calls --------------------------------------------------------------- */
/* Every pthread, system and MPI call is checked; a failure prints file:line, the call
 * and the reason, and ends the whole program with HX_EXIT_SYSTEM. */
_Noreturn void hx_die(const char *file, int line, const char *what, const char *reason);
_Noreturn void hx_die_errno(const char *file, int line, const char *what, int err);

/* pthread_* and other calls that return an error number */
#define HX_CHECK_PT(call)                                                      \
	do {                                                                   \
		int hx_rc_ = (call);                                           \
		if (hx_rc_ != 0)                                               \
			hx_die_errno(__FILE__, __LINE__, #call, hx_rc_);       \
	} while (0)
/* system calls that return -1 and set errno */
#define HX_CHECK_SYS(call)                                                     \
	do {                                                                   \
		if ((call) == -1)                                              \
			hx_die_errno(__FILE__, __LINE__, #call, errno);        \
	} while (0)
/* an allocation or mapping that must not fail */
#define HX_CHECK_PTR(ptr, what)                                                \
	do {                                                                   \
		if ((ptr) == NULL)                                             \
			hx_die(__FILE__, __LINE__, what, "out of memory");     \
	} while (0)

/* malloc/calloc that die with file:line instead of returning NULL */
#define hx_alloc(n) hx_alloc_at(__FILE__, __LINE__, (n))
#define hx_calloc(n, sz) hx_calloc_at(__FILE__, __LINE__, (n), (sz))
void *hx_alloc_at(const char *file, int line, size_t n);
void *hx_calloc_at(const char *file, int line, size_t n, size_t sz);

/* Set in a fork()ed child so a fatal error leaves with _exit (no atexit, no double
 * flush of the parent's buffers). hx_fork() sets it. */
extern int hx_in_child;
/* fork() with stdio flushed first; the child dies with its parent (PR_SET_PDEATHSIG)
 * so Ctrl-C or a crash of the parent leaves no orphan. Checked. */
int hx_fork(void);

/* ---- faults: the watchdog, worker processes that die, OpenMP teams --------------- */
/* A repetition that runs longer than --watchdog SEC is a hang. The driver arms the
 * watchdog before each repetition and disarms it after the check (harness/watchdog.c).
 * When it fires, a thread of its own names the case and this process's children with
 * their state ("worker 1 (pid 4242) is stopped (SIGSTOP)"), kills and reaps them, and
 * ends the program with HX_EXIT_SYSTEM. It makes no MPI call: on MPI the rank leaves
 * with _exit and mpirun ends the others. --watchdog 0: nothing is armed. */
void hx_watchdog_arm(const struct hx_case *c);
void hx_watchdog_disarm(void);
/* The exercise being run ("race"), for messages; the program's name before the first
 * case. */
const char *hx_current_exercise(void);
/* Name a child of hx_fork as worker `worker` (-1: no index) in the watchdog's and the
 * fault reports; the newest name of a pid wins. Lock-free and fork-safe. */
void hx_child_name(int pid, int worker);
/* A child ended in a way nobody asked for (wait status `status`, as from waitpid):
 * prints "file:line: <exercise>: <who> (pid N) was killed by signal 9 (Killed)" (or
 * "exited with status S"), kills and reaps every other child, exits HX_EXIT_SYSTEM.
 * `who` is "worker 2", "the sandbox process", ... */
_Noreturn void hx_child_fault(const char *file, int line, const char *who, int pid, int status);
/* Only one thread reports the end of the program. The first caller returns (and so
 * does the same thread again); any other thread sleeps until the first one's exit ends
 * the process. hx_die, hx_child_fault and the watchdog call it first. */
void hx_fault_claim(void);
/* Leave now with `code`, without exit handlers (other threads may be anywhere): stdout
 * flushed when no thread holds it, the OpenMP runtime's shared-memory registration
 * (LLVM's libomp) removed, then _exit. */
_Noreturn void hx_exit_now(int code);
/* SIGKILL to every child of this process still there, then reap them all (a stopped
 * child dies too). Bounded: gives up on a child after a few seconds. */
void hx_children_kill(void);
/* OpenMP only (defined in the openmp adapter): inside a parallel region, every thread
 * of the team calls it; a team smaller than `want` (OMP_THREAD_LIMIT, nested or
 * limited active levels, a runtime that gives fewer threads when it cannot create
 * them) ends the program: "file:line: <exercise>: OpenMP gave N threads where W were
 * asked (...)", exit HX_EXIT_SYSTEM. */
void hx_omp_team_check_at(const char *file, int line, int want);
#define hx_omp_team_check(want) hx_omp_team_check_at(__FILE__, __LINE__, (want))

/* State letter of a process or thread (R, S, D, T stopped, Z, ...) and its parent, from
 * /proc/<which>/stat, `which` being "1234" or "self/task/5678"; 0 when it is gone. */
char hx_proc_state(const char *which, int *ppid);

/* Removes what an OpenMP runtime left in /dev/shm for process `pid` when it ended
 * without its exit handlers (_exit, a signal): LLVM's libomp registration object. */
void hx_runtime_forget(int pid);

#endif
