/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of src/archive shared by extract, flows and the report: one input file as the query reads it. */
#ifndef PCAPREC_ARCHIVE_INT_H
#define PCAPREC_ARCHIVE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pcaprec/extract.h"
#include "pcaprec/frame.h"
#include "pcaprec/index.h"
#include "pcaprec/reader.h"
#include "pcaprec/select.h"

/*
 * One input: opened on its first read, read to its end (or damage), then
 * released (reader closed) while its numbers stay for the report.
 */
struct arc_file {
	const char *path;            /* the selection's string */
	struct reader *r;
	struct frame next;           /* the packet waiting in the merge */
	bool opened, done, skip, open_failed, released;
	bool indexed;                /* read through a usable index (else scanned whole) */
	uint32_t *map;               /* source interface id -> output interface id (UINT32_MAX: none yet) */
	size_t nmap;
	bool have_range;             /* first_ns/last_ns hold the times of packets read or indexed */
	int64_t first_ns, last_ns;
	bool have_isb;               /* ISB start/end times widen the range the file covers */
	int64_t isb_start, isb_end;
	uint64_t drops;              /* ISB ifdrop + osdrop over the file's interfaces */
	uint64_t bytes;              /* uncompressed bytes read */

	/* with a usable index: only the chunks the window and the predicate may need are read */
	struct pidx *ix;
	const struct selection *sel;
	const struct idx_pred *pred;
	size_t ci;                   /* next chunk to consider */
	uint64_t run_end;            /* raw offset where the chunks being read end */
	uint64_t run_start;
	uint64_t chunks, chunks_skipped;
	bool stale_warned;
};

void arc_file_init(struct arc_file *f, const char *path);

/*
 * Load the file's index when asked and usable (a stale or damaged one is
 * named on diag, one line, and ignored; a capture that ended in damage is
 * scanned whole so the damage is reported as `read` reports it). Returns
 * PIDX_OK when the index will be used.
 */
enum pidx_status arc_file_plan(struct arc_file *f, const struct selection *sel, const struct idx_pred *pred,
			       bool use_index, FILE *diag, const char *cmd);

/* An indexed file none of whose chunks needs reading (its flow table rules it out). */
void arc_file_skip(struct arc_file *f);

/*
 * Next packet of the file: 1 with *out (valid until the next call), 0 at
 * its end, -1 when it could not be opened or is damaged (the message, as
 * `read` words it, already written to diag). After 0 or -1 f->done is set.
 */
int arc_file_next(struct arc_file *f, struct frame *out, FILE *diag, const char *cmd);

/* Close the reader of a finished file, keeping its numbers. */
void arc_file_release(struct arc_file *f);

/* Free everything; the file's numbers go first into the stats via arc_file_account(). */
void arc_file_close(struct arc_file *f);
void arc_file_account(const struct arc_file *f, struct extract_stats *st);

/* The report on diag: files, chunks, bytes, packets, and the coverage of the window. */
void arc_report(const struct extract_opts *o, const struct extract_stats *st,
		const struct arc_file *files, size_t n);

#endif
