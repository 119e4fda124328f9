/* SPDX-License-Identifier: BSD-2-Clause */
/* Capture-file writers: pcap (us and ns) and pcapng encoders over a plain, gzip or zstd file descriptor. */
#ifndef PCAPREC_WRITER_H
#define PCAPREC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/frame.h"

enum out_format {
	OUT_PCAP_US,   /* classic pcap, magic a1b2c3d4, microseconds */
	OUT_PCAP_NS,   /* classic pcap, magic a1b23c4d, nanoseconds */
	OUT_PCAPNG,    /* pcapng, if_tsresol = 9 */
};

/* One capture interface, written as a pcapng Interface Description Block. */
struct writer_iface {
	const char *name;         /* if_name, or NULL */
	const char *description;  /* if_description, or NULL */
	const char *filter;       /* if_filter expression, or NULL */
	uint32_t linktype;        /* LINKTYPE_* */
	uint32_t snaplen;         /* 0 or > FRAME_MAX_CAPLEN: FRAME_MAX_CAPLEN */
	const char *hardware;     /* if_hardware (driver, bus), or NULL */
	uint64_t speed;           /* if_speed in bits per second, 0 = unknown (omitted) */
};

/* Section-wide facts, written as pcapng SHB options; NULL fields are omitted. */
struct writer_meta {
	const char *hardware;     /* shb_hardware */
	const char *os;           /* shb_os and if_os */
	const char *userappl;     /* shb_userappl */
	const char *comment;      /* opt_comment (extract records its query here) */
};

/* Counters for one interface, written as a pcapng Interface Statistics Block. */
struct iface_stats {
	uint64_t start_ns;        /* isb_starttime */
	uint64_t end_ns;          /* isb_endtime and the block timestamp */
	/*
	 * Packets the kernel passed to the socket: written as isb_ifrecv
	 * (received from the interface), or, when `filtered`, as
	 * isb_filteraccept (accepted by the filter), since then the packets
	 * the filter rejected were never counted.
	 */
	uint64_t ifrecv;
	bool filtered;
	uint64_t ifdrop;          /* isb_ifdrop: dropped by the kernel ring */
	uint64_t osdrop;          /* isb_osdrop: dropped by pcaprec (writer behind, disk full) */
	uint64_t usrdeliv;        /* isb_usrdeliv: packets written to the file */
};

/*
 * One compressed member of the file: a gzip member (RFC 1952 section 2.2)
 * or a zstd frame (RFC 8878 section 3.1), complete on its own (its own
 * header and checksum), holding whole records. A compressed file is these
 * back to back; a reader can start inflating at any member's file_off and
 * get the records from raw_off on, without reading what comes before.
 * Members follow each other without gaps: the next one's raw_off is this
 * raw_off + raw_len, its file_off this file_off + file_len.
 */
struct writer_member {
	uint64_t raw_off;         /* uncompressed offset of its first byte (file header at 0) */
	uint64_t raw_len;         /* uncompressed bytes in it */
	uint64_t file_off;        /* offset of its first byte in the file */
	uint64_t file_len;        /* its compressed size */
	uint64_t frames;          /* packet records in it */
	uint64_t index;           /* 0 for the file's first member */
};

/*
 * Told about each member once its bytes are all in the file (write(2) took
 * them), in file order, on the writer's thread, from inside whichever
 * writer call wrote it. A member never goes away afterwards: a failed
 * write only cuts off what came after the last whole member.
 */
typedef void writer_member_fn(void *ctx, const struct writer_member *m);

struct writer_opts {
	enum out_format format;
	int gzip_level;           /* -1: plain; 1..9: gzip members deflated on
				   gzip_threads threads (zpar.h) */
	size_t buffer_size;       /* bytes buffered before a write(2); 0 = default (1 MiB);
				   raised to hold the header plus the largest record
				   (snaplen 0 = 256 KiB), capped at 256 MiB. With
				   compression also the most a member holds */
	const struct writer_meta *meta;
	const struct writer_iface *ifaces;
	size_t nifaces;           /* >= 1; pcap formats accept exactly 1 */
	unsigned gzip_threads;    /* gzip or zstd: compression threads, 0 = one per
				   online CPU (at most 8), max ZPAR_MAX_THREADS */
	int zstd_level;           /* 0: no zstd; 1..19: zstd frames (gzip_level must be -1) */
	writer_member_fn *on_member;  /* NULL, or told of each compressed member */
	void *member_ctx;         /* handed to on_member */
};

struct writer;

/*
 * Start a capture file on `fd` (already open for writing, positioned at 0 or
 * a pipe) and write its header (pcap file header, or pcapng SHB + IDBs) into
 * the buffer: nothing reaches the fd before the first flush or full buffer.
 * `path` is used in error messages only. The writer does not own `fd`; the
 * caller closes it after writer_close(). Strings in meta/ifaces are copied
 * into the header at once and need not outlive the call. Returns NULL and
 * fills `err` on failure (bad options, out of memory). Not thread-safe: one
 * thread per writer.
 */
struct writer *writer_open(int fd, const char *path, const struct writer_opts *opts,
			   char *err, size_t errlen);

/*
 * Bytes one record for `f` will add to the file (before compression), so a
 * rotation policy can decide before appending.
 */
size_t writer_record_size(const struct writer *w, const struct frame *f);

/*
 * Append one frame (f->iface selects the IDB; pcap ignores it). Bytes are
 * buffered and written when the buffer fills. Frames longer than the
 * interface snaplen are cut to it (origlen kept; an origlen below caplen is
 * raised to caplen). f->linktype must equal the interface's (EINVAL).
 *
 * Returns 0 when the frame was accepted, -1 when it was NOT (count it as a
 * drop) with errno-style `*errnum` and a message naming the path. On a write
 * error nothing partial stays in a regular file: it is truncated back to the
 * end of the last whole chunk (a record boundary; compressed: the end of
 * the last whole member), and the unwritten chunk is held, not lost. For 250 ms after a
 * failure writer_write() refuses frames without any syscall, then retries
 * the held chunk; writer_flush() retries at once. When space comes back
 * (ENOSPC, EFBIG), the held frames and new ones land in order. On a pipe or
 * other stream the bytes already written stay and a retry resumes after
 * them.
 */
int writer_write(struct writer *w, const struct frame *f, int *errnum, char *err, size_t errlen);

/*
 * writer_write() without the copy: the record may point at f->data where it
 * lies (a capture ring block) instead of copying it, and the records are
 * later handed to the kernel by one writev(2) per batch. The caller must
 * keep f->data valid and unchanged until the next writer_commit() returns
 * (any other writer call commits first, so file order is kept). gzip
 * and zstd writers copy as writer_write() does. Return value and errors as
 * writer_write().
 */
int writer_write_ref(struct writer *w, const struct frame *f, int *errnum, char *err, size_t errlen);

/*
 * Write every record writer_write_ref() still refers to. Afterwards the
 * writer holds no pointer to caller bytes, also on failure: then the
 * records are copied and held for retry exactly like writer_write()'s after
 * a failed write (a regular file is cut back to its last whole record), and
 * -1 is returned with *errnum and a message. 0 when nothing was referenced.
 */
int writer_commit(struct writer *w, int *errnum, char *err, size_t errlen);

/*
 * Append an Interface Description Block for one more interface (pcapng
 * only: pcap holds one), so frames of it can follow; its id is the number
 * of interfaces before the call. -1 (EINVAL) for pcap, for a link type
 * over 16 bits, or when the interface's snaplen would not fit the buffer
 * chosen at open (give buffer_size room for it, or snaplen 0 ifaces at
 * open). Error behaviour otherwise as writer_write().
 */
int writer_add_iface(struct writer *w, const struct writer_iface *ifc, const char *os,
		     int *errnum, char *err, size_t errlen);

/*
 * Append an Interface Statistics Block for interface `iface` (pcapng only;
 * a no-op returning 0 for pcap). Error behaviour as writer_write().
 */
int writer_write_stats(struct writer *w, uint32_t iface, const struct iface_stats *st,
		       int *errnum, char *err, size_t errlen);

/*
 * Push buffered bytes to the kernel so a reader sees every whole record
 * written so far: a plain file then ends on a record boundary; a compressed
 * one ends the member in progress early (a short member), so the file is
 * then complete, valid gzip or zstd holding exactly those records. `sync`
 * also fsyncs (regular files only). Retries a held chunk at once. Cheap
 * when nothing is buffered.
 */
int writer_flush(struct writer *w, bool sync, int *errnum, char *err, size_t errlen);

/*
 * Flush (ending the last member), fsync (unless the fd is a pipe) and
 * free the writer. Does not close the fd. NULL is a no-op returning 0.
 * The writer is freed even when -1 is returned; the message then ends with
 * "; N frames lost at close" (writer_close_lost() returns N). The file is
 * still cut at its last whole record (compressed: its last whole member),
 * so it stays a valid file holding the frames before those lost.
 */
int writer_close(struct writer *w, int *errnum, char *err, size_t errlen);

/*
 * writer_close() that also stores in *lost (may be NULL) how many accepted
 * frames never reached the file: 0 on success, exact on failure (it can be
 * fewer than writer_pending_frames() read before, when close's own retry
 * got part of them out).
 */
int writer_close_lost(struct writer *w, uint64_t *lost, int *errnum, char *err, size_t errlen);

/*
 * writer_close_lost() with the fsync made optional: with `sync` false every
 * byte is handed to the kernel but not forced to the disk; the caller
 * fsyncs the fd itself (output does it on another thread).
 */
int writer_finish(struct writer *w, bool sync, uint64_t *lost, int *errnum, char *err, size_t errlen);

/* Uncompressed bytes accepted so far, headers included. */
uint64_t writer_bytes(const struct writer *w);

/*
 * The last compressed member written whole (see struct writer_member):
 * true and *m filled, false for a plain writer or before the first one.
 */
bool writer_last_member(const struct writer *w, struct writer_member *m);

/*
 * The file header writer_open() laid out (pcap file header, or SHB and
 * every IDB): true with the bytes at *p (valid until the next writer call)
 * while nothing else was written or flushed, false afterwards.
 */
bool writer_header(const struct writer *w, const uint8_t **p, size_t *len);

/*
 * Compressed writers: the uncompressed offset at which the member being
 * filled begins (a record written now that makes this equal to its own
 * offset starts a new member). Plain writers: writer_bytes().
 */
uint64_t writer_member_start(const struct writer *w);

/* Frames accepted so far. */
uint64_t writer_frames(const struct writer *w);

/*
 * Bytes handed to the kernel in whole chunks so far (compressed bytes for
 * gzip and zstd; the file header included). For a regular file this is the file's
 * size minus its size at open, so rotation by on-disk size can use it.
 */
uint64_t writer_disk_bytes(const struct writer *w);

/*
 * Frames accepted by writer_write() but not yet handed to the kernel
 * (buffered, or held for retry after a failed write). Frames that are
 * still pending when writer_close() fails are lost: count them as drops.
 */
uint64_t writer_pending_frames(const struct writer *w);

/* "pcap", "pcap-ns", "pcapng". */
const char *out_format_name(enum out_format f);

/* Parse a --format value; false if unknown. */
bool out_format_parse(const char *s, enum out_format *out);

/*
 * Pick the format from an output file name, ignoring a trailing ".gz" or
 * ".zst" and case: "*.pcapng" -> OUT_PCAPNG, "*.pcap" -> OUT_PCAP_US (microseconds,
 * what tcpdump users expect). False for any other name.
 */
bool out_format_from_name(const char *path, enum out_format *out);

/* Levels a .gz or .zst name (and -z gzip, -z zstd) mean without a LEVEL. */
#define OUT_GZIP_DEFAULT_LEVEL 6
#define OUT_ZSTD_DEFAULT_LEVEL 3

/* True when `path` ends in ".gz" (any case): the caller should ask for gzip. */
bool out_name_is_gzip(const char *path);

/* True when `path` ends in ".zst" (any case): the caller should ask for zstd. */
bool out_name_is_zstd(const char *path);

#endif
