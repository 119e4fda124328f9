/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to the reader files: the reader state shared by the generic layer and the pcap/pcapng parsers. */
#ifndef PCAPREC_READER_IMPL_H
#define PCAPREC_READER_IMPL_H

#include "pcaprec/reader.h"
#include "pcaprec/source.h"
#include "pcaprec/util.h"

/* Answers of a format probe (libpcap's savefile model). */
enum probe_result {
	PROBE_NOT_MINE = 0,
	PROBE_MINE = 1,
	PROBE_BROKEN = -1,
};

enum reader_kind { READER_PCAP, READER_PCAP_NS, READER_PCAPNG };

/* Interface plus what the pcapng parser needs to turn ticks into ns. */
struct rd_iface {
	struct reader_iface pub;
	bool pow2;         /* resolution 2^-exp, else 10^-exp */
	uint8_t exp;
};

struct reader {
	struct source *src;
	char *name;
	enum reader_kind kind;
	int state;               /* 1 reading, 0 clean end, -1 failed */
	bool header_done;        /* past the file header: errors then name a record */
	uint64_t recno;          /* records returned */
	uint64_t rec_off;
	uint32_t rec_flags;
	uint32_t rec_frac;       /* pcap: the record's ts_usec/ts_nsec field as found */
	uint64_t rec_ticks;      /* pcapng EPB/PB: the timestamp as found, in if_tsresol ticks */
	uint32_t rec_caplen, rec_origlen; /* the record's length fields as found */
	char err[768];
	uint64_t err_off;
	/* pcap */
	uint8_t rec_len;         /* record header bytes: 16, or 24 for the a1b2cd34 variant */
	uint8_t lengths_swapped; /* pre-2.4 files: 0 no, 1 when caplen > origlen, 2 always */
	uint32_t snaplen;
	/* pcapng: the interface table spans sections; sec_base is the current section's first */
	bool big_endian;
	bool orders_mixed;       /* a later section's byte order differs from an earlier one's */
	uint32_t sections;
	uint64_t blocks;
	struct rd_iface *ifaces;
	size_t nifaces;
	size_t cap_ifaces;
	size_t sec_base;
	size_t str_bytes;        /* interface strings kept so far (capped) */
	reader_state_fn state_fn; /* told of every pcap header, SHB and IDB (may be NULL) */
	void *state_arg;
};

/* Tell the state callback, if any, of the state block of `len` bytes at `off`. */
static inline void rd_state(struct reader *r, uint64_t off, const uint8_t *p, size_t len)
{
	if (r->state_fn)
		r->state_fn(r->state_arg, off, p, len);
}

/* Set the reader's error (prefixed with name, byte offset and record number) and return -1. */
int rd_fail(struct reader *r, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Byte order helpers for the reader's current file or section (inline: they run per record). */
static inline uint32_t rd_u32(const struct reader *r, const uint8_t *p)
{
	return r->big_endian ? ld_be32(p) : ld_le32(p);
}

static inline uint16_t rd_u16(const struct reader *r, const uint8_t *p)
{
	return r->big_endian ? ld_be16(p) : ld_le16(p);
}

/* Probe and header parse for each format; `p` holds the first `n` (>= 4) bytes. */
enum probe_result pcap_probe(const uint8_t *p, size_t n);
int pcap_read_header(struct reader *r);
int pcap_read_next(struct reader *r, struct frame *out);

enum probe_result pcapng_probe(const uint8_t *p, size_t n);
int pcapng_read_header(struct reader *r);
int pcapng_read_next(struct reader *r, struct frame *out);
void pcapng_free(struct reader *r);

#endif
