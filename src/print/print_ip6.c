/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 extension headers in a line: HBH, DSTOPT (with -v their options), RT6 and frag, as tcpdump prints them. */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

/* The captured bytes of extension header i, or NULL. */
static const uint8_t *ext_bytes(const struct frame *f, const struct dec_packet *d, int i)
{
	uint32_t off = d->ip.ext_off[i];
	if (off > f->caplen || f->caplen - off < d->ip.ext_len[i])
		return NULL;
	return f->data + off;
}

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
	for (uint8_t i = 0; i < d->ip.n_ext; i++) {
		const uint8_t *h = ext_bytes(f, d, i);
		uint16_t len = d->ip.ext_len[i];
		switch (d->ip.ext[i]) {
		case 0:
		case 60:
			pb_puts(b, d->ip.ext[i] ? "DSTOPT " : "HBH ");
			if (o->verbose && h) {
				print_tlv_options(h, len, b);
				pb_puts(b, " ");
			}
			break;
		case 43:
			if (h)
				print_rt6(o, h, len, b);
			else
				pb_puts(b, "RT6 ");
			break;
		case 44:
			pb_puts(b, "frag (");
			if (o->verbose)
				pb_printf(b, "0x%08x:", d->ip.id);
			pb_printf(b, "%u|%u)%s", d->ip.frag_off, d->ip.payload_len,
				  d->ip.frag_off ? "" : " ");
			break;
		default:
			break;
		}
	}
}

bool print_ip6_final_dst(const struct frame *f, const struct dec_packet *d, uint8_t dst[16])
{
	for (uint8_t i = 0; i < d->ip.n_ext; i++) {
		const uint8_t *h = ext_bytes(f, d, i);
		uint16_t len = d->ip.ext_len[i];
		if (d->ip.ext[i] != 43 || h == NULL || h[3] == 0)
			continue;
		if ((h[2] == 0 || h[2] == 2) && len >= 24) {
			/* the last listed address is the final destination */
			for (int k = 0; k < 16; k++)
				dst[k] = h[len - 16 + k];
			return true;
		}
	}
	return false;
}
