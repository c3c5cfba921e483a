/* prodcons.c: `prodcons` on MPI ranks: 0..P-1 produce, P..P+C-1 consume. Ranks share
 * no memory, so the list has to be put somewhere on purpose:
 *   lock  the seed's list in an RMA window on rank 0 (mpi/prodcons_win.c): every put and
 *         take is an exclusive lock, gets, puts, an unlock; an empty list is polled.
 *   msg   the message queue is the list: producer p sends its k-th item to consumer
 *         (k + p) mod C; MPI keeps one sender's messages in order; every K-th send to a
 *         consumer is an MPI_Ssend, so at most K per pair are in flight (the bound).
 * After the timed region (mp_team_run) the consumers' logs of ids go to rank 0, which
 * rebuilds the tally (mpi/prodcons_gather.c) and judges. cond: see prodcons_na.
 * Run: mpirun -np 4 build/mpi/prodcons -n 100000 -w 2,4 --variant lock,msg */
#include "prodcons.h"

#include "prodcons_mpi.h"
#include "team.h"

#include <stdlib.h>

#define TAG_ITEM 7

const char *prodcons_na(enum pc_variant v)
{
	if (v == PC_COND)
		return "a rank cannot sleep on a condition variable over MPI; waiting without "
		       "polling is a blocking receive: see msg, bounded by -k";
	if (v == PC_PIPE)
		return "pipe is the procs channel; ranks talk through messages: see msg";
	return NULL;
}

/* msg: how many of producer p's items go to consumer c: its k-th goes to (k + p) mod C */
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
			pc_win_put(s->win, &it);
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
			if (!pc_win_take(s->win, n, &it, &s->me))
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
	(s->producer ? produce : consume)(s, comm); /* producer or consumer by rank */
}

/* Outside the timed region: the items left in the list, on rank 0; the window goes. */
static int leftover(const struct pc_args *a, MPI_Comm comm, int rank, MPI_Win *win)
{
	int left = 0, pending = 0;
	MPI_Status st;

	if (a->variant == PC_LOCK)
		return pc_win_close(win, rank);
	HX_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &pending, &st));
	HX_CHECK_MPI(MPI_Reduce(&pending, &left, 1, MPI_INT, MPI_SUM, 0, comm));
	return left;
}

double prodcons_run(const struct pc_args *a, struct pc_tally *t)
{
	MPI_Comm comm = hx_mpi_comm();
	struct side s = { .a = a, .win = MPI_WIN_NULL };
	int rank, size, left, logged;
	long n = a->items;
	double seconds;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (size != a->producers + a->consumers || size < 2)
		hx_die(__FILE__, __LINE__, "prodcons_run", "needs P + C ranks, at least 2");
	s.producer = rank < a->producers;
	s.idx = s.producer ? rank : rank - a->producers;
	if (!s.producer)
		s.log = hx_calloc((size_t)n, sizeof *s.log);
	if (a->variant == PC_LOCK)
		s.win = pc_win_open(comm, rank, n);

	seconds = mp_team_run(run_side, &s);

	/* outside the timed region: is the list empty, and what did everybody do */
	left = leftover(a, comm, rank, &s.win);
	logged = s.producer ? 0 : (int)(s.me.count < n ? s.me.count : n);
	pc_gather(comm, a, &s.me, s.log, logged, t);
	if (rank == 0)
		t->remaining = left;
	free(s.log);
	return seconds;
}
