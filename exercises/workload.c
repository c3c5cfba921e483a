/* workload.c: what every backend shares about `workload`: the task kernels (compiled
 * once, so every backend runs the same code), the memory probe, the validator and the
 * hooks. The parallel part is wl_run() in openmp/workload.c, mpi/workload.c,
 * posix/workload.c.
 * Run: build/pthreads/workload --variant io,cpu -w 1,2,4,8 */
#include "workload.h"

#include "hx.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- kernels ---------------------------------------------------------------------- */
/* xorshift64 steps folded into an accumulator: a dependency chain the compiler cannot
 * shorten, so `iters` fixes the work. */
__attribute__((noinline)) uint64_t wl_cpu_task(long task, long iters)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL * (uint64_t)(task + 1), acc = 0;
	for (long i = 0; i < iters; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		acc += x * 0x2545F4914F6CDD1DULL;
	}
	return acc;
}

uint64_t wl_io_token(long task)
{
	return 0xC0FFEE0000000000ULL ^ (uint64_t)task;
}

/* A blocking wait: the worker sleeps and leaves its core to others. */
__attribute__((noinline)) uint64_t wl_io_task(long task, long sleep_us)
{
	hx_sleep_ns((uint64_t)sleep_us * 1000u);
	return wl_io_token(task);
}

static unsigned char file_byte(long task, size_t j)
{
	return (unsigned char)(j * 131u + (size_t)task * 7u + 1u);
}

static uint64_t sum_bytes(const unsigned char *p, size_t n, uint64_t s)
{
	for (size_t j = 0; j < n; j++)
		s = s * 31u + p[j];
	return s;
}

uint64_t wl_file_expected(long task, long kib)
{
	size_t n = (size_t)kib * 1024u;
	uint64_t s = 0;
	for (size_t j = 0; j < n; j++)
		s = s * 31u + file_byte(task, j);
	return s;
}

/* An unnamed file (O_TMPFILE) in $TMPDIR or /tmp: it has no name, so nothing is left
 * behind whatever happens. Where O_TMPFILE is not supported, a mkstemp name that is
 * unlinked at once. */
static int private_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		hx_die_errno(__FILE__, __LINE__, "open(O_TMPFILE)", errno);
	snprintf(path, sizeof path, "%s/workload-XXXXXX", dir);
	fd = mkstemp(path);
	HX_CHECK_SYS(fd);
	HX_CHECK_SYS(unlink(path));
	return fd;
}

/* Real file I/O: write kib KiB, fsync (waits for the disk), read it back. */
__attribute__((noinline)) uint64_t wl_file_task(long task, long kib)
{
	size_t n = (size_t)kib * 1024u, done = 0;
	unsigned char *buf = hx_alloc(n ? n : 1);
	uint64_t s;
	int fd = private_file();

	for (size_t j = 0; j < n; j++)
		buf[j] = file_byte(task, j);
	while (done < n) {
		ssize_t k = pwrite(fd, buf + done, n - done, (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		done += (size_t)k;
	}
	HX_CHECK_SYS(fsync(fd));
	memset(buf, 0, n);
	for (done = 0; done < n;) {
		ssize_t k = pread(fd, buf + done, n - done, (off_t)done);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		if (k == 0)
			break; /* short file: the checksum will not match */
		done += (size_t)k;
	}
	HX_CHECK_SYS(close(fd));
	s = sum_bytes(buf, done, 0);
	free(buf);
	return s;
}

uint64_t wl_run_task(const struct wl_args *a, long task)
{
	switch (wl_task_kind(a, task)) {
	case WL_CPU:
		return wl_cpu_task(task, a->cpu_iters);
	case WL_IO:
		return wl_io_task(task, a->sleep_us);
	case WL_FILE:
		return wl_file_task(task, a->file_kib);
	case WL_MIXED:
		break;
	}
	return 0;
}

/* ---- memory ---------------------------------------------------------------------- */
static int read_field(const char *path, const char *key, double *kib)
{
	char line[256];
	size_t k = strlen(key);
	FILE *f = fopen(path, "r");
	int found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, k) == 0 && line[k] == ':') {
			*kib = strtod(line + k + 1, NULL);
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

static void proc_path(char *path, size_t len, int pid, const char *file)
{
	if (pid > 0)
		snprintf(path, len, "/proc/%d/%s", pid, file);
	else
		snprintf(path, len, "/proc/self/%s", file);
}

int wl_proc_mem(int pid, struct wl_procmem *m)
{
	char path[64];
	double clean, dirty;
	proc_path(path, sizeof path, pid, "smaps_rollup");
	if (read_field(path, "Rss", &m->rss) != 0 || read_field(path, "Pss", &m->pss) != 0 ||
	    read_field(path, "Private_Clean", &clean) != 0 ||
	    read_field(path, "Private_Dirty", &dirty) != 0)
		return -1;
	m->uss = clean + dirty;
	proc_path(path, sizeof path, pid, "status");
	if (read_field(path, "VmPTE", &m->pte) != 0 || read_field(path, "Threads", &m->threads) != 0)
		return -1;
	return 0;
}

int wl_sys_mem(struct wl_sysmem *m)
{
	const char *path = "/proc/meminfo";
	if (read_field(path, "KernelStack", &m->kstack) != 0 ||
	    read_field(path, "PageTables", &m->pagetables) != 0 ||
	    read_field(path, "AnonPages", &m->anon) != 0)
		return -1;
	return 0;
}

void wl_sys_delta(const struct wl_sysmem *before, const struct wl_sysmem *alive,
		  const struct wl_sysmem *after, struct wl_memdelta *d)
{
	double base_k = (before->kstack + after->kstack) / 2;
	double base = (before->kstack + before->pagetables + before->anon + after->kstack +
		       after->pagetables + after->anon) / 2;
	d->kstack = alive->kstack - base_k;
	d->check = alive->kstack + alive->pagetables + alive->anon - base;
}

void wl_mem_unmeasured(struct wl_mem *out)
{
	out->kind = WL_MEM_NONE;
	out->workers = 0;
	out->pss = out->uss = out->pte = out->kstack = out->check = NAN;
}

void wl_mem_slope(const struct wl_memdelta *one, const struct wl_memdelta *big,
		  struct wl_mem *out)
{
	double dn = big->n - one->n;
	if (!(dn > 0)) {
		out->pss = out->uss = out->pte = out->kstack = out->check = NAN;
		return;
	}
	out->pss = (big->pss - one->pss) / dn;
	out->uss = (big->uss - one->uss) / dn;
	out->pte = (big->pte - one->pte) / dn;
	out->kstack = (big->kstack - one->kstack) / dn;
	out->check = (big->check - one->check) / dn;
}

/* the median of the measured (not NAN) values among n */
static double median_of_measured(const double *v, int n)
{
	double w[WL_MEM_TRIES];
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			w[k++] = v[i];
	return k > 0 ? hx_median(w, (size_t)k) : NAN;
}

void wl_mem_median(const struct wl_mem *m, int n, struct wl_mem *out)
{
	double v[5][WL_MEM_TRIES];
	if (n < 1 || n > WL_MEM_TRIES) {
		wl_mem_unmeasured(out);
		return;
	}
	*out = m[0];
	for (int i = 0; i < n; i++) {
		v[0][i] = m[i].pss;
		v[1][i] = m[i].uss;
		v[2][i] = m[i].pte;
		v[3][i] = m[i].kstack;
		v[4][i] = m[i].check;
	}
	out->pss = median_of_measured(v[0], n);
	out->uss = median_of_measured(v[1], n);
	out->pte = median_of_measured(v[2], n);
	out->kstack = median_of_measured(v[3], n);
	out->check = median_of_measured(v[4], n);
}

/* ---- the exercise ------------------------------------------------------------------ */
struct wl_state {
	struct wl_args args;
	long *done;
	uint64_t *result, *expected; /* expected: the serial reference, computed once */
	struct wl_report rep;
	struct wl_mem mem;           /* from the first repetition (it alone measures it) */
	uint64_t *serial_result;     /* the serial baseline's results (rank 0) */
	double *life_rep[2];         /* create_s, reap_s of each timed repetition that */
	int nlife[2];                /* measured them, and how many did */
};

enum { X_CPU_ITERS, X_SLEEP_US, X_FILE_KIB, X_MEM_WORKERS, X_COUNT }; /* wl_opts, below */

static int wl_setup(struct hx_case *c)
{
	struct wl_state *s = c->state;
	s->args.kind = (enum wl_kind)c->variant;
	s->args.workers = c->workers;
	s->args.tasks = (long)c->size;
	s->args.cpu_iters = (long)hx_opt(c->opts, X_CPU_ITERS);
	s->args.sleep_us = (long)hx_opt(c->opts, X_SLEEP_US);
	s->args.file_kib = (long)hx_opt(c->opts, X_FILE_KIB);
	s->args.mem_workers = (int)hx_opt(c->opts, X_MEM_WORKERS);
	s->done = hx_calloc((size_t)s->args.tasks, sizeof *s->done);
	s->result = hx_calloc((size_t)s->args.tasks, sizeof *s->result);
	s->serial_result = hx_calloc((size_t)s->args.tasks, sizeof *s->serial_result);
	s->life_rep[0] = hx_calloc((size_t)c->opts->reps, sizeof *s->life_rep[0]);
	s->life_rep[1] = hx_calloc((size_t)c->opts->reps, sizeof *s->life_rep[1]);
	c->ops = (double)s->args.tasks;
	return 0;
}

enum { WL_PHASE_WORK, WL_PHASE_START, WL_PHASE_END, WL_PHASE_SERIAL };

/* The serial baseline: every task in a row on the case's first worker alone (hx_alone) */
struct serial_job {
	const struct wl_args *a;
	uint64_t *result;
	double *seconds;
};

static void serial_tasks(void *arg)
{
	const struct serial_job *j = arg;
	for (long i = 0; i < j->a->tasks; i++)
		j->result[i] = wl_run_task(j->a, i);
}

static void serial_timed(void *arg)
{
	const struct serial_job *j = arg;
	*j->seconds = hx_time(serial_tasks, arg);
}

/* One repetition: the serial baseline, then the team (speedup: wl_finish) */
static void wl_run_case(struct hx_case *c)
{
	struct wl_state *s = c->state;
	struct serial_job j = { &s->args, s->serial_result, &c->t[WL_PHASE_SERIAL] };

	c->t[WL_PHASE_SERIAL] = HX_NOT_MEASURED; /* but on the rank that times it */
	memset(s->serial_result, 0, (size_t)s->args.tasks * sizeof *s->serial_result);
	hx_alone(serial_timed, &j);
	memset(s->done, 0, (size_t)s->args.tasks * sizeof *s->done);
	memset(s->result, 0, (size_t)s->args.tasks * sizeof *s->result);
	memset(&s->rep, 0, sizeof s->rep);
	s->args.measure_mem = c->rep == 0; /* the same on every rank */
	wl_run(&s->args, s->done, s->result, &s->rep);
	c->t[WL_PHASE_WORK] = s->rep.work_s;
	c->t[WL_PHASE_START] = s->rep.start_s;
	c->t[WL_PHASE_END] = s->rep.end_s;
}

/* The serial reference, outside every timed region: each cpu task recomputed by the
 * same kernel on one thread, each io token, each file checksum without a file. */
static uint64_t *reference(const struct wl_args *a)
{
	uint64_t *e = hx_calloc((size_t)a->tasks, sizeof *e);
	for (long i = 0; i < a->tasks; i++)
		switch (wl_task_kind(a, i)) {
		case WL_CPU:
			e[i] = wl_cpu_task(i, a->cpu_iters);
			break;
		case WL_IO:
			e[i] = wl_io_token(i);
			break;
		case WL_FILE:
			e[i] = wl_file_expected(i, a->file_kib);
			break;
		case WL_MIXED:
			break;
		}
	return e;
}

static void note_kib(struct hx_case *c, const char *key, double kib, int *negative)
{
	if (isnan(kib))
		return;
	hx_note(c, key, "%.1f", kib);
	if (kib < 0)
		*negative = 1;
}

/* The memory notes (docs/records.md): a thread's or a process's cost per worker as the
 * slope over 1 .. M idle workers, an MPI rank's as the mean over the case's ranks. */
static void mem_notes(struct hx_case *c, const struct wl_mem *m)
{
	int neg = 0, other = 0;
	switch (m->kind) {
	case WL_MEM_NONE:
		return;
	case WL_MEM_RANKS:
		note_kib(c, "pss_kib_per_rank", m->pss, &neg);
		note_kib(c, "uss_kib_per_rank", m->uss, &neg);
		note_kib(c, "pte_kib_per_rank", m->pte, &neg);
		break;
	case WL_MEM_THREADS:
	case WL_MEM_PROCS:
		if (isnan(m->uss))
			return;
		note_kib(c, m->kind == WL_MEM_THREADS ? "thread_kib_per_worker" : "process_kib_per_worker",
			 m->uss + m->pte + m->kstack, &neg);
		note_kib(c, "pss_kib_per_worker", m->pss, &neg);
		note_kib(c, "uss_kib_per_worker", m->uss, &neg);
		note_kib(c, "kernel_kib_per_worker", m->pte + m->kstack, &neg);
		/* the cross-check is the whole machine's: others' memory moves it, so a
		 * negative one (possible at M = 64 on a busy machine) doubts nothing */
		note_kib(c, "meminfo_kib_per_worker", m->check, &other);
		hx_note(c, "mem_workers", "%d", m->workers);
		break;
	}
	if (neg)
		hx_suspect(c, "negative memory per worker");
}

/* Judged on rank 0 (MPI: done[] and result[] are the sums over ranks there). */
static void wl_check(struct hx_case *c)
{
	struct wl_state *s = c->state;
	long missed = 0, twice = 0, wrong = 0, first_bad = -1;

	if (hx_backend_rank() != 0)
		return;
	if (s->expected == NULL)
		s->expected = reference(&s->args);
	for (long i = 0; i < s->args.tasks; i++) {
		int bad = 1;
		if (s->done[i] == 0)
			missed++;
		else if (s->done[i] > 1)
			twice++;
		else if (s->result[i] != s->expected[i] || s->serial_result[i] != s->expected[i])
			wrong++; /* by the team, or by the serial baseline */
		else
			bad = 0;
		if (bad && first_bad < 0)
			first_bad = i;
	}
	if (c->timed && s->rep.create_s >= 0 && s->nlife[0] < c->opts->reps)
		s->life_rep[0][s->nlife[0]++] = s->rep.create_s;
	if (c->timed && s->rep.reap_s >= 0 && s->nlife[1] < c->opts->reps)
		s->life_rep[1][s->nlife[1]++] = s->rep.reap_s;
	if (c->rep == 0)
		s->mem = s->rep.mem;
	hx_note(c, "tasks_ok", "%ld/%ld", s->args.tasks - missed - twice - wrong, s->args.tasks);
	if (missed || twice || wrong) {
		hx_note(c, "missed", "%ld", missed);
		hx_note(c, "twice", "%ld", twice);
		hx_note(c, "wrong", "%ld", wrong);
		hx_note(c, "first_bad_task", "%ld", first_bad);
		c->verdict = HX_FAIL;
		return;
	}
	mem_notes(c, &s->mem);
	if (strcmp(hx_backend_name, "mpi") == 0) /* before main: tools/mpistart.sh times it */
		hx_note(c, "start", "mpirun:see_make_mpi-startup");
	else if (s->rep.woken) /* OpenMP without a fresh pool: its threads were parked */
		hx_note(c, "start", "wake-up");
}

/* Per worker, creating one and ending it: the medians over the timed repetitions (the
 * note is the case's, not its last repetition's) */
static void wl_teardown(struct hx_case *c)
{
	struct wl_state *s = c->state;
	if (s->nlife[0] > 0)
		hx_note(c, "create_us_per_worker", "%.1f", hx_median(s->life_rep[0], (size_t)s->nlife[0]) * 1e6);
	if (s->nlife[1] > 0)
		hx_note(c, "reap_us_per_worker", "%.1f", hx_median(s->life_rep[1], (size_t)s->nlife[1]) * 1e6);
	free(s->done);
	free(s->result);
	free(s->serial_result);
	free(s->expected);
	free(s->life_rep[0]);
	free(s->life_rep[1]);
}

/* Speedup against the same kind at one worker (when that case ran in this program). */
/* Speedup against the serial baseline timed in the same repetitions, just before the
 * team: median serial / median work. */
static void wl_finish(struct hx_case *c, const struct hx_stats *phase)
{
	double serial = phase[WL_PHASE_SERIAL].median, work = phase[WL_PHASE_WORK].median;
	if (phase[WL_PHASE_SERIAL].n > 0 && serial > 0 && work > 0) {
		c->speedup = serial / work; /* the harness doubts one past 1.1 x W */
		hx_note(c, "speedup", "%.2f", c->speedup);
		hx_note(c, "baseline", "interleaved");
	}
}

/* ---- the work budget ----------------------------------------------------------------
 * One repetition at one worker does all the tasks in a row (and the validator redoes
 * the arithmetic once more), so the product of the task count and the size of a task
 * is bounded: about 2 minutes each way on this kind of machine (a cpu step ~4 ns, a
 * file task ~1 ms). Only for the kinds that will run. */
#define WL_MAX_CPU_STEPS 3e10  /* tasks x --cpu-iters */
#define WL_MAX_SLEEP_US 1.2e8  /* tasks x --sleep-us */
#define WL_MAX_FILE_TASKS 100000
#define WL_MAX_FILE_KIB 4194304.0 /* tasks x --file-kib: 4 GiB written and read back */

extern const struct hx_exercise workload_exercise;

static int wl_check_opts(const struct hx_opts *o, char *err, size_t len)
{
	long long cpu = hx_opt(o, X_CPU_ITERS), us = hx_opt(o, X_SLEEP_US), kib = hx_opt(o, X_FILE_KIB);
	long long ncpu = 0, nio = 0, nfile = 0;

	for (int i = 0; i < o->nvariants; i++)
		switch ((enum wl_kind)o->variants[i]) {
		case WL_CPU:
			ncpu = o->size;
			break;
		case WL_IO:
			nio = o->size;
			break;
		case WL_FILE:
			nfile = o->size;
			break;
		case WL_MIXED: /* even tasks cpu, odd ones io */
			ncpu = ncpu > (o->size + 1) / 2 ? ncpu : (o->size + 1) / 2;
			nio = nio > o->size / 2 ? nio : o->size / 2;
			break;
		}
	if ((double)ncpu * (double)cpu > WL_MAX_CPU_STEPS) {
		snprintf(err, len,
			 "options -n/--size and --cpu-iters: %lld cpu tasks x %lld steps is more than "
			 "one repetition may do (at most %.0e steps, ~2 minutes on one core)",
			 ncpu, cpu, WL_MAX_CPU_STEPS);
		return -1;
	}
	if ((double)nio * (double)us > WL_MAX_SLEEP_US) {
		snprintf(err, len,
			 "options -n/--size and --sleep-us: %lld io tasks x %lld us is more than one "
			 "repetition may wait (at most %.0f s at one worker)",
			 nio, us, WL_MAX_SLEEP_US / 1e6);
		return -1;
	}
	if (nfile > WL_MAX_FILE_TASKS || (double)nfile * (double)kib > WL_MAX_FILE_KIB) {
		snprintf(err, len,
			 "options -n/--size and --file-kib: %lld file tasks of %lld KiB is more than "
			 "one repetition may do (at most %d tasks, %.0f GiB in all)",
			 nfile, kib, WL_MAX_FILE_TASKS, WL_MAX_FILE_KIB / 1048576);
		return -1;
	}
	return 0;
}

static const struct hx_variant wl_variants[] = {
	{ "cpu", "fixed arithmetic per task (CPU-bound)" },
	{ "io", "a blocking wait per task: sleep (I/O-bound)" },
	{ "file", "write, fsync and read back a private unnamed file per task" },
	{ "mixed", "even tasks cpu, odd tasks io" },
	{ NULL, NULL },
};

static const struct hx_optdef wl_opts[] = {
	[X_CPU_ITERS] = { .longname = "cpu-iters", .kind = HX_OPT_INT, .metavar = "N",
			  .help = "arithmetic steps of one cpu task",
			  .min = 1, .max = 1000000000, .def = 1000000 },
	[X_SLEEP_US] = { .longname = "sleep-us", .kind = HX_OPT_INT, .metavar = "US",
			 .help = "the wait of one io task, microseconds",
			 .min = 0, .max = 10000000, .def = 2000 },
	[X_FILE_KIB] = { .longname = "file-kib", .kind = HX_OPT_INT, .metavar = "KIB",
			 .help = "KiB written, fsynced and read back by one file task",
			 .min = 1, .max = 65536, .def = 16 },
	[X_MEM_WORKERS] = { .longname = "mem-workers", .kind = HX_OPT_INT, .metavar = "M",
			    .help = "idle workers of the large team that memory per worker is "
				    "measured with (slope from 1 to M; not on MPI)",
			    .min = 2, .max = 1024, .def = 64 },
	[X_COUNT] = { 0 },
};

/* work: the timed region; start: creating the team; end: ending it (joined / reaped) */
/* work: the team's tasks; start, end: creating and ending the team; serial: every task
 * in a row on one worker, timed before the team in each repetition (the baseline) */
static const char *const wl_phases[] = { [WL_PHASE_WORK] = "work", [WL_PHASE_START] = "start",
					 [WL_PHASE_END] = "end", [WL_PHASE_SERIAL] = "serial", NULL };
static const int wl_workers_def[] = { 1, 2, 4, 8, 0 };

const struct hx_exercise workload_exercise = {
	.name = "workload",
	.summary = "T tasks, CPU-bound or I/O-bound, over W workers: speedup, start cost, memory",
	.variants = wl_variants,
	.size_name = "tasks (T)",
	.size_def = 16,
	.size_min = 1,
	.size_max = 1000000,
	.op_name = "task",
	.phases = wl_phases,
	.workers_def = wl_workers_def,
	.reps_def = 10,
	.warmup_def = 1,
	.xopts = wl_opts,
	.check_opts = wl_check_opts,
	.state_size = sizeof(struct wl_state),
	.setup = wl_setup,
	.run = wl_run_case,
	.check = wl_check,
	.teardown = wl_teardown,
	.finish = wl_finish,
};
