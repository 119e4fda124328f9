/* SPDX-License-Identifier: BSD-2-Clause */
/* Network-layer part of a line: ARP, IPv4 and IPv6 the way tcpdump -nn prints them. */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

/* IP protocol names as tcpdump's -v shows them ("proto TCP (6)"). */
static const char *ipproto_name(uint8_t p)
{
	switch (p) {
	case 0:
		return "Options";
	case 1:
		return "ICMP";
	case 2:
		return "IGMP";
	case 4:
		return "IPIP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 41:
		return "IPv6";
	case 43:
		return "Routing";
	case 44:
		return "Fragment";
	case 47:
		return "GRE";
	case 50:
		return "ESP";
	case 51:
		return "AH";
	case 58:
		return "ICMPv6";
	case 59:
		return "NONE";
	case 89:
		return "OSPF";
	case 132:
		return "SCTP";
	default:
		return "unknown";
	}
}

/* "ARP, Request who-has A tell B, length N" (RFC 826 operations 1 and 2). */
static void print_arp(const struct print_opts *o, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_arp *a = &d->arp;
	uint32_t len = d->origlen > d->net.off ? d->origlen - d->net.off : 0;

	if (d->net.status == DEC_TRUNCATED) {
		pb_puts(b, " [|arp]");
		return;
	}
	if (!o->link)
		pb_puts(b, "ARP, ");
	if (!a->eth_ipv4) {
		pb_printf(b, "hardware %u (len %u), protocol 0x%04x (len %u), op %u, length %u",
			  a->htype, a->hlen, a->ptype, a->plen, a->op, len);
		return;
	}
	if (o->verbose)
		pb_puts(b, "Ethernet (len 6), IPv4 (len 4), ");
	if (a->op == 1) {
		pb_puts(b, "Request who-has ");
		pb_ip(b, 4, a->tpa);
		if (a->tha[0] | a->tha[1] | a->tha[2] | a->tha[3] | a->tha[4] | a->tha[5]) {
			pb_puts(b, " (");
			pb_mac(b, a->tha);
			pb_puts(b, ")");
		}
		pb_puts(b, " tell ");
		pb_ip(b, 4, a->spa);
	} else if (a->op == 2) {
		pb_puts(b, "Reply ");
		pb_ip(b, 4, a->spa);
		pb_puts(b, " is-at ");
		pb_mac(b, a->sha);
	} else {
		pb_printf(b, "Unknown (%u)", a->op);
	}
	pb_printf(b, ", length %u", len);
}

/* IPv4 option names (RFC 791 3.1, RFC 2113) in tcpdump's words. */
static const char *ipopt_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "EOL";
	case 1:
		return "NOP";
	case 7:
		return "RR";
	case 68:
		return "TS";
	case 130:
		return "SECURITY";
	case 131:
		return "LSRR";
	case 137:
		return "SSRR";
	case 148:
		return "RA";
	default:
		return NULL;
	}
}

/* Route options: the addresses, a comma after each one the pointer has passed (RFC 791). */
static void print_ipopt_route(const uint8_t *o, size_t len, struct pbuf *b)
{
	if (len < 3) {
		pb_printf(b, " [bad length %zu]", len);
		return;
	}
	if ((len + 1) & 3)
		pb_printf(b, " [bad length %zu]", len);
	size_t ptr = (size_t)o[2] - 1;
	if (o[2] == 0 || ptr < 3 || ((ptr + 1) & 3) || ptr > len + 1)
		pb_printf(b, " [bad ptr %u]", o[2]);
	for (size_t i = 3; i + 4 <= len; i += 4) {
		pb_puts(b, " ");
		pb_ip(b, 4, o + i);
		if (ptr > i)
			pb_puts(b, ",");
	}
}

/* The options of an IPv4 header as tcpdump -v lists them (timestamps by name only). */
static void print_ipv4_options(const uint8_t *o, size_t len, struct pbuf *b)
{
	for (bool first = true; len > 0; first = false) {
		const char *name = ipopt_name(o[0]);
		size_t olen = 1;
		if (!first)
			pb_puts(b, ",");
		if (name)
			pb_puts(b, name);
		else
			pb_printf(b, "unknown %u", o[0]);
		if (o[0] == 0)
			return;
		if (o[0] != 1) {
			olen = len >= 2 ? o[1] : 0;
			if (olen < 2 || olen > len) {
				pb_printf(b, " [bad length %zu]", olen);
				return;
			}
		}
		if (o[0] == 7 || o[0] == 131 || o[0] == 137)
			print_ipopt_route(o, olen, b);
		else if (o[0] == 148 && olen >= 4 && ld_be16(o + 2) != 0)
			pb_printf(b, " value %u", ld_be16(o + 2));
		o += olen;
		len -= olen;
	}
}

/* tcpdump -v's IPv4 header summary, then the newline and indent it uses. */
static void print_ipv4_verbose(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	static const char *const ecn[] = { "", ",ECT(1)", ",ECT(0)", ",CE" };
	const struct dec_ip *ip = &d->ip;
	char flags[16];
	struct pbuf fb;

	pb_init(&fb, flags, sizeof flags);
	if (ip->mf)
		pb_puts(&fb, "+");
	if (ip->df)
		pb_puts(&fb, "DF");
	if (!ip->mf && !ip->df)
		pb_puts(&fb, "none");
	pb_printf(b, "(tos 0x%x%s, ttl %u, id %u, offset %u, flags [%s], proto %s (%u), length %u",
		  ip->tos & 0xfc, ecn[ip->tos & 3], ip->ttl, ip->id, ip->frag_off, flags,
		  ipproto_name(ip->proto), ip->proto, ip->total_len);
	if (ip->opt_len && f->caplen >= d->net.off + ip->hdr_len) {
		pb_puts(b, ", options (");
		print_ipv4_options(f->data + d->net.off + 20, ip->opt_len, b);
		pb_puts(b, ")");
	}
	uint16_t want;
	if (print_cksum_ipv4(f, d, &want) == 0)
		pb_printf(b, ", bad cksum %x (->%x)!", ip->checksum, want);
	pb_puts(b, ")\n    ");
}

static void print_ipv6_verbose(const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_ip *ip = &d->ip;

	pb_puts(b, "(");
	if (ip->tos)
		pb_printf(b, "class 0x%02x, ", ip->tos);
	if (ip->flowlabel)
		pb_printf(b, "flowlabel 0x%05x, ", ip->flowlabel);
	pb_printf(b, "hlim %u, next-header %s (%u) payload length: %u) ", ip->ttl,
		  ipproto_name(ip->next_hdr), ip->next_hdr, ip->plen);
}

/* tcpdump's marker names for a cut extension header. */
static const char *ip6_ext_trunc_name(uint8_t type)
{
	switch (type) {
	case 0:
		return "hbhopt";
	case 43:
		return "rt6";
	case 44:
		return "frag";
	case 60:
		return "dstopt";
	default:
		return "ip6";
	}
}

void print_net(const struct print_opts *o, struct print_state *st, const struct frame *f, const struct dec_packet *d,
	       struct pbuf *b)
{
	const struct dec_ip *ip = &d->ip;
	bool v6 = d->net.proto == DEC_P_IPV6;

	if (d->net.proto == DEC_P_ARP) {
		print_arp(o, d, b);
		return;
	}
	if (v6 && d->net.status == DEC_TRUNCATED && d->err_off < d->net.off + 40) {
		pb_puts(b, " [|ip6]"); /* tcpdump names no protocol before the fixed header */
		return;
	}
	if (!o->link)
		pb_puts(b, v6 ? "IP6 " : "IP ");
	if (d->net.status == DEC_TRUNCATED && !v6) {
		pb_puts(b, " [|ip]");
		return;
	}
	if (d->net.status == DEC_INVALID) {
		pb_puts(b, "(invalid)");
		return;
	}
	if (o->verbose)
		v6 ? print_ipv6_verbose(d, b) : print_ipv4_verbose(f, d, b);
	if (ip->len_short) {
		uint32_t wire = d->origlen - d->net.off;
		pb_printf(b, "truncated-ip%s - %u bytes missing! ", v6 ? "6" : "",
			  ip->total_len - wire);
	}
	if (v6 && (ip->n_ext > 0 || d->net.status == DEC_TRUNCATED)) {
		pb_ip(b, 6, ip->src);
		pb_puts(b, " > ");
		pb_ip(b, 6, ip->dst);
		pb_puts(b, ": ");
		print_ip6_ext(o, f, d, b);
		if (ip->ext_more)
			return;
		if (d->net.status == DEC_TRUNCATED) {
			pb_printf(b, " [|%s]", ip6_ext_trunc_name(ip->proto));
			return;
		}
	}
	print_transport(o, st, f, d, b);
}
