/* SPDX-License-Identifier: BSD-2-Clause */
/* The record loop: a capture thread hands retired ring blocks to a writer thread that feeds the sink. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcaprec/record.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"

#define RECORD_POLL_MS 100
#define RECORD_MAX_RINGS 64
/* Blocks written between two looks at the clock (tick, stop). */
#define RECORD_BATCH_BLOCKS 16
/* How often a lost interface is looked for. */
#define RECORD_REOPEN_NS 1000000000ull

/*
 * Threads. The writer thread is the only consumer of the rings: it takes
 * every block the kernel retired (ring_next_block), writes its frames
 * through the sink, gives the block back (ring_release_block), ticks the
 * sink, and sleeps in poll() only when no block is ready. So a block costs
 * no hand-over between threads. The capture thread (the caller of
 * record_run) never touches the rings' blocks or the sink: it waits for
 * signals, the --duration deadline and socket errors, so a slow disk, an
 * fsync or a rotation never keeps it from noticing them; it tells the
 * writer when to stop through `stop_at`. While the writer is behind,
 * blocks stay in user space; when all are, the kernel drops frames and
 * counts them (tp_drops, reported).
 */
struct loop_state {
	const struct record_opts *o;
	struct record_result *res;   /* frames, osdrop, drop_msg: writer thread until joined */
	uint64_t osdrop[RECORD_MAX_RINGS];
	uint64_t beyond[RECORD_MAX_RINGS];   /* passed by the kernel after -c was reached */
	uint64_t leftover[RECORD_MAX_RINGS]; /* still in the ring when the drain ended */
	bool limit_hit;              /* -c reached (writer thread until joined) */
	/*
	 * Interface loss. lost[i] (atomic) is set by the capture thread when
	 * ring i's interface went down or away: neither thread polls it then.
	 * The capture thread opens a new ring for it into pending[i]
	 * (atomic); the writer drains the old ring, swaps the new one into
	 * o->rings[i] and only then clears lost[i].
	 */
	int lost[RECORD_MAX_RINGS];
	struct ring *pending[RECORD_MAX_RINGS];
	char lost_msg[512];          /* capture thread: why the last interface went */
	uint64_t stop_at;            /* atomic, monotonic ns: drain until then and end (0 = run) */
	int writer_stop;             /* atomic: -c reached or the sink failed */
	int writer_done;             /* atomic: the writer thread has left its loop */
	int writer_fatal;            /* -1 when the sink failed (message in werr) */
	char werr[512];
	char fbuf[sizeof ((struct record_result *)0)->drop_msg]; /* scratch for messages */
};

/* Write one frame through the sink and count it. Sets writer_stop at -c or on failure. */
static void loop_frame(struct loop_state *s, const struct frame *f, uint32_t ring_i, uint64_t now,
		       bool copy)
{
	const struct record_sink *sink = &s->o->sink;
	int rc = (copy ? sink->ops->write_copy : sink->ops->write)(sink->ctx, f, now, s->fbuf,
								   sizeof s->fbuf);

	if (rc == 0) {
		s->res->frames++;
		if (s->o->max_frames && s->res->frames >= s->o->max_frames) {
			s->limit_hit = true;
			__atomic_store_n(&s->writer_stop, 1, __ATOMIC_RELEASE);
		}
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
 * Write the frames of one block (judging with the user-space filter the
 * rewritten frames the kernel program could not decide), have the sink
 * write out what it still refers to in the block,
 * then give the block back to the kernel. After writer_stop the rest is
 * only released. While the next block is already waiting (the writer is
 * behind), the frames are copied into the sink (write_copy) rather than
 * referenced, so the block returns at once and the write reads hot memory.
 */
static void loop_block(struct loop_state *s, struct ring_block *b, uint32_t ring_i)
{
	const struct filter_prog *fp = s->o->filters && s->o->recheck && s->o->recheck[ring_i]
				       ? &s->o->filters[ring_i] : NULL;
	const struct record_sink *sink = &s->o->sink;
	uint64_t now = now_realtime_ns();
	bool copy = sink->ops->write_copy && ring_backlog(b->ring);
	struct frame f;

	if (copy)
		s->res->copied_blocks++;

	while (!__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE) &&
	       ring_block_next_frame(b, &f)) {
		if (b->rewritten && fp && fp->len) {
			uint32_t keep = filter_run(fp, f.data, f.caplen, f.origlen);

			s->res->rechecked++;
			if (keep == 0) {
				ring_frame_rejected(b);
				continue;
			}
			if (keep < f.caplen)
				f.caplen = keep;
		}
		loop_frame(s, &f, ring_i, now, copy);
	}
	/* frames the stop left unwritten are counted under their name, not lost unseen */
	while (ring_block_next_frame(b, &f))
		(s->limit_hit ? s->beyond : s->leftover)[ring_i]++;
	/* The sink may still point into the block: it must let go first. */
	sink->ops->commit(sink->ctx, now);
	ring_release_block(b);
}

/*
 * Write up to `max` retired blocks, one block per ring in turn (a busy ring
 * cannot starve the others), until no ring has one ready. Bounded, so the
 * tick and a stop request are seen even while the kernel retires blocks as
 * fast as they are written. Returns how many.
 */
static size_t loop_consume(struct loop_state *s, size_t max)
{
	struct ring_block b;
	size_t n = 0;
	bool any = true;

	while (any && n < max) {
		any = false;
		for (size_t i = 0; i < s->o->nrings && n < max; i++) {
			if (__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE))
				return n;
			if (!ring_next_block(s->o->rings[i], &b))
				continue;
			loop_block(s, &b, (uint32_t)i);
			any = true;
			n++;
		}
	}
	return n;
}

/* Count (into[i]) and release every frame ring i still holds, without writing it. */
static void loop_count_rest(struct loop_state *s, uint64_t *into)
{
	struct ring_block b;
	struct frame f;

	for (size_t i = 0; i < s->o->nrings; i++) {
		while (ring_next_block(s->o->rings[i], &b)) {
			while (ring_block_next_frame(&b, &f))
				into[i]++;
			ring_release_block(&b);
		}
	}
}

static uint64_t loop_drain_ns(const struct record_opts *o)
{
	return o->drain_ns ? o->drain_ns : 3ull * CAPTURE_DEFAULT_BLOCK_TOV_MS * 1000000ull;
}

/* A negative fd makes poll() skip the entry: lost rings are not watched. */
static void loop_fill_pollfds(struct loop_state *s, struct pollfd *pfd, short events)
{
	const struct record_opts *o = s->o;

	for (size_t i = 0; i < o->nrings; i++) {
		pfd[i].fd = __atomic_load_n(&s->lost[i], __ATOMIC_ACQUIRE) ? -1 : ring_fd(o->rings[i]);
		pfd[i].events = events;
		pfd[i].revents = 0;
	}
}

/*
 * Sleep until a ring has a retired block or `ms` pass. A socket in error
 * (the capture thread reports it and stops us) would wake poll() at once
 * again and again, so then sleep the time instead.
 */
static void loop_writer_wait(struct loop_state *s, int ms)
{
	struct pollfd pfd[RECORD_MAX_RINGS];

	loop_fill_pollfds(s, pfd, POLLIN);
	if (poll(pfd, (nfds_t)s->o->nrings, ms) <= 0)
		return;
	for (size_t i = 0; i < s->o->nrings; i++) {
		if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			struct timespec ts = { 0, (long)ms * 1000000L };

			nanosleep(&ts, NULL);
			return;
		}
	}
}

static void loop_tick(struct loop_state *s)
{
	const struct record_sink *sink = &s->o->sink;

	if (sink->ops->tick(sink->ctx, now_realtime_ns(), s->fbuf, sizeof s->fbuf) < 0) {
		snprintf(s->werr, sizeof s->werr, "%s", s->fbuf);
		s->writer_fatal = -1;
		__atomic_store_n(&s->writer_stop, 1, __ATOMIC_RELEASE);
	}
}

/*
 * Rings the capture thread opened again for interfaces that came back: the
 * old ring's last frames are written, the new ring takes over its counters
 * and its place, and the sink is told (a new file, with new IDBs).
 */
static void loop_swap_rings(struct loop_state *s)
{
	const struct record_sink *sink = &s->o->sink;
	struct ring_block b;

	for (size_t i = 0; i < s->o->nrings; i++) {
		struct ring *n = __atomic_exchange_n(&s->pending[i], NULL, __ATOMIC_ACQ_REL);
		struct ring *old = s->o->rings[i];

		if (!n)
			continue;
		while (!__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE) && ring_next_block(old, &b))
			loop_block(s, &b, (uint32_t)i);
		ring_inherit_stats(n, old);
		if (__atomic_load_n(&s->stop_at, __ATOMIC_ACQUIRE))
			ring_stop_receiving(n);
		ring_close(old);
		s->o->rings[i] = n;
		__atomic_store_n(&s->lost[i], 0, __ATOMIC_RELEASE);
		if (sink->ops->iface_back)
			sink->ops->iface_back(sink->ctx, (uint32_t)i, now_realtime_ns());
	}
}

/* After the writer's last block: name every frame the rings still hold. */
static void loop_writer_end(struct loop_state *s)
{
	uint64_t end;

	if (!s->limit_hit) {
		/* a drain cut short by a writer behind: what is left is dropped, and said so */
		loop_count_rest(s, s->leftover);
		return;
	}
	/*
	 * -c: the kernel stops passing frames, and what it passed before that
	 * is counted as after the limit as the blocks retire (within the
	 * drain), so no frame it counted goes unnamed.
	 */
	end = now_monotonic_ns() + loop_drain_ns(s->o);
	for (size_t i = 0; i < s->o->nrings; i++)
		ring_stop_receiving(s->o->rings[i]);
	do {
		loop_count_rest(s, s->beyond);
		loop_writer_wait(s, 10);
	} while (now_monotonic_ns() < end);
	loop_count_rest(s, s->beyond);
}

static void *loop_writer(void *arg)
{
	struct loop_state *s = arg;
	uint64_t tick = s->o->tick_ns ? s->o->tick_ns : 1000000000ull;
	uint64_t next_tick = now_monotonic_ns() + tick;
	size_t all_blocks = 0;

	for (size_t i = 0; i < s->o->nrings; i++)
		all_blocks += ring_nblocks(s->o->rings[i]);
	while (!__atomic_load_n(&s->writer_stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_monotonic_ns();
		uint64_t stop_at = __atomic_load_n(&s->stop_at, __ATOMIC_ACQUIRE);
		uint64_t wait;
		size_t n;

		loop_swap_rings(s);
		if (stop_at && now >= stop_at) {
			/* Everything retired up to the stop; at most a ring's worth, as a
			 * ring refilled as fast as it is written never runs dry. */
			loop_consume(s, all_blocks);
			break;
		}
		n = loop_consume(s, RECORD_BATCH_BLOCKS);
		now = now_monotonic_ns();
		if (now >= next_tick) {
			next_tick = now + tick;
			loop_tick(s);
		}
		if (n > 0)
			continue;
		wait = next_tick > now ? next_tick - now : 0;
		if (stop_at && (stop_at <= now || stop_at - now < wait))
			wait = stop_at > now ? stop_at - now : 0;
		if (wait > RECORD_POLL_MS * 1000000ull)
			wait = RECORD_POLL_MS * 1000000ull;
		loop_writer_wait(s, (int)(wait / 1000000ull) + 1);
	}
	loop_writer_end(s);
	__atomic_store_n(&s->writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* How many rings are lost now. */
static size_t loop_nlost(struct loop_state *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->o->nrings; i++)
		n += __atomic_load_n(&s->lost[i], __ATOMIC_ACQUIRE) != 0;
	return n;
}

/*
 * Sleep until a signal arrives (EINTR) or RECORD_POLL_MS pass, watching the
 * sockets for errors only (no POLLIN: blocks are the writer's business).
 * A socket in error means its interface went down or away: with
 * exit_on_iface_loss that ends the capture (-1 with a message); otherwise
 * the ring is marked lost and logged once, and the others go on.
 */
static int loop_capture_wait(struct loop_state *s, char *err, size_t errlen)
{
	const struct record_opts *o = s->o;
	struct pollfd pfd[RECORD_MAX_RINGS];

	loop_fill_pollfds(s, pfd, 0);
	if (poll(pfd, (nfds_t)o->nrings, RECORD_POLL_MS) <= 0)
		return 0;
	for (size_t i = 0; i < o->nrings; i++) {
		int e;

		if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)))
			continue;
		e = ring_sock_error(o->rings[i]);
		errf(s->lost_msg, sizeof s->lost_msg, "capture on '%s' ended: %s", ring_ifname(o->rings[i]),
		     e == ENETDOWN ? "the interface went down" :
		     e == ENODEV ? "the interface was removed" :
		     e ? strerror(e) : "socket error");
		if (o->exit_on_iface_loss)
			return errf(err, errlen, "%s", s->lost_msg);
		__atomic_store_n(&s->lost[i], 1, __ATOMIC_RELEASE);
		if (loop_nlost(s) < o->nrings)
			svc_log(SVC_WARNING, "%s; recording the other interfaces%s", s->lost_msg,
				o->reopen ? ", and this one again when it is back" : "");
		else if (o->iface_wait_ns)
			svc_log(SVC_WARNING, "%s; waiting for it to come back", s->lost_msg);
	}
	return 0;
}

/*
 * Open a new ring for every lost interface that is there and up again with
 * the link type it had, for the writer to swap in. Failures are quiet
 * (tried again next time) but for a changed link type, said once.
 */
static void loop_reopen(struct loop_state *s)
{
	const struct record_opts *o = s->o;
	char msg[512];

	for (size_t i = 0; o->reopen && i < o->nrings; i++) {
		uint32_t lt = 0;
		int e = 0;
		struct ring *n;

		if (!__atomic_load_n(&s->lost[i], __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&s->pending[i], __ATOMIC_ACQUIRE) ||
		    capture_iface_linktype(o->reopen[i].ifname, &lt, &e, msg, sizeof msg) < 0)
			continue;
		if (lt != ring_linktype(o->rings[i]))
			continue;
		n = ring_open(&o->reopen[i], &e, msg, sizeof msg);
		if (!n)
			continue;
		svc_log(SVC_INFO, "interface '%s' is back: recording it again (in a new file)",
			o->reopen[i].ifname);
		__atomic_store_n(&s->pending[i], n, __ATOMIC_RELEASE);
	}
}

/*
 * The capture thread's loop: decide when to stop. A stop (signal,
 * --duration) lets the writer keep draining while the kernel retires the
 * blocks it is filling; an interface error stops it after what is already
 * retired. Returns 0, or -1 with err when an interface failed.
 */
static int loop_capture(struct loop_state *s, char *err, size_t errlen)
{
	const struct record_opts *o = s->o;
	uint64_t t0 = now_monotonic_ns();
	uint64_t drain = loop_drain_ns(o), next_reopen = t0 + RECORD_REOPEN_NS, all_lost_since = 0;

	while (!__atomic_load_n(&s->writer_done, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_monotonic_ns();

		if (!__atomic_load_n(&s->stop_at, __ATOMIC_ACQUIRE) &&
		    (record_stop_requested() || (o->duration_ns && now - t0 >= o->duration_ns))) {
			/* nothing after the stop is taken or counted; the drain writes what came before */
			for (size_t i = 0; i < o->nrings; i++)
				if (!__atomic_load_n(&s->lost[i], __ATOMIC_ACQUIRE))
					ring_stop_receiving(o->rings[i]);
			__atomic_store_n(&s->stop_at, now + drain, __ATOMIC_RELEASE);
		}
		if (loop_capture_wait(s, err, errlen) < 0) {
			__atomic_store_n(&s->stop_at, now_monotonic_ns(), __ATOMIC_RELEASE);
			return -1;
		}
		now = now_monotonic_ns();
		if (now >= next_reopen && !__atomic_load_n(&s->stop_at, __ATOMIC_ACQUIRE)) {
			next_reopen = now + RECORD_REOPEN_NS;
			loop_reopen(s);
		}
		/* no interface left: end now, or after --iface-wait without one coming back */
		if (loop_nlost(s) < o->nrings) {
			all_lost_since = 0;
		} else if (!all_lost_since) {
			all_lost_since = now;
		}
		if (all_lost_since && now - all_lost_since >= o->iface_wait_ns) {
			__atomic_store_n(&s->stop_at, now, __ATOMIC_RELEASE);
			return errf(err, errlen, "%s", s->lost_msg);
		}
	}
	return 0;
}

/* Per-interface statistics for the sink's close, and the totals for the report. */
static void loop_stats(struct loop_state *s, uint64_t start_ns, struct iface_stats *st)
{
	uint64_t end_ns = now_realtime_ns();

	for (size_t i = 0; i < s->o->nrings; i++) {
		struct ring_stats rs = { 0, 0, 0, 0, 0 };

		ring_stats(s->o->rings[i], &rs);
		st[i].start_ns = start_ns;
		st[i].end_ns = end_ns;
		/* frames after -c arrived after the capture ended: not received by it */
		st[i].ifrecv = rs.received - (s->beyond[i] < rs.received ? s->beyond[i] : rs.received);
		st[i].ifdrop = rs.dropped;
		st[i].osdrop = s->leftover[i];
		s->res->kernel_received += st[i].ifrecv;
		s->res->kernel_dropped += rs.dropped;
		s->res->after_limit += s->beyond[i];
	}
}

/* Run both threads to the end; the sink is still open afterwards. */
static int loop_run(struct loop_state *s, char *err, size_t errlen)
{
	pthread_t writer;
	int rc, e;

	/* Signals go to the capture thread, whose poll() they interrupt. */
	e = thread_start_quiet(&writer, loop_writer, s);
	if (e != 0)
		return errf(err, errlen, "starting the writer thread: %s", strerror(e));
	rc = loop_capture(s, err, errlen);
	pthread_join(writer, NULL);
	for (size_t i = 0; i < s->o->nrings; i++)
		ring_close(s->pending[i]);   /* opened again too late to be swapped in */
	if (s->writer_fatal < 0)
		return errf(err, errlen, "%s", s->werr);
	return rc;
}

enum filter_view record_filter_view(uint32_t linktype)
{
	return linktype == LINKTYPE_ETHERNET ? FILTER_VIEW_VLAN
	       : linktype == LINKTYPE_LINUX_SLL2 ? FILTER_VIEW_COOKED : FILTER_VIEW_SAME;
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
		o->sink.ops->close(o->sink.ctx, NULL, 0, NULL, cerr, sizeof cerr);
		return errf(err, errlen, "record needs between 1 and %d interfaces", RECORD_MAX_RINGS);
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		o->sink.ops->close(o->sink.ctx, NULL, 0, NULL, cerr, sizeof cerr);
		return errf(err, errlen, "out of memory");
	}
	s->o = o;
	s->res = res;
	rc = loop_run(s, err, errlen);
	memset(st, 0, sizeof st);
	loop_stats(s, start_ns, st);
	if (o->sink.ops->close(o->sink.ctx, st, o->nrings, res, cerr, sizeof cerr) < 0 && rc == 0)
		rc = errf(err, errlen, "%s", cerr);
	for (size_t i = 0; i < o->nrings; i++)
		res->osdrop += s->leftover[i];
	free(s);
	return rc;
}
