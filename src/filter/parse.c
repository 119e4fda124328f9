/* SPDX-License-Identifier: BSD-2-Clause */
/* Recursive-descent parser for pcap-filter(7) expressions; calls the generator in source order, as libpcap does. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter_impl.h"
#include "pcaprec/frame.h"
#include "pcaprec/util.h"

/* Qualifiers of the last primitive, reused by a bare value after and/or ("host a or b"). */
struct quals {
	int proto;
	int dir;
	int type;
	bool valid;
};

enum { TY_DEFAULT, TY_HOST, TY_NET, TY_PORT, TY_PORTRANGE };

struct parser {
	struct fc *c;
	struct quals last;
};

struct kw {
	const char *name;
	int val;
};

static const struct kw proto_kw[] = {
	{ "ether", FP_LINK }, { "link", FP_LINK }, { "ip", FP_IP }, { "ip6", FP_IP6 },
	{ "arp", FP_ARP }, { "rarp", FP_RARP }, { "tcp", FP_TCP }, { "udp", FP_UDP },
	{ "sctp", FP_SCTP }, { "icmp", FP_ICMP }, { "icmp6", FP_ICMP6 }, { "igmp", FP_IGMP },
};

/* Names usable where a number is expected in arithmetic (pcap-filter(7)). */
static const struct kw const_kw[] = {
	{ "icmptype", 0 }, { "icmpcode", 1 }, { "icmp-echoreply", 0 }, { "icmp-unreach", 3 },
	{ "icmp-sourcequench", 4 }, { "icmp-redirect", 5 }, { "icmp-echo", 8 },
	{ "icmp-routeradvert", 9 }, { "icmp-routersolicit", 10 }, { "icmp-timxceed", 11 },
	{ "icmp-paramprob", 12 }, { "icmp-tstamp", 13 }, { "icmp-tstampreply", 14 },
	{ "icmp-ireq", 15 }, { "icmp-ireqreply", 16 }, { "icmp-maskreq", 17 },
	{ "icmp-maskreply", 18 }, { "icmp6type", 0 }, { "icmp6code", 1 },
	{ "icmp6-destinationunreach", 1 }, { "icmp6-packettoobig", 2 }, { "icmp6-timeexceeded", 3 },
	{ "icmp6-parameterproblem", 4 }, { "icmp6-echo", 128 }, { "icmp6-echoreply", 129 },
	{ "icmp6-multicastlistenerquery", 130 }, { "icmp6-multicastlistenerreportv1", 131 },
	{ "icmp6-multicastlistenerdone", 132 }, { "icmp6-routersolicit", 133 },
	{ "icmp6-routeradvert", 134 }, { "icmp6-neighborsolicit", 135 },
	{ "icmp6-neighboradvert", 136 }, { "icmp6-redirect", 137 },
	{ "tcpflags", 13 }, { "tcp-fin", 0x01 }, { "tcp-syn", 0x02 }, { "tcp-rst", 0x04 },
	{ "tcp-push", 0x08 }, { "tcp-ack", 0x10 }, { "tcp-urg", 0x20 }, { "tcp-ece", 0x40 },
	{ "tcp-cwr", 0x80 },
};

/* Protocol names after `proto` / `ether proto` (written \name or name). */
static const struct kw ipproto_kw[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "icmp6", 58 }, { "sctp", 132 },
};
static const struct kw ethproto_kw[] = {
	{ "ip", 0x0800 }, { "ip6", 0x86dd }, { "arp", 0x0806 }, { "rarp", 0x8035 },
};

/* pcap-filter(7) words this compiler does not implement. */
static const char *const unsupported_kw[] = {
	"gateway", "atalk", "aarp", "decnet", "iso", "stp", "ipx", "netbeui", "lat", "moprc",
	"mopdl", "sca", "clnp", "esis", "isis", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp",
	"llc", "fddi", "tr", "wlan", "type", "subtype", "dir", "ra", "ta", "addr1", "addr2",
	"addr3", "addr4", "pppoed", "pppoes", "mpls", "geneve", "ifname", "on", "rnr", "rulenum",
	"reason", "rset", "srnr", "subrulenum", "action", "inbound", "outbound", "protochain",
	"ah", "esp", "pim", "vrrp", "carp", "igrp", "radio", "slip", "ifindex", "hdr", "vxlan",
	"atmfield", "metac", "bcc", "sc", "ilmic", "oamf4", "oamf4ec", "oamf4sc", "oam", "lane",
	"vpi", "vci", "connectmsg", "metaconnect", "fisu", "lssu", "msu", "sio", "opc", "dpc", "sls",
	"hsio", "hopc", "hdpc", "hsls", "decnet", "netbeui", "lat", "icmp6-multicastrouter",
};

static int kw_find(const struct kw *t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, s))
			return t[i].val;
	return -1;
}

#define KW_FIND(t, s) kw_find((t), sizeof(t) / sizeof((t)[0]), (s))

static bool tok_is(const struct fc *c, const char *word)
{
	return c->tok.kind == FT_ID && !c->tok.escaped && !strcmp(c->tok.text, word);
}

static int advance(struct fc *c)
{
	return flt_next(c);
}

/* Kind of the token after the current one, without consuming anything. */
static int peek_kind(struct fc *c)
{
	size_t pos = c->pos;
	struct ftok t = c->tok;
	int kind;

	if (flt_next(c) < 0) {
		c->failed = false;
		kind = FT_END;
	} else {
		kind = c->tok.kind;
	}
	c->pos = pos;
	c->tok = t;
	return kind;
}

static int unsupported(struct fc *c, const char *word)
{
	return flt_syntax_error(c, c->tok.pos,
		"'%s' is not supported by pcaprec's filter compiler; compile the expression with "
		"libpcap instead (tcpdump -ddd -r FILE 'EXPR' > prog.bpf) and pass --bpf prog.bpf", word);
}

static bool is_unsupported(const char *word)
{
	for (size_t i = 0; i < sizeof unsupported_kw / sizeof unsupported_kw[0]; i++)
		if (!strcmp(unsupported_kw[i], word))
			return true;
	return false;
}

static int expect_num(struct fc *c, const char *what, uint32_t max, uint32_t *v)
{
	if (c->tok.kind != FT_NUM)
		return flt_syntax_error(c, c->tok.pos, "expected %s", what);
	if (c->tok.num > max)
		return flt_syntax_error(c, c->tok.pos, "expected %s no larger than %u", what, max);
	*v = c->tok.num;
	return advance(c);
}

/* ---- arithmetic ---- */

static int arith(struct fc *c, int level);

static int arith_load(struct fc *c, int proto)
{
	int ix;
	uint32_t size = 1;

	if (advance(c) < 0 || advance(c) < 0)  /* proto, '[' */
		return -1;
	ix = arith(c, 0);
	if (ix < 0)
		return -1;
	if (c->tok.kind == ':') {
		size_t at;

		if (advance(c) < 0)
			return -1;
		at = c->tok.pos;
		if (expect_num(c, "a size (1, 2 or 4)", 4, &size) < 0)
			return -1;
		if (size != 1 && size != 2 && size != 4)
			return flt_syntax_error(c, at, "data size must be 1, 2 or 4");
	}
	if (c->tok.kind != ']')
		return flt_syntax_error(c, c->tok.pos, "expected ']' or ':size'");
	if (advance(c) < 0)
		return -1;
	return an_new(c, AN_LOAD, 0, ix, (int)size, proto);
}

static int arith_primary_at(struct fc *c);

static int arith_primary(struct fc *c)
{
	int r;

	if (++c->depth > FLT_MAX_DEPTH)
		return flt_syntax_error(c, c->tok.pos, "expression nested too deeply (more than %d levels)", FLT_MAX_DEPTH);
	r = arith_primary_at(c);
	c->depth--;
	return r;
}

static int arith_primary_at(struct fc *c)
{
	int v, p;

	if (c->tok.kind == FT_NUM) {
		v = an_new(c, AN_CONST, c->tok.num, 0, 0, 0);
		return advance(c) < 0 ? -1 : v;
	}
	if (c->tok.kind == '(') {
		if (advance(c) < 0 || (v = arith(c, 0)) < 0)
			return -1;
		if (c->tok.kind != ')')
			return flt_syntax_error(c, c->tok.pos, "expected ')'");
		return advance(c) < 0 ? -1 : v;
	}
	if (c->tok.kind == '-') {
		if (advance(c) < 0)
			return -1;
		return an_new(c, AN_NEG, 0, arith_primary(c), 0, 0);
	}
	if (tok_is(c, "len")) {
		v = an_new(c, AN_LEN, 0, 0, 0, 0);
		return advance(c) < 0 ? -1 : v;
	}
	if (c->tok.kind == FT_ID && (p = KW_FIND(proto_kw, c->tok.text)) >= 0 && peek_kind(c) == '[')
		return arith_load(c, p);
	if (c->tok.kind == FT_ID && (v = KW_FIND(const_kw, c->tok.text)) >= 0) {
		v = an_new(c, AN_CONST, (uint32_t)v, 0, 0, 0);
		return advance(c) < 0 ? -1 : v;
	}
	return flt_syntax_error(c, c->tok.pos, "expected a number, len, proto[offset] or '('");
}

/* Binary operator of precedence `level` (0 = | ^, 1 = &, 2 = << >>, 3 = + -, 4 = * / %), as in libpcap's grammar. */
static int binop_at(int kind, int level)
{
	switch (level) {
	case 0: return kind == '|' ? BPF_OR : kind == '^' ? BPF_XOR : -1;
	case 1: return kind == '&' ? BPF_AND : -1;
	case 2: return kind == FT_SHL ? BPF_LSH : kind == FT_SHR ? BPF_RSH : -1;
	case 3: return kind == '+' ? BPF_ADD : kind == '-' ? BPF_SUB : -1;
	case 4: return kind == '*' ? BPF_MUL : kind == '/' ? BPF_DIV : kind == '%' ? BPF_MOD : -1;
	default: return -1;
	}
}

static int arith(struct fc *c, int level)
{
	int l, op;

	if (level > 4)
		return arith_primary(c);
	l = arith(c, level + 1);
	while (l >= 0 && (op = binop_at(c->tok.kind, level)) >= 0) {
		int r;

		if (advance(c) < 0)
			return -1;
		r = arith(c, level + 1);
		l = an_new(c, AN_BIN, (uint32_t)op, l, r, 0);
	}
	return l;
}

static bool is_relop(int kind)
{
	return kind == '>' || kind == '<' || kind == FT_GE || kind == FT_LE || kind == FT_EQ || kind == FT_NE;
}

static int relation(struct fc *c)
{
	int a0 = arith(c, 0), a1, rel;

	if (a0 < 0)
		return -1;
	if (!is_relop(c->tok.kind))
		return flt_syntax_error(c, c->tok.pos, "expected a comparison (=, !=, <, <=, >, >=)");
	rel = c->tok.kind;
	if (advance(c) < 0)
		return -1;
	a1 = arith(c, 0);
	return gen_relation(c, rel, a0, a1);
}

/* ---- primitives ---- */

static int parse_dir(struct fc *c, int *dir)
{
	*dir = tok_is(c, "src") ? FD_SRC : FD_DST;
	if (advance(c) < 0)
		return -1;
	if ((c->tok.kind == FT_OR || c->tok.kind == FT_AND)) {
		size_t pos = c->pos;
		struct ftok t = c->tok;
		int combo = c->tok.kind == FT_OR ? FD_OR : FD_AND;

		if (advance(c) < 0)
			return -1;
		if (tok_is(c, *dir == FD_SRC ? "dst" : "src")) {
			*dir = combo;
			return advance(c);
		}
		c->pos = pos;
		c->tok = t;
	}
	return 0;
}

static int net_mask_len(struct fc *c, uint32_t maxlen, uint32_t *len)
{
	if (advance(c) < 0)
		return -1;
	return expect_num(c, "a prefix length", maxlen, len);
}

static int value_v4(struct fc *c, const struct quals *q, uint32_t addr, int parts)
{
	uint32_t mask = parts >= 4 ? 0xffffffffu : ~(0xffffffffu >> (8 * parts));
	size_t at = c->tok.pos;

	if (advance(c) < 0)
		return -1;
	if (q->type == TY_NET && c->tok.kind == '/') {
		uint32_t len;

		if (net_mask_len(c, 32, &len) < 0)
			return -1;
		mask = len ? ~(0xffffffffu >> len) : 0;
	} else if (q->type == TY_NET && tok_is(c, "mask")) {
		if (advance(c) < 0)
			return -1;
		if (c->tok.kind != FT_DOTTED || c->tok.nparts != 4)
			return flt_syntax_error(c, c->tok.pos, "expected a dotted netmask after 'mask'");
		mask = ld_be32(c->tok.addr);
		if (advance(c) < 0)
			return -1;
	}
	if (addr & ~mask)
		return flt_syntax_error(c, at, "non-network bits set in the address for this mask");
	if (c->ol) {
		uint8_t a[16] = { 0 };
		unsigned plen = 0;

		while (plen < 32 && (mask & (0x80000000u >> plen)))
			plen++;
		st_be32(a, addr);
		/* a mask with holes is not a prefix: nothing the index can look up */
		return ol_tag(c, gen_host4(c, q->proto, q->dir, addr, mask),
			      (uint64_t)mask == (0xffffffff00000000ull >> plen & 0xffffffffu)
				      ? ol_key(c, FOL_HOST4, a, plen, 0, 0) : -1);
	}
	return gen_host4(c, q->proto, q->dir, addr, mask);
}

static int value_v6(struct fc *c, const struct quals *q)
{
	uint8_t addr[16], mask[16];
	uint32_t len = 128;
	size_t at = c->tok.pos;

	memcpy(addr, c->tok.addr, 16);
	if (advance(c) < 0)
		return -1;
	if (q->type == TY_NET && c->tok.kind == '/' && net_mask_len(c, 128, &len) < 0)
		return -1;
	for (uint32_t i = 0; i < 16; i++) {
		uint32_t bits = len > i * 8 ? (len - i * 8 >= 8 ? 8 : len - i * 8) : 0;

		mask[i] = (uint8_t)(0xff00u >> bits);
		if (addr[i] & ~mask[i])
			return flt_syntax_error(c, at, "non-network bits set in the address for this prefix");
	}
	return ol_tag(c, gen_host6(c, q->proto, q->dir, addr, mask), ol_key(c, FOL_HOST6, addr, len, 0, 0));
}

static int value_port(struct fc *c, const struct quals *q)
{
	uint32_t lo, hi;

	if (c->tok.kind == FT_ID)
		return flt_syntax_error(c, c->tok.pos, "port names are not supported; give the port number");
	if (expect_num(c, "a port number", 65535, &lo) < 0)
		return -1;
	hi = lo;
	if (q->type == TY_PORTRANGE) {
		if (c->tok.kind != '-')
			return flt_syntax_error(c, c->tok.pos, "expected '-' in portrange LOW-HIGH");
		if (advance(c) < 0 || expect_num(c, "a port number", 65535, &hi) < 0)
			return -1;
		if (lo > hi) {
			uint32_t t = lo;

			lo = hi;
			hi = t;
		}
	}
	return ol_tag(c, gen_port(c, q->proto, q->dir, lo, hi, q->type == TY_PORTRANGE),
		      ol_key(c, FOL_PORT, NULL, 0, lo, hi));
}

/* The value after qualifiers: address, net, port or MAC, checked against the qualifiers. */
static int qualified_value(struct parser *ps, const struct quals *q)
{
	struct fc *c = ps->c;
	int r;

	ps->last = *q;
	if (q->type == TY_PORT || q->type == TY_PORTRANGE)
		return value_port(c, q);
	if (q->proto == FP_LINK) {
		if (c->tok.kind != FT_MAC)
			return flt_syntax_error(c, c->tok.pos, "expected an Ethernet address (aa:bb:cc:dd:ee:ff)");
		if (q->type == TY_NET)
			return flt_syntax_error(c, c->tok.pos, "'ether net' is not valid");
		r = gen_ether_host(c, q->dir, c->tok.addr);
		return advance(c) < 0 ? -1 : r;
	}
	switch (c->tok.kind) {
	case FT_DOTTED:
		return value_v4(c, q, ld_be32(c->tok.addr), c->tok.nparts);
	case FT_NUM:
		if (c->tok.num > 255)
			return flt_syntax_error(c, c->tok.pos, "expected an address");
		return value_v4(c, q, c->tok.num << 24, 1);
	case FT_IPV6:
		return value_v6(c, q);
	case FT_MAC:
		return flt_syntax_error(c, c->tok.pos, "Ethernet address used without 'ether'");
	case FT_ID:
		return flt_syntax_error(c, c->tok.pos,
			"host names are not resolved (no DNS lookups in filters); give a numeric address");
	default:
		return flt_syntax_error(c, c->tok.pos, "expected an address");
	}
}

static bool is_value_token(const struct fc *c)
{
	return c->tok.kind == FT_NUM || c->tok.kind == FT_DOTTED || c->tok.kind == FT_IPV6
	       || c->tok.kind == FT_MAC;
}

/* [dir] [type] value, after an optional protocol qualifier. */
static int qualified(struct parser *ps, int proto)
{
	struct fc *c = ps->c;
	struct quals q = { proto, FD_DEFAULT, TY_DEFAULT, true };

	if ((tok_is(c, "src") || tok_is(c, "dst")) && parse_dir(c, &q.dir) < 0)
		return -1;
	if (tok_is(c, "host") || tok_is(c, "net") || tok_is(c, "port") || tok_is(c, "portrange")) {
		q.type = tok_is(c, "host") ? TY_HOST : tok_is(c, "net") ? TY_NET
			 : tok_is(c, "port") ? TY_PORT : TY_PORTRANGE;
		if (advance(c) < 0)
			return -1;
	} else if (c->tok.kind == FT_ID && is_unsupported(c->tok.text)) {
		return unsupported(c, c->tok.text);
	}
	if (q.type == TY_DEFAULT)
		q.type = TY_HOST;
	if (!is_value_token(c) && c->tok.kind != FT_ID) {
		static const char *const want[] = { "an address", "a host address after 'host'",
			"a network after 'net'", "a port number after 'port'", "LOW-HIGH after 'portrange'" };

		return flt_syntax_error(c, c->tok.pos, "expected %s", want[q.type]);
	}
	return qualified_value(ps, &q);
}

static int proto_number(struct fc *c, bool ether, uint32_t *v)
{
	if (c->tok.kind == FT_ID) {
		int p = ether ? KW_FIND(ethproto_kw, c->tok.text) : KW_FIND(ipproto_kw, c->tok.text);

		if (p < 0)
			return flt_syntax_error(c, c->tok.pos, "unknown protocol name '%s'", c->tok.text);
		*v = (uint32_t)p;
		return advance(c);
	}
	return expect_num(c, "a protocol number", ether ? 65535 : 255, v);
}

/* The outline of a bare protocol name: an ethertype or an IP protocol. */
static int ol_proto(struct fc *c, int proto)
{
	static const struct { int proto; enum filter_ol_kind kind; uint32_t v; } t[] = {
		{ FP_IP, FOL_ETYPE, 0x0800 }, { FP_IP6, FOL_ETYPE, 0x86dd }, { FP_ARP, FOL_ETYPE, 0x0806 },
		{ FP_RARP, FOL_ETYPE, 0x8035 }, { FP_TCP, FOL_PROTO, 6 }, { FP_UDP, FOL_PROTO, 17 },
		{ FP_SCTP, FOL_PROTO, 132 }, { FP_ICMP, FOL_PROTO, 1 }, { FP_ICMP6, FOL_PROTO, 58 },
		{ FP_IGMP, FOL_PROTO, 2 },
	};

	for (size_t i = 0; c->ol && i < sizeof t / sizeof t[0]; i++)
		if (t[i].proto == proto)
			return ol_key(c, t[i].kind, NULL, 0, t[i].v, t[i].v);
	return -1;
}

/* A primitive that starts with a protocol name: `tcp`, `ip proto 6`, `ether src X`, `ip6 multicast`... */
static int proto_primitive(struct parser *ps, int proto)
{
	struct fc *c = ps->c;
	uint32_t v;

	if (advance(c) < 0)
		return -1;
	if (tok_is(c, "proto")) {
		if (proto != FP_LINK && proto != FP_IP && proto != FP_IP6)
			return flt_syntax_error(c, c->tok.pos, "'proto' applies to ether, ip or ip6 only");
		if (advance(c) < 0 || proto_number(c, proto == FP_LINK, &v) < 0)
			return -1;
		if (proto == FP_LINK)
			return ol_tag(c, gen_ether_proto(c, v), ol_key(c, FOL_ETYPE, NULL, 0, v, v));
		return ol_tag(c, gen_ip_proto(c, proto, v),
			      ol_join(c, FOL_AND, ol_key(c, FOL_ETYPE, NULL, 0, proto == FP_IP ? 0x0800 : 0x86dd, 0),
				      ol_key(c, FOL_PROTO, NULL, 0, v, v)));
	}
	if (tok_is(c, "broadcast") || tok_is(c, "multicast")) {
		bool b = tok_is(c, "broadcast");

		if (advance(c) < 0)
			return -1;
		return gen_multicast(c, proto, b);
	}
	if (tok_is(c, "src") || tok_is(c, "dst") || tok_is(c, "host") || tok_is(c, "net")
	    || tok_is(c, "port") || tok_is(c, "portrange") || is_value_token(c))
		return qualified(ps, proto);
	if (c->tok.kind == FT_ID && is_unsupported(c->tok.text))
		return unsupported(c, c->tok.text);
	if (proto == FP_LINK)
		return flt_syntax_error(c, c->tok.pos, "expected host, src, dst, proto, broadcast or multicast after 'ether'");
	return ol_tag(c, gen_proto(c, proto), ol_proto(c, proto));
}

static int keyword_primitive(struct parser *ps)
{
	struct fc *c = ps->c;
	uint32_t v = 0;

	if (tok_is(c, "vlan")) {
		bool has = false;

		if (advance(c) < 0)
			return -1;
		if (c->tok.kind == FT_NUM) {
			has = true;
			if (expect_num(c, "a VLAN ID", 0xffffffffu, &v) < 0)
				return -1;
		}
		return ol_tag(c, gen_vlan(c, has, v), has && v < 4096 ? ol_key(c, FOL_VLAN, NULL, 0, v, v) : -1);
	}
	if (tok_is(c, "less") || tok_is(c, "greater")) {
		bool g = tok_is(c, "greater");

		if (advance(c) < 0 || expect_num(c, "a length", 0xffffffffu, &v) < 0)
			return -1;
		return gen_len_cmp(c, g, v);
	}
	if (tok_is(c, "proto")) {
		if (advance(c) < 0 || proto_number(c, false, &v) < 0)
			return -1;
		return ol_tag(c, gen_ip_proto(c, FP_NONE, v), ol_key(c, FOL_PROTO, NULL, 0, v, v));
	}
	if (tok_is(c, "broadcast") || tok_is(c, "multicast")) {
		bool b = tok_is(c, "broadcast");

		if (advance(c) < 0)
			return -1;
		return gen_multicast(c, FP_NONE, b);
	}
	return -2;
}

static int expr(struct parser *ps);

/* '(' expr ')' — tried after '(' did not start a relation. */
static int group(struct parser *ps)
{
	struct fc *c = ps->c;
	int r;

	if (advance(c) < 0)
		return -1;
	r = expr(ps);
	if (r < 0)
		return -1;
	if (c->tok.kind != ')')
		return flt_syntax_error(c, c->tok.pos, "expected ')' or 'and'/'or'");
	return advance(c) < 0 ? -1 : r;
}

static bool starts_relation(struct fc *c)
{
	int next;

	if (c->tok.kind == '-' || tok_is(c, "len"))
		return true;
	if (c->tok.kind == FT_ID && KW_FIND(proto_kw, c->tok.text) >= 0)
		return peek_kind(c) == '[';
	if (c->tok.kind == FT_ID && KW_FIND(const_kw, c->tok.text) >= 0)
		return true;
	if (c->tok.kind != FT_NUM)
		return false;
	next = peek_kind(c);
	return is_relop(next) || binop_at(next, 0) >= 0 || binop_at(next, 1) >= 0 || binop_at(next, 2) >= 0
	       || binop_at(next, 3) >= 0 || binop_at(next, 4) >= 0;
}

static int primary_at(struct parser *ps);

/* Errors raised by the generator while this primitive is built point at its start. */
static int primary(struct parser *ps)
{
	struct fc *c = ps->c;
	size_t saved_pos = c->prim_pos;
	bool saved_in = c->in_prim;
	int r;

	c->prim_pos = c->tok.pos;
	c->in_prim = true;
	r = primary_at(ps);
	c->prim_pos = saved_pos;
	c->in_prim = saved_in;
	return r;
}

static int primary_at(struct parser *ps)
{
	struct fc *c = ps->c;
	int p, r;

	if (c->tok.kind == '(') {
		size_t pos = c->pos;
		struct ftok t = c->tok;
		char saved = c->err && c->errlen ? c->err[0] : 0;
		bool quiet = c->quiet;

		/* Tried first, its error unformatted: formatting it each time is quadratic in long chains. */
		c->quiet = true;
		r = relation(c);
		c->quiet = quiet;
		if (r >= 0)
			return r;
		c->failed = false;
		if (c->err && c->errlen)
			c->err[0] = saved;
		c->pos = pos;
		c->tok = t;
		return group(ps);
	}
	if (starts_relation(c))
		return relation(c);
	if (c->tok.kind == FT_ID && !c->tok.escaped && (p = KW_FIND(proto_kw, c->tok.text)) >= 0)
		return proto_primitive(ps, p);
	if (tok_is(c, "src") || tok_is(c, "dst") || tok_is(c, "host") || tok_is(c, "net")
	    || tok_is(c, "port") || tok_is(c, "portrange"))
		return qualified(ps, FP_NONE);
	if (c->tok.kind == FT_ID && (r = keyword_primitive(ps)) != -2)
		return r;
	if (c->tok.kind == FT_ID && is_unsupported(c->tok.text))
		return unsupported(c, c->tok.text);
	if (ps->last.valid && (is_value_token(c) || c->tok.kind == FT_ID)) {
		struct quals q = ps->last;

		return qualified_value(ps, &q);
	}
	if (c->tok.kind == FT_END)
		return flt_syntax_error(c, c->tok.pos, "unexpected end of expression; expected a primitive");
	if (c->tok.kind == FT_ID)
		return flt_syntax_error(c, c->tok.pos, "unknown keyword '%s'", c->tok.text);
	return flt_syntax_error(c, c->tok.pos, "expected a primitive (host, net, port, ip, tcp, vlan, ...)");
}

static int unary(struct parser *ps)
{
	struct fc *c = ps->c;
	int r;

	if (++c->depth > FLT_MAX_DEPTH)
		return flt_syntax_error(c, c->tok.pos, "expression nested too deeply (more than %d levels)", FLT_MAX_DEPTH);
	if (c->tok.kind == FT_NOT) {
		int x = advance(c) < 0 ? -1 : unary(ps);

		r = ol_tag(c, fn_not(c, x), ol_join(c, FOL_NOT, ol_of(c, x), -1));
	}
	else
		r = primary(ps);
	c->depth--;
	return r;
}

/* and/or have equal precedence and associate to the left (pcap-filter(7)). */
static int expr(struct parser *ps)
{
	struct fc *c = ps->c;
	int l = unary(ps);

	while (l >= 0 && (c->tok.kind == FT_AND || c->tok.kind == FT_OR)) {
		bool is_and = c->tok.kind == FT_AND;
		int r;

		if (advance(c) < 0)
			return -1;
		r = unary(ps);
		int ol = ol_join(c, is_and ? FOL_AND : FOL_OR, ol_of(c, l), ol_of(c, r));

		l = ol_tag(c, is_and ? fn_and(c, l, r) : fn_or(c, l, r), ol);
	}
	return l;
}

int flt_parse(struct fc *c, int *root)
{
	struct parser ps = { c, { 0, 0, 0, false } };
	int r;

	if (flt_next(c) < 0)
		return -1;
	if (c->tok.kind == FT_END) {
		*root = fn_const(c, true);
		return *root < 0 ? -1 : 0;
	}
	r = expr(&ps);
	if (r < 0)
		return -1;
	if (c->tok.kind != FT_END)
		return flt_syntax_error(c, c->tok.pos, "expected 'and', 'or' or the end of the expression");
	*root = r;
	return 0;
}

static int setup_linktype(struct fc *c, uint32_t linktype)
{
	c->linktype = linktype;
	switch (linktype) {
	case LINKTYPE_ETHERNET: c->lt_kind = FLT_ETHERTYPE; c->ethernet = true; c->off_ll = 12; c->off_nl = 14; break;
	case LINKTYPE_LINUX_SLL: c->lt_kind = FLT_ETHERTYPE; c->off_ll = 14; c->off_nl = 16; break;
	case LINKTYPE_LINUX_SLL2: c->lt_kind = FLT_ETHERTYPE; c->off_ll = 0; c->off_nl = 20; break;
	case LINKTYPE_NULL: c->lt_kind = FLT_AF_HOST; c->off_nl = 4; break;
	case LINKTYPE_LOOP: c->lt_kind = FLT_AF_NET; c->off_nl = 4; break;
	case LINKTYPE_RAW: c->lt_kind = FLT_VERSION; c->off_nl = 0; break;
	case LINKTYPE_IPV4: c->lt_kind = FLT_ONLY4; c->off_nl = 0; break;
	case LINKTYPE_IPV6: c->lt_kind = FLT_ONLY6; c->off_nl = 0; break;
	default:
		return flt_error(c, "link type %u is not supported by the filter compiler; "
				 "compile with tcpdump -ddd and use --bpf FILE", linktype);
	}
	return 0;
}

/* Parse `expr_text` for `linktype` into a fresh *c (and its outline into *ol when given); 0 or -1 with err set. */
static int parse_for(struct fc *c, struct flt_ol *ol, const char *expr_text, uint32_t linktype, uint64_t budget,
		     int *root, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->ol = ol;
	c->work_budget = budget;
	c->src = expr_text ? expr_text : "";
	c->err = err;
	c->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (strlen(c->src) > FLT_MAX_EXPR)
		return errf(err, errlen, "filter expression longer than %u bytes", FLT_MAX_EXPR);
	if (setup_linktype(c, linktype) != 0 || flt_parse(c, root) != 0)
		return -1;
	return 0;
}

int filter_compile_budget(const char *expr_text, uint32_t linktype, uint32_t snaplen, uint64_t budget,
			  struct filter_prog *out, struct filter_cc_stats *st, char *err, size_t errlen)
{
	struct fc c;
	int root = -1, rc = -1;

	memset(out, 0, sizeof *out);
	if (parse_for(&c, NULL, expr_text, linktype, budget, &root, err, errlen) == 0)
		rc = flt_emit(&c, root, snaplen ? snaplen : 262144, out);
	if (st) {
		st->work = c.work;
		st->cut = c.opt_cut;
		st->tests = (uint32_t)c.nnodes;
	}
	free(c.nodes);
	free(c.anodes);
	free(c.pool);
	return rc;
}

int filter_compile(const char *expr_text, uint32_t linktype, uint32_t snaplen,
		   struct filter_prog *out, char *err, size_t errlen)
{
	return filter_compile_budget(expr_text, linktype, snaplen, FILTER_WORK_BUDGET, out, NULL, err, errlen);
}

int filter_outline(const char *expr_text, uint32_t linktype, struct filter_outline *out, char *err, size_t errlen)
{
	struct flt_ol ol;
	struct fc c;
	int root = -1, rc = -1;

	memset(&ol, 0, sizeof ol);
	memset(out, 0, sizeof *out);
	rc = parse_for(&c, &ol, expr_text, linktype, 0, &root, err, errlen);
	if (rc == 0) {
		int top = ol.oom ? -1 : ol_of(&c, root);

		if (top < 0) { /* everything unknown: a single FOL_ALL */
			top = ol_key(&c, FOL_ALL, NULL, 0, 0, 0);
			if (top < 0) {
				rc = errf(err, errlen, "out of memory");
				goto out;
			}
		}
		out->nodes = ol.n;
		out->len = ol.len;
		out->root = top;
		out->partial = ol.partial;
		ol.n = NULL;
	}
out:
	free(ol.n);
	free(ol.map);
	free(c.nodes);
	free(c.anodes);
	free(c.pool);
	return rc;
}

void filter_outline_free(struct filter_outline *o)
{
	free(o->nodes);
	memset(o, 0, sizeof *o);
}
