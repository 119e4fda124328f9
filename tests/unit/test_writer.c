/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the capture-file writer: exact bytes, gzip equivalence, buffering, write-error rollback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/util.h"
#include "pcaprec/writer.h"
#include "pcaprec/writer_enc.h"
#include "pcaprec/zcut.h"

/* 1700000000.123456789 s: 0x6553f100 s, 123456 us = 0x1e240, 123456789 ns = 0x75bcd15;
 * as one 64-bit ns count: high 0x17979cfe, low 0x3d85cd15. */
#define TS1 1700000000123456789ull

static const uint8_t payload5[] = { 1, 2, 3, 4, 5 };

struct tmpout {
	char path[64];
	int fd;
};

static void tmp_open(struct tmpout *t)
{
	snprintf(t->path, sizeof t->path, "/tmp/test_writer.XXXXXX");
	t->fd = mkstemp(t->path);
	assert_true(t->fd >= 0);
}

static void tmp_done(struct tmpout *t)
{
	close(t->fd);
	unlink(t->path);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void assert_file_bytes(const char *path, const uint8_t *want, size_t wantlen)
{
	size_t len;
	uint8_t *got = read_all(path, &len);

	assert_int_equal(len, wantlen);
	assert_memory_equal(got, want, wantlen);
	free(got);
}

static struct frame mkframe(uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t origlen,
			    uint32_t iface, enum frame_dir dir)
{
	struct frame f = { ts, caplen, origlen, LINKTYPE_ETHERNET, iface, dir, data };
	return f;
}

/* ---------------------------------------------------------------- names */

static void test_format_names(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		enum out_format f;
	} parse_rows[] = {
		{ "pcap", true, OUT_PCAP_US }, { "pcap-ns", true, OUT_PCAP_NS },
		{ "pcapng", true, OUT_PCAPNG }, { "PCAP", false, 0 }, { "", false, 0 },
		{ "pcap-us", false, 0 }, { "ng", false, 0 },
	};
	static const struct {
		const char *path;
		bool ok;
		enum out_format f;
		bool gz, zst;
	} name_rows[] = {
		{ "x.pcap", true, OUT_PCAP_US, false, false }, { "/a/b/x.pcapng", true, OUT_PCAPNG, false, false },
		{ "x.pcap.gz", true, OUT_PCAP_US, true, false }, { "x.PCAPNG.GZ", true, OUT_PCAPNG, true, false },
		{ "x.gz", false, 0, true, false }, { "x.cap", false, 0, false, false }, { "pcap", false, 0, false, false },
		{ "x.pcapng.bz2", false, 0, false, false }, { "", false, 0, false, false },
		{ "x.pcapng.zst", true, OUT_PCAPNG, false, true }, { "x.PCAP.ZST", true, OUT_PCAP_US, false, true },
		{ "x.zst", false, 0, false, true }, { "x.pcap.zstd", false, 0, false, false },
		{ "x.pcap.gz.zst", false, 0, false, true },
	};
	(void)state;
	for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
		enum out_format f = OUT_PCAP_US;

		assert_int_equal(out_format_parse(parse_rows[i].s, &f), parse_rows[i].ok);
		if (parse_rows[i].ok) {
			assert_int_equal(f, parse_rows[i].f);
			assert_string_equal(out_format_name(f), parse_rows[i].s);
		}
	}
	for (size_t i = 0; i < sizeof name_rows / sizeof name_rows[0]; i++) {
		enum out_format f = OUT_PCAP_NS;

		assert_int_equal(out_format_from_name(name_rows[i].path, &f), name_rows[i].ok);
		if (name_rows[i].ok)
			assert_int_equal(f, name_rows[i].f);
		assert_int_equal(out_name_is_gzip(name_rows[i].path), name_rows[i].gz);
		assert_int_equal(out_name_is_zstd(name_rows[i].path), name_rows[i].zst);
	}
}

/* ---------------------------------------------------------------- pcap bytes */

struct pcap_case {
	enum out_format fmt;
	uint32_t snaplen;
	uint32_t caplen;          /* of the frame given */
	size_t want_len;
	uint8_t want[48];
};

static void test_pcap_bytes(void **state)
{
	static const struct pcap_case rows[] = {
		{ OUT_PCAP_US, 65535, 5, 24 + 16 + 5, {
			0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
			0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00, 0x05, 0, 0, 0, 0x3c, 0, 0, 0,
			1, 2, 3, 4, 5 } },
		{ OUT_PCAP_NS, 65535, 5, 24 + 16 + 5, {
			0x4d, 0x3c, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
			0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x00, 0xf1, 0x53, 0x65, 0x15, 0xcd, 0x5b, 0x07, 0x05, 0, 0, 0, 0x3c, 0, 0, 0,
			1, 2, 3, 4, 5 } },
		/* snaplen 2: caplen cut to 2, origlen kept at 60 */
		{ OUT_PCAP_NS, 2, 5, 24 + 16 + 2, {
			0x4d, 0x3c, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
			0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x00, 0xf1, 0x53, 0x65, 0x15, 0xcd, 0x5b, 0x07, 0x02, 0, 0, 0, 0x3c, 0, 0, 0,
			1, 2 } },
		/* empty frame: caplen 0 */
		{ OUT_PCAP_US, 65535, 0, 24 + 16, {
			0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
			0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00, 0, 0, 0, 0, 0x3c, 0, 0, 0 } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, rows[i].snaplen, NULL, 0 };
		struct writer_opts o = { rows[i].fmt, -1, 0, NULL, &ifc, 1, 0, 0, NULL, NULL };
		struct frame f = mkframe(TS1, payload5, rows[i].caplen, 60, 0, FRAME_DIR_IN);
		struct tmpout t;
		char err[256];
		int e = 0;
		struct writer *w;

		tmp_open(&t);
		w = writer_open(t.fd, t.path, &o, err, sizeof err);
		assert_non_null(w);
		assert_int_equal(writer_record_size(w, &f), rows[i].want_len - 24);
		assert_int_equal(writer_write(w, &f, &e, err, sizeof err), 0);
		assert_int_equal(writer_bytes(w), rows[i].want_len);
		assert_int_equal(writer_frames(w), 1);
		assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
		assert_file_bytes(t.path, rows[i].want, rows[i].want_len);
		tmp_done(&t);
	}
}

/* ---------------------------------------------------------------- pcapng bytes */

/* SHB with shb_hardware "hw", shb_os "Linux", shb_userappl "app": 60 bytes. */
static const uint8_t shb_bytes[] = {
	0x0a, 0x0d, 0x0d, 0x0a, 0x3c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x02, 0x00, 0x02, 0x00, 'h', 'w', 0, 0,
	0x03, 0x00, 0x05, 0x00, 'L', 'i', 'n', 'u', 'x', 0, 0, 0,
	0x04, 0x00, 0x03, 0x00, 'a', 'p', 'p', 0,
	0, 0, 0, 0, 0x3c, 0, 0, 0,
};

/* IDB: Ethernet, snaplen 65535, if_name "eth0", if_description "d",
 * if_tsresol 9, if_filter (type 0) "tcp", if_os "Linux": 68 bytes. */
static const uint8_t idb0_bytes[] = {
	0x01, 0, 0, 0, 0x44, 0, 0, 0, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
	0x02, 0x00, 0x04, 0x00, 'e', 't', 'h', '0',
	0x03, 0x00, 0x01, 0x00, 'd', 0, 0, 0,
	0x09, 0x00, 0x01, 0x00, 0x09, 0, 0, 0,
	0x0b, 0x00, 0x04, 0x00, 0x00, 't', 'c', 'p',
	0x0c, 0x00, 0x05, 0x00, 'L', 'i', 'n', 'u', 'x', 0, 0, 0,
	0, 0, 0, 0, 0x44, 0, 0, 0,
};

/* IDB: LINUX_SLL2 (276 = 0x114), snaplen 3, only if_tsresol and if_os: 44 bytes. */
static const uint8_t idb1_bytes[] = {
	0x01, 0, 0, 0, 0x2c, 0, 0, 0, 0x14, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x09, 0x00, 0x01, 0x00, 0x09, 0, 0, 0,
	0x0c, 0x00, 0x05, 0x00, 'L', 'i', 'n', 'u', 'x', 0, 0, 0,
	0, 0, 0, 0, 0x2c, 0, 0, 0,
};

/* EPB on interface 0, inbound, 5 of 60 bytes: 52 bytes. */
static const uint8_t epb_in_bytes[] = {
	0x06, 0, 0, 0, 0x34, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0x9c, 0x97, 0x17, 0x15, 0xcd, 0x85, 0x3d,
	0x05, 0, 0, 0, 0x3c, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0,
	0x02, 0x00, 0x04, 0x00, 0x01, 0, 0, 0,
	0, 0, 0, 0, 0x34, 0, 0, 0,
};

/* EPB on interface 0, outbound. */
static const uint8_t epb_out_bytes[] = {
	0x06, 0, 0, 0, 0x34, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0x9c, 0x97, 0x17, 0x15, 0xcd, 0x85, 0x3d,
	0x05, 0, 0, 0, 0x3c, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0,
	0x02, 0x00, 0x04, 0x00, 0x02, 0, 0, 0,
	0, 0, 0, 0, 0x34, 0, 0, 0,
};

/* EPB on interface 1 (snaplen 3), direction unknown: no options at all, 36 bytes. */
static const uint8_t epb_if1_bytes[] = {
	0x06, 0, 0, 0, 0x24, 0, 0, 0, 0x01, 0, 0, 0, 0xfe, 0x9c, 0x97, 0x17, 0x16, 0xcd, 0x85, 0x3d,
	0x03, 0, 0, 0, 0x3c, 0, 0, 0, 1, 2, 3, 0,
	0x24, 0, 0, 0,
};

/*
 * ISB for interface 1 (pcapng 4.6): start 1 s, end 2 s, ifrecv 1000
 * (isb_filteraccept, code 6, when filtered), ifdrop 2, osdrop 3, usrdeliv 4:
 * 100 bytes.
 */
#define ISB_BYTES(recv_code) { \
	0x05, 0, 0, 0, 0x64, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x94, 0x35, 0x77, \
	0x02, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xca, 0x9a, 0x3b, \
	0x03, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x94, 0x35, 0x77, \
	recv_code, 0x00, 0x08, 0x00, 0xe8, 0x03, 0, 0, 0, 0, 0, 0, \
	0x05, 0x00, 0x08, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, \
	0x07, 0x00, 0x08, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, \
	0x08, 0x00, 0x08, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0x64, 0, 0, 0, \
}
static const uint8_t isb_bytes[] = ISB_BYTES(0x04);
static const uint8_t isb_filtered_bytes[] = ISB_BYTES(0x06);

/* The encoder alone: isb_ifrecv, or isb_filteraccept for a filtered interface. */
static void test_isb_encode(void **state)
{
	struct iface_stats st = { .start_ns = 1000000000ull, .end_ns = 2000000000ull, .ifrecv = 1000,
				  .ifdrop = 2, .osdrop = 3, .usrdeliv = 4 };
	uint8_t b[PCAPNG_ISB_LEN];

	(void)state;
	assert_int_equal(pcapng_isb_encode(b, 1, &st), sizeof isb_bytes);
	assert_memory_equal(b, isb_bytes, sizeof isb_bytes);
	st.filtered = true;
	assert_int_equal(pcapng_isb_encode(b, 1, &st), sizeof isb_filtered_bytes);
	assert_memory_equal(b, isb_filtered_bytes, sizeof isb_filtered_bytes);
}

static void test_pcapng_bytes(void **state)
{
	static const struct writer_meta meta = { "hw", "Linux", "app", NULL };
	static const struct writer_iface ifc[2] = {
		{ "eth0", "d", "tcp", LINKTYPE_ETHERNET, 65535, NULL, 0 },
		{ NULL, NULL, NULL, LINKTYPE_LINUX_SLL2, 3, NULL, 0 },
	};
	struct writer_opts o = { OUT_PCAPNG, -1, 0, &meta, ifc, 2, 0, 0, NULL, NULL };
	struct iface_stats st = { .start_ns = 1000000000ull, .end_ns = 2000000000ull, .ifrecv = 1000,
				  .ifdrop = 2, .osdrop = 3, .usrdeliv = 4 };
	struct frame fin = mkframe(TS1, payload5, 5, 60, 0, FRAME_DIR_IN);
	struct frame fout = mkframe(TS1, payload5, 5, 60, 0, FRAME_DIR_OUT);
	struct frame f1 = mkframe(TS1 + 1, payload5, 5, 60, 1, FRAME_DIR_UNKNOWN);
	uint8_t want[512];
	size_t n = 0;
	struct tmpout t;
	char err[256];
	int e = 0;
	struct writer *w;

	(void)state;
	f1.linktype = LINKTYPE_LINUX_SLL2;
#define APPEND(a) (memcpy(want + n, a, sizeof a), n += sizeof a)
	APPEND(shb_bytes);
	APPEND(idb0_bytes);
	APPEND(idb1_bytes);
	APPEND(epb_in_bytes);
	APPEND(epb_out_bytes);
	APPEND(epb_if1_bytes);
	APPEND(isb_bytes);
#undef APPEND
	tmp_open(&t);
	w = writer_open(t.fd, t.path, &o, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(writer_record_size(w, &fin), sizeof epb_in_bytes);
	assert_int_equal(writer_record_size(w, &f1), sizeof epb_if1_bytes);
	assert_int_equal(writer_write(w, &fin, &e, err, sizeof err), 0);
	assert_int_equal(writer_write(w, &fout, &e, err, sizeof err), 0);
	assert_int_equal(writer_write(w, &f1, &e, err, sizeof err), 0);
	assert_int_equal(writer_write_stats(w, 1, &st, &e, err, sizeof err), 0);
	assert_int_equal(writer_frames(w), 3);
	assert_int_equal(writer_bytes(w), n);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	assert_file_bytes(t.path, want, n);
	tmp_done(&t);
}

/* Options absent: SHB without options, IDB with only if_tsresol. */
static void test_pcapng_minimal(void **state)
{
	static const uint8_t want[] = {
		0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1c, 0, 0, 0,
		0x01, 0, 0, 0, 0x20, 0, 0, 0, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x09, 0x00, 0x01, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
	};
	/* snaplen 0 means the largest (FRAME_MAX_CAPLEN, 0x40000) */
	struct writer_iface ifc = { NULL, NULL, NULL, LINKTYPE_RAW, 0, NULL, 0 };
	struct writer_opts o = { OUT_PCAPNG, -1, 0, NULL, &ifc, 1, 0, 0, NULL, NULL };
	struct tmpout t;
	char err[256];
	int e;
	struct writer *w;

	(void)state;
	tmp_open(&t);
	w = writer_open(t.fd, t.path, &o, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	assert_file_bytes(t.path, want, sizeof want);
	tmp_done(&t);
}

/* ---------------------------------------------------------------- bad arguments */

static void test_bad_args(void **state)
{
	static const struct writer_iface two[2] = {
		{ "a", NULL, NULL, LINKTYPE_ETHERNET, 100, NULL, 0 }, { "b", NULL, NULL, LINKTYPE_ETHERNET, 100, NULL, 0 },
	};
	static const struct writer_iface big_lt = { "a", NULL, NULL, 70000, 100, NULL, 0 };
	static const struct {
		struct writer_opts o;
		const char *msg;
	} rows[] = {
		{ { OUT_PCAP_US, -1, 0, NULL, two, 2, 0, 0, NULL, NULL }, "holds one interface" },
		{ { OUT_PCAPNG, -1, 0, NULL, two, 0, 0, 0, NULL, NULL }, "no interface" },
		{ { OUT_PCAPNG, 10, 0, NULL, two, 2, 0, 0, NULL, NULL }, "gzip level 10" },
		{ { OUT_PCAPNG, 0, 0, NULL, two, 2, 0, 0, NULL, NULL }, "gzip level 0" },
		{ { OUT_PCAPNG, -1, 0, NULL, two, 2, 0, 20, NULL, NULL }, "zstd level 20" },
		{ { OUT_PCAPNG, 1, 0, NULL, two, 2, 0, 3, NULL, NULL }, "gzip and zstd" },
		{ { OUT_PCAPNG, -1, 0, NULL, &big_lt, 1, 0, 0, NULL, NULL }, "16 bits" },
		{ { (enum out_format)7, -1, 0, NULL, two, 1, 0, 0, NULL, NULL }, "unknown output format" },
	};
	struct writer_opts o = { OUT_PCAPNG, -1, 0, NULL, two, 2, 0, 0, NULL, NULL };
	uint8_t d[4] = { 0 };
	struct frame f = mkframe(1, d, 4, 4, 2, FRAME_DIR_UNKNOWN);
	char err[256];
	int e = 0;
	struct writer *w;

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		err[0] = 0;
		assert_null(writer_open(1, "out.x", &rows[i].o, err, sizeof err));
		assert_non_null(strstr(err, "out.x"));
		assert_non_null(strstr(err, rows[i].msg));
	}
	int devnull = open("/dev/null", O_WRONLY);

	assert_true(devnull >= 0);
	w = writer_open(devnull, "/dev/null", &o, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(writer_write(w, &f, &e, err, sizeof err), -1);  /* iface 2 of 2 */
	assert_int_equal(e, EINVAL);
	assert_non_null(strstr(err, "interface 2"));
	f.iface = 1;
	f.linktype = LINKTYPE_RAW;
	assert_int_equal(writer_write(w, &f, &e, err, sizeof err), -1);
	assert_non_null(strstr(err, "link type"));
	f.linktype = LINKTYPE_ETHERNET;
	assert_int_equal(writer_write(w, &f, &e, err, sizeof err), 0);
	assert_int_equal(writer_write_stats(w, 5, &(struct iface_stats){ 0 }, &e, err, sizeof err), -1);
	assert_int_equal(writer_frames(w), 1);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	assert_int_equal(writer_close(NULL, &e, err, sizeof err), 0);
	close(devnull);
}

/* ---------------------------------------------------------------- buffering and gzip */

/* Frame i: 40..1539 bytes whose content depends on i, so order and bytes are checkable. */
static struct frame seq_frame(uint32_t i, uint8_t *buf)
{
	uint32_t len = 40 + (i * 7919u) % 1500u;

	for (uint32_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31u + k / 3u);
	st_be32(buf, i);
	return mkframe(TS1 + (uint64_t)i * 1000003u, buf, len, len + (i % 5u), 0, (enum frame_dir)(i % 3u));
}

/* Write n frames; returns how many writer_write() accepted. */
static uint32_t write_seq(struct writer *w, uint32_t from, uint32_t n)
{
	static uint8_t buf[2048];
	uint32_t ok = 0;
	char err[256];
	int e;

	for (uint32_t i = from; i < from + n; i++) {
		struct frame f = seq_frame(i, buf);

		if (writer_write(w, &f, &e, err, sizeof err) == 0)
			ok++;
	}
	return ok;
}

/*
 * Write frames [from, from + n) with writer_write_ref() out of a pretend
 * capture ring holding `batch` frames, committing after each batch and then
 * scribbling over the ring as the kernel would when it reuses a block: the
 * file must not notice. Returns how many frames were accepted.
 */
static uint32_t write_seq_ref(struct writer *w, uint32_t from, uint32_t n, uint32_t batch)
{
	static uint8_t ring[1024][2048];
	uint32_t ok = 0;
	char err[256];
	int e;

	assert_true(batch >= 1 && batch <= 1024);
	for (uint32_t i = from; i < from + n; i++) {
		struct frame f = seq_frame(i, ring[(i - from) % batch]);

		if (writer_write_ref(w, &f, &e, err, sizeof err) == 0)
			ok++;
		if ((i - from + 1) % batch == 0 || i + 1 == from + n) {
			(void)writer_commit(w, &e, err, sizeof err);
			memset(ring, 0xee, sizeof ring);
		}
	}
	return ok;
}

static uint32_t write_seq_ref50(struct writer *w, uint32_t from, uint32_t n)
{
	return write_seq_ref(w, from, n, 50);
}

/*
 * Inflate a gzip file of one or more members (RFC 1952 section 2.2).
 * want_end: the input must end right after a member's trailer (every
 * member complete); otherwise it must end inside a member.
 */
static uint8_t *inflate_all(const uint8_t *in, size_t inlen, size_t *outlen, bool want_end)
{
	size_t cap = inlen * 8 + 4096;
	uint8_t *out = malloc(cap);
	z_stream z = { 0 };
	int rc;

	assert_non_null(out);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	for (;;) {
		z.next_in = (uint8_t *)in + z.total_in;
		z.avail_in = (uInt)(inlen - z.total_in);
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_SYNC_FLUSH);
		if (rc == Z_STREAM_END && z.total_in == inlen)
			break;
		if (rc == Z_STREAM_END) {
			uLong tin = z.total_in, tout = z.total_out;

			assert_int_equal(inflateReset(&z), Z_OK);
			z.total_in = tin;
			z.total_out = tout;
			continue;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && z.avail_out > 0)
			break;
		assert_true(rc == Z_OK);
		if (z.avail_out == 0) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	assert_int_equal(rc == Z_STREAM_END, want_end);
	assert_int_equal(z.total_in, inlen);
	*outlen = z.total_out;
	inflateEnd(&z);
	return out;
}

/* Decompress a file of whole zstd frames (RFC 8878), checking each frame's checksum. */
static uint8_t *unzstd_all(const uint8_t *in, size_t inlen, size_t *outlen)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t cap = inlen * 8 + 4096, done = 0, pos = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(d);
	assert_non_null(out);
	while (pos < inlen) {
		size_t flen = ZSTD_findFrameCompressedSize(in + pos, inlen - pos);
		unsigned long long clen = ZSTD_getFrameContentSize(in + pos, inlen - pos);
		size_t n;

		assert_false(ZSTD_isError(flen));
		assert_true(clen != ZSTD_CONTENTSIZE_UNKNOWN && clen != ZSTD_CONTENTSIZE_ERROR);
		while (cap - done < clen) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		n = ZSTD_decompressDCtx(d, out + done, cap - done, in + pos, flen);
		assert_false(ZSTD_isError(n));
		assert_int_equal(n, clen);
		done += n;
		pos += flen;
	}
	ZSTD_freeDCtx(d);
	*outlen = done;
	return out;
}

/* gzip or zstd by the magic (1f 8b / 28 b5 2f fd), every member complete. */
static uint8_t *decompress_all(const uint8_t *in, size_t inlen, size_t *outlen)
{
	assert_true(inlen >= 4);
	if (in[0] == 0x28 && in[1] == 0xb5 && in[2] == 0x2f && in[3] == 0xfd)
		return unzstd_all(in, inlen, outlen);
	assert_int_equal(in[0], 0x1f);
	assert_int_equal(in[1], 0x8b);
	return inflate_all(in, inlen, outlen, true);
}

/* Test-side shorthand: a "level" of ZSTD(n) asks for zstd level n, 1..9 for gzip, -1 plain. */
#define ZSTD(n) (100 + (n))

static void set_level(struct writer_opts *o, int level)
{
	o->gzip_level = level >= ZSTD(0) ? -1 : level;
	o->zstd_level = level >= ZSTD(0) ? level - ZSTD(0) : 0;
}

static void write_file_threads(enum out_format fmt, int level, unsigned threads, size_t bufsz,
			       uint32_t nframes, struct tmpout *t)
{
	struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };
	struct writer_opts o = { fmt, level, bufsz, NULL, &ifc, 1, threads, 0, NULL, NULL };
	struct writer *w;
	char err[256];
	int e;

	set_level(&o, level);
	tmp_open(t);
	w = writer_open(t->fd, t->path, &o, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(write_seq(w, 0, nframes), nframes);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
}

static void write_file(enum out_format fmt, int level, size_t bufsz, uint32_t nframes, struct tmpout *t)
{
	write_file_threads(fmt, level, 0, bufsz, nframes, t);
}

/* gzip and zstd files decompress to the plain file's bytes, every format and staging size. */
static void test_gzip_equals_plain(void **state)
{
	static const enum out_format fmts[] = { OUT_PCAP_US, OUT_PCAP_NS, OUT_PCAPNG };
	static const size_t bufs[] = { 0, 8192 };
	static const int levels[] = { 6, ZSTD(3) };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		for (size_t b = 0; b < 2; b++) {
			for (size_t l = 0; l < 2; l++) {
				struct tmpout plain, gz;
				size_t plen, glen, ilen;
				uint8_t *p, *g, *in;

				write_file(fmts[i], -1, bufs[b], 3000, &plain);
				write_file(fmts[i], levels[l], bufs[b], 3000, &gz);
				p = read_all(plain.path, &plen);
				g = read_all(gz.path, &glen);
				assert_true(glen < plen);
				assert_int_equal(g[0], levels[l] < ZSTD(0) ? 0x1f : 0x28);
				in = decompress_all(g, glen, &ilen);
				assert_int_equal(ilen, plen);
				assert_memory_equal(in, p, plen);
				free(p);
				free(g);
				free(in);
				tmp_done(&plain);
				tmp_done(&gz);
			}
		}
	}
}

/* n pseudo-random bytes (xorshift64, state *x): data deflate cannot shrink. */
static void fill_random(uint8_t *p, size_t n, uint64_t *x)
{
	for (size_t k = 0; k < n; k++) {
		*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
		p[k] = (uint8_t)*x;
	}
}

/* Incompressible frames: each member is as large as deflate (stored blocks)
 * or zstd (raw blocks) can make it and must still fit the output buffer. */
static void test_gzip_incompressible(void **state)
{
	static const int levels[] = { 1, 9, ZSTD(1), ZSTD(19) };
	static const size_t bufs[] = { 0, 300000 };
	static uint8_t data[1514];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		for (size_t b = 0; b < 2; b++) {
			struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 0, NULL, 0 };
			struct writer_opts o = { OUT_PCAPNG, -1, bufs[b], NULL, &ifc, 1, 0, 0, NULL, NULL };
			uint64_t x = 88172645463325252ull, total;
			struct tmpout t;
			size_t glen, ilen;
			uint8_t *g, *in;
			char err[256];
			int e;
			struct writer *w;

			set_level(&o, levels[i]);
			tmp_open(&t);
			w = writer_open(t.fd, t.path, &o, err, sizeof err);
			assert_non_null(w);
			for (uint32_t n = 0; n < 3000; n++) {
				struct frame f = mkframe(TS1 + n, data, sizeof data, sizeof data, 0,
							 FRAME_DIR_UNKNOWN);

				fill_random(data, sizeof data, &x);
				assert_int_equal(writer_write(w, &f, &e, err, sizeof err), 0);
			}
			total = writer_bytes(w);
			assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
			g = read_all(t.path, &glen);
			in = decompress_all(g, glen, &ilen);
			assert_int_equal(ilen, total);
			assert_true(glen > ilen / 10 * 9);  /* really did not compress */
			free(g);
			free(in);
			tmp_done(&t);
		}
	}
}

/*
 * Parallel deflate (gzpar.h): whatever the thread count and chunk size, the
 * file inflates to the plain file's bytes, and the compressed bytes do not
 * depend on the number of threads or on their timing.
 */
static void test_gzip_threads(void **state)
{
	static const unsigned threads[] = { 1, 2, 5 };
	static const size_t bufs[] = { 4096, 65536 };
	static const int levels[] = { 1, ZSTD(3) };

	(void)state;
	for (size_t b = 0; b < 4; b++) {
		int level = levels[b / 2];
		struct tmpout plain, one;
		size_t plen, olen;
		uint8_t *p, *o1;

		write_file_threads(OUT_PCAPNG, -1, 0, bufs[b % 2], 3000, &plain);
		write_file_threads(OUT_PCAPNG, level, 1, bufs[b % 2], 3000, &one);
		p = read_all(plain.path, &plen);
		o1 = read_all(one.path, &olen);
		for (size_t t = 0; t < 3; t++) {
			struct tmpout gz;
			size_t glen, ilen;
			uint8_t *g, *in;

			write_file_threads(OUT_PCAPNG, level, threads[t], bufs[b % 2], 3000, &gz);
			g = read_all(gz.path, &glen);
			in = decompress_all(g, glen, &ilen);
			assert_int_equal(ilen, plen);
			assert_memory_equal(in, p, plen);
			assert_int_equal(glen, olen);
			assert_memory_equal(g, o1, olen);
			free(g);
			free(in);
			tmp_done(&gz);
		}
		free(p);
		free(o1);
		tmp_done(&plain);
		tmp_done(&one);
	}
}

#define MAX_MEMBERS 4096

struct member_log {
	struct writer_member m[MAX_MEMBERS];
	size_t n;
};

static void log_member(void *ctx, const struct writer_member *m)
{
	struct member_log *l = ctx;

	assert_true(l->n < MAX_MEMBERS);
	l->m[l->n++] = *m;
}

/* The `len` bytes at `p` are exactly whole pcap records: their count. */
static uint64_t pcap_records(const uint8_t *p, size_t len)
{
	uint64_t n = 0;
	size_t off = 0;

	while (off < len) {
		assert_true(off + 16 <= len);
		off += 16 + ld_le32(p + off + 8);
		n++;
	}
	assert_int_equal(off, len);
	return n;
}

/*
 * Compressed files are independent members of at most one staging buffer,
 * each starting at a record boundary, reported in order through on_member
 * with offsets that let a reader start at any of them: each member alone
 * decompresses to the plain file's bytes at [raw_off, raw_off + raw_len),
 * those bytes are whole records (frames of them), and a flush ends a
 * member early. writer_last_member() agrees with the last report.
 */
static void test_members(void **state)
{
	static const int levels[] = { 1, ZSTD(1) };
	struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };

	(void)state;
	for (size_t l = 0; l < 2; l++) {
		static struct member_log log;
		struct writer_opts o = { OUT_PCAP_NS, -1, 8192, NULL, &ifc, 1, 3, 0, log_member, &log };
		struct writer_member last;
		struct tmpout plain, t;
		size_t plen, glen;
		uint8_t *p, *g;
		uint64_t frames = 0;
		char err[256];
		int e;
		struct writer *w;

		log.n = 0;
		write_file(OUT_PCAP_NS, -1, 0, 600, &plain);
		set_level(&o, levels[l]);
		tmp_open(&t);
		w = writer_open(t.fd, t.path, &o, err, sizeof err);
		assert_non_null(w);
		assert_false(writer_last_member(w, &last));
		assert_int_equal(write_seq(w, 0, 300), 300);
		assert_int_equal(writer_flush(w, false, &e, err, sizeof err), 0);
		assert_true(log.n >= 300 * 40 / 8192);
		/* the flush ended a short member: everything so far is in whole members */
		assert_int_equal(log.m[log.n - 1].raw_off + log.m[log.n - 1].raw_len, writer_bytes(w));
		assert_true(writer_last_member(w, &last));
		assert_memory_equal(&last, &log.m[log.n - 1], sizeof last);
		assert_int_equal(write_seq(w, 300, 300), 300);
		assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
		p = read_all(plain.path, &plen);
		g = read_all(t.path, &glen);
		for (size_t i = 0; i < log.n; i++) {
			const struct writer_member *m = &log.m[i];
			size_t ilen;
			uint8_t *in = decompress_all(g + m->file_off, m->file_len, &ilen);

			assert_int_equal(m->index, i);
			assert_int_equal(m->raw_off, i ? log.m[i - 1].raw_off + log.m[i - 1].raw_len : 0);
			assert_int_equal(m->file_off, i ? log.m[i - 1].file_off + log.m[i - 1].file_len : 0);
			assert_true(m->raw_len > 0 && m->raw_len <= 8192);
			assert_int_equal(ilen, m->raw_len);
			assert_true(m->raw_off + ilen <= plen);
			assert_memory_equal(in, p + m->raw_off, ilen);
			/* the first member also holds the 24-byte file header */
			assert_int_equal(pcap_records(in + (i ? 0 : 24), ilen - (i ? 0 : 24)), m->frames);
			frames += m->frames;
			free(in);
		}
		assert_int_equal(frames, 600);
		assert_int_equal(log.m[log.n - 1].raw_off + log.m[log.n - 1].raw_len, plen);
		assert_int_equal(log.m[log.n - 1].file_off + log.m[log.n - 1].file_len, glen);
		free(p);
		free(g);
		tmp_done(&plain);
		tmp_done(&t);
	}
}

/* zcut_good_end over the first `len` bytes of `path`; returns *good, checks the kind. */
static uint64_t zcut_at(const char *path, uint64_t len, int kind, uint64_t *members, uint64_t *raw)
{
	char err[256];
	uint64_t good;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(zcut_good_end(fd, len, &good, members, raw, err, sizeof err), kind);
	close(fd);
	return good;
}

/*
 * A compressed file cut anywhere (a crash, a full disk) or damaged inside a
 * member: zcut_good_end finds the end of the last member before that point
 * which decompresses whole with a good checksum, and how much it holds.
 */
static void test_zcut(void **state)
{
	static const int levels[] = { 1, ZSTD(1) };
	struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };

	(void)state;
	for (size_t l = 0; l < 2; l++) {
		static struct member_log log;
		struct writer_opts o = { OUT_PCAP_NS, -1, 8192, NULL, &ifc, 1, 2, 0, log_member, &log };
		int kind = levels[l] < ZSTD(0) ? ZCUT_GZIP : ZCUT_ZSTD;
		uint64_t members, raw;
		struct tmpout t;
		size_t glen;
		uint8_t *g;
		char err[256];
		int e;
		struct writer *w;

		log.n = 0;
		set_level(&o, levels[l]);
		tmp_open(&t);
		w = writer_open(t.fd, t.path, &o, err, sizeof err);
		assert_non_null(w);
		assert_int_equal(write_seq(w, 0, 200), 200);
		assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
		assert_true(log.n >= 4);
		g = read_all(t.path, &glen);
		/* whole file: every member */
		assert_int_equal(zcut_at(t.path, glen, kind, &members, &raw), glen);
		assert_int_equal(members, log.n);
		assert_int_equal(raw, log.m[log.n - 1].raw_off + log.m[log.n - 1].raw_len);
		/* cut inside member k or right at its end */
		for (size_t k = 0; k < log.n; k++) {
			const struct writer_member *m = &log.m[k];
			uint64_t cuts[] = { m->file_off + 1, m->file_off + m->file_len / 2,
					    m->file_off + m->file_len - 1, m->file_off + m->file_len };

			for (size_t c = 0; c < 4; c++) {
				bool whole = cuts[c] == m->file_off + m->file_len;
				uint64_t want = whole ? cuts[c] : m->file_off;

				assert_int_equal(zcut_at(t.path, cuts[c], cuts[c] >= 4 ? kind : ZCUT_PLAIN,
							 &members, &raw), cuts[c] >= 4 ? want : 0);
				if (cuts[c] >= 4)
					assert_int_equal(members, k + whole);
			}
		}
		/* a flipped byte inside member 2's data: members 0 and 1 stay */
		{
			int fd = open(t.path, O_WRONLY);
			uint8_t b = g[log.m[2].file_off + log.m[2].file_len / 2] ^ 0x55;

			assert_true(fd >= 0);
			assert_int_equal(pwrite(fd, &b, 1, (off_t)(log.m[2].file_off + log.m[2].file_len / 2)), 1);
			close(fd);
			assert_int_equal(zcut_at(t.path, glen, kind, &members, &raw), log.m[2].file_off);
			assert_int_equal(members, 2);
			assert_int_equal(raw, log.m[2].raw_off);
		}
		free(g);
		tmp_done(&t);
	}
}

/* Nothing reaches the file until the buffer fills or writer_flush; a flushed
 * gzip or zstd file is complete (whole members) and decompresses to every
 * byte accepted so far. */
static void test_flush_visibility(void **state)
{
	static const int levels[] = { -1, 1, ZSTD(1) };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };
		struct writer_opts o = { OUT_PCAPNG, levels[i], 0, NULL, &ifc, 1, 0, 0, NULL, NULL };
		struct tmpout t;
		struct stat st;
		size_t len, ilen;
		uint8_t *b, *in;
		char err[256];
		int e;
		struct writer *w;

		set_level(&o, levels[i]);
		tmp_open(&t);
		w = writer_open(t.fd, t.path, &o, err, sizeof err);
		assert_non_null(w);
		assert_int_equal(write_seq(w, 0, 100), 100);
		assert_int_equal(fstat(t.fd, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(writer_pending_frames(w), 100);
		assert_int_equal(writer_flush(w, true, &e, err, sizeof err), 0);
		assert_int_equal(writer_pending_frames(w), 0);
		b = read_all(t.path, &len);
		assert_int_equal(writer_disk_bytes(w), len);
		if (levels[i] < 0) {
			assert_int_equal(len, writer_bytes(w));
		} else {
			in = decompress_all(b, len, &ilen);
			assert_int_equal(ilen, writer_bytes(w));
			free(in);
		}
		free(b);
		assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
		tmp_done(&t);
	}
}

/* ---------------------------------------------------------------- references */

/* One file written with writer_write() or writer_write_ref(); statistics blocks in between. */
static uint8_t *ref_file(const struct writer_opts *o, bool ref, uint32_t batch, size_t *len)
{
	struct iface_stats st = { .start_ns = TS1, .end_ns = TS1 + 5, .ifrecv = 10, .ifdrop = 1,
				  .osdrop = 2 };
	struct tmpout t;
	char err[256];
	int e;
	uint8_t *b;
	struct writer *w;

	tmp_open(&t);
	w = writer_open(t.fd, t.path, o, err, sizeof err);
	assert_non_null(w);
	for (uint32_t part = 0; part < 3; part++) {
		uint32_t from = part * 1500;

		if (ref)
			assert_int_equal(write_seq_ref(w, from, 1500, batch), 1500);
		else
			assert_int_equal(write_seq(w, from, 1500), 1500);
		assert_int_equal(writer_write_stats(w, 0, &st, &e, err, sizeof err), 0);
	}
	assert_int_equal(writer_frames(w), 4500);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	b = read_all(t.path, len);
	tmp_done(&t);
	return b;
}

/*
 * writer_write_ref() gives byte for byte the file writer_write() gives:
 * every format, plain and gzip, small and large frames (both sides of the
 * copy threshold), batches that overflow one writev's iovecs, a staging
 * size small enough to force commits inside a batch.
 */
static void test_ref_equals_copy(void **state)
{
	static const enum out_format fmts[] = { OUT_PCAP_US, OUT_PCAP_NS, OUT_PCAPNG };
	static const uint32_t batches[] = { 1, 7, 1024 };
	static const size_t bufs[] = { 0, 4096 };

	(void)state;
	for (size_t fi = 0; fi < 3; fi++)
		for (int level = -1; level <= 1; level += 2)
			for (size_t bi = 0; bi < 3; bi++)
				for (size_t si = 0; si < 2; si++) {
					struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };
					struct writer_opts o = { fmts[fi], level, bufs[si], NULL, &ifc, 1, 0, 0, NULL, NULL };
					size_t alen, blen;
					uint8_t *a = ref_file(&o, false, 1, &alen);
					uint8_t *b = ref_file(&o, true, batches[bi], &blen);

					assert_int_equal(alen, blen);
					assert_memory_equal(a, b, alen);
					free(a);
					free(b);
				}
}

/* ---------------------------------------------------------------- write errors */

/* Count packets libpcap reads from `path`, checking each is seq_frame(i) in order. */
static uint32_t libpcap_count(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t buf[2048];
	uint32_t n = 0;
	int rc;

	assert_non_null(p);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		struct frame f = seq_frame(n, buf);
		uint32_t cut = f.caplen < 1000 ? f.caplen : 1000;  /* interface snaplen */

		assert_int_equal(h->caplen, cut);
		assert_int_equal(h->len, f.origlen);
		assert_memory_equal(d, buf, cut);
		n++;
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK);  /* clean end, no partial record */
	pcap_close(p);
	return n;
}

static void set_fsize(rlim_t lim)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = lim;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/*
 * RLIMIT_FSIZE makes write(2) stop short and then fail with EFBIG, like a
 * full disk. The file must end on a record boundary with every earlier
 * frame readable, and once the limit is lifted the same writer goes on.
 */
static void efbig_case(enum out_format fmt, int level, unsigned threads,
		       uint32_t (*wr)(struct writer *, uint32_t, uint32_t))
{
	struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };
	struct writer_opts o = { fmt, level, 16384, NULL, &ifc, 1, threads, 0, NULL, NULL };
	struct rlimit saved;
	struct tmpout t;
	struct stat st;
	uint32_t ok, more;
	char err[512];
	int e = 0;
	struct writer *w;

	set_level(&o, level);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	tmp_open(&t);
	w = writer_open(t.fd, t.path, &o, err, sizeof err);
	assert_non_null(w);
	set_fsize(level < 0 ? 100000 : 8000);
	/* gzip learns of the failure only when a compressed chunk is written,
	 * and up to (threads + 2) staging buffers may be compressing by then
	 * (slower on a busy machine): send enough that it surfaces anyway */
	ok = wr(w, 0, level < 0 ? 400 : 3000);
	assert_true(ok < (level < 0 ? 400u : 3000u));
	assert_int_equal(writer_flush(w, false, &e, err, sizeof err), -1);
	assert_int_equal(e, EFBIG);
	assert_non_null(strstr(err, t.path));
	assert_int_equal(fstat(t.fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, writer_disk_bytes(w));
	assert_true(writer_pending_frames(w) > 0);
	if (level < 0) {
		assert_true(st.st_size > 0);
		assert_int_equal(libpcap_count(t.path) + writer_pending_frames(w), ok);
	} else {
		/* cut at the last whole member: complete, and whole records */
		size_t len, ilen;
		uint8_t *b = read_all(t.path, &len);
		uint8_t *in = decompress_all(b, len, &ilen);
		struct tmpout u;

		assert_true(ilen > 0);
		assert_true(ilen < writer_bytes(w));
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
		tmp_open(&u);
		assert_int_equal(write(u.fd, in, ilen), (ssize_t)ilen);
		assert_int_equal(libpcap_count(u.path) + writer_pending_frames(w), ok);
		tmp_done(&u);
		set_fsize(8000);
		free(b);
		free(in);
	}
	/* still failing: frames are refused with the same error */
	assert_int_equal(wr(w, ok, 3), 0);
	/* space again: an explicit flush retries at once; the held frames and
	 * new ones all land, in order */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_int_equal(writer_flush(w, false, &e, err, sizeof err), 0);
	assert_int_equal(writer_pending_frames(w), 0);
	more = wr(w, ok, 50);
	assert_int_equal(more, 50);
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	if (level < 0) {
		assert_int_equal(libpcap_count(t.path), ok + 50);
	} else {
		size_t len, ilen;
		uint8_t *b = read_all(t.path, &len);
		uint8_t *in = decompress_all(b, len, &ilen);
		int fd = open(t.path, O_WRONLY | O_TRUNC);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, in, ilen), (ssize_t)ilen);
		close(fd);
		assert_int_equal(libpcap_count(t.path), ok + 50);
		free(b);
		free(in);
	}
	tmp_done(&t);
}

static void test_efbig_rollback(void **state)
{
	void (*old)(int) = signal(SIGXFSZ, SIG_IGN);

	(void)state;
	efbig_case(OUT_PCAP_NS, -1, 0, write_seq);
	efbig_case(OUT_PCAPNG, -1, 0, write_seq);
	efbig_case(OUT_PCAPNG, 6, 0, write_seq);
	/* gzip with chunks compressing on 1 and on 4 threads when the write fails */
	efbig_case(OUT_PCAPNG, 1, 1, write_seq);
	efbig_case(OUT_PCAP_US, 1, 4, write_seq);
	efbig_case(OUT_PCAPNG, ZSTD(3), 2, write_seq);
	efbig_case(OUT_PCAP_NS, ZSTD(1), 0, write_seq_ref50);
	/* Referenced frames: a failed commit must copy them before the ring is reused. */
	efbig_case(OUT_PCAP_NS, -1, 0, write_seq_ref50);
	efbig_case(OUT_PCAPNG, -1, 0, write_seq_ref50);
	efbig_case(OUT_PCAPNG, 6, 0, write_seq_ref50);
	signal(SIGXFSZ, old);
}

/* A pipe whose reader is gone: EPIPE is reported, nothing crashes, close frees. */
static void test_pipe_error(void **state)
{
	struct writer_iface ifc = { "eth0", NULL, NULL, LINKTYPE_ETHERNET, 1000, NULL, 0 };
	struct writer_opts o = { OUT_PCAP_US, -1, 0, NULL, &ifc, 1, 0, 0, NULL, NULL };
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	char err[256];
	int e = 0, fds[2];
	uint64_t lost = 99;
	struct writer *w;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	w = writer_open(fds[1], "-", &o, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(write_seq(w, 0, 5), 5);
	assert_int_equal(writer_flush(w, true, &e, err, sizeof err), -1);
	assert_int_equal(e, EPIPE);
	assert_non_null(strstr(err, "-: write failed"));
	assert_int_equal(writer_close_lost(w, &lost, &e, err, sizeof err), -1);
	assert_non_null(strstr(err, "5 frames lost"));
	assert_int_equal(lost, 5);
	close(fds[1]);
	signal(SIGPIPE, old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_pcap_bytes),
		cmocka_unit_test(test_pcapng_bytes),
		cmocka_unit_test(test_isb_encode),
		cmocka_unit_test(test_pcapng_minimal),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_gzip_equals_plain),
		cmocka_unit_test(test_gzip_incompressible),
		cmocka_unit_test(test_gzip_threads),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_zcut),
		cmocka_unit_test(test_flush_visibility),
		cmocka_unit_test(test_ref_equals_copy),
		cmocka_unit_test(test_efbig_rollback),
		cmocka_unit_test(test_pipe_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
