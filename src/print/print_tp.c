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
			pb_putc(b, order[i].c);
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

/* A port number, after a '.' when it follows an address. */
static void print_port(struct pbuf *b, bool dot, uint16_t port)
{
	if (dot)
		pb_putc(b, '.');
	pb_uint(b, port);
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
		print_port(b, addrs, sp);
	if (addrs || ports)
		pb_puts(b, " > ");
	if (addrs)
		pb_ip(b, ip->version, ip->dst);
	if (ports)
		print_port(b, addrs, dp);
	if (addrs || ports)
		pb_puts(b, ": ");
}

/*
 * One option in tcpdump's words (RFC 9293, RFC 7323, RFC 2018; the others
 * in print_tcpopt.c). False: it was malformed in a way that ends tcpdump's line.
 */
static bool print_tcp_opt(const struct frame *f, uint32_t sack_base, uint16_t tcp_flags,
			  const struct dec_tcp_opt *op, struct pbuf *b)
{
	const uint8_t *o = f->data + op->off;

	switch (op->kind) {
	case TCPOPT_EOL:
		pb_puts(b, "eol");
		return true;
	case TCPOPT_NOP:
		pb_puts(b, "nop");
		return true;
	case TCPOPT_MSS:
		if (op->len == 4) {
			pb_printf(b, "mss %u", ld_be16(o + 2));
			return true;
		}
		break;
	case TCPOPT_WSCALE:
		if (op->len == 3) {
			pb_printf(b, "wscale %u", o[2]);
			return true;
		}
		break;
	case TCPOPT_SACK_PERM:
		if (op->len == 2) {
			pb_puts(b, "sackOK");
			return true;
		}
		break;
	case TCPOPT_TS:
		if (op->len == 10) {
			pb_printf(b, "TS val %u ecr %u", ld_be32(o + 2), ld_be32(o + 6));
			return true;
		}
		break;
	case TCPOPT_SACK:
		if ((op->len - 2) % 8 == 0) {
			pb_printf(b, "sack %u ", (op->len - 2) / 8);
			for (int i = 2; i + 8 <= op->len; i += 8)
				pb_printf(b, "{%u:%u}", ld_be32(o + i) - sack_base,
					  ld_be32(o + i + 4) - sack_base);
			return true;
		}
		break;
	default: {
		int more = print_tcp_opt_more(o, op->len, tcp_flags, b);
		if (more != 0)
			return more > 0;
		pb_printf(b, "unknown-%u", op->kind);
		if (op->len > 2) {
			pb_puts(b, " 0x");
			for (int i = 2; i < op->len; i++)
				pb_printf(b, "%02x", o[i]);
		}
		return true;
	}
	}
	pb_puts(b, "[bad opt]");
	return true;
}

/* TCP payload bytes on the wire, by the IP length. */
static uint32_t tcp_len(const struct dec_packet *d)
{
	return d->ip.payload_len > d->tcp.doff ? d->ip.payload_len - d->tcp.doff : 0;
}

/*
 * Flags, seq, ack, win, urg: the fixed header (RFC 9293 3.1); with -v the
 * checksum. Returns what SACK edges are relative to.
 */
static uint32_t print_tcp_fixed(const struct print_opts *o, struct print_state *st,
				const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_tcp *t = &d->tcp;
	uint32_t len = tcp_len(d), seq, ack, sack_base;
	uint16_t want;

	pb_puts(b, "Flags [");
	print_tcp_flags(b, t->flags);
	pb_puts(b, "]");
	if (!print_tcp_seq(o, st, d, &seq, &ack, &sack_base))
		pb_puts(b, " [abs]");
	int ck = o->verbose ? print_cksum_l4(f, d, &want) : -1;
	if (ck == 1)
		pb_printf(b, ", cksum 0x%04x (correct)", t->csum);
	else if (ck == 0)
		pb_printf(b, ", cksum 0x%04x (incorrect -> 0x%04x)", t->csum, want);
	if (o->verbose > 1 || len > 0 || (t->flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
		pb_puts(b, ", seq ");
		pb_uint(b, seq);
		if (len > 0) {
			pb_putc(b, ':');
			pb_uint(b, (uint32_t)(seq + len));
		}
	}
	if (t->flags & TCP_ACK) {
		pb_puts(b, ", ack ");
		pb_uint(b, ack);
	}
	pb_puts(b, ", win ");
	pb_uint(b, t->win);
	if (t->flags & TCP_URG)
		pb_printf(b, ", urg %u", t->urg);
	return sack_base;
}

static void print_tcp(const struct print_opts *o, struct print_state *st, const struct frame *f,
		      const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_tcp *t = &d->tcp;
	uint32_t sack_base;

	if (o->quiet) { /* tcpdump -q: the payload length only */
		pb_puts(b, "tcp ");
		pb_uint(b, tcp_len(d));
		return;
	}
	sack_base = print_tcp_fixed(o, st, f, d, b);
	if (t->nopt > 0 || t->opt_bad) {
		pb_puts(b, ", options [");
		for (uint8_t i = 0; i < t->nopt; i++) {
			if (i)
				pb_puts(b, ",");
			if (!print_tcp_opt(f, sack_base, t->flags, &t->opt[i], b))
				return;
		}
		if (t->opt_bad)
			pb_puts(b, t->nopt ? ",[bad opt]" : "[bad opt]");
		pb_puts(b, "]");
	}
	pb_puts(b, ", length ");
	pb_uint(b, tcp_len(d));
}

/* Transport layers that did not decode: truncation, invalid, fragments, other protocols. */
static bool print_tp_failure(const struct print_opts *o, struct print_state *st, const struct frame *f,
			     const struct dec_packet *d, struct pbuf *b)
{
	static const char *const names[DEC_P_COUNT] = {
		[DEC_P_TCP] = "tcp", [DEC_P_UDP] = "udp", [DEC_P_ICMP] = "icmp",
	};
	const char *n = names[d->tp.proto] ? names[d->tp.proto] : "";

	if (d->tp.proto == DEC_P_ICMPV6 && d->tp.status == DEC_TRUNCATED && tp_caplen(f, d) >= 1)
		return false; /* printed with its type name, like tcpdump */
	if (d->tp.proto == DEC_P_TCP && d->tp.status == DEC_TRUNCATED && tp_caplen(f, d) >= 20) {
		if (o->quiet) { /* tcpdump -q stops before the options */
			pb_puts(b, "tcp ");
			pb_uint(b, tcp_len(d));
			return true;
		}
		(void)print_tcp_fixed(o, st, f, d, b); /* only the options were cut */
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

/*
 * "UDP, length N" (RFC 768 length minus the header). tcpdump checks the
 * checksum with -v over IPv6 (where it is mandatory) and with -vv over IPv4.
 */
static void print_udp(const struct print_opts *o, const struct frame *f,
		      const struct dec_packet *d, struct pbuf *b)
{
	uint16_t want;
	bool v6 = d->ip.version == 6;

	if (!d->ip.has_frag && ((v6 && o->verbose) || o->verbose > 1)) {
		int ck = print_cksum_l4(f, d, &want);
		if (!v6 && d->udp.csum == 0)
			pb_puts(b, "[no cksum] ");
		else if (ck == 1)
			pb_puts(b, "[udp sum ok] ");
		else if (ck == 0)
			pb_printf(b, "[bad udp cksum 0x%04x -> 0x%04x!] ", d->udp.csum, want);
	}
	pb_puts(b, "UDP, length ");
	pb_uint(b, d->udp.length - 8u);
}

void print_transport(const struct print_opts *o, struct print_state *st, const struct frame *f,
		     const struct dec_packet *d, struct pbuf *b)
{
	if (!(d->ip.version == 6 && d->ip.has_frag && d->ip.frag_off))
		print_endpoints(f, d, b);
	if (print_tp_failure(o, st, f, d, b))
		return;
	switch (d->tp.proto) {
	case DEC_P_TCP:
		print_tcp(o, st, f, d, b);
		break;
	case DEC_P_UDP:
		print_udp(o, f, d, b);
		break;
	case DEC_P_ICMP:
		print_icmp(o, st, f, d, b);
		break;
	case DEC_P_ICMPV6:
		print_icmp6(o, f, d, b);
		break;
	default:
		break;
	}
}
