/* ipc_kernel.c: the channels of `ipc` through the kernel, for fork()ed processes (the
 * run and the channels in memory: posix/ipc.c). A message is a system call each way:
 *   pipe        one pipe per direction (1 MiB of pipe buffer), read/write loops
 *   socketpair  one AF_UNIX stream pair, both directions
 *   mqueue      one POSIX message queue per direction, unlinked as soon as both are
 *               open (the children inherit the descriptors); messages above the
 *               queue's message size (/proc/sys/fs/mqueue/msgsize_max) go in chunks
 * A library file, linked into every posix program: its functions are ipc_*. */
#include "ipc_chan.h"

#include "hx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- byte streams: pipe and socketpair are the same to a worker, a descriptor it
 * writes its messages to and one it reads the other's from; loops, as either call may
 * move fewer bytes than asked ---------------------------------------------------------- */
void ipc_stream_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_kend *e = ctx;
	while (n > 0) {
		ssize_t k = write(e->k->out[e->side], buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		buf += k;
		n -= (size_t)k;
	}
}

void ipc_stream_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_kend *e = ctx;
	while (n > 0) {
		ssize_t k = read(e->k->in[e->side], buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		if (k == 0)
			hx_die(__FILE__, __LINE__, "read", "the other worker closed the channel");
		buf += k;
		n -= (size_t)k;
	}
}

/* ---- mqueue: chunks of at most mq_msgsize; the receive buffer has that much slack ---- */
void ipc_mq_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_kend *e = ctx;
	size_t chunk = (size_t)e->k->mq_msgsize;
	for (size_t off = 0; off < n || off == 0; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		while (mq_send(e->k->mq[e->side], (const char *)buf + off, k, 0) != 0)
			if (errno != EINTR)
				hx_die_errno(__FILE__, __LINE__, "mq_send", errno);
		if (n == 0)
			break;
	}
}

void ipc_mq_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_kend *e = ctx;
	size_t off = 0;
	do {
		ssize_t k = mq_receive(e->k->mq[1 - e->side], (char *)buf + off,
				       (size_t)e->k->mq_msgsize, NULL);
		if (k < 0 && errno == EINTR)
			continue;
		HX_CHECK_SYS(k);
		off += (size_t)k;
	} while (off < n);
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

static void open_mqueues(struct ipc_kchan *k)
{
	static unsigned serial;
	struct mq_attr attr;
	long maxsize = proc_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
	long maxmsg = proc_long("/proc/sys/fs/mqueue/msg_max", 10);

	memset(&attr, 0, sizeof attr);
	k->mq_msgsize = (long)k->bytes < maxsize ? (long)k->bytes : maxsize;
	if (k->mq_msgsize < 1)
		k->mq_msgsize = 1;
	attr.mq_maxmsg = maxmsg < 10 ? maxmsg : 10;
	attr.mq_msgsize = k->mq_msgsize;
	for (int d = 0; d < 2; d++) {
		char name[64];
		snprintf(name, sizeof name, "/tvp-ipc-%ld-%u-%d", (long)getpid(), serial++, d);
		k->mq[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (k->mq[d] == (mqd_t)-1)
			hx_die_errno(__FILE__, __LINE__, "mq_open", errno);
		/* the descriptor is all either end needs (children inherit it): no name left */
		HX_CHECK_SYS(mq_unlink(name));
	}
}

void ipc_kernel_open(struct ipc_kchan *k, enum ipc_channel ch)
{
	if (ch == IPC_PIPE) {
		for (int d = 0; d < 2; d++) {
			HX_CHECK_SYS(pipe2(k->fd[d], O_CLOEXEC));
			/* a bigger pipe buffer: fewer wake-ups for big messages */
			HX_CHECK_SYS(fcntl(k->fd[d][1], F_SETPIPE_SZ, 1 << 20));
		}
		for (int side = 0; side < 2; side++) { /* pipe d carries direction d */
			k->out[side] = k->fd[side][1];
			k->in[side] = k->fd[1 - side][0];
		}
	} else if (ch == IPC_SOCKETPAIR) {
		HX_CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, k->fd[0]));
		for (int side = 0; side < 2; side++) /* one socket each, both ways */
			k->out[side] = k->in[side] = k->fd[0][side];
	} else if (ch == IPC_MQUEUE) {
		open_mqueues(k);
	}
}

void ipc_kernel_close(struct ipc_kchan *k, enum ipc_channel ch)
{
	if (ch == IPC_PIPE) {
		for (int d = 0; d < 2; d++)
			for (int j = 0; j < 2; j++)
				HX_CHECK_SYS(close(k->fd[d][j]));
	} else if (ch == IPC_SOCKETPAIR) {
		HX_CHECK_SYS(close(k->fd[0][0]));
		HX_CHECK_SYS(close(k->fd[0][1]));
	} else if (ch == IPC_MQUEUE) {
		HX_CHECK_SYS(mq_close(k->mq[0]));
		HX_CHECK_SYS(mq_close(k->mq[1]));
	}
}
