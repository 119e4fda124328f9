/* SPDX-License-Identifier: BSD-2-Clause */
/* The one-line printer: timestamp, optional link header (-e), then the network line. */
#include <string.h>

#include "pcaprec/print.h"

const char *print_ethertype_name(uint16_t type)
{
	switch (type) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8100:
		return "802.1Q";
	case 0x88a8:
		return "802.1Q-QinQ";
	case 0x9100:
		return "802.1Q-9100";
	case 0x8035:
		return "Reverse ARP";
	case 0x88cc:
		return "LLDP";
	case 0x8847:
		return "MPLS unicast";
	case 0x8863:
		return "PPPoE D";
	case 0x8864:
		return "PPPoE S";
	default:
		return "Unknown";
	}
}

/* tcpdump's ether_type_print: "ethertype IPv4 (0x0800)", with -q "IPv4" ("Unknown Ethertype (0x88b5)"). */
static void print_ether_type(const struct print_opts *o, struct pbuf *b, uint16_t type)
{
	const char *name = print_ethertype_name(type);

	if (!o->quiet)
		pb_printf(b, "ethertype %s (0x%04x)", name, type);
	else if (strcmp(name, "Unknown") == 0)
		pb_printf(b, "Unknown Ethertype (0x%04x)", type);
	else
		pb_puts(b, name);
}

/* tcpdump's names for Linux cooked packet types (linux/if_packet.h PACKET_*). */
static const char *sll_pkttype_name(uint16_t t)
{
	static const char *const names[] = { "In", "B", "M", "P", "Out" };
	return t < 5 ? names[t] : "?";
}

/* A Linux cooked header whose protocol 0x0004 says 802.2 LLC follows. */
static bool sll_llc(const struct dec_packet *d)
{
	return (d->link.proto == DEC_P_SLL || d->link.proto == DEC_P_SLL2) && d->l2.type_len == 0x0004;
}

/*
 * "vlan 10, p 3, ethertype IPv4 (0x0800), " for each stored tag (IEEE
 * 802.1Q). Behind Linux cooked headers tcpdump names the next type without
 * its number, and without -e shows only that ("ethertype IPv4, ").
 */
static void print_vlans(const struct print_opts *o, const struct dec_packet *d, struct pbuf *b)
{
	bool sll = d->link.proto == DEC_P_SLL || d->link.proto == DEC_P_SLL2;

	for (uint8_t i = 0; i < d->l2.nvlan; i++) {
		const struct dec_vlan *v = &d->l2.vlan[i];
		uint16_t next = i + 1 < d->l2.nvlan ? d->l2.vlan[i + 1].tpid
			      : d->l2.llc_length ? d->l2.llc_length : d->l2.ethertype;
		if (o->link)
			pb_printf(b, "vlan %u, p %u%s, ", v->vid, v->pcp, v->dei ? ", DEI" : "");
		if (next <= 1500) {
			pb_printf(b, "length %u, ", next);
		} else if (sll) {
			if (!o->quiet)
				pb_printf(b, "ethertype %s, ", print_ethertype_name(next));
		} else {
			print_ether_type(o, b, next);
			pb_puts(b, ", ");
		}
	}
}

/* The Ethernet header as tcpdump -e shows it. */
static void print_ether_hdr(const struct print_opts *o, const struct dec_packet *d, struct pbuf *b)
{
	pb_mac(b, d->l2.src);
	pb_puts(b, " > ");
	pb_mac(b, d->l2.dst);
	if (d->l2.type_len <= 1500) {
		pb_printf(b, ", 802.3, length %u", d->l2.type_len);
	} else {
		pb_puts(b, ", ");
		print_ether_type(o, b, d->l2.type_len);
		pb_printf(b, ", length %u", d->origlen);
	}
}

/* Link-level header for -e, ending in ": " when a network line follows. */
static void print_link_hdr(const struct print_opts *o, const struct dec_packet *d, struct pbuf *b)
{
	switch (d->link.proto) {
	case DEC_P_ETHER:
	case DEC_P_LLC:
		print_ether_hdr(o, d, b);
		break;
	case DEC_P_SLL:
	case DEC_P_SLL2:
		/* SLL2: the direction was printed already, before the link header */
		if (d->link.proto == DEC_P_SLL2)
			pb_printf(b, "ifindex %u ", d->l2.sll_ifindex);
		else
			pb_printf(b, "%3s ", sll_pkttype_name(d->l2.sll_pkttype));
		for (uint16_t i = 0; i < d->l2.sll_halen && i < 8; i++)
			pb_printf(b, i ? ":%02x" : "%02x", d->l2.sll_addr[i]);
		if (d->l2.sll_halen)
			pb_puts(b, " ");
		if (o->quiet) { /* tcpdump -q: the addresses only, no separator */
			print_vlans(o, d, b);
			return;
		}
		if (sll_llc(d))
			pb_printf(b, "802.2, length %u", d->origlen);
		else
			pb_printf(b, "ethertype %s (0x%04x), length %u",
				  print_ethertype_name(d->l2.type_len), d->l2.type_len, d->origlen);
		break;
	case DEC_P_RAWIP:
		pb_puts(b, "ip");
		break;
	case DEC_P_NULL:
	case DEC_P_LOOP: {
		const char *af = d->l2.ethertype == 0x0800 ? "IPv4" : d->l2.ethertype == 0x86dd ? "IPv6"
											: NULL;
		if (!o->quiet)
			pb_printf(b, "AF %s (%u)", af ? af : "Unknown", d->l2.af);
		else if (af)
			pb_puts(b, af);
		else
			pb_printf(b, "Unknown AF %u", d->l2.af);
		pb_printf(b, ", length %u", d->origlen);
		break;
	}
	default:
		return;
	}
	pb_puts(b, ": ");
	print_vlans(o, d, b);
}

/* tcpdump's name for the link layer in a "[|name]" truncation marker. */
static const char *link_trunc_name(const struct dec_packet *d)
{
	switch (d->link.proto) {
	case DEC_P_ETHER:
		return d->l2.nvlan || d->l2.type_len == 0x8100 || d->l2.type_len == 0x88a8 ||
		       d->l2.type_len == 0x9100 ? "vlan" : "ether";
	case DEC_P_LLC:
		return "llc";
	case DEC_P_SLL:
		return "sll";
	case DEC_P_SLL2:
		return "sll2";
	case DEC_P_NULL:
	case DEC_P_LOOP:
		return "null";
	default:
		return "ip";
	}
}

/* Names of the well-known service access points (IEEE 802.2 / tcpdump's llc table). */
static const char *llc_sap_name(uint8_t sap)
{
	switch (sap & 0xfe) {
	case 0x00:
		return "Null";
	case 0x04:
		return "SNA";
	case 0x06:
		return "IP";
	case 0x42:
		return "STP";
	case 0xaa:
		return "SNAP";
	case 0xe0:
		return "IPX";
	case 0xf0:
		return "NetBeui";
	case 0xfe:
		return "OSI";
	default:
		return "Unknown";
	}
}

/*
 * LLC header (with -e, or when it carries no IP/ARP): tcpdump goes on to
 * decode STP, CDP... behind it; pcaprec stops at LLC/SNAP.
 */
static void print_llc(const struct print_opts *o, const struct dec_packet *d, struct pbuf *b)
{
	bool net = d->net.proto != DEC_P_OTHER && d->net.proto != DEC_P_NONE;
	uint32_t len = d->l2.llc_length;

	if (net && !o->link)
		return; /* like tcpdump: SNAP-encapsulated IP prints as plain IP */
	pb_printf(b, "LLC, dsap %s (0x%02x) %s, ssap %s (0x%02x) %s, ctrl 0x%02x",
		  llc_sap_name(d->l2.dsap), d->l2.dsap, d->l2.dsap & 1 ? "Group" : "Individual",
		  llc_sap_name(d->l2.ssap), d->l2.ssap & 0xfe, d->l2.ssap & 1 ? "Response" : "Command",
		  d->l2.llc_control);
	if (sll_llc(d))
		len = d->origlen > d->link.hdr_len ? d->origlen - d->link.hdr_len : 0;
	if (d->l2.snap) {
		uint32_t hl = d->link.hdr_len - d->link.off;
		len = d->l2.llc_length > hl - 14 ? d->l2.llc_length - (hl - 14) : 0;
		pb_printf(b, ": oui %s (0x%06x), ethertype %s (0x%04x), length %u",
			  d->l2.snap_oui ? "Unknown" : "Ethernet", d->l2.snap_oui,
			  print_ethertype_name(d->l2.ethertype), d->l2.ethertype, len);
	} else {
		pb_printf(b, ", length %u", len);
	}
	if (net)
		pb_puts(b, ": ");
}

size_t print_line(const struct print_opts *o, struct print_state *st, const struct frame *f,
		  const struct dec_packet *d, char *buf, size_t cap)
{
	struct pbuf b;

	pb_init(&b, buf, cap - 1);
	print_seq_prefetch(o, st, d);
	if (o->number)
		pb_printf(&b, "%5llu  ", (unsigned long long)st->number);
	print_ts(o, st, f->ts_ns, &b);
	if (o->ts != PRINT_TS_NONE)
		pb_puts(&b, " ");
	if (d->link.status == DEC_TRUNCATED) {
		pb_printf(&b, " [|%s]", link_trunc_name(d));
	} else if (d->link.status == DEC_INVALID) {
		pb_printf(&b, "(invalid) %s", d->err_what ? d->err_what : "");
	} else if (d->link.proto == DEC_P_OTHER) {
		pb_printf(&b, "unsupported link type %u, length %u", d->linktype, d->origlen);
	} else {
		bool llc = d->link.proto == DEC_P_LLC || sll_llc(d);
		bool show_link = o->link || (d->net.proto == DEC_P_OTHER && !llc);
		if (d->link.proto == DEC_P_SLL2)
			pb_printf(&b, "%-3s ", sll_pkttype_name(d->l2.sll_pkttype));
		if (show_link)
			print_link_hdr(o, d, &b);
		else if (d->link.proto == DEC_P_SLL || d->link.proto == DEC_P_SLL2)
			print_vlans(o, d, &b);
		if (llc)
			print_llc(o, d, &b);
		if (d->net.proto != DEC_P_OTHER)
			print_net(o, st, f, d, &b);
		else if (b.len >= 2 && b.buf[b.len - 1] == ' ' &&
			 (b.buf[b.len - 2] == ':' || b.buf[b.len - 2] == ','))
			b.len -= 2; /* nothing follows the link header: drop its separator */
	}
	b.buf[b.len] = '\0';
	buf[b.len++] = '\n';
	buf[b.len] = '\0';
	return b.len;
}
