/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec extract's engine: the packets of a selection, from every file, merged by time into one capture. */
#ifndef PCAPREC_EXTRACT_H
#define PCAPREC_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pcaprec/select.h"
#include "pcaprec/writer.h"

struct extract_opts {
	const struct selection *sel;  /* paths, window, expression (sel->expr) */
	uint64_t count;               /* stop after this many packets; 0 = all */
	enum out_format format;       /* OUT_PCAPNG, OUT_PCAP_US or OUT_PCAP_NS */
	int gzip_level;               /* -1 plain, 1..9 gzip */
	int zstd_level;               /* 0 none, 1..19 zstd (gzip_level -1) */
	int out_fd;                   /* where the capture goes (a file or a pipe) */
	const char *out_name;         /* for messages ("stdout" for -) */
	const char *comment;          /* pcapng SHB comment (the query); may be NULL */
	bool use_index;               /* false: never look at sidecar indexes */
	const char *cmd;              /* "extract": prefix of messages */
	FILE *diag;                   /* warnings, damage and the report (stderr) */
	bool quiet;                   /* no report, only warnings and errors */
	const char *community_id;     /* keep only the flow with this Community ID; NULL = any */
	uint16_t community_id_seed;
};

/* What the run did (the report's numbers). */
struct extract_stats {
	uint64_t files, files_skipped;     /* files in the selection, skipped without reading */
	uint64_t chunks, chunks_skipped;   /* indexed chunks seen, skipped */
	uint64_t files_unindexed;          /* files scanned without a usable index */
	uint64_t bytes_scanned;            /* uncompressed bytes read */
	uint64_t packets_read, packets_written;
	uint64_t damaged;                  /* files that ended in damage */
};

/*
 * Run the query: every input of o->sel, opened and filtered (the expression
 * compiled per link type met), packets inside the window, merged by time
 * (ties: earlier input first), written to o->out_fd. Warnings, damage (as
 * `read` words it) and the report go to o->diag. Returns an exit code:
 * 0 ok, 1 an input or the output failed, 2 the expression does not compile
 * for a file's link type or the format cannot hold the link types, 3 a file
 * is damaged (every good packet before the damage is written first).
 */
int extract_run(const struct extract_opts *o, struct extract_stats *st);

#endif
