/* run_faults.c: integration tests of what happens when something outside the exercise
 * goes wrong: every such end is exit 3 with a line that says what happened, never a
 * hang, a validation failure (exit 1) or something left behind.
 *   - a worker process stopped (SIGSTOP): the watchdog names it and ends the run
 *     (procs), or names the case (pthreads, OpenMP, MPI);
 *   - a worker process killed (SIGKILL) on procs: named with its pid and signal;
 *   - OpenMP giving fewer threads than asked (OMP_MAX_ACTIVE_LEVELS=0), and libgomp
 *     ending the program itself when it cannot create a thread (an address-space
 *     limit), OMP_DYNAMIC=true shrinking a team.
 * This process is a child subreaper: whatever a program under test leaves behind, a
 * zombie or a live child, becomes this process's child when the program ends, and is
 * counted. Programs are started in a process group of their own, killed as a group when
 * a bounded wait runs out. The worker to stop or kill is found in /proc (children of
 * the program); many short repetitions give the test all the time it needs to find one
 * while the repetition that holds it can only end through the fault. */
#include "hx.h"
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_LIMIT_S 60 /* bound on one program run */
#define MAX_KIDS 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int have(const char *backend, const char *ex)
{
	char bin[512];
	snprintf(bin, sizeof bin, "%s/%s/%s", tx_build(), backend, ex);
	return access(bin, X_OK) == 0;
}

/* ---- a program under test, started in the background ------------------------------ */
struct prog {
	pid_t pid;
	int status;
	int ended;
	char out[64], err[64]; /* temporary files for its stdout and stderr */
	char *errtext;
};

/* start <build>/<backend>/<ex> args... in a process group of its own; `pre` runs in the
 * child before exec (limits) */
static void start(struct prog *p, const char *backend, const char *ex, const char *const args[],
		  void (*pre)(void))
{
	char bin[512];
	const char *argv[40];
	int n = 0, fo, fe;

	memset(p, 0, sizeof *p);
	snprintf(bin, sizeof bin, "%s/%s/%s", tx_build(), backend, ex);
	argv[n++] = bin;
	for (int i = 0; args[i] != NULL && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(p->out, sizeof p->out, "/tmp/tvp-faults-out-XXXXXX");
	snprintf(p->err, sizeof p->err, "/tmp/tvp-faults-err-XXXXXX");
	fo = mkstemp(p->out);
	fe = mkstemp(p->err);
	assert_true(fo >= 0 && fe >= 0);
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		setpgid(0, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		close(fo);
		close(fe);
		if (pre != NULL)
			pre();
		execv(bin, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	setpgid(p->pid, p->pid);
	close(fo);
	close(fe);
}

/* 1 when the program has ended (reaped), else 0 */
static int poll_end(struct prog *p)
{
	pid_t r;
	if (p->ended)
		return 1;
	r = waitpid(p->pid, &p->status, WNOHANG);
	if (r == p->pid)
		p->ended = 1;
	return p->ended;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	if (n > 0 && fread(text, 1, (size_t)n, f) != (size_t)n)
		text[0] = '\0';
	fclose(f);
	return text;
}

/* waits (bounded) for the end; returns the exit status, -1 for a signal or a timeout
 * (the whole group is killed then); the stderr text is kept in p->errtext */
static int finish(struct prog *p, double limit_s)
{
	double until = now() + limit_s;
	int timed_out = 0;

	while (!poll_end(p)) {
		if (now() > until) {
			timed_out = 1;
			kill(-p->pid, SIGKILL);
			while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
				;
			p->ended = 1;
			break;
		}
		nap_ms(5);
	}
	kill(-p->pid, SIGKILL); /* nothing of the group may outlive the test */
	p->errtext = slurp(p->err);
	unlink(p->out);
	unlink(p->err);
	if (timed_out) {
		fprintf(stderr, "--- timed out after %.0f s; stderr:\n%s---\n", limit_s, p->errtext);
		return -1;
	}
	return WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1;
}

static void prog_free(struct prog *p)
{
	free(p->errtext);
	p->errtext = NULL;
}

/* state letter and parent of pid (0: gone) */
static char state_of(pid_t pid, pid_t *ppid)
{
	char which[24];
	int pp = 0;
	char st;
	snprintf(which, sizeof which, "%d", (int)pid);
	st = hx_proc_state(which, &pp);
	if (st != 0)
		*ppid = pp;
	return st;
}

/* the live (not yet ended) children of parent */
static int live_children(pid_t parent, pid_t *kids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < max) {
		pid_t pid, pp = 0;
		char st;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		st = state_of(pid, &pp);
		if (st != 0 && st != 'Z' && st != 'X' && pp == parent)
			kids[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Reaps what was left to this subreaper; returns how many there were. */
static int reap_orphans(void)
{
	int n = 0, st;
	double until = now() + 2;
	for (;;) {
		pid_t r = waitpid(-1, &st, WNOHANG);
		if (r > 0) {
			n++;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) /* ECHILD: none at all */
			return n;
		/* a live orphan: it dies with its parent (PR_SET_PDEATHSIG) shortly */
		if (now() > until)
			return n + 1;
		nap_ms(5);
	}
}

/* ---- /dev/shm: nothing of ours may be left there ----------------------------------------
 * Other programs (other tests running at the same time) come and go there, so a count
 * proves nothing. What a program of this suite could leave (a message queue's or a
 * runtime's segment) carries the pid of the process that made it: an entry is ours
 * when it is new and its name holds the program's pid or one of its workers'. */
#define MAX_SHM 512
struct shm_snap {
	int n;
	char name[MAX_SHM][256];
};

static void shm_snapshot(struct shm_snap *s)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	s->n = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && s->n < MAX_SHM)
		if (e->d_name[0] != '.')
			snprintf(s->name[s->n++], sizeof s->name[0], "%s", e->d_name);
	closedir(d);
}

/* holds the decimal pid as a whole number (not as part of a longer one) */
static int names_pid(const char *name, pid_t pid)
{
	char num[16];
	size_t k;
	snprintf(num, sizeof num, "%d", (int)pid);
	k = strlen(num);
	for (const char *q = strstr(name, num); q != NULL; q = strstr(q + 1, num))
		if ((q == name || q[-1] < '0' || q[-1] > '9') && (q[k] < '0' || q[k] > '9'))
			return 1;
	return 0;
}

/* entries new since `before` that name one of pids[0..n-1]: printed, counted */
static int shm_left(const struct shm_snap *before, const pid_t *pids, int n)
{
	static struct shm_snap now_;
	int left = 0;
	shm_snapshot(&now_);
	for (int i = 0; i < now_.n; i++) {
		int old = 0;
		for (int j = 0; j < before->n && !old; j++)
			old = strcmp(now_.name[i], before->name[j]) == 0;
		for (int k = 0; k < n && !old; k++)
			if (names_pid(now_.name[i], pids[k])) {
				fprintf(stderr, "left in /dev/shm: %s\n", now_.name[i]);
				left++;
				break;
			}
	}
	return left;
}

static void expect_in(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL) {
		fprintf(stderr, "expected '%s' in:\n%s---\n", needle, text);
		fail();
	}
}

/* ---- a worker process stopped: the watchdog ends the run ------------------------------ */
static void stopped_worker_named_by_watchdog(void **state)
{
	/* repetitions of well under a second each: only the one with the stopped worker
	 * can last the watchdog's 3 s */
	static const char *const args[] = { "-w", "3", "-n", "500", "-r", "500", "-x", "0",
					    "-q", "--csv", "--variant", "barrier",
					    "--watchdog", "3", NULL };
	static struct shm_snap shm0;
	pid_t stopped = 0, pp = 0, seen[MAX_KIDS + 1];
	int nseen = 0, rc;
	double until;
	struct prog p;
	char needle[96];

	(void)state;
	if (!have("procs", "sync"))
		skip();
	reap_orphans();
	shm_snapshot(&shm0);
	start(&p, "procs", "sync", args, NULL);
	seen[nseen++] = p.pid;
	until = now() + RUN_LIMIT_S;
	while (stopped == 0 && now() < until && !poll_end(&p)) {
		pid_t kids[MAX_KIDS];
		int n = live_children(p.pid, kids, MAX_KIDS);
		if (n < 3) {
			nap_ms(1);
			continue;
		}
		if (kill(kids[n - 1], SIGSTOP) != 0)
			continue;
		/* stopped, unless it was already on its way out: then try the next one */
		for (double t = now() + 2; now() < t; nap_ms(1)) {
			char st = state_of(kids[n - 1], &pp);
			if (st == 'T' && pp == p.pid) {
				stopped = kids[n - 1];
				for (int i = 0; i < n && nseen <= MAX_KIDS; i++)
					seen[nseen++] = kids[i];
				break;
			}
			if (st == 0 || st == 'Z' || st == 'X')
				break;
		}
	}
	assert_true(stopped != 0);
	rc = finish(&p, RUN_LIMIT_S);
	assert_int_equal(rc, 3);
	expect_in(p.errtext, "sync: variant barrier at 3 workers: no progress for 3 s");
	snprintf(needle, sizeof needle, "(pid %d) is stopped (SIGSTOP)", (int)stopped);
	expect_in(p.errtext, needle);
	expect_in(p.errtext, "; killing the team");
	/* the program reaped its workers, the stopped one included */
	assert_int_equal(reap_orphans(), 0);
	assert_true(kill(stopped, 0) != 0 && errno == ESRCH);
	assert_int_equal(shm_left(&shm0, seen, nseen), 0);
	prog_free(&p);
}

/* ---- a worker process killed: a fault, named --------------------------------------------- */
static void killed_worker_named(const char *ex, const char *const args[], int workers)
{
	static struct shm_snap shm0;
	int rc, nkilled = 0, named = 0;
	pid_t killed[257];
	double until;
	struct prog p;

	if (!have("procs", ex))
		skip();
	reap_orphans();
	shm_snapshot(&shm0);
	start(&p, "procs", ex, args, NULL);
	until = now() + RUN_LIMIT_S;
	/* kill a live worker; if it was already ending its repetition cleanly, the next
	 * repetition's workers are there to try again */
	while (now() < until && !poll_end(&p) && nkilled < 256) {
		pid_t kids[MAX_KIDS];
		int n = live_children(p.pid, kids, MAX_KIDS);
		if (n < workers) {
			nap_ms(1);
			continue;
		}
		if (kill(kids[n - 1], SIGKILL) == 0)
			killed[nkilled++] = kids[n - 1];
		for (double t = now() + 0.5; now() < t && !poll_end(&p);)
			nap_ms(2);
	}
	rc = finish(&p, RUN_LIMIT_S);
	assert_true(nkilled > 0);
	if (rc != 3)
		fprintf(stderr, "%s: exit %d, stderr:\n%s---\n", ex, rc, p.errtext);
	assert_int_equal(rc, 3);
	expect_in(p.errtext, "was killed by signal 9 (Killed)");
	for (int i = 0; i < nkilled; i++) {
		char needle[64];
		snprintf(needle, sizeof needle, "(pid %d) was killed by signal 9", (int)killed[i]);
		named += strstr(p.errtext, needle) != NULL;
	}
	if (named != 1)
		fprintf(stderr, "none of the %d killed workers named in:\n%s---\n", nkilled, p.errtext);
	assert_int_equal(named, 1);
	expect_in(p.errtext, ": worker ");
	assert_int_equal(reap_orphans(), 0);
	killed[nkilled++] = p.pid;
	assert_int_equal(shm_left(&shm0, killed, nkilled), 0);
	prog_free(&p);
}

static void killed_worker_errors(void **state)
{
	/* `return`: no death is part of this variant, so any is a fault */
	static const char *const args[] = { "-w", "3", "-n", "200", "-r", "500", "-x", "0", "-q",
					    "--csv", "--variant", "return", NULL };
	(void)state;
	killed_worker_named("errors", args, 3);
}

static void killed_worker_race(void **state)
{
	static const char *const args[] = { "-w", "2", "-n", "5000000", "-r", "500", "-x", "0",
					    "-q", "--csv", "--variant", "atomic", NULL };
	(void)state;
	killed_worker_named("race", args, 2);
}

/* ---- threads (and ranks): the watchdog names the case ------------------------------------- */
/* errors at 1 worker, 10000 tasks of at least 0.5 ms each: a repetition of 5 s or more,
 * however fast the machine, against a watchdog of 1 s */
static void threads_watchdog_on(const char *backend)
{
	static const char *const args[] = { "-n", "10000", "-r", "1", "-x", "0", "-q", "--csv",
					    "--variant", "return", "--watchdog", "1", NULL };
	struct tx_result r;

	if (!have(backend, "errors"))
		skip();
	tx_launch(&r, backend, "errors", 1, args);
	if (r.exit_code != 3)
		tx_dump("errors with --watchdog 1", &r);
	assert_int_equal(r.exit_code, 3);
	expect_in(r.err, "errors: variant return at 1 workers");
	expect_in(r.err, "no progress for 1 s (--watchdog 1)");
	if (strcmp(backend, "mpi") != 0)
		expect_in(r.err, "; ending the program");
	tx_result_free(&r);
}

static void threads_watchdog(void **state) { threads_watchdog_on(*state); }

/* ---- OpenMP: a short team, and the runtime's own exit -------------------------------------- */
static void openmp_short_team_is_exit3(void **state)
{
	static const char *const exercises[] = { "sync", "errors", "race" };
	static const char *const args[] = { "-r", "1", "-x", "0", "-q", "--csv", NULL };

	(void)state;
	/* no active parallel level: every region runs on one thread */
	setenv("OMP_MAX_ACTIVE_LEVELS", "0", 1);
	for (size_t i = 0; i < sizeof exercises / sizeof exercises[0]; i++) {
		struct tx_result r;
		char needle[128];
		if (!have("openmp", exercises[i]))
			continue;
		tx_launch(&r, "openmp", exercises[i], 2, args);
		if (r.exit_code != 3)
			tx_dump(exercises[i], &r);
		assert_int_equal(r.exit_code, 3);
		snprintf(needle, sizeof needle, ": %s: OpenMP gave 1 thread where 2 were asked",
			 exercises[i]);
		expect_in(r.err, needle);
		assert_non_null(strstr(r.err, "openmp/")); /* file:line */
		tx_result_free(&r);
	}
	unsetenv("OMP_MAX_ACTIVE_LEVELS");
}

/* OMP_DYNAMIC=true hands out no more threads than idle cores: 4 asked on this machine's
 * cores is a short team, exit 3 naming OMP_DYNAMIC (never exit 1 blaming the barrier) */
static void openmp_dynamic_is_exit3(void **state)
{
	static const char *const args[] = { "-w", "4", "-n", "500", "-r", "1", "-x", "0",
					    "--variant", "barrier", NULL };
	struct tx_result r;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	if (!have("openmp", "sync") || cores >= 4)
		skip(); /* 4 threads fit in the idle cores of a bigger machine */
	setenv("OMP_DYNAMIC", "true", 1);
	tx_launch(&r, "openmp", "sync", 0, args);
	unsetenv("OMP_DYNAMIC");
	if (r.exit_code != 3 || strstr(r.err, "OMP_DYNAMIC is true") == NULL)
		tx_dump("OMP_DYNAMIC=true sync -w 4", &r);
	assert_int_equal(r.exit_code, 3);
	assert_non_null(strstr(r.err, "where 4 were asked"));
	assert_non_null(strstr(r.err, "OMP_DYNAMIC is true"));
	tx_result_free(&r);
}

/* 64 MiB of address space: the program starts, but 256 thread stacks do not fit */
static void small_address_space(void)
{
	struct rlimit rl = { 64u << 20, 64u << 20 };
	unsetenv("OMP_STACKSIZE");
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		_exit(126);
}

static void openmp_runtime_exit_is_exit3(void **state)
{
	static const char *const args[] = { "-w", "256", "-n", "10", "-r", "1", "-x", "0", "-q",
					    "--csv", "--variant", "barrier", NULL };
	const char *b = tx_build();
	struct prog p;
	int rc;

	(void)state;
	/* a sanitizer's shadow memory needs far more address space than any limit here */
	if (!have("openmp", "sync") || strstr(b, "address") != NULL || strstr(b, "thread") != NULL)
		skip();
	reap_orphans();
	start(&p, "openmp", "sync", args, small_address_space);
	rc = finish(&p, RUN_LIMIT_S);
	if (rc != 3 && (strstr(p.errtext, "OMP: Error") != NULL ||
			strstr(p.errtext, "Sanitizer") != NULL)) {
		/* LLVM's libomp aborts (SIGABRT) instead of calling exit: the guard cannot
		 * see that (see harness/backend_local.c); a sanitizer's runtime cannot start
		 * in so little address space */
		fprintf(stderr, "skipped: %.200s\n", p.errtext);
		reap_orphans();
		prog_free(&p);
		skip();
	}
	if (rc != 3)
		fprintf(stderr, "exit %d, stderr:\n%s---\n", rc, p.errtext);
	assert_int_equal(rc, 3);
	expect_in(p.errtext, "libgomp: Thread creation failed");
	expect_in(p.errtext, "sync: the OpenMP runtime ended the program (see its message above)");
	expect_in(p.errtext, "harness/backend_local.c:");
	assert_int_equal(reap_orphans(), 0);
	prog_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stopped_worker_named_by_watchdog),
		cmocka_unit_test(killed_worker_errors),
		cmocka_unit_test(killed_worker_race),
		TX_ON(threads_watchdog, "pthreads"),
		TX_ON(threads_watchdog, "openmp"),
		TX_ON(threads_watchdog, "mpi"),
		cmocka_unit_test(openmp_short_team_is_exit3),
		cmocka_unit_test(openmp_dynamic_is_exit3),
		cmocka_unit_test(openmp_runtime_exit_is_exit3),
	};
	/* whatever a program under test leaves behind becomes ours, and is counted */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("prctl(PR_SET_CHILD_SUBREAPER)");
		return 1;
	}
	return cmocka_run_group_tests_name("faults (integration)", tests, NULL, NULL);
}
