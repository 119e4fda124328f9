/* SPDX-License-Identifier: BSD-2-Clause */
/* File names from -w templates: strftime fields, %n, %i, numbered and collision suffixes, and the exact matcher of those names. */
#include <ctype.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcaprec/rotate.h"
#include "pcaprec/util.h"

/*
 * strftime conversions allowed in a template. Left out: those that can
 * produce '/' (%D %c %x), whitespace-only ones (%t), and %n, which we
 * redefine as the sequence number.
 */
static const char strftime_convs[] = "aAbBCdeFgGhHIjklmMpPrRsSTuUVwWXyYzZ";

/* One parsed "%..." field of a template. */
struct field {
	size_t len;        /* bytes of the spec, '%' included */
	char conv;         /* conversion character */
	bool modified;     /* flags, width or E/O present */
};

const char *rot_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return s;
	return NULL;
}

/* Parse the field starting at t[0] == '%'. Returns false if it is not one we accept. */
static bool parse_field(const char *t, struct field *fd)
{
	size_t i = 1;

	fd->modified = false;
	while (t[i] && strchr("_-0^#", t[i])) {
		i++;
		fd->modified = true;
	}
	while (isdigit((unsigned char)t[i])) {
		i++;
		fd->modified = true;
	}
	if (t[i] == 'E' || t[i] == 'O') {
		i++;
		fd->modified = true;
	}
	fd->conv = t[i];
	fd->len = i + 1;
	if (fd->conv == '\0')
		return false;
	/* flags or widths on %n %i and the composite fields would make names the matcher cannot list */
	if (strchr("%niFTRrX", fd->conv))
		return !fd->modified;
	return strchr(strftime_convs, fd->conv) != NULL;
}

int rot_template_check(const char *tmpl, char *err, size_t errlen)
{
	struct field fd;

	if (!tmpl || !*tmpl)
		return errf(err, errlen, "empty file name template");
	if (strchr(tmpl, '/'))
		return errf(err, errlen, "template '%s': fields in a directory part are not supported", tmpl);
	if (strlen(tmpl) > ROT_NAME_MAX - 24)
		return errf(err, errlen, "template '%s' is too long", tmpl);
	if (rot_has_control(tmpl))
		return errf(err, errlen, "template has a control character (newline, tab...) at offset %zu",
			    rot_has_control(tmpl) - tmpl);
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		if (!parse_field(p, &fd))
			return errf(err, errlen, "template '%s': unsupported field '%.*s' at offset %zu",
				    tmpl, (int)(fd.len > 0 ? fd.len : 1), p, (size_t)(p - tmpl));
		p += fd.len - 1;
	}
	return 0;
}

bool rot_template_has_fields(const char *tmpl)
{
	struct field fd;

	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		if (parse_field(p, &fd) && fd.conv != '%')
			return true;
		p += fd.len - 1;
		if (!*p)
			break;
	}
	return false;
}

bool rot_template_has_seq(const char *tmpl)
{
	struct field fd;

	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		if (parse_field(p, &fd) && fd.conv == 'n')
			return true;
		p += fd.len - 1;
		if (!*p)
			break;
	}
	return false;
}

bool rot_numbered(const char *tmpl, const struct rot_config *c)
{
	return rot_enabled(c) && !rot_template_has_fields(tmpl);
}

size_t rot_ext_offset(const char *tmpl)
{
	const char *dot = strrchr(tmpl, '.');
	size_t n;

	if (!dot || dot == tmpl)
		return strlen(tmpl);
	n = strlen(dot + 1);
	if (n < 1 || n > 10)
		return strlen(tmpl);
	for (const char *p = dot + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return strlen(tmpl);
	return (size_t)(dot - tmpl);
}

/* Bounded appender for building names and patterns. */
struct sbuf {
	char *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* One field (spec validated by parse_field) through strftime; "" when it does not fit. */
static void strftime_field(char *tmp, size_t n, const char *spec, const struct tm *tm)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(tmp, n, spec, tm) == 0)
		tmp[0] = '\0';
#pragma GCC diagnostic pop
}

/* Expand template bytes [from, to) into b. */
static void expand_range(struct sbuf *b, const struct rot_name *n, const struct tm *tm,
			 size_t from, size_t to)
{
	const char *t = n->tmpl;
	struct field fd;
	char tmp[128], spec[32];

	for (size_t i = from; i < to; i++) {
		if (t[i] != '%') {
			sb_put(b, t + i, 1);
			continue;
		}
		if (!parse_field(t + i, &fd) || fd.len >= sizeof spec) {
			b->overflow = true;
			return;
		}
		if (fd.conv == '%') {
			sb_str(b, "%");
		} else if (fd.conv == 'n') {
			snprintf(tmp, sizeof tmp, "%06" PRIu64, n->seq);
			sb_str(b, tmp);
		} else if (fd.conv == 'i') {
			sb_str(b, n->ifnames ? n->ifnames : "");
		} else if (fd.conv == 's' && !fd.modified) {
			/* strftime's %s runs mktime() on tm, wrong for a UTC tm in another zone */
			snprintf(tmp, sizeof tmp, "%" PRIu64, (uint64_t)(n->time_ns / 1000000000u));
			sb_str(b, tmp);
		} else {
			memcpy(spec, t + i, fd.len);
			spec[fd.len] = '\0';
			strftime_field(tmp, sizeof tmp, spec, tm);
			sb_str(b, tmp);
		}
		i += fd.len - 1;
	}
}

int rot_format_name(const struct rot_name *n, char *out, size_t outlen, char *err, size_t errlen)
{
	struct sbuf b = { out, outlen < ROT_NAME_MAX + 1 ? outlen : ROT_NAME_MAX + 1, 0, false };
	size_t ext = rot_ext_offset(n->tmpl), tlen = strlen(n->tmpl);
	time_t s = (time_t)((uint64_t)(n->time_ns / 1000000000u));
	struct tm tm;
	char num[32];

	if (outlen == 0)
		return errf(err, errlen, "no room for a file name");
	out[0] = '\0';
	if (!(n->utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm)))
		return errf(err, errlen, "cannot convert time %" PRIu64 " for template '%s'",
			    n->time_ns, n->tmpl);
	expand_range(&b, n, &tm, 0, ext);
	if (n->numbered) {
		snprintf(num, sizeof num, "-%06" PRIu64, n->seq);
		sb_str(&b, num);
	}
	if (n->collision) {
		snprintf(num, sizeof num, "-%u", n->collision);
		sb_str(&b, num);
	}
	expand_range(&b, n, &tm, ext, tlen);
	if (n->suffix)
		sb_str(&b, n->suffix);
	if (b.overflow)
		return errf(err, errlen, "file name from template '%s' is too long", n->tmpl);
	if (b.len == 0 || strchr(out, '/') || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		return errf(err, errlen, "template '%s' gives an unusable file name '%s'", n->tmpl, out);
	/* %i or %Z could bring one in; --print-closed lines must stay one per file */
	if (rot_has_control(out))
		return errf(err, errlen, "template '%s' gives a file name with a control character", n->tmpl);
	return 0;
}


/* ---- the matcher: which names this template could have produced ---- */

/* Largest regular expression a template may compile to. */
#define RX_MAX (256u * 1024)
/* Most distinct strings one field can expand to that we list (%j: 366). */
#define ALT_MAX 400

/* Growable, bounded text for the expression. */
struct rxbuf {
	char *p;
	size_t len, cap;
	bool overflow;
	unsigned groups;           /* '(' written so far: the number of the next group */
};

static void rx_put(struct rxbuf *b, const char *s, size_t n)
{
	if (b->overflow)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *q;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > RX_MAX || !(q = realloc(b->p, cap))) {
			b->overflow = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void rx_str(struct rxbuf *b, const char *s)
{
	rx_put(b, s, strlen(s));
}

static void rx_open(struct rxbuf *b)
{
	rx_put(b, "(", 1);
	b->groups++;
}

/* Literal bytes, every ERE special character escaped (POSIX regex(7)). */
static void rx_literal(struct rxbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(".[]()*+?{}|^$\\", s[i]))
			rx_put(b, "\\", 1);
		rx_put(b, s + i, 1);
	}
}

/* A set of distinct strings, written as one alternation group. */
struct alts {
	char v[ALT_MAX][128];
	size_t n;
	bool full;
};

static void alts_add(struct alts *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], s) == 0)
			return;
	if (a->n == ALT_MAX) {
		a->full = true;
		return;
	}
	snprintf(a->v[a->n++], sizeof a->v[0], "%s", s);
}

static int alt_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

/* Same length, same bytes but the last, and that one a letter or digit: one bracket. */
static bool alt_joins(const char *x, const char *y)
{
	size_t n = strlen(x);

	return n > 0 && strlen(y) == n && memcmp(x, y, n - 1) == 0 &&
	       isalnum((unsigned char)x[n - 1]) && isalnum((unsigned char)y[n - 1]);
}

/*
 * The set as one group. Strings that differ only in their last letter or
 * digit share one alternative ("0[0-9]|1[0-9]|2[0-3]" for the hours): the
 * same language in a few alternatives instead of hundreds, which keeps
 * regexec's submatch search (the sequence number) fast.
 */
static void rx_alts(struct rxbuf *b, struct alts *a)
{
	qsort(a->v, a->n, sizeof a->v[0], alt_cmp);
	rx_open(b);
	for (size_t i = 0; i < a->n;) {
		size_t j = i + 1, len = strlen(a->v[i]);

		while (j < a->n && alt_joins(a->v[i], a->v[j]))
			j++;
		if (i)
			rx_put(b, "|", 1);
		if (j == i + 1) {
			rx_literal(b, a->v[i], len);
		} else {
			rx_literal(b, a->v[i], len - 1);
			rx_put(b, "[", 1);
			for (size_t k = i; k < j; k++)
				rx_put(b, a->v[k] + len - 1, 1);
			rx_put(b, "]", 1);
		}
		i = j;
	}
	rx_put(b, ")", 1);
}

/* What expand_range writes for one strftime field at tm (same buffer, same empty result). */
static void field_at(struct alts *a, const char *spec, const struct tm *tm)
{
	char tmp[128];

	strftime_field(tmp, sizeof tmp, spec, tm);
	alts_add(a, tmp);
}

/*
 * Every string one strftime field can give, found by asking strftime over
 * the whole range of the struct tm members it reads, so flags, widths and
 * the names of the C locale come out exactly as the formatter writes them.
 * Returns false for fields left to fixed classes (unmodified years, %s, %z).
 */
static bool field_values(const struct field *fd, const char *spec, bool utc, struct alts *a)
{
	struct tm base = { .tm_year = 126, .tm_mday = 1, .tm_wday = 4, .tm_zone = utc ? "GMT" : "UTC" };
	struct tm tm = base;
	char c = fd->conv;

	a->n = 0;
	a->full = false;
	if (strchr("aAuw", c)) {
		for (tm.tm_wday = 0; tm.tm_wday < 7; tm.tm_wday++)
			field_at(a, spec, &tm);
	} else if (strchr("bBhm", c)) {
		for (tm.tm_mon = 0; tm.tm_mon < 12; tm.tm_mon++)
			field_at(a, spec, &tm);
	} else if (strchr("de", c)) {
		for (tm.tm_mday = 1; tm.tm_mday <= 31; tm.tm_mday++)
			field_at(a, spec, &tm);
	} else if (strchr("HIklpP", c)) {
		for (tm.tm_hour = 0; tm.tm_hour < 24; tm.tm_hour++)
			field_at(a, spec, &tm);
	} else if (c == 'M') {
		for (tm.tm_min = 0; tm.tm_min < 60; tm.tm_min++)
			field_at(a, spec, &tm);
	} else if (c == 'S') {
		for (tm.tm_sec = 0; tm.tm_sec <= 60; tm.tm_sec++)
			field_at(a, spec, &tm);
	} else if (strchr("jUWV", c)) {
		/* week numbers depend on yday, wday and whether this and the last year are leap years */
		static const int years[] = { 121, 122, 124, 125 };

		for (size_t y = 0; y < (c == 'V' ? 4u : 1u); y++)
			for (tm.tm_yday = 0; tm.tm_yday <= 365; tm.tm_yday++)
				for (tm.tm_wday = 0; tm.tm_wday < (c == 'j' ? 1 : 7); tm.tm_wday++) {
					tm.tm_year = years[y];
					field_at(a, spec, &tm);
				}
	} else if (strchr("YGCyg", c) && fd->modified) {
		/* years a recorder runs in; mid-year, so the ISO year is the year */
		tm.tm_yday = 180;
		for (tm.tm_year = 69; tm.tm_year <= 301; tm.tm_year++)
			field_at(a, spec, &tm);
	} else if (c == 'z' && fd->modified) {
		for (long off = -16 * 3600; off <= 16 * 3600; off += 900) {
			tm.tm_gmtoff = utc ? 0 : off;
			field_at(a, spec, &tm);
		}
	} else if (c == 'Z') {
		if (utc) {
			field_at(a, spec, &tm);
		} else {
			tzset();
			for (int i = 0; i < 2; i++) {
				tm.tm_zone = tzname[i];
				field_at(a, spec, &tm);
			}
		}
	} else {
		return false;
	}
	return !a->full;
}

static void rx_template(struct rxbuf *b, const char *t, size_t from, size_t to, bool utc,
			const char *ifnames, unsigned *seq_group);

/* One field of the template into the expression. */
static void rx_field(struct rxbuf *b, const char *t, const struct field *fd, bool utc,
		     const char *ifnames, unsigned *seq_group)
{
	static const struct {
		char conv;
		const char *sub;
	} composite[] = {
		/* the C locale's expansions (pcaprec never calls setlocale) */
		{ 'F', "%Y-%m-%d" }, { 'T', "%H:%M:%S" }, { 'R', "%H:%M" },
		{ 'r', "%I:%M:%S %p" }, { 'X', "%H:%M:%S" },
	};
	struct alts *a;
	char spec[32];

	switch (fd->conv) {
	case '%': rx_literal(b, "%", 1); return;
	case 'i': rx_literal(b, ifnames ? ifnames : "", ifnames ? strlen(ifnames) : 0); return;
	case 'n':
		if (!*seq_group)
			*seq_group = b->groups + 1;
		rx_str(b, "([0-9]{6}|[1-9][0-9]{6,19})");
		b->groups++;
		return;
	case 'Y': case 'G': if (!fd->modified) { rx_str(b, "[0-9]{4}"); return; } break;
	case 'C': case 'y': case 'g': if (!fd->modified) { rx_str(b, "[0-9]{2}"); return; } break;
	case 'z': if (!fd->modified) { rx_str(b, utc ? "\\+0000" : "[-+][0-9]{4}"); return; } break;
	case 's':
		/* our own decimal seconds; strftime's own (mktime) with flags or a width */
		if (fd->modified) {
			rx_str(b, "[ 0]*-?[0-9]{1,20}");
		} else {
			rx_open(b);
			rx_str(b, "0|[1-9][0-9]{0,19})");
		}
		return;
	default: break;
	}
	for (size_t i = 0; i < sizeof composite / sizeof composite[0]; i++)
		if (composite[i].conv == fd->conv) {
			rx_template(b, composite[i].sub, 0, strlen(composite[i].sub), utc, ifnames, seq_group);
			return;
		}
	a = malloc(sizeof *a);
	if (!a || fd->len >= sizeof spec) {
		free(a);
		b->overflow = true;
		return;
	}
	memcpy(spec, t, fd->len);
	spec[fd->len] = '\0';
	if (field_values(fd, spec, utc, a))
		rx_alts(b, a);
	else
		b->overflow = true;
	free(a);
}

static void rx_template(struct rxbuf *b, const char *t, size_t from, size_t to, bool utc,
			const char *ifnames, unsigned *seq_group)
{
	struct field fd;

	for (size_t i = from; i < to; i++) {
		if (t[i] != '%') {
			rx_literal(b, t + i, 1);
			continue;
		}
		if (!parse_field(t + i, &fd)) {
			b->overflow = true;
			return;
		}
		rx_field(b, t + i, &fd, utc, ifnames, seq_group);
		i += fd.len - 1;
	}
}

struct rot_matcher {
	regex_t rx;
	unsigned seq_group;        /* 0: names carry no sequence number */
	regmatch_t *m;             /* seq_group + 1 slots */
};

struct rot_matcher *rot_matcher_new(const char *tmpl, bool numbered, bool utc, const char *ifnames,
				    const char *suffix, char *err, size_t errlen)
{
	struct rot_matcher *m = calloc(1, sizeof *m);
	struct rxbuf b = { 0 };
	size_t ext = rot_ext_offset(tmpl);
	int rc;

	if (!m) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	rx_str(&b, "^");
	rx_template(&b, tmpl, 0, ext, utc, ifnames, &m->seq_group);
	if (numbered) {
		if (!m->seq_group)
			m->seq_group = b.groups + 1;
		rx_str(&b, "-([0-9]{6}|[1-9][0-9]{6,19})");
		b.groups++;
	}
	/* rot_format_name's collision suffix, and the one out_sync may add to it at publish */
	rx_str(&b, "(-[1-9][0-9]{0,9}){0,2}");
	b.groups++;
	rx_template(&b, tmpl, ext, strlen(tmpl), utc, ifnames, &m->seq_group);
	if (suffix)
		rx_literal(&b, suffix, strlen(suffix));
	rx_str(&b, "$");
	if (b.overflow) {
		free(b.p);
		free(m);
		errf(err, errlen, "template '%s' is too complex to match file names against", tmpl);
		return NULL;
	}
	rc = regcomp(&m->rx, b.p, REG_EXTENDED);
	free(b.p);
	if (rc != 0) {
		free(m);
		errf(err, errlen, "template '%s': cannot compile its name pattern (regcomp %d)", tmpl, rc);
		return NULL;
	}
	m->m = calloc(m->seq_group + 1, sizeof *m->m);
	if (!m->m) {
		rot_matcher_free(m);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	return m;
}

bool rot_matcher_match(struct rot_matcher *m, const char *name, uint64_t *seq)
{
	size_t nm = m->seq_group + 1;
	uint64_t v = 0;

	if (!seq || !m->seq_group)
		return regexec(&m->rx, name, 0, NULL, 0) == 0;   /* no submatches: much faster */
	*seq = 0;
	if (regexec(&m->rx, name, nm, m->m, 0) != 0)
		return false;
	for (regoff_t i = m->m[m->seq_group].rm_so; i < m->m[m->seq_group].rm_eo; i++) {
		unsigned d = (unsigned)(name[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;   /* a number this recorder cannot have reached */
		v = v * 10 + d;
	}
	*seq = v;
	return true;
}

void rot_matcher_free(struct rot_matcher *m)
{
	if (!m)
		return;
	regfree(&m->rx);
	free(m->m);
	free(m);
}
