/* prodcons.h: exercise 2, producers add to a list, consumers take from it (catalogue
 * section 2).
 *
 * The seed: one thread appends numbers to a list under a threading.Lock, another pops
 * them, checking "if the list is empty" and sleeping in between (polling); and a
 * multiprocessing.Queue that a square process and a cube process both put into.
 * Here: P producers put items 0..N-1 (producer p puts p, p+P, p+2P, ... in that order),
 * C consumers take them until all N are taken.
 *
 * Workers: a case of W workers runs P + C = W. By default P = ceil(W/2), C = floor(W/2);
 * -P or -C fixes one side and the other gets the rest; without -w the one case run is
 * W = P + C (1 + 1 by default, the seed). W = 1 (not on MPI) is the serial baseline: one
 * worker puts each item and takes it back at once, no hand-off to anybody.
 *
 * Every consumer records what it took in a tally (outside any lock it does not already
 * hold); the validator in exercises/prodcons.c reads the tally after the run. */
#ifndef PRODCONS_H
#define PRODCONS_H

#include "hx.h"

#include <stddef.h>
#include <stdint.h>

enum pc_variant { PC_LOCK, PC_COND, PC_PIPE, PC_MSG };

struct pc_args {
	enum pc_variant variant;
	int workers;   /* W = producers + consumers, or 1: one worker does both */
	int producers, consumers;
	long items;    /* N */
	long capacity; /* cond: the bounded buffer's K; msg: unacknowledged sends per pair */
};

/* An item as it travels (24 bytes: one atomic pipe write). */
struct pc_item {
	uint32_t id;
	uint32_t producer;
	uint64_t val;   /* pc_value(id): what the checksums add up */
	uint64_t t_put; /* hx_stamp_ns() when it entered the list */
};

/* What one producer or consumer did, padded to 64 bytes: in an array aligned to 64,
 * two sides never share a cache line. */
struct pc_side {
	uint64_t sum;        /* of the vals it put / took */
	long count;          /* items it put / took */
	long dups, strays;   /* consumers: takes of an item already taken; ids out of range */
	long polls;          /* consumers, lock: times it found the list empty */
	uint64_t latency_ns; /* consumers: sum of (take time - put time) */
	char pad[16];
};

/* The result of one run, read by the validator. */
struct pc_tally {
	long items;
	int producers, consumers;
	uint32_t *taken_by;  /* [items]: 1 + the consumer that took the item, 0: nobody */
	uint32_t *seq;       /* [items]: its position among that consumer's takes */
	struct pc_side *prod, *cons;
	long remaining;      /* items still in the list after the run */
};

/* The payload of item id: the one kernel, compiled once (exercises/prodcons.c). */
uint64_t pc_value(uint32_t id);
/* How many items producer p puts: ids p, p+P, ... below N. */
static inline long pc_share(long items, int producers, int p)
{
	return items > p ? (items - p + producers - 1) / producers : 0;
}

/* Item id, as producer p makes it (t_put is stamped when it enters the list). */
static inline struct pc_item pc_item_of(long id, int p)
{
	return (struct pc_item){ .id = (uint32_t)id, .producer = (uint32_t)p,
				 .val = pc_value((uint32_t)id) };
}

/* A producer put *it: note it on its side. */
static inline void pc_gave(struct pc_side *s, const struct pc_item *it)
{
	s->sum += it->val;
	s->count++;
}

/* Consumer c took item id as its take number seq: who took it, and when among its
 * takes; an id out of range is a stray, an id taken before a duplicate. Only consumer c
 * writes cons[c], and an item's slots are written by whoever took it. */
static inline void pc_mark(struct pc_tally *t, int c, uint32_t id, uint32_t seq)
{
	struct pc_side *s = &t->cons[c];
	if (id >= (uint64_t)t->items) {
		s->strays++;
	} else if (t->taken_by[id] != 0) {
		s->dups++;
	} else {
		t->taken_by[id] = (uint32_t)c + 1;
		t->seq[id] = seq;
	}
}

/* A consumer took *it at time now_ns: its payload and time in the list, on its side. */
static inline void pc_side_took(struct pc_side *s, const struct pc_item *it, uint64_t now_ns)
{
	s->sum += it->val;
	s->latency_ns += now_ns - it->t_put;
}

/* A consumer c took item *it at time now_ns: note it in the tally. */
static inline void pc_took(struct pc_tally *t, int c, const struct pc_item *it, uint64_t now_ns)
{
	struct pc_side *s = &t->cons[c];
	pc_side_took(s, it, now_ns);
	pc_mark(t, c, it->id, (uint32_t)s->count);
	s->count++;
}

/* ---- the roles, the same on every backend whose workers share a list ---------------
 * Worker w of a case: with W = 1 the serial baseline, which puts each item and takes it
 * straight back (the list without a hand-off); else producers 0..P-1 put their items
 * in order and consumers P..P+C-1 take until all N are taken. The backend's put stamps
 * it->t_put as the item enters its list; its take returns 0 once all N are taken (by
 * anybody). Inline: the backend's own put and take end up called directly. */
typedef void pc_put_fn(void *list, struct pc_item *it);
typedef int pc_take_fn(void *list, struct pc_item *it, struct pc_side *me);

static inline void pc_work(int w, const struct pc_args *a, struct pc_tally *t,
			   pc_put_fn *put, pc_take_fn *take, void *list)
{
	struct pc_item it;

	if (a->workers == 1) {
		for (long id = 0; id < a->items; id++) {
			it = pc_item_of(id, 0);
			put(list, &it);
			pc_gave(&t->prod[0], &it);
			if (!take(list, &it, &t->cons[0]))
				break;
			pc_took(t, 0, &it, hx_stamp_ns());
		}
	} else if (w < a->producers) {
		for (long id = w; id < a->items; id += a->producers) {
			it = pc_item_of(id, w);
			put(list, &it);
			pc_gave(&t->prod[w], &it);
		}
	} else {
		int c = w - a->producers;
		while (take(list, &it, &t->cons[c]))
			pc_took(t, c, &it, hx_stamp_ns());
	}
}

/* The same, after the run, for a consumer that kept only the ids it took, in order
 * (MPI: rank 0, from each consumer rank's log): its side as it counted it, then each
 * id marked, its dups and strays counted here. */
void pc_took_log(struct pc_tally *t, int c, const struct pc_side *side, const uint32_t *ids,
		 long nids);

/* An item through a pipe, whole (procs' pipe variant): one write of its 24 bytes, atomic
 * because it is less than PIPE_BUF, so writers never interleave; a read goes on until
 * it has all 24. EINTR is retried; anything else ends the program (exit 3). */
void pc_write_item(int fd, const struct pc_item *it);
void pc_read_item(int fd, struct pc_item *it);

/* Empty the tally for a new run. */
void pc_tally_reset(struct pc_tally *t);

/* A tally whose arrays lie in memory the workers share (a process's copy of the
 * caller's would be its own): pc_tally_bytes(a) bytes at mem (64-aligned) hold them;
 * pc_tally_place points *t into mem and returns the first byte after (64-aligned).
 * pc_tally_copy copies the arrays (the sides with their counts) into the caller's
 * tally afterwards. */
size_t pc_tally_bytes(const struct pc_args *a);
void *pc_tally_place(struct pc_tally *t, const struct pc_args *a, void *mem);
void pc_tally_copy(struct pc_tally *to, const struct pc_tally *from);

/* The validator: 0 when the tally is right, else -1 with the first fault in why. */
int pc_validate(const struct pc_tally *t, char *why, unsigned long len);

/* ---- the parallel part, one per backend (openmp/, mpi/, posix/prodcons.c) --------- */
/* NULL when the backend has this variant, else why not (the not_applicable hook);
 * the threads backends (openmp, pthreads) give the same reason for pipe. */
#define PC_NA_PIPE_ON_THREADS "threads share memory: a pipe would copy through the kernel " \
	"what they can read directly (see cond; pipe is on procs)"
const char *prodcons_na(enum pc_variant v);
/* Run one repetition; fill *t (on MPI: on rank 0) and return the timed seconds. */
double prodcons_run(const struct pc_args *a, struct pc_tally *t);

#endif
