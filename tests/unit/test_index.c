/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the sidecar index: build/load round trip, no Bloom false negatives, chunk readers against libpcap, stale and damaged sidecars. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "pcaprec/decode.h"
#include "pcaprec/index.h"
#include "pcaprec/reader.h"
#include "pcaprec/util.h"
#include "pcaprec/writer.h"
#include "../../src/archive/index_impl.h"

#define TESTDATA "testdata"

static char tmpdir[] = "/tmp/test_index.XXXXXX";

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char b[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(b, 1, sizeof b, in)) > 0)
		assert_int_equal(fwrite(b, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* ---- a generated mix: Ethernet with VLAN, IPv4/IPv6, TCP/UDP/SCTP, fragments, ARP, IPv6 extension headers ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* One frame of kind k into p; returns its length. */
static size_t gen_frame(uint8_t *p, unsigned k)
{
	size_t off = 12;
	uint32_t flow = rnd() % 40;
	uint8_t proto = (uint8_t)(k % 3 == 0 ? 6 : k % 3 == 1 ? 17 : 132);

	memset(p, 0, 200);
	p[0] = 2;
	p[6] = 2;
	if (k & 4) {
		st_be16(p + off, 0x8100);
		st_be16(p + off + 2, (uint16_t)(10 + flow % 5));
		off += 4;
	}
	if ((k & 24) == 0) { /* IPv4 */
		st_be16(p + off, 0x0800);
		off += 2;
		p[off] = 0x45;
		st_be16(p + off + 2, 60);
		p[off + 8] = 64;
		p[off + 9] = proto;
		p[off + 12] = 192; p[off + 13] = 0; p[off + 14] = 2; p[off + 15] = (uint8_t)(flow + 1);
		p[off + 16] = 10; p[off + 17] = (uint8_t)(flow * 7); p[off + 18] = (uint8_t)flow; p[off + 19] = 9;
		if (k % 7 == 3)
			st_be16(p + off + 6, 0x2001); /* a later fragment: no ports */
		st_be16(p + off + 20, (uint16_t)(1000 + flow));
		st_be16(p + off + 22, (uint16_t)(k % 5 == 0 ? 53 : 80 + flow % 3));
		if (proto == 6)
			p[off + 32] = 0x50;
		return off + 60;
	}
	if ((k & 24) == 8) { /* IPv6, sometimes with a hop-by-hop header */
		bool ext = k % 5 == 1;
		size_t l4;

		st_be16(p + off, 0x86dd);
		off += 2;
		p[off] = 0x60;
		st_be16(p + off + 4, 40);
		p[off + 6] = ext ? 0 : proto;
		p[off + 7] = 64;
		p[off + 8] = 0x20; p[off + 9] = 0x01; p[off + 10] = 0x0d; p[off + 11] = 0xb8;
		p[off + 23] = (uint8_t)(flow + 1);
		p[off + 24] = 0x20; p[off + 25] = 0x01; p[off + 26] = 0x0d; p[off + 27] = 0xb8;
		p[off + 30] = (uint8_t)flow;
		p[off + 39] = 2;
		l4 = off + 40;
		if (ext) {
			p[l4] = proto;
			p[l4 + 1] = 0;
			l4 += 8;
		}
		st_be16(p + l4, (uint16_t)(2000 + flow));
		st_be16(p + l4 + 2, 443);
		if (proto == 6)
			p[l4 + 12] = 0x50;
		return l4 + 32;
	}
	if ((k & 24) == 16) { /* ARP */
		st_be16(p + off, 0x0806);
		off += 2;
		st_be16(p + off, 1);
		st_be16(p + off + 2, 0x0800);
		p[off + 4] = 6;
		p[off + 5] = 4;
		st_be16(p + off + 6, 1);
		p[off + 14] = 192; p[off + 15] = 0; p[off + 16] = 2; p[off + 17] = (uint8_t)(100 + flow);
		p[off + 24] = 192; p[off + 25] = 0; p[off + 26] = 2; p[off + 27] = 1;
		return off + 28;
	}
	st_be16(p + off, 0x88cc); /* LLDP-ish: only an ethertype */
	return off + 2 + 20;
}

/* Write n generated frames to path with the project's writer (gzip members of ~buffer bytes when gz). */
static void gen_file(const char *path, enum out_format fmt, size_t n, bool gz, size_t nifaces)
{
	struct writer_iface ifs[3] = {
		{ .name = "a", .linktype = LINKTYPE_ETHERNET, .snaplen = 256 },
		{ .name = "b", .linktype = LINKTYPE_ETHERNET, .snaplen = 256 },
		{ .name = "c", .linktype = LINKTYPE_ETHERNET, .snaplen = 256 },
	};
	struct writer_opts o = { .format = fmt, .gzip_level = gz ? 1 : -1, .buffer_size = 8192,
				 .ifaces = ifs, .nifaces = nifaces, .gzip_threads = 1 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), e;
	char err[256];
	struct writer *w;
	uint8_t pkt[256];

	assert_true(fd >= 0);
	w = writer_open(fd, path, &o, err, sizeof err);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++) {
		struct frame f = { .ts_ns = 1700000000000000000ull + i * 1000003ull, .linktype = LINKTYPE_ETHERNET,
				   .iface = (uint32_t)(i % nifaces), .data = pkt };

		f.caplen = f.origlen = (uint32_t)gen_frame(pkt, rnd());
		if (i % 11 == 5)
			f.caplen = 30;  /* cut inside the IP header */
		assert_int_equal(writer_write(w, &f, &e, err, sizeof err), 0);
	}
	assert_int_equal(writer_close(w, &e, err, sizeof err), 0);
	close(fd);
}

/* ---- oracles ---- */

struct lp_frame {
	uint64_t ts_ns;
	uint32_t caplen, len;
	uint32_t crc;
};

/* Every frame libpcap reads from `path` (plain files only), nanosecond timestamps. */
static struct lp_frame *libpcap_frames(const char *path, size_t *n)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	struct lp_frame *v = NULL;
	size_t cap = 0;

	assert_non_null(p);
	*n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof *v);
			assert_non_null(v);
		}
		v[*n].ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		v[*n].caplen = h->caplen;
		v[*n].len = h->len;
		v[(*n)++].crc = (uint32_t)crc32(0, d, h->caplen);
	}
	pcap_close(p);
	return v;
}

/* The keys a packet carries, per the full decoder: each must be "maybe" in its chunk. */
static void assert_key(const struct pidx *ix, size_t ci, enum idx_key_kind kind, const uint8_t *v, size_t len,
		       unsigned prefix)
{
	struct idx_pred *p = idx_pred_key(kind, v, len, prefix);

	assert_non_null(p);
	if (!pidx_chunk_may_match(ix, ci, p))
		fail_msg("chunk %zu: key kind %d (%zu bytes, /%u) of a packet in it is not found", ci, kind, len, prefix);
	idx_pred_free(p);
}

static void assert_keys(const struct pidx *ix, size_t ci, const struct frame *f)
{
	struct dec_packet d;
	uint8_t b[2];

	dec_packet(f->linktype, f->data, f->caplen, f->origlen, DEC_DEPTH_TRANSPORT, &d);
	if (d.link.status != DEC_OK)
		return;
	st_be16(b, d.l2.ethertype);
	assert_key(ix, ci, IDX_ETYPE, b, 2, 0);
	for (unsigned i = 0; i < d.l2.nvlan; i++) {
		st_be16(b, d.l2.vlan[i].vid);
		assert_key(ix, ci, IDX_VLAN, b, 2, 0);
	}
	if (d.net.status == DEC_OK && (d.net.proto == DEC_P_IPV4 || d.net.proto == DEC_P_IPV6)) {
		bool v6 = d.net.proto == DEC_P_IPV6;
		size_t n = v6 ? 16 : 4;

		assert_key(ix, ci, v6 ? IDX_IP6 : IDX_IP4, d.ip.src, n, 0);
		assert_key(ix, ci, v6 ? IDX_IP6 : IDX_IP4, d.ip.dst, n, 0);
		for (unsigned pfx = 8; pfx <= (v6 ? 128u : 32u); pfx += 4) {
			assert_key(ix, ci, v6 ? IDX_NET6 : IDX_NET4, d.ip.src, n, pfx);
			assert_key(ix, ci, v6 ? IDX_NET6 : IDX_NET4, d.ip.dst, n, pfx);
		}
		assert_key(ix, ci, IDX_PROTO, &d.ip.proto, 1, 0);
	}
	if (d.net.status == DEC_OK && d.net.proto == DEC_P_ARP && d.arp.eth_ipv4) {
		assert_key(ix, ci, IDX_IP4, d.arp.spa, 4, 0);
		assert_key(ix, ci, IDX_IP4, d.arp.tpa, 4, 0);
	}
	if (d.tp.status == DEC_OK && (d.tp.proto == DEC_P_TCP || d.tp.proto == DEC_P_UDP)) {
		uint16_t sp = d.tp.proto == DEC_P_TCP ? d.tcp.sport : d.udp.sport;
		uint16_t dp = d.tp.proto == DEC_P_TCP ? d.tcp.dport : d.udp.dport;

		st_be16(b, sp);
		assert_key(ix, ci, IDX_PORT, b, 2, 0);
		st_be16(b, dp);
		assert_key(ix, ci, IDX_PORT, b, 2, 0);
	}
	if (d.net.status == DEC_OK && d.ip.proto == 132 && d.ip.frag_off == 0 &&
	    d.net.off + d.net.hdr_len + 4u <= f->caplen) {
		assert_key(ix, ci, IDX_PORT, f->data + d.net.off + d.net.hdr_len, 2, 0);
		assert_key(ix, ci, IDX_PORT, f->data + d.net.off + d.net.hdr_len + 2, 2, 0);
	}
}

static struct pidx *build_and_load(const char *path, uint64_t chunk_bytes)
{
	struct pidx_build_opts o = { .chunk_bytes = chunk_bytes };
	char err[512];
	bool damaged = true;
	struct pidx *ix = NULL;

	if (pidx_build_file(path, &o, &damaged, err, sizeof err) != 0)
		fail_msg("%s: %s", path, err);
	assert_false(damaged);
	if (pidx_load(path, &ix, err, sizeof err) != PIDX_OK || pidx_flows_load(ix, err, sizeof err) != PIDX_OK)
		fail_msg("%s: %s", path, err);
	return ix;
}

/* Where the flow section lies in sidecar d (its table entry). */
static void flow_section(const uint8_t *d, uint64_t *off, uint64_t *len)
{
	for (uint32_t k = 0; k < ld_le32(d + 64); k++) {
		const uint8_t *t = d + 72 + 24 * k;

		if (ld_le32(t) == 4) {   /* PIDX_SEC_FLOWS */
			*off = ld_le64(t + 8);
			*len = ld_le64(t + 16);
		}
	}
}

/* Version 2's trailer made right after an edit outside the flow section. */
static void reseal(uint8_t *d, size_t len)
{
	uint64_t off = 0, flen = 0;

	flow_section(d, &off, &flen);
	st_le32(d + len - 4, pidx_trailer_crc(d, len, off, flen));
}

/* pidx_parse, then the flow table: PIDX_BAD when either is refused (with *ix NULL). */
static enum pidx_status parse_all(const uint8_t *d, size_t len, struct pidx **ix, char *why, size_t whylen)
{
	enum pidx_status st = pidx_parse(d, len, "x", ix, why, whylen);

	if (st == PIDX_OK && pidx_flows_load(*ix, why, whylen) != PIDX_OK) {
		pidx_free(*ix);
		*ix = NULL;
		st = PIDX_BAD;
	}
	return st;
}

/*
 * Read `path` from every chunk to its end: the frames equal the reference
 * frames from the chunk's first packet on (libpcap's for plain files, a
 * plain twin's for gzip), the chunk's own records carry every key, and the
 * chunk's counts and time range are its records'.
 */
static void check_chunks(const char *path, const struct pidx *ix, const struct lp_frame *ref, size_t nref)
{
	size_t start = 0;

	for (size_t ci = 0; ci < pidx_nchunks(ix); ci++) {
		const struct pidx_chunk *c = pidx_chunk(ix, ci);
		char err[512];
		struct reader *r = reader_open_chunk(path, ix, ci, err, sizeof err);
		struct frame f;
		size_t k = start, inchunk = 0;
		uint64_t bytes = 0;
		int64_t lo = INT64_MAX, hi = INT64_MIN;
		int rc;

		if (!r)
			fail_msg("%s: chunk %zu: %s", path, ci, err);
		while ((rc = reader_next(r, &f)) == 1) {
			assert_true(k < nref);
			assert_int_equal(f.ts_ns, ref[k].ts_ns);
			assert_int_equal(f.caplen, ref[k].caplen);
			assert_int_equal(f.origlen, ref[k].len);
			assert_int_equal((uint32_t)crc32(0, f.data, f.caplen), ref[k].crc);
			if (reader_offset(r) < c->raw_off + c->raw_len) {
				assert_true(reader_offset(r) >= c->raw_off);
				assert_keys(ix, ci, &f);
				inchunk++;
				bytes += f.origlen;
				lo = (int64_t)f.ts_ns < lo ? (int64_t)f.ts_ns : lo;
				hi = (int64_t)f.ts_ns > hi ? (int64_t)f.ts_ns : hi;
			}
			k++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(k, nref);
		assert_int_equal(inchunk, c->packets);
		assert_int_equal(bytes, c->bytes);
		if (inchunk) {
			assert_int_equal(lo, c->first_ns);
			assert_int_equal(hi, c->last_ns);
		}
		reader_close(r);
		start += c->packets;
	}
	assert_int_equal(start, nref);
}

/* Random keys not in a file are mostly ruled out: the filters prune. */
static void check_prunes(const struct pidx *ix)
{
	size_t maybe = 0, asked = 0;

	for (uint32_t i = 0; i < 400; i++) {
		uint8_t a[4] = { 203, 0, 113, (uint8_t)i };
		struct idx_pred *p = idx_pred_key(IDX_IP4, a, 4, 0);

		for (size_t ci = 0; ci < pidx_nchunks(ix); ci++, asked++)
			maybe += pidx_chunk_may_match(ix, ci, p);
		idx_pred_free(p);
	}
	assert_true(maybe * 20 < asked);  /* below 5 % (10 bits per key: about 1 %) */
}

static void test_testdata_roundtrip(void **state)
{
	static const char *const files[] = { "corpus.pcap", "corpus-ns.pcap", "corpus.pcapng", "flows.pcap",
					     "null.pcap", "raw.pcap", "sll2.pcap" };

	(void)state;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char src[512], dst[512];
		size_t n;
		struct lp_frame *ref;
		struct pidx *ix;
		struct pidx_info info;
		uint64_t fpk = 0;

		snprintf(src, sizeof src, "%s/%s", TESTDATA, files[i]);
		path_in(dst, sizeof dst, files[i]);
		copy_file(src, dst);
		ref = libpcap_frames(dst, &n);
		ix = build_and_load(dst, 2048);  /* small chunks: many chunk starts */
		pidx_get_info(ix, &info);
		assert_int_equal(info.packets, n);
		assert_false(info.damaged);
		struct stat st;
		assert_int_equal(stat(dst, &st), 0);
		assert_int_equal(info.cap_size, (uint64_t)st.st_size);
		assert_int_equal(pidx_tail_raw(ix), (uint64_t)st.st_size);
		if (n > 100)
			assert_true(pidx_nchunks(ix) > 3);
		check_chunks(dst, ix, ref, n);
		for (size_t k = 0; k < pidx_nflows(ix); k++)
			fpk += pidx_flow(ix, k)->packets;
		assert_true(fpk <= n);
		assert_true(pidx_flows_complete(ix));
		assert_true(pidx_nifaces(ix) >= 1);
		pidx_free(ix);
		free(ref);
	}
}

static void test_generated_pcap_and_pcapng(void **state)
{
	static const enum out_format fmts[] = { OUT_PCAP_US, OUT_PCAP_NS, OUT_PCAPNG };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char path[512];
		size_t n;
		struct lp_frame *ref;
		struct pidx *ix;

		path_in(path, sizeof path, i == 2 ? "gen.pcapng" : "gen.pcap");
		gen_file(path, fmts[i], 3000, false, 1);
		ref = libpcap_frames(path, &n);
		assert_int_equal(n, 3000);
		ix = build_and_load(path, 16384);
		assert_true(pidx_nchunks(ix) >= 8);
		check_chunks(path, ix, ref, n);
		check_prunes(ix);
		pidx_free(ix);
		free(ref);
	}
}

/* A flow table capped at 5 rows: marked incomplete, and keys of packets beyond it are still all there. */
static void test_flow_cap(void **state)
{
	struct pidx_build_opts o = { .chunk_bytes = 16384, .max_flows = 5 };
	char path[512], err[512];
	bool damaged;
	size_t n;
	struct lp_frame *ref;
	struct pidx *ix;
	uint64_t fpk = 0;

	(void)state;
	path_in(path, sizeof path, "cap5.pcapng");
	gen_file(path, OUT_PCAPNG, 3000, false, 1);
	ref = libpcap_frames(path, &n);
	assert_int_equal(pidx_build_file(path, &o, &damaged, err, sizeof err), 0);
	assert_int_equal(pidx_load(path, &ix, err, sizeof err), PIDX_OK);
	assert_int_equal(pidx_flows_load(ix, err, sizeof err), PIDX_OK);
	/* a table that left packets out is kept without its rows (nothing uses part of one) */
	assert_int_equal(pidx_nflows(ix), 0);
	assert_false(pidx_flows_complete(ix));
	check_chunks(path, ix, ref, n);
	pidx_free(ix);
	/* with room for every flow the table is complete and counts every IP packet */
	o.max_flows = 0;   /* the default, 65536 */
	assert_int_equal(pidx_build_file(path, &o, &damaged, err, sizeof err), 0);
	assert_int_equal(pidx_load(path, &ix, err, sizeof err), PIDX_OK);
	assert_int_equal(pidx_flows_load(ix, err, sizeof err), PIDX_OK);
	assert_true(pidx_flows_complete(ix));
	assert_true(pidx_nflows(ix) > 5);
	for (size_t k = 0; k < pidx_nflows(ix); k++)
		fpk += pidx_flow(ix, k)->packets;
	assert_true(fpk > 0 && fpk <= n);
	pidx_free(ix);
	free(ref);
}

/* Two pcapng sections (two interfaces, then three) back to back: chunks in the second restore both. */
static void test_pcapng_sections(void **state)
{
	char a[512], b[512], cat[512], cmd[2048];
	size_t n;
	struct lp_frame *ref;
	struct pidx *ix;
	struct reader *r;
	char err[512];
	struct frame f;
	uint32_t seq_iface[6000];
	struct stat sa;
	size_t k = 0;

	(void)state;
	path_in(a, sizeof a, "s1.pcapng");
	path_in(b, sizeof b, "s2.pcapng");
	path_in(cat, sizeof cat, "sections.pcapng");
	gen_file(a, OUT_PCAPNG, 2000, false, 2);
	gen_file(b, OUT_PCAPNG, 2000, false, 3);
	snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s'", a, b, cat);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(a, &sa), 0);
	ref = libpcap_frames(cat, &n);
	assert_int_equal(n, 4000);
	r = reader_open(cat, err, sizeof err);
	assert_non_null(r);
	while (reader_next(r, &f) == 1)
		seq_iface[k++] = f.iface;
	reader_close(r);
	ix = build_and_load(cat, 16384);
	check_chunks(cat, ix, ref, n);
	/* interface numbers as a read from the start gives them */
	k = 0;
	for (size_t ci = 0; ci < pidx_nchunks(ix); ci++) {
		const struct pidx_chunk *c = pidx_chunk(ix, ci);

		r = reader_open_chunk(cat, ix, ci, err, sizeof err);
		assert_non_null(r);
		for (uint64_t j = 0; j < c->packets; j++) {
			assert_int_equal(reader_next(r, &f), 1);
			assert_int_equal(f.iface, seq_iface[k]);
			k++;
			/* a chunk starting in the second file has both sections' state behind it */
			if (j == 0)
				assert_int_equal(reader_section_count(r), c->raw_off >= (uint64_t)sa.st_size ? 2u : 1u);
		}
		reader_close(r);
	}
	assert_int_equal(pidx_nifaces(ix), 5);
	pidx_free(ix);
	free(ref);
}

/* gzip members from the writer are chunk starts; a chunk reader inflates from its member only. */
static void test_gzip_members(void **state)
{
	char plain[512], gz[512];
	size_t n;
	struct lp_frame *ref;
	struct pidx *ix;
	struct pidx_info info;

	(void)state;
	path_in(plain, sizeof plain, "m.pcapng");
	path_in(gz, sizeof gz, "m.pcapng.gz");
	rng = 4242;
	gen_file(plain, OUT_PCAPNG, 4000, false, 2);
	rng = 4242;
	gen_file(gz, OUT_PCAPNG, 4000, true, 2);
	ref = libpcap_frames(plain, &n);
	ix = build_and_load(gz, 16384);
	pidx_get_info(ix, &info);
	assert_true(info.compressed);
	assert_true(pidx_nchunks(ix) >= 8);
	for (size_t ci = 1; ci < pidx_nchunks(ix); ci++) {
		const struct pidx_chunk *c = pidx_chunk(ix, ci);

		assert_true(c->file_off > 0 && c->file_off < info.cap_size);
		assert_true(c->seek_raw <= c->raw_off);
	}
	check_chunks(gz, ix, ref, n);
	pidx_free(ix);
	free(ref);
}

/* A gzip file from the gzip tool is one member: one chunk, still read correctly. */
static void test_gzip_tool(void **state)
{
	char plain[512], gz[512], cmd[1200];
	size_t n;
	struct lp_frame *ref;
	struct pidx *ix;

	(void)state;
	path_in(plain, sizeof plain, "t.pcap");
	path_in(gz, sizeof gz, "t.pcap.gz");
	gen_file(plain, OUT_PCAP_NS, 3000, false, 1);
	snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", plain, gz);
	assert_int_equal(system(cmd), 0);
	ref = libpcap_frames(plain, &n);
	ix = build_and_load(gz, 16384);
	assert_int_equal(pidx_nchunks(ix), 1);
	check_chunks(gz, ix, ref, n);
	pidx_free(ix);
	free(ref);
}

/* ---- stale and damaged ---- */

static void load_expect(const char *cap, enum pidx_status want, const char *why_part)
{
	struct pidx *ix = (struct pidx *)1;
	char why[600] = "";
	enum pidx_status st = pidx_load(cap, &ix, why, sizeof why);

	if (st != want)
		fail_msg("%s: status %d, expected %d (%s)", cap, st, want, why);
	assert_null(ix);
	if (why_part && !strstr(why, why_part))
		fail_msg("%s: '%s' lacks '%s'", cap, why, why_part);
}

static void fresh(char *cap, size_t len)
{
	struct pidx *ix;

	path_in(cap, len, "st.pcap");
	gen_file(cap, OUT_PCAP_US, 3000, false, 1);
	ix = build_and_load(cap, 16384);
	pidx_free(ix);
}

/* Change the byte at `off` (negative: from the end) and put the mtime back as it was. */
static void flip_keep_mtime(const char *cap, long off)
{
	struct stat st;
	struct timespec ts[2];
	uint8_t c;
	int fd;

	assert_int_equal(stat(cap, &st), 0);
	if (off < 0)
		off += st.st_size;
	fd = open(cap, O_RDWR);
	assert_true(fd >= 0);
	assert_true(pread(fd, &c, 1, off) == 1);
	c ^= 0x55;
	assert_true(pwrite(fd, &c, 1, off) == 1);
	close(fd);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, cap, ts, 0), 0);
}

static void test_stale(void **state)
{
	char cap[512];
	FILE *f;

	(void)state;
	load_expect("/nonexistent/x.pcap", PIDX_NONE, NULL);
	/* appended to */
	fresh(cap, sizeof cap);
	f = fopen(cap, "ab");
	assert_non_null(f);
	fputs("more", f);
	fclose(f);
	load_expect(cap, PIDX_STALE, "index stale");
	/* same size, one byte changed in the first or the last 64 KiB, mtime put back */
	fresh(cap, sizeof cap);
	flip_keep_mtime(cap, 100);
	load_expect(cap, PIDX_STALE, "first or last 64 KiB");
	fresh(cap, sizeof cap);
	flip_keep_mtime(cap, -3);
	load_expect(cap, PIDX_STALE, "first or last 64 KiB");
	/* only touched */
	fresh(cap, sizeof cap);
	assert_int_equal(utimensat(AT_FDCWD, cap, NULL, 0), 0);
	load_expect(cap, PIDX_STALE, "mtime");
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	d = malloc((size_t)n + 1);
	assert_non_null(d);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

static void spit(const char *path, const uint8_t *d, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_damaged(void **state)
{
	char cap[512], side[600];
	uint8_t *good, *d;
	size_t len;
	struct pidx *ix;
	char why[600];

	(void)state;
	fresh(cap, sizeof cap);
	pidx_path(cap, side, sizeof side);
	good = slurp(side, &len);
	d = malloc(len);
	assert_non_null(d);
	/* every single flipped byte is caught (checksum or field) */
	for (size_t i = 0; i < len; i += (i < 512 ? 1 : 97)) {
		memcpy(d, good, len);
		d[i] ^= 0x10;
		assert_int_equal(parse_all(d, len, &ix, why, sizeof why), PIDX_BAD);
		assert_null(ix);
	}
	/* every truncation */
	for (size_t cut = 0; cut < len; cut += (cut < 512 ? 1 : 101))
		assert_int_equal(pidx_parse(good, cut, "x", &ix, why, sizeof why), PIDX_BAD);
	/* a later version, checksum fixed up: refused by version */
	memcpy(d, good, len);
	st_le32(d + 8, 3);
	reseal(d, len);
	assert_int_equal(pidx_parse(d, len, "x", &ix, why, sizeof why), PIDX_BAD);
	assert_non_null(strstr(why, "version 3"));
	/* version 1 (one checksum over everything, flow table inflated on load) is refused too */
	memcpy(d, good, len);
	st_le32(d + 8, 1);
	st_le32(d + len - 4, (uint32_t)crc32(0, d, (uInt)(len - 4)));
	assert_int_equal(pidx_parse(d, len, "x", &ix, why, sizeof why), PIDX_BAD);
	assert_non_null(strstr(why, "version 1"));
	/* the same over a sidecar whose flow table is deflated (flows.pcap: 14 KB of flows) */
	{
		char fc[512], fside[600];
		uint8_t *g;
		size_t glen;
		struct pidx *fx;

		path_in(fc, sizeof fc, "flowsd.pcap");
		copy_file(TESTDATA "/flows.pcap", fc);
		fx = build_and_load(fc, 0);
		assert_true(pidx_nflows(fx) > 100);
		pidx_free(fx);
		pidx_path(fc, fside, sizeof fside);
		g = slurp(fside, &glen);
		assert_true(ld_le32(g + 48) & 8u);   /* PIDX_F_FLOWS_DEFLATED */
		for (size_t i = 0; i < glen; i += 13) {
			uint8_t *h = malloc(glen);

			assert_non_null(h);
			memcpy(h, g, glen);
			h[i] ^= 0x04;
			assert_int_equal(parse_all(h, glen, &ix, why, sizeof why), PIDX_BAD);
			free(h);
		}
		/* a byte of the flow section flipped: the chunks, Blooms and interfaces still load
		 * (their checksum skips the flow section), the flow table is refused, and stays so */
		{
			uint64_t foff = 0, flen = 0;
			uint8_t *h = malloc(glen);

			assert_non_null(h);
			flow_section(g, &foff, &flen);
			assert_true(flen > 1000);
			for (uint64_t at = foff; at < foff + flen; at += flen / 7) {
				memcpy(h, g, glen);
				h[at] ^= 0x01;
				assert_int_equal(pidx_parse(h, glen, "x", &ix, why, sizeof why), PIDX_OK);
				assert_true(pidx_nchunks(ix) > 0);
				assert_true(pidx_nifaces(ix) > 0);
				assert_int_equal(pidx_flows_load(ix, why, sizeof why), PIDX_BAD);
				assert_non_null(strstr(why, "flow table checksum"));
				assert_int_equal(pidx_nflows(ix), 0);
				assert_false(pidx_flows_complete(ix));
				assert_int_equal(pidx_flows_load(ix, why, sizeof why), PIDX_BAD);
				pidx_free(ix);
			}
			/* the flow CRC in the header is covered by the trailer */
			memcpy(h, g, glen);
			h[68] ^= 0x01;
			assert_int_equal(pidx_parse(h, glen, "x", &ix, why, sizeof why), PIDX_BAD);
			free(h);
		}
		/* a deflated table claiming more rows than the chunks have packets (a zlib bomb's
		 * shape: a few KB inflating to PIDX_MAX_FLOWS rows) is refused before it is inflated */
		for (uint32_t k = 0; k < ld_le32(g + 64); k++) {
			uint8_t *t = g + 72 + 24 * k;

			if (ld_le32(t) == 4)   /* PIDX_SEC_FLOWS */
				st_le32(t + 4, 2064);
		}
		reseal(g, glen);
		assert_int_equal(parse_all(g, glen, &ix, why, sizeof why), PIDX_BAD);
		assert_non_null(strstr(why, "2064 flows in 2063 packets"));
		free(g);
	}
	/* on disk: a flipped byte of the chunk table */
	memcpy(d, good, len);
	d[PIDX_HDR_LEN + 5 * PIDX_TOC_LEN + 9] ^= 1;
	spit(side, d, len);
	load_expect(cap, PIDX_BAD, "index damaged");
	/* on disk: a flipped byte of the flow table: the index loads, its flow table is refused */
	{
		uint64_t foff = 0, flen = 0;

		memcpy(d, good, len);
		flow_section(d, &foff, &flen);
		assert_true(flen > 0);
		d[foff + flen / 2] ^= 1;
		spit(side, d, len);
		assert_int_equal(pidx_load(cap, &ix, why, sizeof why), PIDX_OK);
		assert_int_equal(pidx_flows_load(ix, why, sizeof why), PIDX_BAD);
		assert_non_null(strstr(why, "index damaged: flow table checksum"));
		pidx_free(ix);
	}
	/* on disk: truncated */
	spit(side, good, len / 3);
	load_expect(cap, PIDX_BAD, "index damaged");
	/* the good one still loads */
	spit(side, good, len);
	assert_int_equal(pidx_load(cap, &ix, why, sizeof why), PIDX_OK);
	pidx_free(ix);
	free(d);
	free(good);
}

/* A damaged capture is indexed up to the damage; the tail offset says where scanning must go on. */
static void test_damaged_capture(void **state)
{
	char cap[512], err[512];
	struct pidx_build_opts o = { .chunk_bytes = 16384 };
	bool damaged = false;
	struct pidx *ix;
	struct stat st;
	struct pidx_info info;

	(void)state;
	path_in(cap, sizeof cap, "cut.pcap");
	gen_file(cap, OUT_PCAP_US, 3000, false, 1);
	assert_int_equal(stat(cap, &st), 0);
	assert_int_equal(truncate(cap, st.st_size - 7), 0);
	assert_int_equal(pidx_build_file(cap, &o, &damaged, err, sizeof err), 0);
	assert_true(damaged);
	assert_non_null(strstr(err, "byte"));
	assert_int_equal(pidx_load(cap, &ix, err, sizeof err), PIDX_OK);
	pidx_get_info(ix, &info);
	assert_true(info.damaged);
	assert_int_equal(info.packets, 2999);
	assert_true(pidx_tail_raw(ix) < (uint64_t)st.st_size - 7);
	pidx_free(ix);
}

static void test_pred_folding(void **state)
{
	uint8_t a[16] = { 10, 1, 2, 3 };
	struct idx_pred *p;

	(void)state;
	p = idx_pred_key(IDX_NET4, a, 4, 7);   /* shorter than /8: nothing indexed */
	assert_true(idx_pred_is_all(p));
	idx_pred_free(p);
	p = idx_pred_key(IDX_IP4, a, 3, 0);    /* wrong length */
	assert_true(idx_pred_is_all(p));
	idx_pred_free(p);
	p = idx_pred_or(idx_pred_key(IDX_IP4, a, 4, 0), idx_pred_all());
	assert_true(idx_pred_is_all(p));
	idx_pred_free(p);
	p = idx_pred_and(idx_pred_key(IDX_IP4, a, 4, 0), idx_pred_all());
	assert_false(idx_pred_is_all(p));
	idx_pred_free(p);
	assert_true(pidx_is_sidecar_name("a/b.pcap.pidx"));
	assert_true(pidx_is_sidecar_name("a/.b.pcap.pidx.tmp-abc123"));
	assert_false(pidx_is_sidecar_name("a/b.pcap"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testdata_roundtrip),
		cmocka_unit_test(test_generated_pcap_and_pcapng),
		cmocka_unit_test(test_pcapng_sections),
		cmocka_unit_test(test_flow_cap),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_gzip_tool),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_damaged_capture),
		cmocka_unit_test(test_pred_folding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
