/* SPDX-License-Identifier: BSD-2-Clause */
/* Transport part of a line: endpoints, then TCP, UDP, ICMP or ICMPv6 as tcpdump -nn -S prints them. */
#include "pcaprec/print.h"
#include "pcaprec/util.h"

void print_tcp_flags(struct pbuf *b, uint16_t flags)
{
	/* tcpdump's order: F S R P . U E W */
	static const struct {
		uint16_t bit;
		char c;
	} order[] = {
		{ TCP_FIN, 'F' }, { TCP_SYN, 'S' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' },
		{ TCP_ACK, '.' }, { TCP_URG, 'U' }, { TCP_ECE, 'E' }, { TCP_CWR, 'W' },
	};
	bool any = false;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (flags & order[i].bit) {
			pb_printf(b, "%c", order[i].c);
			any = true;
		}
	if (!any)
		pb_puts(b, "none");
}

/* Captured bytes from the transport header on. */
static size_t tp_caplen(const struct frame *f, const struct dec_packet *d)
{
	return f->caplen > d->tp.off ? f->caplen - d->tp.off : 0;
}

/* "a.1 > b.2: " (or "1 > 2: " after IPv6 extension headers, which printed the addresses). */
static void print_endpoints(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_ip *ip = &d->ip;
	bool ports = (d->tp.proto == DEC_P_TCP || d->tp.proto == DEC_P_UDP) && tp_caplen(f, d) >= 4;
	bool addrs = !(ip->version == 6 && ip->n_ext > 0);
	uint16_t sp = d->tp.proto == DEC_P_TCP ? d->tcp.sport : d->udp.sport;
	uint16_t dp = d->tp.proto == DEC_P_TCP ? d->tcp.dport : d->udp.dport;

	if (addrs)
		pb_ip(b, ip->version, ip->src);
	if (ports)
		pb_printf(b, "%s%u", addrs ? "." : "", sp);
	if (addrs || ports)
		pb_puts(b, " > ");
	if (addrs)
		pb_ip(b, ip->version, ip->dst);
	if (ports)
		pb_printf(b, "%s%u", addrs ? "." : "", dp);
	if (addrs || ports)
		pb_puts(b, ": ");
}

/* One option in tcpdump's words (RFC 9293, RFC 7323, RFC 2018). */
static void print_tcp_opt(const struct frame *f, const struct dec_tcp *t,
			  const struct dec_tcp_opt *op, struct pbuf *b)
{
	const uint8_t *o = f->data + op->off;

	switch (op->kind) {
	case TCPOPT_EOL:
		pb_puts(b, "eol");
		return;
	case TCPOPT_NOP:
		pb_puts(b, "nop");
		return;
	case TCPOPT_MSS:
		if (op->len == 4) {
			pb_printf(b, "mss %u", ld_be16(o + 2));
			return;
		}
		break;
	case TCPOPT_WSCALE:
		if (op->len == 3) {
			pb_printf(b, "wscale %u", o[2]);
			return;
		}
		break;
	case TCPOPT_SACK_PERM:
		if (op->len == 2) {
			pb_puts(b, "sackOK");
			return;
		}
		break;
	case TCPOPT_TS:
		if (op->len == 10) {
			pb_printf(b, "TS val %u ecr %u", ld_be32(o + 2), ld_be32(o + 6));
			return;
		}
		break;
	case TCPOPT_SACK:
		if ((op->len - 2) % 8 == 0) {
			pb_printf(b, "sack %u ", (op->len - 2) / 8);
			for (int i = 2; i + 8 <= op->len; i += 8)
				pb_printf(b, "{%u:%u}", ld_be32(o + i), ld_be32(o + i + 4));
			return;
		}
		break;
	default:
		pb_printf(b, "unknown-%u", op->kind);
		if (op->len > 2) {
			pb_puts(b, " 0x");
			for (int i = 2; i < op->len; i++)
				pb_printf(b, "%02x", o[i]);
		}
		return;
	}
	(void)t;
	pb_puts(b, "[bad opt]");
}

/* TCP payload bytes on the wire, by the IP length. */
static uint32_t tcp_len(const struct dec_packet *d)
{
	return d->ip.payload_len > d->tcp.doff ? d->ip.payload_len - d->tcp.doff : 0;
}

/* Flags, seq, ack, win, urg: the fixed header (RFC 9293 3.1). */
static void print_tcp_fixed(const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_tcp *t = &d->tcp;
	uint32_t len = tcp_len(d);

	pb_puts(b, "Flags [");
	print_tcp_flags(b, t->flags);
	pb_puts(b, "]");
	if (len > 0 || (t->flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
		pb_printf(b, ", seq %u", t->seq);
		if (len > 0)
			pb_printf(b, ":%u", t->seq + len);
	}
	if (t->flags & TCP_ACK)
		pb_printf(b, ", ack %u", t->ack);
	pb_printf(b, ", win %u", t->win);
	if (t->flags & TCP_URG)
		pb_printf(b, ", urg %u", t->urg);
}

static void print_tcp(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_tcp *t = &d->tcp;

	print_tcp_fixed(d, b);
	if (t->nopt > 0 || t->opt_bad) {
		pb_puts(b, ", options [");
		for (uint8_t i = 0; i < t->nopt; i++) {
			if (i)
				pb_puts(b, ",");
			print_tcp_opt(f, t, &t->opt[i], b);
		}
		if (t->opt_bad)
			pb_puts(b, t->nopt ? ",[bad opt]" : "[bad opt]");
		pb_puts(b, "]");
	}
	pb_printf(b, ", length %u", tcp_len(d));
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

/* ICMP messages (RFC 792) tcpdump names; others as "type-#N". */
static void print_icmp(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
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

static void print_icmp6(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_icmp *m = &d->icmp;
	const char *name = icmp6_name(m->type);

	pb_puts(b, "ICMP6, ");
	if (name)
		pb_puts(b, name);
	else
		pb_printf(b, "unknown icmp6 type (%u)", m->type);
	if (d->tp.status == DEC_TRUNCATED) {
		pb_puts(b, tp_caplen(f, d) >= 1 ? " [|icmp6]" : "[|icmp6]");
		return;
	}
	if (m->type == 1)
		print_icmp6_unreach(f, d, b);
	if (m->is_echo)
		pb_printf(b, ", id %u, seq %u", m->id, m->seq);
	if (m->has_target) {
		pb_puts(b, m->type == 135 ? ", who has " : ", tgt is ");
		pb_ip(b, 6, m->target);
	}
	pb_printf(b, ", length %u", d->ip.payload_len);
}

/* Transport layers that did not decode: truncation, invalid, fragments, other protocols. */
static bool print_tp_failure(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	static const char *const names[DEC_P_COUNT] = {
		[DEC_P_TCP] = "tcp", [DEC_P_UDP] = "udp", [DEC_P_ICMP] = "icmp",
	};
	const char *n = names[d->tp.proto] ? names[d->tp.proto] : "";

	if (d->tp.proto == DEC_P_ICMPV6 && d->tp.status == DEC_TRUNCATED && tp_caplen(f, d) >= 1)
		return false; /* printed with its type name, like tcpdump */
	if (d->tp.proto == DEC_P_TCP && d->tp.status == DEC_TRUNCATED && tp_caplen(f, d) >= 20) {
		print_tcp_fixed(d, b); /* only the options were cut */
		pb_puts(b, " [|tcp]");
		return true;
	}
	if (d->tp.status == DEC_TRUNCATED) {
		pb_printf(b, " [|%s]", d->tp.proto == DEC_P_ICMPV6 ? "icmp6" : n);
		return true;
	}
	if (d->tp.status == DEC_INVALID) {
		pb_printf(b, "%s%s(invalid)", d->tp.proto == DEC_P_UDP ? "UDP, " : "",
			  d->tp.proto == DEC_P_TCP ? "Flags [?], " : "");
		return true;
	}
	if (d->tp.proto == DEC_P_NONE) {
		if (d->ip.version == 4)
			pb_printf(b, "ip-proto-%u", d->ip.proto);
		else if (!(d->ip.has_frag && d->ip.frag_off))
			pb_printf(b, "ip-proto-%u %u", d->ip.proto, d->ip.payload_len);
		return true;
	}
	if (d->tp.proto == DEC_P_OTHER) {
		pb_printf(b, "ip-proto-%u %u", d->ip.proto, d->ip.payload_len);
		return true;
	}
	return false;
}

void print_transport(const struct print_opts *o, const struct frame *f,
		     const struct dec_packet *d, struct pbuf *b)
{
	(void)o;
	if (!(d->ip.version == 6 && d->ip.has_frag && d->ip.frag_off))
		print_endpoints(f, d, b);
	if (print_tp_failure(f, d, b))
		return;
	switch (d->tp.proto) {
	case DEC_P_TCP:
		print_tcp(f, d, b);
		break;
	case DEC_P_UDP:
		pb_printf(b, "UDP, length %u", d->udp.len - 8u);
		break;
	case DEC_P_ICMP:
		print_icmp(f, d, b);
		break;
	case DEC_P_ICMPV6:
		print_icmp6(f, d, b);
		break;
	default:
		break;
	}
}
