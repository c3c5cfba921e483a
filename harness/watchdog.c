/* watchdog.c: a repetition that makes no progress ends the program, never a silent hang;
 * and a worker process that dies unasked is a fault, named as such.
 *
 * The watchdog is one thread, started at the first hx_watchdog_arm, that sleeps on a
 * condition variable until the armed deadline (CLOCK_MONOTONIC, so a change of the
 * wall clock moves nothing). The driver arms it before each repetition with
 * --watchdog SEC and disarms it after the check; a deadline that passes while armed is
 * a hang. The thread then:
 *   1. claims the end of the program (hx_fault_claim: a fault found at the same moment
 *      by the main thread, say a worker it sees dying from our SIGKILL, stays silent);
 *   2. names the case and every child of this process with its state, read from
 *      /proc/<pid>/stat ('T': stopped, as by SIGSTOP), or for threads the states of
 *      this process's threads: one line on stderr;
 *   3. kills the children (SIGKILL, which also ends a stopped one) and reaps them, so
 *      no zombie and nothing of the team is left;
 *   4. _exit(HX_EXIT_SYSTEM). No MPI call (the MPI adapter gives the main thread alone
 *      the right to call MPI): on MPI the rank leaves and mpirun ends the others.
 * The children are found through /proc (every process whose parent is this one), so the
 * watchdog needs nothing from the backends; the names ("worker 2") come from
 * hx_child_name, a lock-free ring of (pid, worker) pairs that a fork()ed child may
 * inherit in any state. */
#include "hx.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- who ends the program ------------------------------------------------------- */
static int ending;
static pthread_t ender;

void hx_fault_claim(void)
{
	int expect = 0;
	if (__atomic_compare_exchange_n(&ending, &expect, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		ender = pthread_self();
		__atomic_store_n(&ending, 2, __ATOMIC_SEQ_CST);
		return;
	}
	while (__atomic_load_n(&ending, __ATOMIC_SEQ_CST) == 1)
		sched_yield(); /* the winner is storing its id: a few instructions */
	if (pthread_equal(ender, pthread_self()))
		return; /* the same thread, further down its own way out */
	for (;;)
		pause(); /* another thread is ending the program and reports why */
}

_Noreturn void hx_exit_now(int code)
{
	/* stdout may hold records not yet written; a thread stuck inside stdio holds its
	 * lock, and then flushing would hang: try, never wait */
	if (ftrylockfile(stdout) == 0) {
		fflush_unlocked(stdout);
		funlockfile(stdout);
	}
	hx_runtime_forget((int)getpid());
	_exit(code);
}

/* LLVM's OpenMP runtime (clang builds) registers each process that uses it in a
 * shared-memory object named after the process, and removes it in its exit handler,
 * which _exit and a fatal signal skip: removed here for `pid` (nothing happens when there
 * is none: GCC's runtime, no OpenMP). */
void hx_runtime_forget(int pid)
{
	char name[64];
	snprintf(name, sizeof name, "/__KMP_REGISTERED_LIB_%d_%d", pid, (int)getuid());
	(void)shm_unlink(name);
}

/* ---- the case being run ----------------------------------------------------------- */
static const char *cur_exercise, *cur_variant;
static int cur_workers;

const char *hx_current_exercise(void)
{
	const char *ex = __atomic_load_n(&cur_exercise, __ATOMIC_SEQ_CST);
	return ex != NULL ? ex : program_invocation_short_name;
}

/* "race: variant lock at 2 workers", or the exercise alone before the first case */
static void case_label(char *buf, size_t len)
{
	const char *v = __atomic_load_n(&cur_variant, __ATOMIC_SEQ_CST);
	size_t n;
	if (v == NULL)
		n = (size_t)snprintf(buf, len, "%s", hx_current_exercise());
	else
		n = (size_t)snprintf(buf, len, "%s: variant %s at %d workers", hx_current_exercise(),
				     v, __atomic_load_n(&cur_workers, __ATOMIC_SEQ_CST));
	/* MPI: which rank speaks (plain variables of the adapter: no MPI call) */
	if (hx_backend_nranks() > 1 && n < len)
		snprintf(buf + n, len - n, ", rank %d", hx_backend_rank());
}

/* ---- children: their names, their states, their end -------------------------------- */
#define RING 4096
static uint64_t ring[RING]; /* pid << 32 | (uint32_t)worker; 0: empty */
static unsigned ring_next;

void hx_child_name(int pid, int worker)
{
	unsigned k = __atomic_fetch_add(&ring_next, 1, __ATOMIC_SEQ_CST) % RING;
	__atomic_store_n(&ring[k], (uint64_t)(uint32_t)pid << 32 | (uint32_t)worker,
			 __ATOMIC_SEQ_CST);
}

/* the newest name of pid: its worker index, or -1 (unnamed, or not one of ours) */
static int child_worker(int pid)
{
	unsigned next = __atomic_load_n(&ring_next, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < RING && i < next; i++) {
		uint64_t e = __atomic_load_n(&ring[(next - 1 - i) % RING], __ATOMIC_SEQ_CST);
		if (e != 0 && (int)(uint32_t)(e >> 32) == pid)
			return (int)(int32_t)(uint32_t)e;
	}
	return -1;
}

/* State letter and parent of a process from /proc/<pid>/stat; 0 when it is gone. The
 * name in parentheses may hold anything: the fields follow its last ')'. */
char hx_proc_state(const char *pid, int *ppid)
{
	char path[64], buf[512], st = 0;
	FILE *f;
	size_t n;
	const char *p;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %c %d", &st, ppid) != 2)
		return 0;
	return st;
}

#define MAX_KIDS (2 * HX_MAX_WORKERS)
struct kid {
	int pid, worker;
	char state;
};

/* This process's children, at most max of them (numbers read from /proc). */
static int list_children(struct kid *k, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0, me = (int)getpid();

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		int ppid = 0;
		char st;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		st = hx_proc_state(e->d_name, &ppid);
		if (st == 0 || ppid != me)
			continue;
		k[n].pid = atoi(e->d_name);
		k[n].worker = child_worker(k[n].pid);
		k[n].state = st;
		n++;
	}
	closedir(d);
	return n;
}

static const char *state_words(char st)
{
	switch (st) {
	case 'T': return "is stopped (SIGSTOP)";
	case 't': return "is stopped by a debugger";
	case 'R': return "is running";
	case 'S': return "is waiting (asleep)";
	case 'D': return "is waiting in the kernel (uninterruptible)";
	case 'Z': return "has ended (not yet reaped)";
	default: return "is in an unknown state";
	}
}

void hx_children_kill(void)
{
	static struct kid k[MAX_KIDS];
	int n = list_children(k, MAX_KIDS);
	uint64_t until = hx_now_ns() + 5000000000u, nap = 100000;

	for (int i = 0; i < n; i++)
		if (kill(k[i].pid, SIGKILL) != 0 && errno != ESRCH)
			fprintf(stderr, "%s:%d: kill(%d, SIGKILL): %s\n", __FILE__, __LINE__, k[i].pid,
				strerror(errno));
	/* reap them; another thread may reap one first (ECHILD): it is gone either way */
	for (int left = n; left > 0 && hx_now_ns() < until;) {
		left = 0;
		for (int i = 0; i < n; i++) {
			int st;
			pid_t r;
			if (k[i].pid == 0)
				continue;
			r = waitpid(k[i].pid, &st, WNOHANG);
			if (r == 0) {
				left++;
				continue;
			}
			if (r < 0 && errno == EINTR) {
				left++;
				continue;
			}
			k[i].pid = 0;
		}
		if (left > 0) {
			hx_sleep_ns(nap);
			if (nap < 20000000)
				nap *= 2;
		}
	}
}

static void describe(char *buf, size_t len, int pid, int worker, int status)
{
	char who[48];
	if (worker >= 0)
		snprintf(who, sizeof who, "worker %d", worker);
	else
		snprintf(who, sizeof who, "child process");
	if (WIFSIGNALED(status))
		snprintf(buf, len, "%s (pid %d) was killed by signal %d (%s)", who, pid,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "%s (pid %d) exited with status %d", who, pid, WEXITSTATUS(status));
}

_Noreturn void hx_child_fault(const char *file, int line, const char *who, int pid, int status)
{
	char what[160], reason[256];

	hx_fault_claim();
	if (who == NULL) {
		describe(reason, sizeof reason, pid, child_worker(pid), status);
	} else if (WIFSIGNALED(status)) {
		snprintf(reason, sizeof reason, "%s (pid %d) was killed by signal %d (%s)", who, pid,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		snprintf(reason, sizeof reason, "%s (pid %d) exited with status %d", who, pid,
			 WEXITSTATUS(status));
	}
	/* the others may be waiting for the dead one: they would never end */
	hx_children_kill();
	case_label(what, sizeof what);
	hx_die(file, line, what, reason);
}

/* ---- the watchdog thread ------------------------------------------------------------ */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static pthread_cond_t wd_ready = PTHREAD_COND_INITIALIZER; /* the thread has started */
static int wd_started, wd_running, wd_armed, wd_seconds;
static struct timespec wd_deadline;

static int passed(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (used >= len)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n < len ? used + (size_t)n : len - 1;
}

/* the states of this process's threads, but the watchdog's own: "2 running, 1 asleep" */
static size_t thread_states(char *buf, size_t len, size_t used)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int run = 0, sleep = 0, other = 0, self = (int)gettid();

	if (d == NULL)
		return used;
	while ((e = readdir(d)) != NULL) {
		char path[300];
		int ppid;
		char st;
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == self)
			continue;
		snprintf(path, sizeof path, "self/task/%s", e->d_name);
		st = hx_proc_state(path, &ppid);
		run += st == 'R';
		sleep += st == 'S' || st == 'D';
		other += st != 0 && st != 'R' && st != 'S' && st != 'D';
	}
	closedir(d);
	used = append(buf, len, used, "its threads: %d running, %d asleep", run, sleep);
	if (other > 0)
		used = append(buf, len, used, ", %d stopped or ending", other);
	return used;
}

static _Noreturn void fire(int seconds)
{
	static struct kid k[MAX_KIDS];
	static char msg[8192];
	char label[160];
	size_t used;
	int n, shown = 0;

	hx_fault_claim();
	case_label(label, sizeof label);
	used = append(msg, sizeof msg, 0, "%s: no progress for %d s (--watchdog %d): ", label,
		      seconds, seconds);
	n = list_children(k, MAX_KIDS);
	if (n == 0) {
		used = thread_states(msg, sizeof msg, used);
		used = append(msg, sizeof msg, used, "; ending the program\n");
	} else {
		/* the stopped ones first: they are why the others wait */
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < n; i++) {
				int stopped = k[i].state == 'T' || k[i].state == 't';
				if (stopped != (pass == 0))
					continue;
				if (shown == 16) {
					used = append(msg, sizeof msg, used, ", and %d more", n - shown);
					shown++;
				}
				if (shown > 16)
					continue;
				if (k[i].worker >= 0)
					used = append(msg, sizeof msg, used, "%sworker %d (pid %d) %s",
						      shown ? ", " : "", k[i].worker, k[i].pid,
						      state_words(k[i].state));
				else
					used = append(msg, sizeof msg, used, "%schild process (pid %d) %s",
						      shown ? ", " : "", k[i].pid, state_words(k[i].state));
				shown++;
			}
		used = append(msg, sizeof msg, used, "; killing the team\n");
	}
	if (write(STDERR_FILENO, msg, used) < 0) {
		/* nothing more can be said: the exit status still tells */
	}
	hx_children_kill();
	hx_exit_now(HX_EXIT_SYSTEM);
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	HX_CHECK_PT(pthread_mutex_lock(&wd_lock));
	wd_running = 1;
	HX_CHECK_PT(pthread_cond_signal(&wd_ready));
	for (;;) {
		int rc;
		if (!wd_armed) {
			HX_CHECK_PT(pthread_cond_wait(&wd_cond, &wd_lock));
			continue;
		}
		if (passed(&wd_deadline)) {
			int s = wd_seconds;
			HX_CHECK_PT(pthread_mutex_unlock(&wd_lock));
			fire(s);
		}
		rc = pthread_cond_timedwait(&wd_cond, &wd_lock, &wd_deadline);
		if (rc != 0 && rc != ETIMEDOUT)
			hx_die_errno(__FILE__, __LINE__, "pthread_cond_timedwait", rc);
	}
	return NULL;
}

/* started once, with wd_lock held; with every signal blocked, so signals meant for the
 * program (SIGINT, SIGPIPE, SIGCHLD) go to its own threads. Returns once the thread
 * runs: a new thread allocates as it starts (its TLS, the sanitizers' bookkeeping), and
 * a fork() at that moment (errors' sandbox, the procs backend) would leave the child
 * an allocator lock that nobody will release (seen under ASan: the sandbox's threads
 * hung in calloc). */
static void start_thread(void)
{
	pthread_condattr_t a;
	pthread_t tid;
	sigset_t all, old;

	HX_CHECK_PT(pthread_condattr_init(&a));
	HX_CHECK_PT(pthread_condattr_setclock(&a, CLOCK_MONOTONIC));
	HX_CHECK_PT(pthread_cond_init(&wd_cond, &a));
	HX_CHECK_PT(pthread_condattr_destroy(&a));
	sigfillset(&all);
	HX_CHECK_PT(pthread_sigmask(SIG_SETMASK, &all, &old));
	HX_CHECK_PT(pthread_create(&tid, NULL, watchdog_main, NULL));
	HX_CHECK_PT(pthread_sigmask(SIG_SETMASK, &old, NULL));
	HX_CHECK_PT(pthread_detach(tid));
	while (!wd_running)
		HX_CHECK_PT(pthread_cond_wait(&wd_ready, &wd_lock));
	wd_started = 1;
}

void hx_watchdog_arm(const struct hx_case *c)
{
	int s = c->opts->watchdog_s;

	__atomic_store_n(&cur_exercise, c->ex->name, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cur_variant, c->variant_name, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cur_workers, c->workers, __ATOMIC_SEQ_CST);
	if (s <= 0)
		return;
	HX_CHECK_PT(pthread_mutex_lock(&wd_lock));
	if (!wd_started)
		start_thread();
	if (clock_gettime(CLOCK_MONOTONIC, &wd_deadline) != 0)
		hx_die_errno(__FILE__, __LINE__, "clock_gettime(CLOCK_MONOTONIC)", errno);
	wd_deadline.tv_sec += s;
	wd_seconds = s;
	wd_armed = 1;
	HX_CHECK_PT(pthread_cond_signal(&wd_cond));
	HX_CHECK_PT(pthread_mutex_unlock(&wd_lock));
}

void hx_watchdog_disarm(void)
{
	/* no signal: the thread wakes at the old deadline, finds it disarmed (or a later
	 * deadline) and sleeps again */
	if (!wd_started)
		return;
	HX_CHECK_PT(pthread_mutex_lock(&wd_lock));
	wd_armed = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&wd_lock));
}
