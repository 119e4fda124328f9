/* SPDX-License-Identifier: BSD-2-Clause */
/* Pure encoders for classic pcap headers/records and pcapng SHB, IDB, EPB and ISB blocks. */
#include <string.h>

#include "pcaprec/util.h"
#include "pcaprec/writer_enc.h"

/*
 * Classic pcap (libpcap savefile, draft-gharris-opsawg-pcap section 4 file
 * header, section 5 packet record): magic, version 2.4, thiszone, sigfigs,
 * snaplen, linktype. Written little-endian, so the magic reads
 * d4 c3 b2 a1 (us) or 4d 3c b2 a1 (ns) on disk and readers swap as needed.
 */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du

/* pcapng block types and options, draft-ietf-opsawg-pcapng sections 4.1-4.6. */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_ISB 0x00000005u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_SPEED 8
#define IF_TSRESOL 9
#define IF_FILTER 11
#define IF_OS 12
#define IF_HARDWARE 15
#define EPB_FLAGS 2
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5
#define ISB_FILTERACCEPT 6
#define ISB_OSDROP 7
#define ISB_USRDELIV 8

static size_t pad4(size_t n)
{
	return (n + 3u) & ~(size_t)3u;
}

size_t pcap_header_encode(uint8_t *p, bool nano, uint32_t snaplen, uint32_t linktype)
{
	st_le32(p, nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
	st_le16(p + 4, 2);
	st_le16(p + 6, 4);
	st_le32(p + 8, 0);   /* thiszone: timestamps are UTC */
	st_le32(p + 12, 0);  /* sigfigs: always 0 */
	st_le32(p + 16, snaplen);
	st_le32(p + 20, linktype);
	return PCAP_FILE_HEADER_LEN;
}

size_t pcap_record_head(uint8_t *p, bool nano, const struct frame *f, uint32_t caplen)
{
	uint64_t sec = f->ts_ns / 1000000000u;
	uint32_t frac = (uint32_t)(f->ts_ns % 1000000000u);
	uint32_t origlen = f->origlen < caplen ? caplen : f->origlen;

	/* ts_sec is 32-bit unsigned in the format: good until 2106. */
	st_le32(p, (uint32_t)sec);
	st_le32(p + 4, nano ? frac : frac / 1000u);
	st_le32(p + 8, caplen);
	st_le32(p + 12, origlen);
	return PCAP_RECORD_HEADER_LEN;
}

size_t pcap_record_encode(uint8_t *p, bool nano, const struct frame *f, uint32_t caplen)
{
	pcap_record_head(p, nano, f, caplen);
	if (caplen > 0)
		memcpy(p + PCAP_RECORD_HEADER_LEN, f->data, caplen);
	return PCAP_RECORD_HEADER_LEN + caplen;
}

/*
 * One option (draft-ietf-opsawg-pcapng section 3.5): code, length of the
 * unpadded value, value, zero padding to 32 bits. Returns the next position.
 */
static uint8_t *opt_put(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	size_t padded = pad4(len);

	st_le16(p, code);
	st_le16(p + 2, (uint16_t)len);
	if (len > 0)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, padded - len);
	return p + 4 + padded;
}

static uint8_t *opt_str(uint8_t *p, uint16_t code, const char *s)
{
	return s ? opt_put(p, code, s, strlen(s)) : p;
}

static uint8_t *opt_u64(uint8_t *p, uint16_t code, uint64_t v)
{
	uint8_t b[8];

	st_le32(b, (uint32_t)v);
	st_le32(b + 4, (uint32_t)(v >> 32));
	return opt_put(p, code, b, sizeof b);
}

/* pcapng timestamps (section 4.3): upper 32 bits, then lower 32 bits, in if_tsresol units. */
static void ts_put(uint8_t *p, uint64_t ts)
{
	st_le32(p, (uint32_t)(ts >> 32));
	st_le32(p + 4, (uint32_t)ts);
}

static size_t opt_str_size(const char *s)
{
	return s ? 4 + pad4(strlen(s)) : 0;
}

/*
 * Close a block begun at `start` (section 3.1): the end-of-options marker
 * when options were written, then Block Total Length in the header and the
 * trailer.
 */
static size_t block_finish(uint8_t *start, uint8_t *p, bool had_opts)
{
	size_t total;

	if (had_opts)
		p = opt_put(p, OPT_ENDOFOPT, NULL, 0);
	total = (size_t)(p - start) + 4;
	st_le32(start + 4, (uint32_t)total);
	st_le32(p, (uint32_t)total);
	return total;
}

static bool meta_has_opts(const struct writer_meta *m)
{
	return m && (m->hardware || m->os || m->userappl || m->comment);
}

/* Section Header Block (section 4.1): BOM, version 1.0, section length -1 (unknown). */
size_t pcapng_shb_size(const struct writer_meta *meta)
{
	size_t n = 28;

	if (meta_has_opts(meta))
		n += opt_str_size(meta->comment) + opt_str_size(meta->hardware) +
		     opt_str_size(meta->os) + opt_str_size(meta->userappl) + 4;
	return n;
}

size_t pcapng_shb_encode(uint8_t *p0, const struct writer_meta *meta)
{
	uint8_t *p = p0;

	st_le32(p, PCAPNG_SHB);
	st_le32(p + 8, PCAPNG_BOM);
	st_le16(p + 12, 1);
	st_le16(p + 14, 0);
	st_le32(p + 16, 0xffffffffu);
	st_le32(p + 20, 0xffffffffu);
	p += 24;
	if (meta_has_opts(meta)) {
		p = opt_str(p, OPT_COMMENT, meta->comment);
		p = opt_str(p, SHB_HARDWARE, meta->hardware);
		p = opt_str(p, SHB_OS, meta->os);
		p = opt_str(p, SHB_USERAPPL, meta->userappl);
	}
	return block_finish(p0, p, meta_has_opts(meta));
}

/*
 * Interface Description Block (section 4.2): LinkType (16 bits), reserved,
 * SnapLen (a field, not an option), then if_name, if_description,
 * if_tsresol = 9 (nanoseconds, always present), if_filter (first octet 0:
 * a libpcap filter string), if_os, if_hardware and if_speed (64 bits, bits
 * per second; section 4.2 options 15 and 8) when known.
 */
size_t pcapng_idb_size(const struct writer_iface *ifc, const char *os)
{
	size_t n = 20 + opt_str_size(ifc->name) + opt_str_size(ifc->description) + 8 +
		   opt_str_size(os) + opt_str_size(ifc->hardware) + (ifc->speed ? 12 : 0) + 4;

	if (ifc->filter)
		n += 4 + pad4(1 + strlen(ifc->filter));
	return n;
}

size_t pcapng_idb_encode(uint8_t *p0, const struct writer_iface *ifc, uint32_t snaplen, const char *os)
{
	static const uint8_t tsresol = 9;
	uint8_t *p = p0;

	st_le32(p, PCAPNG_IDB);
	st_le16(p + 8, (uint16_t)ifc->linktype);
	st_le16(p + 10, 0);
	st_le32(p + 12, snaplen);
	p += 16;
	p = opt_str(p, IF_NAME, ifc->name);
	p = opt_str(p, IF_DESCRIPTION, ifc->description);
	p = opt_put(p, IF_TSRESOL, &tsresol, 1);
	if (ifc->filter) {
		size_t len = strlen(ifc->filter);
		size_t padded = pad4(1 + len);

		st_le16(p, IF_FILTER);
		st_le16(p + 2, (uint16_t)(1 + len));
		p[4] = 0;
		memcpy(p + 5, ifc->filter, len);
		memset(p + 5 + len, 0, padded - 1 - len);
		p += 4 + padded;
	}
	p = opt_str(p, IF_OS, os);
	p = opt_str(p, IF_HARDWARE, ifc->hardware);
	if (ifc->speed)
		p = opt_u64(p, IF_SPEED, ifc->speed);
	return block_finish(p0, p, true);
}

/*
 * Enhanced Packet Block (section 4.3): interface id, timestamp, captured and
 * original length, data padded to 32 bits, then epb_flags (section 4.3.1)
 * only when the direction is known: bits 0-1 = 01 inbound, 10 outbound.
 */
size_t pcapng_epb_size(uint32_t caplen, enum frame_dir dir)
{
	bool flags = dir == FRAME_DIR_IN || dir == FRAME_DIR_OUT;

	return 32 + pad4(caplen) + (flags ? 12 : 0);
}

static inline size_t epb_head(uint8_t *p, const struct frame *f, uint32_t caplen, uint32_t total)
{
	uint32_t origlen = f->origlen < caplen ? caplen : f->origlen;

	st_le32(p, PCAPNG_EPB);
	st_le32(p + 4, total);
	st_le32(p + 8, f->iface);
	ts_put(p + 12, f->ts_ns);
	st_le32(p + 20, caplen);
	st_le32(p + 24, origlen);
	return PCAPNG_EPB_HEAD_LEN;
}

static inline size_t epb_tail(uint8_t *p0, const struct frame *f, uint32_t caplen, uint32_t total)
{
	uint8_t *p = p0;
	size_t pad = pad4(caplen) - caplen;

	memset(p, 0, pad);
	p += pad;
	if (f->dir == FRAME_DIR_IN || f->dir == FRAME_DIR_OUT) {
		/* epb_flags: bits 0-1 = 01 inbound, 10 outbound; then end of options */
		st_le16(p, EPB_FLAGS);
		st_le16(p + 2, 4);
		st_le32(p + 4, f->dir == FRAME_DIR_IN ? 1u : 2u);
		st_le32(p + 8, OPT_ENDOFOPT);
		p += 12;
	}
	st_le32(p, total);
	return (size_t)(p + 4 - p0);
}

size_t pcapng_epb_head(uint8_t *p, const struct frame *f, uint32_t caplen)
{
	return epb_head(p, f, caplen, (uint32_t)pcapng_epb_size(caplen, f->dir));
}

size_t pcapng_epb_tail(uint8_t *p, const struct frame *f, uint32_t caplen)
{
	return epb_tail(p, f, caplen, (uint32_t)pcapng_epb_size(caplen, f->dir));
}

size_t pcapng_epb_encode(uint8_t *p, const struct frame *f, uint32_t caplen)
{
	uint32_t total = (uint32_t)pcapng_epb_size(caplen, f->dir);
	size_t n = epb_head(p, f, caplen, total);

	if (caplen > 0)
		memcpy(p + n, f->data, caplen);
	n += caplen;
	return n + epb_tail(p + n, f, caplen, total);
}

/*
 * Interface Statistics Block (section 4.6): interface id, timestamp (the end
 * time), isb_starttime, isb_endtime, isb_ifrecv (isb_filteraccept when a
 * filter decided what was counted), isb_ifdrop, isb_osdrop, isb_usrdeliv.
 */
size_t pcapng_isb_encode(uint8_t *p0, uint32_t iface, const struct iface_stats *st)
{
	uint8_t *p = p0;
	uint8_t ts[8];

	st_le32(p, PCAPNG_ISB);
	st_le32(p + 8, iface);
	ts_put(p + 12, st->end_ns);
	p += 20;
	ts_put(ts, st->start_ns);
	p = opt_put(p, ISB_STARTTIME, ts, sizeof ts);
	ts_put(ts, st->end_ns);
	p = opt_put(p, ISB_ENDTIME, ts, sizeof ts);
	p = opt_u64(p, st->filtered ? ISB_FILTERACCEPT : ISB_IFRECV, st->ifrecv);
	p = opt_u64(p, ISB_IFDROP, st->ifdrop);
	p = opt_u64(p, ISB_OSDROP, st->osdrop);
	p = opt_u64(p, ISB_USRDELIV, st->usrdeliv);
	return block_finish(p0, p, true);
}
