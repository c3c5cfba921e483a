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

/* A consumer c took item *it at time now_ns: note it in the tally. Only consumer c
 * writes cons[c], and an item's slots are written by whoever took it. */
static inline void pc_took(struct pc_tally *t, int c, const struct pc_item *it, uint64_t now_ns)
{
	struct pc_side *s = &t->cons[c];
	s->sum += it->val;
	s->latency_ns += now_ns - it->t_put;
	if (it->id >= (uint64_t)t->items) {
		s->strays++;
	} else if (t->taken_by[it->id] != 0) {
		s->dups++;
	} else {
		t->taken_by[it->id] = (uint32_t)c + 1;
		t->seq[it->id] = (uint32_t)s->count;
	}
	s->count++;
}

/* Empty the tally for a new run. */
void pc_tally_reset(struct pc_tally *t);

/* The validator: 0 when the tally is right, else -1 with the first fault in why. */
int pc_validate(const struct pc_tally *t, char *why, unsigned long len);

/* ---- the parallel part, one per backend (openmp/, mpi/, posix/prodcons.c) --------- */
/* NULL when the backend has this variant, else why not (the not_applicable hook). */
const char *prodcons_na(enum pc_variant v);
/* Run one repetition; fill *t (on MPI: on rank 0) and return the timed seconds. */
double prodcons_run(const struct pc_args *a, struct pc_tally *t);

#endif
