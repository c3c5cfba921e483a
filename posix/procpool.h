/* procpool.h: a pool of W pre-forked worker processes that talk through pipes (the C
 * side of multiprocessing.Pool). Processes share no memory, so a task and its reply are
 * bytes in a pipe, two pipes per child:
 *   task pipe    parent -> child   one fixed-size task; EOF tells the child to leave
 *   result pipe  child -> parent   a reply: its length (size_t), then its bytes, written
 *                                  with one write() per reply
 * A child that dies closes its result pipe: the parent sees EOF or EPIPE and reports
 * which child and how (hx_child_fault, exit 3), never a hang. Children die with the
 * parent (hx_fork sets PR_SET_PDEATHSIG). SIGPIPE is ignored while the pool is open.
 * Used by posix/factorial_procs.c. */
#ifndef PX_PROCPOOL_H
#define PX_PROCPOOL_H

#include <stddef.h>

struct pp_pool;

/* A child's reply under construction: pp_room gives room for len bytes (at least), the
 * serve function writes its reply there and returns how many bytes it used. */
struct pp_reply;
void *pp_room(struct pp_reply *r, size_t len);

/* Runs in a child, once per task (task_size bytes); returns the reply's length. arg is
 * the child's own copy (fork copies the parent's memory) of what pp_open was given. */
typedef size_t (*pp_serve_fn)(const void *task, struct pp_reply *r, void *arg);

/* fork() W children, each running serve on the tasks it is sent, until pp_close. */
struct pp_pool *pp_open(int workers, size_t task_size, pp_serve_fn serve, void *arg);

/* Queue a task at child w (it waits in the pipe while the child is busy). */
void pp_send(struct pp_pool *p, int w, const void *task);

/* as_completed: waits (poll) until a child with a queued task has replied; returns that
 * child's index, *reply and *len its reply (valid until the next call). */
int pp_wait_any(struct pp_pool *p, const void **reply, size_t *len);

/* EOF on every task pipe, then every child reaped; one that failed is reported. */
void pp_close(struct pp_pool *p);

#endif
