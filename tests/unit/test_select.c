/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the selection: the --since/--until time parser, the window, directory expansion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>

#include "pcaprec/select.h"

#define S 1000000000LL
#define NOW (1764842520LL * S) /* 2025-12-04T10:02:00Z */

struct time_case {
	const char *in;
	bool ok;
	int64_t want;
};

/* Zoned and epoch forms do not depend on TZ; local forms are checked against date(1) in select.bats. */
static void test_parse_time_rows(void **state)
{
	static const struct time_case rows[] = {
		{ "2025-12-04T10:02:00Z", true, 1764842520LL * S },
		{ "2025-12-04t10:02:00z", true, 1764842520LL * S },
		{ "2025-12-04 10:02:00Z", true, 1764842520LL * S },
		{ "2025-12-04T10:02Z", true, 1764842520LL * S },
		{ "2025-12-04T10:02:00.5Z", true, 1764842520LL * S + 500000000 },
		{ "2025-12-04T10:02:00,25Z", true, 1764842520LL * S + 250000000 },
		{ "2025-12-04T10:02:00.123456789Z", true, 1764842520LL * S + 123456789 },
		{ "2025-12-04T10:02:00.1234567890Z", false, 0 },
		{ "2025-12-04T11:02:00+01:00", true, 1764842520LL * S },
		{ "2025-12-04T11:02:00+0100", true, 1764842520LL * S },
		{ "2025-12-04T11:02:00+01", true, 1764842520LL * S },
		{ "2025-12-04T05:02:00-05:00", true, 1764842520LL * S },
		{ "2025-12-04T10:02:00+24:00", false, 0 },
		{ "2025-12-04T10:02:00 UTC", false, 0 },
		{ "1970-01-01T00:00:00Z", true, 0 },
		{ "1969-12-31T23:59:59Z", true, -1 * S },
		{ "2000-02-29T00:00:00Z", true, 951782400LL * S },
		{ "2100-02-29T00:00:00Z", false, 0 },
		{ "2025-13-01T00:00:00Z", false, 0 },
		{ "2025-04-31T00:00:00Z", false, 0 },
		{ "2025-12-04T24:00:00Z", false, 0 },
		{ "2025-12-04T10:60:00Z", false, 0 },
		{ "2025-12-04T10:02:00.Z", false, 0 },
		{ "2025-12-04T1:02:00Z", false, 0 },
		{ "2025-12-4", false, 0 },
		{ "1764842520", true, 1764842520LL * S },
		{ "1764842520.25", true, 1764842520LL * S + 250000000 },
		{ "1764842520.000000001", true, 1764842520LL * S + 1 },
		{ "+1764842520", true, 1764842520LL * S },
		{ "0", true, 0 },
		{ "1764842520.", false, 0 },
		{ "17648x", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "-15m", true, NOW - 900 * S },
		{ "-2h", true, NOW - 7200 * S },
		{ "-30s", true, NOW - 30 * S },
		{ "-1d", true, NOW - 86400 * S },
		{ "-250ms", true, NOW - 250000000 },
		{ "-90", true, NOW - 90 * S },
		{ "now", true, NOW },
		{ "-", false, 0 },
		{ "-15x", false, 0 },
		{ "-0s", false, 0 },
		{ "", false, 0 },
		{ "yesterday", false, 0 },
		{ "10:02", false, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t v = 0;
		char err[256] = "";
		int rc = sel_parse_time(rows[i].in, NOW, &v, err, sizeof err);

		if ((rc == 0) != rows[i].ok)
			fail_msg("'%s': rc %d (%s), want %s", rows[i].in, rc, err, rows[i].ok ? "ok" : "error");
		if (rows[i].ok && v != rows[i].want)
			fail_msg("'%s': %lld, want %lld", rows[i].in, (long long)v, (long long)rows[i].want);
		if (!rows[i].ok)
			assert_true(err[0] != '\0');
	}
}

/* Local forms in a zone set here: UTC+2 without DST, then a DST zone on both sides of its change. */
static void test_parse_time_local(void **state)
{
	static const struct time_case rows[] = {
		{ "2025-12-04T12:02:00", true, 1764842520LL * S },
		{ "2025-12-04 12:02", true, 1764842520LL * S },
		{ "2025-12-04", true, (1764842520LL - 10 * 3600 - 120 - 2 * 3600) * S + 0 },
	};
	int64_t v;
	char err[256];

	(void)state;
	setenv("TZ", "<+02>-2", 1);
	tzset();
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(sel_parse_time(rows[i].in, NOW, &v, err, sizeof err), 0);
		assert_int_equal(v, rows[i].want);
	}
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(sel_parse_time("2025-07-01T12:00:00", NOW, &v, err, sizeof err), 0);
	assert_int_equal(v, 1751364000LL * S); /* CEST, UTC+2 */
	assert_int_equal(sel_parse_time("2025-12-01T12:00:00", NOW, &v, err, sizeof err), 0);
	assert_int_equal(v, 1764586800LL * S); /* CET, UTC+1 */
	unsetenv("TZ");
	tzset();
}

static void test_window(void **state)
{
	struct selection s;
	char err[256];

	(void)state;
	sel_init(&s);
	assert_true(sel_keep_ts(&s, 0));
	assert_int_equal(sel_set_time(&s, false, "100", NOW, err, sizeof err), 0);
	assert_int_equal(sel_set_time(&s, true, "200.5", NOW, err, sizeof err), 0);
	assert_false(sel_keep_ts(&s, 100 * S - 1));
	assert_true(sel_keep_ts(&s, 100 * S));
	assert_true(sel_keep_ts(&s, 200 * S + 499999999));
	assert_false(sel_keep_ts(&s, 200 * S + 500000000));
	assert_true(sel_range_overlaps(&s, 0, 100 * S));
	assert_false(sel_range_overlaps(&s, 0, 100 * S - 1));
	assert_true(sel_range_overlaps(&s, 200 * S, 300 * S));
	assert_false(sel_range_overlaps(&s, 200 * S + 500000000, 300 * S));
	assert_int_equal(sel_set_time(&s, true, "2025-13-01", NOW, err, sizeof err), -1);
	assert_string_equal(err, "--until: '2025-13-01': no such date");
	sel_free(&s);
}

static void put(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* A zstd frame of `n` bytes at `b`, written to `path`. */
static void put_zstd(const char *path, const void *b, size_t n)
{
	uint8_t z[256];
	size_t len = ZSTD_compress(z, sizeof z, b, n, 3);

	assert_false(ZSTD_isError(len));
	put(path, z, len);
}

/* A ring directory: captures (pcap, pcapng, .part, zstd of pcap) kept sorted; sidecars, empty and foreign files skipped. */
static void test_dir(void **state)
{
	static const unsigned char pcap[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
	static const unsigned char ng[12] = { 0x0a, 0x0d, 0x0d, 0x0a, 12, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a };
	char dir[] = "/tmp/test_select.XXXXXX", p[256], err[512];
	struct selection s;
	static const char *const names[] = { "b.pcap", "a.pcapng.part", "a.pcap.pidx", "c.txt",
					     "empty.part", ".hidden.pcap", "d.pcap.zst", "e.txt.zst" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 8; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (i == 0 || i == 2 || i == 5)
			put(p, pcap, sizeof pcap);
		else if (i == 1)
			put(p, ng, sizeof ng);
		else if (i == 3)
			put(p, "hello", 5);
		else if (i == 6)
			put_zstd(p, pcap, sizeof pcap);
		else if (i == 7)
			put_zstd(p, "hello", 5);
		else
			put(p, "", 0);
	}
	snprintf(p, sizeof p, "%s/sub", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	sel_init(&s);
	assert_int_equal(sel_add_path(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.npaths, 3);
	snprintf(p, sizeof p, "%s/a.pcapng.part", dir);
	assert_string_equal(s.paths[0], p);
	snprintf(p, sizeof p, "%s/b.pcap", dir);
	assert_string_equal(s.paths[1], p);
	snprintf(p, sizeof p, "%s/d.pcap.zst", dir);
	assert_string_equal(s.paths[2], p);
	assert_int_equal(sel_add_path(&s, "-", err, sizeof err), 0);
	assert_int_equal(sel_add_path(&s, "-", err, sizeof err), -1);
	snprintf(p, sizeof p, "%s/missing", dir);
	assert_int_equal(sel_add_path(&s, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
	snprintf(p, sizeof p, "%s/sub", dir);
	assert_int_equal(sel_add_path(&s, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "no capture file"));
	sel_free(&s);
	for (size_t i = 0; i < 8; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
}

static void test_expr_and_format(void **state)
{
	struct selection s;
	char *words[] = { "host", "192.0.2.1", "and", "port", "53" };
	char buf[64];

	(void)state;
	sel_init(&s);
	assert_int_equal(sel_set_expr(&s, words, 5), 0);
	assert_string_equal(s.expr, "host 192.0.2.1 and port 53");
	assert_int_equal(sel_set_expr(&s, words, 0), 0);
	assert_null(s.expr);
	sel_free(&s);
	sel_format_time(1764842520LL * S + 5000, 6, buf, sizeof buf);
	assert_string_equal(buf, "2025-12-04T10:02:00.000005Z");
	sel_format_time(-1, 9, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time_rows),
		cmocka_unit_test(test_parse_time_local),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_expr_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
