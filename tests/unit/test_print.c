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
	print_state_free(&st);
}

/* An Ethernet/IPv4/TCP frame from 192.0.2.1:sport to 192.0.2.2:dport (or the reverse) with flags. */
static size_t tcp_frame(uint8_t *p, bool back, uint16_t sport, uint16_t dport, uint32_t seq,
			uint32_t ack, uint8_t flags)
{
	static const uint8_t head[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
					0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0 };
	uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };

	memset(p, 0, 54);
	memcpy(p, head, sizeof head);
	memcpy(p + 26, back ? b : a, 4);
	memcpy(p + 30, back ? a : b, 4);
	p[34] = (uint8_t)((back ? dport : sport) >> 8), p[35] = (uint8_t)(back ? dport : sport);
	p[36] = (uint8_t)((back ? sport : dport) >> 8), p[37] = (uint8_t)(back ? sport : dport);
	for (int i = 0; i < 4; i++) {
		p[38 + i] = (uint8_t)(seq >> (24 - 8 * i));
		p[42 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	p[46] = 0x50;
	p[47] = flags;
	p[48] = 0x20;
	return 54;
}

/* The line for one frame (UTC, no timestamp). */
static void tcp_line(const struct print_opts *o, struct print_state *st, const uint8_t *p, size_t n,
		     char *out, size_t cap)
{
	struct dec_packet d;
	struct frame f = { .ts_ns = 1, .caplen = (uint32_t)n, .origlen = (uint32_t)n, .linktype = 1,
			   .data = p };

	dec_packet(1, p, n, (uint32_t)n, DEC_DEPTH_ALL, &d);
	print_line(o, st, &f, &d, out, cap);
}

/*
 * Relative sequence numbers as tcpdump makes them: SYN absolute, SYN-ACK
 * absolute (it records the flow), later segments relative both ways; past
 * PRINT_SEQ_MAX_FLOWS flows, new flows print absolute and marked.
 */
static void test_relative_seq(void **state)
{
	struct print_opts o = { .ts = PRINT_TS_NONE }, s = { .ts = PRINT_TS_NONE, .abs_seq = true };
	struct print_state st = { 0 }, sa = { 0 };
	uint8_t p[64];
	char line[256];
	size_t n;
	(void)state;

	n = tcp_frame(p, false, 40000, 80, 1000, 0, 0x02);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.1.40000 > 192.0.2.2.80: Flags [S], seq 1000, win 8192, length 0\n");
	n = tcp_frame(p, true, 40000, 80, 5000, 1001, 0x12);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.2.80 > 192.0.2.1.40000: Flags [S.], seq 5000, ack 1001, win 8192, length 0\n");
	n = tcp_frame(p, false, 40000, 80, 1001, 5001, 0x10);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.1.40000 > 192.0.2.2.80: Flags [.], ack 1, win 8192, length 0\n");
	n = tcp_frame(p, true, 40000, 80, 5001, 1001, 0x11);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.2.80 > 192.0.2.1.40000: Flags [F.], seq 1, ack 1, win 8192, length 0\n");
	tcp_line(&s, &sa, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.2.80 > 192.0.2.1.40000: Flags [F.], seq 5001, ack 1001, win 8192, length 0\n");
	/* fill the table: each flow is recorded by its first ACK segment */
	for (uint32_t i = 1; i < PRINT_SEQ_MAX_FLOWS; i++) {
		n = tcp_frame(p, false, (uint16_t)(1024 + i % 60000), (uint16_t)(1 + i / 60000), 7, 9, 0x10);
		tcp_line(&o, &st, p, n, line, sizeof line);
		assert_null(strstr(line, "[abs]"));
	}
	n = tcp_frame(p, false, 2000, 9, 70000, 90000, 0x10);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.1.2000 > 192.0.2.2.9: Flags [.] [abs], ack 90000, win 8192, length 0\n");
	tcp_line(&o, &st, p, n, line, sizeof line); /* still not remembered */
	assert_non_null(strstr(line, "[abs], ack 90000"));
	/* flows already known still print relative */
	n = tcp_frame(p, true, 40000, 80, 5101, 1201, 0x10);
	tcp_line(&o, &st, p, n, line, sizeof line);
	assert_string_equal(line, "IP 192.0.2.2.80 > 192.0.2.1.40000: Flags [.], ack 201, win 8192, length 0\n");
	print_state_free(&st);
	print_state_free(&sa);
	print_state_free(&st); /* a second free is a no-op */
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
		cmocka_unit_test(test_relative_seq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
