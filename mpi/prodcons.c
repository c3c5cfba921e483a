/* prodcons.c: `prodcons` on MPI ranks: 0..P-1 produce, P..P+C-1 consume. Ranks share
 * no memory, so the list has to be put somewhere on purpose:
 *   lock  the seed's list in an RMA window on rank 0; every put and take is an exclusive
 *         window lock, a get, a put, an unlock; an empty list is polled (round trips).
 *   msg   the message queue is the list: producer p sends its k-th item to consumer
 *         (k + p) mod C; MPI keeps one sender's messages in order; every K-th send to a
 *         consumer is an MPI_Ssend, so at most K per pair are in flight (the bound).
 * After the timed region (mp_team_run) the consumers' logs of ids go to rank 0, which
 * rebuilds the tally (pc_took_log) and judges. cond: see prodcons_na.
 * Run: mpirun -np 4 build/mpi/prodcons -n 100000 -w 2,4 --variant lock,msg */
#include "prodcons.h"

#include "team.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_ITEM 7
#define HDR 16 /* the window: int64 head, int64 tail, then the slots */

const char *prodcons_na(enum pc_variant v)
{
	if (v == PC_COND)
		return "a rank cannot sleep on a condition variable over MPI; waiting without "
		       "polling is a blocking receive: see msg, bounded by -k";
	if (v == PC_PIPE)
		return "pipe is the procs channel; ranks talk through messages: see msg";
	return NULL;
}

static MPI_Aint slot_disp(long i)
{
	return (MPI_Aint)HDR + (MPI_Aint)i * (MPI_Aint)sizeof(struct pc_item);
}

/* ---- lock: the list in rank 0's window --------------------------------------------- */
static void rma_put(MPI_Win win, struct pc_item *it)
{
	int64_t tail;
	HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
	HX_CHECK_MPI(MPI_Get(&tail, 1, MPI_INT64_T, 0, 8, 1, MPI_INT64_T, win));
	HX_CHECK_MPI(MPI_Win_flush(0, win));
	it->t_put = hx_stamp_ns();
	HX_CHECK_MPI(MPI_Put(it, (int)sizeof *it, MPI_BYTE, 0, slot_disp(tail), (int)sizeof *it,
			     MPI_BYTE, win));
	tail++;
	HX_CHECK_MPI(MPI_Put(&tail, 1, MPI_INT64_T, 0, 8, 1, MPI_INT64_T, win));
	HX_CHECK_MPI(MPI_Win_unlock(0, win)); /* completes both puts */
}

/* 1 with an item in *it, 0 when all n are taken */
static int rma_take(MPI_Win win, long n, struct pc_item *it, struct pc_side *me)
{
	for (;;) {
		int64_t idx[2]; /* head, tail */
		int got = 0;
		HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
		HX_CHECK_MPI(MPI_Get(idx, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, win));
		HX_CHECK_MPI(MPI_Win_flush(0, win));
		if (idx[0] < idx[1]) {
			HX_CHECK_MPI(MPI_Get(it, (int)sizeof *it, MPI_BYTE, 0, slot_disp(idx[0]),
					     (int)sizeof *it, MPI_BYTE, win));
			idx[0]++;
			HX_CHECK_MPI(MPI_Put(&idx[0], 1, MPI_INT64_T, 0, 0, 1, MPI_INT64_T, win));
			got = 1;
		}
		HX_CHECK_MPI(MPI_Win_unlock(0, win)); /* completes the get of the item */
		if (got)
			return 1;
		if (idx[0] == n)
			return 0;
		me->polls++; /* empty: look again later */
		sched_yield();
	}
}

/* ---- msg ------------------------------------------------------------------------------ */
/* how many of producer p's items go to consumer c: its k-th goes to (k + p) mod C */
static long msg_expect(const struct pc_args *a, int c)
{
	long total = 0;
	for (int p = 0; p < a->producers; p++) {
		long s = pc_share(a->items, a->producers, p);
		long k0 = ((c - p) % a->consumers + a->consumers) % a->consumers;
		if (k0 < s)
			total += (s - 1 - k0) / a->consumers + 1;
	}
	return total;
}

/* One rank's side of the line: what it needs in the timed region and what it saw. */
struct side {
	const struct pc_args *a;
	MPI_Win win;         /* lock: the list on rank 0 */
	struct pc_side me;
	uint32_t *log;       /* consumer: the ids taken, in order */
	int producer, idx;   /* producer idx, or consumer idx */
};

static void produce(struct side *s, MPI_Comm comm)
{
	const struct pc_args *a = s->a;
	long *sent = hx_calloc((size_t)a->consumers, sizeof *sent);
	struct pc_item it;

	for (long id = s->idx, k = 0; id < a->items; id += a->producers, k++) {
		it = pc_item_of(id, s->idx);
		if (a->variant == PC_LOCK) {
			rma_put(s->win, &it);
		} else {
			int c = (int)((k + s->idx) % a->consumers), to = a->producers + c;
			it.t_put = hx_stamp_ns();
			if (++sent[c] % a->capacity == 0) /* wait until the consumer caught up */
				HX_CHECK_MPI(MPI_Ssend(&it, (int)sizeof it, MPI_BYTE, to, TAG_ITEM,
						       comm));
			else
				HX_CHECK_MPI(MPI_Send(&it, (int)sizeof it, MPI_BYTE, to, TAG_ITEM,
						      comm));
		}
		pc_gave(&s->me, &it);
	}
	free(sent);
}

static void consume(struct side *s, MPI_Comm comm)
{
	const struct pc_args *a = s->a;
	long n = a->items, expect = a->variant == PC_MSG ? msg_expect(a, s->idx) : -1;
	struct pc_item it;

	for (;;) {
		if (a->variant == PC_LOCK) {
			if (!rma_take(s->win, n, &it, &s->me))
				break;
		} else {
			if (s->me.count == expect)
				break;
			HX_CHECK_MPI(MPI_Recv(&it, (int)sizeof it, MPI_BYTE, MPI_ANY_SOURCE,
					      TAG_ITEM, comm, MPI_STATUS_IGNORE));
		}
		pc_side_took(&s->me, &it, hx_stamp_ns()); /* its ids go to rank 0 afterwards */
		if (s->me.count < n)
			s->log[s->me.count] = it.id;
		s->me.count++;
	}
}

static void run_side(MPI_Comm comm, int rank, void *arg)
{
	struct side *s = arg;
	(void)rank;
	if (s->producer)
		produce(s, comm);
	else
		consume(s, comm);
}

/* Rank 0 rebuilds the tally from the sides and the consumers' logs, in their order. */
static void tally(const struct pc_args *a, struct pc_tally *t, const struct pc_side *sides,
		  const int *counts, const int *displs, const uint32_t *all)
{
	for (int p = 0; p < a->producers; p++)
		t->prod[p] = sides[p];
	for (int r = a->producers; r < a->producers + a->consumers; r++)
		pc_took_log(t, r - a->producers, &sides[r], all + displs[r], counts[r]);
}

/* Outside the timed region: is the list empty (rank 0 gets what is left), and the
 * window goes. */
static int leftover(const struct pc_args *a, MPI_Comm comm, int rank, MPI_Win *win)
{
	int left = 0, pending = 0;

	if (a->variant == PC_LOCK) {
		if (rank == 0) {
			int64_t idx[2];
			HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, *win));
			HX_CHECK_MPI(MPI_Get(idx, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, *win));
			HX_CHECK_MPI(MPI_Win_unlock(0, *win));
			left = (int)(idx[1] - idx[0]);
		}
		HX_CHECK_MPI(MPI_Win_free(win));
	} else {
		MPI_Status st;
		HX_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &pending, &st));
		HX_CHECK_MPI(MPI_Reduce(&pending, &left, 1, MPI_INT, MPI_SUM, 0, comm));
	}
	return left;
}

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	MPI_Comm comm = hx_mpi_comm();
	struct side s = { .a = a, .win = MPI_WIN_NULL };
	struct pc_side *sides = NULL;
	uint32_t *all = NULL;
	int rank, size, mine, left, *counts = NULL, *displs = NULL;
	long n = a->items;
	double seconds;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (size != a->producers + a->consumers || size < 2)
		hx_die(__FILE__, __LINE__, "prodcons_run", "needs P + C ranks, at least 2");
	memset(&s.me, 0, sizeof s.me);
	s.producer = rank < a->producers;
	s.idx = s.producer ? rank : rank - a->producers;
	if (!s.producer)
		s.log = hx_calloc((size_t)n, sizeof *s.log);

	if (a->variant == PC_LOCK) {
		MPI_Aint bytes = rank == 0 ? slot_disp(n) : 0;
		char *base;
		HX_CHECK_MPI(MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, comm, &base, &s.win));
		HX_CHECK_MPI(MPI_Win_set_errhandler(s.win, MPI_ERRORS_RETURN));
		if (rank == 0) { /* head = tail = 0 before anybody looks */
			int64_t zero[2] = { 0, 0 };
			HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, s.win));
			HX_CHECK_MPI(MPI_Put(zero, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, s.win));
			HX_CHECK_MPI(MPI_Win_unlock(0, s.win));
		}
	}

	seconds = mp_team_run(run_side, &s);

	/* ---- outside the timed region: is the list empty, and what did everybody do ---- */
	left = leftover(a, comm, rank, &s.win);
	mine = s.producer ? 0 : (int)(s.me.count < n ? s.me.count : n);
	if (rank == 0) {
		sides = hx_calloc((size_t)size, sizeof *sides);
		counts = hx_calloc((size_t)size, sizeof *counts);
		displs = hx_calloc((size_t)size, sizeof *displs);
	}
	HX_CHECK_MPI(MPI_Gather(&s.me, (int)sizeof s.me, MPI_BYTE, sides, (int)sizeof s.me,
				MPI_BYTE, 0, comm));
	HX_CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
	if (rank == 0) {
		long total = 0;
		for (int r = 0; r < size; r++) {
			displs[r] = (int)total;
			total += counts[r];
		}
		all = hx_calloc((size_t)(total > 0 ? total : 1), sizeof *all);
	}
	HX_CHECK_MPI(MPI_Gatherv(s.log, mine, MPI_UINT32_T, all, counts, displs, MPI_UINT32_T, 0,
				 comm));
	if (rank == 0) {
		tally(a, t, sides, counts, displs, all);
		t->remaining = left;
	}
	free(all);
	free(sides);
	free(counts);
	free(displs);
	free(s.log);
	return seconds;
}
