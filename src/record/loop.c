/* SPDX-License-Identifier: BSD-2-Clause */
/* The record loop: poll the rings, hand every frame to the sink, tick it, stop cleanly and drain. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/record.h"
#include "pcaprec/util.h"

#define RECORD_POLL_MS 100
#define RECORD_MAX_RINGS 64

struct loop_state {
	const struct record_opts *o;
	struct record_result *res;
	uint64_t osdrop[RECORD_MAX_RINGS];
	bool done;                   /* -c reached or fatal error */
	int fatal;
};

/*
 * Write the frames of one block, then give it back to the kernel. Stops
 * early (still releasing the block) when -c is reached or the sink fails.
 */
static void loop_block(struct loop_state *s, struct ring_block *b, size_t ring_i,
		       char *err, size_t errlen)
{
	const struct record_sink *sink = &s->o->sink;
	struct frame f;

	while (!s->done && ring_block_next_frame(b, &f)) {
		int rc;

		if (b->rewritten && s->o->filters && s->o->filters[ring_i].len) {
			uint32_t keep = filter_run(&s->o->filters[ring_i], f.data, f.caplen, f.origlen);

			if (keep == 0)
				continue;
			if (keep < f.caplen)
				f.caplen = keep;
		}
		rc = sink->ops->write(sink->ctx, &f, err, errlen);

		if (rc == 0) {
			s->res->frames++;
			if (s->o->max_frames && s->res->frames >= s->o->max_frames)
				s->done = true;
		} else if (rc == 1) {
			if (s->res->osdrop++ == 0)
				snprintf(s->res->drop_msg, sizeof s->res->drop_msg, "%s", err);
			s->osdrop[ring_i]++;
		} else {
			s->fatal = -1;
			s->done = true;
		}
	}
	ring_release_block(b);
}

/* Drain every block the kernel has retired, on every ring. */
static void loop_drain(struct loop_state *s, char *err, size_t errlen)
{
	struct ring_block b;

	for (size_t i = 0; i < s->o->nrings && !s->done; i++)
		while (!s->done && ring_next_block(s->o->rings[i], &b))
			loop_block(s, &b, i, err, errlen);
}

/*
 * Sleep until a block retires, a signal arrives (EINTR) or RECORD_POLL_MS
 * pass. Returns -1 with a message when a socket reports an error (the
 * interface went down or away): capture cannot go on.
 */
static int loop_wait(const struct record_opts *o, struct pollfd *pfd, char *err, size_t errlen)
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

static void loop_run(struct loop_state *s, char *err, size_t errlen)
{
	const struct record_opts *o = s->o;
	uint64_t t0 = now_monotonic_ns(), tick = o->tick_ns ? o->tick_ns : 1000000000ull;
	uint64_t drain = o->drain_ns ? o->drain_ns : 3ull * CAPTURE_DEFAULT_BLOCK_TOV_MS * 1000000ull;
	uint64_t next_tick = t0 + tick, stop_at = 0;
	struct pollfd pfd[RECORD_MAX_RINGS];

	for (;;) {
		uint64_t now = now_monotonic_ns();

		/* A stop keeps draining while the kernel retires the blocks it is filling. */
		if (!stop_at && (record_stop_requested() ||
				 (o->duration_ns && now - t0 >= o->duration_ns)))
			stop_at = now + drain;
		loop_drain(s, err, errlen);
		if (s->done || (stop_at && now >= stop_at))
			return;
		if (now >= next_tick) {
			next_tick = now + tick;
			if (o->sink.ops->tick(o->sink.ctx, now_realtime_ns(), err, errlen) < 0) {
				s->fatal = -1;
				return;
			}
		}
		if (loop_wait(o, pfd, err, errlen) < 0) {
			s->fatal = -1;
			loop_drain(s, err, errlen);
			return;
		}
	}
}

int record_run(const struct record_opts *o, struct record_result *res, char *err, size_t errlen)
{
	struct loop_state *s;
	struct iface_stats st[RECORD_MAX_RINGS];
	char cerr[256];
	uint64_t start_ns = now_realtime_ns();
	int rc;

	memset(res, 0, sizeof *res);
	if (o->nrings == 0 || o->nrings > RECORD_MAX_RINGS) {
		o->sink.ops->close(o->sink.ctx, NULL, 0, cerr, sizeof cerr);
		return errf(err, errlen, "record needs between 1 and %d interfaces", RECORD_MAX_RINGS);
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		o->sink.ops->close(o->sink.ctx, NULL, 0, cerr, sizeof cerr);
		return errf(err, errlen, "out of memory");
	}
	s->o = o;
	s->res = res;
	loop_run(s, err, errlen);
	memset(st, 0, sizeof st);
	loop_stats(s, start_ns, st);
	rc = o->sink.ops->close(o->sink.ctx, st, o->nrings, cerr, sizeof cerr);
	if (s->fatal == 0 && rc < 0) {
		errf(err, errlen, "%s", cerr);
		s->fatal = -1;
	}
	rc = s->fatal;
	free(s);
	return rc;
}
