/* SPDX-License-Identifier: BSD-2-Clause */
/* flows: conversations of a selection from the index flow tables (scanning files without one), aggregated across files, text or ECS JSON. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/cli.h"
#include "pcaprec/community_id.h"
#include "pcaprec/decode.h"
#include "pcaprec/filter.h"
#include "pcaprec/flows.h"
#include "pcaprec/index.h"
#include "pcaprec/reader.h"
#include "pcaprec/util.h"

#define FLOWS_MAX (16u << 20)   /* rows held at most: beyond, flows are counted as left out */

struct frow {
	struct flow_tuple t;          /* direction of its earliest packet */
	int64_t first_ns, last_ns;
	uint64_t packets, bytes;
	uint32_t *files;              /* indexes into the selection's paths, ascending */
	uint32_t nfiles, capfiles;
	bool used;
};

struct ftab {
	struct frow *rows;
	size_t cap, n;
	uint64_t left_out;
};

bool flow_of_frame(const struct frame *f, bool icmp_types, struct flow_tuple *t)
{
	struct dec_packet d;
	size_t alen;

	dec_packet(f->linktype, f->data, f->caplen, f->origlen, DEC_DEPTH_TRANSPORT, &d);
	if (d.net.proto != DEC_P_IPV4 && d.net.proto != DEC_P_IPV6)
		return false;
	memset(t, 0, sizeof *t);
	t->family = d.ip.version == 6 ? 6 : 4;
	alen = t->family == 6 ? 16 : 4;
	memcpy(t->src, d.ip.src, alen);
	memcpy(t->dst, d.ip.dst, alen);
	t->proto = d.ip.proto;
	t->vlan = d.l2.nvlan ? (uint16_t)(d.l2.vlan[0].vid + 1) : 0;
	if (d.tp.proto == DEC_P_TCP) {
		t->sport = d.tcp.sport;
		t->dport = d.tcp.dport;
	} else if (d.tp.proto == DEC_P_UDP) {
		t->sport = d.udp.sport;
		t->dport = d.udp.dport;
	} else if (icmp_types && (d.tp.proto == DEC_P_ICMP || d.tp.proto == DEC_P_ICMPV6)) {
		t->sport = d.icmp.type;
		t->dport = d.icmp.code;
	}
	return true;
}

/* Both directions of a conversation hash and compare alike: the smaller (address, port) first. */
static void canon(const struct flow_tuple *t, struct flow_tuple *c)
{
	size_t alen = t->family == 6 ? 16 : 4;
	int cmp = memcmp(t->src, t->dst, alen);

	*c = *t;
	if (cmp > 0 || (cmp == 0 && t->sport > t->dport)) {
		memcpy(c->src, t->dst, 16);
		memcpy(c->dst, t->src, 16);
		c->sport = t->dport;
		c->dport = t->sport;
	}
}

static uint64_t tuple_hash(const struct flow_tuple *c)
{
	const uint8_t *p = (const uint8_t *)c;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof *c; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int ftab_grow(struct ftab *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct frow *n = calloc(ncap, sizeof *n);

	if (!n)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		struct flow_tuple c;
		size_t j;

		if (!t->rows[i].used)
			continue;
		canon(&t->rows[i].t, &c);
		for (j = tuple_hash(&c) & (ncap - 1); n[j].used; j = (j + 1) & (ncap - 1))
			;
		n[j] = t->rows[i];
	}
	free(t->rows);
	t->rows = n;
	t->cap = ncap;
	return 0;
}

/* Count `packets`/`bytes` of tuple `ft` seen in file `file` over [first, last]. */
static void ftab_add(struct ftab *t, const struct flow_tuple *ft, uint32_t file, int64_t first, int64_t last,
		     uint64_t packets, uint64_t bytes)
{
	struct flow_tuple c, rc;
	struct frow *r;
	size_t j;

	memset(&c, 0, sizeof c);
	canon(ft, &c);
	if ((t->n + 1) * 2 > t->cap && (t->n >= FLOWS_MAX || ftab_grow(t) < 0)) {
		t->left_out += packets;
		return;
	}
	for (j = tuple_hash(&c) & (t->cap - 1); t->rows[j].used; j = (j + 1) & (t->cap - 1)) {
		canon(&t->rows[j].t, &rc);
		if (memcmp(&rc, &c, sizeof c) == 0)
			break;
	}
	r = &t->rows[j];
	if (!r->used) {
		r->used = true;
		r->t = *ft;
		r->first_ns = first;
		r->last_ns = last;
		t->n++;
	} else {
		if (first < r->first_ns) {
			r->first_ns = first;
			r->t = *ft; /* the direction of the earliest packet */
		}
		if (last > r->last_ns)
			r->last_ns = last;
	}
	r->packets += packets;
	r->bytes += bytes;
	if (r->nfiles == 0 || r->files[r->nfiles - 1] != file) {
		if (r->nfiles == r->capfiles) {
			uint32_t ncap = r->capfiles ? r->capfiles * 2 : 2;
			uint32_t *nf = realloc(r->files, ncap * sizeof *nf);

			if (!nf)
				return;
			r->files = nf;
			r->capfiles = ncap;
		}
		r->files[r->nfiles++] = file;
	}
}

/* A packet made of the flow's headers, sent from `fwd` ? src : dst, for the expression to judge. */
static size_t synth(const struct flow_tuple *t, bool fwd, uint8_t *p)
{
	const uint8_t *s = fwd ? t->src : t->dst, *d = fwd ? t->dst : t->src;
	uint16_t sp = fwd ? t->sport : t->dport, dp = fwd ? t->dport : t->sport;
	size_t off = 12, l4 = t->proto == 6 ? 20 : t->proto == 17 ? 8 : 0;

	memset(p, 0, 128);
	p[0] = 0x02;
	p[6] = 0x02;
	if (t->vlan) {
		st_be16(p + off, 0x8100);
		st_be16(p + off + 2, (uint16_t)(t->vlan - 1));
		off += 4;
	}
	st_be16(p + off, t->family == 6 ? 0x86dd : 0x0800);
	off += 2;
	if (t->family == 4) {
		p[off] = 0x45;
		st_be16(p + off + 2, (uint16_t)(20 + l4));
		p[off + 8] = 64;
		p[off + 9] = t->proto;
		memcpy(p + off + 12, s, 4);
		memcpy(p + off + 16, d, 4);
		off += 20;
	} else {
		p[off] = 0x60;
		st_be16(p + off + 4, (uint16_t)l4);
		p[off + 6] = t->proto;
		p[off + 7] = 64;
		memcpy(p + off + 8, s, 16);
		memcpy(p + off + 24, d, 16);
		off += 40;
	}
	if (l4) {
		st_be16(p + off, sp);
		st_be16(p + off + 2, dp);
		if (t->proto == 6)
			p[off + 12] = 0x50;
		else
			st_be16(p + off + 4, 8);
	}
	return off + l4;
}

/* -1: the expression cannot run (reported); 2: the two directions are judged differently, so the
 * flow's packets are not all judged alike and only the packets can say which count */
static int flow_matches(struct filter_cache *fc, const struct flow_tuple *t)
{
	uint8_t pkt[128];
	int m[2];

	for (int fwd = 0; fwd < 2; fwd++) {
		size_t n = synth(t, fwd != 0, pkt);

		m[fwd] = filter_cache_match(fc, LINKTYPE_ETHERNET, pkt, (uint32_t)n, (uint32_t)n);
		if (m[fwd] < 0)
			return -1;
	}
	return m[0] == m[1] ? m[0] : 2;
}

/* What of the expression the packet made of a flow's headers can stand in for. */
struct expr_shape {
	bool headers_only;   /* every primitive is an address, port, protocol, ethertype or one VLAN id */
	bool ports;          /* a port primitive: it also reads SCTP's, which rows and synth lack */
};

static void outline_walk(const struct filter_outline *o, int i, struct expr_shape *sh, unsigned *vlans)
{
	const struct filter_ol_node *n;

	if (i < 0 || (size_t)i >= o->len) {
		sh->headers_only = false;
		return;
	}
	n = &o->nodes[i];
	switch (n->kind) {
	case FOL_AND:
	case FOL_OR:
		outline_walk(o, n->r, sh, vlans);
		/* fall through */
	case FOL_NOT:
		outline_walk(o, n->l, sh, vlans);
		break;
	case FOL_PORT:
		sh->ports = true;
		break;
	case FOL_VLAN:
		/* a second vlan primitive reads the next tag, which the index does not keep */
		if (++*vlans > 1)
			sh->headers_only = false;
		break;
	case FOL_HOST4:
	case FOL_HOST6:
	case FOL_PROTO:
	case FOL_ETYPE:
		break;
	case FOL_ALL:
	default:
		sh->headers_only = false;
		break;
	}
}

static struct expr_shape expr_shape(const char *expr)
{
	struct expr_shape sh = { true, false };
	struct filter_outline o;
	unsigned vlans = 0;
	char err[512];

	if (!expr || !*expr)
		return sh;
	if (filter_outline(expr, LINKTYPE_ETHERNET, &o, err, sizeof err) < 0) {
		sh.headers_only = false;
		return sh;
	}
	sh.headers_only = !o.partial;
	outline_walk(&o, o.root, &sh, &vlans);
	filter_outline_free(&o);
	return sh;
}

/*
 * A row of the index counts all of a flow's packets in the file: when --since/--until cuts one
 * (some of its packets inside the window, some outside), only the packets can say how many are
 * inside, and which direction came first there.
 */
static bool window_cuts_a_flow(const struct selection *sel, const struct pidx *ix)
{
	for (size_t k = 0; k < pidx_nflows(ix); k++) {
		const struct pidx_flow *f = pidx_flow(ix, k);

		if (sel_range_overlaps(sel, f->first_ns, f->last_ns) &&
		    (!sel_keep_ts(sel, (uint64_t)f->first_ns) || !sel_keep_ts(sel, (uint64_t)f->last_ns)))
			return true;
	}
	return false;
}

static void tuple_of_row(const struct pidx_flow *f, struct flow_tuple *ft)
{
	memset(ft, 0, sizeof *ft);
	ft->family = f->family;
	ft->proto = f->proto;
	ft->vlan = f->vlan;
	memcpy(ft->src, f->src, 16);
	memcpy(ft->dst, f->dst, 16);
	ft->sport = f->sport;
	ft->dport = f->dport;
}

/*
 * The expression judges every packet of each of the file's rows alike (so a row counts whole or
 * not at all): it looks only at the headers a row keeps, not at lengths, flags or payload; no
 * port primitive meets an SCTP row (a row keeps no SCTP ports); and both directions of each row
 * get the same answer ("src host X" takes one direction of a flow, which only the packets count).
 */
static bool rows_judged_whole(const struct selection *sel, const struct expr_shape *sh,
			      struct filter_cache *fc, const struct pidx *ix)
{
	if (!sh->headers_only)
		return false;
	for (size_t k = 0; k < pidx_nflows(ix); k++) {
		const struct pidx_flow *f = pidx_flow(ix, k);
		struct flow_tuple ft;

		if (!sel_range_overlaps(sel, f->first_ns, f->last_ns))
			continue;
		if (sh->ports && f->proto == 132)
			return false;
		tuple_of_row(f, &ft);
		if (flow_matches(fc, &ft) == 2)
			return false;
	}
	return true;
}

/* The flows of file i from its index; false when the index cannot stand in for the file. */
static bool from_index(const struct flows_opts *o, const struct expr_shape *sh, struct ftab *t,
		       struct filter_cache *fc, uint32_t i)
{
	struct pidx *ix = NULL;
	char why[512];
	enum pidx_status st = pidx_load(o->sel->paths[i], &ix, why, sizeof why);

	if (st == PIDX_STALE || st == PIDX_BAD)
		fprintf(o->diag, "pcaprec flows: %s: index not used, scanning the file: %s\n", o->sel->paths[i], why);
	if (st != PIDX_OK)
		return false;
	if (pidx_flows_load(ix, why, sizeof why) != PIDX_OK) {
		fprintf(o->diag, "pcaprec flows: %s: index not used, scanning the file: %s\n", o->sel->paths[i], why);
		pidx_free(ix);
		return false;
	}
	if (!pidx_flows_complete(ix)) {
		fprintf(o->diag, "pcaprec flows: %s: its index holds only part of its flows, scanning the file\n",
			o->sel->paths[i]);
		pidx_free(ix);
		return false;
	}
	if (window_cuts_a_flow(o->sel, ix) || (o->sel->expr && !rows_judged_whole(o->sel, sh, fc, ix))) {
		pidx_free(ix);
		return false;
	}
	for (size_t k = 0; k < pidx_nflows(ix); k++) {
		const struct pidx_flow *f = pidx_flow(ix, k);
		struct flow_tuple ft;

		if (!sel_range_overlaps(o->sel, f->first_ns, f->last_ns))
			continue;
		tuple_of_row(f, &ft);
		if (o->sel->expr && flow_matches(fc, &ft) != 1)
			continue;
		ftab_add(t, &ft, i, f->first_ns, f->last_ns, f->packets, f->bytes);
	}
	pidx_free(ix);
	return true;
}

/* The flows of file i from its packets; an exit code. */
static int from_packets(const struct flows_opts *o, struct ftab *t, struct filter_cache *fc, uint32_t i)
{
	char err[1024];
	struct reader *r = reader_open(o->sel->paths[i], err, sizeof err);
	struct frame f;
	int rc, m;

	if (!r) {
		fprintf(o->diag, "pcaprec flows: %s\n", err);
		return cli_open_status(o->sel->paths[i]);
	}
	while ((rc = reader_next(r, &f)) == 1) {
		struct flow_tuple ft;

		if (!sel_keep_ts(o->sel, f.ts_ns))
			continue;
		m = filter_cache_match(fc, f.linktype, f.data, f.caplen, f.origlen);
		if (m < 0) {
			const char *e = filter_cache_error(fc);

			fprintf(o->diag, "pcaprec flows: %s: %.*s\n", o->sel->paths[i], (int)strcspn(e, "\n"), e);
			reader_close(r);
			return EXIT_USAGE;
		}
		if (m == 1 && flow_of_frame(&f, false, &ft))
			ftab_add(t, &ft, i, (int64_t)f.ts_ns, (int64_t)f.ts_ns, 1, f.origlen);
	}
	if (rc < 0)
		fprintf(o->diag, "pcaprec flows: %s\n", reader_error(r));
	reader_close(r);
	return rc < 0 ? EXIT_DAMAGED : EXIT_OK;
}

static int cmp_row(const void *a, const void *b)
{
	const struct frow *x = *(const struct frow *const *)a, *y = *(const struct frow *const *)b;

	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	default: snprintf(buf, len, "%u", p); return buf;
	}
}

static void print_row(const struct flows_opts *o, const struct frow *r)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], t0[48], t1[48], pn[8], cid[COMMUNITY_ID_LEN] = "";
	int af = r->t.family == 6 ? AF_INET6 : AF_INET;
	bool ports = r->t.proto == 6 || r->t.proto == 17;

	inet_ntop(af, r->t.src, s, sizeof s);
	inet_ntop(af, r->t.dst, d, sizeof d);
	sel_format_time(r->first_ns, 9, t0, sizeof t0);
	sel_format_time(r->last_ns, 9, t1, sizeof t1);
	/* ICMP flows carry no type in the index: their Community ID would not be the spec's, so none */
	if (r->t.proto != 1 && r->t.proto != 58)
		community_id(r->t.family, r->t.proto, r->t.src, r->t.dst, r->t.sport, r->t.dport, o->seed, cid);
	if (!o->json) {
		char se[64], de[64], vl[8] = "-";

		snprintf(se, sizeof se, af == AF_INET6 && ports ? "[%s]" : "%s", s);
		snprintf(de, sizeof de, af == AF_INET6 && ports ? "[%s]" : "%s", d);
		if (ports) {
			size_t n = strlen(se), m = strlen(de);

			snprintf(se + n, sizeof se - n, ":%u", r->t.sport);
			snprintf(de + m, sizeof de - m, ":%u", r->t.dport);
		}
		if (r->t.vlan)
			snprintf(vl, sizeof vl, "%u", r->t.vlan - 1u);
		fprintf(o->out, "%s %s %s %s > %s vlan %s %" PRIu64 " pkts %" PRIu64 " bytes %s", t0, t1,
			proto_name(r->t.proto, pn, sizeof pn), se, de, vl, r->packets, r->bytes, cid[0] ? cid : "-");
		for (uint32_t k = 0; k < r->nfiles; k++)
			fprintf(o->out, "%s%s", k ? "," : " ", o->sel->paths[r->files[k]]);
		fputc('\n', o->out);
		return;
	}
	fprintf(o->out, "{\"@timestamp\":\"%s\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		"\"start\":\"%s\",\"end\":\"%s\"},\"source\":{\"ip\":\"%s\"", t0, t0, t1, s);
	if (ports)
		fprintf(o->out, ",\"port\":%u", r->t.sport);
	fprintf(o->out, "},\"destination\":{\"ip\":\"%s\"", d);
	if (ports)
		fprintf(o->out, ",\"port\":%u", r->t.dport);
	fprintf(o->out, "},\"network\":{\"type\":\"%s\",\"transport\":\"%s\",\"iana_number\":\"%u\"",
		af == AF_INET6 ? "ipv6" : "ipv4", proto_name(r->t.proto, pn, sizeof pn), r->t.proto);
	if (cid[0])
		fprintf(o->out, ",\"community_id\":\"%s\"", cid);
	if (r->t.vlan)
		fprintf(o->out, ",\"vlan\":{\"id\":\"%u\"}", r->t.vlan - 1u);
	fprintf(o->out, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "},\"pcaprec\":{\"files\":[", r->packets, r->bytes);
	for (uint32_t k = 0; k < r->nfiles; k++) {
		if (k)
			fputc(',', o->out);
		json_fputs(o->out, o->sel->paths[r->files[k]]);
	}
	fputs("]}}\n", o->out);
}

int flows_run(const struct flows_opts *o)
{
	struct filter_opts fo = { 0 };
	struct filter_cache *fc;
	struct ftab t = { 0 };
	struct expr_shape sh = expr_shape(o->sel->expr);
	struct frow **order;
	size_t scanned = 0, k = 0;
	char err[1024];
	int rc = EXIT_OK;

	fo.expr = o->sel->expr;
	fc = filter_cache_open(&fo, 262144, err, sizeof err);
	if (!fc) {
		fprintf(o->diag, "pcaprec flows: %s\n", err);
		return EXIT_USAGE;
	}
	for (uint32_t i = 0; i < o->sel->npaths && rc != EXIT_USAGE; i++) {
		int fr;

		if (o->use_index && strcmp(o->sel->paths[i], "-") != 0 && from_index(o, &sh, &t, fc, i))
			continue;
		scanned++;
		fr = from_packets(o, &t, fc, i);
		if (fr != EXIT_OK && (rc == EXIT_OK || fr == EXIT_USAGE))
			rc = fr;
	}
	if (scanned && o->use_index)
		fprintf(o->diag, "pcaprec flows: %zu of %zu files read packet by packet (no usable index)\n",
			scanned, o->sel->npaths);
	if (t.left_out)
		fprintf(o->diag, "pcaprec flows: more than %u flows: %" PRIu64 " packets of further flows left out\n",
			FLOWS_MAX, t.left_out);
	order = calloc(t.n ? t.n : 1, sizeof *order);
	if (!order) {
		fprintf(o->diag, "pcaprec flows: out of memory\n");
		rc = EXIT_ERROR;
	}
	for (size_t i = 0; order && i < t.cap; i++)
		if (t.rows[i].used)
			order[k++] = &t.rows[i];
	if (order) {
		qsort(order, k, sizeof *order, cmp_row);
		for (size_t i = 0; i < k; i++)
			print_row(o, order[i]);
	}
	free(order);
	for (size_t i = 0; i < t.cap; i++)
		free(t.rows[i].files);
	free(t.rows);
	filter_cache_close(fc);
	if (rc != EXIT_USAGE && (fflush(o->out) != 0 || ferror(o->out))) {
		fprintf(o->diag, "pcaprec flows: writing output failed\n");
		rc = EXIT_ERROR;
	}
	return rc;
}
