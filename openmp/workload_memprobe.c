/* workload_memprobe.c: what one more idle OpenMP thread costs in memory (openmp library code;
 * see workload_memprobe.h).
 *
 * The runtime chooses the threads' stacks (OMP_STACKSIZE, else the default size) and
 * keeps its threads in a pool between regions, so a region of M threads creates only
 * those the pool lacks. The probe reads this process (smaps_rollup Pss and Private_*,
 * status VmPTE and Threads) and the machine (/proc/meminfo KernelStack, and AnonPages +
 * PageTables + KernelStack for the second method) before a region of n threads and,
 * on thread 0, while all n are inside it (the others wait at the region's closing
 * barrier). n = 1 and n = M; the slope divides by the rise in Threads, so the pool's
 * threads count for nothing and only the new threads are priced. A new thread may
 * still get a stack that glibc cached from a thread that ended (the runtime ends its
 * threads only when a region is smaller than the pool and then not always): that
 * underprices by the cached stacks' share, a few of M = 64. */
#include "workload_memprobe.h"

#include "team.h"

#include <math.h>
#include <omp.h>

struct reading {
	struct wl_procmem self;
	struct wl_sysmem sys;
	int ok;
};

static void read_body(int tid, void *arg)
{
	struct reading *r = arg;
	if (tid == 0)
		r->ok = wl_sys_mem(&r->sys) == 0 && wl_proc_mem(0, &r->self) == 0;
}

static int measure(int n, struct wl_memdelta *d)
{
	struct wl_procmem self0;
	struct wl_sysmem before;
	struct reading r = { .ok = 0 };

	if (wl_proc_mem(0, &self0) != 0 || wl_sys_mem(&before) != 0)
		return -1;
	om_team_run(n, read_body, &r, NULL);
	if (!r.ok)
		return -1;
	/* before only: after the region the new threads stay in the pool */
	wl_sys_delta(&before, &r.sys, &before, d);
	d->n = r.self.threads - self0.threads;
	d->pss = r.self.pss - self0.pss;
	d->uss = r.self.uss - self0.uss;
	d->pte = r.self.pte - self0.pte;
	return 0;
}

void om_memprobe(int big, struct wl_mem *out)
{
	static struct wl_mem once;
	static int once_big;
	struct wl_memdelta one, many;
	int limit = omp_get_thread_limit(), m = big < limit ? big : limit;

	if (once_big == big && big > 0) {
		*out = once;
		return;
	}
	/* one try, not WL_MEM_TRIES: after it the pool holds M threads, and a second
	 * region of M would create none */
	wl_mem_unmeasured(out);
	out->kind = WL_MEM_THREADS;
	out->workers = m;
	if (m >= 2 && measure(1, &one) == 0 && measure(m, &many) == 0)
		wl_mem_slope(&one, &many, out);
	once = *out;
	once_big = big;
}
