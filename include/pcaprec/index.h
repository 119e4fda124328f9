/* SPDX-License-Identifier: BSD-2-Clause */
/* The sidecar index of a capture file: builder fed by frames, writer, loader/validator, chunk predicate, chunk reader. */
#ifndef PCAPREC_INDEX_H
#define PCAPREC_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/frame.h"
#include "pcaprec/reader.h"

/*
 * An index only ever narrows where to look: a chunk whose Bloom filter says
 * "no" holds no packet with that key; "maybe" means read it. The exact
 * filter always runs on what is read. The byte layout is in
 * doc/index-format.md.
 *
 * Location: beside the capture, named CAPTURE + PIDX_SUFFIX
 * ("cap-000001.pcapng.gz.pidx"), written to a temporary name in the same
 * directory and renamed. A capture without a sidecar is simply unindexed.
 */
#define PIDX_SUFFIX ".pidx"
#define PIDX_VERSION 2u
#define PIDX_MAX_FILE (256u << 20)         /* largest sidecar the loader reads */
#define PIDX_CHUNK_BYTES (1u << 20)        /* default raw bytes per chunk (plain files) */
#define PIDX_MAX_FLOWS_DEFAULT 65536u      /* default flow-table cap per file */
#define PIDX_MAX_FLOWS 4194304u            /* largest cap accepted */

/* One capture's loaded, verified index (opaque). */
struct pidx;

enum pidx_status {
	PIDX_OK = 0,     /* loaded, checksum and fingerprint match */
	PIDX_NONE = 1,   /* no sidecar */
	PIDX_STALE = 2,  /* sidecar is sound but describes another state of the capture */
	PIDX_BAD = 3,    /* sidecar unreadable, wrong version, bad checksum, out-of-bounds field */
};

/*
 * Load CAPTURE's sidecar and check it against the capture as it is now
 * (size, mtime, CRC-32 of its first and last 64 KiB). PIDX_OK sets *out
 * (free with pidx_free); any other status leaves *out NULL and, for
 * PIDX_STALE/PIDX_BAD, writes one line saying why into `why` (naming the
 * sidecar). A mismatch is never trusted.
 */
enum pidx_status pidx_load(const char *capture, struct pidx **out, char *why, size_t whylen);

/*
 * Parse and verify a sidecar held in memory (`len` bytes, copied). The
 * capture fingerprint is NOT compared (pidx_fingerprint_matches does that);
 * everything else is: magic, version, checksum, every offset and count.
 * PIDX_OK or PIDX_BAD. `name` is used in `why`. For tests and fuzzing.
 */
enum pidx_status pidx_parse(const void *data, size_t len, const char *name,
			    struct pidx **out, char *why, size_t whylen);

/* Does CAPTURE on disk still match ix's fingerprint? false with a reason otherwise. */
bool pidx_fingerprint_matches(const struct pidx *ix, const char *capture, char *why, size_t whylen);

/*
 * What `pcaprec check` says of CAPTURE's sidecar, given its own full read
 * of the capture (`read_ok`: the capture read whole and sound; then
 * `packets` and `first_ns`/`last_ns` must match the index's): PIDX_NONE,
 * PIDX_STALE, PIDX_BAD (also when the index loads but disagrees with the
 * read), or PIDX_OK. `why` says what for STALE/BAD.
 */
enum pidx_status pidx_verify(const char *capture, bool read_ok, uint64_t packets,
			     uint64_t first_ns, uint64_t last_ns, char *why, size_t whylen);

/* Free a loaded index; NULL is a no-op. */
void pidx_free(struct pidx *ix);

/* "CAPTURE.pidx" into buf; -1 when it does not fit. */
int pidx_path(const char *capture, char *buf, size_t len);

/* True when `path` ends in PIDX_SUFFIX (or is one of our temporary sidecars). */
bool pidx_is_sidecar_name(const char *path);

/*
 * A run of whole records a reader can start at. For plain files
 * file_off == seek_raw == raw_off. For a compressed file, file_off is the
 * start of a gzip member (inflating from there yields the stream from raw
 * offset seek_raw), and the chunk's first record starts at raw_off >= seek_raw.
 */
struct pidx_chunk {
	uint64_t file_off;     /* where to start reading in the file */
	uint64_t seek_raw;     /* raw (uncompressed) offset reached by starting at file_off */
	uint64_t raw_off;      /* raw offset of the chunk's first record (chunk 0: 0, the file header) */
	uint64_t raw_len;      /* raw bytes from raw_off to the end of its last record */
	int64_t first_ns;      /* time range of its records (pcapng SPB: no time, counts as 0) */
	int64_t last_ns;
	uint64_t packets;
	uint64_t bytes;        /* sum of original lengths */
	uint32_t flags;        /* PIDX_CHUNK_* */
};

enum {
	/*
	 * The chunk holds a packet whose keys the index could not take apart
	 * (unknown link type, malformed IP header, too many VLAN tags, key set
	 * overflow): pidx_chunk_may_match() answers "maybe" for every predicate.
	 */
	PIDX_CHUNK_WILD = 1u << 0,
};

size_t pidx_nchunks(const struct pidx *ix);
/* Chunk i (< pidx_nchunks), or NULL. */
const struct pidx_chunk *pidx_chunk(const struct pidx *ix, size_t i);

/*
 * Raw offset after the last indexed record: bytes from here on are not
 * described by the index (a damaged tail, or nothing: the raw size).
 */
uint64_t pidx_tail_raw(const struct pidx *ix);

/* Whole-file facts. */
struct pidx_info {
	uint64_t cap_size;     /* capture size on disk when indexed */
	int64_t cap_mtime_ns;
	uint64_t raw_size;     /* uncompressed bytes the reader consumed (= pidx_tail_raw) */
	uint64_t packets, bytes;
	int64_t first_ns, last_ns;  /* 0, 0 when no packets */
	const char *format;    /* "pcap", "pcap-ns", "pcapng" */
	bool compressed;
	bool damaged;          /* the capture's reader stopped at damage at raw_size */
};
void pidx_get_info(const struct pidx *ix, struct pidx_info *out);

/* Keys the index holds, per chunk (a superset of what each packet carries). */
enum idx_key_kind {
	IDX_IP4 = 1,     /* IPv4 source/destination, ARP/RARP sender/target (4 bytes) */
	IDX_IP6 = 2,     /* IPv6 source/destination (16 bytes) */
	IDX_NET4 = 3,    /* IPv4 prefix /8 /16 /24 (prefix rounded down to one of these) */
	IDX_NET6 = 4,    /* IPv6 prefix /32 /48 /64 */
	IDX_PORT = 5,    /* TCP, UDP or SCTP source/destination port (2 bytes, big-endian) */
	IDX_PROTO = 6,   /* IPv4 protocol / IPv6 upper-layer next header (1 byte) */
	IDX_ETYPE = 7,   /* ethertype of the network layer (2 bytes, big-endian) */
	IDX_VLAN = 8,    /* any 802.1Q VLAN id in the stack (2 bytes, big-endian) */
};

/*
 * A conservative predicate over indexed keys: a tree of AND, OR, KEY and
 * ALL nodes. Constructors take ownership of their arguments (also on
 * failure) and return NULL only when out of memory.
 */
struct idx_pred;
struct idx_pred *idx_pred_all(void);
/*
 * A key of `kind` with `len` bytes (network order). For IDX_NET4/IDX_NET6
 * `prefix` is the prefix length: it is rounded down to the longest indexed
 * prefix (4: 8/16/24, 32 = IDX_IP4; 6: 32/48/64, 128 = IDX_IP6), and a
 * prefix shorter than the shortest indexed one gives ALL. Other kinds
 * ignore `prefix`. A length that does not fit the kind gives ALL.
 */
struct idx_pred *idx_pred_key(enum idx_key_kind kind, const uint8_t *bytes, size_t len, unsigned prefix);
struct idx_pred *idx_pred_and(struct idx_pred *a, struct idx_pred *b);
struct idx_pred *idx_pred_or(struct idx_pred *a, struct idx_pred *b);
void idx_pred_free(struct idx_pred *p);
/* True when p is (or folded to) ALL: no chunk can be skipped on it. */
bool idx_pred_is_all(const struct idx_pred *p);

/* May chunk i hold a packet satisfying p? false only when certain. NULL p = ALL. */
bool pidx_chunk_may_match(const struct pidx *ix, size_t i, const struct idx_pred *p);

/*
 * The per-file flow table: one row per conversation (5-tuple + outer VLAN),
 * both directions; src/sport are the sender of its first packet. Non-IP
 * packets have no flow. Capped at build time: pidx_flows_complete() is
 * false when packets were left out of it.
 */
struct pidx_flow {
	uint8_t family;        /* 4 or 6 */
	uint8_t proto;         /* IP protocol */
	uint16_t vlan;         /* outer VLAN id + 1, 0 = untagged */
	uint8_t src[16], dst[16];   /* IPv4 in the first 4 bytes */
	uint16_t sport, dport; /* 0 for protocols without ports */
	int64_t first_ns, last_ns;
	uint64_t packets, bytes;
};
/*
 * pidx_load checks everything but the flow table (its own CRC-32, inflated on demand):
 * pidx_flows_load checks and parses it, PIDX_OK or PIDX_BAD with a reason (and stays so).
 * Until it returned PIDX_OK, pidx_nflows is 0 and pidx_flows_complete false.
 */
enum pidx_status pidx_flows_load(struct pidx *ix, char *why, size_t whylen);
size_t pidx_nflows(const struct pidx *ix);
const struct pidx_flow *pidx_flow(const struct pidx *ix, size_t i);
bool pidx_flows_complete(const struct pidx *ix);

/* Per-interface totals of the file: packets seen and the last ISB counters (pcapng). */
struct pidx_iface {
	uint32_t linktype;
	uint32_t stats_have;   /* READER_STAT_* */
	uint64_t packets;
	uint64_t starttime_ns, endtime_ns;
	uint64_t ifrecv, ifdrop, filteraccept, osdrop, usrdeliv;
};
size_t pidx_nifaces(const struct pidx *ix);
const struct pidx_iface *pidx_iface(const struct pidx *ix, size_t i);

/*
 * A reader positioned at chunk i: the file header / pcapng section and
 * interface blocks in effect there are re-read from the copy the index
 * keeps, so frames carry the same `iface` numbers and timestamps as a read
 * from the start; then it reads the capture from the chunk's first record
 * to the end of the file (the caller stops after pidx_chunk(i)->raw_off +
 * raw_len, see reader_offset()). reader_offset() gives raw offsets of the
 * whole stream. NULL with a message on failure.
 */
struct reader *reader_open_chunk(const char *path, const struct pidx *ix, size_t i,
				 char *err, size_t errlen);

/* ---- building ---- */

struct pidx_build_opts {
	uint64_t chunk_bytes;  /* raw bytes per chunk; 0 = PIDX_CHUNK_BYTES */
	uint32_t max_flows;    /* flow-table cap; 0 = PIDX_MAX_FLOWS_DEFAULT */
};

/*
 * Collects one file's index from its records as they are read or written.
 * Allocates at creation and when a table grows (rarely, by doubling), never
 * per record. One thread per builder.
 */
struct pidx_builder;
struct pidx_builder *pidx_builder_new(const struct pidx_build_opts *o, char *err, size_t errlen);
/* Forget everything collected and start a new file (keeps the memory). */
void pidx_builder_reset(struct pidx_builder *b);
void pidx_builder_free(struct pidx_builder *b);

/* Format of the file being described: "pcap", "pcap-ns" or "pcapng"; compressed or not. */
void pidx_builder_format(struct pidx_builder *b, const char *format, bool compressed);

/*
 * A block that sets reading state, at raw offset `raw_off`: the pcap file
 * header, or a pcapng SHB or IDB (exact bytes). Kept so a chunk reader can
 * restore the state. -1 when the state copy would exceed its cap (the file
 * then gets no further chunk starts: still correct, less seekable).
 */
int pidx_builder_state(struct pidx_builder *b, uint64_t raw_off, const uint8_t *p, size_t len);

/*
 * A compressed member starts at `file_off` in the file, inflating to the
 * stream from `raw_off`. The first record starting at or after raw_off
 * then starts a new chunk. Plain files need no members.
 */
void pidx_builder_member(struct pidx_builder *b, uint64_t file_off, uint64_t raw_off);

/*
 * The same when the member's file offset is not known yet (a compressed
 * writer reports it once the member is written): pidx_builder_member_file()
 * fills it in later. A chunk whose offset never arrives fails the write.
 */
void pidx_builder_member_raw(struct pidx_builder *b, uint64_t raw_off);
void pidx_builder_member_file(struct pidx_builder *b, uint64_t raw_off, uint64_t file_off);

/* One record of `rec_len` raw bytes at raw offset `raw_off` holding frame f. */
void pidx_builder_add(struct pidx_builder *b, const struct frame *f, uint64_t raw_off, uint32_t rec_len);

/* Interface i's totals (pcapng ISB counters etc.); grows the table as needed. -1 out of memory. */
int pidx_builder_iface(struct pidx_builder *b, uint32_t i, const struct pidx_iface *st);

/*
 * The reader stopped at damage at `raw_off` (or the stream ends there):
 * the index describes [0, raw_off) only.
 */
void pidx_builder_end(struct pidx_builder *b, uint64_t raw_off, bool damaged);

/*
 * Write the sidecar of CAPTURE (fingerprinted now, as it is on disk) to a
 * temporary name beside it and rename it into place. With `tmp_only`,
 * leave it under the temporary name written into tmp_out (for a caller
 * that renames it together with the capture). 0 or -1 with a message.
 */
int pidx_builder_write(struct pidx_builder *b, const char *capture, bool tmp_only,
		       char *tmp_out, size_t tmp_len, char *err, size_t errlen);

/*
 * The sidecar's bytes (malloc'd, *out) for the capture open on `fd`
 * (readable; fingerprinted now: write it only after the last byte of the
 * capture). For a caller that writes and renames the sidecar itself.
 */
int pidx_builder_serialize_fd(struct pidx_builder *b, int fd, const char *capture,
			      uint8_t **out, size_t *len, char *err, size_t errlen);

/*
 * Deflate the flow table of sidecar bytes from pidx_builder_serialize_fd()
 * (*buf, *len; malloc'd, may be replaced): about 2.5x smaller. Slow enough
 * (tens of ms for a full table) to belong on a thread that may wait, not
 * the capture path. Leaves them as they are when it would not help.
 */
void pidx_deflate_flows(uint8_t **buf, size_t *len);

/*
 * Read CAPTURE through the reader and write its sidecar. 0 when written
 * (also when the capture ends in damage: the message then says where and
 * *damaged is set), -1 when it cannot be read, -2 when it changed while
 * being read or the sidecar could not be written (a failure, not damage).
 */
int pidx_build_file(const char *capture, const struct pidx_build_opts *o, bool *damaged,
		    char *err, size_t errlen);

#endif
