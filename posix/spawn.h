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

/* A worker is a thread or a process: its pthread_t or its pid. */
union px_worker {
	pthread_t tid;
	pid_t pid;
};

/* fn(arg) on a new thread, or in a fork()ed child that then exits 0; worker k is its
 * name in a fault report or the watchdog's ("worker 2 (pid 1234)"). */
void px_worker_start(union px_worker *w, void *(*fn)(void *), void *arg, int k);
/* Waits for the worker to end; a process that failed stops the program with the reason. */
void px_worker_end(union px_worker *w);

/* Locks m, sleeps on c until *count reaches want, unlocks m. Processes wake every 50 ms to see
 * whether one of w[0..n-1] died (waitpid WNOHANG), and then stop with the reason. */
void px_wait_count(pthread_cond_t *c, pthread_mutex_t *m, const int *count, int want,
		   const union px_worker *w, int n);

#endif
