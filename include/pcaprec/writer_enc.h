/* SPDX-License-Identifier: BSD-2-Clause */
/* Pure pcap and pcapng block encoders behind the writer (internal to src/format; used by unit tests). */
#ifndef PCAPREC_WRITER_ENC_H
#define PCAPREC_WRITER_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcaprec/frame.h"
#include "pcaprec/writer.h"

/*
 * Every encoder writes little-endian into a caller buffer that holds at
 * least the matching *_size() bytes and returns the number of bytes written
 * (always equal to that size). None of them allocate or fail: arguments are
 * validated once by writer_open().
 */

#define PCAP_FILE_HEADER_LEN 24u
#define PCAP_RECORD_HEADER_LEN 16u

/*
 * Longest string the writer puts into one pcapng option (names, OS,
 * filter...): an option's length is 16 bits and if_filter puts a type byte
 * in front, so a filter expression of up to 65534 bytes (a 1000-term
 * or-chain is 20-30 KB) is kept whole.
 */
#define WENC_MAX_STRING 65534u

/* Classic pcap file header (libpcap savefile format, version 2.4). */
size_t pcap_header_encode(uint8_t *p, bool nano, uint32_t snaplen, uint32_t linktype);

/* One classic pcap record: 16-byte header plus the first `caplen` bytes of f->data. */
size_t pcap_record_encode(uint8_t *p, bool nano, const struct frame *f, uint32_t caplen);
/* Only the 16-byte record header of pcap_record_encode(); the caplen data bytes follow it. */
size_t pcap_record_head(uint8_t *p, bool nano, const struct frame *f, uint32_t caplen);

/* pcapng Section Header Block; `meta` may be NULL. */
size_t pcapng_shb_size(const struct writer_meta *meta);
size_t pcapng_shb_encode(uint8_t *p, const struct writer_meta *meta);

/* pcapng Interface Description Block for `ifc`; `os` (if_os) may be NULL. */
size_t pcapng_idb_size(const struct writer_iface *ifc, const char *os);
size_t pcapng_idb_encode(uint8_t *p, const struct writer_iface *ifc, uint32_t snaplen, const char *os);

/* pcapng Enhanced Packet Block carrying `caplen` bytes of `f`, epb_flags when f->dir is known. */
size_t pcapng_epb_size(uint32_t caplen, enum frame_dir dir);
size_t pcapng_epb_encode(uint8_t *p, const struct frame *f, uint32_t caplen);
/*
 * The same block in two pieces around the packet data, so the data can be
 * written from where it lies: head (PCAPNG_EPB_HEAD_LEN bytes: type, total
 * length, interface, timestamp, lengths) + caplen data bytes + tail
 * (padding, epb_flags, end of options, total length) is byte for byte
 * pcapng_epb_encode(). The tail is at most PCAPNG_EPB_TAIL_MAX bytes.
 */
#define PCAPNG_EPB_HEAD_LEN 28u
#define PCAPNG_EPB_TAIL_MAX 19u
size_t pcapng_epb_head(uint8_t *p, const struct frame *f, uint32_t caplen);
size_t pcapng_epb_tail(uint8_t *p, const struct frame *f, uint32_t caplen);

/* pcapng Interface Statistics Block (fixed size). */
#define PCAPNG_ISB_LEN 100u
size_t pcapng_isb_encode(uint8_t *p, uint32_t iface, const struct iface_stats *st);

#endif
