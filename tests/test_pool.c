/* test_pool.c: the thread pool of posix/pool.h: many tasks, results by future, wait-any
 * in completion order, a failing task's status, shutdown with tasks still queued
 * (drained or cancelled, never lost), futures recycled instead of allocated per task,
 * many tasks queued in one call (tp_submit_many) and taken as they end several at a
 * time (tp_wait_some), a task waiting for another one queued behind it.
 * Run under SAN=address to see that nothing leaks. */
#include "pool.h"

#include "hx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int square(void *arg, void **result)
{
	long *v = arg;
	*v = *v * *v;
	*result = v;
	return 0;
}

static int fails_on_5(void *arg, void **result)
{
	long x = *(long *)arg;
	(void)result;
	return x == 5 ? EINVAL : 0;
}

/* A gate: tasks that block until the test opens it, to hold the pool threads busy. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void gate_reset(void)
{
	HX_CHECK_PT(pthread_mutex_lock(&gate_lock));
	gate_open = 0;
	gate_waiting = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&gate_lock));
}

static int wait_at_gate(void *arg, void **result)
{
	(void)result;
	HX_CHECK_PT(pthread_mutex_lock(&gate_lock));
	gate_waiting++;
	HX_CHECK_PT(pthread_cond_broadcast(&gate_cv));
	while (!gate_open)
		HX_CHECK_PT(pthread_cond_wait(&gate_cv, &gate_lock));
	HX_CHECK_PT(pthread_mutex_unlock(&gate_lock));
	*(long *)arg = 1;
	return 0;
}

/* blocks until n tasks are inside wait_at_gate */
static void gate_wait_for(int n)
{
	HX_CHECK_PT(pthread_mutex_lock(&gate_lock));
	while (gate_waiting < n)
		HX_CHECK_PT(pthread_cond_wait(&gate_cv, &gate_lock));
	HX_CHECK_PT(pthread_mutex_unlock(&gate_lock));
}

static void gate_release(void)
{
	HX_CHECK_PT(pthread_mutex_lock(&gate_lock));
	gate_open = 1;
	HX_CHECK_PT(pthread_cond_broadcast(&gate_cv));
	HX_CHECK_PT(pthread_mutex_unlock(&gate_lock));
}

static void bad_arguments(void **state)
{
	(void)state;
	errno = 0;
	assert_null(tp_create(0));
	assert_int_equal(errno, EINVAL);
	tp_destroy(NULL);
}

/* 10000 tasks on 3 threads: every result right, by future; futures are recycled */
static void many_tasks(void **state)
{
	enum { N = 10000 };
	struct tp_pool *p = tp_create(3);
	struct tp_future **f = calloc(N, sizeof *f);
	long *v = calloc(N, sizeof *v);
	struct tp_stats st;
	(void)state;
	assert_non_null(p);
	for (int round = 0; round < 3; round++) {
		for (long i = 0; i < N; i++) {
			v[i] = i;
			f[i] = tp_submit(p, square, &v[i]);
			assert_non_null(f[i]);
		}
		for (long i = 0; i < N; i++) {
			void *r = NULL;
			assert_int_equal(tp_get(f[i], &r), 0);
			assert_ptr_equal(r, &v[i]);
			assert_int_equal(v[i], i * i);
			assert_true(tp_done(f[i]));
			tp_release(f[i]);
		}
	}
	tp_get_stats(p, &st);
	assert_int_equal(st.submitted, 3 * N);
	assert_int_equal(st.completed, 3 * N);
	assert_int_equal(st.cancelled, 0);
	/* rounds 2 and 3 reused round 1's futures */
	assert_true(st.futures_allocated <= N + 64);
	assert_null(tp_wait_any(p)); /* nothing held: nothing to wait for */
	tp_destroy(p);
	free(f);
	free(v);
}

/* wait-any hands out every future once, in the order the tasks ended: with one pool
 * thread that is submission order; a blocked task comes out after the ones behind it
 * on a second thread */
static void wait_any_order(void **state)
{
	enum { N = 50 };
	struct tp_pool *p = tp_create(1);
	struct tp_future *f[N], *g;
	long v[N];
	(void)state;
	for (long i = 0; i < N; i++) {
		v[i] = i;
		f[i] = tp_submit(p, square, &v[i]);
	}
	for (long i = 0; i < N; i++) {
		g = tp_wait_any(p);
		assert_ptr_equal(g, f[i]);
		assert_int_equal(tp_wait(g), 0);
		tp_release(g);
	}
	assert_null(tp_wait_any(p));
	tp_destroy(p);

	/* two threads: task 0 waits at the gate until tasks 1..9 have come out */
	gate_reset();
	p = tp_create(2);
	v[0] = 0;
	f[0] = tp_submit(p, wait_at_gate, &v[0]);
	gate_wait_for(1);
	for (long i = 1; i < 10; i++) {
		v[i] = i;
		f[i] = tp_submit(p, square, &v[i]);
	}
	for (long i = 1; i < 10; i++) {
		g = tp_wait_any(p); /* the free thread runs 1..9 in order */
		assert_ptr_equal(g, f[i]);
		assert_int_equal(v[i], i * i);
		tp_release(g);
	}
	assert_false(tp_done(f[0]));
	gate_release();
	assert_ptr_equal(tp_wait_any(p), f[0]);
	assert_int_equal(v[0], 1);
	tp_release(f[0]);
	assert_null(tp_wait_any(p));
	tp_destroy(p);
}

/* a failing task's status comes back through its future; the others still succeed */
static void failing_task(void **state)
{
	enum { N = 10 };
	struct tp_pool *p = tp_create(2);
	struct tp_future *f[N], *g;
	long v[N];
	int failed = 0, seen = 0;
	(void)state;
	for (long i = 0; i < N; i++) {
		v[i] = i;
		f[i] = tp_submit(p, fails_on_5, &v[i]);
	}
	assert_int_equal(tp_wait(f[5]), EINVAL);
	assert_int_equal(tp_wait(f[4]), 0);
	while ((g = tp_wait_any(p)) != NULL) {
		int st = tp_wait(g);
		seen++;
		if (g == f[5]) {
			assert_int_equal(st, EINVAL);
			failed++;
		} else {
			assert_int_equal(st, 0);
		}
		tp_release(g);
	}
	assert_int_equal(seen, N);
	assert_int_equal(failed, 1);
	tp_destroy(p);
}

static void *open_after_cancel(void *arg)
{
	struct tp_stats st;
	for (;;) {
		tp_get_stats(arg, &st);
		if (st.cancelled > 0)
			break;
		hx_sleep_ns(1000000);
	}
	gate_release();
	return NULL;
}

/* shutdown with tasks queued behind a blocked one: TP_CANCEL ends them unrun with
 * TP_CANCELLED; TP_DRAIN (and tp_destroy) runs them all */
static void shutdown_with_pending(void **state)
{
	enum { N = 20 };
	struct tp_pool *p;
	struct tp_future *f[N];
	long v[N];
	struct tp_stats st;
	(void)state;

	for (int how = 0; how < 3; how++) {
		gate_reset();
		p = tp_create(1);
		v[0] = 0;
		f[0] = tp_submit(p, wait_at_gate, &v[0]);
		gate_wait_for(1); /* the only thread is busy: the rest stay queued */
		for (long i = 1; i < N; i++) {
			v[i] = i;
			f[i] = tp_submit(p, square, &v[i]);
		}
		if (how == 0) { /* cancel: the queue is dropped while the gate task blocks */
			pthread_t opener;
			int n;
			/* tp_shutdown joins the pool thread, which waits at the gate: another
			 * thread opens it once the queued tasks have been cancelled */
			HX_CHECK_PT(pthread_create(&opener, NULL, open_after_cancel, p));
			n = tp_shutdown(p, TP_CANCEL);
			HX_CHECK_PT(pthread_join(opener, NULL));
			assert_int_equal(n, N - 1);
			assert_int_equal(tp_wait(f[0]), 0);
			for (long i = 1; i < N; i++) {
				void *r = (void *)1;
				assert_int_equal(tp_get(f[i], &r), TP_CANCELLED);
				assert_null(r);
				assert_int_equal(v[i], i); /* never ran */
			}
			tp_get_stats(p, &st);
			assert_int_equal(st.cancelled, n);
			assert_int_equal(st.completed + st.cancelled, N);
			errno = 0;
			assert_null(tp_submit(p, square, &v[0]));
			assert_int_equal(errno, ESHUTDOWN);
			assert_int_equal(tp_shutdown(p, TP_DRAIN), -1);
			assert_int_equal(errno, EALREADY);
			for (long i = 0; i < N; i++)
				tp_release(f[i]);
			tp_destroy(p);
		} else if (how == 1) { /* drain: every queued task runs */
			gate_release();
			assert_int_equal(tp_shutdown(p, TP_DRAIN), 0);
			for (long i = 1; i < N; i++) {
				assert_int_equal(tp_wait(f[i]), 0);
				assert_int_equal(v[i], i * i);
			}
			tp_destroy(p); /* frees the futures not released */
		} else { /* destroy straight away: drains, and frees every future */
			gate_release();
			tp_destroy(p);
			for (long i = 1; i < N; i++)
				assert_int_equal(v[i], i * i);
		}
	}
}

/* a future released before its task ran is recycled when the task ends, and
 * tp_wait_any does not wait for it */
static void release_early(void **state)
{
	struct tp_pool *p = tp_create(1);
	struct tp_future *f;
	long v = 0, w = 3;
	struct tp_stats st;
	(void)state;
	gate_reset();
	f = tp_submit(p, wait_at_gate, &v);
	gate_wait_for(1);
	tp_release(f);
	assert_null(tp_wait_any(p)); /* nothing the caller holds is pending */
	f = tp_submit(p, square, &w);
	gate_release();
	assert_ptr_equal(tp_wait_any(p), f);
	assert_int_equal(w, 9);
	tp_release(f);
	tp_destroy(p);
	(void)st;
}

/* tp_submit_many: every task once, results by future, completion order by wait-any
 * and wait-some (one thread: submission order); nothing queued after shutdown */
static void submit_many(void **state)
{
	enum { N = 5000 };
	struct tp_future **f = calloc(N, sizeof *f), *g, *some[7];
	long *v = calloc(N, sizeof *v);
	struct tp_stats st;
	int got;
	(void)state;
	for (int threads = 1; threads <= 3; threads += 2) {
		struct tp_pool *p = tp_create(threads);
		long seen = 0;
		assert_non_null(p);
		for (int round = 0; round < 2; round++, seen = 0) {
			for (long i = 0; i < N; i++)
				v[i] = i;
			assert_int_equal(tp_submit_many(p, N, square, v, sizeof *v, f), 0);
			/* round 0 takes them one at a time, round 1 up to 7 at once */
			while ((got = tp_wait_some(p, some, round == 0 ? 1 : 7)) > 0) {
				assert_true(got <= (round == 0 ? 1 : 7));
				for (int i = 0; i < got; i++) {
					void *r = NULL;
					g = some[i];
					assert_int_equal(tp_get(g, &r), 0);
					if (threads == 1)
						assert_ptr_equal(g, f[seen]);
					assert_int_equal(*(long *)r, ((long *)r - v) * ((long *)r - v));
					tp_release(g);
					seen++;
				}
			}
			assert_int_equal(got, 0);
			assert_int_equal(seen, N);
			assert_null(tp_wait_any(p));
		}
		assert_int_equal(tp_submit_many(p, 0, square, v, sizeof *v, f), 0);
		errno = 0;
		assert_int_equal(tp_wait_some(p, some, 0), -1);
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_int_equal(tp_submit_many(p, -1, square, v, sizeof *v, f), -1);
		assert_int_equal(errno, EINVAL);
		tp_get_stats(p, &st);
		assert_int_equal(st.submitted, 2 * N);
		assert_int_equal(st.completed, 2 * N);
		assert_true(st.futures_allocated <= N + 64); /* round 2 reused round 1's */
		assert_int_equal(tp_shutdown(p, TP_DRAIN), 0);
		errno = 0;
		assert_int_equal(tp_submit_many(p, N, square, v, sizeof *v, f), -1);
		assert_int_equal(errno, ESHUTDOWN);
		tp_destroy(p);
	}
	free(f);
	free(v);
}

/* A task that waits for a later task's future, or for tp_wait_any, while its pool
 * thread holds that task in its share: the share goes back, another thread runs it. */
static struct tp_future *later[40];
static struct tp_pool *nested_pool;

static int waits_for_next(void *arg, void **result)
{
	long i = *(long *)arg;
	(void)result;
	if (i == 0)
		return tp_wait(later[1]) == 0 ? 0 : EINVAL;
	return 0;
}

static int waits_for_any(void *arg, void **result)
{
	long i = *(long *)arg;
	(void)result;
	if (i == 0) { /* returns once every other task has ended: it holds f[0] itself */
		struct tp_future *g;
		int seen = 0;
		while (seen < 39 && (g = tp_wait_any(nested_pool)) != NULL)
			if (g != later[0])
				seen++;
		return seen == 39 ? 0 : EINVAL;
	}
	return 0;
}

static void nested_wait(void **state)
{
	long v[40];
	(void)state;
	for (long i = 0; i < 40; i++)
		v[i] = i;
	for (int how = 0; how < 2; how++) {
		nested_pool = tp_create(2);
		assert_non_null(nested_pool);
		assert_int_equal(tp_submit_many(nested_pool, 40, how == 0 ? waits_for_next : waits_for_any,
						v, sizeof *v, later), 0);
		assert_int_equal(tp_wait(later[0]), 0);
		tp_destroy(nested_pool);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(many_tasks),
		cmocka_unit_test(wait_any_order),
		cmocka_unit_test(failing_task),
		cmocka_unit_test(shutdown_with_pending),
		cmocka_unit_test(release_early),
		cmocka_unit_test(submit_many),
		cmocka_unit_test(nested_wait),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
