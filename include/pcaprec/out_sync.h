/* SPDX-License-Identifier: BSD-2-Clause */
/* Finishing rotated files off the writer thread: fsync, close and publish NAME.part as NAME in order. */
#ifndef PCAPREC_OUT_SYNC_H
#define PCAPREC_OUT_SYNC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "pcaprec/output.h"

/*
 * Why: fsync(2) of a file of hundreds of megabytes on a real disk takes
 * seconds, during which a writer thread doing it itself would leave the
 * capture ring to fill and the kernel to drop frames at every rotation.
 * The writer flushes the finished file to the kernel and hands it over;
 * one background thread makes it durable and renames it, in the order the
 * files were handed over; the writer collects the results from its tick
 * and announces them (hooks, --print-closed, -W).
 */

/* One finished file: all its bytes written to `fd`, not yet fsynced, still named `part`. */
struct out_sync_job {
	int fd;                      /* closed by the job */
	char part[NAME_MAX + 1];     /* NAME.part in the output directory */
	char name[NAME_MAX + 1];     /* wanted name; after the job, the name it was published as */
	size_t ext_len;              /* bytes at the end of name that a "-N" collision suffix goes before */
	uint64_t packets, drops, first_ts_ns, last_ts_ns;
	uint64_t closed_ns;          /* CLOCK_REALTIME when the file ended */
	mode_t mode;                 /* of the file, given to its index too */
	gid_t gid;                   /* (gid_t)-1: leave the index's group */
	bool index;                  /* the file gets an index (NAME.pidx) */
	uint8_t *pidx;               /* its bytes (freed by the job); NULL: build it from the published file */
	size_t pidx_len;
	uint64_t size;               /* result: bytes on disk */
	int published;               /* result: 0, or -1 (left as NAME.part, logged) */
};

struct out_sync;

/*
 * Start the finishing thread for directory `dirfd` (borrowed; `dirpath`
 * "" or "DIR/" for messages). NULL when no thread can be started: then
 * out_sync_submit(NULL, ...) finishes each file at once, in the caller.
 */
struct out_sync *out_sync_open(int dirfd, const char *dirpath, output_log_fn *log, void *log_ctx);

/*
 * Queue a job (copied). With `s` NULL, or when memory runs out, the job is
 * done at once in the caller and its result is kept in *inline_done, which
 * the caller announces itself; returns true in that case.
 */
bool out_sync_submit(struct out_sync *s, const struct out_sync_job *j, int dirfd,
		     const char *dirpath, output_log_fn *log, void *log_ctx,
		     struct out_sync_job *inline_done);

/* The oldest finished job (in submission order) into *out; false if none is finished yet. */
bool out_sync_reap(struct out_sync *s, struct out_sync_job *out);

/* Wait until every submitted job is finished (they stay to be reaped). */
void out_sync_wait(struct out_sync *s);

/* Wait, stop the thread, free. Unreaped jobs are forgotten (their files are published). NULL is a no-op. */
void out_sync_close(struct out_sync *s);

/*
 * The job itself, exported for tests: fsync, size, close, rename NAME.part
 * to NAME without replacing anything (on a collision "-N" goes before the
 * last ext_len bytes), fsync the directory. With an index, NAME.pidx is
 * written under a temporary name first and renamed just before the file,
 * so a published file always has its index (a crash between the two
 * renames leaves NAME.part and a stale NAME.pidx: the leftover is
 * re-indexed when it is published at restart).
 */
void out_sync_run(struct out_sync_job *j, int dirfd, const char *dirpath, output_log_fn *log,
		  void *log_ctx);

/* Build PATH's index by reading it (leftovers, files whose index could not be kept); logs failures. */
void out_index_file(const char *path, output_log_fn *log, void *log_ctx);

#endif
