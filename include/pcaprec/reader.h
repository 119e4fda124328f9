/* SPDX-License-Identifier: BSD-2-Clause */
/* Offline capture-file readers (pcap in all four magics, pcapng) over plain, gzip or stdin byte sources. */
#ifndef PCAPREC_READER_H
#define PCAPREC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/frame.h"

/*
 * Caps on lengths read from disk (STYLE rule 7). Records with a caplen up to
 * READER_MAX_CAPLEN are accepted even when larger than the file's snaplen
 * or FRAME_MAX_CAPLEN (such records are flagged, see READER_REC_*); libpcap
 * itself stops at 256 KiB for most link types. pcapng blocks are capped at
 * READER_MAX_BLOCK; a file may describe at most READER_MAX_IFACES interfaces.
 */
#define READER_MAX_CAPLEN (16u << 20)
#define READER_MAX_BLOCK (16u << 20)
#define READER_MAX_IFACES 65536u

/* Per-record warnings (reader_record_flags): the record is delivered, but it is not well-formed. */
enum {
	READER_REC_FRAC_OVERFLOW = 1u << 0,   /* pcap us field >= 1000000 (ns field >= 1e9) */
	READER_REC_CAPLEN_GT_ORIGLEN = 1u << 1,
	READER_REC_CAPLEN_GT_SNAPLEN = 1u << 2, /* accepted (libpcap cuts such records to snaplen) */
	READER_REC_BAD_OPTIONS = 1u << 3,     /* pcapng packet block options overrun the block */
	READER_REC_NO_TIME = 1u << 4,         /* pcapng Simple Packet Block: no timestamp (ts_ns is 0) */
	READER_REC_TS_OVERFLOW = 1u << 5,     /* pcapng timestamp (with if_tsoffset) outside unsigned
						 64-bit ns since 1970: ts_ns wrapped */
};

/* The flags that make a record malformed (check: DAMAGED; summary: counted as damaged). */
#define READER_REC_MALFORMED \
	(READER_REC_FRAC_OVERFLOW | READER_REC_CAPLEN_GT_ORIGLEN | READER_REC_BAD_OPTIONS | \
	 READER_REC_TS_OVERFLOW)

/* Which ISB options were present (reader_iface.stats_have). */
enum {
	READER_STAT_STARTTIME = 1u << 0,
	READER_STAT_ENDTIME = 1u << 1,
	READER_STAT_IFRECV = 1u << 2,
	READER_STAT_IFDROP = 1u << 3,
	READER_STAT_FILTERACCEPT = 1u << 4,
	READER_STAT_OSDROP = 1u << 5,
	READER_STAT_USRDELIV = 1u << 6,
};

/*
 * One interface as described by the file: for pcap the single implicit
 * interface from the file header, for pcapng an IDB (plus the counters of
 * the last ISB that named it). Strings are NUL-terminated copies, NULL when
 * the option is absent. Valid until reader_close().
 */
struct reader_iface {
	const char *name;          /* if_name */
	const char *description;   /* if_description */
	const char *filter;        /* if_filter (the string form; byte-code filters omitted) */
	const char *os;            /* if_os */
	uint32_t linktype;         /* LINKTYPE_* (pcap: FCS bits masked off) */
	uint32_t snaplen;          /* 0 = none given */
	uint32_t section;          /* 0-based pcapng section that defined it */
	uint32_t fcslen;           /* if_fcslen, or the pcap header's FCS length; 0 if none */
	uint8_t tsresol;           /* raw if_tsresol byte: bit 7 clear 10^-n, set 2^-n (default 6) */
	int64_t tsoffset;          /* if_tsoffset seconds, already added to frame timestamps */
	uint64_t packets;          /* packet records read so far on this interface */
	uint32_t stats_have;       /* READER_STAT_* */
	uint64_t starttime_ns, endtime_ns;
	uint64_t ifrecv, ifdrop, filteraccept, osdrop, usrdeliv;
};

struct reader;

/*
 * Open a capture file ("-" = stdin). Reads and checks the file header (pcap)
 * or the first Section Header Block (pcapng); gzip input is recognised by
 * its magic. Returns NULL with a message naming the file and byte offset in
 * `err` when the file cannot be opened or is not (or not a valid) capture.
 */
struct reader *reader_open(const char *path, char *err, size_t errlen);

/*
 * Told of every block that sets reading state as the reader meets it: the
 * pcap file header, each pcapng SHB and IDB (the whole block, `len` bytes at
 * raw offset `off`; `p` is valid during the call only).
 */
typedef void (*reader_state_fn)(void *arg, uint64_t off, const uint8_t *p, size_t len);

/* reader_open() calling `fn` (may be NULL) for every state block, the file header's first. */
struct reader *reader_open_state(const char *path, reader_state_fn fn, void *arg, char *err, size_t errlen);

/*
 * A reader that starts inside `path` (a regular file): its state is parsed
 * from `state` (`len` bytes: a file header, or pcapng SHBs and IDBs back to
 * back, as a file would hold them; must outlive the reader), then the file
 * is read from byte `file_off` (raw stream offset `seek_raw`; for gzip the
 * start of a member), skipping forward to raw offset `raw_off`, a record
 * boundary. Used by reader_open_chunk() (index.h).
 */
struct reader *reader_open_resume(const char *path, const uint8_t *state, size_t len,
				  uint64_t file_off, uint64_t seek_raw, uint64_t raw_off,
				  char *err, size_t errlen);

/*
 * The same over `len` bytes at `data` (must outlive the reader; frames point
 * into it). `name` is used in messages.
 */
struct reader *reader_open_mem(const void *data, size_t len, const char *name,
			       char *err, size_t errlen);

/* Free the reader and everything it opened. NULL is a no-op. */
void reader_close(struct reader *r);

/*
 * Read the next packet record into `out` (pcapng: EPB, SPB, obsolete PB;
 * other blocks are consumed on the way). Returns 1 with a frame that stays
 * valid until the next call, 0 at the clean end of the file, -1 on damage or
 * I/O error (reader_error() says where); after 0 or -1 every further call
 * returns the same. Every good record before the damage is delivered first.
 * pcapng frames carry `iface` as an index into the reader's interface table
 * (which spans all sections) and `linktype` of that interface.
 */
int reader_next(struct reader *r, struct frame *out);

/* "FILE: byte N: record M: what was expected, what was found"; "" when no error. */
const char *reader_error(const struct reader *r);

/* Byte offset (uncompressed stream) the error points at; meaningful after -1 from reader_next(). */
uint64_t reader_error_offset(const struct reader *r);

/* The name given at open ("-" reads as "stdin"). */
const char *reader_name(const struct reader *r);

/* "pcap", "pcap-ns" or "pcapng". */
const char *reader_format(const struct reader *r);

/* True when the file was compressed (gzip or zstd). */
bool reader_compressed(const struct reader *r);

/* gzip or zstd input: member starts reached so far (see source_take_members in source.h); 0 otherwise. */
size_t reader_take_members(struct reader *r, uint64_t *file_off, uint64_t *raw_off, size_t max);

/* "gzip" or "zstd" for a compressed file, NULL for a plain one. */
const char *reader_compression(const struct reader *r);

/* Size of the input on disk; for pipes, bytes read so far. */
uint64_t reader_file_size(const struct reader *r);

/* Uncompressed bytes consumed so far (the file size once the end is reached). */
uint64_t reader_bytes(const struct reader *r);

/* Byte offset (in the uncompressed stream) of the record last returned. */
uint64_t reader_offset(const struct reader *r);

/* 1-based number of the record last returned (= packets returned so far). */
uint64_t reader_record_number(const struct reader *r);

/* READER_REC_* warnings for the record last returned. */
uint32_t reader_record_flags(const struct reader *r);

/*
 * What makes the record last returned malformed (READER_REC_MALFORMED), in
 * words naming the field and its value as found in the file: "byte 64:
 * record 2: ts_usec is 1500000, not below 1000000". Empty ("", returns
 * false) when the record is well-formed.
 */
bool reader_record_problem(const struct reader *r, char *buf, size_t len);

/* pcap: the header's snaplen; pcapng: the first interface's (0 before any IDB). */
uint32_t reader_snaplen(const struct reader *r);

/* pcapng sections seen so far (pcap: 1). */
uint32_t reader_section_count(const struct reader *r);

/* Whether pcapng sections read so far have different byte orders (valid; libpcap 1.10 refuses it). */
bool reader_byte_orders_mixed(const struct reader *r);

/*
 * Interfaces described so far (pcap: 1). pcapng IDBs and ISBs may appear
 * anywhere, so the table is complete only after reader_next() returned 0.
 */
size_t reader_iface_count(const struct reader *r);

/* Interface `i` (< reader_iface_count), or NULL. */
const struct reader_iface *reader_iface(const struct reader *r, size_t i);

/*
 * Several files read as one stream: one after another (merge false), or
 * merged by timestamp (merge true; ties keep file order). Frames get
 * `iface` = READER_SET_IFACE(file index, interface index in that file) so
 * interfaces of different files stay distinct.
 */
#define READER_SET_IFACE(file, iface) (((uint32_t)(file) << 16) | ((uint32_t)(iface) & 0xffffu))
#define READER_SET_FILE_OF(id) ((uint32_t)(id) >> 16)
#define READER_SET_LOCAL_OF(id) ((uint32_t)(id) & 0xffffu)
#define READER_SET_MAX_FILES 65535u

struct reader_set;

/* Open every path now (n >= 1); NULL on the first that fails, with its message in err. */
struct reader_set *reader_set_open(const char *const *paths, size_t n, bool merge,
				   char *err, size_t errlen);

/*
 * Next frame of the set: 1 frame (valid until the next call), 0 when every
 * file ended, -1 when a file failed (reader_set_error() says which and
 * why; that file is dropped and the next call goes on with the others).
 */
int reader_set_next(struct reader_set *s, struct frame *out);

/* Message of the last -1 from reader_set_next(). */
const char *reader_set_error(const struct reader_set *s);

/* Number of files in the set, and file `i` (NULL if not opened yet or out of range). */
size_t reader_set_count(const struct reader_set *s);
struct reader *reader_set_reader(const struct reader_set *s, size_t i);

/* Index of the file the last returned frame came from. */
size_t reader_set_current(const struct reader_set *s);

/* Close every file; NULL is a no-op. */
void reader_set_close(struct reader_set *s);

#endif
