/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing of the numbers users type on the command line: counts, sizes, durations. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pcaprec/util.h"

/* Leading decimal digits of s into *v; returns the rest, or NULL on no digits or overflow. */
static const char *parse_digits(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return NULL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return NULL;
		n = n * 10 + d;
	}
	*v = n;
	return p;
}

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	const char *rest;

	if (!s)
		return false;
	rest = parse_digits(s, &v);
	if (!rest || *rest || v < min || v > max)
		return false;
	*out = v;
	return true;
}

struct unit_row {
	const char *suffix;
	uint64_t mult;
};

static bool apply_unit(uint64_t v, const char *suffix, const struct unit_row *units,
		       size_t nunits, uint64_t bare, uint64_t *out)
{
	uint64_t mult = 0;

	if (*suffix == '\0') {
		mult = bare;
	} else {
		for (size_t i = 0; i < nunits; i++)
			if (strcasecmp(suffix, units[i].suffix) == 0)
				mult = units[i].mult;
	}
	if (mult == 0)
		return false;
	if (v != 0 && mult > UINT64_MAX / v)
		return false;
	*out = v * mult;
	return true;
}

bool parse_size(const char *s, uint64_t bare_unit, bool allow_zero, uint64_t *out)
{
	static const struct unit_row units[] = {
		{ "B", 1 },
		{ "K", 1024ull }, { "KB", 1024ull }, { "KiB", 1024ull },
		{ "M", 1024ull << 10 }, { "MB", 1024ull << 10 }, { "MiB", 1024ull << 10 },
		{ "G", 1024ull << 20 }, { "GB", 1024ull << 20 }, { "GiB", 1024ull << 20 },
		{ "T", 1024ull << 30 }, { "TB", 1024ull << 30 }, { "TiB", 1024ull << 30 },
	};
	uint64_t v;
	const char *rest;

	if (!s)
		return false;
	rest = parse_digits(s, &v);
	if (!rest || !apply_unit(v, rest, units, sizeof units / sizeof units[0], bare_unit, &v))
		return false;
	if (v == 0 && !allow_zero)
		return false;
	*out = v;
	return true;
}

bool parse_duration(const char *s, uint64_t *out_ns)
{
	static const struct unit_row units[] = {
		{ "ns", 1ull },
		{ "us", 1000ull },
		{ "ms", 1000000ull },
		{ "s", 1000000000ull },
		{ "m", 60ull * 1000000000ull },
		{ "h", 3600ull * 1000000000ull },
		{ "d", 86400ull * 1000000000ull },
	};
	uint64_t v, whole, frac = 0, scale = 1, part = 0;
	const char *rest;

	if (!s)
		return false;
	rest = parse_digits(s, &whole);
	if (!rest)
		return false;
	if (*rest == '.') {
		/* a fraction: 1 to 9 digits, what a nanosecond clock can tell apart */
		const char *f = rest + 1;

		for (rest = f; *rest >= '0' && *rest <= '9'; rest++) {
			if (rest - f == 9)
				return false;
			frac = frac * 10 + (uint64_t)(*rest - '0');
			scale *= 10;
		}
		if (rest == f)
			return false;
	}
	if (!apply_unit(whole, rest, units, sizeof units / sizeof units[0], 1000000000ull, &v) ||
	    !apply_unit(1, rest, units, sizeof units / sizeof units[0], 1000000000ull, &part))
		return false;
	/* frac/scale of one unit, rounded down to whole nanoseconds; frac < scale <= 1e9 */
	part = part / scale * frac + part % scale * frac / scale;
	if (v > UINT64_MAX - part || v + part == 0)
		return false;
	*out_ns = v + part;
	return true;
}
