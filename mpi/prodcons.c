/* prodcons.c: `prodcons` on MPI ranks. Ranks 0..P-1 produce, P..P+C-1 consume. Ranks
 * share no memory, so the list has to be put somewhere on purpose:
 *   lock  the seed's list in an RMA window on rank 0 (head, tail, N slots). Every put
 *         and take is an exclusive window lock, a get of the indices, a put, an
 *         unlock; a consumer that finds the list empty unlocks, yields and looks
 *         again (polling, as the seed does, each look a round trip to rank 0).
 *   msg   the message queue is the list: producer p sends its k-th item to consumer
 *         (k + p) mod C, which knows how many to expect, and receives from anybody.
 *         MPI keeps the messages of one sender to one receiver in order. Every K-th
 *         send to a consumer is synchronous (MPI_Ssend completes once the consumer has
 *         matched it, and so all before it): at most K items per pair are in flight,
 *         the bounded buffer of this variant.
 *   cond  not applicable: a rank cannot sleep on a condition variable over MPI; the
 *         one way to wait without polling is a blocking receive, which is msg.
 * After the timed region every consumer sends its list of taken ids to rank 0, which
 * rebuilds the tally and judges. Latency uses CLOCK_MONOTONIC: one clock on one node.
 * Run: mpirun -np 4 build/mpi/prodcons -n 100000 -w 2,4 --variant lock,msg */
#include "prodcons.h"

#include "hx_mpi.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_ITEM 7
#define HDR 16 /* the window: int64 head, int64 tail, then the slots */

int prodcons_supported(enum pc_variant v, char *why, unsigned long len)
{
	if (v == PC_COND) {
		snprintf(why, len, "a rank cannot sleep on a condition variable over MPI; waiting "
			 "without polling is a blocking receive: see msg, bounded by -k");
		return 0;
	}
	if (v == PC_PIPE) {
		snprintf(why, len, "pipe is the procs channel; ranks talk through messages: see msg");
		return 0;
	}
	return 1;
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
	it->t_put = hx_now_ns();
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

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	MPI_Comm comm = hx_mpi_comm();
	MPI_Win win = MPI_WIN_NULL;
	struct pc_side me, *sides = NULL;
	struct pc_item it;
	uint32_t *log = NULL, *all = NULL;
	int rank, size, mine = 0, *counts = NULL, *displs = NULL, pending = 0, left = 0;
	int producer, idx;
	long n = a->items;
	double t0, t1;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (size != a->producers + a->consumers || size < 2)
		hx_die(__FILE__, __LINE__, "prodcons_run", "needs P + C ranks, at least 2");
	producer = rank < a->producers;
	idx = producer ? rank : rank - a->producers;
	memset(&me, 0, sizeof me);
	if (!producer)
		log = hx_calloc((size_t)n, sizeof *log);

	if (a->variant == PC_LOCK) {
		MPI_Aint bytes = rank == 0 ? slot_disp(n) : 0;
		char *base;
		HX_CHECK_MPI(MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, comm, &base, &win));
		HX_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
		if (rank == 0) { /* head = tail = 0 before anybody looks */
			int64_t zero[2] = { 0, 0 };
			HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
			HX_CHECK_MPI(MPI_Put(zero, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, win));
			HX_CHECK_MPI(MPI_Win_unlock(0, win));
		}
	}

	HX_CHECK_MPI(MPI_Barrier(comm));
	t0 = hx_now();
	if (producer) {
		long *sent = hx_calloc((size_t)a->consumers, sizeof *sent);
		for (long id = idx, k = 0; id < n; id += a->producers, k++) {
			it = (struct pc_item){ .id = (uint32_t)id, .producer = (uint32_t)idx,
					       .val = pc_value((uint32_t)id) };
			if (a->variant == PC_LOCK) {
				rma_put(win, &it);
			} else {
				int c = (int)((k + idx) % a->consumers);
				it.t_put = hx_now_ns();
				if (++sent[c] % a->capacity == 0) /* wait until the consumer caught up */
					HX_CHECK_MPI(MPI_Ssend(&it, (int)sizeof it, MPI_BYTE,
							       a->producers + c, TAG_ITEM, comm));
				else
					HX_CHECK_MPI(MPI_Send(&it, (int)sizeof it, MPI_BYTE,
							      a->producers + c, TAG_ITEM, comm));
			}
			me.sum += it.val;
			me.count++;
		}
		free(sent);
	} else {
		long expect = a->variant == PC_MSG ? msg_expect(a, idx) : -1;
		for (;;) {
			if (a->variant == PC_LOCK) {
				if (!rma_take(win, n, &it, &me))
					break;
			} else {
				if (me.count == expect)
					break;
				HX_CHECK_MPI(MPI_Recv(&it, (int)sizeof it, MPI_BYTE, MPI_ANY_SOURCE,
						      TAG_ITEM, comm, MPI_STATUS_IGNORE));
			}
			me.latency_ns += hx_now_ns() - it.t_put;
			me.sum += it.val;
			if (me.count < n)
				log[me.count] = it.id;
			me.count++;
		}
	}
	HX_CHECK_MPI(MPI_Barrier(comm));
	t1 = hx_now();

	/* ---- outside the timed region: is the list empty, and what did everybody do ---- */
	if (a->variant == PC_LOCK) {
		if (rank == 0) {
			int64_t idx2[2];
			HX_CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
			HX_CHECK_MPI(MPI_Get(idx2, 2, MPI_INT64_T, 0, 0, 2, MPI_INT64_T, win));
			HX_CHECK_MPI(MPI_Win_unlock(0, win));
			left = (int)(idx2[1] - idx2[0]);
		}
		HX_CHECK_MPI(MPI_Win_free(&win));
	} else {
		MPI_Status st;
		HX_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &pending, &st));
		HX_CHECK_MPI(MPI_Reduce(&pending, &left, 1, MPI_INT, MPI_SUM, 0, comm));
	}
	mine = producer ? 0 : (int)(me.count < n ? me.count : n);
	if (rank == 0) {
		sides = hx_calloc((size_t)size, sizeof *sides);
		counts = hx_calloc((size_t)size, sizeof *counts);
		displs = hx_calloc((size_t)size, sizeof *displs);
	}
	HX_CHECK_MPI(MPI_Gather(&me, (int)sizeof me, MPI_BYTE, sides, (int)sizeof me, MPI_BYTE, 0,
				comm));
	HX_CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
	if (rank == 0) {
		long total = 0;
		for (int r = 0; r < size; r++) {
			displs[r] = (int)total;
			total += counts[r];
		}
		all = hx_calloc((size_t)(total > 0 ? total : 1), sizeof *all);
	}
	HX_CHECK_MPI(MPI_Gatherv(log, mine, MPI_UINT32_T, all, counts, displs, MPI_UINT32_T, 0,
				 comm));
	if (rank == 0) { /* rebuild the tally from the consumers' lists, in their order */
		for (int p = 0; p < a->producers; p++)
			t->prod[p] = sides[p];
		for (int c = 0; c < a->consumers; c++) {
			int r = a->producers + c;
			struct pc_side *s = &t->cons[c];
			*s = sides[r];
			s->dups = s->strays = 0;
			for (int j = 0; j < counts[r]; j++) {
				uint32_t id = all[displs[r] + j];
				if (id >= (uint64_t)n) {
					s->strays++;
				} else if (t->taken_by[id] != 0) {
					s->dups++;
				} else {
					t->taken_by[id] = (uint32_t)c + 1;
					t->seq[id] = (uint32_t)j;
				}
			}
		}
		t->remaining = left;
	}
	free(all);
	free(sides);
	free(counts);
	free(displs);
	free(log);
	return t1 - t0;
}
