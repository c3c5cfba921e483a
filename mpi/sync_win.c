/* sync_win.c: the counters of `sync` on MPI (mpi/sync.c) in an RMA window on rank 0,
 * touched only with RMA atomics (MPI_Fetch_and_op, MPI_Compare_and_swap, MPI_Accumulate),
 * each completed with MPI_Win_flush; the recursive lock built on them (a lock word); and
 * rank 0's gathering of the result. A library file: every MPI program links it, so
 * its names begin with sync_ and it uses only MPI, libc and hx. */
#include "team.h"
#include "sync.h"
#include <sched.h>
#include <stdlib.h>
#include <string.h>

long sync_win_fop(MPI_Win win, long v, int slot, MPI_Op op)
{
	long old;
	HX_CHECK_MPI(MPI_Fetch_and_op(&v, &old, MPI_LONG, 0, slot, op, win));
	HX_CHECK_MPI(MPI_Win_flush(0, win));
	return old;
}

long sync_win_cas(MPI_Win win, long cmp, long v, int slot)
{
	long old;
	HX_CHECK_MPI(MPI_Compare_and_swap(&v, &cmp, &old, MPI_LONG, 0, slot, win));
	HX_CHECK_MPI(MPI_Win_flush(0, win));
	return old;
}

/* ---- the counters' operations (struct sync_team) on the window --------------------- */
#define WIN(t) (*(MPI_Win *)(t)->where)

static long win_add(struct sync_team *t, int slot, long v)
{
	if (v == 0)
		return sync_win_fop(WIN(t), 0, slot, MPI_NO_OP);
	return sync_win_fop(WIN(t), v, slot, MPI_SUM) + v;
}

static void win_max(struct sync_team *t, int slot, long v)
{
	HX_CHECK_MPI(MPI_Accumulate(&v, 1, MPI_LONG, 0, slot, 1, MPI_LONG, MPI_MAX, WIN(t)));
	HX_CHECK_MPI(MPI_Win_flush(0, WIN(t)));
}

static long win_get(struct sync_team *t, int slot) /* a plain get */
{
	long v;
	HX_CHECK_MPI(MPI_Get(&v, 1, MPI_LONG, 0, slot, 1, MPI_LONG, WIN(t)));
	HX_CHECK_MPI(MPI_Win_flush(0, WIN(t)));
	return v;
}

static void win_put(struct sync_team *t, int slot, long v) /* a plain put */
{
	HX_CHECK_MPI(MPI_Put(&v, 1, MPI_LONG, 0, slot, 1, MPI_LONG, WIN(t)));
	HX_CHECK_MPI(MPI_Win_flush(0, WIN(t)));
}

long *sync_win_open(struct sync_team *t, MPI_Comm comm, MPI_Win *win)
{
	long *base, init[SYNC_NSLOTS] = { 0 };
	int rank, size, node_size;
	MPI_Comm node;
	MPI_Aint bytes;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	bytes = rank == 0 ? (MPI_Aint)sizeof init : 0;
	/* On one node a shared-memory window (osc/sm): Open MPI 4.1's osc/rdma over the
	 * vader transport crashes in MPI_Compare_and_swap here. Across nodes, a plain one. */
	HX_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
	HX_CHECK_MPI(MPI_Comm_size(node, &node_size));
	HX_CHECK_MPI(MPI_Comm_free(&node));
	if (node_size == size)
		HX_CHECK_MPI(MPI_Win_allocate_shared(bytes, sizeof(long), MPI_INFO_NULL, comm, &base, win));
	else
		HX_CHECK_MPI(MPI_Win_allocate(bytes, sizeof(long), MPI_INFO_NULL, comm, &base, win));
	HX_CHECK_MPI(MPI_Win_set_errhandler(*win, MPI_ERRORS_RETURN));
	if (rank == 0) {
		init[SYNC_PERMITS] = t->a.permits;
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, *win));
		HX_CHECK_MPI(MPI_Put(init, SYNC_NSLOTS, MPI_LONG, 0, 0, SYNC_NSLOTS, MPI_LONG, *win));
		HX_CHECK_MPI(MPI_Win_unlock(0, *win));
	}
	t->where = win;
	t->add = win_add;
	t->max = win_max;
	t->get = win_get;
	t->put = win_put;
	return base;
}

/* ---- rlock: the word holds 0 (free) or owner+1; the owner finds its own number there
 * and counts its depth itself; the outermost release (depth back to 0) frees the word */
static void rl_take(void *p)
{
	struct sync_win_locks *l = p;
	while (sync_win_cas(*l->win, 0, l->rank + 1, SYNC_LOCKW) != 0)
		sched_yield();
	l->depth = 1;
}

static int rl_again(void *p)
{
	struct sync_win_locks *l = p;
	if (sync_win_cas(*l->win, 0, l->rank + 1, SYNC_LOCKW) != l->rank + 1)
		return 0;
	l->depth++;
	return 1;
}

static void rl_give(void *p)
{
	struct sync_win_locks *l = p;
	if (--l->depth == 0 && sync_win_cas(*l->win, l->rank + 1, 0, SYNC_LOCKW) != l->rank + 1)
		sync_violation(l->r, "rank %d released a lock it did not hold", l->rank);
}

void sync_win_locks(struct sync_win_locks *l, MPI_Win *win, int rank, struct sync_result *r)
{
	*l = (struct sync_win_locks){ .win = win, .rank = rank, .r = r };
	l->rlock = (struct sync_lock){ rl_take, rl_again, rl_give, l };
}

void sync_win_gather(MPI_Comm comm, const long *base, const struct sync_result *mine,
		     struct sync_result *res)
{
	long sums[2], counts[2] = { mine->violations, mine->passes };
	size_t len = sizeof mine->what;
	char *texts = NULL;
	int rank, size;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	HX_CHECK_MPI(MPI_Reduce(counts, sums, 2, MPI_LONG, MPI_SUM, 0, comm));
	if (rank == 0)
		texts = hx_calloc((size_t)size, len);
	HX_CHECK_MPI(MPI_Gather(mine->what, (int)len, MPI_CHAR, texts, (int)len, MPI_CHAR, 0, comm));
	if (rank != 0)
		return;
	/* all epochs closed: the window is ours */
	res->violations = sums[0];
	res->passes = sums[1];
	res->max_inside = base[SYNC_MAXIN];
	res->counter = base[SYNC_COUNTER];
	res->deepest = base[SYNC_DEEPEST];
	for (int i = size - 1; i >= 0; i--)
		if (texts[(size_t)i * len] != '\0')
			memcpy(res->what, texts + (size_t)i * len, len);
	free(texts);
}
