/* pool.h: a reusable thread pool with futures (the C side of Python's
 * ThreadPoolExecutor: submit -> future, result(), as_completed, shutdown).
 *
 *   struct tp_pool *p = tp_create(4);
 *   struct tp_future *f = tp_submit(p, fn, arg);   fn(arg, &result) runs on a pool thread
 *   int st = tp_get(f, &result);                    waits; st is fn's return value
 *   while ((f = tp_wait_any(p)) != NULL) ...        futures in completion order
 *   tp_release(f);                                  gives the future back to the pool
 *   tp_destroy(p);
 *
 * Ownership: tp_submit hands the caller a future; the caller gives it back with
 * tp_release (at any time, even before the task ran: the task still runs and its
 * future is recycled when it ends). Futures come from a free list inside the pool,
 * grown a block at a time: no allocation per task once the pool is warm.
 *
 * Statuses: a task function returns 0 for success or a positive error number of its
 * own choosing; tp_wait/tp_get return it. A task cancelled before it ran has the
 * status TP_CANCELLED (negative, so it never collides with a task's own number).
 *
 * Shutdown rule, for tasks still queued when the pool goes away:
 *   tp_shutdown(p, TP_DRAIN)   no new tasks are accepted; every queued task runs
 *   tp_shutdown(p, TP_CANCEL)  no new tasks are accepted; tasks not yet started end
 *                              with status TP_CANCELLED (they never run): those queued
 *                              at once, those a pool thread had taken with the one it
 *                              runs when it ends; tasks already running finish
 * Both wait for the pool threads to exit; every future is then complete, and
 * tp_wait/tp_get/tp_wait_any still work on the futures the caller holds.
 * tp_destroy(p) does tp_shutdown(p, TP_DRAIN) when no shutdown was done, then frees
 * the pool and every future it handed out, released or not: a future must not be used
 * after tp_destroy. Nothing queued is ever leaked or lost without a status.
 *
 * Thread safety: every function may be called from any thread, including from inside a
 * task (a task that waits, tp_wait/tp_wait_any/tp_wait_some, first gives the tasks its
 * pool thread had taken but not started back to the queue, so a task may wait for one
 * submitted after it while another pool thread is free; except tp_shutdown/tp_destroy,
 * which wait for the pool's own threads: calling them from a task returns EDEADLK / is
 * refused). A system failure (pthread_create,
 * a mutex) ends the program through HX_CHECK_PT, like the rest of the suite.
 */
#ifndef TP_POOL_H
#define TP_POOL_H

#include <stddef.h>

struct tp_pool;
struct tp_future;

#define TP_CANCELLED (-1)

enum tp_how { TP_DRAIN = 1, TP_CANCEL = 2 };

/* A task: runs on a pool thread; may set *result (NULL by default); returns 0 or a
 * positive error number. */
typedef int (*tp_fn)(void *arg, void **result);

/* A pool of `nthreads` threads (>= 1), started now and reused for every task.
 * Returns NULL with errno EINVAL for nthreads < 1, or ENOMEM. */
struct tp_pool *tp_create(int nthreads);

/* Queue fn(arg) and return its future; NULL with errno ESHUTDOWN after tp_shutdown,
 * ENOMEM when no future could be allocated. Tasks are taken from the queue in
 * submission order (a pool thread takes up to 16 of them at a time, a share of the
 * queue, and starts them in order): a pool of one thread starts them in order. */
struct tp_future *tp_submit(struct tp_pool *p, tp_fn fn, void *arg);

/* n tasks at once: fn(args + i * arg_size) for i = 0..n-1, queued in that order, with
 * one acquisition of each lock and one push for them all (what n calls of tp_submit
 * do, for a fraction of the cost); futures[i] gets task i's future. All or nothing:
 * 0, or -1 with errno ESHUTDOWN, ENOMEM or EINVAL (n < 0) and nothing queued. */
int tp_submit_many(struct tp_pool *p, long n, tp_fn fn, void *args, size_t arg_size,
		   struct tp_future **futures);

/* Wait until the task has ended; its status (0, its error number, or TP_CANCELLED). */
int tp_wait(struct tp_future *f);
/* tp_wait, then *result = what the task set (NULL when cancelled). result may be NULL. */
int tp_get(struct tp_future *f, void **result);
/* 1 when the task has ended (ran or was cancelled), 0 while queued or running. */
int tp_done(struct tp_future *f);

/* as_completed: the next future of this pool to end that no tp_wait_any call has
 * returned yet, in the order they ended; blocks while none has ended and some are
 * still queued or running. NULL when every future the caller holds has been returned
 * (released futures are not returned). Each future is returned once. */
struct tp_future *tp_wait_any(struct tp_pool *p);

/* tp_wait_any for up to max futures at once (Python's wait(FIRST_COMPLETED), which
 * returns every future done by then): waits as tp_wait_any for the first, then takes
 * those that have ended too, in the order they ended, with one acquisition of the
 * collector's lock. Returns how many it put in out[] (0 when tp_wait_any would return
 * NULL), or -1 with errno EINVAL when max < 1. */
int tp_wait_some(struct tp_pool *p, struct tp_future **out, int max);

/* Give a future back (see Ownership). */
void tp_release(struct tp_future *f);

/* See the shutdown rule. Returns the number of tasks cancelled (0 for TP_DRAIN), or -1
 * with errno EDEADLK when called from a pool thread, EALREADY when already done. */
int tp_shutdown(struct tp_pool *p, enum tp_how how);
/* Shut down (draining) if not yet, join, and free everything. p may be NULL. */
void tp_destroy(struct tp_pool *p);

/* Counters for tests and reports. */
struct tp_stats {
	long submitted, completed, cancelled;
	long futures_allocated; /* future objects ever allocated: stays flat when recycling */
};
void tp_get_stats(struct tp_pool *p, struct tp_stats *st);

#endif
