/* SPDX-License-Identifier: BSD-2-Clause */
/* pcapng reader: sections, interfaces, packet blocks (EPB, SPB, obsolete PB) and statistics, every length checked. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"
#include "reader_impl.h"

/*
 * Block types and layouts from draft-ietf-opsawg-pcapng (section numbers
 * of draft -02): every block is type (4), total length (4), body, total
 * length again (4), all in the byte order of the section's SHB.
 */
#define BT_SHB 0x0a0d0d0au   /* 4.1 Section Header Block */
#define BT_IDB 1u            /* 4.2 Interface Description Block */
#define BT_PB 2u             /* Appendix: obsolete Packet Block */
#define BT_SPB 3u            /* 4.4 Simple Packet Block */
#define BT_NRB 4u            /* 4.5 Name Resolution Block (skipped) */
#define BT_ISB 5u            /* 4.6 Interface Statistics Block */
#define BT_EPB 6u            /* 4.3 Enhanced Packet Block */
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define STR_BUDGET (8u << 20) /* interface strings kept per reader */

/* One option (3.5): code (2), length (2), value padded to 4 bytes. */
struct ng_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *val;
};

enum probe_result pcapng_probe(const uint8_t *p, size_t n)
{
	/* The SHB type reads the same in both byte orders on purpose. */
	return n >= 4 && ld_le32(p) == BT_SHB ? PROBE_MINE : PROBE_NOT_MINE;
}

static uint64_t rd_u64(const struct reader *r, const uint8_t *p)
{
	return r->big_endian ? ld_be64(p) : ld_le64(p);
}

/* Timestamps are two 32-bit halves, high first, each in section byte order. */
static uint64_t rd_ts(const struct reader *r, const uint8_t *p)
{
	return ((uint64_t)rd_u32(r, p) << 32) | rd_u32(r, p + 4);
}

/* Next option in `c`: 1 with `o` filled, 0 at opt_endofopt or end of area, -1 if it overruns the area. */
static int ng_opt_next(const struct reader *r, struct cursor *c, struct ng_opt *o)
{
	size_t padded;

	if (cur_left(c) < 4)
		return 0;
	o->code = rd_u16(r, c->p);
	o->len = rd_u16(r, c->p + 2);
	if (o->code == 0)
		return 0;
	padded = ((size_t)o->len + 3u) & ~(size_t)3u;
	if (padded > cur_left(c) - 4)
		return -1;
	o->val = c->p + 4;
	c->p += 4 + padded;
	return 1;
}

/* Ticks of the interface's if_tsresol in ns; *ovf set when they do not fit 64 bits. */
static uint64_t ticks_to_ns(const struct rd_iface *f, uint64_t t, bool *ovf)
{
	static const uint64_t pow10[] = { 1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
		10000000u, 100000000u, 1000000000u, 10000000000u };

	if (f->pow2) {
		unsigned __int128 v = ((unsigned __int128)t * 1000000000u) >> f->exp;

		*ovf |= v > UINT64_MAX;
		return (uint64_t)v;
	}
	if (f->exp <= 9) {
		*ovf |= t > UINT64_MAX / pow10[9 - f->exp];
		return t * pow10[9 - f->exp];
	}
	return t / pow10[f->exp - 9];
}

/*
 * Ticks to ns since the epoch, with if_tsoffset (seconds) added. A time
 * that does not fit unsigned 64-bit nanoseconds (before 1970 or after
 * 2554) sets *ovf and is returned wrapped, for the caller to flag.
 */
static uint64_t iface_time(const struct rd_iface *f, uint64_t t, bool *ovf)
{
	__int128 v = (__int128)ticks_to_ns(f, t, ovf) + (__int128)f->pub.tsoffset * 1000000000;

	*ovf |= v < 0 || v > (__int128)UINT64_MAX;
	return (uint64_t)v;
}

static void ng_free_strings(struct reader_iface *f)
{
	free((char *)f->name);
	free((char *)f->description);
	free((char *)f->filter);
	free((char *)f->os);
}

void pcapng_free(struct reader *r)
{
	for (size_t i = 0; r->kind == READER_PCAPNG && i < r->nifaces; i++)
		ng_free_strings(&r->ifaces[i].pub);
	free(r->ifaces);
	r->ifaces = NULL;
	r->nifaces = 0;
}

/* A NUL-terminated copy of an option string, or NULL once the reader's string budget is spent. */
static const char *ng_strdup(struct reader *r, const uint8_t *p, size_t len)
{
	char *s;

	if (r->str_bytes + len + 1 > STR_BUDGET)
		return NULL;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	r->str_bytes += len + 1;
	return s;
}

static int ng_check_len(struct reader *r, uint64_t off, uint32_t type, uint32_t len, uint32_t min)
{
	if (len < min)
		return rd_fail(r, off + 4, "block type 0x%08x: expected a total length of at least %u, found %u",
			       type, min, len);
	if (len % 4 != 0)
		return rd_fail(r, off + 4, "block type 0x%08x: expected a total length that is a multiple of 4, found %u",
			       type, len);
	if (len > READER_MAX_BLOCK)
		return rd_fail(r, off + 4, "block type 0x%08x: total length %u exceeds the maximum of %u",
			       type, len, READER_MAX_BLOCK);
	return 0;
}

/* Make the whole block of `len` bytes at `off` available and check its trailing length copy. */
static int ng_load_block(struct reader *r, uint64_t off, uint32_t type, uint32_t len, const uint8_t **p)
{
	size_t n;
	int rc = source_need(r->src, len, p, &n);
	uint32_t trailer;

	if (rc < 0)
		return rd_fail(r, off, "%s", source_error(r->src));
	if (rc > 0)
		return rd_fail(r, off, "truncated block type 0x%08x: expected %u bytes, found %zu before the end of the file",
			       type, len, n);
	trailer = rd_u32(r, *p + len - 4);
	if (trailer != len)
		return rd_fail(r, off + len - 4, "block type 0x%08x: expected trailing length %u (as in the header), found %u",
			       type, len, trailer);
	return 0;
}

/*
 * 4.1 SHB options (after magic 4, version 4, section length 8): none is
 * used, but each must lie inside the block, as libpcap does not check.
 */
static int ng_shb_options(struct reader *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct cursor c = cur_make(p + 24, len - 28u);
	struct ng_opt o;
	int rc;

	while ((rc = ng_opt_next(r, &c, &o)) > 0)
		;
	if (rc < 0)
		return rd_fail(r, off + (uint64_t)(c.p - p),
			       "Section Header Block: option %u of length %u overruns the block",
			       o.code, o.len);
	return 0;
}

/* 4.1: a new section; its byte-order magic decides how everything up to the next SHB is read. */
static int ng_read_shb(struct reader *r, uint64_t off)
{
	const uint8_t *p;
	size_t n;
	uint32_t len;
	uint16_t major;
	int rc = source_need(r->src, 12, &p, &n);

	if (rc < 0)
		return rd_fail(r, off, "%s", source_error(r->src));
	if (rc > 0)
		return rd_fail(r, off, "truncated Section Header Block: expected at least 12 bytes, found %zu", n);
	bool was_big = r->big_endian;

	if (ld_be32(p + 8) == BYTE_ORDER_MAGIC)
		r->big_endian = true;
	else if (ld_le32(p + 8) == BYTE_ORDER_MAGIC)
		r->big_endian = false;
	else
		return rd_fail(r, off + 8, "Section Header Block: expected byte-order magic 1a2b3c4d, found %02x%02x%02x%02x",
			       p[8], p[9], p[10], p[11]);
	if (r->sections > 0 && r->big_endian != was_big)
		r->orders_mixed = true; /* 4.1: each section has its own byte order */
	len = rd_u32(r, p + 4);
	if (ng_check_len(r, off, BT_SHB, len, 28) < 0 || ng_load_block(r, off, BT_SHB, len, &p) < 0)
		return -1;
	major = rd_u16(r, p + 12);
	if (major != 1)
		return rd_fail(r, off + 12, "Section Header Block: expected version 1.x, found %u.%u",
			       major, rd_u16(r, p + 14));
	if (ng_shb_options(r, off, p, len) < 0)
		return -1;
	r->sections++;
	r->sec_base = r->nifaces;
	r->blocks++;
	rd_state(r, off, p, len);
	source_advance(r->src, len);
	return 0;
}

int pcapng_read_header(struct reader *r)
{
	r->kind = READER_PCAPNG;
	return ng_read_shb(r, 0);
}

static struct rd_iface *ng_add_iface(struct reader *r, uint64_t off)
{
	if (r->nifaces == r->cap_ifaces) {
		size_t ncap = r->cap_ifaces ? r->cap_ifaces * 2 : 4;
		struct rd_iface *n;

		if (r->nifaces >= READER_MAX_IFACES) {
			rd_fail(r, off, "Interface Description Block: more than %u interfaces in one file",
				READER_MAX_IFACES);
			return NULL;
		}
		n = realloc(r->ifaces, ncap * sizeof *n);
		if (!n) {
			rd_fail(r, off, "out of memory for %zu interfaces", ncap);
			return NULL;
		}
		r->ifaces = n;
		r->cap_ifaces = ncap;
	}
	memset(&r->ifaces[r->nifaces], 0, sizeof r->ifaces[0]);
	return &r->ifaces[r->nifaces++];
}

/* if_tsresol (4.2): bit 7 clear means 10^-n seconds, set means 2^-n. */
static int ng_tsresol(struct reader *r, uint64_t off, struct rd_iface *f, const struct ng_opt *o)
{
	uint8_t v;

	if (o->len != 1)
		return rd_fail(r, off, "if_tsresol: expected length 1, found %u", o->len);
	v = o->val[0];
	f->pub.tsresol = v;
	f->pow2 = (v & 0x80u) != 0;
	f->exp = v & 0x7fu;
	if ((f->pow2 && f->exp > 63) || (!f->pow2 && f->exp > 19))
		return rd_fail(r, off, "if_tsresol: expected at most 10^-19 or 2^-63 seconds, found 0x%02x", v);
	return 0;
}

static int ng_idb_option(struct reader *r, uint64_t off, struct rd_iface *f, const struct ng_opt *o)
{
	switch (o->code) {
	case 2:   /* if_name */
		if (!f->pub.name)
			f->pub.name = ng_strdup(r, o->val, o->len);
		return 0;
	case 3:   /* if_description */
		if (!f->pub.description)
			f->pub.description = ng_strdup(r, o->val, o->len);
		return 0;
	case 9:
		return ng_tsresol(r, off, f, o);
	case 11:  /* if_filter: first byte 0 = libpcap filter string */
		if (!f->pub.filter && o->len >= 1 && o->val[0] == 0)
			f->pub.filter = ng_strdup(r, o->val + 1, o->len - 1u);
		return 0;
	case 12:  /* if_os */
		if (!f->pub.os)
			f->pub.os = ng_strdup(r, o->val, o->len);
		return 0;
	case 13:  /* if_fcslen */
		if (o->len == 1)
			f->pub.fcslen = o->val[0];
		return 0;
	case 14:  /* if_tsoffset, signed seconds */
		if (o->len != 8)
			return rd_fail(r, off, "if_tsoffset: expected length 8, found %u", o->len);
		f->pub.tsoffset = (int64_t)rd_u64(r, o->val);
		return 0;
	default:
		return 0;
	}
}

/* 4.2: linktype (2), reserved (2), snaplen (4), options. */
static int ng_read_idb(struct reader *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct rd_iface *f = ng_add_iface(r, off);
	struct cursor c = cur_make(p + 16, len - 20u);
	struct ng_opt o;
	int rc;

	if (!f)
		return -1;
	f->pub.linktype = rd_u16(r, p + 8);
	f->pub.snaplen = rd_u32(r, p + 12);
	f->pub.section = r->sections - 1;
	f->pub.tsresol = 6;
	f->exp = 6;
	while ((rc = ng_opt_next(r, &c, &o)) > 0)
		if (ng_idb_option(r, off + (uint64_t)(o.val - p) - 4, f, &o) < 0)
			return -1;
	if (rc < 0)
		return rd_fail(r, off + (uint64_t)(c.p - p),
			       "Interface Description Block: option %u of length %u overruns the block",
			       o.code, o.len);
	return 0;
}

/* The interface a packet or statistics block names, or NULL after reporting a bad id. */
static struct rd_iface *ng_iface(struct reader *r, uint64_t off, uint32_t id, const char *what)
{
	size_t have = r->nifaces - r->sec_base;

	if (id >= have) {
		rd_fail(r, off, "%s: expected an interface id below %zu (interfaces in this section), found %u",
			what, have, id);
		return NULL;
	}
	return &r->ifaces[r->sec_base + id];
}

/* epb_flags / pack_flags (code 2, 32 bits): bits 0-1 are the direction. */
static void ng_packet_options(struct reader *r, const uint8_t *p, size_t len, struct frame *out)
{
	struct cursor c = cur_make(p, len);
	struct ng_opt o;
	int rc;

	while ((rc = ng_opt_next(r, &c, &o)) > 0) {
		if (o.code == 2 && o.len == 4) {
			uint32_t fl = rd_u32(r, o.val) & 3u;

			out->dir = fl == 1 ? FRAME_DIR_IN : fl == 2 ? FRAME_DIR_OUT : FRAME_DIR_UNKNOWN;
		}
	}
	if (rc < 0)
		r->rec_flags |= READER_REC_BAD_OPTIONS;
}

static int ng_fill(struct reader *r, struct rd_iface *f, struct frame *out,
		   uint32_t caplen, uint32_t origlen, const uint8_t *data)
{
	out->caplen = caplen;
	out->origlen = origlen;
	out->linktype = f->pub.linktype;
	out->iface = (uint32_t)(f - r->ifaces);
	out->data = data;
	r->rec_flags |= caplen > origlen ? READER_REC_CAPLEN_GT_ORIGLEN : 0;
	r->rec_flags |= f->pub.snaplen && caplen > f->pub.snaplen ? READER_REC_CAPLEN_GT_SNAPLEN : 0;
	r->rec_caplen = caplen;
	r->rec_origlen = origlen;
	f->pub.packets++;
	return 1;
}

/*
 * 4.3 EPB: interface id (4), ts high (4), ts low (4), caplen (4), origlen
 * (4), data padded to 4, options. Appendix obsolete PB: interface id (2),
 * drops (2), then the same. Both have 20 bytes before the data.
 */
static int ng_read_epb(struct reader *r, uint64_t off, const uint8_t *p, uint32_t len,
		       uint32_t type, struct frame *out)
{
	const char *what = type == BT_EPB ? "Enhanced Packet Block" : "Packet Block";
	uint32_t id = type == BT_EPB ? rd_u32(r, p + 8) : rd_u16(r, p + 8);
	uint32_t caplen = rd_u32(r, p + 20);
	uint32_t room = len - 32u;
	struct rd_iface *f;
	size_t padded;

	if (caplen > room)
		return rd_fail(r, off + 20, "%s: expected a captured length of at most %u (the block's room), found %u",
			       what, room, caplen);
	f = ng_iface(r, off + 8, id, what);
	if (!f)
		return -1;
	{
		bool ovf = false;

		r->rec_ticks = rd_ts(r, p + 12);
		out->ts_ns = iface_time(f, r->rec_ticks, &ovf);
		r->rec_flags |= ovf ? READER_REC_TS_OVERFLOW : 0;
	}
	out->dir = FRAME_DIR_UNKNOWN;
	padded = ((size_t)caplen + 3u) & ~(size_t)3u;
	ng_packet_options(r, p + 28 + padded, room - padded, out);
	return ng_fill(r, f, out, caplen, rd_u32(r, p + 24), p + 28);
}

/* 4.4 SPB: original length (4), data; interface 0, no timestamp, caplen = min(origlen, room, snaplen). */
static int ng_read_spb(struct reader *r, uint64_t off, const uint8_t *p, uint32_t len, struct frame *out)
{
	struct rd_iface *f = ng_iface(r, off, 0, "Simple Packet Block");
	uint32_t origlen = rd_u32(r, p + 8);
	uint32_t caplen = len - 16u;

	if (!f)
		return -1;
	if (origlen < caplen)
		caplen = origlen;
	if (f->pub.snaplen && caplen > f->pub.snaplen)
		caplen = f->pub.snaplen;
	out->ts_ns = 0; /* no time: not the interface's offset either */
	r->rec_flags |= READER_REC_NO_TIME;
	out->dir = FRAME_DIR_UNKNOWN;
	return ng_fill(r, f, out, caplen, origlen, p + 12);
}

static void ng_isb_option(struct reader *r, struct rd_iface *f, const struct ng_opt *o)
{
	static const uint32_t bits[] = { 0, 0, READER_STAT_STARTTIME, READER_STAT_ENDTIME,
		READER_STAT_IFRECV, READER_STAT_IFDROP, READER_STAT_FILTERACCEPT, READER_STAT_OSDROP,
		READER_STAT_USRDELIV };
	struct reader_iface *s = &f->pub;
	uint64_t v;
	bool ovf = false;   /* a statistics time out of range is kept wrapped: not a record */

	if (o->code < 2 || o->code > 8 || o->len != 8)
		return;
	v = o->code <= 3 ? iface_time(f, rd_ts(r, o->val), &ovf) : rd_u64(r, o->val);
	switch (o->code) {
	case 2: s->starttime_ns = v; break;
	case 3: s->endtime_ns = v; break;
	case 4: s->ifrecv = v; break;
	case 5: s->ifdrop = v; break;
	case 6: s->filteraccept = v; break;
	case 7: s->osdrop = v; break;
	default: s->usrdeliv = v; break;
	}
	s->stats_have |= bits[o->code];
}

/* 4.6 ISB: interface id (4), ts high (4), ts low (4), options; counters are cumulative, the last ISB wins. */
static int ng_read_isb(struct reader *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct rd_iface *f = ng_iface(r, off + 8, rd_u32(r, p + 8), "Interface Statistics Block");
	struct cursor c = cur_make(p + 20, len - 24u);
	struct ng_opt o;

	if (!f)
		return -1;
	while (ng_opt_next(r, &c, &o) > 0)
		ng_isb_option(r, f, &o);
	return 0;
}

/* Handle one loaded block: 1 when it was a packet (out filled), 0 when consumed, -1 on damage. */
static int ng_dispatch(struct reader *r, uint64_t off, uint32_t type, const uint8_t *p,
		       uint32_t len, struct frame *out)
{
	static const struct { uint32_t type, min; } mins[] = {
		{ BT_IDB, 20 }, { BT_EPB, 32 }, { BT_PB, 32 }, { BT_SPB, 16 }, { BT_ISB, 24 },
	};

	/* every minimum is at most 32: the table is only read for shorter blocks */
	for (size_t i = 0; len < 32 && i < sizeof mins / sizeof mins[0]; i++)
		if (type == mins[i].type && len < mins[i].min)
			return rd_fail(r, off + 4, "block type 0x%08x: expected a total length of at least %u, found %u",
				       type, mins[i].min, len);
	switch (type) {
	case BT_IDB:
		rd_state(r, off, p, len);
		return ng_read_idb(r, off, p, len);
	case BT_EPB:
	case BT_PB:
		return ng_read_epb(r, off, p, len, type, out);
	case BT_SPB:
		return ng_read_spb(r, off, p, len, out);
	case BT_ISB:
		return ng_read_isb(r, off, p, len);
	default:
		return 0;   /* NRB, DSB, custom and unknown blocks: skipped by length */
	}
}

int pcapng_read_next(struct reader *r, struct frame *out)
{
	for (;;) {
		uint64_t off = source_offset(r->src);
		const uint8_t *p;
		size_t n;
		uint32_t type, len;
		int rc = source_need(r->src, 8, &p, &n);

		if (rc == 1 && n == 0) {
			r->state = 0;
			return 0;
		}
		if (rc < 0)
			return rd_fail(r, off, "%s", source_error(r->src));
		if (rc > 0)
			return rd_fail(r, off, "truncated block header: expected 8 bytes, found %zu before the end of the file", n);
		type = rd_u32(r, p);
		if (type == BT_SHB) {
			if (ng_read_shb(r, off) < 0)
				return -1;
			continue;
		}
		len = rd_u32(r, p + 4);
		if (ng_check_len(r, off, type, len, 12) < 0 || ng_load_block(r, off, type, len, &p) < 0)
			return -1;
		r->blocks++;
		rc = ng_dispatch(r, off, type, p, len, out);
		if (rc < 0)
			return -1;
		source_advance(r->src, len);
		if (rc == 1) {
			r->rec_off = off;
			r->recno++;
			return 1;
		}
	}
}
