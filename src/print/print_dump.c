/* SPDX-License-Identifier: BSD-2-Clause */
/* The -x/-X/-A packet dumps, laid out byte for byte as tcpdump 4.99's print-ascii.c lays them out. */
#include "pcaprec/print.h"

#define DUMP_PER_LINE 16

bool print_has_dump(const struct print_opts *o)
{
	return o->hex || o->hex_ascii || o->ascii;
}

/* tcpdump's ND_ASCII_ISGRAPH: printable and not a space. */
static bool is_graph(uint8_t c)
{
	return c > 0x20 && c <= 0x7e;
}

/*
 * Whether tcpdump's walk of the TCP options (print-tcp.c) runs out of
 * captured bytes at an option's kind or length byte, where it reads with
 * GET_U_1 and so ends the packet through longjmp; cuts inside an option's
 * data are checked first and are not.
 */
static bool tcp_opts_jump(const struct frame *f, const struct dec_packet *d)
{
	uint32_t p = d->tp.off + 20, end = d->tp.off + (uint32_t)d->tcp.doff;

	while (p < end) {
		uint8_t len;

		if (p >= f->caplen)
			return true;
		if (f->data[p] <= 1) { /* EOL, NOP */
			p++;
			continue;
		}
		if (p + 1 >= f->caplen)
			return true;
		len = f->data[p + 1];
		if (len < 2 || len > end - p || p + len > f->caplen)
			return false;
		p += len;
	}
	return false;
}

/*
 * IPv6 extension headers (RFC 8200 4) cut short: tcpdump reads routing
 * and fragment headers with GET_ macros (longjmp), checks hop-by-hop and
 * destination options with ND_TCHECK first (no longjmp).
 */
static bool ip6_ext_jump(const struct frame *f, const struct dec_packet *d)
{
	uint32_t p = d->net.off + 40;
	uint8_t nh;

	if (f->caplen < p)
		return false;
	nh = f->data[d->net.off + 6];
	while (nh == 0 || nh == 43 || nh == 44 || nh == 60) {
		uint32_t len = 8;

		if (nh != 44) {
			if (p + 2 > f->caplen)
				return nh == 43;
			len = ((uint32_t)f->data[p + 1] + 1) * 8;
		}
		if (p + len > f->caplen)
			return nh == 43 || nh == 44;
		nh = f->data[p];
		p += len;
	}
	return false;
}

/*
 * Whether tcpdump 4.99 leaves the packet through its longjmp on truncation,
 * after which it dumps from the frame's first byte (ndo_ll_hdr_len reset to
 * 0): ARP, ICMP and ICMPv6 read with GET_ macros; an IPv4 header whose
 * options are cut; IPv6 routing and fragment headers; TCP options cut at a kind or length byte. The other
 * truncations it reports ([|ip] below 20 bytes, [|udp],
 * [|tcp] in the fixed header) return normally.
 */
static bool trunc_jump(const struct frame *f, const struct dec_packet *d)
{
	if (d->net.proto == DEC_P_ARP)
		return d->net.status == DEC_TRUNCATED;
	if (d->net.status == DEC_TRUNCATED)
		return d->net.proto == DEC_P_IPV4 ? f->caplen >= d->net.off + 20u : ip6_ext_jump(f, d);
	if (d->tp.status != DEC_TRUNCATED)
		return false;
	if (d->tp.proto == DEC_P_ICMP || d->tp.proto == DEC_P_ICMPV6)
		return true;
	return d->tp.proto == DEC_P_TCP && f->caplen >= d->tp.off + 20 && tcp_opts_jump(f, d);
}

/*
 * Where tcpdump's link-layer printer says the link header ends (its
 * ndo_ll_hdr_len): after the MACs, type and VLAN tags (and LLC/SNAP), the
 * cooked or loopback header; all of a frame too short for it; 0 for raw IP.
 */
static uint32_t dump_link_len(const struct frame *f, const struct dec_packet *d)
{
	if (d->link.proto == DEC_P_OTHER)
		return 0;
	if (d->link.status == DEC_TRUNCATED)
		return f->caplen;
	if (trunc_jump(f, d))
		return 0;
	if (d->net.proto != DEC_P_NONE && d->net.proto != DEC_P_OTHER)
		return d->net.off;
	return d->link.off + d->link.hdr_len;
}

/* "\n\t0x0010:  4500 0054 ..." lines: 8 groups of 2 bytes each, an odd last byte alone. */
static void dump_hex(const uint8_t *p, uint32_t n, bool ascii, FILE *out)
{
	char asc[DUMP_PER_LINE + 1];

	for (uint32_t off = 0; off < n; off += DUMP_PER_LINE) {
		uint32_t k = n - off < DUMP_PER_LINE ? n - off : DUMP_PER_LINE;
		int w = 0;

		fprintf(out, "\n\t0x%04x: ", off);
		for (uint32_t i = 0; i < k; i++) {
			if (i % 2 == 0)
				w += fprintf(out, " ");
			w += fprintf(out, "%02x", p[off + i]);
			asc[i] = is_graph(p[off + i]) ? (char)p[off + i] : '.';
		}
		asc[k] = '\0';
		if (ascii)
			fprintf(out, "%*s  %s", 40 - w, "", asc);
	}
}

/* tcpdump's ascii_print: a newline, then the bytes, non-printables as '.', CRs before LF dropped. */
static void dump_ascii(const uint8_t *p, uint32_t n, FILE *out)
{
	putc('\n', out);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		uint32_t left = n - i - 1;

		if (c == '\r') {
			if (left > 1 && p[i + 1] != '\n')
				putc('.', out);
		} else if (!is_graph(c) && c != '\t' && c != ' ' && c != '\n') {
			putc('.', out);
		} else {
			putc(c, out);
		}
	}
}

void print_dump(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		FILE *out)
{
	uint8_t level = o->hex_ascii ? o->hex_ascii : o->hex ? o->hex : o->ascii;
	uint32_t from = level > 1 ? 0 : dump_link_len(f, d);

	if (!print_has_dump(o) || f->caplen <= from)
		return;
	if (o->hex_ascii || o->hex)
		dump_hex(f->data + from, f->caplen - from, o->hex_ascii != 0, out);
	else
		dump_ascii(f->data + from, f->caplen - from, out);
}
