/* SPDX-License-Identifier: BSD-2-Clause */
/* The hand-over of flow records from the counting thread to the flow thread, in batches. */
#include <pthread.h>
#include <stdlib.h>

#include "summary_int.h"

struct flow_batch {
	uint32_t n;
	bool drain;                  /* empty the flow side's FIFO after this batch (a flush) */
	struct flow_pkt rec[FLOW_BATCH];
};

/*
 * Batches [head, head + queued) of the ring are full and belong to the
 * flow thread, which takes them in order and releases each after applying
 * it; the producer fills batch (head + queued) % FLOW_BATCHES, which it
 * owns while queued < FLOW_BATCHES. All counters change under `mu`, so
 * everything a thread wrote before releasing a batch is visible to the
 * other once it sees the change.
 */
struct flow_feed {
	struct flow_side *fs;
	bool threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more;         /* a batch was queued, or stop */
	pthread_cond_t room;         /* a batch was released */
	uint32_t head;
	uint32_t queued;
	bool stop;
	struct flow_batch *fill;     /* the producer's batch, NULL until it waits for room */
	struct flow_batch b[FLOW_BATCHES];
	struct flow_pkt one;         /* without a thread: the record being filled */
};

static void *feed_main(void *arg)
{
	struct flow_feed *f = arg;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (f->queued == 0 && !f->stop)
			pthread_cond_wait(&f->more, &f->mu);
		if (f->queued == 0)
			break;  /* stop, and nothing left */
		struct flow_batch *b = &f->b[f->head];
		pthread_mutex_unlock(&f->mu);
		for (uint32_t i = 0; i < b->n; i++)
			flow_side_push(f->fs, &b->rec[i]);
		if (b->drain)
			flow_side_drain(f->fs);
		pthread_mutex_lock(&f->mu);
		f->head = (f->head + 1) % FLOW_BATCHES;
		f->queued--;
		pthread_cond_signal(&f->room);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

struct flow_feed *flow_feed_open(struct flow_side *fs, bool threaded)
{
	struct flow_feed *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->fs = fs;
	f->fill = &f->b[0];
	if (!threaded)
		return f;
	/* without a thread, records are applied on the caller's: slower, never wrong */
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		return f;
	if (pthread_cond_init(&f->more, NULL) != 0)
		goto no_more;
	if (pthread_cond_init(&f->room, NULL) != 0)
		goto no_room;
	if (pthread_create(&f->thread, NULL, feed_main, f) != 0)
		goto no_thread;
	f->threaded = true;
	return f;
no_thread:
	pthread_cond_destroy(&f->room);
no_room:
	pthread_cond_destroy(&f->more);
no_more:
	pthread_mutex_destroy(&f->mu);
	return f;
}

/* Queue the producer's batch (marked `drain` for a flush) and wait for room for the next. */
static void feed_submit(struct flow_feed *f, bool drain)
{
	f->fill->drain = drain;
	pthread_mutex_lock(&f->mu);
	f->queued++;
	pthread_cond_signal(&f->more);
	while (f->queued == FLOW_BATCHES)
		pthread_cond_wait(&f->room, &f->mu);
	f->fill = &f->b[(f->head + f->queued) % FLOW_BATCHES];
	pthread_mutex_unlock(&f->mu);
	f->fill->n = 0;
}

struct flow_pkt *flow_feed_slot(struct flow_feed *f)
{
	if (!f->threaded)
		return &f->one;
	return &f->fill->rec[f->fill->n];
}

void flow_feed_commit(struct flow_feed *f)
{
	if (!f->threaded) {
		flow_side_push(f->fs, &f->one);
		return;
	}
	if (++f->fill->n == FLOW_BATCH)
		feed_submit(f, false);
}

void flow_feed_flush(struct flow_feed *f)
{
	if (!f->threaded) {
		flow_side_drain(f->fs);
		return;
	}
	feed_submit(f, true);
	pthread_mutex_lock(&f->mu);
	while (f->queued > 0)
		pthread_cond_wait(&f->room, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

void flow_feed_close(struct flow_feed *f)
{
	if (!f)
		return;
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->more);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_cond_destroy(&f->more);
		pthread_cond_destroy(&f->room);
		pthread_mutex_destroy(&f->mu);
	}
	free(f);
}
