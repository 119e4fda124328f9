/* SPDX-License-Identifier: BSD-2-Clause */
/* Bounded text buffer the printers append to, with address and JSON string helpers. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pcaprec/print.h"

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

void pb_mac(struct pbuf *b, const uint8_t mac[6])
{
	pb_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		  mac[5]);
}

void pb_ip(struct pbuf *b, int version, const uint8_t *addr)
{
	char s[INET6_ADDRSTRLEN];
	if (inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, s, sizeof s) == NULL)
		s[0] = '\0';
	pb_puts(b, s);
}

void pb_json_str(struct pbuf *b, const char *s)
{
	pb_puts(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			pb_printf(b, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			pb_printf(b, "\\u%04x", *c);
		else
			pb_printf(b, "%c", *c);
	}
	pb_puts(b, "\"");
}
