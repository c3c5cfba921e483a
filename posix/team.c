/* team.c: see team.h. The only file of posix/ that reads the clock. */
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- threads ---------------------------------------------------------------------
 * The workers meet at a barrier, then each stamps its own start and end: the timed
 * region runs from the first start to the last end. (A clock read by the main thread
 * after the barrier could come late when there are more threads than cores.) */
struct thread_team {
	pthread_barrier_t start;
	px_work_fn fn;
	void *arg;
};

struct thread_slot {
	struct thread_team *team;
	int worker;
	double t0;
	struct px_life life; /* life.ended: the end of its work */
};

/* The start stamp of the worker running on this thread (a worker process has one
 * thread): px_team_mark_start writes it again. NULL outside a worker. */
static _Thread_local double *my_start;

void px_team_mark_start(void)
{
	if (my_start == NULL)
		hx_die(__FILE__, __LINE__, "px_team_mark_start", "called outside a team worker");
	*my_start = hx_now();
}

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
}

static void *thread_main(void *p)
{
	struct thread_slot *s = p;
	s->life.running = hx_now();
	/* --bind cores: on the worker-th CPU of the process's (joined before the record) */
	hx_bind_record(s->worker, hx_bind_self(s->worker));
	barrier_wait(&s->team->start);
	my_start = &s->t0;
	s->t0 = hx_now();
	s->team->fn(s->worker, s->team->arg);
	s->life.ended = hx_now();
	my_start = NULL;
	return NULL;
}

/* ---- creation and teardown (team.h) ------------------------------------------------ */
void px_life_stamp(double *at)
{
	*at = hx_now();
}

void px_life_add(struct px_lifesum *sum, const struct px_life *l)
{
	sum->creation += l->running - l->created;
	sum->teardown += l->reaped - (l->ended > l->waited ? l->ended : l->waited);
	sum->n++;
}

/* The team's start and end, and the per-worker means, from the px_life of each worker
 * (lives[w] at `stride` bytes apart). */
static void life_times(const char *lives, size_t stride, int n, struct px_times *tm)
{
	const struct px_life *l = (const struct px_life *)lives;
	double created = l->created, running = l->running, ended = l->ended, reaped = l->reaped;
	struct px_lifesum sum = { 0 };

	for (int w = 0; w < n; w++) {
		l = (const struct px_life *)(lives + (size_t)w * stride);
		created = l->created < created ? l->created : created;
		running = l->running > running ? l->running : running;
		ended = l->ended > ended ? l->ended : ended;
		reaped = l->reaped > reaped ? l->reaped : reaped;
		px_life_add(&sum, l);
	}
	tm->start = running - created;
	tm->end = reaped - ended;
	tm->creation = sum.creation / n;
	tm->teardown = sum.teardown / n;
}

/* first start to last end */
static double span(const double *t0, const double *t1, size_t stride, int n)
{
	double lo = t0[0], hi = t1[0];
	for (int w = 1; w < n; w++) {
		const double *a = (const double *)((const char *)t0 + (size_t)w * stride);
		const double *b = (const double *)((const char *)t1 + (size_t)w * stride);
		if (*a < lo)
			lo = *a;
		if (*b > hi)
			hi = *b;
	}
	return hi - lo;
}

static double threads_run(int workers, px_work_fn fn, void *arg, struct px_times *tm)
{
	struct thread_team team = { .fn = fn, .arg = arg };
	pthread_t *tid = hx_calloc((size_t)workers, sizeof *tid);
	struct thread_slot *slot = hx_calloc((size_t)workers, sizeof *slot);
	double seconds;

	px_barrier_init(&team.start, (unsigned)workers, 0);
	for (int w = 0; w < workers; w++) {
		slot[w] = (struct thread_slot){ .team = &team, .worker = w };
		slot[w].life.created = hx_now();
		HX_CHECK_PT(pthread_create(&tid[w], NULL, thread_main, &slot[w]));
	}
	for (int w = 0; w < workers; w++) {
		slot[w].life.waited = hx_now();
		HX_CHECK_PT(pthread_join(tid[w], NULL));
		slot[w].life.reaped = hx_now();
	}
	HX_CHECK_PT(pthread_barrier_destroy(&team.start));
	seconds = span(&slot[0].t0, &slot[0].life.ended, sizeof *slot, workers);
	if (tm != NULL)
		life_times((const char *)&slot[0].life, sizeof *slot, workers, tm);
	free(tid);
	free(slot);
	return seconds;
}

double px_threads_run(int workers, px_work_fn fn, void *arg)
{
	return threads_run(workers, fn, arg, NULL);
}

#define PX_POLL_MAX 1024 /* workers reaped through pidfds at most; more nap */

/* ---- processes -------------------------------------------------------------------
 * A process can die at any moment, and a barrier with a dead member hangs forever.
 * So the start is a pair of pipes (a dead child closes its ends, which the parent
 * sees as EOF), and each child stamps its own start and end (CLOCK_MONOTONIC is one
 * clock for the whole machine), read after waitpid: first start to last end, as for
 * threads. The stamps, the px_life of each worker too, lie in a shared mapping. */
struct proc_stamp {
	double t0;
	struct px_life life; /* life.ended: the end of its work */
	int cpu;             /* hx_bind_self's answer, for the parent's record */
};

static void close_fd(int fd)
{
	HX_CHECK_SYS(close(fd));
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			hx_die_errno(__FILE__, __LINE__, "write", errno);
		buf += k;
		n -= (size_t)k;
	}
}

/* reads up to n bytes; returns how many came before EOF */
static size_t read_all(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			hx_die_errno(__FILE__, __LINE__, "read", errno);
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/* A descriptor that becomes readable when process pid ends (pidfd_open, Linux 5.3),
 * or -1 where the kernel has none. */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != EPERM)
		hx_die_errno(__FILE__, __LINE__, "pidfd_open", errno);
#else
	(void)pid;
#endif
	return -1;
}

/* Sleeps until a worker may have ended: blocked in poll() on the workers' pidfds, so the
 * parent wakes within microseconds of an exit; where there are none, a nap that grows
 * from 50 us to 10 ms. */
static void wait_any(const pid_t *pid, const int *pfd, int workers, uint64_t *nap)
{
	struct pollfd fds[PX_POLL_MAX];
	int n = 0, all = workers <= PX_POLL_MAX;

	for (int w = 0; w < workers && all; w++) {
		if (pid[w] <= 0)
			continue;
		all = pfd[w] >= 0;
		fds[n++] = (struct pollfd){ .fd = pfd[w], .events = POLLIN };
	}
	if (all && n > 0) {
		if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "poll", errno);
		return;
	}
	hx_sleep_ns(*nap);
	if (*nap < 10000000)
		*nap *= 2;
}

/* Waits for every child. The first one to fail (non-zero exit, or a signal: nothing
 * here kills a worker, so a signal is a fault from outside, a SIGKILL or a crash) is
 * reported by hx_child_fault: "worker 2 (pid 1234) was killed by signal 9 (Killed)",
 * after the others are killed and reaped (they may be waiting for the dead one, at a
 * process-shared barrier say, and would never finish); exit 3. Between rounds of
 * waitpid(WNOHANG) the parent blocks (wait_any). A worker that never ends (stopped, or
 * in a deadlock) is the watchdog's (harness/watchdog.c). pfd: the workers' pidfds
 * (-1: none), closed as they are reaped. Each reaped worker's life gets `waited` (the
 * reaping began, or the worker before was reaped) and `reaped` (its waitpid returned). */
static void reap(pid_t *pid, int *pfd, int workers, struct proc_stamp *stamp)
{
	int left = workers;
	uint64_t nap = 50000;
	double free_since = hx_now();

	while (left > 0) {
		int reaped = 0, bad = -1, bad_st = 0;
		pid_t bad_pid = 0;
		for (int w = 0; w < workers; w++) {
			int st;
			pid_t r;
			if (pid[w] <= 0)
				continue;
			r = waitpid(pid[w], &st, WNOHANG);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
			if (r == 0)
				continue;
			stamp[w].life.waited = free_since;
			stamp[w].life.reaped = free_since = hx_now();
			pid[w] = 0;
			if (pfd[w] >= 0)
				close_fd(pfd[w]);
			pfd[w] = -1;
			left--;
			reaped = 1;
			/* a worker killed by a signal is the cause; one that exited non-zero may be
			 * its consequence (the parent gave up on the start): the signal is named */
			if ((!WIFEXITED(st) || WEXITSTATUS(st) != 0) &&
			    (bad < 0 || (WIFSIGNALED(st) && !WIFSIGNALED(bad_st)))) {
				bad = w;
				bad_pid = r;
				bad_st = st;
			}
		}
		if (bad >= 0) {
			char who[32];
			snprintf(who, sizeof who, "worker %d", bad);
			hx_child_fault(__FILE__, __LINE__, who, (int)bad_pid, bad_st);
		}
		if (left > 0 && !reaped)
			wait_any(pid, pfd, workers, &nap);
		else
			nap = 50000;
	}
}

/* The go byte wakes the children one at a time, each as the scheduler gets to it (tens
 * of microseconds apart here, more on a busy machine): a worker could be done before
 * the next one runs, and two workers that never overlap show no contention at all
 * (race --variant none lost no update in half its repetitions on procs). So after the
 * go each child counts itself in and waits, spinning, until all are in: the workers
 * start within the time a store takes to cross the cores, as threads do after their
 * barrier. Past a few thousand spins it yields, so a worker waiting for a core (more
 * workers than cores) gets it. A child that dies meanwhile is the parent's to report
 * (reap), which kills the others. Untimed: each stamps its start after it. */
static void line_up(unsigned *arrived, unsigned workers)
{
	unsigned spins = 0;
	__atomic_add_fetch(arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(arrived, __ATOMIC_SEQ_CST) < workers)
		if (++spins > 4096)
			sched_yield();
#if defined(__x86_64__) || defined(__i386__)
		else
			__builtin_ia32_pause();
#endif
}

static double procs_run(int workers, px_work_fn fn, void *arg, struct px_times *tm)
{
	int ready[2], go[2];
	pid_t *pid = hx_calloc((size_t)workers, sizeof *pid);
	int *pfd = hx_calloc((size_t)workers, sizeof *pfd);
	struct proc_stamp *stamp = px_shared_alloc((size_t)workers * sizeof *stamp);
	unsigned *arrived = px_shared_alloc(sizeof *arrived); /* after the go, see line_up */
	char *buf = hx_calloc((size_t)workers, 1);
	double seconds;
	size_t got;

	HX_CHECK_SYS(pipe(ready));
	HX_CHECK_SYS(pipe(go));
	for (int w = 0; w < workers; w++) {
		stamp[w].life.created = hx_now();
		pid[w] = hx_fork();
		if (pid[w] > 0) {
			hx_child_name((int)pid[w], w);
			pfd[w] = pid_fd(pid[w]);
		}
		if (pid[w] == 0) {
			char b = 'r';
			stamp[w].life.running = hx_now();
			stamp[w].cpu = hx_bind_self(w); /* --bind cores */
			close_fd(ready[0]);
			close_fd(go[1]);
			write_all(ready[1], &b, 1); /* I am here */
			close_fd(ready[1]);
			if (read_all(go[0], &b, 1) != 1) /* EOF: the parent gave up */
				_exit(HX_EXIT_SYSTEM);
			line_up(arrived, (unsigned)workers);
			my_start = &stamp[w].t0;
			stamp[w].t0 = hx_now();
			fn(w, arg);
			stamp[w].life.ended = hx_now();
			_exit(0);
		}
	}
	close_fd(ready[1]);
	close_fd(go[0]);
	got = read_all(ready[0], buf, (size_t)workers);
	close_fd(ready[0]);
	if (got != (size_t)workers) { /* a child died before it was ready */
		close_fd(go[1]);
		reap(pid, pfd, workers, stamp);
		hx_die(__FILE__, __LINE__, "px_procs_run", "a worker process died before the start");
	}
	memset(buf, 'g', (size_t)workers);
	write_all(go[1], buf, (size_t)workers);
	close_fd(go[1]);
	reap(pid, pfd, workers, stamp);
	for (int w = 0; w < workers; w++)
		hx_bind_record(w, stamp[w].cpu);
	seconds = span(&stamp[0].t0, &stamp[0].life.ended, sizeof *stamp, workers);
	if (tm != NULL)
		life_times((const char *)&stamp[0].life, sizeof *stamp, workers, tm);
	px_shared_free(stamp, (size_t)workers * sizeof *stamp);
	px_shared_free(arrived, sizeof *arrived);
	free(pid);
	free(pfd);
	free(buf);
	return seconds;
}

double px_procs_run(int workers, px_work_fn fn, void *arg)
{
	return procs_run(workers, fn, arg, NULL);
}

double px_threads_run_times(int workers, px_work_fn fn, void *arg, struct px_times *times)
{
	double t0 = hx_now();
	times->work = threads_run(workers, fn, arg, times);
	times->outer = hx_now() - t0;
	return times->work;
}

double px_procs_run_times(int workers, px_work_fn fn, void *arg, struct px_times *times)
{
	double t0 = hx_now();
	times->work = procs_run(workers, fn, arg, times);
	times->outer = hx_now() - t0;
	return times->work;
}

/* ---- regions the calling thread drives ------------------------------------------- */
void px_drive_phases(int n, const px_drive_fn *step, void *arg, double *t)
{
	double t0 = hx_now();
	for (int i = 0; i < n; i++) {
		double t1;
		step[i](arg);
		t1 = hx_now();
		t[i] = t1 - t0;
		t0 = t1;
	}
}

void *px_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		hx_die_errno(__FILE__, __LINE__, "mmap(MAP_SHARED|MAP_ANONYMOUS)", errno);
	return p;
}

void px_shared_free(void *p, size_t len)
{
	HX_CHECK_SYS(munmap(p, len ? len : 1));
}

void px_mutex_init(pthread_mutex_t *m, int pshared)
{
	px_mutex_init_type(m, pshared, PTHREAD_MUTEX_DEFAULT);
}

void px_mutex_init_type(pthread_mutex_t *m, int pshared, int type)
{
	pthread_mutexattr_t a;
	HX_CHECK_PT(pthread_mutexattr_init(&a));
	HX_CHECK_PT(pthread_mutexattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED
							     : PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_mutexattr_settype(&a, type));
	HX_CHECK_PT(pthread_mutex_init(m, &a));
	HX_CHECK_PT(pthread_mutexattr_destroy(&a));
}

void px_cond_init(pthread_cond_t *c, int pshared)
{
	pthread_condattr_t a;
	HX_CHECK_PT(pthread_condattr_init(&a));
	HX_CHECK_PT(pthread_condattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED
							    : PTHREAD_PROCESS_PRIVATE));
	/* a timed wait's deadline is on the harness's clock (hx_deadline), not the date */
	HX_CHECK_PT(pthread_condattr_setclock(&a, CLOCK_MONOTONIC));
	HX_CHECK_PT(pthread_cond_init(c, &a));
	HX_CHECK_PT(pthread_condattr_destroy(&a));
}

void px_barrier_init(pthread_barrier_t *b, unsigned count, int pshared)
{
	pthread_barrierattr_t a;
	HX_CHECK_PT(pthread_barrierattr_init(&a));
	HX_CHECK_PT(pthread_barrierattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED
							       : PTHREAD_PROCESS_PRIVATE));
	HX_CHECK_PT(pthread_barrier_init(b, &a, count));
	HX_CHECK_PT(pthread_barrierattr_destroy(&a));
}

/* The memory a team shares. A thread team could use any memory; the heap makes the
 * point that nothing special is needed. (team.c is compiled once per backend.) */
void *px_team_alloc(size_t len)
{
	return PX_PROCS ? px_shared_alloc(len) : hx_calloc(1, len);
}

void px_team_free(void *p, size_t len)
{
	if (PX_PROCS)
		px_shared_free(p, len);
	else
		free(p);
}
