/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON printer: one object per packet (NDJSON) with every decoded field; keys listed in README. */
#include "pcaprec/print.h"

/* Appends `,"key":` (no comma before the first key of an object). */
static void key(struct pbuf *b, bool *first, const char *k)
{
	pb_printf(b, "%s\"%s\":", *first ? "" : ",", k);
	*first = false;
}

static void kv_u(struct pbuf *b, bool *first, const char *k, unsigned long long v)
{
	key(b, first, k);
	pb_printf(b, "%llu", v);
}

static void kv_b(struct pbuf *b, bool *first, const char *k, bool v)
{
	key(b, first, k);
	pb_puts(b, v ? "true" : "false");
}

static void kv_s(struct pbuf *b, bool *first, const char *k, const char *v)
{
	key(b, first, k);
	pb_json_str(b, v);
}

static void kv_mac(struct pbuf *b, bool *first, const char *k, const uint8_t *mac)
{
	key(b, first, k);
	pb_puts(b, "\"");
	pb_mac(b, mac);
	pb_puts(b, "\"");
}

static void kv_ip(struct pbuf *b, bool *first, const char *k, int version, const uint8_t *a)
{
	key(b, first, k);
	pb_puts(b, "\"");
	pb_ip(b, version, a);
	pb_puts(b, "\"");
}

static void json_vlans(const struct dec_packet *d, struct pbuf *b, bool *first)
{
	key(b, first, "vlan");
	pb_puts(b, "[");
	for (uint8_t i = 0; i < d->l2.nvlan; i++) {
		const struct dec_vlan *v = &d->l2.vlan[i];
		pb_printf(b, "%s{\"tpid\":%u,\"pcp\":%u,\"dei\":%u,\"vid\":%u}", i ? "," : "", v->tpid,
			  v->pcp, v->dei, v->vid);
	}
	pb_puts(b, "]");
	if (d->l2.vlan_more)
		kv_b(b, first, "vlan_more", true);
}

static void json_link(const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_link *l = &d->l2;
	bool first = true;

	pb_puts(b, ",\"link\":{");
	kv_s(b, &first, "proto", dec_proto_name((enum dec_proto)d->link.proto));
	kv_s(b, &first, "status", dec_status_name((enum dec_status)d->link.status));
	kv_u(b, &first, "hdr_len", d->link.hdr_len);
	if (d->link.proto == DEC_P_ETHER || d->link.proto == DEC_P_LLC) {
		kv_mac(b, &first, "src", l->src);
		kv_mac(b, &first, "dst", l->dst);
		kv_u(b, &first, "type_len", l->type_len);
		if (l->nvlan)
			json_vlans(d, b, &first);
	}
	if (d->link.proto == DEC_P_LLC) {
		kv_u(b, &first, "llc_length", l->llc_length);
		kv_u(b, &first, "dsap", l->dsap);
		kv_u(b, &first, "ssap", l->ssap);
		kv_u(b, &first, "control", l->llc_control);
		if (l->snap)
			kv_u(b, &first, "snap_oui", l->snap_oui);
	}
	if (d->link.proto == DEC_P_SLL || d->link.proto == DEC_P_SLL2) {
		kv_u(b, &first, "pkttype", l->sll_pkttype);
		kv_u(b, &first, "hatype", l->sll_hatype);
		kv_u(b, &first, "halen", l->sll_halen);
		if (l->sll_halen == 6)
			kv_mac(b, &first, "src", l->sll_addr);
		if (d->link.proto == DEC_P_SLL2)
			kv_u(b, &first, "ifindex", l->sll_ifindex);
		if (l->nvlan)
			json_vlans(d, b, &first);
	}
	if (d->link.proto == DEC_P_NULL || d->link.proto == DEC_P_LOOP)
		kv_u(b, &first, "af", l->af);
	if (d->link.status == DEC_OK)
		kv_u(b, &first, "ethertype", l->ethertype);
	pb_puts(b, "}");
}

static void json_arp(const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_arp *a = &d->arp;
	bool first = true;

	pb_puts(b, ",\"arp\":{");
	kv_s(b, &first, "status", dec_status_name((enum dec_status)d->net.status));
	if (d->net.status == DEC_OK) {
		kv_u(b, &first, "htype", a->htype);
		kv_u(b, &first, "ptype", a->ptype);
		kv_u(b, &first, "hlen", a->hlen);
		kv_u(b, &first, "plen", a->plen);
		kv_u(b, &first, "op", a->op);
	}
	if (d->net.status == DEC_OK && a->eth_ipv4) {
		kv_mac(b, &first, "sha", a->sha);
		kv_ip(b, &first, "spa", 4, a->spa);
		kv_mac(b, &first, "tha", a->tha);
		kv_ip(b, &first, "tpa", 4, a->tpa);
	}
	pb_puts(b, "}");
}

/* "frags": every fragment header of the chain with its own values, in order. */
static void json_ip6_frags(const struct frame *f, const struct dec_packet *d, struct pbuf *b, bool *first)
{
	struct dec_ip6_ext_iter it = {0};
	struct dec_ip6_ext e;
	bool any = false;

	key(b, first, "frags");
	pb_puts(b, "[");
	while (dec_ip6_ext_next(f->data, f->caplen, d, &it, &e)) {
		if (e.type != 44)
			continue;
		pb_printf(b, "%s{\"id\":%u,\"off\":%u,\"mf\":%s}", any ? "," : "", e.frag_id, e.frag_off,
			  e.frag_mf ? "true" : "false");
		any = true;
	}
	pb_puts(b, "]");
}

static void json_ip(const struct frame *f, const struct dec_packet *d, struct pbuf *b)
{
	const struct dec_ip *ip = &d->ip;
	bool first = true;

	pb_printf(b, ",\"%s\":{", ip->version == 6 ? "ipv6" : "ipv4");
	kv_s(b, &first, "status", dec_status_name((enum dec_status)d->net.status));
	kv_u(b, &first, "offset", d->net.off);
	if (d->net.status == DEC_TRUNCATED) {
		pb_puts(b, "}");
		return;
	}
	kv_ip(b, &first, "src", ip->version, ip->src);
	kv_ip(b, &first, "dst", ip->version, ip->dst);
	kv_u(b, &first, "hdr_len", ip->hdr_len);
	kv_u(b, &first, "total_len", ip->total_len);
	kv_u(b, &first, "proto", ip->proto);
	kv_u(b, &first, ip->version == 6 ? "hlim" : "ttl", ip->ttl);
	kv_u(b, &first, ip->version == 6 ? "class" : "tos", ip->tos);
	if (ip->version == 4) {
		kv_u(b, &first, "id", ip->id);
		kv_b(b, &first, "df", ip->df);
		kv_b(b, &first, "mf", ip->mf);
		kv_u(b, &first, "frag_off", ip->frag_off);
		kv_u(b, &first, "checksum", ip->checksum);
		kv_u(b, &first, "opt_len", ip->opt_len);
	} else {
		kv_u(b, &first, "flowlabel", ip->flowlabel);
		kv_u(b, &first, "next_hdr", ip->next_hdr);
		key(b, &first, "ext");
		pb_puts(b, "[");
		struct dec_ip6_ext_iter it = {0};
		struct dec_ip6_ext e;
		while (dec_ip6_ext_next(f->data, f->caplen, d, &it, &e))
			pb_printf(b, "%s%u", it.i > 1 ? "," : "", e.type);
		pb_puts(b, "]");
		if (ip->ext_more)
			kv_b(b, &first, "ext_more", true);
		if (ip->plen == 0)
			kv_u(b, &first, "jumbo", ip->jumbo);
		if (ip->has_frag) {
			kv_u(b, &first, "frag_id", ip->id);
			kv_b(b, &first, "mf", ip->mf);
			kv_u(b, &first, "frag_off", ip->frag_off);
			json_ip6_frags(f, d, b, &first);
		}
	}
	kv_b(b, &first, "len_short", ip->len_short);
	pb_puts(b, "}");
}

static void json_tcp_opts(const struct dec_tcp *t, struct pbuf *b, bool *first)
{
	key(b, first, "options");
	pb_puts(b, "[");
	for (uint8_t i = 0; i < t->nopt; i++)
		pb_printf(b, "%s{\"kind\":%u,\"len\":%u}", i ? "," : "", t->opt[i].kind, t->opt[i].len);
	pb_puts(b, "]");
	kv_b(b, first, "opt_bad", t->opt_bad);
	if (t->has_mss)
		kv_u(b, first, "mss", t->mss);
	if (t->has_ws)
		kv_u(b, first, "wscale", t->ws);
	if (t->sack_perm)
		kv_b(b, first, "sack_perm", true);
	if (t->has_ts) {
		kv_u(b, first, "ts_val", t->ts_val);
		kv_u(b, first, "ts_ecr", t->ts_ecr);
	}
	if (t->nsack) {
		key(b, first, "sack");
		pb_puts(b, "[");
		for (uint8_t i = 0; i < t->nsack; i++)
			pb_printf(b, "%s[%u,%u]", i ? "," : "", t->sack[i][0], t->sack[i][1]);
		pb_puts(b, "]");
	}
}

static void json_tcp(const struct dec_packet *d, struct pbuf *b, bool *first)
{
	const struct dec_tcp *t = &d->tcp;
	char flags[16];
	struct pbuf fb;

	kv_u(b, first, "sport", t->sport);
	kv_u(b, first, "dport", t->dport);
	if (d->tp.status == DEC_TRUNCATED)
		return;
	kv_u(b, first, "seq", t->seq);
	kv_u(b, first, "ack", t->ack);
	kv_u(b, first, "hdr_len", t->doff);
	kv_u(b, first, "flags", t->flags);
	pb_init(&fb, flags, sizeof flags);
	print_tcp_flags(&fb, t->flags);
	kv_s(b, first, "flags_str", flags);
	kv_u(b, first, "win", t->win);
	kv_u(b, first, "checksum", t->csum);
	kv_u(b, first, "urg", t->urg);
	if (d->tp.status == DEC_OK)
		json_tcp_opts(t, b, first);
}

static void json_icmp(const struct dec_packet *d, struct pbuf *b, bool *first)
{
	const struct dec_icmp *m = &d->icmp;

	kv_u(b, first, "type", m->type);
	kv_u(b, first, "code", m->code);
	if (d->tp.status != DEC_OK)
		return;
	kv_u(b, first, "checksum", m->csum);
	if (m->is_echo) {
		kv_u(b, first, "id", m->id);
		kv_u(b, first, "seq", m->seq);
	}
	if (m->has_target)
		kv_ip(b, first, "target", 6, m->target);
	if (m->type == 136 || m->type == 134)
		kv_u(b, first, "nd_flags", m->nd_flags);
	if (m->type == 134 && d->tp.proto == DEC_P_ICMPV6) {
		kv_u(b, first, "hop_limit", m->ra_hop_limit);
		kv_u(b, first, "router_lifetime", m->ra_lifetime);
		kv_u(b, first, "reachable", m->ra_reachable);
		kv_u(b, first, "retrans", m->ra_retrans);
	}
	if (m->inner_off)
		kv_u(b, first, "inner_offset", m->inner_off);
}

static void json_transport(const struct dec_packet *d, struct pbuf *b)
{
	bool first = true;

	if (d->tp.proto == DEC_P_NONE || d->tp.proto == DEC_P_OTHER)
		return;
	pb_printf(b, ",\"%s\":{", dec_proto_name((enum dec_proto)d->tp.proto));
	kv_s(b, &first, "status", dec_status_name((enum dec_status)d->tp.status));
	kv_u(b, &first, "offset", d->tp.off);
	bool have_ports = d->caplen >= d->tp.off + 4;
	if (d->tp.proto == DEC_P_TCP && have_ports) {
		json_tcp(d, b, &first);
	} else if (d->tp.proto == DEC_P_UDP && have_ports) {
		kv_u(b, &first, "sport", d->udp.sport);
		kv_u(b, &first, "dport", d->udp.dport);
		if (d->tp.status != DEC_TRUNCATED) {
			kv_u(b, &first, "len", d->udp.len);
			if (d->udp.length != d->udp.len)
				kv_u(b, &first, "length", d->udp.length);
			kv_u(b, &first, "checksum", d->udp.csum);
		}
	} else if ((d->tp.proto == DEC_P_ICMP || d->tp.proto == DEC_P_ICMPV6) && d->caplen > d->tp.off + 1) {
		json_icmp(d, b, &first);
	}
	pb_puts(b, "}");
}

/* "2023-11-14T22:13:20.123456789Z" */
static void json_time(uint64_t ts_ns, struct pbuf *b)
{
	struct print_opts o = { .ts = PRINT_TS_DATE, .nano = true, .utc = true };
	struct print_state st = { 0 };
	size_t at = b->len;

	print_ts(&o, &st, ts_ns, b);
	if (b->len > at + 10 && b->buf[at + 10] == ' ')
		b->buf[at + 10] = 'T';
	pb_puts(b, "Z");
}

size_t print_json(const struct print_opts *o, struct print_state *st, const struct frame *f,
		  const struct dec_packet *d, char *buf, size_t cap)
{
	struct pbuf b;
	bool first = true;

	(void)o;
	pb_init(&b, buf, cap - 1);
	pb_puts(&b, "{");
	if (st->no_time) { /* a Simple Packet Block: no time, not 1970 */
		pb_puts(&b, "\"ts_sec\":null,\"ts_nsec\":null,\"time\":null,\"no_time\":true");
		first = false;
	} else {
		kv_u(&b, &first, "ts_sec", f->ts_ns / 1000000000u);
		kv_u(&b, &first, "ts_nsec", f->ts_ns % 1000000000u);
		key(&b, &first, "time");
		pb_puts(&b, "\"");
		json_time(f->ts_ns, &b);
		pb_puts(&b, "\"");
	}
	kv_u(&b, &first, "caplen", f->caplen);
	kv_u(&b, &first, "len", f->origlen);
	kv_u(&b, &first, "linktype", f->linktype);
	kv_s(&b, &first, "status", dec_status_name((enum dec_status)d->status));
	if (d->status != DEC_OK) {
		static const char *const layers[] = { "none", "link", "net", "transport" };
		pb_printf(&b, ",\"error\":{\"layer\":\"%s\",\"offset\":%u,\"what\":",
			  layers[d->err_layer & 3], d->err_off);
		pb_json_str(&b, d->err_what ? d->err_what : "");
		pb_puts(&b, "}");
	}
	json_link(d, &b);
	if (d->net.proto == DEC_P_ARP)
		json_arp(d, &b);
	else if (d->net.proto == DEC_P_IPV4 || d->net.proto == DEC_P_IPV6)
		json_ip(f, d, &b);
	json_transport(d, &b);
	if (d->payload_off || d->payload_len)
		pb_printf(&b, ",\"payload\":{\"offset\":%u,\"caplen\":%u,\"len\":%u}", d->payload_off,
			  d->payload_caplen, d->payload_len);
	if (b.full) {
		/* never emit a cut object: replace it by a valid stub */
		pb_init(&b, buf, cap - 1);
		pb_printf(&b, "{\"ts_sec\":%llu,\"ts_nsec\":%llu,\"output_cut\":true",
			  (unsigned long long)(f->ts_ns / 1000000000u),
			  (unsigned long long)(f->ts_ns % 1000000000u));
	}
	pb_puts(&b, "}");
	buf[b.len++] = '\n';
	buf[b.len] = '\0';
	return b.len;
}
