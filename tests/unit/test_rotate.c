/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the rotation policy (injected clock, UTC and local alignment) and file naming. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Names one template's matcher must accept (yes) and refuse (no): other people's files. */
struct match_row {
	const char *tmpl;
	bool numbered, utc;
	const char *suffix;
	const char *yes[4];
	const char *no[8];
};

static const struct match_row match_rows[] = {
	{ "cap.pcapng", true, true, NULL,
	  { "cap-000001.pcapng", "cap-1000000.pcapng", "cap-000003-2.pcapng", NULL },
	  { "cap.pcapng", "cap-000001.pcapng.gz", "other-000001.pcapng", "cap-0001.pcapng",
	    "cap-000001-keep.pcapng", "cap-000007 (copy).pcapng", "cap-0000001.pcapng",
	    "cap-000001-0.pcapng" } },
	{ "cap-%n.pcapng", false, true, NULL,
	  { "cap-000001.pcapng", "cap-12345678.pcapng", "cap-000001-1.pcapng", NULL },
	  { "cap-000001-keep.pcapng", "cap-000007 (copy).pcapng", "cap-00001.pcapng",
	    "cap-000001.pcapng.pidx", "cap-000001.pcapng.part", "cap-012345678.pcapng", NULL } },
	{ "cap-%a.pcapng", false, true, NULL,
	  { "cap-Mon.pcapng", "cap-Sun-3.pcapng", NULL, NULL },
	  { "cap-Monday-notes.pcapng", "cap-Monday.pcapng", "cap-Mon-notes.pcapng", "cap-Xyz.pcapng",
	    "cap-mon.pcapng", NULL } },
	{ "cap-%Y%m%d%H%M.pcap", false, true, ".gz",
	  { "cap-202611221342.pcap.gz", "cap-202611221342-4.pcap.gz", NULL, NULL },
	  { "cap-202611221342.pcap", "cap-2026112213.pcap.gz", "cap-x02611221342.pcap.gz",
	    "cap-202611221342.pcap.gz.part", "cap-202613221342.pcap.gz", "cap-202611321342.pcap.gz",
	    "cap-202611222442.pcap.gz", "cap-202611221360.pcap.gz" } },
	{ "[x]*%i.pcap", false, true, NULL,
	  { "[x]*eth0+eth1.pcap", "[x]*eth0+eth1-9.pcap", NULL, NULL },
	  { "x*eth0+eth1.pcap", "[x]*eth0.pcap", "[x]yeth0+eth1.pcap", NULL } },
	{ "%a-%n.pcap", false, true, NULL,
	  { "Sun-000001.pcap", "Mon-000123.pcap", "Sun-000001-1.pcap", NULL },
	  { "Sun-1.pcap", "Sunday-000001.pcap", NULL } },
	{ "%B_%e_%k.pcap", false, true, NULL,
	  { "November_22_13.pcap", "May_ 1_ 0.pcap", NULL, NULL },
	  { "Nov_22_13.pcap", "November_01_13.pcap", "November_22_24.pcap", "November_32_13.pcap",
	    "November_0_13.pcap", NULL } },
	{ "%-d.%-m.%_H.pcap", false, true, NULL,
	  { "1.1. 0.pcap", "31.12.23.pcap", NULL, NULL },
	  { "01.1. 0.pcap", "1.01. 0.pcap", "1.1.00.pcap", "0.1. 0.pcap", "1.13. 0.pcap", NULL } },
	{ "%^a_%p_%P.pcap", false, true, NULL,
	  { "MON_AM_am.pcap", "SAT_PM_pm.pcap", NULL, NULL },
	  { "Mon_AM_am.pcap", "MON_am_am.pcap", "MON_AM_AM.pcap", NULL } },
	{ "%s.pcap", false, true, NULL,
	  { "1795000000.pcap", "0.pcap", NULL, NULL },
	  { "01795000000.pcap", "17x.pcap", ".pcap", NULL } },
	{ "%z_%Z.pcap", false, true, NULL,
	  { "+0000_GMT.pcap", NULL, NULL, NULL },
	  { "+0100_GMT.pcap", "+0000_CET.pcap", "0000_GMT.pcap", NULL } },
	{ "%F_%T.pcap", false, true, NULL,
	  { "2026-11-22_13:42:05.pcap", NULL, NULL, NULL },
	  { "2026-11-22_13:42.pcap", "2026-11-22_25:42:05.pcap", "2026-1-22_13:42:05.pcap", NULL } },
	{ "%j_%U_%W_%V_%u_%w.pcap", false, true, NULL,
	  { "001_00_00_01_1_1.pcap", "366_53_53_53_7_0.pcap", NULL, NULL },
	  { "000_00_00_01_1_1.pcap", "367_00_00_01_1_1.pcap", "001_54_00_01_1_1.pcap",
	    "001_00_00_00_1_1.pcap", "001_00_00_01_8_1.pcap", "001_00_00_01_1_7.pcap", NULL } },
	{ "\xc3\xa9t\xc3\xa9-%n.pcap", false, true, NULL,
	  { "\xc3\xa9t\xc3\xa9-000001.pcap", "\xc3\xa9t\xc3\xa9-000001-1-2.pcap", NULL, NULL },
	  { "ete-000001.pcap", "\xc3\xa9t\xc3\xa9-000001-1-2-3.pcap", NULL } },
	{ "%%x%n", false, true, NULL,
	  { "%x000009", NULL, NULL, NULL },
	  { "x000009", "%x000009.pcap", NULL } },
};

/* Every row's names: ours are matched, neighbours' files are not. */
static void test_matcher_rows(void **state)
{
	char err[256];
	(void)state;
	for (size_t i = 0; i < sizeof match_rows / sizeof match_rows[0]; i++) {
		const struct match_row *r = &match_rows[i];
		struct rot_matcher *m = rot_matcher_new(r->tmpl, r->numbered, r->utc, "eth0+eth1",
							r->suffix, err, sizeof err);

		if (!m)
			fail_msg("'%s': %s", r->tmpl, err);
		for (size_t j = 0; j < 4 && r->yes[j]; j++)
			if (!rot_matcher_match(m, r->yes[j], NULL))
				fail_msg("'%s' should match '%s'", r->tmpl, r->yes[j]);
		for (size_t j = 0; j < 8 && r->no[j]; j++)
			if (rot_matcher_match(m, r->no[j], NULL))
				fail_msg("'%s' should not match '%s'", r->tmpl, r->no[j]);
		rot_matcher_free(m);
	}
}

/*
 * Every strftime conversion the template language allows, plain and with
 * each flag and a width: whatever the formatter writes over a year of
 * times 35 h 3 min apart (every hour, weekday, month and week number),
 * with and without collisions, in UTC and in a zone with DST, the matcher
 * takes back, and it refuses the same name with one byte changed.
 */
static void test_matcher_every_conversion(void **state)
{
	static const char convs[] = "aAbBCdeFgGhHIjklmMpPrRsSTuUVwWXyYzZ";
	static const char *mods[] = { "", "-", "_", "0", "^", "#", "10", "E", "O" };
	char tmpl[64], name[ROT_NAME_MAX + 1], err[256];
	(void)state;
	set_tz("Europe/Berlin");
	for (size_t c = 0; c < sizeof convs - 1; c++)
		for (size_t k = 0; k < sizeof mods / sizeof mods[0]; k++)
			for (int u = 0; u < 2; u++) {
				struct rot_matcher *m;

				snprintf(tmpl, sizeof tmpl, "c_%%%s%c_%%n.pcap", mods[k], convs[c]);
				if (rot_template_check(tmpl, err, sizeof err) != 0) {
					/* only composites refuse flags and widths */
					if (!*mods[k] || !strchr("FTRrX", convs[c]))
						fail_msg("'%s' refused: %s", tmpl, err);
					continue;
				}
				m = rot_matcher_new(tmpl, false, u, "lo", ".gz", err, sizeof err);
				if (!m)
					fail_msg("'%s': %s", tmpl, err);
				for (uint64_t t = 0; t < 300; t++) {
					uint64_t seq = t * 7919 + 1, got;
					struct rot_name n = { tmpl, utc(2025, 1, 1, 0, 0, 0) + t * 126205 * S,
							      u, seq, "lo", false, (unsigned)(t % 3), ".gz" };

					assert_int_equal(rot_format_name(&n, name, sizeof name, err, sizeof err), 0);
					if (!rot_matcher_match(m, name, &got) || got != seq)
						fail_msg("'%s' does not take back '%s' (seq %llu)", tmpl, name,
							 (unsigned long long)seq);
					/* one byte changed at either end: not ours any more */
					name[strlen(name) - 1] = 'x';
					if (rot_matcher_match(m, name, NULL))
						fail_msg("'%s' takes '%s'", tmpl, name);
					name[strlen(name) - 1] = 'z';
					name[0] = 'd';
					if (rot_matcher_match(m, name, NULL))
						fail_msg("'%s' takes '%s'", tmpl, name);
				}
				rot_matcher_free(m);
			}
	set_tz("UTC");
}

static void test_matcher_seq(void **state)
{
	struct seq_row {
		const char *tmpl;
		bool numbered;
		const char *name;
		bool ok;
		uint64_t want;
	} rows[] = {
		{ "cap.pcapng", true, "cap-000042.pcapng", true, 42 },
		{ "cap.pcapng", true, "cap-1234567-2.pcapng", true, 1234567 },
		{ "cap.pcapng", true, "cap-.pcapng", false, 0 },
		{ "%Y%m%d-%n.pcap", false, "20261122-000007.pcap", true, 7 },
		{ "%i_%H-%n.pcap", false, "eth0_13-000100-1.pcap", true, 100 },
		{ "%i_%H-%n.pcap", false, "eth1_13-000100.pcap", false, 0 },
		{ "%a-%n.pcap", false, "Sun-000001.pcap", true, 1 },
		{ "%A-%n.pcap", false, "Wednesday-000017.pcap", true, 17 },
		{ "%%x%n", false, "%x000009", true, 9 },
		{ "cap-%H.pcap", false, "cap-13.pcap", true, 0 },
		{ "%n-%n.pcap", false, "000005-000005.pcap", true, 5 },
		{ "cap-%n.pcap", false, "cap-18446744073709551615.pcap", true, UINT64_MAX },
		{ "cap-%n.pcap", false, "cap-99999999999999999999.pcap", false, 0 },
	};
	char err[256];
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t v = 0;
		struct rot_matcher *m = rot_matcher_new(rows[i].tmpl, rows[i].numbered, true, "eth0",
							NULL, err, sizeof err);
		bool ok;

		assert_non_null(m);
		ok = rot_matcher_match(m, rows[i].name, &v);
		if (ok != rows[i].ok || (ok && v != rows[i].want))
			fail_msg("row %zu: ok %d seq %llu", i, ok, (unsigned long long)v);
		rot_matcher_free(m);
	}
}

/* Names with control characters are never made: --print-closed lines stay one per file. */
static void test_control_characters(void **state)
{
	char name[ROT_NAME_MAX + 1], err[256];
	struct rot_name n = { "x-%i.pcap", utc(2026, 1, 1, 0, 0, 0), true, 1, "a\nb", false, 0, NULL };
	(void)state;
	assert_int_equal(rot_template_check("a\nb-%n.pcap", err, sizeof err), -1);
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(rot_template_check("a\x7f.pcap", err, sizeof err), -1);
	assert_int_equal(rot_format_name(&n, name, sizeof name, err, sizeof err), -1);
	assert_non_null(strstr(err, "control character"));
	assert_null(rot_has_control("cap-\xc3\xa9t\xc3\xa9.pcap"));
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
		cmocka_unit_test(test_matcher_rows),
		cmocka_unit_test(test_matcher_every_conversion),
		cmocka_unit_test(test_matcher_seq),
		cmocka_unit_test(test_control_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
