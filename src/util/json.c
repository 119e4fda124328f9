/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON text pieces every writer shares: strings that strict parsers accept, exact seconds from nanoseconds. */
#include <inttypes.h>
#include <stdio.h>

#include "pcaprec/util.h"

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 (RFC 3629 3) */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t json_escape_next(const unsigned char *p, size_t n, char out[8])
{
	size_t len = utf8_seq_len(p, n);

	if (len == 0) { /* not UTF-8: the byte's Latin-1 reading */
		snprintf(out, 8, "\\u%04x", p[0]);
		return 1;
	}
	if (len > 1) {
		for (size_t i = 0; i < len; i++)
			out[i] = (char)p[i];
		out[len] = '\0';
		return len;
	}
	if (p[0] == '"' || p[0] == '\\')
		snprintf(out, 8, "\\%c", p[0]);
	else if (p[0] < 0x20 || p[0] == 0x7f)
		snprintf(out, 8, "\\u%04x", p[0]);
	else
		out[0] = (char)p[0], out[1] = '\0';
	return 1;
}

void json_fputs(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	char piece[8];

	fputc('"', out);
	while (n > 0) {
		size_t k = json_escape_next(p, n, piece);

		fputs(piece, out);
		p += k;
		n -= k;
	}
	fputc('"', out);
}

void fmt_ns_secs(int64_t ns, char *buf, size_t len)
{
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", a / 1000000000u,
		 a % 1000000000u);
}
