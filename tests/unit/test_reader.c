/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the pcap/pcapng readers and byte sources, on files built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/reader.h"
#include "pcaprec/source.h"
#include "pcaprec/util.h"

/* ---- a growable byte buffer and writers for both byte orders ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool be;
};

static void b_put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void b_u16(struct buf *b, uint16_t v)
{
	uint8_t t[2];

	if (b->be)
		st_be16(t, v);
	else
		st_le16(t, v);
	b_put(b, t, 2);
}

static void b_u32(struct buf *b, uint32_t v)
{
	uint8_t t[4];

	if (b->be)
		st_be32(t, v);
	else
		st_le32(t, v);
	b_put(b, t, 4);
}

static void b_u64(struct buf *b, uint64_t v)
{
	if (b->be) {
		b_u32(b, (uint32_t)(v >> 32));
		b_u32(b, (uint32_t)v);
	} else {
		b_u32(b, (uint32_t)v);
		b_u32(b, (uint32_t)(v >> 32));
	}
}

static void b_pad4(struct buf *b)
{
	static const uint8_t z[4];

	b_put(b, z, (4 - b->len % 4) % 4);
}

static void b_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static const uint8_t payload[64] = {
	0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00, 0x45, 0x00,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
};

/* ---- pcap builders ---- */

static void pcap_hdr(struct buf *b, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
	b_u32(b, magic);
	b_u16(b, 2);
	b_u16(b, 4);
	b_u32(b, 0);
	b_u32(b, 0);
	b_u32(b, snaplen);
	b_u32(b, linktype);
}

static void pcap_rec(struct buf *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t origlen)
{
	b_u32(b, sec);
	b_u32(b, frac);
	b_u32(b, caplen);
	b_u32(b, origlen);
	for (uint32_t i = 0; i < caplen; i++)
		b_put(b, &payload[i % sizeof payload], 1);
}

/* ---- pcapng builders (draft-ietf-opsawg-pcapng block layouts) ---- */

static size_t ng_begin(struct buf *b, uint32_t type)
{
	size_t start = b->len;

	b_u32(b, type);
	b_u32(b, 0);
	return start;
}

static void ng_end(struct buf *b, size_t start)
{
	uint32_t len;

	b_pad4(b);
	len = (uint32_t)(b->len - start + 4);
	if (b->be)
		st_be32(b->p + start + 4, len);
	else
		st_le32(b->p + start + 4, len);
	b_u32(b, len);
}

static void ng_opt(struct buf *b, uint16_t code, const void *v, uint16_t len)
{
	b_u16(b, code);
	b_u16(b, len);
	b_put(b, v, len);
	b_pad4(b);
}

static void ng_shb(struct buf *b)
{
	size_t s = ng_begin(b, 0x0a0d0d0a);

	b_u32(b, 0x1a2b3c4d);
	b_u16(b, 1);
	b_u16(b, 0);
	b_u64(b, UINT64_MAX);
	ng_end(b, s);
}

/* IDB with optional name and tsresol (0 = no option), tsoffset (0 = none). */
static void ng_idb(struct buf *b, uint16_t lt, uint32_t snaplen, const char *name, uint8_t tsresol, int64_t tsoff)
{
	size_t s = ng_begin(b, 1);

	b_u16(b, lt);
	b_u16(b, 0);
	b_u32(b, snaplen);
	if (name)
		ng_opt(b, 2, name, (uint16_t)strlen(name));
	if (tsresol)
		ng_opt(b, 9, &tsresol, 1);
	if (tsoff) {
		struct buf t = { .be = b->be };

		b_u64(&t, (uint64_t)tsoff);
		ng_opt(b, 14, t.p, 8);
		b_free(&t);
	}
	ng_opt(b, 0, NULL, 0);
	ng_end(b, s);
}

static void ng_epb(struct buf *b, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t origlen, int flags)
{
	size_t s = ng_begin(b, 6);

	b_u32(b, iface);
	b_u32(b, (uint32_t)(ts >> 32));
	b_u32(b, (uint32_t)ts);
	b_u32(b, caplen);
	b_u32(b, origlen);
	for (uint32_t i = 0; i < caplen; i++)
		b_put(b, &payload[i % sizeof payload], 1);
	b_pad4(b);
	if (flags >= 0) {
		struct buf t = { .be = b->be };

		b_u32(&t, (uint32_t)flags);
		ng_opt(b, 2, t.p, 4);
		b_free(&t);
		ng_opt(b, 0, NULL, 0);
	}
	ng_end(b, s);
}

static void ng_spb(struct buf *b, uint32_t origlen, uint32_t datalen)
{
	size_t s = ng_begin(b, 3);

	b_u32(b, origlen);
	for (uint32_t i = 0; i < datalen; i++)
		b_put(b, &payload[i % sizeof payload], 1);
	ng_end(b, s);
}

static void ng_pb(struct buf *b, uint16_t iface, uint64_t ts, uint32_t caplen, uint32_t origlen)
{
	size_t s = ng_begin(b, 2);

	b_u16(b, iface);
	b_u16(b, 0);
	b_u32(b, (uint32_t)(ts >> 32));
	b_u32(b, (uint32_t)ts);
	b_u32(b, caplen);
	b_u32(b, origlen);
	b_put(b, payload, caplen);
	ng_end(b, s);
}

static void ng_raw_block(struct buf *b, uint32_t type, size_t bodylen)
{
	size_t s = ng_begin(b, type);

	for (size_t i = 0; i < bodylen; i++)
		b_put(b, "z", 1);
	ng_end(b, s);
}

/* ---- expectations ---- */

struct want {
	uint64_t ts_ns;
	uint32_t caplen, origlen, linktype, iface, flags;
	enum frame_dir dir;
};

/* Read all of `b`, checking each frame against `w` (n rows), then the end code and error text. */
static void expect_frames(const struct buf *b, const struct want *w, size_t n, int end, const char *err_part)
{
	char err[512];
	struct reader *r = reader_open_mem(b->p, b->len, "mem", err, sizeof err);
	struct frame f;
	size_t i = 0;
	int rc;

	if (!r)
		fail_msg("open failed: %s", err);
	while ((rc = reader_next(r, &f)) == 1) {
		assert_true(i < n);
		assert_int_equal(f.ts_ns, w[i].ts_ns);
		assert_int_equal(f.caplen, w[i].caplen);
		assert_int_equal(f.origlen, w[i].origlen);
		assert_int_equal(f.linktype, w[i].linktype);
		assert_int_equal(f.iface, w[i].iface);
		assert_int_equal(f.dir, w[i].dir);
		assert_int_equal(reader_record_flags(r), w[i].flags);
		assert_int_equal(reader_record_number(r), i + 1);
		assert_memory_equal(f.data, payload, f.caplen < sizeof payload ? f.caplen : sizeof payload);
		i++;
	}
	assert_int_equal(i, n);
	assert_int_equal(rc, end);
	assert_int_equal(reader_next(r, &f), end);   /* sticky */
	if (err_part && !strstr(reader_error(r), err_part))
		fail_msg("error '%s' lacks '%s'", reader_error(r), err_part);
	if (end == 0)
		assert_string_equal(reader_error(r), "");
	reader_close(r);
}

static void expect_open_fail(const struct buf *b, const char *err_part)
{
	char err[512] = "";
	struct reader *r = reader_open_mem(b->p, b->len, "mem", err, sizeof err);

	assert_null(r);
	if (!strstr(err, err_part))
		fail_msg("open error '%s' lacks '%s'", err, err_part);
}

/* ---- pcap ---- */

static void test_pcap_magics(void **state)
{
	static const struct {
		uint32_t magic;
		bool be;
		const char *format;
		uint32_t frac;
		uint64_t want_ns;
	} rows[] = {
		{ 0xa1b2c3d4, false, "pcap", 123456, 1700000000123456000ull },
		{ 0xa1b2c3d4, true, "pcap", 123456, 1700000000123456000ull },
		{ 0xa1b23c4d, false, "pcap-ns", 123456789, 1700000000123456789ull },
		{ 0xa1b23c4d, true, "pcap-ns", 123456789, 1700000000123456789ull },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { .be = rows[i].be };
		struct want w[2] = {
			{ rows[i].want_ns, 60, 60, 1, 0, 0, FRAME_DIR_UNKNOWN },
			{ rows[i].want_ns + 1000000000ull, 0, 1514, 1, 0, 0, FRAME_DIR_UNKNOWN },
		};
		char err[256];
		struct reader *r;

		pcap_hdr(&b, rows[i].magic, 65535, 1);
		pcap_rec(&b, 1700000000, rows[i].frac, 60, 60);
		pcap_rec(&b, 1700000001, rows[i].frac, 0, 1514);
		expect_frames(&b, w, 2, 0, NULL);
		r = reader_open_mem(b.p, b.len, "m", err, sizeof err);
		assert_non_null(r);
		assert_string_equal(reader_format(r), rows[i].format);
		assert_int_equal(reader_snaplen(r), 65535);
		assert_int_equal(reader_iface_count(r), 1);
		assert_false(reader_compressed(r));
		reader_close(r);
		b_free(&b);
	}
}

/* Record-level oddities that are delivered with a flag, not refused. */
static void test_pcap_flags(void **state)
{
	static const struct {
		uint32_t magic, sec, frac, caplen, origlen, snaplen, linktype;
		uint64_t want_ns;
		uint32_t want_lt, flags;
	} rows[] = {
		/* us field >= 1e6 keeps its value (libpcap does the same) and is flagged */
		{ 0xa1b2c3d4, 10, 1500000, 60, 60, 65535, 1, 11500000000ull, 1, READER_REC_FRAC_OVERFLOW },
		{ 0xa1b23c4d, 10, 1000000000, 60, 60, 65535, 1, 11000000000ull, 1, READER_REC_FRAC_OVERFLOW },
		{ 0xa1b2c3d4, 1, 0, 60, 40, 65535, 1, 1000000000ull, 1, READER_REC_CAPLEN_GT_ORIGLEN },
		{ 0xa1b2c3d4, 1, 0, 100, 100, 64, 1, 1000000000ull, 1, READER_REC_CAPLEN_GT_SNAPLEN },
		/* snaplen 0 means "none": no flag */
		{ 0xa1b2c3d4, 1, 0, 100, 100, 0, 1, 1000000000ull, 1, 0 },
		/* seconds are unsigned: 2106-02-07 is the last representable second */
		{ 0xa1b2c3d4, 0xffffffffu, 999999, 1, 1, 65535, 1, 4294967295999999000ull, 1, 0 },
		/* top bits of the link type carry the FCS length: masked */
		{ 0xa1b2c3d4, 1, 0, 8, 8, 65535, 0x14000001u, 1000000000ull, 1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { 0 };
		struct want w = { rows[i].want_ns, rows[i].caplen, rows[i].origlen, rows[i].want_lt, 0,
				  rows[i].flags, FRAME_DIR_UNKNOWN };

		pcap_hdr(&b, rows[i].magic, rows[i].snaplen, rows[i].linktype);
		pcap_rec(&b, rows[i].sec, rows[i].frac, rows[i].caplen, rows[i].origlen);
		expect_frames(&b, &w, 1, 0, NULL);
		b_free(&b);
	}
}

/* reader_record_problem names the field and the value found in the file, not a normalised time. */
static void test_record_problem(void **state)
{
	static const struct {
		uint32_t magic, frac, caplen, origlen;
		const char *want;
	} rows[] = {
		{ 0xa1b2c3d4, 1500000, 60, 60,
		  "byte 24: record 1: ts_usec is 1500000, not below 1000000 (a fraction of a second out of range)" },
		{ 0xa1b2c3d4, 4294967295u, 60, 60,
		  "byte 24: record 1: ts_usec is 4294967295, not below 1000000 (a fraction of a second out of range)" },
		{ 0xa1b23c4d, 1000000000, 60, 60,
		  "byte 24: record 1: ts_nsec is 1000000000, not below 1000000000 (a fraction of a second out of range)" },
		{ 0xa1b2c3d4, 0, 60, 40, "byte 24: record 1: caplen 60 is larger than origlen 40" },
		{ 0xa1b2c3d4, 999999, 60, 60, "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { 0 };
		char err[256], why[256];
		struct reader *r;
		struct frame f;

		pcap_hdr(&b, rows[i].magic, 65535, 1);
		pcap_rec(&b, 7, rows[i].frac, rows[i].caplen, rows[i].origlen);
		r = reader_open_mem(b.p, b.len, "m", err, sizeof err);
		assert_non_null(r);
		assert_int_equal(reader_next(r, &f), 1);
		assert_int_equal(reader_record_problem(r, why, sizeof why), rows[i].want[0] != '\0');
		assert_string_equal(why, rows[i].want);
		reader_close(r);
		b_free(&b);
	}
}

static void test_pcap_fcs_len(void **state)
{
	struct buf b = { 0 };
	char err[256];
	struct reader *r;

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 65535, 0x24000001u);  /* FCS present, 2 x 16 bits */
	r = reader_open_mem(b.p, b.len, "m", err, sizeof err);
	assert_non_null(r);
	assert_int_equal(reader_iface(r, 0)->linktype, 1);
	assert_int_equal(reader_iface(r, 0)->fcslen, 32);
	reader_close(r);
	b_free(&b);
}

/* Variants libpcap also reads: magic a1b2cd34 (24-byte record headers) and pre-2.4 swapped lengths. */
static void test_pcap_old_variants(void **state)
{
	static const struct {
		uint32_t magic;
		uint16_t minor;
		uint32_t f1, f2;          /* the two length fields as stored */
		uint32_t caplen, origlen; /* as delivered */
	} rows[] = {
		{ 0xa1b2cd34, 4, 10, 60, 10, 60 },
		{ 0xa1b2c3d4, 2, 60, 10, 10, 60 },  /* 2.2: always swapped */
		{ 0xa1b2c3d4, 3, 60, 10, 10, 60 },  /* 2.3: swapped when "caplen" > "origlen" */
		{ 0xa1b2c3d4, 3, 10, 60, 10, 60 },
		{ 0xa1b2c3d4, 4, 10, 60, 10, 60 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (int be = 0; be < 2; be++) {
			struct buf b = { .be = be };
			struct want w = { 5000000000ull, rows[i].caplen, rows[i].origlen, 1, 0, 0, FRAME_DIR_UNKNOWN };
			static const uint8_t kuz_extra[8] = { 1, 0, 0, 0, 8, 0, 0, 0 };

			b_u32(&b, rows[i].magic);
			b_u16(&b, 2);
			b_u16(&b, rows[i].minor);
			b_u32(&b, 0);
			b_u32(&b, 0);
			b_u32(&b, 65535);
			b_u32(&b, 1);
			for (int k = 0; k < 2; k++) {
				b_u32(&b, 5);
				b_u32(&b, 0);
				b_u32(&b, rows[i].f1);
				b_u32(&b, rows[i].f2);
				if (rows[i].magic == 0xa1b2cd34)
					b_put(&b, kuz_extra, sizeof kuz_extra);
				b_put(&b, payload, rows[i].caplen);
			}
			expect_frames(&b, (const struct want[]){ w, w }, 2, 0, NULL);
			b_free(&b);
		}
	}
}

/* Cut a two-record pcap at every length: whole records before the cut come out, then the error names the cut record. */
static void test_pcap_truncated_everywhere(void **state)
{
	struct buf b = { 0 };
	const size_t r1 = 24, r2 = 24 + 16 + 20, end = 24 + 16 + 20 + 16 + 30;
	struct want w[2] = {
		{ 1000000000ull, 20, 20, 1, 0, 0, FRAME_DIR_UNKNOWN },
		{ 2000000000ull, 30, 30, 1, 0, 0, FRAME_DIR_UNKNOWN },
	};

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&b, 1, 0, 20, 20);
	pcap_rec(&b, 2, 0, 30, 30);
	assert_int_equal(b.len, end);
	for (size_t cut = 0; cut <= end; cut++) {
		struct buf c = { .p = b.p, .len = cut };
		char msg[64];

		if (cut < 24) {
			expect_open_fail(&c, cut < 4 ? "file too short" : "truncated pcap file header");
			continue;
		}
		if (cut == r1 || cut == r2 || cut == end) {
			expect_frames(&c, w, cut == r1 ? 0 : cut == r2 ? 1 : 2, 0, NULL);
			continue;
		}
		snprintf(msg, sizeof msg, "mem: byte %zu: record %d: truncated", cut < r2 ? r1 : r2, cut < r2 ? 1 : 2);
		expect_frames(&c, w, cut < r2 ? 0 : 1, -1, msg);
	}
	b_free(&b);
}

static void test_pcap_damage(void **state)
{
	static const struct {
		uint32_t magic;
		uint16_t major;
		uint32_t caplen;
		bool open_fails;
		const char *err;
	} rows[] = {
		{ 0xa1b2c3d5, 2, 10, true, "byte 0: file header: not a capture file" },
		{ 0xa1b2c3d4, 3, 10, true, "byte 4: file header: unsupported pcap version" },
		{ 0xa1b2c3d4, 2, (16u << 20) + 1, false, "mem: byte 32: record 1: record caplen 16777217 exceeds the maximum" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { 0 };

		b_u32(&b, rows[i].magic);
		b_u16(&b, rows[i].major);
		b_u16(&b, 4);
		b_u32(&b, 0);
		b_u32(&b, 0);
		b_u32(&b, 65535);
		b_u32(&b, 1);
		b_u32(&b, 1);
		b_u32(&b, 0);
		b_u32(&b, rows[i].caplen);
		b_u32(&b, 10);
		if (rows[i].open_fails)
			expect_open_fail(&b, rows[i].err);
		else
			expect_frames(&b, NULL, 0, -1, rows[i].err);
		b_free(&b);
	}
}

/* caplen between FRAME_MAX_CAPLEN and READER_MAX_CAPLEN is accepted (snaplen lies happen). */
static void test_pcap_big_record(void **state)
{
	struct buf b = { 0 };
	struct want w = { 0, 1u << 20, 1u << 20, 1, 0, READER_REC_CAPLEN_GT_SNAPLEN, FRAME_DIR_UNKNOWN };

	(void)state;
	pcap_hdr(&b, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&b, 0, 0, 1u << 20, 1u << 20);
	expect_frames(&b, &w, 1, 0, NULL);
	b_free(&b);
}

/* ---- pcapng ---- */

static void test_pcapng_tsresol(void **state)
{
	static const struct {
		uint8_t tsresol;
		int64_t tsoffset;
		uint64_t ticks, want_ns;
	} rows[] = {
		{ 0, 0, 1700000000123456ull, 1700000000123456000ull },              /* default 10^-6 */
		{ 6, 0, 1700000000123456ull, 1700000000123456000ull },
		{ 9, 0, 1700000000123456789ull, 1700000000123456789ull },
		{ 3, 0, 1700000000123ull, 1700000000123000000ull },
		{ 12, 0, 12345678901234567ull, 12345678901234ull },                   /* ps: truncated to ns */
		{ 0x94, 0, (1700000000ull << 20) | 524288u, 1700000000500000000ull }, /* 2^-20 */
		{ 0x80 | 30, 0, (1700000000ull << 30) | 1u, 1700000000000000000ull }, /* 2^-30, below 1 ns */
		{ 0x80, 0, 1700000000ull, 1700000000000000000ull },                   /* 2^0 */
		{ 6, 1000, 1000000ull, 1001000000000ull },
		{ 6, -1000, 1700000000000000ull, 1699999000000000000ull },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (int be = 0; be < 2; be++) {
			struct buf b = { .be = be };
			struct want w = { rows[i].want_ns, 16, 16, 1, 0, 0, FRAME_DIR_UNKNOWN };

			ng_shb(&b);
			ng_idb(&b, 1, 0, "eth0", rows[i].tsresol, rows[i].tsoffset);
			ng_epb(&b, 0, rows[i].ticks, 16, 16, -1);
			expect_frames(&b, &w, 1, 0, NULL);
			b_free(&b);
		}
	}
}

static void test_pcapng_packet_kinds(void **state)
{
	struct buf b = { 0 };
	struct want w[] = {
		{ 5000000, 40, 60, 1, 0, 0, FRAME_DIR_UNKNOWN },    /* EPB */
		/* SPBs carry no time: ts 0 and READER_REC_NO_TIME */
		{ 0, 40, 60, 1, 0, READER_REC_NO_TIME, FRAME_DIR_UNKNOWN },  /* SPB cut to snaplen 40 */
		{ 0, 10, 10, 1, 0, READER_REC_NO_TIME, FRAME_DIR_UNKNOWN },  /* SPB: origlen below the padded room */
		{ 0, 20, 100, 1, 0, READER_REC_NO_TIME, FRAME_DIR_UNKNOWN }, /* SPB: origlen above the room: room */
		{ 7000000, 20, 64, 1, 0, 0, FRAME_DIR_UNKNOWN },    /* obsolete PB */
		{ 8000000, 4, 4, 1, 0, 0, FRAME_DIR_IN },
		{ 9000000, 4, 4, 1, 0, 0, FRAME_DIR_OUT },
		{ 10000000, 4, 4, 1, 0, 0, FRAME_DIR_UNKNOWN },
	};

	(void)state;
	ng_shb(&b);
	ng_idb(&b, 1, 40, NULL, 0, 0);
	ng_epb(&b, 0, 5000, 40, 60, -1);
	ng_spb(&b, 60, 60);
	ng_spb(&b, 10, 12);
	ng_spb(&b, 100, 20);
	ng_pb(&b, 0, 7000, 20, 64);
	ng_epb(&b, 0, 8000, 4, 4, 1);
	ng_epb(&b, 0, 9000, 4, 4, 2);
	ng_epb(&b, 0, 10000, 4, 4, 0);
	expect_frames(&b, w, sizeof w / sizeof w[0], 0, NULL);
	b_free(&b);
}

/* Sections in both byte orders; interface ids index one table across sections; other blocks skipped. */
static void test_pcapng_sections(void **state)
{
	struct buf b = { 0 };
	struct want w[] = {
		{ 1000, 8, 8, 1, 0, 0, FRAME_DIR_UNKNOWN },
		{ 2000, 8, 8, 113, 2, 0, FRAME_DIR_UNKNOWN },
		{ 3000, 8, 8, 101, 1, 0, FRAME_DIR_UNKNOWN },
	};
	char err[256];
	struct reader *r;
	struct frame f;

	(void)state;
	ng_shb(&b);
	ng_raw_block(&b, 4, 12);            /* NRB */
	ng_idb(&b, 1, 0, "eth0", 9, 0);
	ng_raw_block(&b, 0x0a, 0);          /* DSB */
	ng_epb(&b, 0, 1000, 8, 8, -1);
	ng_raw_block(&b, 0x00000bad, 8);    /* custom, copyable */
	ng_raw_block(&b, 0x40000bad, 5);    /* custom, not copyable */
	ng_raw_block(&b, 0x7fff1234, 100);  /* unknown */
	b.be = true;
	ng_shb(&b);
	ng_idb(&b, 101, 0, "raw0", 9, 0);
	ng_idb(&b, 113, 0, NULL, 9, 0);
	ng_epb(&b, 1, 2000, 8, 8, -1);
	ng_epb(&b, 0, 3000, 8, 8, -1);
	expect_frames(&b, w, 3, 0, NULL);

	r = reader_open_mem(b.p, b.len, "m", err, sizeof err);
	assert_non_null(r);
	while (reader_next(r, &f) == 1)
		;
	assert_int_equal(reader_section_count(r), 2);
	assert_int_equal(reader_iface_count(r), 3);
	assert_string_equal(reader_iface(r, 0)->name, "eth0");
	assert_string_equal(reader_iface(r, 1)->name, "raw0");
	assert_null(reader_iface(r, 2)->name);
	assert_int_equal(reader_iface(r, 1)->section, 1);
	assert_int_equal(reader_iface(r, 1)->tsresol, 9);
	assert_int_equal(reader_iface(r, 2)->packets, 1);
	assert_null(reader_iface(r, 3));
	assert_string_equal(reader_format(r), "pcapng");
	reader_close(r);
	b_free(&b);
}

static void test_pcapng_isb(void **state)
{
	struct buf b = { .be = true };
	struct buf t = { .be = true };
	const struct reader_iface *f;
	char err[256];
	struct reader *r;
	struct frame fr;
	size_t s;

	(void)state;
	ng_shb(&b);
	ng_idb(&b, 1, 0, "eth0", 3, 0);   /* milliseconds */
	ng_epb(&b, 0, 1500, 4, 4, -1);
	s = ng_begin(&b, 5);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_u32(&b, 2000);
	b_u32(&t, 0);
	b_u32(&t, 1000);
	ng_opt(&b, 2, t.p, 8);            /* isb_starttime 1.000 s */
	t.len = 0;
	b_u32(&t, 0);
	b_u32(&t, 2000);
	ng_opt(&b, 3, t.p, 8);            /* isb_endtime 2.000 s */
	t.len = 0;
	b_u64(&t, 73);
	ng_opt(&b, 4, t.p, 8);
	t.len = 0;
	b_u64(&t, 2);
	ng_opt(&b, 5, t.p, 8);
	t.len = 0;
	b_u64(&t, 1);
	ng_opt(&b, 7, t.p, 8);
	ng_opt(&b, 0, NULL, 0);
	ng_end(&b, s);
	r = reader_open_mem(b.p, b.len, "m", err, sizeof err);
	assert_non_null(r);
	assert_int_equal(reader_next(r, &fr), 1);
	assert_int_equal(fr.ts_ns, 1500000000ull);
	assert_int_equal(reader_next(r, &fr), 0);
	f = reader_iface(r, 0);
	assert_int_equal(f->stats_have, READER_STAT_STARTTIME | READER_STAT_ENDTIME | READER_STAT_IFRECV |
			 READER_STAT_IFDROP | READER_STAT_OSDROP);
	assert_int_equal(f->starttime_ns, 1000000000ull);
	assert_int_equal(f->endtime_ns, 2000000000ull);
	assert_int_equal(f->ifrecv, 73);
	assert_int_equal(f->ifdrop, 2);
	assert_int_equal(f->osdrop, 1);
	reader_close(r);
	b_free(&b);
	b_free(&t);
}

/* Start offsets of the blocks of a small file: SHB, IDB, EPB, EPB. */
static size_t small_ng(struct buf *b, size_t *starts)
{
	starts[0] = b->len;
	ng_shb(b);
	starts[1] = b->len;
	ng_idb(b, 1, 0, "eth0", 9, 0);
	starts[2] = b->len;
	ng_epb(b, 0, 1000, 20, 20, 1);
	starts[3] = b->len;
	ng_epb(b, 0, 2000, 31, 31, -1);
	starts[4] = b->len;
	return 4;
}

static void test_pcapng_truncated_everywhere(void **state)
{
	struct buf b = { 0 };
	size_t st[5];
	struct want w[2] = {
		{ 1000, 20, 20, 1, 0, 0, FRAME_DIR_IN },
		{ 2000, 31, 31, 1, 0, 0, FRAME_DIR_UNKNOWN },
	};

	(void)state;
	small_ng(&b, st);
	for (size_t cut = 0; cut <= b.len; cut++) {
		struct buf c = { .p = b.p, .len = cut };
		size_t blk = 0, done;
		char msg[64];

		if (cut < st[1]) {
			expect_open_fail(&c, cut < 4 ? "file too short" : "truncated");
			continue;
		}
		while (blk + 1 < 5 && st[blk + 1] <= cut)
			blk++;
		done = blk >= 3 ? blk - 2 : 0;   /* whole EPBs before the cut */
		if (cut == st[blk]) {
			expect_frames(&c, w, done, 0, NULL);
			continue;
		}
		snprintf(msg, sizeof msg, "mem: byte %zu: record %zu: truncated", st[blk], done + 1);
		expect_frames(&c, w, done, -1, msg);
	}
	b_free(&b);
}

/* Patch a u32 of a little-endian small_ng file and expect the error at block start + err_rel. */
#define TRAILER ((size_t)-4)   /* rel: the block's trailing length */

struct ng_damage {
	const char *what;
	int block;        /* block index in small_ng */
	size_t rel;       /* offset of the patched u32 inside the block */
	uint32_t value;
	size_t err_rel;   /* where the error must point, relative to the block */
	int delivered;
	bool open_fails;
	const char *err;  /* expected text after "mem: byte N: " */
};

static void test_pcapng_damage(void **state)
{
	static const struct ng_damage rows[] = {
		{ "zero length", 2, 4, 0, 4, 0, false, "record 1: block type 0x00000006: expected a total length of at least 12, found 0" },
		{ "odd length", 2, 4, 13, 4, 0, false, "record 1: block type 0x00000006: expected a total length that is a multiple of 4, found 13" },
		{ "huge length", 3, 4, 0x7ffffff0u, 4, 1, false, "record 2: block type 0x00000006: total length 2147483632 exceeds the maximum of 16777216" },
		{ "length past end", 3, 4, 4000, 0, 1, false, "record 2: truncated block type 0x00000006: expected 4000 bytes, found 64" },
		{ "short EPB length", 3, 4, 16, 12, 1, false, "record 2: block type 0x00000006: expected trailing length 16 (as in the header), found 0" },
		{ "trailer", 2, TRAILER, 99, TRAILER, 0, false, "record 1: block type 0x00000006: expected trailing length 64 (as in the header), found 99" },
		{ "bad interface", 2, 8, 5, 8, 0, false, "record 1: Enhanced Packet Block: expected an interface id below 1 (interfaces in this section), found 5" },
		{ "caplen past room", 3, 20, 100, 20, 1, false, "record 2: Enhanced Packet Block: expected a captured length of at most 32 (the block's room), found 100" },
		{ "bad BOM", 0, 8, 0x1a2b3c4e, 8, 0, true, "file header: Section Header Block: expected byte-order magic 1a2b3c4d, found 4e3c2b1a" },
		{ "version 2", 0, 12, 2, 12, 0, true, "file header: Section Header Block: expected version 1.x, found 2.0" },
		{ "SHB length", 0, 4, 20, 4, 0, true, "file header: block type 0x0a0d0d0a: expected a total length of at least 28, found 20" },
		{ "IDB option overrun", 1, 16, 0x00ff0002u, 16, 0, false, "record 1: Interface Description Block: option 2 of length 255 overruns the block" },
		{ "tsresol 2^-64", 1, 28, 0xc0u, 24, 0, false, "record 1: if_tsresol: expected at most 10^-19 or 2^-63 seconds, found 0xc0" },
		{ "tsresol 10^-20", 1, 28, 20u, 24, 0, false, "record 1: if_tsresol: expected at most 10^-19 or 2^-63 seconds, found 0x14" },
		{ "tsresol length", 1, 24, 0x00020009u, 24, 0, false, "record 1: if_tsresol: expected length 1, found 2" },
		{ "bad magic", 0, 0, 0x0a0d0d0bu, 0, 0, true, "file header: not a capture file" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { 0 };
		size_t st[5], blk = (size_t)rows[i].block;
		size_t at, err_at;
		char msg[256];

		small_ng(&b, st);
		at = rows[i].rel == TRAILER ? st[blk + 1] - 4 : st[blk] + rows[i].rel;
		err_at = rows[i].err_rel == TRAILER ? st[blk + 1] - 4 : st[blk] + rows[i].err_rel;
		st_le32(b.p + at, rows[i].value);
		snprintf(msg, sizeof msg, "mem: byte %zu: %s", err_at, rows[i].err);
		print_message("# case %s\n", rows[i].what);
		if (rows[i].open_fails)
			expect_open_fail(&b, msg);
		else
			expect_frames(&b, (const struct want[]){ { 1000, 20, 20, 1, 0, 0, FRAME_DIR_IN } },
				      (size_t)rows[i].delivered, -1, msg);
		b_free(&b);
	}
}

/* SHB with one option: code 2 (shb_hardware) of `optlen` bytes, `have` of them present. */
static void ng_shb_opt(struct buf *b, uint16_t optlen, uint16_t have)
{
	size_t s = ng_begin(b, 0x0a0d0d0a);

	b_u32(b, 0x1a2b3c4d);
	b_u16(b, 1);
	b_u16(b, 0);
	b_u64(b, UINT64_MAX);
	b_u16(b, 2);
	b_u16(b, optlen);
	for (uint16_t i = 0; i < have; i++)
		b_put(b, "h", 1);
	ng_end(b, s);
}

/* An SHB option longer than its block is damage at the option (first and later sections). */
static void test_pcapng_shb_option_overrun(void **state)
{
	struct buf b = { 0 };

	(void)state;
	ng_shb_opt(&b, 8, 8);          /* sound: an 8-byte option, then the trailer */
	ng_idb(&b, 1, 0, NULL, 0, 0);
	ng_epb(&b, 0, 1000, 20, 20, 1);
	expect_frames(&b, (const struct want[]){ { 1000000, 20, 20, 1, 0, 0, FRAME_DIR_IN } }, 1, 0, NULL);
	b_free(&b);
	ng_shb_opt(&b, 200, 8);        /* claims 200 bytes, the block has 8 */
	expect_open_fail(&b, "mem: byte 24: file header: Section Header Block: option 2 of length 200 "
			 "overruns the block");
	b_free(&b);
	ng_shb_opt(&b, 9, 8);          /* 9 pads to 12: one byte past the options */
	expect_open_fail(&b, "mem: byte 24: file header: Section Header Block: option 2 of length 9 "
			 "overruns the block");
	b_free(&b);
	/* a second section's SHB: the first section's packet is kept */
	ng_shb(&b);
	ng_idb(&b, 1, 0, NULL, 0, 0);
	ng_epb(&b, 0, 1000, 20, 20, 1);
	{
		size_t at = b.len;
		char msg[128];

		ng_shb_opt(&b, 0xffff, 4);
		snprintf(msg, sizeof msg, "mem: byte %zu: record 2: Section Header Block: option 2 of "
			 "length 65535 overruns the block", at + 24);
		expect_frames(&b, (const struct want[]){ { 1000000, 20, 20, 1, 0, 0, FRAME_DIR_IN } }, 1, -1,
			      msg);
	}
	b_free(&b);
}

struct ts_case {
	uint8_t tsresol;       /* 0: none (microseconds) */
	int64_t tsoffset;
	uint64_t ticks;
	bool overflow;
	uint64_t want_ns;      /* when not overflow */
};

/* pcapng times that do not fit 64-bit nanoseconds are flagged, never wrapped silently. */
static void test_pcapng_ts_overflow(void **state)
{
	static const struct ts_case rows[] = {
		{ 0, 0, 18446744073709551ull, false, 18446744073709551000ull },
		{ 0, 0, 18446744073709552ull, true, 0 },
		{ 9, 0, UINT64_MAX, false, UINT64_MAX },
		{ 9, 1, UINT64_MAX - 999999999ull, true, 0 },
		{ 9, 1, UINT64_MAX - 1000000000ull, false, UINT64_MAX },
		{ 9, -10, 5000000000ull, true, 0 },
		{ 9, -10, 10000000000ull, false, 0 },
		{ 3, 0, 18446744073709ull, false, 18446744073709000000ull },
		{ 3, 0, 18446744073710ull, true, 0 },
		{ 12, 0, UINT64_MAX, false, UINT64_MAX / 1000 },
		{ 0x81, 0, 36893488147ull, false, 18446744073500000000ull },
		{ 0x81, 0, UINT64_MAX, true, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b = { 0 };
		char err[512], why[256];
		struct frame f;
		struct reader *r;
		size_t epb;

		ng_shb(&b);
		ng_idb(&b, 1, 0, NULL, rows[i].tsresol, rows[i].tsoffset);
		epb = b.len;
		ng_epb(&b, 0, rows[i].ticks, 20, 20, 1);
		print_message("# case %zu\n", i);
		r = reader_open_mem(b.p, b.len, "mem", err, sizeof err);
		assert_non_null(r);
		assert_int_equal(reader_next(r, &f), 1);
		assert_int_equal((reader_record_flags(r) & READER_REC_TS_OVERFLOW) != 0, rows[i].overflow);
		assert_int_equal(reader_record_problem(r, why, sizeof why), rows[i].overflow);
		if (rows[i].overflow) {
			char want[128];

			snprintf(want, sizeof want, "byte %zu: record 1: timestamp %llu (if_tsresol ticks", epb,
				 (unsigned long long)rows[i].ticks);
			if (!strstr(why, want))
				fail_msg("'%s' lacks '%s'", why, want);
		} else {
			assert_int_equal(f.ts_ns, rows[i].want_ns);
		}
		reader_close(r);
		b_free(&b);
	}
}

/* Damage inside packet options, a short EPB, SPB without an interface, a bad second SHB. */
static void test_pcapng_more_damage(void **state)
{
	struct buf b = { 0 };
	size_t s;

	(void)state;
	ng_shb(&b);
	ng_idb(&b, 1, 0, NULL, 0, 0);
	s = ng_begin(&b, 6);                  /* EPB whose option claims 200 bytes */
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_u32(&b, 7);
	b_u32(&b, 4);
	b_u32(&b, 4);
	b_put(&b, payload, 4);
	b_u16(&b, 2);
	b_u16(&b, 200);
	b_u32(&b, 1);
	ng_end(&b, s);
	expect_frames(&b, (const struct want[]){ { 7000, 4, 4, 1, 0, READER_REC_BAD_OPTIONS, FRAME_DIR_UNKNOWN } },
		      1, 0, NULL);
	s = b.len;
	ng_raw_block(&b, 6, 16);              /* a consistent 28-byte EPB: too short */
	{
		char msg[128];

		snprintf(msg, sizeof msg, "byte %zu: record 2: block type 0x00000006: expected a total length of at least 32, found 28", s + 4);
		expect_frames(&b, (const struct want[]){ { 7000, 4, 4, 1, 0, READER_REC_BAD_OPTIONS, FRAME_DIR_UNKNOWN } },
			      1, -1, msg);
	}
	b_free(&b);

	ng_shb(&b);
	ng_spb(&b, 4, 4);
	expect_frames(&b, NULL, 0, -1, "byte 28: record 1: Simple Packet Block: expected an interface id below 0");
	b_free(&b);

	ng_shb(&b);
	ng_idb(&b, 1, 0, NULL, 0, 0);
	ng_epb(&b, 0, 1000, 20, 20, 1);
	s = b.len;
	ng_shb(&b);
	st_le32(b.p + s + 8, 0x11111111);
	{
		char msg[128];

		snprintf(msg, sizeof msg, "byte %zu: record 2: Section Header Block: expected byte-order magic", s + 8);
		expect_frames(&b, (const struct want[]){ { 1000000, 20, 20, 1, 0, 0, FRAME_DIR_IN } }, 1, -1, msg);
	}
	b_free(&b);
}

/* ---- gzip sources ---- */

/* gzip (RFC 1952) `n` bytes into a new buffer appended to `out`. */
static void gz_append(struct buf *out, const uint8_t *p, size_t n)
{
	z_stream z;
	uint8_t tmp[4096];
	int zr;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		zr = deflate(&z, Z_FINISH);
		b_put(out, tmp, sizeof tmp - z.avail_out);
	} while (zr == Z_OK);
	assert_int_equal(zr, Z_STREAM_END);
	deflateEnd(&z);
}

static size_t pcap_many(struct buf *b, struct want *w, size_t n)
{
	size_t half = 0;

	pcap_hdr(b, 0xa1b23c4d, 65535, 1);
	for (size_t i = 0; i < n; i++) {
		if (i == n / 2)
			half = b->len;
		pcap_rec(b, (uint32_t)i, 7, (uint32_t)(i % 60), 100);
		w[i] = (struct want){ i * 1000000000ull + 7, (uint32_t)(i % 60), 100, 1, 0, 0, FRAME_DIR_UNKNOWN };
	}
	return half;
}

static void test_gzip_whole_and_members(void **state)
{
	struct buf plain = { 0 }, gz = { 0 }, two = { 0 }, junk = { 0 };
	struct want w[300];
	size_t half = pcap_many(&plain, w, 300);
	char err[256];
	struct reader *r;

	(void)state;
	gz_append(&gz, plain.p, plain.len);
	expect_frames(&gz, w, 300, 0, NULL);
	r = reader_open_mem(gz.p, gz.len, "m", err, sizeof err);
	assert_non_null(r);
	assert_true(reader_compressed(r));
	assert_int_equal(reader_file_size(r), gz.len);
	reader_close(r);
	/* two members, split in the middle of a record: one stream to the reader */
	gz_append(&two, plain.p, half + 7);
	gz_append(&two, plain.p + half + 7, plain.len - half - 7);
	expect_frames(&two, w, 300, 0, NULL);
	/* data after the last member that is not gzip */
	b_put(&junk, gz.p, gz.len);
	b_put(&junk, "garbage!", 8);
	expect_frames(&junk, w, 300, -1, "corrupt gzip stream at compressed offset");
	b_free(&plain);
	b_free(&gz);
	b_free(&two);
	b_free(&junk);
}

/* A gzip stream cut anywhere: a prefix of the frames, then "truncated gzip stream" naming the compressed offset. */
static void test_gzip_cut_everywhere(void **state)
{
	struct buf plain = { 0 }, gz = { 0 };
	struct want w[40];
	struct frame f;

	(void)state;
	pcap_many(&plain, w, 40);
	gz_append(&gz, plain.p, plain.len);
	for (size_t cut = 2; cut < gz.len; cut++) {
		char err[512], want_msg[128];
		struct reader *r = reader_open_mem(gz.p, cut, "m", err, sizeof err);
		size_t n = 0;
		int rc;

		snprintf(want_msg, sizeof want_msg, "truncated gzip stream: input ends at compressed offset %zu", cut);
		if (!r) {
			if (!strstr(err, want_msg) && !strstr(err, "too short"))
				fail_msg("cut %zu: open error '%s'", cut, err);
			continue;
		}
		while ((rc = reader_next(r, &f)) == 1) {
			assert_int_equal(f.ts_ns, w[n].ts_ns);
			n++;
		}
		assert_int_equal(rc, -1);
		if (!strstr(reader_error(r), want_msg))
			fail_msg("cut %zu: error '%s'", cut, reader_error(r));
		reader_close(r);
	}
	b_free(&plain);
	b_free(&gz);
}

/* ---- zstd sources ---- */

/* One zstd frame (RFC 8878) of `n` bytes, with its checksum, appended to `out`. */
static void zstd_append(struct buf *out, const uint8_t *p, size_t n)
{
	size_t cap = ZSTD_compressBound(n), len;
	uint8_t *tmp = malloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	assert_non_null(tmp);
	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
	len = ZSTD_compress2(cc, tmp, cap, p, n);
	assert_false(ZSTD_isError(len));
	b_put(out, tmp, len);
	ZSTD_freeCCtx(cc);
	free(tmp);
}

/* Read `b` through a pipe (the streaming path, not the mapping), expecting `n` frames of `w` and a clean end. */
static void expect_frames_pipe(const struct buf *b, const struct want *w, size_t n)
{
	char path[32], err[512];
	int fds[2], st;
	struct frame f;
	struct reader *r;
	size_t i = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], b->p, b->len) == (ssize_t)b->len ? 0 : 1);
	}
	close(fds[1]);
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	r = reader_open(path, err, sizeof err);
	if (!r)
		fail_msg("open failed: %s", err);
	assert_string_equal(reader_compression(r), "zstd");
	while (reader_next(r, &f) == 1) {
		assert_true(i < n);
		assert_int_equal(f.ts_ns, w[i].ts_ns);
		i++;
	}
	assert_string_equal(reader_error(r), "");
	assert_int_equal(i, n);
	reader_close(r);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(st, 0);
}

/*
 * zstd input is found by its magic: one frame, several frames split in the
 * middle of a record (what a zstd file of pcaprec's is: frames back to
 * back), from memory and through a pipe; junk after the last frame is
 * corruption with the compressed offset.
 */
static void test_zstd_frames(void **state)
{
	struct buf plain = { 0 }, one = { 0 }, many = { 0 }, junk = { 0 }, big = { 0 };
	struct want w[300];
	static struct want wb[20000];
	size_t half = pcap_many(&plain, w, 300);
	char err[256];
	struct reader *r;

	(void)state;
	zstd_append(&one, plain.p, plain.len);
	assert_int_equal(ld_le32(one.p), 0xfd2fb528u);
	expect_frames(&one, w, 300, 0, NULL);
	r = reader_open_mem(one.p, one.len, "m", err, sizeof err);
	assert_non_null(r);
	assert_true(reader_compressed(r));
	assert_string_equal(reader_compression(r), "zstd");
	assert_int_equal(reader_file_size(r), one.len);
	reader_close(r);
	zstd_append(&many, plain.p, half + 7);
	zstd_append(&many, plain.p + half + 7, 100);
	zstd_append(&many, plain.p + half + 107, plain.len - half - 107);
	expect_frames(&many, w, 300, 0, NULL);
	expect_frames_pipe(&many, w, 300);
	b_put(&junk, one.p, one.len);
	b_put(&junk, "garbage!", 8);
	expect_frames(&junk, w, 300, -1, "corrupt zstd stream at compressed offset");
	/* larger than the 1 MiB input buffer: frames cross its refills */
	{
		struct buf bp = { 0 };
		size_t step;

		pcap_hdr(&bp, 0xa1b23c4d, 65535, 1);
		for (size_t i = 0; i < 20000; i++) {
			pcap_rec(&bp, (uint32_t)i, 7, 60, 100);
			wb[i] = (struct want){ i * 1000000000ull + 7, 60, 100, 1, 0, 0, FRAME_DIR_UNKNOWN };
		}
		step = bp.len / 5 + 3;
		for (size_t off = 0; off < bp.len; off += step)
			zstd_append(&big, bp.p + off, off + step < bp.len ? step : bp.len - off);
		expect_frames_pipe(&big, wb, 20000);
		b_free(&bp);
	}
	b_free(&plain);
	b_free(&one);
	b_free(&many);
	b_free(&junk);
	b_free(&big);
}

/*
 * zstd frames are members: the reader reports where each starts (file and
 * raw offset), and a source opened at a frame's start decompresses the
 * stream from that frame's raw offset on.
 */
static void test_zstd_members(void **state)
{
	struct buf plain = { 0 }, z = { 0 };
	struct want w[300];
	uint64_t ffile[3], fraw[3], mf[8], mr[8];
	char path[] = "/tmp/test_reader_zst.XXXXXX", err[256];
	size_t n = 0, got = 0;
	struct reader *r;
	struct frame f;
	int fd;

	(void)state;
	pcap_many(&plain, w, 300);
	for (size_t k = 0; k < 3; k++) {
		size_t from = plain.len * k / 3, to = plain.len * (k + 1) / 3;

		ffile[k] = z.len;
		fraw[k] = from;
		zstd_append(&z, plain.p + from, to - from);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, z.p, z.len), (ssize_t)z.len);
	close(fd);
	r = reader_open(path, err, sizeof err);
	assert_non_null(r);
	while (reader_next(r, &f) == 1) {
		n++;
		got += reader_take_members(r, mf + got, mr + got, 8 - got);
	}
	got += reader_take_members(r, mf + got, mr + got, 8 - got);
	assert_int_equal(n, 300);
	assert_int_equal(got, 3);
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(mf[k], ffile[k]);
		assert_int_equal(mr[k], fraw[k]);
	}
	reader_close(r);
	{
		struct source *src = source_open_path_at(path, ffile[2], fraw[2], err, sizeof err);
		const uint8_t *p;
		size_t avail, want = plain.len - (size_t)fraw[2];

		assert_non_null(src);
		assert_int_equal(source_offset(src), fraw[2]);
		assert_int_equal(source_need(src, want, &p, &avail), 0);
		assert_memory_equal(p, plain.p + fraw[2], want);
		source_advance(src, want);
		assert_int_equal(source_need(src, 1, &p, &avail), 1);
		assert_int_equal(avail, 0);
		assert_int_equal(source_take_members(src, mf, mr, 8), 1);
		assert_int_equal(mf[0], ffile[2]);
		assert_int_equal(mr[0], fraw[2]);
		source_close(src);
		/* not a frame start */
		assert_null(source_open_path_at(path, ffile[2] + 1, fraw[2], err, sizeof err));
		assert_non_null(strstr(err, "expected the start of a zstd member"));
	}
	unlink(path);
	b_free(&plain);
	b_free(&z);
}

/* A zstd stream cut anywhere: a prefix of the frames, then "truncated zstd stream" naming the compressed offset. */
static void test_zstd_cut_everywhere(void **state)
{
	struct buf plain = { 0 }, z = { 0 };
	struct want w[40];
	struct frame f;
	size_t first;

	(void)state;
	pcap_many(&plain, w, 40);
	zstd_append(&z, plain.p, plain.len / 2);
	first = z.len;
	zstd_append(&z, plain.p + plain.len / 2, plain.len - plain.len / 2);
	for (size_t cut = 4; cut < z.len; cut++) {
		char err[512], want_msg[160];
		struct reader *r;
		size_t n = 0;
		int rc;

		if (cut == first)
			continue;   /* a whole frame: a clean end, cut inside a record */
		r = reader_open_mem(z.p, cut, "m", err, sizeof err);
		snprintf(want_msg, sizeof want_msg,
			 "truncated zstd stream: input ends at compressed offset %zu inside the frame that "
			 "starts at compressed offset %zu", cut, cut < first ? (size_t)0 : first);
		if (!r) {
			if (!strstr(err, want_msg) && !strstr(err, "too short"))
				fail_msg("cut %zu: open error '%s'", cut, err);
			continue;
		}
		while ((rc = reader_next(r, &f)) == 1) {
			assert_int_equal(f.ts_ns, w[n].ts_ns);
			n++;
		}
		assert_int_equal(rc, -1);
		if (!strstr(reader_error(r), want_msg))
			fail_msg("cut %zu: error '%s'", cut, reader_error(r));
		reader_close(r);
	}
	b_free(&plain);
	b_free(&z);
}

/* ---- reader_set over temporary files ---- */

static void write_tmp(char *path, const struct buf *b)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->len), (ssize_t)b->len);
	close(fd);
}

static void test_reader_set(void **state)
{
	char pa[] = "/tmp/test_reader_aXXXXXX", pb[] = "/tmp/test_reader_bXXXXXX", pc[] = "/tmp/test_reader_cXXXXXX";
	const char *paths[] = { pa, pb, pc };
	struct buf a = { 0 }, b = { 0 }, c = { 0 };
	static const uint64_t merged[] = { 1, 2, 3, 4, 5, 6 };
	static const uint64_t ordered[] = { 1, 3, 5, 2, 6, 4 };
	char err[256];

	(void)state;
	pcap_hdr(&a, 0xa1b23c4d, 0, 1);
	pcap_rec(&a, 0, 1, 4, 4);
	pcap_rec(&a, 0, 3, 4, 4);
	pcap_rec(&a, 0, 5, 4, 4);
	ng_shb(&b);
	ng_idb(&b, 101, 0, NULL, 9, 0);
	ng_idb(&b, 1, 0, NULL, 9, 0);
	ng_epb(&b, 1, 2, 4, 4, -1);
	ng_epb(&b, 0, 6, 4, 4, -1);
	pcap_hdr(&c, 0xa1b23c4d, 0, 1);
	pcap_rec(&c, 0, 4, 4, 4);
	pcap_rec(&c, 0, 8, 4, 4);
	c.len -= 2;   /* the second record of c is cut */
	write_tmp(pa, &a);
	write_tmp(pb, &b);
	write_tmp(pc, &c);
	for (int merge = 0; merge < 2; merge++) {
		struct reader_set *s = reader_set_open(paths, 3, merge, err, sizeof err);
		const uint64_t *want = merge ? merged : ordered;
		struct frame f;
		size_t n = 0, errors = 0;
		int rc;

		assert_non_null(s);
		while ((rc = reader_set_next(s, &f)) != 0) {
			if (rc < 0) {
				assert_non_null(strstr(reader_set_error(s), "byte 44: record 2: truncated"));
				errors++;
				continue;
			}
			assert_true(n < 6);
			assert_int_equal(f.ts_ns, want[n]);
			if (f.ts_ns == 2)
				assert_int_equal(f.iface, READER_SET_IFACE(1, 1));
			if (f.ts_ns == 4)
				assert_int_equal(f.iface, READER_SET_IFACE(2, 0));
			assert_int_equal(READER_SET_FILE_OF(f.iface), reader_set_current(s));
			n++;
		}
		assert_int_equal(n, 6);
		assert_int_equal(errors, 1);
		reader_set_close(s);
	}
	assert_null(reader_set_open((const char *[]){ pa, "/nonexistent/x.pcap" }, 2, true, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/x.pcap: No such file"));
	unlink(pa);
	unlink(pb);
	unlink(pc);
	b_free(&a);
	b_free(&b);
	b_free(&c);
}

/* Files through the path API: plain (mapped), empty, missing, a directory. */
static void test_open_paths(void **state)
{
	char p[] = "/tmp/test_reader_pXXXXXX";
	struct buf b = { 0 };
	struct want w[3];
	char err[256];
	struct reader *r;
	struct frame f;

	(void)state;
	pcap_many(&b, w, 3);
	write_tmp(p, &b);
	r = reader_open(p, err, sizeof err);
	assert_non_null(r);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(reader_next(r, &f), 1);
		assert_int_equal(f.ts_ns, w[i].ts_ns);
	}
	assert_int_equal(reader_next(r, &f), 0);
	assert_int_equal(reader_bytes(r), b.len);
	assert_int_equal(reader_file_size(r), b.len);
	reader_close(r);
	assert_int_equal(truncate(p, 0), 0);
	assert_null(reader_open(p, err, sizeof err));
	assert_non_null(strstr(err, "file too short for a capture file: expected at least 4 bytes, found 0"));
	unlink(p);
	assert_null(reader_open(p, err, sizeof err));
	assert_non_null(strstr(err, "No such file"));
	assert_null(reader_open("/tmp", err, sizeof err));
	assert_non_null(strstr(err, "is a directory"));
	reader_close(NULL);
	reader_set_close(NULL);
	b_free(&b);
}

/* The member-start queue shared by the gzip and zstd sources: oldest first, partial takes resume
 * where they stopped, and past SOURCE_MEMBERS the oldest starts are dropped, the newest kept. */
static void test_source_members_queue(void **state)
{
	struct source_members q = { .n = 0 };
	uint64_t f[SOURCE_MEMBERS + 8], r[SOURCE_MEMBERS + 8];

	(void)state;
	assert_int_equal(source_members_take(&q, f, r, 4), 0);
	for (uint64_t k = 0; k < 5; k++)
		source_members_push(&q, 100 + k, 1000 + k);
	assert_int_equal(source_members_take(&q, f, r, 2), 2);
	assert_int_equal(f[0], 100);
	assert_int_equal(r[1], 1001);
	assert_int_equal(source_members_take(&q, f, r, 8), 3);
	assert_int_equal(f[0], 102);
	assert_int_equal(r[2], 1004);
	for (uint64_t k = 0; k < SOURCE_MEMBERS + 7; k++)
		source_members_push(&q, k, k * 2);
	assert_int_equal(source_members_take(&q, f, r, SOURCE_MEMBERS + 8), SOURCE_MEMBERS);
	assert_int_equal(f[0], 7);
	assert_int_equal(r[0], 14);
	assert_int_equal(f[SOURCE_MEMBERS - 1], SOURCE_MEMBERS + 6);
	assert_int_equal(source_members_take(&q, f, r, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_magics),
		cmocka_unit_test(test_pcap_flags),
		cmocka_unit_test(test_pcap_fcs_len),
		cmocka_unit_test(test_record_problem),
		cmocka_unit_test(test_pcap_old_variants),
		cmocka_unit_test(test_pcap_truncated_everywhere),
		cmocka_unit_test(test_pcap_damage),
		cmocka_unit_test(test_pcap_big_record),
		cmocka_unit_test(test_pcapng_tsresol),
		cmocka_unit_test(test_pcapng_packet_kinds),
		cmocka_unit_test(test_pcapng_sections),
		cmocka_unit_test(test_pcapng_isb),
		cmocka_unit_test(test_pcapng_truncated_everywhere),
		cmocka_unit_test(test_pcapng_damage),
		cmocka_unit_test(test_pcapng_more_damage),
		cmocka_unit_test(test_pcapng_shb_option_overrun),
		cmocka_unit_test(test_pcapng_ts_overflow),
		cmocka_unit_test(test_gzip_whole_and_members),
		cmocka_unit_test(test_gzip_cut_everywhere),
		cmocka_unit_test(test_zstd_frames),
		cmocka_unit_test(test_zstd_members),
		cmocka_unit_test(test_source_members_queue),
		cmocka_unit_test(test_zstd_cut_everywhere),
		cmocka_unit_test(test_reader_set),
		cmocka_unit_test(test_open_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
