/* SPDX-License-Identifier: BSD-2-Clause */
/* File validation for `pcaprec check`: our reader against libpcap, record by record. */
#ifndef PCAPREC_CHECK_H
#define PCAPREC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/frame.h"

enum check_status {
	CHECK_OK = 0,
	CHECK_DAMAGED = 1,   /* damage found, or the two readers disagree */
	CHECK_UNREADABLE = 2 /* the file could not be opened at all (missing, permissions) */
};

/* What libpcap had to say about the file. */
enum check_libpcap {
	CHECK_PCAP_AGREES = 0,   /* read every record and matched ours */
	CHECK_PCAP_REFUSED,      /* a valid file libpcap does not support (pcapng with mixed link types) */
	CHECK_PCAP_FAILED,       /* libpcap reported damage or disagreed */
	CHECK_PCAP_NOT_USED,     /* stdin: only our reader ran */
};

struct check_opts {
	bool use_libpcap;        /* false: our reader only */
	/* Hook for --filter: count only frames for which this returns true (NULL: all). */
	bool (*filter)(void *ctx, const struct frame *f);
	void *filter_ctx;
};

struct check_result {
	enum check_status status;
	enum check_libpcap libpcap;
	char format[16];         /* "pcap", "pcap-ns", "pcapng" or "" if not recognised */
	bool compressed;
	char compression[8];     /* "gzip", "zstd", or "" */
	uint64_t packets;        /* records our reader delivered */
	uint64_t matched;        /* records accepted by the filter hook */
	uint64_t bytes;          /* sum of caplen */
	uint64_t first_ns, last_ns;
	uint64_t file_size;
	uint32_t sections;
	uint32_t ifaces;
	uint64_t caplen_gt_snaplen;  /* records with this warning (not damage) */
	bool has_offset;
	uint64_t damage_offset;  /* byte offset (uncompressed) of the first damage */
	uint64_t damage_record;  /* 1-based record number there */
	char reason[1024];       /* why DAMAGED/UNREADABLE, or the note on REFUSED */
};

/*
 * Validate `path` ("-" = stdin, ours only): read it with pcaprec's reader
 * and, unless told not to, with libpcap (pcap_open_offline with nanosecond
 * precision; gzip input is fed to libpcap through zlib's own gzread, not
 * through our decoder), comparing record count, caplen, origlen, timestamp
 * and bytes in lockstep. Records our reader flags (fraction of a second out
 * of range, caplen > origlen, bad pcapng packet options) count as damage.
 * Never fails: the outcome is in `res`.
 */
void check_file(const char *path, const struct check_opts *opts, struct check_result *res);

/* "OK", "DAMAGED", "UNREADABLE". */
const char *check_status_name(enum check_status s);

#endif
