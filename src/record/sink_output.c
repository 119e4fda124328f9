/* SPDX-License-Identifier: BSD-2-Clause */
/* The rotating output as a record sink: frames to struct output, ticks, SIGHUP/SIGUSR1, per-file ring stats. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/output.h"
#include "pcaprec/record.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"

/* Set by the handlers, acted on from the tick (signals only set flags). */
static volatile sig_atomic_t output_hup_flag;
static volatile sig_atomic_t output_usr1_flag;

struct output_sink {
	struct output *out;
	struct ring **rings;
	size_t nrings;
	const struct iface_stats *final; /* the loop's last counters, during close */
	size_t nfinal;
	uint64_t status_ns;          /* when the last STATUS= went to the service manager */
	FILE *progress;              /* the terminal the live counter goes to, or NULL */
	uint64_t progress_ns;        /* when it was last drawn */
};

/*
 * The handler runs on the capture thread and the tick on the writer thread:
 * lock-free atomics (async-signal-safe) make the hand-over a defined one,
 * and the tick's exchange cannot lose a signal that lands between test and clear.
 */
static void output_on_signal(int sig)
{
	if (sig == SIGHUP)
		__atomic_store_n(&output_hup_flag, 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&output_usr1_flag, 1, __ATOMIC_RELEASE);
}

void output_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = output_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/*
 * Stats provider for the per-file ISBs: kernel counters of each ring,
 * cumulative. osdrop stays 0 here: frames the output could not write are
 * counted by the output itself (the loop's osdrop counts the same frames).
 * At close the loop's final counters are used instead of a new reading, so
 * the last file's blocks end exactly where the loop's report does.
 */
static void sink_stats(void *ctx, struct iface_stats *cum, size_t n)
{
	struct output_sink *s = ctx;

	for (size_t i = 0; i < n && i < s->nrings; i++) {
		struct ring_stats rs = { 0, 0, 0, 0, 0 };

		if (s->final && i < s->nfinal) {
			cum[i].ifrecv = s->final[i].ifrecv;
			cum[i].ifdrop = s->final[i].ifdrop;
			cum[i].osdrop = s->final[i].osdrop;
		} else if (ring_stats(s->rings[i], &rs) == 0) {
			cum[i].ifrecv = rs.received;
			cum[i].ifdrop = rs.dropped;
		}
	}
}

/* The kernel's counters summed over the rings (received by the filter, dropped by the kernel). */
static void sink_kernel_totals(struct output_sink *s, uint64_t *recv, uint64_t *drop)
{
	*recv = *drop = 0;
	for (size_t i = 0; i < s->nrings; i++) {
		struct ring_stats rs = { 0, 0, 0, 0, 0 };

		if (ring_stats(s->rings[i], &rs) == 0) {
			*recv += rs.received;
			*drop += rs.dropped;
		}
	}
}

/*
 * STATUS= for `systemctl status` at most once a second (sd_notify(3)): the
 * current file and the counters. Nothing when not run by a service manager.
 */
static void sink_notify_status(struct output_sink *s, uint64_t now)
{
	struct output_stats st;
	uint64_t recv, drop;
	char msg[4400];

	if (!getenv("NOTIFY_SOCKET") || (s->status_ns && now - s->status_ns < 1000000000ull))
		return;
	s->status_ns = now;
	output_get_stats(s->out, &st);
	sink_kernel_totals(s, &recv, &drop);
	snprintf(msg, sizeof msg, "STATUS=%s: %llu packets; %llu packets in %llu files published, "
		 "%llu dropped by kernel, %llu dropped by pcaprec%s",
		 st.current[0] ? st.current : "(no file open)", (unsigned long long)st.cur_packets,
		 (unsigned long long)(st.packets - st.cur_packets), (unsigned long long)st.files,
		 (unsigned long long)drop, (unsigned long long)st.drops,
		 st.blocked ? "; NOT WRITING" : "");
	svc_notify(msg);
}

/*
 * The live counter on a terminal, like dumpcap's: one line redrawn in place
 * at most 4 times a second (carriage return, erase to the end of the line).
 * Log lines erase it first (svc_line_prefix) and it is drawn again on the
 * next tick; sink_close erases it before the final statistics.
 */
static void sink_progress(struct output_sink *s, uint64_t now)
{
	struct output_stats st;
	uint64_t recv, drop;
	const char *name;

	if (!s->progress || (s->progress_ns && now - s->progress_ns < 250000000ull))
		return;
	s->progress_ns = now;
	output_get_stats(s->out, &st);
	sink_kernel_totals(s, &recv, &drop);
	name = strrchr(st.current, '/');
	name = name ? name + 1 : st.current;
	fprintf(s->progress, "\rpcaprec: %llu packets, %llu dropped by kernel, %llu by pcaprec; %.40s%s\033[K",
		(unsigned long long)st.packets, (unsigned long long)drop, (unsigned long long)st.drops,
		name[0] ? name : "(no file)", st.blocked ? " NOT WRITING" : "");
	fflush(s->progress);
}

/* SIGUSR1: the output's counters, then the kernel's as tcpdump prints them. */
static void sink_print_stats(struct output_sink *s)
{
	uint64_t recv, drop;

	output_print_stats(s->out, stderr);
	sink_kernel_totals(s, &recv, &drop);
	svc_log(SVC_INFO, "pcaprec: %llu packets received by filter, %llu packets dropped by kernel",
		(unsigned long long)recv, (unsigned long long)drop);
}

static int sink_put(struct output_sink *s, const struct frame *f, uint64_t now, bool copy,
		    char *err, size_t errlen)
{
	if ((copy ? output_write(s->out, f, now) : output_write_ref(s->out, f, now)) == 0)
		return 0;
	if (output_stream_gone(s->out)) {
		errf(err, errlen, "%s; the reader of %s is gone, stopping",
		     output_last_error(s->out), output_stream_name(s->out));
		return -1;
	}
	errf(err, errlen, "%s", output_last_error(s->out));
	return 1;
}

static int sink_write(void *ctx, const struct frame *f, uint64_t now, char *err, size_t errlen)
{
	return sink_put(ctx, f, now, false, err, errlen);
}

static int sink_write_copy(void *ctx, const struct frame *f, uint64_t now, char *err, size_t errlen)
{
	return sink_put(ctx, f, now, true, err, errlen);
}

static void sink_commit(void *ctx, uint64_t now)
{
	struct output_sink *s = ctx;

	output_commit(s->out, now);
}

static int sink_tick(void *ctx, uint64_t now, char *err, size_t errlen)
{
	struct output_sink *s = ctx;

	if (__atomic_exchange_n(&output_hup_flag, 0, __ATOMIC_ACQ_REL))
		output_rotate(s->out, now);
	if (__atomic_exchange_n(&output_usr1_flag, 0, __ATOMIC_ACQ_REL))
		sink_print_stats(s);
	output_tick(s->out, now);
	sink_notify_status(s, now);
	sink_progress(s, now);
	/* a flush on the tick can be what finds the reader gone */
	if (output_stream_gone(s->out))
		return errf(err, errlen, "%s; the reader of %s is gone, stopping",
			    output_last_error(s->out), output_stream_name(s->out));
	return 0;
}

static int sink_close(void *ctx, const struct iface_stats *st, size_t nst,
		      struct record_result *res, char *err, size_t errlen)
{
	struct output_sink *s = ctx;
	struct output_stats fin;
	int rc;

	s->final = st;
	s->nfinal = nst;
	if (s->progress) {
		fputs("\r\033[K", s->progress);
		fflush(s->progress);
	}
	rc = output_close(s->out, now_realtime_ns(), &fin);
	if (rc != 0)
		errf(err, errlen, "the last file could not be written completely (see the log above)");
	if (res) {
		/* what the files hold: frames lost at close (disk still full) are drops */
		res->frames = fin.packets;
		res->osdrop = fin.drops;
	}
	free(s);
	return rc;
}

/* An interface came back on a new ring: its frames go to a new file, with new IDBs. */
static void sink_iface_back(void *ctx, uint32_t iface, uint64_t now)
{
	struct output_sink *s = ctx;

	(void)iface;
	if (!output_stream_name(s->out))
		output_rotate(s->out, now);
}

static const struct record_sink_ops output_sink_ops = {
	.write = sink_write,
	.commit = sink_commit,
	.write_copy = sink_write_copy,
	.tick = sink_tick,
	.iface_back = sink_iface_back,
	.close = sink_close,
};

int output_sink_open(struct output_config *cfg, struct ring **rings, size_t nrings,
		     struct record_sink *sink, struct output **out, char *err, size_t errlen)
{
	struct output_sink *s = calloc(1, sizeof *s);

	if (!s)
		return errf(err, errlen, "out of memory");
	s->rings = rings;
	s->nrings = nrings;
	s->progress = cfg->progress;
	cfg->stats = sink_stats;
	cfg->stats_ctx = s;
	s->out = output_open(cfg, now_realtime_ns(), err, errlen);
	if (!s->out) {
		free(s);
		return -1;
	}
	sink->ops = &output_sink_ops;
	sink->ctx = s;
	*out = s->out;
	return 0;
}
