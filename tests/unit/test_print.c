/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the printers' building blocks: timestamps, bounded buffer, JSON strings, TCP flags, checksums. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pcaprec/decode.h"
#include "pcaprec/print.h"

#define NS 1000000000ull

struct ts_row {
	enum print_ts style;
	bool nano;
	uint64_t first, ts;       /* first packet (prints first), then the one checked */
	const char *want;
};

/* Expected texts follow tcpdump 4.99's -t family (time of day in UTC here). */
static const struct ts_row ts_rows[] = {
	{ PRINT_TS_LOCAL, false, 1700000000 * NS + 123456789, 1700000000 * NS + 123456789, "22:13:20.123456" },
	{ PRINT_TS_LOCAL, true, 1700000000 * NS + 123456789, 1700000000 * NS + 123456789, "22:13:20.123456789" },
	{ PRINT_TS_EPOCH, false, 0, 1700000000 * NS + 5000, "1700000000.000005" },
	{ PRINT_TS_EPOCH, true, 0, 1700000000 * NS + 5, "1700000000.000000005" },
	{ PRINT_TS_DATE, false, 0, 1700000000 * NS, "2023-11-14 22:13:20.000000" },
	{ PRINT_TS_DELTA, false, 100 * NS, 100 * NS + 3661 * NS + NS / 2, " 01:01:01.500000" },
	{ PRINT_TS_DELTA, false, 100 * NS, 99 * NS, "-00:00:01.000000" },
	{ PRINT_TS_SINCE_FIRST, true, 100 * NS, 100 * NS + 90000 * NS + 7, " 25:00:00.000000007" },
	{ PRINT_TS_NONE, false, 0, 5, "" },
};

static void test_timestamps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ts_rows / sizeof ts_rows[0]; i++) {
		const struct ts_row *r = &ts_rows[i];
		struct print_opts o = { .ts = r->style, .nano = r->nano, .utc = true };
		struct print_state st = { 0 };
		char buf[64];
		struct pbuf b;

		pb_init(&b, buf, sizeof buf);
		print_ts(&o, &st, r->first, &b);
		pb_init(&b, buf, sizeof buf);
		print_ts(&o, &st, r->ts, &b);
		assert_string_equal(buf, r->want);
	}
}

/* -ttt measures from the previous packet, -ttttt from the first. */
static void test_delta_state(void **state)
{
	struct print_opts d = { .ts = PRINT_TS_DELTA }, f = { .ts = PRINT_TS_SINCE_FIRST };
	struct print_state sd = { 0 }, sf = { 0 };
	char buf[64];
	struct pbuf b;
	(void)state;

	for (uint64_t t = 10; t <= 30; t += 10) {
		pb_init(&b, buf, sizeof buf);
		print_ts(&d, &sd, t * NS, &b);
		assert_string_equal(buf, t == 10 ? " 00:00:00.000000" : " 00:00:10.000000");
		pb_init(&b, buf, sizeof buf);
		print_ts(&f, &sf, t * NS, &b);
		assert_string_equal(buf, t == 10 ? " 00:00:00.000000" : t == 20 ? " 00:00:10.000000" : " 00:00:20.000000");
	}
}

static void test_pbuf_bounds(void **state)
{
	char buf[8];
	struct pbuf b;
	(void)state;

	memset(buf, 'x', sizeof buf);
	pb_init(&b, buf, sizeof buf);
	pb_puts(&b, "abc");
	assert_false(b.full);
	pb_printf(&b, "%d", 123456);
	assert_true(b.full);
	assert_int_equal(b.len, 7);
	assert_string_equal(buf, "abc1234");
	pb_puts(&b, "more");
	assert_int_equal(b.len, 7);
	assert_int_equal(buf[7], '\0');
}

static void test_json_string(void **state)
{
	char buf[128];
	struct pbuf b;
	(void)state;

	pb_init(&b, buf, sizeof buf);
	pb_json_str(&b, "a\"b\\c\n\x01\x7f/");
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f/\"");
}

static void test_tcp_flags(void **state)
{
	static const struct {
		uint16_t flags;
		const char *want;
	} rows[] = {
		{ TCP_SYN, "S" }, { TCP_SYN | TCP_ACK, "S." }, { TCP_PSH | TCP_ACK, "P." },
		{ TCP_FIN | TCP_ACK, "F." }, { TCP_RST, "R" }, { TCP_SYN | TCP_ECE | TCP_CWR, "SEW" },
		{ TCP_URG | TCP_ACK, ".U" }, { 0, "none" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[16];
		struct pbuf b;
		pb_init(&b, buf, sizeof buf);
		print_tcp_flags(&b, rows[i].flags);
		assert_string_equal(buf, rows[i].want);
	}
}

/* IPv4/TCP SYN from test_decode.c (scapy-built, so its checksums are right). */
static const char SYN[] =
	"02000000000202000000000108004500003c000140004006b6b7c0000201c00002029c400050000003e800000000a002"
	"faf0f8590000020405b40402080a000030390000000001030307";

static void test_checksums(void **state)
{
	uint8_t pkt[128];
	size_t n = strlen(SYN) / 2;
	struct dec_packet d;
	uint16_t want = 0;
	(void)state;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(SYN + 2 * i, "%2x", &v), 1);
		pkt[i] = (uint8_t)v;
	}
	struct frame f = { .caplen = (uint32_t)n, .origlen = (uint32_t)n, .linktype = 1, .data = pkt };
	dec_packet(1, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	assert_int_equal(print_cksum_ipv4(&f, &d, &want), 1);
	assert_int_equal(want, 0xb6b7);
	assert_int_equal(print_cksum_l4(&f, &d, &want), 1);
	assert_int_equal(want, 0xf859);

	pkt[50] ^= 0xff; /* the TCP checksum's first byte */
	pkt[24] ^= 0x01; /* the IPv4 checksum's low byte */
	dec_packet(1, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	assert_int_equal(print_cksum_l4(&f, &d, &want), 0);
	assert_int_equal(want, 0xf859);
	assert_int_equal(print_cksum_ipv4(&f, &d, &want), 0);
	assert_int_equal(want, 0xb6b7);

	f.caplen = (uint32_t)n - 1; /* not all captured: cannot tell */
	dec_packet(1, pkt, n - 1, (uint32_t)n, DEC_DEPTH_ALL, &d);
	assert_int_equal(print_cksum_l4(&f, &d, &want), -1);
}

/* A line never overflows its buffer, whatever the packet. */
static void test_line_bounded(void **state)
{
	uint8_t pkt[128] = { 0 };
	size_t n = strlen(SYN) / 2;
	struct dec_packet d;
	struct print_opts o = { .link = true, .verbose = 2, .utc = true };
	struct print_state st = { 0 };
	char small[40];
	(void)state;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(SYN + 2 * i, "%2x", &v), 1);
		pkt[i] = (uint8_t)v;
	}
	struct frame f = { .ts_ns = 1, .caplen = (uint32_t)n, .origlen = (uint32_t)n, .linktype = 1, .data = pkt };
	dec_packet(1, pkt, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	size_t len = print_line(&o, &st, &f, &d, small, sizeof small);
	assert_true(len < sizeof small);
	assert_int_equal(strlen(small), len);
	assert_int_equal(small[len - 1], '\n');
	char mid[128];
	len = print_json(&o, &st, &f, &d, mid, sizeof mid);
	assert_true(len < sizeof mid);
	assert_int_equal(mid[0], '{');
	assert_int_equal(mid[len - 2], '}'); /* a cut object is replaced by a complete stub */
	assert_non_null(strstr(mid, "\"output_cut\":true"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_delta_state),
		cmocka_unit_test(test_pbuf_bounds),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_line_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
