/* procpool.c: the process pool of procpool.h. The parent holds, per child, the write
 * end of its task pipe and the read end of its result pipe, and how many tasks it has
 * queued there; it waits for replies in poll() on the result pipes of the children that
 * owe one. Every read and write loops over short counts and EINTR; EOF and EPIPE mean
 * a child is gone, and its wait status says how. The pool times nothing: its user
 * times what it drives. */
#include "procpool.h"

#include "hx.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
	pid_t pid;
	int task_fd;   /* write end, parent side */
	int result_fd; /* read end, parent side */
	int queued;    /* tasks sent, reply not yet read */
};

struct pp_reply {
	unsigned char *buf; /* the length (size_t), then the reply: one write */
	size_t cap;
};

struct pp_pool {
	int workers, scan; /* scan: the next pfd[] to look at after the last poll() */
	size_t task_size;
	struct child *ch;
	struct pollfd *pfd;
	struct pp_reply in; /* the parent's receive buffer */
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

/* The child's side: 1 when all len bytes were read, 0 at EOF before the first byte (the
 * parent closed the pipe: leave); dies otherwise. */
static int read_full(int fd, void *p, size_t len)
{
	size_t got = read_upto(fd, p, len);
	if (got > 0 && got < len)
		hx_die(__FILE__, __LINE__, "read", "pipe closed in the middle of a message");
	return got == len;
}

/* 1 when all len bytes were written, 0 when the reader is gone (EPIPE); dies otherwise. */
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

void *pp_room(struct pp_reply *r, size_t len)
{
	size_t need = sizeof(size_t) + len;
	if (need > r->cap) {
		r->cap = need * 2;
		free(r->buf);
		r->buf = hx_alloc(r->cap);
	}
	return r->buf + sizeof(size_t);
}

/* A child: take a task, serve it, send the reply back; leave at EOF. */
static _Noreturn void child_loop(struct pp_pool *p, int w, pp_serve_fn serve, void *arg)
{
	struct pp_reply out = { NULL, 0 };
	void *task = hx_alloc(p->task_size);

	/* keep only this child's own ends: a child holding another child's task pipe open
	 * would keep that child from ever seeing EOF */
	for (int o = 0; o < w; o++) {
		HX_CHECK_SYS(close(p->ch[o].task_fd));
		HX_CHECK_SYS(close(p->ch[o].result_fd));
	}
	while (read_full(p->ch[w].task_fd, task, p->task_size)) {
		size_t len = serve(task, &out, arg);
		pp_room(&out, len); /* a reply of 0 bytes has its room too */
		memcpy(out.buf, &len, sizeof len);
		if (!write_or_epipe(p->ch[w].result_fd, out.buf, sizeof len + len))
			hx_die_errno(__FILE__, __LINE__, "write", EPIPE);
	}
	free(task);
	free(out.buf);
	_exit(0);
}

struct pp_pool *pp_open(int workers, size_t task_size, pp_serve_fn serve, void *arg)
{
	struct pp_pool *p = hx_calloc(1, sizeof *p);
	struct sigaction ign;

	/* a dead child must show up as EPIPE/EOF and a message, not kill the parent */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	HX_CHECK_SYS(sigaction(SIGPIPE, &ign, &p->old_pipe));
	p->workers = p->scan = workers;
	p->task_size = task_size;
	p->ch = hx_calloc((size_t)workers, sizeof *p->ch);
	p->pfd = hx_calloc((size_t)workers, sizeof *p->pfd);
	for (int w = 0; w < workers; w++) {
		int tp[2], rp[2];
		HX_CHECK_SYS(pipe(tp));
		HX_CHECK_SYS(pipe(rp));
		p->ch[w].pid = hx_fork();
		if (p->ch[w].pid == 0) {
			HX_CHECK_SYS(close(tp[1]));
			HX_CHECK_SYS(close(rp[0]));
			p->ch[w].task_fd = tp[0];
			p->ch[w].result_fd = rp[1];
			child_loop(p, w, serve, arg);
		}
		hx_child_name((int)p->ch[w].pid, w);
		HX_CHECK_SYS(close(tp[0]));
		HX_CHECK_SYS(close(rp[1]));
		p->ch[w].task_fd = tp[1];
		p->ch[w].result_fd = rp[0];
	}
	return p;
}

static int wait_child(struct pp_pool *p, int w)
{
	int status = 0;
	while (waitpid(p->ch[w].pid, &status, 0) < 0)
		if (errno != EINTR)
			hx_die_errno(__FILE__, __LINE__, "waitpid", errno);
	return status;
}

/* Child w closed its pipe or failed: its wait status names how; hx_child_fault kills
 * and reaps the others and ends the program (exit 3). */
static _Noreturn void child_died(struct pp_pool *p, int w, int status)
{
	char who[32];
	snprintf(who, sizeof who, "worker %d", w);
	hx_child_fault(__FILE__, __LINE__, who, (int)p->ch[w].pid, status);
}

void pp_send(struct pp_pool *p, int w, const void *task)
{
	if (!write_or_epipe(p->ch[w].task_fd, task, p->task_size))
		child_died(p, w, wait_child(p, w));
	p->ch[w].queued++;
}

/* poll() on the result pipes of the children that owe a reply */
static void poll_queued(struct pp_pool *p)
{
	int ready, owed = 0;

	for (int w = 0; w < p->workers; w++) {
		owed += p->ch[w].queued > 0;
		p->pfd[w].fd = p->ch[w].queued > 0 ? p->ch[w].result_fd : -1;
		p->pfd[w].events = POLLIN;
		p->pfd[w].revents = 0;
	}
	if (owed == 0)
		hx_die(__FILE__, __LINE__, "pp_wait_any", "no child has a task queued");
	do
		ready = poll(p->pfd, (nfds_t)p->workers, -1);
	while (ready < 0 && errno == EINTR);
	HX_CHECK_SYS(ready);
	p->scan = 0;
}

int pp_wait_any(struct pp_pool *p, const void **reply, size_t *len)
{
	int w;

	/* every child poll() found ready is served, in order, before the next poll() */
	for (;;) {
		while (p->scan < p->workers && p->pfd[p->scan].revents == 0)
			p->scan++;
		if (p->scan < p->workers)
			break;
		poll_queued(p);
	}
	w = p->scan;
	p->pfd[w].revents = 0;
	/* EOF anywhere in the reply: the child is gone (or going) */
	if (read_upto(p->ch[w].result_fd, len, sizeof *len) != sizeof *len)
		child_died(p, w, wait_child(p, w));
	pp_room(&p->in, *len);
	if (read_upto(p->ch[w].result_fd, p->in.buf + sizeof *len, *len) != *len)
		child_died(p, w, wait_child(p, w));
	p->ch[w].queued--;
	*reply = p->in.buf + sizeof *len;
	return w;
}

void pp_close(struct pp_pool *p)
{
	/* EOF on its task pipe tells each child to leave; then reap them all */
	for (int w = 0; w < p->workers; w++)
		HX_CHECK_SYS(close(p->ch[w].task_fd));
	for (int w = 0; w < p->workers; w++) {
		int status;
		HX_CHECK_SYS(close(p->ch[w].result_fd));
		status = wait_child(p, w);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			child_died(p, w, status);
	}
	HX_CHECK_SYS(sigaction(SIGPIPE, &p->old_pipe, NULL));
	free(p->in.buf);
	free(p->ch);
	free(p->pfd);
	free(p);
}
