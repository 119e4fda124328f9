/* SPDX-License-Identifier: BSD-2-Clause */
/* The summary as one JSON object (schema: README.md, "pcaprec summary"). */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"
#include "pcaprec/community_id.h"
#include "summary_int.h"

static void json_str(FILE *o, const char *s)
{
	json_fputs(o, s);
}

/* Exact seconds of a nanosecond count (integer arithmetic, no doubles). */
static void json_secs(FILE *o, int64_t ns)
{
	char t[32];

	fmt_ns_secs(ns, t, sizeof t);
	fputs(t, o);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void json_opt(FILE *o, const char *key, bool has, uint64_t v)
{
	fputs(key, o);
	if (has)
		fprintf(o, "%llu", (unsigned long long)v);
	else
		fputs("null", o);
}

static void json_iface(FILE *o, const struct summary_iface *f, uint32_t id)
{
	const char *ln = linktype_name(f->linktype);

	fprintf(o, "{\"id\":%u,\"name\":", id);
	json_str(o, f->name);
	fprintf(o, ",\"linktype\":%u,\"linktype_name\":", f->linktype);
	json_str(o, ln ? ln : "unknown");
	fprintf(o, ",\"snaplen\":%u,\"packets\":%llu,\"stats\":", f->snaplen,
		(unsigned long long)f->packets);
	if (!f->has_stats) {
		fputs("null}", o);
		return;
	}
	json_opt(o, "{\"ifrecv\":", f->has_ifrecv, f->ifrecv);
	json_opt(o, ",\"ifdrop\":", f->has_ifdrop, f->ifdrop);
	json_opt(o, ",\"osdrop\":", f->has_osdrop, f->osdrop);
	json_opt(o, ",\"filteraccept\":", f->has_filteraccept, f->filteraccept);
	json_opt(o, ",\"usrdeliv\":", f->has_usrdeliv, f->usrdeliv);
	json_opt(o, ",\"lost\":", f->has_ifdrop || f->has_osdrop, summary_iface_lost(f));
	fputs("}}", o);
}

static void json_files(FILE *o, const struct summary *s)
{
	fputs("\"files\":[", o);
	for (uint32_t i = 0; i < s->nfiles; i++) {
		const struct summary_file *f = &s->files[i];
		fprintf(o, "%s{\"name\":", i ? "," : "");
		json_str(o, f->name);
		fputs(",\"type\":", o);
		json_str(o, f->type);
		fprintf(o, ",\"compressed\":%s,\"size\":", f->compressed ? "true" : "false");
		if (f->size_known)
			fprintf(o, "%llu", (unsigned long long)f->size);
		else
			fputs("null", o);
		fprintf(o, ",\"snaplen\":%u,\"interfaces\":[", f->snaplen);
		for (uint32_t j = 0; j < f->niface && j < SUMMARY_MAX_IFACES; j++) {
			if (j)
				fputc(',', o);
			json_iface(o, &f->iface[j], j);
		}
		fputs("]}", o);
	}
	fprintf(o, "],\"files_omitted\":%u", s->files_omitted);
}

static void json_rate(FILE *o, const char *name, double num, uint64_t dur_ns)
{
	if (dur_ns == 0)
		fprintf(o, ",\"%s\":null", name);
	else
		fprintf(o, ",\"%s\":%.3f", name, num / secs(dur_ns));
}

static void json_totals(FILE *o, const struct summary *s)
{
	uint64_t dur = s->have_time ? s->max_ns - s->min_ns : 0;
	char t0[64], t1[64];

	sum_fmt_time(s->min_ns, true, t0, sizeof t0);
	sum_fmt_time(s->max_ns, true, t1, sizeof t1);
	fprintf(o, "\"totals\":{\"packets\":%llu,\"data_bytes\":%llu,\"captured_bytes\":%llu"
		",\"untimed_packets\":%llu",
		(unsigned long long)s->packets, (unsigned long long)s->wire_bytes,
		(unsigned long long)s->cap_bytes, (unsigned long long)s->untimed);
	if (s->have_time) {
		/* jq 1.6 reads numbers as doubles: nanoseconds since 1970 also as exact strings */
		fprintf(o, ",\"first_ns\":%llu,\"last_ns\":%llu,\"first_ns_str\":\"%llu\""
			",\"last_ns_str\":\"%llu\",\"first_time\":\"%s\",\"last_time\":\"%s\",\"duration\":",
			(unsigned long long)s->min_ns, (unsigned long long)s->max_ns,
			(unsigned long long)s->min_ns, (unsigned long long)s->max_ns, t0, t1);
		json_secs(o, (int64_t)dur);
	} else {
		fputs(",\"first_ns\":null,\"last_ns\":null,\"first_ns_str\":null,\"last_ns_str\":null"
		      ",\"first_time\":null,\"last_time\":null,\"duration\":null", o);
	}
	if (s->packets) {
		fprintf(o, ",\"caplen_min\":%u,\"caplen_max\":%u", s->caplen_min, s->caplen_max);
		fprintf(o, ",\"avg_packet_size\":%.3f", (double)s->wire_bytes / (double)s->packets);
	} else {
		fputs(",\"caplen_min\":null,\"caplen_max\":null,\"avg_packet_size\":null", o);
	}
	json_rate(o, "data_byte_rate", (double)s->wire_bytes, dur);
	json_rate(o, "data_bit_rate", 8.0 * (double)s->wire_bytes, dur);
	json_rate(o, "avg_packet_rate", (double)s->packets, dur);
	fprintf(o, ",\"out_of_order\":%llu}", (unsigned long long)s->out_of_order);
}

static void json_damage(FILE *o, const struct summary *s)
{
	fprintf(o, "\"damage\":{\"truncated\":%llu,\"invalid\":%llu,\"snapped\":%llu"
		",\"malformed_records\":%llu,\"malformed_first\":",
		(unsigned long long)s->truncated, (unsigned long long)s->invalid,
		(unsigned long long)s->snapped, (unsigned long long)s->malformed);
	if (s->malformed)
		json_str(o, s->malformed_why);
	else
		fputs("null", o);
	fputs(",\"error\":", o);
	if (s->has_error)
		json_str(o, s->error);
	else
		fputs("null", o);
	fprintf(o, "},\"tcp_flags\":{\"syn\":%llu,\"synack\":%llu,\"rst\":%llu,\"fin\":%llu}",
		(unsigned long long)s->tcp_syn, (unsigned long long)s->tcp_synack,
		(unsigned long long)s->tcp_rst, (unsigned long long)s->tcp_fin);
}

/* Preorder walk of the hierarchy, children in protocol order. */
static void json_phs_node(FILE *o, const struct phs *h, uint32_t at, char *path, size_t plen, int *first)
{
	const struct phs_node *n = &h->node[at];
	size_t used = strlen(path);

	if (at != 0) {
		snprintf(path + used, plen - used, "%s%s", used ? ":" : "", phs_proto_name(n->proto));
		fprintf(o, "%s{\"path\":\"%s\",\"frames\":%llu,\"bytes\":%llu}", *first ? "" : ",", path,
			(unsigned long long)n->frames, (unsigned long long)n->bytes);
		*first = 0;
	}
	for (uint32_t p = 0; p < PHS_NPROTO; p++)
		if (n->child[p])
			json_phs_node(o, h, n->child[p], path, plen, first);
	path[used] = '\0';
}

static void json_phs(FILE *o, const struct summary *s)
{
	char path[PHS_MAX_DEPTH * 16] = "";
	int first = 1;

	fputs("\"protocols\":[", o);
	json_phs_node(o, &s->phs, 0, path, sizeof path, &first);
	fputc(']', o);
}

static void json_conv_row(FILE *o, const struct summary *s, const struct flow *f, bool ports)
{
	int a = f->a_first ? 0 : 1;   /* index of the end shown as A */
	const uint8_t *aa = a == 0 ? f->key.a : f->key.b, *bb = a == 0 ? f->key.b : f->key.a;
	char as[64], bs[64];

	sum_fmt_addr(aa, f->key.addr_len, as, sizeof as);
	sum_fmt_addr(bb, f->key.addr_len, bs, sizeof bs);
	fprintf(o, "{\"a\":\"%s\",\"b\":\"%s\"", as, bs);
	if (ports) {
		char cid[COMMUNITY_ID_LEN];
		uint16_t pa = a == 0 ? f->key.port_a : f->key.port_b, pb = a == 0 ? f->key.port_b : f->key.port_a;

		community_id(f->key.addr_len == 16 ? 6 : 4, f->key.kind == FLOW_TCP ? 6 : 17, aa, bb, pa, pb,
			     s->opt.community_id_seed, cid);
		fprintf(o, ",\"port_a\":%u,\"port_b\":%u,\"community_id\":\"%s\"", (unsigned)pa, (unsigned)pb, cid);
	}
	fprintf(o, ",\"frames_ab\":%llu,\"bytes_ab\":%llu,\"frames_ba\":%llu,\"bytes_ba\":%llu"
		",\"frames\":%llu,\"bytes\":%llu,\"rel_start\":",
		(unsigned long long)f->pkts[a], (unsigned long long)f->bytes[a],
		(unsigned long long)f->pkts[1 - a], (unsigned long long)f->bytes[1 - a],
		(unsigned long long)(f->pkts[0] + f->pkts[1]),
		(unsigned long long)(f->bytes[0] + f->bytes[1]));
	json_secs(o, sum_rel_ns(s, f->first_ns));
	fputs(",\"duration\":", o);
	json_secs(o, (int64_t)(f->last_ns - f->first_ns));
	fputc('}', o);
}

static void json_ep_row(FILE *o, const struct sum_endpoint *e, bool ports)
{
	char as[64];

	sum_fmt_addr(e->addr, e->addr_len, as, sizeof as);
	fprintf(o, "{\"address\":\"%s\"", as);
	if (ports)
		fprintf(o, ",\"port\":%u", e->port);
	fprintf(o, ",\"packets\":%llu,\"bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu"
		",\"rx_packets\":%llu,\"rx_bytes\":%llu}",
		(unsigned long long)(e->tx_pkts + e->rx_pkts), (unsigned long long)(e->tx_bytes + e->rx_bytes),
		(unsigned long long)e->tx_pkts, (unsigned long long)e->tx_bytes,
		(unsigned long long)e->rx_pkts, (unsigned long long)e->rx_bytes);
}

/* "conversations" and "endpoints" for one kind; -1 when out of memory. */
static int json_kind(FILE *o, FILE *eo, const struct summary *s, const struct sum_tables *t,
		     enum flow_kind k)
{
	const struct sum_kind_tables *kt = &t->kind[k];
	struct flow_fold fold = flowtab_folded(s->flows, k);
	bool ports = k == FLOW_TCP || k == FLOW_UDP;

	if (kt->nrows < 0 || kt->nep < 0)
		return -1;
	fprintf(o, "%s\"%s\":{\"count\":%llu,\"folded_packets\":%llu,\"folded_bytes\":%llu,\"rows\":[",
		k == FLOW_ETH ? "" : ",", flow_kind_name(k),
		(unsigned long long)flowtab_count_kind(s->flows, k),
		(unsigned long long)fold.pkts, (unsigned long long)fold.bytes);
	for (long i = 0; i < kt->nrows; i++) {
		if (i)
			fputc(',', o);
		json_conv_row(o, s, kt->rows[i], ports);
	}
	fputs("]}", o);
	fprintf(eo, "%s\"%s\":{\"count\":%zu,\"rows\":[", k == FLOW_ETH ? "" : ",", flow_kind_name(k),
		kt->ep_total);
	for (long i = 0; i < kt->nep; i++) {
		if (i)
			fputc(',', eo);
		json_ep_row(eo, &kt->ep[i], ports);
	}
	fputs("]}", eo);
	return 0;
}

static int json_ports(FILE *o, const struct sum_tables *t)
{
	fputs("\"ports\":{", o);
	for (int udp = 0; udp < 2; udp++) {
		const struct sum_port *p = t->ports[udp];
		long n = t->nports[udp];
		if (n < 0)
			return -1;
		fprintf(o, "%s\"%s\":[", udp ? "," : "", udp ? "udp" : "tcp");
		for (long i = 0; i < n; i++)
			fprintf(o, "%s{\"port\":%u,\"packets\":%llu,\"bytes\":%llu}", i ? "," : "",
				p[i].port, (unsigned long long)p[i].pkts, (unsigned long long)p[i].bytes);
		fputc(']', o);
	}
	fputc('}', o);
	return 0;
}

static void json_tseries(FILE *o, const struct summary *s)
{
	static const uint32_t rows_auto = 60;
	uint64_t iv = tseries_display_interval(&s->ts, rows_auto);
	struct tbucket *b = calloc(TSERIES_MAX_BUCKETS, sizeof *b);
	uint32_t n = b ? tseries_regroup(&s->ts, iv, b, TSERIES_MAX_BUCKETS) : 0;

	fprintf(o, "\"time_series\":{\"interval_ns\":%llu,\"start_ns\":%llu,\"start_ns_str\":\"%llu\""
		",\"widened\":%s,\"packets\":[", (unsigned long long)iv,
		(unsigned long long)s->ts.origin_ns, (unsigned long long)s->ts.origin_ns,
		s->ts.widened ? "true" : "false");
	for (uint32_t i = 0; i < n; i++)
		fprintf(o, "%s%llu", i ? "," : "", (unsigned long long)b[i].pkts);
	fputs("],\"bytes\":[", o);
	for (uint32_t i = 0; i < n; i++)
		fprintf(o, "%s%llu", i ? "," : "", (unsigned long long)b[i].bytes);
	fputs("]}", o);
	free(b);
}

int summary_write_json(struct summary *s, FILE *out)
{
	struct sum_tables t;
	char *ebuf = NULL;
	size_t elen = 0;
	FILE *eo = open_memstream(&ebuf, &elen);
	int rc = 0;

	if (!eo)
		return -1;
	summary_flush(s);
	fputs("{\"filter\":", out);
	if (s->opt.filter)
		json_str(out, s->opt.filter);
	else
		fputs("null", out);
	fputc(',', out);
	json_files(out, s);
	fputc(',', out);
	json_totals(out, s);
	fputc(',', out);
	json_damage(out, s);
	fputc(',', out);
	json_phs(out, s);
	fputs(",\"conversations\":{", out);
	sum_tables_build(s, &t);
	for (int k = FLOW_ETH; k < FLOW_KINDS && rc == 0; k++)
		rc = json_kind(out, eo, s, &t, (enum flow_kind)k);
	fclose(eo);
	fprintf(out, "},\"endpoints\":{%s},", ebuf ? ebuf : "");
	free(ebuf);
	if (rc == 0)
		rc = json_ports(out, &t);
	sum_tables_free(&t);
	fputc(',', out);
	json_tseries(out, s);
	fprintf(out, ",\"limits\":{\"max_flows\":%llu,\"flows_tracked\":%llu,\"flow_table_bytes\":%zu}}",
		(unsigned long long)(s->opt.max_flows ? s->opt.max_flows : SUMMARY_DEFAULT_MAX_FLOWS),
		(unsigned long long)flowtab_count(s->flows), flowtab_memory(s->flows));
	return rc == 0 && !ferror(out) ? 0 : -1;
}
