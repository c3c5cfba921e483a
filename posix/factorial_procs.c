/* factorial_procs.c: `factorial` on a pre-forked pool of processes (the C side of
 * multiprocessing.Pool with imap_unordered): W children are forked once per case
 * (fac_open) and reused by every repetition. Processes share no memory, so everything
 * travels through pipes, two per child:
 *   task pipe    parent -> child   struct msg_task {k, n}; EOF tells the child to leave
 *   result pipe  child -> parent   struct msg_result {k, bytes} then the big integer's
 *                                  magnitude (mpz_export, most significant byte first)
 * The parent keeps up to DEPTH tasks queued at each child (so a child never idles for a
 * round trip), waits in poll() on all result pipes (as_completed), rebuilds each value
 * with mpz_import into values[k], and gives that child the next task. A child that dies
 * closes its result pipe: the parent sees EOF and reports which child and how, never a
 * hang. Children die with the parent (hx_fork sets PR_SET_PDEATHSIG). The parent drives
 * the pool, so it times the region (hx_time): first task sent to last result read.
 * Run: build/procs/factorial --variant large -n 10 -w 5 -r 1 */
#include "factorial.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEPTH 2 /* tasks queued at a child at once */

struct msg_task {
	long k;
	unsigned long n;
};

struct msg_result {
	long k;
	size_t bytes; /* of the magnitude that follows (factorials are positive) */
};

struct child {
	pid_t pid;
	int task_fd;   /* write end, parent side */
	int result_fd; /* read end, parent side */
	int queued;    /* tasks sent, result not yet read */
};

struct ctx {
	int workers;
	struct child *ch;
	struct pollfd *pfd;
	unsigned char *buf; /* the parent's receive buffer */
	size_t cap;
	struct sigaction old_pipe;
};

/* Reads up to len bytes, stopping early only at EOF; returns how many. Dies on an error. */
static size_t read_upto(int fd, void *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)p + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(r);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* 1 when all len bytes were read, 0 at EOF before the first byte; dies otherwise. */
static int read_full(int fd, void *p, size_t len)
{
	size_t got = read_upto(fd, p, len);
	if (got > 0 && got < len)
		hx_die(__FILE__, __LINE__, "read", "pipe closed in the middle of a message");
	return got == len;
}

/* The parent's side: 1 when all len bytes were read, 0 at EOF anywhere (the child is
 * gone: its wait status says how); dies otherwise. */
static int read_full_or_eof(int fd, void *p, size_t len)
{
	return read_upto(fd, p, len) == len;
}

/* 1 when all len bytes were written, 0 when the reader is gone (EPIPE: SIGPIPE is
 * ignored while the pool is open); dies otherwise. */
static int write_or_epipe(int fd, const void *p, size_t len)
{
	size_t put = 0;
	while (put < len) {
		ssize_t r = write(fd, (const char *)p + put, len - put);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EPIPE)
			return 0;
		HX_CHECK_SYS(r);
		put += (size_t)r;
	}
	return 1;
}

static void write_full(int fd, const void *p, size_t len)
{
	if (!write_or_epipe(fd, p, len))
		hx_die_errno(__FILE__, __LINE__, "write", EPIPE);
}

static void grow(unsigned char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = need * 2;
	free(*buf);
	*buf = hx_alloc(*cap);
}

/* A child: take a task, compute, send the result back; leave at EOF. */
static _Noreturn void child_loop(int task_fd, int result_fd)
{
	struct msg_task t;
	unsigned char *buf = NULL;
	size_t cap = 0;
	mpz_t v;

	mpz_init(v);
	while (read_full(task_fd, &t, sizeof t)) {
		struct msg_result r = { t.k, 0 };
		fac_compute(v, t.n);
		/* header and magnitude in one write: one system call per result */
		grow(&buf, &cap, sizeof r + (mpz_sizeinbase(v, 2) + 7) / 8);
		mpz_export(buf + sizeof r, &r.bytes, 1, 1, 1, 0, v);
		memcpy(buf, &r, sizeof r);
		write_full(result_fd, buf, sizeof r + r.bytes);
	}
	mpz_clear(v);
	free(buf);
	_exit(0);
}

void *fac_open(const struct fac_args *a)
{
	struct ctx *x = hx_calloc(1, sizeof *x);
	struct sigaction ign;

	/* a dead child must show up as EPIPE/EOF and a message, not kill the parent */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	HX_CHECK_SYS(sigaction(SIGPIPE, &ign, &x->old_pipe));
	x->workers = a->workers;
	x->ch = hx_calloc((size_t)a->workers, sizeof *x->ch);
	x->pfd = hx_calloc((size_t)a->workers, sizeof *x->pfd);
	for (int w = 0; w < a->workers; w++) {
		int tp[2], rp[2];
		HX_CHECK_SYS(pipe(tp));
		HX_CHECK_SYS(pipe(rp));
		x->ch[w].pid = hx_fork();
		if (x->ch[w].pid > 0)
			hx_child_name((int)x->ch[w].pid, w);
		if (x->ch[w].pid == 0) {
			/* keep only this child's own ends: a child holding another child's
			 * task pipe open would keep that child from ever seeing EOF */
			for (int o = 0; o < w; o++) {
				HX_CHECK_SYS(close(x->ch[o].task_fd));
				HX_CHECK_SYS(close(x->ch[o].result_fd));
			}
			HX_CHECK_SYS(close(tp[1]));
			HX_CHECK_SYS(close(rp[0]));
			child_loop(tp[0], rp[1]);
		}
		HX_CHECK_SYS(close(tp[0]));
		HX_CHECK_SYS(close(rp[1]));
		x->ch[w].task_fd = tp[1];
		x->ch[w].result_fd = rp[0];
	}
	return x;
}

/* A child closed its result pipe: it is gone (or going). Its wait status names how;
 * hx_child_fault kills and reaps the others and ends the program (exit 3). */
static _Noreturn void child_died(struct child *c, int w)
{
	int status = 0;
	char who[32];

	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	snprintf(who, sizeof who, "worker %d", w);
	hx_child_fault(__FILE__, __LINE__, who, (int)c->pid, status);
}

static void send_task(struct ctx *x, int w, const struct fac_args *a, long k)
{
	struct msg_task t = { k, fac_task_n(a->variant, k) };
	if (!write_or_epipe(x->ch[w].task_fd, &t, sizeof t))
		child_died(&x->ch[w], w);
	x->ch[w].queued++;
}

/* What fac_run drives, timed: tasks out, results in as they come (as_completed). */
struct drive {
	struct ctx *x;
	const struct fac_args *a;
	mpz_t *values;
	long *order;
};

/* the results of every child poll() found ready; each such child gets the next task */
static void collect(struct drive *d, long *next, long *j)
{
	struct ctx *x = d->x;
	const struct fac_args *a = d->a;

	for (int w = 0; w < x->workers; w++) {
		struct msg_result r;
		if (x->pfd[w].revents == 0)
			continue;
		if (!read_full_or_eof(x->ch[w].result_fd, &r, sizeof r))
			child_died(&x->ch[w], w);
		if (r.k < 0 || r.k >= a->ntasks)
			hx_die(__FILE__, __LINE__, "factorial worker", "a result for no task");
		grow(&x->buf, &x->cap, r.bytes);
		if (r.bytes > 0 && !read_full_or_eof(x->ch[w].result_fd, x->buf, r.bytes))
			child_died(&x->ch[w], w);
		mpz_import(d->values[r.k], r.bytes, 1, 1, 1, 0, x->buf);
		x->ch[w].queued--;
		d->order[*j] = r.k;
		fac_report(a, r.k, *j, d->values[r.k]);
		(*j)++;
		if (*next < a->ntasks)
			send_task(x, w, a, (*next)++);
	}
}

static void send_and_collect(void *arg)
{
	struct drive *d = arg;
	struct ctx *x = d->x;
	long next = 0, j = 0;

	for (int k = 0; k < DEPTH; k++)
		for (int w = 0; w < x->workers && next < d->a->ntasks; w++)
			send_task(x, w, d->a, next++);
	while (j < d->a->ntasks) {
		int ready;
		for (int w = 0; w < x->workers; w++) {
			x->pfd[w].fd = x->ch[w].queued > 0 ? x->ch[w].result_fd : -1;
			x->pfd[w].events = POLLIN;
			x->pfd[w].revents = 0;
		}
		ready = poll(x->pfd, (nfds_t)x->workers, -1);
		if (ready < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(ready);
		collect(d, &next, &j);
	}
}

void fac_run(void *ctx, const struct fac_args *a, mpz_t *values, long *order, double *seconds)
{
	struct drive d = { ctx, a, values, order };
	*seconds = hx_time(send_and_collect, &d);
}

void fac_close(void *ctx)
{
	struct ctx *x = ctx;

	/* EOF on its task pipe tells each child to leave; then reap them all */
	for (int w = 0; w < x->workers; w++)
		HX_CHECK_SYS(close(x->ch[w].task_fd));
	for (int w = 0; w < x->workers; w++) {
		int status = 0;
		HX_CHECK_SYS(close(x->ch[w].result_fd));
		while (waitpid(x->ch[w].pid, &status, 0) < 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char who[32];
			snprintf(who, sizeof who, "worker %d", w);
			hx_child_fault(__FILE__, __LINE__, who, (int)x->ch[w].pid, status);
		}
	}
	HX_CHECK_SYS(sigaction(SIGPIPE, &x->old_pipe, NULL));
	free(x->buf);
	free(x->ch);
	free(x->pfd);
	free(x);
}
