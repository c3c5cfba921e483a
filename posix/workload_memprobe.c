/* workload_memprobe.c: what one more idle worker costs in memory, on POSIX threads or on
 * fork()ed processes (posix library code; see workload_memprobe.h).
 *
 * A team of n idle workers: each writes one byte to a `ready` pipe and blocks reading a
 * `go` pipe; once all n bytes are in, every worker is alive and has touched what an
 * idle worker touches, and this thread reads the memory; then it closes `go` (every
 * worker reads end-of-file and ends) and joins or reaps them. Reading it before the
 * team and while it is alive gives what the team added; the teams of 1 and of M give
 * the slope per worker (wl_mem_slope), so what is there once (the probe's own pipes,
 * the first reading's buffers) drops out.
 *  - threads: each gets a stack of its own, mmap()ed fresh (the default stack size,
 *    a guard page below it, as glibc would), so glibc's stack cache cannot hand it a
 *    stack the timed team already touched; glibc puts the thread's descriptor and its
 *    static TLS at the top of that stack. What the process's Pss, USS (Private_Clean
 *    + Private_Dirty) and VmPTE grew by, and the machine's KernelStack; n is the rise
 *    in the process's Threads.
 *  - processes: each child's Pss, USS and VmPTE, read by the parent from
 *    /proc/<pid>/smaps_rollup and status while the child waits (a child that read its
 *    own would touch more), plus what the parent's Pss changed by (its pages are now
 *    shared with the children), and the machine's KernelStack.
 * The second method (wl_mem.check): /proc/meminfo AnonPages + KernelStack + PageTables,
 * the same way. */
#include "workload_memprobe.h"

#include "hx.h"
#include "team.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct idle {
	int go[2], ready[2];
};

/* what an idle worker does: say it is alive, then wait for end-of-file on `go`
 * (async-signal-safe calls only: a child of a process that has threads) */
static void idle_wait(const struct idle *t)
{
	char c = 1;
	ssize_t k;
	while ((k = write(t->ready[1], &c, 1)) < 0 && errno == EINTR)
		;
	HX_CHECK_SYS(k);
	while ((k = read(t->go[0], &c, 1)) < 0 && errno == EINTR)
		;
	HX_CHECK_SYS(k);
}

#if !PX_PROCS
static void *idle_thread(void *arg)
{
	idle_wait(arg);
	return NULL;
}
#endif

/* the n bytes of n live workers */
static void await_ready(const struct idle *t, int n)
{
	char buf[256];
	while (n > 0) {
		ssize_t k = read(t->ready[0], buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		if (k == 0)
			hx_die(__FILE__, __LINE__, "memory probe", "a worker ended before it was ready");
		n -= (int)k;
	}
}

#if PX_PROCS
/* n children: their readings are summed into *d; returns 0, or -1 when /proc could
 * not be read */
static int team(const struct idle *t, int n, const struct wl_procmem *self0,
		struct wl_sysmem *alive, struct wl_memdelta *d)
{
	pid_t *pid = hx_calloc((size_t)n, sizeof *pid);
	struct wl_procmem self1, m;
	int ok;

	for (int i = 0; i < n; i++) {
		pid[i] = hx_fork();
		if (pid[i] == 0) {
			HX_CHECK_SYS(close(t->go[1]));
			HX_CHECK_SYS(close(t->ready[0]));
			idle_wait(t);
			_exit(0);
		}
		hx_child_name(pid[i], i);
	}
	HX_CHECK_SYS(close(t->ready[1])); /* end-of-file if every child died */
	await_ready(t, n);
	ok = wl_sys_mem(alive) == 0; /* first: others change it as time goes */
	d->n = n;
	d->pss = d->uss = d->pte = 0;
	for (int i = 0; i < n && ok; i++) {
		ok = wl_proc_mem(pid[i], &m) == 0;
		d->pss += m.pss;
		d->uss += m.uss;
		d->pte += m.pte;
	}
	ok = ok && wl_proc_mem(0, &self1) == 0;
	if (ok)
		d->pss += self1.pss - self0->pss;
	HX_CHECK_SYS(close(t->go[1])); /* every child reads end-of-file and leaves */
	for (int i = 0; i < n; i++) {
		int st;
		while (waitpid(pid[i], &st, 0) < 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			hx_child_fault(__FILE__, __LINE__, "an idle worker of the memory probe", pid[i], st);
	}
	free(pid);
	return ok ? 0 : -1;
}
#else
/* n threads on fresh stacks: what the process grew by into *d */
static int team(const struct idle *t, int n, const struct wl_procmem *self0,
		struct wl_sysmem *alive, struct wl_memdelta *d)
{
	pthread_t *th = hx_calloc((size_t)n, sizeof *th);
	void **stack = hx_calloc((size_t)n, sizeof *stack);
	size_t size = 0, guard = (size_t)sysconf(_SC_PAGESIZE);
	pthread_attr_t at;
	struct wl_procmem self1;
	int ok;

	HX_CHECK_PT(pthread_attr_init(&at));
	HX_CHECK_PT(pthread_attr_getstacksize(&at, &size)); /* the default a thread gets */
	if (size < 16 * guard)
		size = 16 * guard;
	for (int i = 0; i < n; i++) {
		stack[i] = mmap(NULL, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (stack[i] == MAP_FAILED)
			hx_die_errno(__FILE__, __LINE__, "mmap (a thread's stack)", errno);
		HX_CHECK_SYS(mprotect(stack[i], guard, PROT_NONE));
		HX_CHECK_PT(pthread_attr_setstack(&at, (char *)stack[i] + guard, size - guard));
		HX_CHECK_PT(pthread_create(&th[i], &at, idle_thread, (void *)t));
	}
	HX_CHECK_PT(pthread_attr_destroy(&at));
	await_ready(t, n);
	ok = wl_sys_mem(alive) == 0; /* first: others change it as time goes */
	ok = wl_proc_mem(0, &self1) == 0 && ok;
	d->n = self1.threads - self0->threads;
	d->pss = self1.pss - self0->pss;
	d->uss = self1.uss - self0->uss;
	d->pte = self1.pte - self0->pte;
	HX_CHECK_SYS(close(t->go[1])); /* every thread reads end-of-file and returns */
	for (int i = 0; i < n; i++)
		HX_CHECK_PT(pthread_join(th[i], NULL));
	for (int i = 0; i < n; i++)
		HX_CHECK_SYS(munmap(stack[i], size));
	HX_CHECK_SYS(close(t->ready[1]));
	free(th);
	free(stack);
	return ok ? 0 : -1;
}
#endif

/* one team of n: what it added, into *d; -1 when /proc could not be read */
static int measure(int n, struct wl_memdelta *d)
{
	struct idle t;
	struct wl_procmem self0;
	struct wl_sysmem before, alive, after;
	int ok;

	if (wl_proc_mem(0, &self0) != 0 || wl_sys_mem(&before) != 0)
		return -1;
	HX_CHECK_SYS(pipe2(t.go, O_CLOEXEC));
	HX_CHECK_SYS(pipe2(t.ready, O_CLOEXEC));
	ok = team(&t, n, &self0, &alive, d) == 0;
	HX_CHECK_SYS(close(t.go[0]));
	HX_CHECK_SYS(close(t.ready[0]));
	if (!ok || wl_sys_mem(&after) != 0)
		return -1;
	wl_sys_delta(&before, &alive, &after, d);
	return 0;
}

void px_memprobe(int big, struct wl_mem *out)
{
	static struct wl_mem once;
	static int once_big;
	struct wl_mem tries[WL_MEM_TRIES];
	struct wl_memdelta one, many;

	if (once_big == big && big > 0) {
		*out = once;
		return;
	}
	for (int i = 0; i < WL_MEM_TRIES; i++) {
		wl_mem_unmeasured(&tries[i]);
		tries[i].kind = PX_PROCS ? WL_MEM_PROCS : WL_MEM_THREADS;
		tries[i].workers = big;
		if (measure(1, &one) == 0 && measure(big, &many) == 0)
			wl_mem_slope(&one, &many, &tries[i]);
	}
	wl_mem_median(tries, WL_MEM_TRIES, out);
	once = *out;
	once_big = big;
}
