/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP and ICMPv6 part of a line, as tcpdump -nn prints it (with -v: checksums, quoted header, ND fields). */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

/* Captured bytes from the transport header on. */
static size_t tp_caplen(const struct frame *f, const struct dec_packet *d)
{
	return f->caplen > d->tp.off ? f->caplen - d->tp.off : 0;
}

/*
 * The IP header an ICMP error quotes (RFC 792, RFC 4443 3.1), decoded with
 * the same decoders. False when there is none or it did not decode.
 */
static bool icmp_inner(const struct frame *f, const struct dec_packet *d, struct dec_packet *in)
{
	uint32_t off = d->icmp.inner_off;
	if (off == 0 || off >= f->caplen)
		return false;
	dec_packet(d->ip.version == 6 ? LINKTYPE_IPV6 : LINKTYPE_IPV4, f->data + off,
		   f->caplen - off, f->caplen - off, DEC_DEPTH_TRANSPORT, in);
	return in->net.status == DEC_OK;
}

/* "203.0.113.9 udp port 33435" from a quoted packet; ports only when captured. */
static void print_inner_port(const struct dec_packet *in, struct pbuf *b)
{
	bool tcp = in->tp.proto == DEC_P_TCP;
	size_t have = in->caplen > in->tp.off ? in->caplen - in->tp.off : 0;

	pb_ip(b, in->ip.version, in->ip.dst);
	if ((tcp || in->tp.proto == DEC_P_UDP) && have >= 4)
		pb_printf(b, " %s port %u", tcp ? "tcp" : "udp", tcp ? in->tcp.dport : in->udp.dport);
	else
		pb_printf(b, " protocol %u port ?", in->ip.proto);
}

/* ICMP destination unreachable (type 3) in tcpdump's words. */
static void print_icmp_unreach(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	struct dec_packet in;

	if (!icmp_inner(f, d, &in)) {
		pb_printf(b, "unreachable, code %u", d->icmp.code);
		return;
	}
	switch (d->icmp.code) {
	case 0:
	case 1:
		pb_printf(b, "%s ", d->icmp.code ? "host" : "net");
		pb_ip(b, 4, in.ip.dst);
		pb_puts(b, " unreachable");
		break;
	case 2:
		pb_ip(b, 4, in.ip.dst);
		pb_printf(b, " protocol %u unreachable", in.ip.proto);
		break;
	case 3:
		print_inner_port(&in, b);
		pb_puts(b, " unreachable");
		break;
	case 4:
		pb_ip(b, 4, in.ip.dst);
		pb_printf(b, " unreachable - need to frag (mtu %u)", d->icmp.rest & 0xffff);
		break;
	default:
		pb_ip(b, 4, in.ip.dst);
		pb_printf(b, " unreachable - code %u", d->icmp.code);
		break;
	}
}

/* Error messages quote the offending datagram (RFC 792). */
static bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* -v: a wrong checksum, then the quoted IP header on its own lines, as tcpdump -v does. */
static void print_icmp_verbose(const struct print_opts *o, struct print_state *st, const struct frame *f,
			       const struct dec_packet *d, struct pbuf *b)
{
	struct dec_packet in;
	uint16_t want;

	if (print_cksum_l4(f, d, &want) == 0)
		pb_printf(b, " (wrong icmp cksum %x (->%x)!)", d->icmp.csum, want);
	/* one level only: a quoted packet's own quotes are not followed */
	if (!o->quoted && icmp_is_error(d->icmp.type) && icmp_inner(f, d, &in)) {
		struct frame inner = *f;
		inner.data = f->data + d->icmp.inner_off;
		inner.caplen = f->caplen - d->icmp.inner_off;
		inner.origlen = inner.caplen;
		struct print_opts io = *o;
		io.link = false;
		io.quoted = true;
		pb_puts(b, "\n\t");
		print_net(&io, st, &inner, &in, b);
	}
}

/* ICMP messages (RFC 792) tcpdump names; others as "type-#N". */
void print_icmp(const struct print_opts *o, struct print_state *st, const struct frame *f, const struct dec_packet *d,
		struct pbuf *b)
{
	const struct dec_icmp *m = &d->icmp;

	pb_puts(b, "ICMP ");
	switch (m->type) {
	case 0:
	case 8:
		pb_printf(b, "echo %s, id %u, seq %u", m->type ? "request" : "reply", m->id, m->seq);
		break;
	case 3:
		print_icmp_unreach(f, d, b);
		break;
	case 4:
		pb_puts(b, "source quench");
		break;
	case 5:
		pb_printf(b, "redirect, code %u", m->code);
		break;
	case 11:
		pb_puts(b, m->code == 0 ? "time exceeded in-transit" : "ip reassembly time exceeded");
		break;
	case 13:
		pb_puts(b, "time stamp request");
		break;
	case 14:
		pb_puts(b, "time stamp reply");
		break;
	default:
		pb_printf(b, "type-#%u", m->type);
		break;
	}
	pb_printf(b, ", length %u", d->ip.payload_len);
	if (o->verbose)
		print_icmp_verbose(o, st, f, d, b);
}

/* ICMPv6 names as tcpdump prints them (RFC 4443, RFC 4861). */
static const char *icmp6_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "destination unreachable";
	case 2:
		return "packet too big";
	case 3:
		return "time exceeded in-transit";
	case 4:
		return "parameter problem";
	case 128:
		return "echo request";
	case 129:
		return "echo reply";
	case 130:
		return "multicast listener query";
	case 131:
		return "multicast listener report";
	case 132:
		return "multicast listener done";
	case 133:
		return "router solicitation";
	case 134:
		return "router advertisement";
	case 135:
		return "neighbor solicitation";
	case 136:
		return "neighbor advertisement";
	case 137:
		return "redirect";
	case 143:
		return "multicast listener report v2";
	default:
		return NULL;
	}
}

/* ICMPv6 destination unreachable detail (RFC 4443 3.1 codes). */
static void print_icmp6_unreach(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	static const char *const codes[] = { "unreachable route", "unreachable prohibited",
					     "beyond scope", "unreachable address",
					     "unreachable port" };
	struct dec_packet in;
	uint8_t code = d->icmp.code;

	if (code < 5)
		pb_printf(b, ", %s", codes[code]);
	else
		pb_printf(b, ", unknown unreach code (%u)", code);
	if (!icmp_inner(f, d, &in))
		return;
	if (code == 4) {
		pb_puts(b, ", ");
		print_inner_port(&in, b);
	} else if (code == 0 || code == 1 || code == 3) {
		pb_puts(b, " ");
		pb_ip(b, 6, in.ip.dst);
	}
}

/* tcpdump -v's extra neighbour discovery fields (RFC 4861 4.2, 4.4). */
static void print_nd_verbose(const struct dec_icmp *m, struct pbuf *b)
{
	static const char *const pref[] = { "medium", "high", "reserved", "low" };
	static const struct {
		uint8_t bit;
		const char *name;
	} ra_flags[] = { { 0x80, "managed" }, { 0x40, "other stateful" }, { 0x20, "home agent" },
			 { 0x04, "proxy" } },
	  na_flags[] = { { 0x80, "router" }, { 0x40, "solicited" }, { 0x20, "override" } };
	bool ra = m->type == 134;
	size_t n = ra ? sizeof ra_flags / sizeof ra_flags[0] : sizeof na_flags / sizeof na_flags[0];
	const char *sep = "";

	pb_puts(b, ra ? "\n\thop limit " : ", Flags [");
	if (ra)
		pb_printf(b, "%u, Flags [", m->ra_hop_limit);
	for (size_t i = 0; i < n; i++) {
		uint8_t bit = ra ? ra_flags[i].bit : na_flags[i].bit;
		if (m->nd_flags & bit) {
			pb_printf(b, "%s%s", sep, ra ? ra_flags[i].name : na_flags[i].name);
			sep = ", ";
		}
	}
	pb_puts(b, *sep ? "]" : "none]");
	if (ra)
		pb_printf(b, ", pref %s, router lifetime %us, reachable time %ums, retrans timer %ums",
			  pref[(m->nd_flags >> 3) & 3], m->ra_lifetime, m->ra_reachable, m->ra_retrans);
}

/* Neighbour discovery option names (RFC 4861 4.6, RFC 8106) as tcpdump words them. */
static const char *nd_opt_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "source link-address";
	case 2:
		return "destination link-address";
	case 3:
		return "prefix info";
	case 4:
		return "redirected header";
	case 5:
		return "mtu";
	case 25:
		return "rdnss";
	case 31:
		return "dnssl";
	default:
		return "unknown";
	}
}

/*
 * -v: the options after an ND message's fixed part, one per line. Only
 * link-layer addresses and the MTU are shown decoded; others by name.
 */
static void print_nd_options(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	uint8_t t = d->icmp.type;
	size_t fixed = t == 133 ? 8 : t == 134 ? 16 : t == 137 ? 40 : 24;
	size_t end = d->tp.off + (size_t)d->ip.payload_len;
	size_t i = d->tp.off + fixed;

	if (end > f->caplen)
		end = f->caplen;
	while (i + 2 <= end) {
		const uint8_t *o = f->data + i;
		size_t olen = (size_t)o[1] * 8;
		if (olen == 0 || i + olen > end)
			return;
		pb_printf(b, "\n\t  %s option (%u), length %zu (%u): ", nd_opt_name(o[0]), o[0], olen,
			  o[1]);
		if (o[0] == 1 || o[0] == 2) {
			for (size_t k = 2; k < olen; k++)
				pb_printf(b, "%s%02x", k > 2 ? ":" : "", o[k]);
		} else if (o[0] == 5 && olen >= 8) {
			pb_printf(b, " %u", ld_be32(o + 4));
		}
		i += olen;
	}
}

/* ICMPv6 types whose length tcpdump -v prints right after the name. */
static bool icmp6_len_first(uint8_t type)
{
	return type == 133 || type == 134 || type == 135 || type == 136 || type == 137;
}

void print_icmp6(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		 struct pbuf *b)
{
	const struct dec_icmp *m = &d->icmp;
	const char *name = icmp6_name(m->type);
	uint16_t want;
	int ck = o->verbose ? print_cksum_l4(f, d, &want) : -1;

	if (ck == 1)
		pb_puts(b, "[icmp6 sum ok] ");
	else if (ck == 0)
		pb_printf(b, "[bad icmp6 cksum 0x%04x -> 0x%04x!] ", m->csum, want);
	pb_puts(b, "ICMP6, ");
	if (name)
		pb_puts(b, name);
	else
		pb_printf(b, "unknown icmp6 type (%u)", m->type);
	if (d->tp.status == DEC_TRUNCATED) {
		pb_puts(b, tp_caplen(f, d) >= 1 ? " [|icmp6]" : "[|icmp6]");
		return;
	}
	if (o->verbose && icmp6_len_first(m->type))
		pb_printf(b, ", length %u", d->ip.payload_len);
	if (m->type == 1)
		print_icmp6_unreach(f, d, b);
	if (m->is_echo)
		pb_printf(b, ", id %u, seq %u", m->id, m->seq);
	if (m->has_target) {
		pb_puts(b, m->type == 135 ? ", who has " : ", tgt is ");
		pb_ip(b, 6, m->target);
	}
	if (o->verbose && (m->type == 134 || m->type == 136))
		print_nd_verbose(m, b);
	if (o->verbose && m->type >= 133 && m->type <= 137)
		print_nd_options(f, d, b);
	if (!o->verbose)
		pb_printf(b, ", length %u", d->ip.payload_len);
}

