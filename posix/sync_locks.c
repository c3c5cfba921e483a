/* sync_locks.c: the POSIX primitives of `sync` (posix/sync.c), made process-shared for
 * build/procs: a barrier, a mutex with condition variables on the monotonic clock, a
 * semaphore and a recursive mutex, and the semaphore and the recursive mutex as the
 * shared checks take them (struct sync_lock, exercises/sync.h). A library file: every
 * posix program links it, so its names begin with sync_ and it uses only libc and hx. */
#include "team.h"
#include "sync.h"

#include "hx.h"

#include <errno.h>
#include <time.h>

void sync_px_barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		hx_die_errno(__FILE__, __LINE__, "pthread_barrier_wait", rc);
}

int sync_px_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u) };
	int rc = pthread_cond_timedwait(c, m, &ts);
	if (rc != 0 && rc != ETIMEDOUT)
		hx_die_errno(__FILE__, __LINE__, "pthread_cond_timedwait", rc);
	return rc != ETIMEDOUT;
}

/* semaphore: a permit is sem_wait (again when a signal interrupted it), back is sem_post */
static void sem_take(void *p)
{
	while (sem_wait(p) != 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "sem_wait", errno);
}

static void sem_give(void *p)
{
	HX_CHECK_SYS(sem_post(p));
}

/* rlock: the owner comes back in with trylock: a recursive mutex counts, a plain one
 * answers EBUSY (and lock would deadlock) */
static void rl_take(void *p)
{
	HX_CHECK_PT(pthread_mutex_lock(p));
}

static int rl_again(void *p)
{
	int rc = pthread_mutex_trylock(p);
	if (rc != 0 && rc != EBUSY)
		hx_die_errno(__FILE__, __LINE__, "pthread_mutex_trylock", rc);
	return rc == 0;
}

static void rl_give(void *p)
{
	HX_CHECK_PT(pthread_mutex_unlock(p));
}

void sync_px_init(struct sync_px *p, int workers, int permits, int pshared)
{
	px_barrier_init(&p->timing, (unsigned)workers, pshared);
	px_barrier_init(&p->bar, (unsigned)workers, pshared);
	px_mutex_init(&p->m, pshared);
	px_cond_init(&p->go, pshared);
	px_cond_init(&p->back, pshared);
	HX_CHECK_SYS(sem_init(&p->sem, pshared, (unsigned)permits));
	px_mutex_init_type(&p->rl, pshared, PTHREAD_MUTEX_RECURSIVE);
	p->sem_lock = (struct sync_lock){ sem_take, NULL, sem_give, &p->sem };
	p->rlock = (struct sync_lock){ rl_take, rl_again, rl_give, &p->rl };
}

void sync_px_destroy(struct sync_px *p)
{
	HX_CHECK_PT(pthread_barrier_destroy(&p->timing));
	HX_CHECK_PT(pthread_barrier_destroy(&p->bar));
	HX_CHECK_PT(pthread_mutex_destroy(&p->m));
	HX_CHECK_PT(pthread_cond_destroy(&p->go));
	HX_CHECK_PT(pthread_cond_destroy(&p->back));
	HX_CHECK_SYS(sem_destroy(&p->sem));
	HX_CHECK_PT(pthread_mutex_destroy(&p->rl));
}
