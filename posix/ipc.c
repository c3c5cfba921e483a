/* ipc.c: `ipc` on POSIX threads (build/pthreads/ipc: condvar, spin) and fork()ed
 * processes (build/procs/ipc, compiled with PX_PROCS=1: pipe, socketpair, mqueue, shm).
 *
 * Worker 0 and worker 1 run ipc_side() (exercises/ipc.c) over a channel made before
 * the team starts, outside the timed region:
 *   condvar     a mailbox of up to 16 slots per direction (fewer for big messages, at
 *               most ~8 MiB), counted by head/tail under a mutex; the sender sleeps on
 *               the condition variable while every slot is full, the receiver while all
 *               are empty, and each is woken only when it sleeps. The copies happen
 *               outside the lock: the sender owns slot head until it publishes it, the
 *               receiver slot tail until it frees it. A stream runs up to 16 messages
 *               ahead instead of waking the receiver for each one.
 *   spin, shm   the ring of exercises/ipc.c (slots + atomic head/tail) per direction, in
 *               the heap for threads, in a MAP_SHARED mapping for processes
 *   pipe        one pipe per direction (1 MiB of pipe buffer), read/write loops
 *   socketpair  one AF_UNIX stream pair, both directions
 *   mqueue      one POSIX message queue per direction, unlinked as soon as both are
 *               open (the children inherit the descriptors); messages above the
 *               queue's message size (/proc/sys/fs/mqueue/msgsize_max) go in chunks
 * The results and the buffers of a process team live in shared memory; every buffer is
 * touched before the start so no page fault lands in the timed region.
 * Run: build/procs/ipc --variant pipe,shm -m 8:1M */
#include "ipc.h"
#include "team.h"

#include "hx.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *ipc_na(enum ipc_channel ch)
{
	switch (ch) {
	case IPC_CONDVAR:
	case IPC_SPIN:
		return PX_PROCS ? "a threads channel (the pthreads backend); processes here use "
				  "pipe, socketpair, mqueue or shm"
				: NULL;
	case IPC_PIPE:
	case IPC_SOCKETPAIR:
	case IPC_MQUEUE:
	case IPC_SHM:
		return PX_PROCS ? NULL
				: "a processes channel (the procs backend); threads here use "
				  "condvar or spin";
	default:
		return "an MPI channel (the mpi backend)";
	}
}

/* ---- condvar: a mailbox per direction ----------------------------------------------- */
#define BOX_SLOTS 16

struct mailbox {
	pthread_mutex_t lock;
	pthread_cond_t changed;     /* at most one end sleeps on it at a time (below) */
	unsigned long head, tail;   /* messages published, messages taken: under lock */
	int sender_sleeps, receiver_sleeps;
	size_t nslots;
	size_t len[BOX_SLOTS];
	unsigned char *data;        /* nslots slots of the message size */
	char pad[64];               /* the two directions on separate cache lines (padding:
				     * the heap does not promise 64-byte alignment) */
};

/* ---- the channel: everything both workers use; all in team memory -------------------- */
struct chan {
	struct ipc_args a;
	struct ipc_result res;
	unsigned char *buf[2][2];     /* [worker][0 send, 1 receive] */
	size_t buflen;
	struct mailbox box[2];        /* condvar: box[d] carries direction d */
	struct ipc_ring ring[2];      /* spin, shm: ring[d] carries direction d */
	unsigned char *slots[2];
	int fd[2][2];                 /* pipe: fd[d] = {read end, write end}; socketpair: fd[0] */
	mqd_t mq[2];
	long mq_msgsize;
};

struct endpoint {
	struct chan *c;
	int side; /* sends in direction side, receives in direction 1 - side */
};

/* The sender sleeps only when every slot is full and the receiver only when all are
 * empty, which cannot both hold: one condition variable serves both ends. Each end
 * raises its flag before it sleeps and the other end, having changed head or tail
 * under the lock, clears it and signals (after the unlock, so the woken one does not
 * block on the mutex at once). */
static void box_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	struct mailbox *b = &e->c->box[e->side];
	unsigned long h;
	int wake;

	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	while (b->head - b->tail >= b->nslots) {
		b->sender_sleeps = 1;
		HX_CHECK_PT(pthread_cond_wait(&b->changed, &b->lock));
	}
	h = b->head;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	memcpy(b->data + (h % b->nslots) * e->c->a.bytes, buf, n); /* slot h is ours */
	b->len[h % b->nslots] = n;
	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	b->head = h + 1;
	wake = b->receiver_sleeps;
	b->receiver_sleeps = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	if (wake)
		HX_CHECK_PT(pthread_cond_signal(&b->changed));
}

static void box_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	struct mailbox *b = &e->c->box[1 - e->side];
	unsigned long t;
	size_t len;
	int wake;

	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	while (b->head == b->tail) {
		b->receiver_sleeps = 1;
		HX_CHECK_PT(pthread_cond_wait(&b->changed, &b->lock));
	}
	t = b->tail;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	len = b->len[t % b->nslots]; /* slot t is ours until tail moves past it */
	memcpy(buf, b->data + (t % b->nslots) * e->c->a.bytes, n < len ? n : len);
	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	b->tail = t + 1;
	wake = b->sender_sleeps;
	b->sender_sleeps = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	if (wake)
		HX_CHECK_PT(pthread_cond_signal(&b->changed));
}

static void ring_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	ipc_ring_send(&e->c->ring[e->side], e->c->slots[e->side], e->c->a.bytes, buf, n);
}

static void ring_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	ipc_ring_recv(&e->c->ring[1 - e->side], e->c->slots[1 - e->side], e->c->a.bytes, buf, n);
}

/* ---- byte streams: pipe and socketpair ------------------------------------------------ */
static void write_all(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		buf += k;
		n -= (size_t)k;
	}
}

static void read_all(int fd, unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		if (k == 0)
			hx_die(__FILE__, __LINE__, "read", "the other worker closed the channel");
		buf += k;
		n -= (size_t)k;
	}
}

static void pipe_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	write_all(e->c->fd[e->side][1], buf, n);
}

static void pipe_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	read_all(e->c->fd[1 - e->side][0], buf, n);
}

static void sock_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	write_all(e->c->fd[0][e->side], buf, n);
}

static void sock_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	read_all(e->c->fd[0][e->side], buf, n);
}

/* ---- mqueue: chunks of at most mq_msgsize; the receive buffer has that much slack ---- */
static void mq_send_all(void *ctx, const unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	size_t chunk = (size_t)e->c->mq_msgsize;
	for (size_t off = 0; off < n || off == 0; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		while (mq_send(e->c->mq[e->side], (const char *)buf + off, k, 0) != 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "mq_send", errno);
		if (n == 0)
			break;
	}
}

static void mq_recv_all(void *ctx, unsigned char *buf, size_t n)
{
	struct endpoint *e = ctx;
	size_t off = 0;
	do {
		ssize_t k = mq_receive(e->c->mq[1 - e->side], (char *)buf + off,
				       (size_t)e->c->mq_msgsize, NULL);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		off += (size_t)k;
	} while (off < n);
}

static const struct ipc_ops channel_ops[] = {
	[IPC_CONDVAR] = { .send = box_send, .recv = box_recv },
	[IPC_SPIN] = { .send = ring_send, .recv = ring_recv },
	[IPC_PIPE] = { .send = pipe_send, .recv = pipe_recv },
	[IPC_SOCKETPAIR] = { .send = sock_send, .recv = sock_recv },
	[IPC_MQUEUE] = { .send = mq_send_all, .recv = mq_recv_all },
	[IPC_SHM] = { .send = ring_send, .recv = ring_recv },
};

static void worker(int w, void *arg)
{
	struct chan *c = arg;
	struct endpoint e = { c, w };
	struct ipc_ops ops = channel_ops[c->a.ch];
	ops.ctx = &e;
	if (w < 2)
		ipc_side(w, &c->a, &ops, c->buf[w][0], c->buf[w][1], &c->res);
}

static long proc_long(const char *path, long def)
{
	FILE *f = fopen(path, "r");
	long v = def;
	if (f == NULL)
		return def;
	if (fscanf(f, "%ld", &v) != 1)
		v = def;
	fclose(f);
	return v;
}

static void open_mqueues(struct chan *c)
{
	static unsigned serial;
	struct mq_attr attr;
	long maxsize = proc_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
	long maxmsg = proc_long("/proc/sys/fs/mqueue/msg_max", 10);

	memset(&attr, 0, sizeof attr);
	c->mq_msgsize = (long)c->a.bytes < maxsize ? (long)c->a.bytes : maxsize;
	if (c->mq_msgsize < 1)
		c->mq_msgsize = 1;
	attr.mq_maxmsg = maxmsg < 10 ? maxmsg : 10;
	attr.mq_msgsize = c->mq_msgsize;
	for (int d = 0; d < 2; d++) {
		char name[64];
		snprintf(name, sizeof name, "/tvp-ipc-%ld-%u-%d", (long)getpid(), serial++, d);
		c->mq[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (c->mq[d] == (mqd_t)-1)
			hx_die_errno(__FILE__, __LINE__, "mq_open", errno);
		/* the descriptor is all either end needs (children inherit it): no name left */
		HX_CHECK_SYS(mq_unlink(name));
	}
}

static void open_channel(struct chan *c)
{
	size_t slotlen = IPC_SLOTS * c->a.bytes;
	switch (c->a.ch) {
	case IPC_CONDVAR:
		for (int d = 0; d < 2; d++) {
			struct mailbox *b = &c->box[d];
			size_t k = (8u << 20) / (c->a.bytes ? c->a.bytes : 1);
			b->nslots = k < 1 ? 1 : k > BOX_SLOTS ? BOX_SLOTS : k;
			px_mutex_init(&b->lock, PX_PSHARED);
			px_cond_init(&b->changed, PX_PSHARED);
			b->data = px_team_alloc(b->nslots * c->a.bytes);
			memset(b->data, 0, b->nslots * c->a.bytes);
		}
		break;
	case IPC_SPIN:
	case IPC_SHM:
		for (int d = 0; d < 2; d++) {
			c->slots[d] = px_team_alloc(slotlen);
			memset(c->slots[d], 0, slotlen);
		}
		break;
	case IPC_PIPE:
		for (int d = 0; d < 2; d++) {
			HX_CHECK_SYS(pipe2(c->fd[d], O_CLOEXEC));
			/* a bigger pipe buffer: fewer wake-ups for big messages */
			HX_CHECK_SYS(fcntl(c->fd[d][1], F_SETPIPE_SZ, 1 << 20));
		}
		break;
	case IPC_SOCKETPAIR:
		HX_CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd[0]));
		break;
	case IPC_MQUEUE:
		open_mqueues(c);
		break;
	default:
		break;
	}
}

static void close_channel(struct chan *c)
{
	switch (c->a.ch) {
	case IPC_CONDVAR:
		for (int d = 0; d < 2; d++) {
			HX_CHECK_PT(pthread_mutex_destroy(&c->box[d].lock));
			HX_CHECK_PT(pthread_cond_destroy(&c->box[d].changed));
			px_team_free(c->box[d].data, c->box[d].nslots * c->a.bytes);
		}
		break;
	case IPC_SPIN:
	case IPC_SHM:
		for (int d = 0; d < 2; d++)
			px_team_free(c->slots[d], IPC_SLOTS * c->a.bytes);
		break;
	case IPC_PIPE:
		for (int d = 0; d < 2; d++)
			for (int k = 0; k < 2; k++)
				HX_CHECK_SYS(close(c->fd[d][k]));
		break;
	case IPC_SOCKETPAIR:
		HX_CHECK_SYS(close(c->fd[0][0]));
		HX_CHECK_SYS(close(c->fd[0][1]));
		break;
	case IPC_MQUEUE:
		HX_CHECK_SYS(mq_close(c->mq[0]));
		HX_CHECK_SYS(mq_close(c->mq[1]));
		break;
	default:
		break;
	}
}

void ipc_run(const struct ipc_args *a, struct ipc_result *r)
{
	struct chan *c = px_team_alloc(sizeof *c);

	c->a = *a;
	/* mqueue receives whole queue messages: room for one more than the message */
	c->buflen = a->bytes + 8192;
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++) {
			c->buf[w][k] = px_team_alloc(c->buflen);
			memset(c->buf[w][k], 0, c->buflen);
		}
	open_channel(c);
	(void)px_team_run(2, worker, c);
	*r = c->res;
	close_channel(c);
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++)
			px_team_free(c->buf[w][k], c->buflen);
	px_team_free(c, sizeof *c);
}
