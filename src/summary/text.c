/* SPDX-License-Identifier: BSD-2-Clause */
/* The summary as text: capinfos-style totals, io,phs-style hierarchy, conv/endpoints-style tables, a time chart. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"
#include "summary_int.h"

#define LABEL "%-21s"

static const char *kind_title(enum flow_kind k)
{
	switch (k) {
	case FLOW_ETH: return "Ethernet";
	case FLOW_IP4: return "IPv4";
	case FLOW_IP6: return "IPv6";
	case FLOW_TCP: return "TCP";
	case FLOW_UDP: return "UDP";
	default: return "?";
	}
}

static void text_file(FILE *o, const struct summary_file *f)
{
	fprintf(o, LABEL "%s\n", "File name:", f->name);
	fprintf(o, LABEL "%s%s%s%s\n", "File type:", f->type, f->compressed ? " (" : "",
		f->compression, f->compressed ? " compressed)" : "");
	if (f->niface == 1 || f->niface > 1) {
		const struct summary_iface *i0 = &f->iface[0];
		bool same = true;
		for (uint32_t i = 1; i < f->niface && i < SUMMARY_MAX_IFACES; i++)
			same = same && f->iface[i].linktype == i0->linktype;
		if (same)
			fprintf(o, LABEL "%s (%s)\n", "File encapsulation:",
				linktype_description(i0->linktype),
				linktype_name(i0->linktype) ? linktype_name(i0->linktype) : "?");
		else
			fprintf(o, LABEL "per interface\n", "File encapsulation:");
	}
	if (f->snaplen)
		fprintf(o, LABEL "%u bytes\n", "Packet size limit:", f->snaplen);
	else
		fprintf(o, LABEL "(not set)\n", "Packet size limit:");
	if (f->size_known)
		fprintf(o, LABEL "%llu bytes\n", "File size:", (unsigned long long)f->size);
}

/* "; lost N (P% of M)": what the interface's counters say this file is missing. */
static void text_loss(FILE *o, const struct summary_iface *f)
{
	uint64_t lost = summary_iface_lost(f), seen;

	if (!f->has_ifdrop && !f->has_osdrop)
		return;
	seen = f->has_filteraccept ? f->filteraccept : f->ifrecv;
	fprintf(o, "; lost %llu", (unsigned long long)lost);
	if ((f->has_ifrecv || f->has_filteraccept) && seen > 0)
		fprintf(o, " (%.2f%% of %llu)", 100.0 * (double)lost / (double)seen,
			(unsigned long long)seen);
}

static void text_iface(FILE *o, const struct summary_iface *f, uint32_t id)
{
	const char *ln = linktype_name(f->linktype);

	fprintf(o, "Interface #%-10u%s%s%s (%s), snaplen %u", id, f->name,
		*f->name ? ", " : "", linktype_description(f->linktype), ln ? ln : "?", f->snaplen);
	fprintf(o, ", %llu packets", (unsigned long long)f->packets);
	if (f->has_stats) {
		fputs("; statistics block:", o);
		if (f->has_ifrecv)
			fprintf(o, " %llu received", (unsigned long long)f->ifrecv);
		if (f->has_ifdrop)
			fprintf(o, ", %llu dropped by interface", (unsigned long long)f->ifdrop);
		if (f->has_osdrop)
			fprintf(o, ", %llu dropped by OS/recorder", (unsigned long long)f->osdrop);
		if (f->has_filteraccept)
			fprintf(o, ", %llu accepted by filter", (unsigned long long)f->filteraccept);
		if (f->has_usrdeliv)
			fprintf(o, ", %llu delivered", (unsigned long long)f->usrdeliv);
		text_loss(o, f);
	}
	fputc('\n', o);
}

static void text_totals(FILE *o, const struct summary *s)
{
	uint64_t dur = s->have_time ? s->max_ns - s->min_ns : 0;
	double d = (double)dur / 1e9;
	char t[64];

	fprintf(o, LABEL "%llu\n", "Number of packets:", (unsigned long long)s->packets);
	if (s->untimed)
		fprintf(o, LABEL "%llu (Simple Packet Blocks carry no time)\n", "Untimed packets:",
			(unsigned long long)s->untimed);
	fprintf(o, LABEL "%llu bytes\n", "Data size:", (unsigned long long)s->wire_bytes);
	if (s->cap_bytes != s->wire_bytes)
		fprintf(o, LABEL "%llu bytes\n", "Captured size:", (unsigned long long)s->cap_bytes);
	if (s->packets == 0)
		return;
	if (s->have_time) {
		fmt_ns_secs((int64_t)dur, t, sizeof t);
		fprintf(o, LABEL "%s seconds\n", "Capture duration:", t);
		sum_fmt_time(s->min_ns, false, t, sizeof t);
		fprintf(o, LABEL "%s UTC\n", "First packet time:", t);
		sum_fmt_time(s->max_ns, false, t, sizeof t);
		fprintf(o, LABEL "%s UTC\n", "Last packet time:", t);
	} else { /* as capinfos says for files without timestamps */
		fprintf(o, LABEL "n/a\n", "Capture duration:");
		fprintf(o, LABEL "n/a\n", "First packet time:");
		fprintf(o, LABEL "n/a\n", "Last packet time:");
	}
	if (dur) {
		fprintf(o, LABEL "%.2f bytes/sec\n", "Data byte rate:", (double)s->wire_bytes / d);
		fprintf(o, LABEL "%.2f bits/sec\n", "Data bit rate:", 8.0 * (double)s->wire_bytes / d);
	} else {
		fprintf(o, LABEL "n/a\n", "Data byte rate:");
		fprintf(o, LABEL "n/a\n", "Data bit rate:");
	}
	fprintf(o, LABEL "%.2f bytes\n", "Average packet size:", (double)s->wire_bytes / (double)s->packets);
	if (dur)
		fprintf(o, LABEL "%.2f packets/sec\n", "Average packet rate:", (double)s->packets / d);
	else
		fprintf(o, LABEL "n/a\n", "Average packet rate:");
	fprintf(o, LABEL "%u - %u bytes (captured)\n", "Packet sizes:", s->caplen_min, s->caplen_max);
	fprintf(o, LABEL "%s\n", "Strict time order:",
		!s->have_time ? "Unknown" : s->out_of_order ? "False" : "True");
}

static void text_health(FILE *o, const struct summary *s)
{
	bool full = false;

	fprintf(o, LABEL "%llu SYN, %llu SYN-ACK, %llu RST, %llu FIN\n", "TCP flags:",
		(unsigned long long)s->tcp_syn, (unsigned long long)s->tcp_synack,
		(unsigned long long)s->tcp_rst, (unsigned long long)s->tcp_fin);
	fprintf(o, LABEL "%llu truncated, %llu malformed, %llu cut by snap length\n", "Damaged packets:",
		(unsigned long long)s->truncated, (unsigned long long)s->invalid,
		(unsigned long long)s->snapped);
	if (s->malformed)
		fprintf(o, LABEL "%llu (first: %s)\n", "Malformed records:",
			(unsigned long long)s->malformed, s->malformed_why);
	fprintf(o, LABEL "%llu conversations tracked (max %llu)", "Flow table:",
		(unsigned long long)flowtab_count(s->flows),
		(unsigned long long)(s->opt.max_flows ? s->opt.max_flows : SUMMARY_DEFAULT_MAX_FLOWS));
	for (int k = FLOW_ETH; k < FLOW_KINDS; k++) {
		struct flow_fold f = flowtab_folded(s->flows, (enum flow_kind)k);
		if (!f.pkts)
			continue;
		fprintf(o, "%s %s %llu packets (%llu bytes)",
			full ? "," : "; FULL, further flows folded into \"other\":",
			flow_kind_name((enum flow_kind)k), (unsigned long long)f.pkts,
			(unsigned long long)f.bytes);
		full = true;
	}
	fputc('\n', o);
	if (s->has_error)
		fprintf(o, LABEL "%s\n", "READ ERROR:", s->error);
}

static void text_phs_node(FILE *o, const struct phs *h, uint32_t at)
{
	const struct phs_node *n = &h->node[at];

	if (at != 0)
		fprintf(o, "%*s%-*s frames:%llu bytes:%llu\n", 2 * (n->depth - 1), "",
			40 - 2 * (n->depth - 1), phs_proto_name(n->proto),
			(unsigned long long)n->frames, (unsigned long long)n->bytes);
	for (uint32_t p = 0; p < PHS_NPROTO; p++)
		if (n->child[p])
			text_phs_node(o, h, n->child[p]);
}

static void text_phs(FILE *o, const struct summary *s)
{
	fputs("\nProtocol Hierarchy Statistics\n", o);
	text_phs_node(o, &s->phs, 0);
}

/* "addr" or "addr:port" ("[v6]:port"). */
static void fmt_end(char *buf, size_t len, const uint8_t *a, uint8_t alen, bool ports, uint16_t port)
{
	char as[64];

	sum_fmt_addr(a, alen, as, sizeof as);
	if (!ports)
		snprintf(buf, len, "%s", as);
	else if (alen == 16)
		snprintf(buf, len, "[%s]:%u", as, port);
	else
		snprintf(buf, len, "%s:%u", as, port);
}

static void text_conv(FILE *o, const struct summary *s, enum flow_kind k,
		      const struct flow *const *rows, size_t n, size_t total)
{
	bool ports = k == FLOW_TCP || k == FLOW_UDP;
	struct flow_fold fold = flowtab_folded(s->flows, k);
	char ea[72], eb[72];

	if (total == 0 && fold.pkts == 0)
		return;  /* a table of nothing says nothing */
	fprintf(o, "\n%s Conversations (%zu of %zu, by bytes)\n", kind_title(k), n, total);
	if (fold.pkts)
		fprintf(o, "  table full: %llu packets, %llu bytes of further flows folded into \"other\"\n",
			(unsigned long long)fold.pkts, (unsigned long long)fold.bytes);
	if (n == 0)
		return;
	fprintf(o, "%-47s     %-47s |%8s %12s |%8s %12s |%8s %12s |%14s |%10s\n",
		"Address A", "Address B", "<- Frms", "Bytes", "-> Frms", "Bytes", "Frames", "Bytes",
		"Rel. start", "Duration");
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = rows[i];
		int a = f->a_first ? 0 : 1;
		fmt_end(ea, sizeof ea, a == 0 ? f->key.a : f->key.b, f->key.addr_len, ports,
			a == 0 ? f->key.port_a : f->key.port_b);
		fmt_end(eb, sizeof eb, a == 0 ? f->key.b : f->key.a, f->key.addr_len, ports,
			a == 0 ? f->key.port_b : f->key.port_a);
		fprintf(o, "%-47s <-> %-47s |%8llu %12llu |%8llu %12llu |%8llu %12llu |%14.6f |%10.4f\n",
			ea, eb, (unsigned long long)f->pkts[1 - a], (unsigned long long)f->bytes[1 - a],
			(unsigned long long)f->pkts[a], (unsigned long long)f->bytes[a],
			(unsigned long long)(f->pkts[0] + f->pkts[1]),
			(unsigned long long)(f->bytes[0] + f->bytes[1]),
			(double)sum_rel_ns(s, f->first_ns) / 1e9,
			(double)(f->last_ns - f->first_ns) / 1e9);
	}
}

static void text_endpoints(FILE *o, enum flow_kind k, const struct sum_endpoint *e, size_t n, size_t total)
{
	bool ports = k == FLOW_TCP || k == FLOW_UDP;
	char ea[72];

	if (total == 0)
		return;
	fprintf(o, "\n%s Endpoints (%zu of %zu, by bytes)\n", kind_title(k), n, total);
	if (n == 0)
		return;
	fprintf(o, "%-47s |%9s %13s |%9s %13s |%9s %13s\n", "Address", "Packets", "Bytes",
		"Tx Pkts", "Tx Bytes", "Rx Pkts", "Rx Bytes");
	for (size_t i = 0; i < n; i++) {
		fmt_end(ea, sizeof ea, e[i].addr, e[i].addr_len, ports, e[i].port);
		fprintf(o, "%-47s |%9llu %13llu |%9llu %13llu |%9llu %13llu\n", ea,
			(unsigned long long)(e[i].tx_pkts + e[i].rx_pkts),
			(unsigned long long)(e[i].tx_bytes + e[i].rx_bytes),
			(unsigned long long)e[i].tx_pkts, (unsigned long long)e[i].tx_bytes,
			(unsigned long long)e[i].rx_pkts, (unsigned long long)e[i].rx_bytes);
	}
}

static int text_kind(FILE *o, const struct summary *s, const struct sum_tables *t, enum flow_kind k,
		     bool endpoints)
{
	const struct sum_kind_tables *kt = &t->kind[k];

	if (!endpoints) {
		if (kt->nrows < 0)
			return -1;
		text_conv(o, s, k, kt->rows, (size_t)kt->nrows, flowtab_count_kind(s->flows, k));
		return 0;
	}
	if (kt->nep < 0)
		return -1;
	text_endpoints(o, k, kt->ep, (size_t)kt->nep, kt->ep_total);
	return 0;
}

static int text_ports(FILE *o, const struct sum_tables *t)
{
	for (int udp = 0; udp < 2; udp++) {
		const struct sum_port *p = t->ports[udp];
		long n = t->nports[udp];
		if (n < 0)
			return -1;
		if (n > 0) {
			fprintf(o, "\nTop %s ports (by packets, either end)\n", udp ? "UDP" : "TCP");
			fprintf(o, "%7s |%12s %14s\n", "Port", "Packets", "Bytes");
		}
		for (long i = 0; i < n; i++)
			fprintf(o, "%7u |%12llu %14llu\n", p[i].port,
				(unsigned long long)p[i].pkts, (unsigned long long)p[i].bytes);
	}
	return 0;
}

/* "2 s", "500 ms", "1 min"... for an interval in ns. */
static void fmt_interval(uint64_t ns, char *buf, size_t len)
{
	static const struct { uint64_t ns; const char *unit; } u[] = {
		{ 86400000000000ull, "d" }, { 3600000000000ull, "h" }, { 60000000000ull, "min" },
		{ 1000000000ull, "s" }, { 1000000ull, "ms" }, { 1000ull, "us" }, { 1ull, "ns" },
	};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		if (ns >= u[i].ns && ns % u[i].ns == 0) {
			snprintf(buf, len, "%llu %s", (unsigned long long)(ns / u[i].ns), u[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%llu ns", (unsigned long long)ns);
}

/* A bar of `eighths`/8 cells in unicode block elements. */
static void bar(FILE *o, uint64_t eighths)
{
	static const char *const part[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };

	for (uint64_t i = 0; i < eighths / 8; i++)
		fputs("█", o);
	fputs(part[eighths % 8], o);
}

static int text_tseries(FILE *o, const struct summary *s, bool tty)
{
	const uint64_t width = 40;
	uint64_t iv = tseries_display_interval(&s->ts, 60), maxp = 1;
	struct tbucket *b = calloc(TSERIES_MAX_BUCKETS, sizeof *b);
	uint32_t n;
	char ivs[32];

	if (!b)
		return -1;
	n = tseries_regroup(&s->ts, iv, b, TSERIES_MAX_BUCKETS);
	fmt_interval(iv, ivs, sizeof ivs);
	fprintf(o, "\nTime series (interval %s%s, from the first packet)\n", ivs,
		s->ts.widened ? ", widened to fit" : "");
	fprintf(o, "%14s |%10s %14s%s\n", "Start (s)", "Packets", "Bytes", tty ? " |" : "");
	for (uint32_t i = 0; i < n; i++)
		if (b[i].pkts > maxp)
			maxp = b[i].pkts;
	for (uint32_t i = 0; i < n; i++) {
		fprintf(o, "%14.6f |%10llu %14llu", (double)i * (double)iv / 1e9,
			(unsigned long long)b[i].pkts, (unsigned long long)b[i].bytes);
		if (tty) {
			fputs(" |", o);
			bar(o, (b[i].pkts * width * 8 + maxp - 1) / maxp);
		}
		fputc('\n', o);
	}
	free(b);
	return 0;
}

int summary_write_text(struct summary *s, FILE *out, bool tty)
{
	struct sum_tables t;
	int rc = 0;

	summary_flush(s);
	for (uint32_t i = 0; i < s->nfiles; i++) {
		const struct summary_file *f = &s->files[i];
		text_file(out, f);
		for (uint32_t j = 0; j < f->niface && j < SUMMARY_MAX_IFACES; j++)
			text_iface(out, &f->iface[j], j);
	}
	if (s->files_omitted)
		fprintf(out, "(%u more files)\n", s->files_omitted);
	if (s->opt.filter)
		fprintf(out, LABEL "%s (only matching packets are counted below)\n", "Filter:", s->opt.filter);
	text_totals(out, s);
	text_health(out, s);
	text_phs(out, s);
	sum_tables_build(s, &t);
	for (int k = FLOW_ETH; k < FLOW_KINDS && rc == 0; k++)
		rc = text_kind(out, s, &t, (enum flow_kind)k, false);
	for (int k = FLOW_ETH; k < FLOW_KINDS && rc == 0; k++)
		rc = text_kind(out, s, &t, (enum flow_kind)k, true);
	if (rc == 0)
		rc = text_ports(out, &t);
	sum_tables_free(&t);
	if (rc == 0 && s->have_time)
		rc = text_tseries(out, s, tty);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
