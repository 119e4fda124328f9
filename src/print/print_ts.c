/* SPDX-License-Identifier: BSD-2-Clause */
/* Timestamp formats of tcpdump's -t family: time of day, epoch, deltas, date. */
#include <stdio.h>
#include <time.h>

#include "pcaprec/print.h"

#define NS_PER_SEC 1000000000ull

/* Fraction digits: 6 (microseconds, truncated like tcpdump) or 9. */
static void put_frac(const struct print_opts *o, uint64_t ns, struct pbuf *b)
{
	uint32_t frac = (uint32_t)(ns % NS_PER_SEC);
	pb_putc(b, '.');
	if (o->nano)
		pb_uint_pad(b, frac, 9);
	else
		pb_uint_pad(b, frac / 1000, 6);
}

/* Broken-down local (or UTC) time, cached per whole second. */
static void cache_second(const struct print_opts *o, struct print_state *st, int64_t sec)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (st->cached && st->cached_sec == sec)
		return;
	if ((o->utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL) {
		snprintf(st->cached_date, sizeof st->cached_date, "0000-00-00 ");
		snprintf(st->cached_hms, sizeof st->cached_hms, "00:00:00");
	} else {
		strftime(st->cached_date, sizeof st->cached_date, "%Y-%m-%d ", &tm);
		strftime(st->cached_hms, sizeof st->cached_hms, "%H:%M:%S", &tm);
	}
	st->cached_sec = sec;
	st->cached = true;
}

/* A signed interval as tcpdump prints deltas: sign or space, then HH:MM:SS.frac. */
static void put_interval(const struct print_opts *o, uint64_t a, uint64_t b_ns, struct pbuf *b)
{
	bool neg = b_ns < a;
	uint64_t d = neg ? a - b_ns : b_ns - a;
	uint64_t s = d / NS_PER_SEC;

	pb_printf(b, "%s%02llu:%02llu:%02llu", neg ? "-" : " ", (unsigned long long)(s / 3600),
		  (unsigned long long)(s % 3600 / 60), (unsigned long long)(s % 60));
	put_frac(o, d, b);
}

void print_ts(const struct print_opts *o, struct print_state *st, uint64_t ts_ns, struct pbuf *b)
{
	if (st->no_time) {
		if (o->ts != PRINT_TS_NONE)
			pb_puts(b, "(no time)");
		return;
	}
	if (!st->have_first) {
		st->have_first = true;
		st->first_ns = ts_ns;
		st->prev_ns = ts_ns;
	}
	switch (o->ts) {
	case PRINT_TS_NONE:
		break;
	case PRINT_TS_EPOCH:
		pb_uint(b, ts_ns / NS_PER_SEC);
		put_frac(o, ts_ns, b);
		break;
	case PRINT_TS_DELTA:
		put_interval(o, st->prev_ns, ts_ns, b);
		break;
	case PRINT_TS_SINCE_FIRST:
		put_interval(o, st->first_ns, ts_ns, b);
		break;
	case PRINT_TS_DATE:
	case PRINT_TS_LOCAL:
	default:
		cache_second(o, st, (int64_t)(ts_ns / NS_PER_SEC));
		if (o->ts == PRINT_TS_DATE)
			pb_puts(b, st->cached_date);
		pb_puts(b, st->cached_hms);
		put_frac(o, ts_ns, b);
		break;
	}
	st->prev_ns = ts_ns;
}
