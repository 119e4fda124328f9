/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the rotation policy (injected clock, UTC and local alignment) and file naming. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fnmatch.h>
#include <time.h>
#include <cmocka.h>

#include "pcaprec/rotate.h"

#define S 1000000000ull
#define MS 1000000ull

/* Seconds since the epoch of a UTC wall-clock time, in ns. */
static uint64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return (uint64_t)timegm(&tm) * S;
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

struct decide_row {
	struct rot_config cfg;
	struct rot_file file;
	uint64_t now;
	uint64_t rec;
	enum rot_reason want;
};

static void test_decide(void **state)
{
	static const struct decide_row rows[] = {
		/* no trigger configured */
		{ { 0, 0, 0, true, true }, { 1u << 30, 1000000, 0 }, 5 * S, 100, ROT_NONE },
		/* size: fits exactly, one byte over, already full */
		{ { 1000, 0, 0, true, true }, { 900, 3, 0 }, 0, 100, ROT_NONE },
		{ { 1000, 0, 0, true, true }, { 900, 3, 0 }, 0, 101, ROT_SIZE },
		{ { 1000, 0, 0, true, true }, { 1000, 3, 0 }, 0, 0, ROT_SIZE },
		{ { 1000, 0, 0, true, true }, { 999, 3, 0 }, 0, 0, ROT_NONE },
		/* a record larger than the limit goes into an empty file of its own */
		{ { 1000, 0, 0, true, true }, { 32, 0, 0 }, 0, 5000, ROT_NONE },
		{ { 1000, 0, 0, true, true }, { 5032, 1, 0 }, 0, 0, ROT_SIZE },
		{ { 1000, 0, 0, true, true }, { 5032, 1, 0 }, 0, 10, ROT_SIZE },
		/* header alone bigger than the limit: still one record per file */
		{ { 10, 0, 0, true, true }, { 200, 0, 0 }, 0, 60, ROT_NONE },
		/* packets */
		{ { 0, 3, 0, true, true }, { 500, 2, 0 }, 0, 60, ROT_NONE },
		{ { 0, 3, 0, true, true }, { 500, 3, 0 }, 0, 60, ROT_PACKETS },
		{ { 0, 3, 0, true, true }, { 500, 3, 0 }, 0, 0, ROT_PACKETS },
		{ { 0, 1, 0, true, true }, { 24, 0, 0 }, 0, 60, ROT_NONE },
		/* time: before, at, after the deadline; idle file too */
		{ { 0, 0, 60 * S, true, true }, { 24, 0, 120 * S }, 119 * S, 0, ROT_NONE },
		{ { 0, 0, 60 * S, true, true }, { 24, 0, 120 * S }, 120 * S, 0, ROT_TIME },
		{ { 0, 0, 60 * S, true, true }, { 24, 0, 120 * S }, 500 * S, 60, ROT_TIME },
		{ { 0, 0, 60 * S, true, true }, { 24, 5, 0 }, 500 * S, 60, ROT_NONE },
		/* combinations: whichever comes first; time before count before size */
		{ { 1000, 5, 60 * S, true, true }, { 990, 2, 120 * S }, 10 * S, 60, ROT_SIZE },
		{ { 1000, 5, 60 * S, true, true }, { 300, 5, 120 * S }, 10 * S, 60, ROT_PACKETS },
		{ { 1000, 5, 60 * S, true, true }, { 990, 5, 120 * S }, 120 * S, 60, ROT_TIME },
		{ { 1000, 5, 60 * S, true, true }, { 300, 4, 120 * S }, 119 * S, 60, ROT_NONE },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum rot_reason r = rot_decide(&rows[i].cfg, &rows[i].file, rows[i].now, rows[i].rec);
		if (r != rows[i].want)
			fail_msg("row %zu: got %s want %s", i, rot_reason_name(r),
				 rot_reason_name(rows[i].want));
	}
}

struct boundary_row {
	const char *tz;       /* NULL: --utc */
	uint64_t iv;
	uint64_t now;
	uint64_t want_next;
	uint64_t want_start;
};

static void check_boundaries(const struct boundary_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rot_config c = { 0, 0, rows[i].iv, true, rows[i].tz == NULL };
		uint64_t next, start;

		set_tz(rows[i].tz ? rows[i].tz : "UTC0");
		next = rot_next_boundary(&c, rows[i].now, 0);
		start = rot_period_start(&c, rows[i].now);
		if (next != rows[i].want_next)
			fail_msg("row %zu: next %llu want %llu (diff %lld s)", i,
				 (unsigned long long)next, (unsigned long long)rows[i].want_next,
				 (long long)(next - rows[i].want_next) / (long long)S);
		if (start != rows[i].want_start)
			fail_msg("row %zu: start %llu want %llu (diff %lld s)", i,
				 (unsigned long long)start, (unsigned long long)rows[i].want_start,
				 (long long)(start - rows[i].want_start) / (long long)S);
	}
}

static void test_aligned_utc(void **state)
{
	const uint64_t now = utc(2026, 11, 22, 13, 42, 35) + 500 * MS;
	const struct boundary_row rows[] = {
		{ NULL, 15 * 60 * S, now, utc(2026, 11, 22, 13, 45, 0), utc(2026, 11, 22, 13, 30, 0) },
		{ NULL, 3600 * S, now, utc(2026, 11, 22, 14, 0, 0), utc(2026, 11, 22, 13, 0, 0) },
		{ NULL, 86400 * S, now, utc(2026, 11, 23, 0, 0, 0), utc(2026, 11, 22, 0, 0, 0) },
		{ NULL, 250 * MS, now, now + 250 * MS, now },
		{ NULL, 250 * MS, now + 1, now + 250 * MS, now },
		/* exactly on a boundary: that period starts now, ends one interval later */
		{ NULL, 3600 * S, utc(2026, 11, 22, 14, 0, 0), utc(2026, 11, 22, 15, 0, 0),
		  utc(2026, 11, 22, 14, 0, 0) },
		/* a zone is ignored under --utc */
		{ NULL, 86400 * S, utc(2026, 1, 1, 23, 59, 59), utc(2026, 1, 2, 0, 0, 0),
		  utc(2026, 1, 1, 0, 0, 0) },
	};
	(void)state;
	check_boundaries(rows, sizeof rows / sizeof rows[0]);
}

static void test_aligned_local(void **state)
{
	const char *ny = "EST5EDT,M3.2.0,M11.1.0";
	const char *india = "IST-5:30";
	const char *berlin = "CET-1CEST,M3.5.0,M10.5.0/3";
	const uint64_t now = utc(2026, 11, 22, 13, 42, 35);
	const struct boundary_row rows[] = {
		/* New York in winter, UTC-5: local midnight is 05:00 UTC */
		{ ny, 86400 * S, now, utc(2026, 11, 23, 5, 0, 0), utc(2026, 11, 22, 5, 0, 0) },
		{ ny, 3600 * S, now, utc(2026, 11, 22, 14, 0, 0), utc(2026, 11, 22, 13, 0, 0) },
		/* India, UTC+5:30: the top of the local hour is :30 UTC */
		{ india, 3600 * S, now, utc(2026, 11, 22, 14, 30, 0), utc(2026, 11, 22, 13, 30, 0) },
		{ india, 15 * 60 * S, now, utc(2026, 11, 22, 13, 45, 0), utc(2026, 11, 22, 13, 30, 0) },
		/* Berlin, spring forward at 01:00 UTC on 2026-03-29 (02:00 CET -> 03:00 CEST) */
		{ berlin, 3600 * S, utc(2026, 3, 29, 0, 30, 0), utc(2026, 3, 29, 1, 0, 0),
		  utc(2026, 3, 29, 0, 0, 0) },
		{ berlin, 3600 * S, utc(2026, 3, 29, 1, 30, 0), utc(2026, 3, 29, 2, 0, 0),
		  utc(2026, 3, 29, 1, 0, 0) },
		/* the 23-hour local day: midnight CET to midnight CEST */
		{ berlin, 86400 * S, utc(2026, 3, 29, 12, 0, 0), utc(2026, 3, 29, 22, 0, 0),
		  utc(2026, 3, 28, 23, 0, 0) },
		/* fall back at 01:00 UTC on 2026-10-25: the repeated hour is a period of its own */
		{ berlin, 3600 * S, utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 25, 1, 0, 0),
		  utc(2026, 10, 25, 0, 0, 0) },
		{ berlin, 3600 * S, utc(2026, 10, 25, 1, 30, 0), utc(2026, 10, 25, 2, 0, 0),
		  utc(2026, 10, 25, 1, 0, 0) },
		/* the 25-hour local day */
		{ berlin, 86400 * S, utc(2026, 10, 25, 12, 0, 0), utc(2026, 10, 25, 23, 0, 0),
		  utc(2026, 10, 24, 22, 0, 0) },
	};
	(void)state;
	check_boundaries(rows, sizeof rows / sizeof rows[0]);
	set_tz("UTC0");
}

/* Walking boundaries across a DST day never goes backwards and stays on local :00/:15/:30/:45. */
static void test_aligned_walk(void **state)
{
	struct rot_config c = { 0, 0, 15 * 60 * S, true, false };
	uint64_t t = utc(2026, 10, 24, 20, 7, 0), b;
	unsigned n = 0;
	(void)state;
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	while (t < utc(2026, 10, 25, 6, 0, 0)) {
		struct tm tm;
		time_t s;

		b = rot_next_boundary(&c, t, 0);
		assert_true(b > t);
		assert_true(b - t <= 15 * 60 * S);
		s = (time_t)(b / S);
		localtime_r(&s, &tm);
		assert_int_equal(tm.tm_min % 15, 0);
		assert_int_equal(tm.tm_sec, 0);
		t = b + 100 * MS;  /* the tick that notices comes a bit late */
		n++;
	}
	/* 20:07 to 06:00 UTC is 9h53m: 40 quarter-hour boundaries */
	assert_int_equal(n, 40);
	set_tz("UTC0");
}

static void test_relative(void **state)
{
	struct rot_config c = { 0, 0, 300 * MS, false, true };
	const uint64_t t0 = utc(2026, 11, 22, 13, 42, 35) + 123 * MS;
	(void)state;
	assert_int_equal(rot_next_boundary(&c, t0, 0), t0 + 300 * MS);
	assert_int_equal(rot_period_start(&c, t0), t0);
	/* next period starts where the last ended, no drift from late ticks */
	assert_int_equal(rot_next_boundary(&c, t0 + 350 * MS, t0 + 300 * MS), t0 + 600 * MS);
	/* a long stall skips the missed periods but stays on the same phase */
	assert_int_equal(rot_next_boundary(&c, t0 + 2000 * MS, t0 + 300 * MS), t0 + 2100 * MS);
	assert_int_equal(rot_next_boundary(&c, t0 + 2100 * MS, t0 + 300 * MS), t0 + 2400 * MS);
	c.interval_ns = 0;
	assert_int_equal(rot_next_boundary(&c, t0, 0), 0);
	assert_false(rot_enabled(&c));
}

struct name_row {
	const char *tmpl;
	uint64_t seq;
	bool numbered;
	unsigned collision;
	const char *suffix;
	bool utc;
	const char *want;
};

static void test_names(void **state)
{
	const uint64_t t = utc(2026, 11, 22, 13, 42, 35) + 999 * MS;
	static const struct name_row rows[] = {
		{ "cap.pcapng", 1, false, 0, NULL, true, "cap.pcapng" },
		{ "cap.pcapng", 1, true, 0, NULL, true, "cap-000001.pcapng" },
		{ "cap.pcapng", 1234567, true, 0, NULL, true, "cap-1234567.pcapng" },
		{ "cap.pcapng", 7, true, 0, ".gz", true, "cap-000007.pcapng.gz" },
		{ "cap", 2, true, 0, NULL, true, "cap-000002" },
		{ "cap.pcap", 2, false, 3, NULL, true, "cap-3.pcap" },
		{ "cap.pcap", 2, true, 1, ".gz", true, "cap-000002-1.pcap.gz" },
		{ "cap-%Y%m%d-%H%M%S.pcapng", 1, false, 0, NULL, true, "cap-20261122-134235.pcapng" },
		{ "cap-%Y%m%d-%H%M%S.pcapng", 1, false, 0, NULL, false, "cap-20261122-084235.pcapng" },
		{ "%F_%H:%M.pcap", 1, false, 2, NULL, true, "2026-11-22_13:42-2.pcap" },
		{ "%i-%n.pcapng", 42, false, 0, NULL, true, "eth0+eth1-000042.pcapng" },
		{ "100%%-%s.pcapng", 1, false, 0, NULL, true, "100%-1795354955.pcapng" },
		{ "x.%d.pcapng", 1, false, 0, NULL, true, "x.22.pcapng" },
		{ "cap.%H", 1, false, 1, NULL, true, "cap.13-1" },
	};
	char out[ROT_NAME_MAX + 1], err[256];
	(void)state;
	set_tz("EST5EDT,M3.2.0,M11.1.0");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct rot_name n = { rows[i].tmpl, t, rows[i].utc, rows[i].seq, "eth0+eth1",
				      rows[i].numbered, rows[i].collision, rows[i].suffix };
		assert_int_equal(rot_template_check(rows[i].tmpl, err, sizeof err), 0);
		if (rot_format_name(&n, out, sizeof out, err, sizeof err) != 0)
			fail_msg("row %zu: %s", i, err);
		if (strcmp(out, rows[i].want) != 0)
			fail_msg("row %zu: got '%s' want '%s'", i, out, rows[i].want);
	}
	set_tz("UTC0");
}

static void test_template_check(void **state)
{
	static const char *bad[] = {
		"", "dir/cap.pcap", "cap%", "cap-%D.pcap", "cap-%c", "cap-%q.pcap", "%-n.pcap",
		"%3i.pcap", "cap-%t.pcap",
	};
	static const char *good[] = { "cap.pcapng", "%m", "%-d-%_H-%EY-%Od.pcap", "%%.pcap" };
	char err[256];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (rot_template_check(bad[i], err, sizeof err) != -1)
			fail_msg("accepted bad template '%s'", bad[i]);
		assert_true(strlen(err) > 0);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (rot_template_check(good[i], err, sizeof err) != 0)
			fail_msg("rejected '%s': %s", good[i], err);
	assert_false(rot_template_has_fields("cap.pcapng"));
	assert_false(rot_template_has_fields("100%%.pcapng"));
	assert_true(rot_template_has_fields("cap-%H.pcapng"));
	assert_true(rot_template_has_seq("cap-%n.pcapng"));
	assert_false(rot_template_has_seq("cap-%H.pcapng"));
	assert_int_equal(rot_ext_offset("cap.pcapng"), 3);
	assert_int_equal(rot_ext_offset("cap"), 3);
	assert_int_equal(rot_ext_offset(".pcapng"), 7);
	assert_int_equal(rot_ext_offset("cap.%d"), 6);
}

static void test_numbered_rule(void **state)
{
	struct rot_config none = { 0, 0, 0, true, true }, size = { 1000, 0, 0, true, true };
	(void)state;
	assert_false(rot_numbered("cap.pcapng", &none));
	assert_true(rot_numbered("cap.pcapng", &size));
	assert_false(rot_numbered("cap-%H.pcapng", &size));
	assert_true(rot_numbered("100%%.pcapng", &size));
}

/* Every name the formatter makes matches the ring pattern; neighbours' files do not. */
static void test_patterns(void **state)
{
	struct pat_row {
		const char *tmpl;
		bool numbered;
		const char *suffix;
		const char *yes[4];
		const char *no[4];
	} rows[] = {
		{ "cap.pcapng", true, NULL,
		  { "cap-000001.pcapng", "cap-1000000.pcapng", "cap-000003-2.pcapng", NULL },
		  { "cap.pcapng", "cap-000001.pcapng.gz", "other-000001.pcapng", "cap-0001.pcapng" } },
		{ "cap-%Y%m%d%H%M.pcap", false, ".gz",
		  { "cap-202611221342.pcap.gz", "cap-202611221342-4.pcap.gz", NULL, NULL },
		  { "cap-202611221342.pcap", "cap-2026112213.pcap.gz", "cap-x02611221342.pcap.gz",
		    "cap-202611221342.pcap.gz.part" } },
		{ "[x]*%i.pcap", false, NULL,
		  { "[x]*eth0+eth1.pcap", "[x]*eth0+eth1-9.pcap", NULL, NULL },
		  { "x*eth0+eth1.pcap", "[x]*eth0.pcap", "[x]yeth0+eth1.pcap", NULL } },
		{ "%a-%n.pcap", false, NULL,
		  { "Sun-000001.pcap", "Mon-000123.pcap", "Sun-000001-1.pcap", NULL },
		  { "Sun-1.pcap", NULL, NULL, NULL } },
	};
	char pat[1024], pat2[1024];
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(rot_name_pattern(rows[i].tmpl, rows[i].numbered, "eth0+eth1",
						  rows[i].suffix, false, pat, sizeof pat), 0);
		assert_int_equal(rot_name_pattern(rows[i].tmpl, rows[i].numbered, "eth0+eth1",
						  rows[i].suffix, true, pat2, sizeof pat2), 0);
		for (size_t j = 0; j < 4 && rows[i].yes[j]; j++)
			if (fnmatch(pat, rows[i].yes[j], 0) != 0 && fnmatch(pat2, rows[i].yes[j], 0) != 0)
				fail_msg("'%s' / '%s' should match '%s'", pat, pat2, rows[i].yes[j]);
		for (size_t j = 0; j < 4 && rows[i].no[j]; j++)
			if (fnmatch(pat, rows[i].no[j], 0) == 0 || fnmatch(pat2, rows[i].no[j], 0) == 0)
				fail_msg("'%s' / '%s' should not match '%s'", pat, pat2, rows[i].no[j]);
	}
}

/* Formatter output over many times and sequence numbers always matches its own pattern. */
static void test_pattern_roundtrip(void **state)
{
	static const char *tmpls[] = {
		"cap-%Y%m%d-%H%M%S.pcapng", "%F-%T-%n.pcap", "%s.pcapng", "%e_%k_%j_%u.pcap",
		"%i_%G-W%V.pcapng",
	};
	char name[ROT_NAME_MAX + 1], pat[1024], pat2[1024], err[256];
	(void)state;
	for (size_t i = 0; i < sizeof tmpls / sizeof tmpls[0]; i++) {
		assert_int_equal(rot_name_pattern(tmpls[i], false, "lo", ".gz", false, pat, sizeof pat), 0);
		assert_int_equal(rot_name_pattern(tmpls[i], false, "lo", ".gz", true, pat2, sizeof pat2), 0);
		for (uint64_t k = 0; k < 50; k++) {
			struct rot_name n = { tmpls[i], utc(2026, 1, 1, 0, 0, 0) + k * 7777777 * S, true,
					      k * 997 + 1, "lo", false, (unsigned)(k % 3), ".gz" };
			assert_int_equal(rot_format_name(&n, name, sizeof name, err, sizeof err), 0);
			if (fnmatch(n.collision ? pat2 : pat, name, 0) != 0)
				fail_msg("'%s' does not match its pattern '%s'", name, pat);
		}
	}
}

static void test_name_seq(void **state)
{
	struct seq_row {
		const char *tmpl;
		bool numbered;
		const char *name;
		bool ok;
		uint64_t want;
	} rows[] = {
		{ "cap.pcapng", true, "cap-000042.pcapng", true, 42 },
		{ "cap.pcapng", true, "cap-1234567-2.pcapng.gz", true, 1234567 },
		{ "cap.pcapng", true, "cap-.pcapng", false, 0 },
		{ "%Y%m%d-%n.pcap", false, "20261122-000007.pcap", true, 7 },
		{ "%i_%H-%n.pcap", false, "eth0_13-000100-1.pcap", true, 100 },
		{ "%i_%H-%n.pcap", false, "eth1_13-000100.pcap", false, 0 },
		{ "%a-%n.pcap", false, "Sun-000001.pcap", false, 0 },
		{ "%%x%n", false, "%x000009", true, 9 },
		{ "cap-%H.pcap", false, "cap-13.pcap", false, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t v = 0;
		bool ok = rot_name_seq(rows[i].tmpl, rows[i].numbered, "eth0", rows[i].name, &v);

		if (ok != rows[i].ok || (ok && v != rows[i].want))
			fail_msg("row %zu: ok %d seq %llu", i, ok, (unsigned long long)v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_aligned_utc),
		cmocka_unit_test(test_aligned_local),
		cmocka_unit_test(test_aligned_walk),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_numbered_rule),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_pattern_roundtrip),
		cmocka_unit_test(test_name_seq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
