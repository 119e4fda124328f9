/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 extension headers in a line: HBH, DSTOPT (with -v their options), RT6 and frag, as tcpdump prints them. */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

/* Hop-by-hop / destination options (RFC 8200 4.2), tcpdump -v's notation. */
static void print_tlv_options(const uint8_t *h, size_t len, struct pbuf *b)
{
	size_t i = 2;

	while (i < len) {
		uint8_t type = h[i];
		if (type == 0) {
			pb_puts(b, "(pad1)");
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + h[i + 1] > len) {
			pb_puts(b, "[trunc]");
			return;
		}
		uint8_t olen = h[i + 1];
		if (type == 1)
			pb_puts(b, "(padn)");
		else if (type == 5 && olen == 2)
			pb_printf(b, "(rtalert: 0x%04x) ", ld_be16(h + i + 2));
		else if (type == 0xc2 && olen == 4)
			pb_printf(b, "(jumbo: %u) ", ld_be32(h + i + 2));
		else
			pb_printf(b, "(opt_type 0x%02x: len=%u)", type, olen);
		i += 2u + olen;
	}
}

/* Routing header (RFC 8200 4.4): type 0 (RFC 5095, deprecated) and 2 (RFC 6275) list addresses. */
static void print_rt6(const struct print_opts *o, const uint8_t *h, size_t len, struct pbuf *b)
{
	uint8_t hl = h[1], type = h[2], segleft = h[3];

	pb_printf(b, "RT6 (len=%u, type=%u%s, segleft=%u", hl, type, type == 0 ? " [Deprecated]" : "",
		  segleft);
	if ((type == 0 || type == 2) && hl % 2 == 0) {
		if (o->verbose)
			pb_printf(b, ", rsv=0x%x", ld_be32(h + 4));
		for (size_t i = 0; 8 + 16 * (i + 1) <= len && i < hl / 2u; i++) {
			pb_printf(b, ", [%zu]", i);
			pb_ip(b, 6, h + 8 + 16 * i);
		}
	}
	pb_puts(b, ") ");
}

void print_ip6_ext(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		   struct pbuf *b)
{
	struct dec_ip6_ext_iter it = {0};
	struct dec_ip6_ext e;

	while (dec_ip6_ext_next(f->data, f->caplen, d, &it, &e)) {
		const uint8_t *h = f->data + e.off;
		switch (e.type) {
		case 0:
		case 60:
			pb_puts(b, e.type ? "DSTOPT " : "HBH ");
			if (o->verbose) {
				print_tlv_options(h, e.len, b);
				pb_puts(b, " ");
			}
			break;
		case 43:
			print_rt6(o, h, e.len, b);
			break;
		case 44:
			/* offset | the IP payload bytes after this header */
			pb_puts(b, "frag (");
			if (o->verbose)
				pb_printf(b, "0x%08x:", e.frag_id);
			pb_printf(b, "%u|%u)%s", e.frag_off, e.rest, e.frag_off ? "" : " ");
			break;
		default:
			break;
		}
	}
	if (d->ip.ext_more)
		pb_printf(b, "[more than %u extension headers, not decoded] ", DEC_IP6_EXT_LIMIT);
}

bool print_ip6_final_dst(const struct frame *f, const struct dec_packet *d, uint8_t dst[16])
{
	struct dec_ip6_ext_iter it = {0};
	struct dec_ip6_ext e;

	while (dec_ip6_ext_next(f->data, f->caplen, d, &it, &e)) {
		const uint8_t *h = f->data + e.off;
		if (e.type != 43 || h[3] == 0)
			continue;
		if ((h[2] == 0 || h[2] == 2) && e.len >= 24) {
			/* the last listed address is the final destination */
			for (int k = 0; k < 16; k++)
				dst[k] = h[e.len - 16 + k];
			return true;
		}
	}
	return false;
}
