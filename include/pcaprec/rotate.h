/* SPDX-License-Identifier: BSD-2-Clause */
/* Rotation policy and file naming: pure functions of (clock, bytes, packets, config). */
#ifndef PCAPREC_ROTATE_H
#define PCAPREC_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a file ends. */
enum rot_reason {
	ROT_NONE = 0,
	ROT_TIME,      /* -G boundary reached */
	ROT_PACKETS,   /* --rotate-packets count reached */
	ROT_SIZE,      /* -C: the next record would not fit */
	ROT_DEMAND,    /* SIGHUP / pcaprec rotate */
	ROT_EXIT,      /* recorder stopping */
};

/* What the user asked for; a zero limit means "not by this trigger". */
struct rot_config {
	uint64_t max_bytes;    /* -C: uncompressed bytes per file, headers included */
	uint64_t max_packets;  /* --rotate-packets */
	uint64_t interval_ns;  /* -G */
	bool align;            /* boundaries on wall-clock multiples of interval (default) */
	bool utc;              /* align and name in UTC instead of local time */
};

/* What the policy needs to know about the file in progress. */
struct rot_file {
	uint64_t bytes;        /* uncompressed bytes so far, headers included */
	uint64_t packets;      /* records so far */
	uint64_t deadline_ns;  /* time boundary ending this file's period; 0 = none */
};

/* True when any trigger is configured (files are then numbered or templated). */
bool rot_enabled(const struct rot_config *c);

/*
 * The rotation decision. `rec_bytes` is the size of the record about to be
 * appended (writer_record_size), or 0 when asking from the timer or right
 * after an append. Rotate when the time boundary is reached, when the file
 * already holds max_packets records, or when appending would push it past
 * max_bytes. A file without records never rotates by size, so one record
 * larger than the limit gets a file of its own. Time wins over count over
 * size when several apply.
 */
enum rot_reason rot_decide(const struct rot_config *c, const struct rot_file *f,
			   uint64_t now_ns, uint64_t rec_bytes);

/*
 * The time boundary that ends the period running at `now_ns` (always
 * > now_ns), or 0 without -G. Aligned: the next instant whose local (or UTC)
 * wall-clock time is a multiple of the interval counted from the epoch, so
 * 15m gives :00 :15 :30 :45 and 1d local midnight, across DST changes.
 * Not aligned: `prev_ns` + k * interval (the first k that lands after now),
 * or now + interval when `prev_ns` is 0.
 */
uint64_t rot_next_boundary(const struct rot_config *c, uint64_t now_ns, uint64_t prev_ns);

/*
 * Start of the period running at `now_ns`: the latest aligned boundary
 * <= now (aligned -G), else `now_ns`. Used as the name time of a file.
 */
uint64_t rot_period_start(const struct rot_config *c, uint64_t now_ns);

/* Short word for logs: "time", "packets", "size", "demand", "exit". */
const char *rot_reason_name(enum rot_reason r);

/* Longest file name rot_format_name produces (basename, without directory). */
#define ROT_NAME_MAX 255

/*
 * Everything a file name depends on. The template is a file basename
 * (no '/') with strftime fields, plus %n (sequence number, 6 digits or
 * more) and %i (interface names joined by '+').
 */
struct rot_name {
	const char *tmpl;
	uint64_t time_ns;      /* strftime time: period start or first packet */
	bool utc;
	uint64_t seq;          /* %n, and the number of numbered mode */
	const char *ifnames;   /* %i */
	bool numbered;         /* insert "-%n" before the extension (see rot_numbered) */
	unsigned collision;    /* 0, or N: insert "-N" before the extension */
	const char *suffix;    /* appended after everything (".gz"), or NULL */
};

/*
 * Check a basename template: every '%' starts a known field (no flags or
 * width on %n %i %F %T %R %r %X), no control character, the result of an
 * expansion fits ROT_NAME_MAX. Returns 0, or -1 with a message in err.
 */
int rot_template_check(const char *tmpl, char *err, size_t errlen);

/* True when the template has any field (%n, %i or strftime) other than %%. */
bool rot_template_has_fields(const char *tmpl);

/* True when the template has %n. */
bool rot_template_has_seq(const char *tmpl);

/*
 * Whether files get a sequence number inserted before the extension:
 * rotation on and a template without any field ("cap.pcapng" ->
 * "cap-000001.pcapng"), so every file keeps the extension Wireshark knows.
 */
bool rot_numbered(const char *tmpl, const struct rot_config *c);

/*
 * Offset of the extension in a template: the last '.' whose suffix is 1-10
 * letters or digits (".pcapng", ".pcap"), or strlen(tmpl) when there is none.
 */
size_t rot_ext_offset(const char *tmpl);

/* Expand a name into out. Returns 0, or -1 with err when it does not fit. */
int rot_format_name(const struct rot_name *n, char *out, size_t outlen, char *err, size_t errlen);

/*
 * The names one template can give, exactly: the literal text, each field's
 * real values (fixed widths, the names of days and months, hours 00-23...,
 * as strftime writes them with the field's flags), %n and the numbered
 * "-NNNNNN" as 6+ digits, %i as the interface names, an optional collision
 * "-N" before the extension, and the suffix. Nothing else: not
 * "cap-000001-keep.pcapng", not "cap-Monday-notes.pcapng" for "cap-%a".
 * Built with regcomp(3) from the template. NULL with err when the template
 * is too complex (a 256 KiB expression) or out of memory.
 */
struct rot_matcher;

struct rot_matcher *rot_matcher_new(const char *tmpl, bool numbered, bool utc, const char *ifnames,
				    const char *suffix, char *err, size_t errlen);

/*
 * True when `name` is one of the template's names. `seq` (may be NULL) gets
 * its sequence number (numbered mode or the first %n), 0 when it has none.
 */
bool rot_matcher_match(struct rot_matcher *m, const char *name, uint64_t *seq);

void rot_matcher_free(struct rot_matcher *m);

/* First control character (0x01-0x1f, 0x7f) in s, or NULL. Names never contain one. */
const char *rot_has_control(const char *s);

#endif
