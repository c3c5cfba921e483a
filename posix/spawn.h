/* spawn.h: one worker at a time, started and ended by hand, as a POSIX thread
 * (pthread_create / pthread_join) or as a fork()ed process (hx_fork / waitpid), chosen
 * by PX_PROCS like team.h; for a parent that keeps workers of its own between phases
 * (posix/squares.c). A process that fails is named with its pid and ends the program
 * (hx_child_fault, exit 3); a parent waiting for its workers never waits blind on a
 * dead one. */
#ifndef PX_SPAWN_H
#define PX_SPAWN_H

#include "team.h"

#include <pthread.h>
#include <sys/types.h>

/* A worker is a thread or a process: its pthread_t or its pid. `life`: where its
 * creation and teardown are stamped (team.h's method, the same as px_team_run's), in
 * px_team_alloc() memory so that a process can write its own stamps; NULL: not stamped.
 * fn, arg: what a thread runs (kept here for its start routine). */
struct px_worker {
	union {
		pthread_t tid;
		pid_t pid;
	};
	struct px_life *life;
	void *(*fn)(void *);
	void *arg;
};

/* fn(arg) on a new thread, or in a fork()ed child that then exits 0; worker k is its
 * name in a fault report or the watchdog's ("worker 2 (pid 1234)"). With w->life: its
 * `created` stamp just before pthread_create / fork, `running` first thing in the new
 * thread or child, `ended` after fn. */
void px_worker_start(struct px_worker *w, void *(*fn)(void *), void *arg, int k);
/* Waits for the worker to end; a process that failed stops the program with the reason.
 * With w->life: `waited` on entry, `reaped` when join / waitpid returned, and the
 * worker's creation and teardown are added to *sum (NULL: not added). */
void px_worker_end(struct px_worker *w, struct px_lifesum *sum);

/* Locks m, sleeps on c until *count reaches want, unlocks m. Processes wake every 50 ms to see
 * whether one of w[0..n-1] died (waitpid WNOHANG), and then stop with the reason. */
void px_wait_count(pthread_cond_t *c, pthread_mutex_t *m, const int *count, int want,
		   const struct px_worker *w, int n);

#endif
