/* ipc_chan.h: channels of `ipc` that posix/ipc.c runs and two library files hold (linked
 * into every posix program, hence the ipc_ names): the condvar mailbox (posix/ipc_box.c)
 * and the kernel channels pipe, socketpair, mqueue (posix/ipc_kernel.c). Each is opened
 * before the team starts and closed after it ends; a mailbox lies in team memory, the
 * descriptors are inherited by fork()ed children. */
#ifndef IPC_CHAN_H
#define IPC_CHAN_H

#include "ipc.h"

#include <mqueue.h>
#include <pthread.h>

/* ---- condvar: a mailbox per direction (posix/ipc_box.c) ------------------------------ */
#define IPC_BOX_SLOTS 16

struct ipc_mailbox {
	pthread_mutex_t lock;
	pthread_cond_t changed;     /* at most one end sleeps on it at a time (ipc_box.c) */
	unsigned long head, tail;   /* messages published, messages taken: under lock */
	int sender_sleeps, receiver_sleeps;
	size_t nslots, slot;        /* slots, and bytes of each (the message size) */
	size_t len[IPC_BOX_SLOTS];
	unsigned char *data;        /* nslots slots, in team memory */
	char pad[64];               /* the two directions on separate cache lines (padding:
				     * the heap does not promise 64-byte alignment) */
};

/* A worker's end, the ctx of ipc_box_send / ipc_box_recv: worker w sends into box[w]
 * and receives from box[1 - w]. */
struct ipc_box_end {
	struct ipc_mailbox *out, *in;
};

void ipc_box_open(struct ipc_mailbox *b, size_t bytes);
void ipc_box_close(struct ipc_mailbox *b);
void ipc_box_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_box_recv(void *ctx, unsigned char *buf, size_t n);

/* ---- pipe, socketpair, mqueue (posix/ipc_kernel.c) ------------------------------------ */

struct ipc_kchan {
	size_t bytes;    /* the message size */
	int fd[2][2];    /* pipe: fd[d] = {read end, write end}; socketpair: fd[0] */
	int out[2], in[2]; /* pipe, socketpair: what worker `side` writes to, reads from */
	mqd_t mq[2];     /* mqueue: mq[d] carries direction d */
	long mq_msgsize; /* the queue's message size: messages above it go in chunks */
};

/* A worker's end, the ctx of the operations: it sends in direction side and receives
 * in direction 1 - side. */
struct ipc_kend {
	struct ipc_kchan *k;
	int side;
};

/* Opens / closes channel ch (pipe, socketpair or mqueue; any other: nothing). */
void ipc_kernel_open(struct ipc_kchan *k, enum ipc_channel ch);
void ipc_kernel_close(struct ipc_kchan *k, enum ipc_channel ch);

/* pipe and socketpair: write to out[side], read from in[side] */
void ipc_stream_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_stream_recv(void *ctx, unsigned char *buf, size_t n);
/* mqueue receives whole queue messages: the receive buffer needs IPC_MQ_SLACK more */
#define IPC_MQ_SLACK 8192
void ipc_mq_send(void *ctx, const unsigned char *buf, size_t n);
void ipc_mq_recv(void *ctx, unsigned char *buf, size_t n);

#endif
