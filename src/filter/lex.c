/* SPDX-License-Identifier: BSD-2-Clause */
/* Filter expression lexer: numbers, dotted quads, IPv6 and MAC literals, names, operators; plus error formatting with a caret line. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/filter_impl.h"

static int caret_error(struct fc *c, size_t pos, const char *kind, const char *msg);

static int set_error(struct fc *c, const char *msg)
{
	if (c->failed)
		return -1;
	c->failed = true;
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s", msg);
	return -1;
}

/* Errors found while generating a primitive point at the primitive. */
int flt_error(struct fc *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->in_prim)
		return caret_error(c, c->prim_pos, "error", msg);
	return set_error(c, msg);
}

/* Expressions longer than this are shown as the part around the error. */
#define CARET_WINDOW 60u

/*
 * "KIND at column N: MSG" then the expression and a caret under byte
 * `pos` (columns count from 1). Tabs are kept so the caret lines up. A
 * long expression shows only CARET_WINDOW bytes either side of the error,
 * cut ends marked "...". While a parse is only being tried (`quiet`),
 * nothing is formatted: the caller discards the error.
 */
static int caret_error(struct fc *c, size_t pos, const char *kind, const char *msg)
{
	char caret[2 * CARET_WINDOW + 8], full[1024];
	size_t n = 0, len = strlen(c->src), from = 0, to = len;
	const char *pre = "", *post = "";

	if (c->quiet || c->failed) {
		c->failed = true;
		return -1;
	}
	if (pos > len)
		pos = len;
	if (len > 2 * CARET_WINDOW) {
		from = pos > CARET_WINDOW ? pos - CARET_WINDOW : 0;
		to = len - pos > CARET_WINDOW ? pos + CARET_WINDOW : len;
		pre = from > 0 ? "..." : "";
		post = to < len ? "..." : "";
	}
	for (size_t i = 0; i < strlen(pre); i++)
		caret[n++] = ' ';
	for (size_t i = from; i < pos; i++)
		caret[n++] = c->src[i] == '\t' ? '\t' : ' ';
	caret[n++] = '^';
	caret[n] = '\0';
	snprintf(full, sizeof full, "%s at column %zu: %s\n  %s%.*s%s\n  %s", kind, pos + 1, msg, pre,
		 (int)(to - from), c->src + from, post, caret);
	return set_error(c, full);
}

int flt_syntax_error(struct fc *c, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return caret_error(c, pos, "syntax error", msg);
}

static bool is_hex(int ch)
{
	return isxdigit((unsigned char)ch) != 0;
}

/* Six groups of one or two hex digits separated by a single kind of `sep`. */
static bool lex_mac_sep(const char *s, size_t n, char sep, uint8_t *mac)
{
	size_t i = 0;

	for (int g = 0; g < 6; g++) {
		unsigned v = 0, digits = 0;

		while (i < n && is_hex(s[i]) && digits < 2) {
			v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0'
					: (tolower((unsigned char)s[i]) - 'a' + 10));
			i++;
			digits++;
		}
		if (digits == 0)
			return false;
		mac[g] = (uint8_t)v;
		if (g < 5) {
			if (i >= n || s[i] != sep)
				return false;
			i++;
		}
	}
	return i == n;
}

/* Cisco style aabb.ccdd.eeff. */
static bool lex_mac_dots(const char *s, size_t n, uint8_t *mac)
{
	if (n != 14 || s[4] != '.' || s[9] != '.')
		return false;
	for (int g = 0; g < 3; g++) {
		const char *p = s + g * 5;
		unsigned v = 0;

		for (int j = 0; j < 4; j++) {
			if (!is_hex(p[j]))
				return false;
			v = v * 16 + (unsigned)(isdigit((unsigned char)p[j]) ? p[j] - '0'
					: (tolower((unsigned char)p[j]) - 'a' + 10));
		}
		mac[g * 2] = (uint8_t)(v >> 8);
		mac[g * 2 + 1] = (uint8_t)v;
	}
	return true;
}

/* Try an address literal (IPv6, MAC) at the cursor; true when one was taken. */
static bool lex_address(struct fc *c, const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF:.-");
	char buf[64];

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (lex_mac_sep(buf, n, ':', c->tok.addr) || lex_mac_sep(buf, n, '-', c->tok.addr)
	    || lex_mac_dots(buf, n, c->tok.addr)) {
		c->tok.kind = FT_MAC;
		c->tok.len = n;
		return true;
	}
	n = strspn(s, "0123456789abcdefABCDEF:.");
	buf[n] = '\0';
	if (strchr(buf, ':') && inet_pton(AF_INET6, buf, c->tok.addr) == 1) {
		c->tok.kind = FT_IPV6;
		c->tok.len = n;
		return true;
	}
	return false;
}

/* One number: 0x hex, 0 octal or decimal, no larger than 2^32-1. */
static int lex_number(struct fc *c, const char *s)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex(s[2])) {
		base = 16;
		i = 2;
	} else if (s[0] == '0' && isdigit((unsigned char)s[1])) {
		base = 8;
		i = 1;
	}
	for (; is_hex(s[i]); i++) {
		unsigned d = isdigit((unsigned char)s[i]) ? (unsigned)(s[i] - '0')
			     : (unsigned)(tolower((unsigned char)s[i]) - 'a' + 10);
		if (d >= base)
			break;
		v = v * base + d;
		if (v > UINT32_MAX)
			return flt_syntax_error(c, c->tok.pos, "number too large (maximum 4294967295)");
	}
	if (isalnum((unsigned char)s[i]) || s[i] == '_')
		return flt_syntax_error(c, c->tok.pos + i, "bad character in number");
	c->tok.kind = FT_NUM;
	c->tok.num = (uint32_t)v;
	c->tok.len = i;
	return 0;
}

/* Digits and dots with 2-4 parts each <= 255: a (partial) IPv4 address. */
static bool lex_dotted(struct fc *c, const char *s)
{
	size_t n = strspn(s, "0123456789.");
	int parts = 0;
	size_t i = 0;

	if (n == 0 || !memchr(s, '.', n) || isalpha((unsigned char)s[n]))
		return false;
	while (i < n) {
		unsigned v = 0, digits = 0;

		while (i < n && isdigit((unsigned char)s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || v > 255 || parts == 4)
			return false;
		c->tok.addr[parts++] = (uint8_t)v;
		if (i < n) {
			if (s[i] != '.')
				return false;
			i++;
			if (i == n)
				return false;
		}
	}
	c->tok.kind = FT_DOTTED;
	c->tok.nparts = parts;
	c->tok.len = n;
	return true;
}

static int lex_word(struct fc *c, const char *s, bool escaped)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return flt_syntax_error(c, c->tok.pos, "unexpected character '%c'", s[0]);
	while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-' || s[n] == '.')
		n++;
	while (n > 1 && (s[n - 1] == '-' || s[n - 1] == '.'))
		n--;
	if (n >= sizeof c->tok.text)
		return flt_syntax_error(c, c->tok.pos, "name too long");
	memcpy(c->tok.text, s, n);
	c->tok.text[n] = '\0';
	c->tok.kind = FT_ID;
	c->tok.escaped = escaped;
	c->tok.len = n + (escaped ? 1 : 0);
	if (!escaped && (!strcmp(c->tok.text, "and")))
		c->tok.kind = FT_AND;
	else if (!escaped && !strcmp(c->tok.text, "or"))
		c->tok.kind = FT_OR;
	else if (!escaped && !strcmp(c->tok.text, "not"))
		c->tok.kind = FT_NOT;
	return 0;
}

struct op2 {
	const char *s;
	int kind;
};

static const struct op2 two_char_ops[] = {
	{ "&&", FT_AND }, { "||", FT_OR }, { "==", FT_EQ }, { "!=", FT_NE },
	{ "<=", FT_LE }, { ">=", FT_GE }, { "<<", FT_SHL }, { ">>", FT_SHR },
};

int flt_next(struct fc *c)
{
	const char *s;

	while (isspace((unsigned char)c->src[c->pos]))
		c->pos++;
	s = c->src + c->pos;
	memset(&c->tok, 0, sizeof c->tok);
	c->tok.pos = c->pos;
	if (*s == '\0') {
		c->tok.kind = FT_END;
		return 0;
	}
	for (size_t i = 0; i < sizeof two_char_ops / sizeof two_char_ops[0]; i++) {
		if (s[0] == two_char_ops[i].s[0] && s[1] == two_char_ops[i].s[1]) {
			c->tok.kind = two_char_ops[i].kind;
			c->tok.len = 2;
			c->pos += 2;
			return 0;
		}
	}
	if (strchr("()[]:+-*/%&|^<>=!", *s)) {
		c->tok.kind = *s == '!' ? FT_NOT : *s == '=' ? FT_EQ : *s;
		c->tok.len = 1;
	} else if (lex_address(c, s) || lex_dotted(c, s)) {
		/* token filled in */
	} else if (isdigit((unsigned char)*s)) {
		if (lex_number(c, s) < 0)
			return -1;
	} else if (*s == '\\') {
		if (lex_word(c, s + 1, true) < 0)
			return -1;
	} else if (lex_word(c, s, false) < 0) {
		return -1;
	}
	c->pos += c->tok.len;
	return 0;
}
