/* ipc_box.c: the `condvar` channel of `ipc` for POSIX threads (posix/ipc.c runs it). A
 * mailbox per direction: up to 16 slots (fewer for big messages, ~8 MiB at most),
 * counted by head/tail under a mutex; the sender sleeps on the condition variable while
 * every slot is full, the receiver while all are empty, each woken only when it sleeps.
 * The copies happen outside the lock: the sender owns slot head until it publishes it,
 * the receiver slot tail until it frees it, so a stream runs up to 16 messages ahead
 * instead of waking the receiver for each one.
 * A library file, linked into every posix program: its functions are ipc_*. */
#include "ipc_chan.h"
#include "team.h"

#include "hx.h"

#include <string.h>

/* slots of the message size, zeroed and touched now (not in the timed region) */
void ipc_box_open(struct ipc_mailbox *b, size_t bytes)
{
	size_t k = (8u << 20) / (bytes ? bytes : 1);
	b->nslots = k < 1 ? 1 : k > IPC_BOX_SLOTS ? IPC_BOX_SLOTS : k;
	b->slot = bytes;
	px_mutex_init(&b->lock, PX_PSHARED);
	px_cond_init(&b->changed, PX_PSHARED);
	b->data = px_team_alloc(b->nslots * bytes);
	memset(b->data, 0, b->nslots * bytes);
}

void ipc_box_close(struct ipc_mailbox *b)
{
	HX_CHECK_PT(pthread_mutex_destroy(&b->lock));
	HX_CHECK_PT(pthread_cond_destroy(&b->changed));
	px_team_free(b->data, b->nslots * b->slot);
}

/* The sender sleeps only when every slot is full and the receiver only when all are
 * empty, which cannot both hold: one condition variable serves both ends. Each end
 * raises its flag before it sleeps and the other end, having moved head or tail on
 * under the lock, clears it and signals (after the unlock, so the woken one does not
 * block on the mutex at once). */
static void box_move_on(struct ipc_mailbox *b, unsigned long *count, int *other_sleeps)
{
	int wake;
	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	*count += 1;
	wake = *other_sleeps;
	*other_sleeps = 0;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	if (wake)
		HX_CHECK_PT(pthread_cond_signal(&b->changed));
}

void ipc_box_send(void *ctx, const unsigned char *buf, size_t n)
{
	struct ipc_mailbox *b = ((struct ipc_box_end *)ctx)->out;
	unsigned long h;

	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	while (b->head - b->tail >= b->nslots) {
		b->sender_sleeps = 1;
		HX_CHECK_PT(pthread_cond_wait(&b->changed, &b->lock));
	}
	h = b->head;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	memcpy(b->data + (h % b->nslots) * b->slot, buf, n); /* slot h is ours */
	b->len[h % b->nslots] = n;
	box_move_on(b, &b->head, &b->receiver_sleeps);
}

void ipc_box_recv(void *ctx, unsigned char *buf, size_t n)
{
	struct ipc_mailbox *b = ((struct ipc_box_end *)ctx)->in;
	unsigned long t;
	size_t len;

	HX_CHECK_PT(pthread_mutex_lock(&b->lock));
	while (b->head == b->tail) {
		b->receiver_sleeps = 1;
		HX_CHECK_PT(pthread_cond_wait(&b->changed, &b->lock));
	}
	t = b->tail;
	HX_CHECK_PT(pthread_mutex_unlock(&b->lock));
	len = b->len[t % b->nslots]; /* slot t is ours until tail moves past it */
	memcpy(buf, b->data + (t % b->nslots) * b->slot, n < len ? n : len);
	box_move_on(b, &b->tail, &b->sender_sleeps);
}
