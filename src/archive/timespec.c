/* SPDX-License-Identifier: BSD-2-Clause */
/* Points in time as users type them for --since/--until: RFC 3339 / ISO 8601, epoch seconds, relative (-15m). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcaprec/select.h"
#include "pcaprec/util.h"

#define NS_PER_S 1000000000LL

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Exactly `n` digits at *p into *v; advances *p. */
static bool digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

/* ".ddd" (1 to 9 digits) at *p into nanoseconds; no dot leaves 0. -1 when malformed. */
static int fraction(const char **p, int64_t *ns)
{
	int n = 0;
	int64_t v = 0;

	*ns = 0;
	if (**p != '.' && **p != ',')
		return 0;
	(*p)++;
	while (isdigit((unsigned char)**p)) {
		if (++n > 9)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	if (n == 0)
		return -1;
	while (n++ < 9)
		v *= 10;
	*ns = v;
	return 0;
}

/* Zone suffix: "" (local, *local = true), Z, +HH, +HHMM, +HH:MM. Offset east of UTC in seconds. */
static int zone(const char *p, bool *local, int64_t *off_s)
{
	int hh, mm = 0, sign;

	*local = false;
	*off_s = 0;
	if (*p == '\0') {
		*local = true;
		return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh))
		return -1;
	if (*p == ':')
		p++;
	if (*p && !digits(&p, 2, &mm))
		return -1;
	if (*p || hh > 23 || mm > 59)
		return -1;
	*off_s = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* The calendar fields of an ISO 8601 date-time, before the zone is applied. */
struct civil {
	int y, mo, d, h, mi, s;
	int64_t frac_ns;
};

/* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]]; *rest points at the zone. */
static int parse_civil(const char *p, struct civil *c, const char **rest, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (!digits(&p, 4, &c->y) || *p++ != '-' || !digits(&p, 2, &c->mo) || *p++ != '-' ||
	    !digits(&p, 2, &c->d))
		return errf(err, errlen, "expected YYYY-MM-DD");
	if (c->mo < 1 || c->mo > 12 || c->d < 1 || c->d > days_in_month(c->y, c->mo))
		return errf(err, errlen, "no such date");
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &c->h) || *p++ != ':' || !digits(&p, 2, &c->mi))
			return errf(err, errlen, "expected HH:MM after the date");
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &c->s))
				return errf(err, errlen, "expected two digits of seconds");
			if (fraction(&p, &c->frac_ns) < 0)
				return errf(err, errlen, "a fraction of a second takes 1 to 9 digits");
		}
		if (c->h > 23 || c->mi > 59 || c->s > 60)
			return errf(err, errlen, "no such time of day");
	}
	*rest = p;
	return 0;
}

static int parse_iso(const char *text, int64_t *out, char *err, size_t errlen)
{
	struct civil c;
	const char *rest = "";
	bool local;
	int64_t off_s, secs;

	if (parse_civil(text, &c, &rest, err, errlen) < 0)
		return -1;
	if (zone(rest, &local, &off_s) < 0)
		return errf(err, errlen, "bad zone '%s' (use Z, +HH:MM or none for local time)", rest);
	if (local) {
		struct tm tm = { 0 };
		time_t t;

		tm.tm_year = c.y - 1900;
		tm.tm_mon = c.mo - 1;
		tm.tm_mday = c.d;
		tm.tm_hour = c.h;
		tm.tm_min = c.mi;
		tm.tm_sec = c.s;
		tm.tm_isdst = -1;
		tm.tm_wday = -1; /* mktime sets it on success: -1 is also a valid result */
		t = mktime(&tm);
		if (tm.tm_wday == -1)
			return errf(err, errlen, "not a representable local time");
		secs = (int64_t)t;
	} else {
		secs = days_from_civil(c.y, c.mo, c.d) * 86400 + c.h * 3600 + c.mi * 60 + c.s - off_s;
	}
	*out = secs * NS_PER_S + c.frac_ns;
	return 0;
}

/* [+]DIGITS[.FRACTION] seconds since the epoch. */
static int parse_epoch(const char *p, int64_t *out, char *err, size_t errlen)
{
	int64_t secs = 0, frac;

	if (*p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return errf(err, errlen, "expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM], epoch seconds or -DURATION");
	for (; isdigit((unsigned char)*p); p++) {
		if (secs > (INT64_MAX / NS_PER_S - 9) / 10)
			return errf(err, errlen, "too far in the future");
		secs = secs * 10 + (*p - '0');
	}
	if (fraction(&p, &frac) < 0 || *p)
		return errf(err, errlen, "epoch seconds are digits with up to 9 after a '.'");
	*out = secs * NS_PER_S + frac;
	return 0;
}

int sel_parse_time(const char *text, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen)
{
	size_t n;

	if (!text || !*text)
		return errf(err, errlen, "empty time");
	n = strlen(text);
	if (n > 64)
		return errf(err, errlen, "longer than any time");
	if (strcmp(text, "now") == 0) {
		*out_ns = now_ns;
		return 0;
	}
	if (text[0] == '-') {
		uint64_t d;

		if (!parse_duration(text + 1, &d) || d > (uint64_t)INT64_MAX / 2)
			return errf(err, errlen, "a relative time is '-' and a duration like 15m, 2h, 30s, 1d");
		*out_ns = now_ns - (int64_t)d;
		return 0;
	}
	/* A date has its '-' at index 4; epoch seconds have none. */
	if (n >= 10 && text[4] == '-')
		return parse_iso(text, out_ns, err, errlen);
	if (strchr(text, '-') || strchr(text, ':'))
		return errf(err, errlen, "expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM], epoch seconds or -DURATION");
	return parse_epoch(text, out_ns, err, errlen);
}

void sel_format_time(int64_t ns, int digits_wanted, char *buf, size_t len)
{
	int64_t secs = ns / NS_PER_S, frac = ns % NS_PER_S;
	struct tm tm;
	time_t t;
	char base[40];

	if (frac < 0) {
		frac += NS_PER_S;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "%" PRId64 "ns", ns);
		return;
	}
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (digits_wanted <= 0) {
		snprintf(buf, len, "%sZ", base);
		return;
	}
	if (digits_wanted > 9)
		digits_wanted = 9;
	for (int i = digits_wanted; i < 9; i++)
		frac /= 10;
	snprintf(buf, len, "%s.%0*" PRId64 "Z", base, digits_wanted, frac);
}
