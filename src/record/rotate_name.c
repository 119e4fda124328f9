/* SPDX-License-Identifier: BSD-2-Clause */
/* File names from -w templates: strftime fields, %n, %i, numbered and collision suffixes, match patterns. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
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
	if (fd->conv == '%' || fd->conv == 'n' || fd->conv == 'i')
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
			tmp[0] = '\0';
			/* spec is one field validated by parse_field() */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			if (strftime(tmp, sizeof tmp, spec, tm) == 0)
				tmp[0] = '\0';
#pragma GCC diagnostic pop
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
	return 0;
}

/* fnmatch pattern of what one field can expand to. */
static const char *field_pattern(const struct field *fd)
{
#define D "[0-9]"
	static const struct {
		char conv;
		const char *pat;
	} rows[] = {
		{ 'Y', D D D D }, { 'G', D D D D },
		{ 'm', D D }, { 'd', D D }, { 'H', D D }, { 'M', D D }, { 'S', D D },
		{ 'I', D D }, { 'y', D D }, { 'C', D D }, { 'g', D D }, { 'V', D D },
		{ 'U', D D }, { 'W', D D }, { 'j', D D D }, { 'u', D }, { 'w', D },
		{ 'e', "[ 0-9]" D }, { 'k', "[ 0-9]" D }, { 'l', "[ 0-9]" D },
		{ 'F', D D D D "-" D D "-" D D }, { 'T', D D ":" D D ":" D D },
		{ 'R', D D ":" D D }, { 's', D "*" }, { 'n', D D D D D D "*" },
	};
#undef D
	if (fd->modified)
		return "*";
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].conv == fd->conv)
			return rows[i].pat;
	return "*";
}

/* Literal text into a pattern, with fnmatch's special characters escaped. */
static void sb_literal(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[]\\", s[i]))
			sb_put(b, "\\", 1);
		sb_put(b, s + i, 1);
	}
}

static void pattern_range(struct sbuf *b, const char *t, const char *ifnames, size_t from, size_t to)
{
	struct field fd;

	for (size_t i = from; i < to; i++) {
		if (t[i] != '%') {
			sb_literal(b, t + i, 1);
			continue;
		}
		if (!parse_field(t + i, &fd)) {
			b->overflow = true;
			return;
		}
		if (fd.conv == '%')
			sb_str(b, "%");
		else if (fd.conv == 'i')
			sb_literal(b, ifnames ? ifnames : "", ifnames ? strlen(ifnames) : 0);
		else
			sb_str(b, field_pattern(&fd));
		i += fd.len - 1;
	}
}

int rot_name_pattern(const char *tmpl, bool numbered, const char *ifnames, const char *suffix,
		     bool collisions, char *out, size_t outlen)
{
	struct sbuf b = { out, outlen, 0, false };
	size_t ext = rot_ext_offset(tmpl);

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	pattern_range(&b, tmpl, ifnames, 0, ext);
	if (numbered)
		sb_str(&b, "-[0-9][0-9][0-9][0-9][0-9][0-9]*");
	if (collisions)
		sb_str(&b, "-[0-9]*");
	pattern_range(&b, tmpl, ifnames, ext, strlen(tmpl));
	if (suffix)
		sb_literal(&b, suffix, strlen(suffix));
	return b.overflow ? -1 : 0;
}

/* Width of an unmodified numeric strftime field, 0 when not fixed. */
static size_t field_width(const struct field *fd)
{
	if (fd->modified)
		return 0;
	if (strchr("YG", fd->conv))
		return 4;
	if (strchr("mdHMSIyCgVUW", fd->conv))
		return 2;
	if (fd->conv == 'j')
		return 3;
	if (strchr("uw", fd->conv))
		return 1;
	return 0;
}

static bool read_digits(const char *p, uint64_t *seq)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > UINT64_MAX / 10 - 9)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*seq = v;
	return true;
}

bool rot_name_seq(const char *tmpl, bool numbered, const char *ifnames, const char *name,
		  uint64_t *seq)
{
	size_t ext = rot_ext_offset(tmpl), ilen = ifnames ? strlen(ifnames) : 0;
	const char *p = name;
	struct field fd;

	for (size_t i = 0; i < ext || numbered; i++) {
		if (i == ext)
			return *p == '-' && read_digits(p + 1, seq);
		if (tmpl[i] != '%') {
			if (*p++ != tmpl[i])
				return false;
			continue;
		}
		if (!parse_field(tmpl + i, &fd))
			return false;
		i += fd.len - 1;
		if (fd.conv == 'n')
			return read_digits(p, seq);
		if (fd.conv == '%') {
			if (*p++ != '%')
				return false;
		} else if (fd.conv == 'i') {
			if (strncmp(p, ifnames ? ifnames : "", ilen) != 0)
				return false;
			p += ilen;
		} else {
			size_t w = field_width(&fd);

			for (size_t k = 0; k < w; k++)
				if (!isdigit((unsigned char)*p++))
					return false;
			if (w == 0)
				return false;
		}
	}
	return false;
}
