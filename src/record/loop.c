/* SPDX-License-Identifier: BSD-2-Clause */
/* The record loop: a capture thread hands retired ring blocks to a writer thread that feeds the sink. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcaprec/record.h"
#include "pcaprec/util.h"

#define RECORD_POLL_MS 100
#define RECORD_RELEASE_WAIT_NS 10000000ull
#define RECORD_MAX_RINGS 64

/*
 * Threads. The capture thread (the caller of record_run) polls the rings,
 * takes every block the kernel retired (ring_next_block) and queues it; it
 * never touches the sink, so a slow disk, an fsync or a rotation never keeps
 * it from noticing signals, deadlines or a vanished interface. The writer
 * thread owns the sink: it writes each queued block's frames, gives the
 * block back to the kernel (ring_release_block), and ticks the sink. While
 * the writer is behind, blocks stay out of the kernel's hands; when all are
 * out the kernel drops frames and counts them (tp_drops, reported).
 */
struct loop_item {
	struct ring_block b;
	uint32_t ring_i;
};

struct loop_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty;     /* writer waits: a block was queued or capture ended */
	pthread_cond_t released;     /* capture waits: a block went back to the kernel */
	struct loop_item *v;
	size_t cap, head, n;         /* cap >= all blocks of all rings: never full */
	bool producer_done;
};

struct loop_state {
	const struct record_opts *o;
	struct record_result *res;   /* frames, osdrop, drop_msg: writer thread until joined */
	uint64_t osdrop[RECORD_MAX_RINGS];
	struct loop_queue q;
	int writer_stop;             /* atomic: -c reached or the sink failed */
	int writer_fatal;            /* -1 when the sink failed (message in werr) */
	char werr[512];
	char fbuf[sizeof ((struct record_result *)0)->drop_msg]; /* scratch for messages */
};

/* Write one frame through the sink and count it. Sets writer_stop at -c or on failure. */
static void loop_frame(struct loop_state *s, const struct frame *f, uint32_t ring_i, uint64_t now)
{
	const struct record_sink *sink = &s->o->sink;
	int rc = sink->ops->write(sink->ctx, f, now, s->fbuf, sizeof s->fbuf);

	if (rc == 0) {
		s->res->frames++;
		if (s->o->max_frames && s->res->frames >= s->o->max_frames)
			__atomic_store_n(&s->writer_stop, 1, __ATOMIC_RELEASE);
	} else if (rc == 1) {
		if (s->res->osdrop++ == 0)
			snprintf(s->res->drop_msg, sizeof s->res->drop_msg, "%s", s->fbuf);
		s->osdrop[ring_i]++;
	} else {
		snprintf(s->werr, sizeof s->werr, "%s", s->fbuf);
		s->writer_fatal = -1;
		__atomic_store_n(&s->writer_stop, 1, __ATOMIC_RELEASE);
	}
}

/*
 * Write the frames of one block (judging rewritten frames with the user-space
 * filter), have the sink write out what it still refers to in the block,
 * then give the block back to the kernel. After writer_stop the rest is
 * only released.
 */
static void loop_block(struct loop_state *s, struct loop_item *it)
{
	const struct filter_prog *fp = s->o->filters ? &s->o->filters[it->ring_i] : NULL;
	const struct record_sink *sink = &s->o->sink;
	uint64_t now = now_realtime_ns();
	struct frame f;

	while (!__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE) &&
	       ring_block_next_frame(&it->b, &f)) {
		if (it->b.rewritten && fp && fp->len) {
			uint32_t keep = filter_run(fp, f.data, f.caplen, f.origlen);

			if (keep == 0)
				continue;
			if (keep < f.caplen)
				f.caplen = keep;
		}
		loop_frame(s, &f, it->ring_i, now);
	}
	/* The sink may still point into the block: it must let go first. */
	sink->ops->commit(sink->ctx, now);
	ring_release_block(&it->b);
}

static void ts_after_ns(struct timespec *ts, uint64_t ns)
{
	uint64_t t = now_monotonic_ns() + ns;

	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
}

/* Take the next queued block, waiting at most `wait_ns`. Sets *done at the end of capture. */
static bool loop_pop(struct loop_queue *q, uint64_t wait_ns, struct loop_item *it, bool *done)
{
	struct timespec until;
	bool got;

	ts_after_ns(&until, wait_ns);
	pthread_mutex_lock(&q->mu);
	while (q->n == 0 && !q->producer_done)
		if (pthread_cond_timedwait(&q->nonempty, &q->mu, &until) == ETIMEDOUT)
			break;
	got = q->n > 0;
	if (got) {
		*it = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	*done = q->n == 0 && q->producer_done;
	pthread_mutex_unlock(&q->mu);
	return got;
}

static void *loop_writer(void *arg)
{
	struct loop_state *s = arg;
	const struct record_sink *sink = &s->o->sink;
	uint64_t tick = s->o->tick_ns ? s->o->tick_ns : 1000000000ull;
	uint64_t next_tick = now_monotonic_ns() + tick;
	struct loop_item it;
	bool done = false;

	while (!done) {
		uint64_t now = now_monotonic_ns();

		if (loop_pop(&s->q, next_tick > now ? next_tick - now : 0, &it, &done)) {
			loop_block(s, &it);
			pthread_mutex_lock(&s->q.mu);
			pthread_cond_signal(&s->q.released);
			pthread_mutex_unlock(&s->q.mu);
		}
		now = now_monotonic_ns();
		if (now >= next_tick && !s->writer_fatal) {
			next_tick = now + tick;
			if (sink->ops->tick(sink->ctx, now_realtime_ns(), s->fbuf, sizeof s->fbuf) < 0) {
				snprintf(s->werr, sizeof s->werr, "%s", s->fbuf);
				s->writer_fatal = -1;
				__atomic_store_n(&s->writer_stop, 1, __ATOMIC_RELEASE);
			}
		}
	}
	return NULL;
}

/* Queue every block the kernel has retired, on every ring. Returns how many. */
static size_t loop_produce(struct loop_state *s)
{
	struct loop_item it;
	size_t n = 0;

	for (size_t i = 0; i < s->o->nrings; i++) {
		while (ring_next_block(s->o->rings[i], &it.b)) {
			it.ring_i = (uint32_t)i;
			pthread_mutex_lock(&s->q.mu);
			s->q.v[(s->q.head + s->q.n) % s->q.cap] = it;
			s->q.n++;
			pthread_cond_signal(&s->q.nonempty);
			pthread_mutex_unlock(&s->q.mu);
			n++;
		}
	}
	return n;
}

/* Blocks the writer still holds, over all rings. */
static uint32_t loop_blocks_out(const struct record_opts *o)
{
	uint32_t n = 0;

	for (size_t i = 0; i < o->nrings; i++)
		n += ring_blocks_out(o->rings[i]);
	return n;
}

/*
 * Sleep until a block retires, a signal arrives (EINTR) or RECORD_POLL_MS
 * pass. Returns -1 with a message when a socket reports an error (the
 * interface went down or away): capture cannot go on.
 */
static int loop_poll(const struct record_opts *o, struct pollfd *pfd, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->nrings; i++) {
		pfd[i].fd = ring_fd(o->rings[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)o->nrings, RECORD_POLL_MS) <= 0)
		return 0;
	for (size_t i = 0; i < o->nrings; i++) {
		int e;

		if (!(pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)))
			continue;
		e = ring_sock_error(o->rings[i]);
		return errf(err, errlen, "capture on '%s' ended: %s", ring_ifname(o->rings[i]),
			    e == ENETDOWN ? "the interface went down" :
			    e == ENODEV ? "the interface was removed" :
			    e ? strerror(e) : "socket error");
	}
	return 0;
}

/*
 * Wait for work. With blocks still at the writer, poll() would report the
 * ring readable at once (the kernel sees those blocks as unread), so wait
 * for the writer to release one instead, briefly.
 */
static int loop_wait(struct loop_state *s, struct pollfd *pfd, char *err, size_t errlen)
{
	struct timespec until;

	if (loop_blocks_out(s->o) == 0)
		return loop_poll(s->o, pfd, err, errlen);
	ts_after_ns(&until, RECORD_RELEASE_WAIT_NS);
	pthread_mutex_lock(&s->q.mu);
	pthread_cond_timedwait(&s->q.released, &s->q.mu, &until);
	pthread_mutex_unlock(&s->q.mu);
	return 0;
}

/* The capture thread's loop. Returns 0, or -1 with err when an interface failed. */
static int loop_capture(struct loop_state *s, char *err, size_t errlen)
{
	const struct record_opts *o = s->o;
	uint64_t t0 = now_monotonic_ns(), stop_at = 0;
	uint64_t drain = o->drain_ns ? o->drain_ns : 3ull * CAPTURE_DEFAULT_BLOCK_TOV_MS * 1000000ull;
	struct pollfd pfd[RECORD_MAX_RINGS];

	for (;;) {
		uint64_t now = now_monotonic_ns();
		size_t n;

		if (__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE))
			return 0;
		/* A stop keeps draining while the kernel retires the blocks it is filling. */
		if (!stop_at && (record_stop_requested() ||
				 (o->duration_ns && now - t0 >= o->duration_ns)))
			stop_at = now + drain;
		n = loop_produce(s);
		/* `now` was taken before this last produce, so it caught everything up to the stop. */
		if (stop_at && now >= stop_at)
			return 0;
		if (n > 0)
			continue;
		if (loop_wait(s, pfd, err, errlen) < 0) {
			loop_produce(s);
			return -1;
		}
	}
}

/* Per-interface statistics for the sink's close, and the totals for the report. */
static void loop_stats(struct loop_state *s, uint64_t start_ns, struct iface_stats *st)
{
	uint64_t end_ns = now_realtime_ns();

	for (size_t i = 0; i < s->o->nrings; i++) {
		struct ring_stats rs = { 0, 0, 0 };

		ring_stats(s->o->rings[i], &rs);
		st[i].start_ns = start_ns;
		st[i].end_ns = end_ns;
		st[i].ifrecv = rs.received;
		st[i].ifdrop = rs.dropped;
		st[i].osdrop = s->osdrop[i];
		s->res->kernel_received += rs.received;
		s->res->kernel_dropped += rs.dropped;
	}
}

static int loop_queue_init(struct loop_queue *q, const struct record_opts *o)
{
	pthread_condattr_t ca;

	q->cap = 1;
	for (size_t i = 0; i < o->nrings; i++)
		q->cap += ring_nblocks(o->rings[i]);
	q->v = calloc(q->cap, sizeof *q->v);
	if (!q->v)
		return -1;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_cond_init(&q->released, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

static void loop_queue_fini(struct loop_queue *q)
{
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->released);
	pthread_mutex_destroy(&q->mu);
	free(q->v);
}

/* Run both threads to the end; the sink is still open afterwards. */
static int loop_run(struct loop_state *s, char *err, size_t errlen)
{
	pthread_t writer;
	sigset_t all, old;
	int rc, e;

	/* Signals go to the capture thread, whose poll() they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&writer, NULL, loop_writer, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return errf(err, errlen, "starting the writer thread: %s", strerror(e));
	rc = loop_capture(s, err, errlen);
	pthread_mutex_lock(&s->q.mu);
	s->q.producer_done = true;
	pthread_cond_signal(&s->q.nonempty);
	pthread_mutex_unlock(&s->q.mu);
	pthread_join(writer, NULL);
	if (s->writer_fatal < 0)
		return errf(err, errlen, "%s", s->werr);
	return rc;
}

int record_run(const struct record_opts *o, struct record_result *res, char *err, size_t errlen)
{
	struct loop_state *s;
	struct iface_stats st[RECORD_MAX_RINGS];
	char cerr[512];
	uint64_t start_ns = now_realtime_ns();
	int rc;

	memset(res, 0, sizeof *res);
	if (o->nrings == 0 || o->nrings > RECORD_MAX_RINGS) {
		o->sink.ops->close(o->sink.ctx, NULL, 0, cerr, sizeof cerr);
		return errf(err, errlen, "record needs between 1 and %d interfaces", RECORD_MAX_RINGS);
	}
	s = calloc(1, sizeof *s);
	if (!s || loop_queue_init(&s->q, o) < 0) {
		free(s);
		o->sink.ops->close(o->sink.ctx, NULL, 0, cerr, sizeof cerr);
		return errf(err, errlen, "out of memory");
	}
	s->o = o;
	s->res = res;
	rc = loop_run(s, err, errlen);
	memset(st, 0, sizeof st);
	loop_stats(s, start_ns, st);
	if (o->sink.ops->close(o->sink.ctx, st, o->nrings, cerr, sizeof cerr) < 0 && rc == 0)
		rc = errf(err, errlen, "%s", cerr);
	loop_queue_fini(&s->q);
	free(s);
	return rc;
}
