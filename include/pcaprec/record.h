/* SPDX-License-Identifier: BSD-2-Clause */
/* The record loop: rings in, frames out to a sink (one file now, the rotating output later). */
#ifndef PCAPREC_RECORD_H
#define PCAPREC_RECORD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/capture.h"
#include "pcaprec/filter.h"
#include "pcaprec/frame.h"
#include "pcaprec/writer.h"

/*
 * Where the loop puts frames. These three calls are the only contact between
 * capture and output: a rotating output implements the same ops.
 */
struct record_result;

struct record_sink_ops {
	/*
	 * Append one frame (f->iface is the ring's interface id). Returns 0 when
	 * written, 1 when the frame was dropped but the sink stays usable (disk
	 * full: the loop counts it as an osdrop), -1 on a fatal error (the loop
	 * stops). `err` receives a message for 1 and -1. f->data stays valid
	 * until the next commit; `now_realtime_ns` is read once per block.
	 */
	int (*write)(void *ctx, const struct frame *f, uint64_t now_realtime_ns, char *err,
		     size_t errlen);
	/*
	 * The frames written since the last commit may still be referenced
	 * where they lie (the ring block): write them out, so the loop can
	 * give the block back to the kernel. Frames that cannot be written now
	 * stay held by the sink (not lost).
	 */
	void (*commit)(void *ctx, uint64_t now_realtime_ns);
	/*
	 * Optional (NULL = write): like write, but the frame's bytes are copied
	 * into the sink's own buffer at once (f->data is not kept). The loop
	 * uses it for a block while the next block is already waiting
	 * (ring_backlog): the block goes back to the kernel after a memcpy,
	 * and the file write reads the sink's cache-hot buffer instead of
	 * ring memory that went cold while the writer was behind.
	 */
	int (*write_copy)(void *ctx, const struct frame *f, uint64_t now_realtime_ns, char *err,
			  size_t errlen);
	/*
	 * Called from the loop at least every `tick_ns` (also when no frame
	 * arrives): flush buffered bytes, rotate on time. 0 or -1 (fatal).
	 */
	int (*tick)(void *ctx, uint64_t now_realtime_ns, char *err, size_t errlen);
	/*
	 * Optional (NULL = none): interface id `iface` was opened again after
	 * it went away (a new ring, its counters continuing the old ones).
	 * Called on the writer thread between blocks.
	 */
	void (*iface_back)(void *ctx, uint32_t iface, uint64_t now_realtime_ns);
	/*
	 * End of capture: write the final statistics (`st[i]` for interface id
	 * i: the kernel's counters as the loop reports them; osdrop holds only
	 * the loop's own drops, the sink adds its own), flush, close. Called
	 * exactly once, also after errors (st NULL then). When `res` is not
	 * NULL the sink sets res->frames and res->osdrop to its own final
	 * counts: frames in the files, and frames it could not write, those
	 * lost at close included. 0 or -1.
	 */
	int (*close)(void *ctx, const struct iface_stats *st, size_t nst, struct record_result *res,
		     char *err, size_t errlen);
};

struct record_sink {
	const struct record_sink_ops *ops;
	void *ctx;
};

struct record_opts {
	struct ring **rings;         /* ring i produces frames with iface id i */
	size_t nrings;
	struct record_sink sink;
	/*
	 * NULL, or one program per ring (len 0 = none), for the bytes written:
	 * when recheck[i] is set (filter_kernel.recheck: the kernel program
	 * accepts some frames undecided), run here on every frame ring i
	 * rewrote (ring_block.rewritten).
	 */
	const struct filter_prog *filters;
	const bool *recheck;
	uint64_t max_frames;         /* -c: stop after this many written frames (0 = no limit) */
	uint64_t duration_ns;        /* --duration: stop after this long (0 = no limit) */
	uint64_t tick_ns;            /* sink tick period (0 = 1 s) */
	uint64_t drain_ns;           /* after a stop request, keep draining this long (0 = 3 block timeouts) */
	/*
	 * An interface that goes down or away: with `exit_on_iface_loss` the
	 * capture ends (error). Otherwise the others are recorded on, and when
	 * `reopen` is set (per ring: the options it was opened with) the ring
	 * is opened again once an interface of that name is up again with the
	 * same link type (checked every second). When no interface is left the
	 * capture waits up to `iface_wait_ns` (0 = not at all) for one to
	 * return, then ends with the error.
	 */
	bool exit_on_iface_loss;
	const struct ring_opts *reopen;
	uint64_t iface_wait_ns;
};

struct record_result {
	uint64_t frames;             /* frames in the files (the sink's count) */
	uint64_t osdrop;             /* frames received but not written: the sink's drops and
				        frames still in a ring when the drain had to end */
	/*
	 * Sum of ring_stats.received over the rings (tp_packets less loopback
	 * echoes and frames the user-space re-check rejected) less
	 * `after_limit`: frames = received - dropped - osdrop.
	 */
	uint64_t kernel_received;
	uint64_t kernel_dropped;     /* sum of tp_drops over the rings */
	uint64_t rechecked;          /* frames the user-space filter judged (recheck) */
	uint64_t after_limit;        /* frames the kernel passed after -c was reached: not recorded,
				        not counted as received */
	uint64_t copied_blocks;      /* ring blocks copied into the sink (write_copy): the writer was
				        a block or more behind the kernel */
	char drop_msg[256];          /* the first drop's message, "" if none */
};

/*
 * How a ring of `linktype` rewrites what its socket saw (src/capture/ring.c),
 * for filter_kernel_build: Ethernet rings put back a VLAN tag the kernel
 * stripped, LINUX_SLL2 rings are cooked (SLL2 header in front of the network
 * header), every other link type is written as the kernel has it.
 */
enum filter_view record_filter_view(uint32_t linktype);

/*
 * Capture until a stop signal (record_signals_install), max_frames or
 * duration, writing through the sink; then drain what the kernel already
 * holds, close the sink with per-interface statistics and fill *res.
 * Returns 0, or -1 with `err` on a fatal error (the sink is closed anyway).
 */
int record_run(const struct record_opts *o, struct record_result *res, char *err, size_t errlen);

/*
 * Install SIGINT/SIGTERM handlers that only set a flag (no SA_RESTART, so
 * poll() returns early), and ignore SIGPIPE so a closed stdout becomes EPIPE.
 */
void record_signals_install(void);

/* True once SIGINT or SIGTERM arrived. */
bool record_stop_requested(void);

/* Ask the loop to stop as if a signal arrived (tests, other threads). */
void record_request_stop(void);

/* --- the rotating output sink (src/record/sink_output.c, see output.h) --- */

struct output;
struct output_config;

/*
 * Open the rotating output (its first file is created now) as a sink for
 * the loop over `rings`, whose kernel counters become each file's
 * Interface Statistics Blocks. Sets cfg->stats. *out stays usable until
 * the sink's close op, for the -Z steps. 0, or -1 with err.
 */
int output_sink_open(struct output_config *cfg, struct ring **rings, size_t nrings,
		     struct record_sink *sink, struct output **out, char *err, size_t errlen);

/*
 * SIGHUP (publish the file now) and SIGUSR1 (statistics to stderr): the
 * handlers only set flags that the sink's tick acts on. Install before the
 * pidfile exists, so `pcaprec rotate` never meets the default action.
 */
void output_signals_install(void);

#endif
