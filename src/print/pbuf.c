/* SPDX-License-Identifier: BSD-2-Clause */
/* Bounded text buffer the printers append to, with address and JSON string helpers. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/print.h"
#include "pcaprec/util.h"

void pb_init(struct pbuf *b, char *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->full = false;
	if (cap > 0)
		buf[0] = '\0';
}

/* Room left for characters, keeping one byte for the NUL. */
static size_t pb_room(const struct pbuf *b)
{
	return b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
}

void pb_puts(struct pbuf *b, const char *s)
{
	size_t n = strlen(s);
	size_t room = pb_room(b);
	if (n > room) {
		n = room;
		b->full = true;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	if (b->cap > 0)
		b->buf[b->len] = '\0';
}

void pb_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = pb_room(b);
	int n;

	if (b->cap == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > room) {
		b->len += room;
		b->full = true;
	} else {
		b->len += (size_t)n;
	}
}

void pb_putc(struct pbuf *b, char c)
{
	if (pb_room(b) == 0) {
		b->full = true;
		return;
	}
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

/* Appends exactly `n` bytes of `s` (cut like pb_puts when there is no room). */
static void pb_putn(struct pbuf *b, const char *s, size_t n)
{
	size_t room = pb_room(b);
	if (n > room) {
		n = room;
		b->full = true;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	if (b->cap > 0)
		b->buf[b->len] = '\0';
}

/* Decimal digits of `v`, at least `width` of them (zero-padded), into the tail of tmp[24]. */
static size_t fmt_dec(char tmp[24], uint64_t v, unsigned width)
{
	size_t i = 24;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && i > 0);
	while (24 - i < width && i > 0)
		tmp[--i] = '0';
	return i;
}

void pb_uint(struct pbuf *b, uint64_t v)
{
	char tmp[24];
	size_t i = fmt_dec(tmp, v, 1);
	pb_putn(b, tmp + i, 24 - i);
}

void pb_uint_pad(struct pbuf *b, uint64_t v, unsigned width)
{
	char tmp[24];
	size_t i = fmt_dec(tmp, v, width > 20 ? 20 : width);
	pb_putn(b, tmp + i, 24 - i);
}

/* Dotted quad (RFC 791 address in the form inet_ntop gives). */
static void pb_ipv4(struct pbuf *b, const uint8_t *a)
{
	char s[16];
	size_t n = 0;
	for (int k = 0; k < 4; k++) {
		uint8_t v = a[k];
		if (k)
			s[n++] = '.';
		if (v >= 100)
			s[n++] = (char)('0' + v / 100);
		if (v >= 10)
			s[n++] = (char)('0' + v / 10 % 10);
		s[n++] = (char)('0' + v % 10);
	}
	pb_putn(b, s, n);
}

void pb_mac(struct pbuf *b, const uint8_t mac[6])
{
	pb_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		  mac[5]);
}

void pb_ip(struct pbuf *b, int version, const uint8_t *addr)
{
	char s[INET6_ADDRSTRLEN];
	if (version != 6) {
		pb_ipv4(b, addr);
		return;
	}
	if (inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, s, sizeof s) == NULL)
		s[0] = '\0';
	pb_puts(b, s);
}

void pb_json_str(struct pbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	char piece[8];

	pb_puts(b, "\"");
	while (n > 0) {
		size_t k = json_escape_next(p, n, piece);

		pb_puts(b, piece);
		p += k;
		n -= k;
	}
	pb_puts(b, "\"");
}
