/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the planner: the filter outline, and on real captures indexed one packet per chunk, that a chunk the predicate rules out never holds a packet the compiled filter accepts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pcaprec/filter.h"
#include "pcaprec/index.h"
#include "pcaprec/plan.h"
#include "pcaprec/reader.h"

struct ol_case {
	const char *expr;
	const char *shape; /* the outline in prefix form */
};

static void shape(const struct filter_outline *o, int i, char *buf, size_t len)
{
	const struct filter_ol_node *n = &o->nodes[i];
	static const char *const names[] = { "ALL", "AND", "OR", "NOT", "H4", "H6", "PORT", "PROTO", "ETYPE", "VLAN" };
	char l[256] = "", r[256] = "";

	if (n->kind == FOL_AND || n->kind == FOL_OR || n->kind == FOL_NOT) {
		shape(o, n->l, l, sizeof l);
		if (n->kind != FOL_NOT)
			shape(o, n->r, r, sizeof r);
		snprintf(buf, len, n->kind == FOL_NOT ? "%s(%s)" : "%s(%s,%s)", names[n->kind], l, r);
	} else if (n->kind == FOL_HOST4) {
		snprintf(buf, len, "H4(%u.%u.%u.%u/%u)", n->addr[0], n->addr[1], n->addr[2], n->addr[3], n->prefix);
	} else if (n->kind == FOL_HOST6) {
		snprintf(buf, len, "H6(%02x%02x/%u)", n->addr[0], n->addr[1], n->prefix);
	} else if (n->kind == FOL_ALL) {
		snprintf(buf, len, "ALL");
	} else {
		snprintf(buf, len, "%s(%u-%u)", names[n->kind], n->lo, n->hi);
	}
}

static void test_outline_rows(void **state)
{
	static const struct ol_case rows[] = {
		{ "", "ALL" },
		{ "host 192.0.2.1", "H4(192.0.2.1/32)" },
		{ "src net 10.1.0.0/16", "H4(10.1.0.0/16)" },
		{ "net 10", "H4(10.0.0.0/8)" },
		{ "net 10.0.0.0 mask 255.0.255.0", "ALL" },
		{ "host 2001:db8::1", "H6(2001/128)" },
		{ "net 2001:db8::/32", "H6(2001/32)" },
		{ "port 53", "PORT(53-53)" },
		{ "tcp port 80", "PORT(80-80)" },
		{ "portrange 10-20", "PORT(10-20)" },
		{ "tcp", "PROTO(6-6)" },
		{ "icmp6", "PROTO(58-58)" },
		{ "ip", "ETYPE(2048-2048)" },
		{ "arp", "ETYPE(2054-2054)" },
		{ "ether proto 0x88cc", "ETYPE(35020-35020)" },
		{ "ip proto 17", "AND(ETYPE(2048-2048),PROTO(17-17))" },
		{ "proto 47", "PROTO(47-47)" },
		{ "vlan 100", "VLAN(100-100)" },
		{ "vlan", "ALL" },
		{ "not tcp", "NOT(PROTO(6-6))" },
		{ "tcp and host 192.0.2.1", "AND(PROTO(6-6),H4(192.0.2.1/32))" },
		{ "tcp or udp", "OR(PROTO(6-6),PROTO(17-17))" },
		{ "tcp or len > 100", "ALL" },
		{ "tcp and len > 100", "PROTO(6-6)" },
		{ "ether host 02:00:00:00:00:01 and port 53", "PORT(53-53)" },
		{ "host 192.0.2.1 or 192.0.2.2", "OR(H4(192.0.2.1/32),H4(192.0.2.2/32))" },
		{ "(udp and (port 53 or port 5353)) or icmp", "OR(AND(PROTO(17-17),OR(PORT(53-53),PORT(5353-5353))),PROTO(1-1))" },
		{ "not not port 1", "NOT(NOT(PORT(1-1)))" },
		{ "greater 1000", "ALL" },
	};
	char got[1024], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct filter_outline o;

		if (filter_outline(rows[i].expr, 1, &o, err, sizeof err) != 0)
			fail_msg("'%s': %s", rows[i].expr, err);
		shape(&o, o.root, got, sizeof got);
		if (strcmp(got, rows[i].shape) != 0)
			fail_msg("'%s': outline %s, want %s", rows[i].expr, got, rows[i].shape);
		filter_outline_free(&o);
	}
	assert_int_equal(filter_outline("tcp and (", 1, &(struct filter_outline){ 0 }, err, sizeof err), -1);
}

/* Expressions whose answers must survive pruning, over every packet of the test captures. */
static const char *const exprs[] = {
	"host 192.0.2.1", "host 192.0.2.2", "net 192.0.2.0/24", "net 198.18.0.0/15", "src net 10.0.0.0/8",
	"host 2001:db8::1", "net 2001:db8::/32", "net 2001:db8:1::/48", "port 53", "udp port 53",
	"tcp port 80", "portrange 1-1024", "portrange 20-30", "tcp", "udp", "icmp", "icmp6", "arp", "ip", "ip6",
	"vlan", "vlan 100", "vlan 101 and udp", "ip proto 17", "ip6 proto 6", "ip6 proto 0", "proto 58",
	"not tcp", "tcp or udp", "not (udp port 53)", "host 192.0.2.1 and port 80", "tcp[13] & 2 != 0",
	"ether proto 0x0806", "ether proto 0x8100", "ip and not port 22", "host 198.18.0.112 or port 443",
	"greater 100 and udp", "rarp", "sctp", "igmp", "ip6 and tcp port 443",
};

/* Every packet of CAPTURE in its own chunk: each expression's matches are in chunks the predicate keeps. */
static void sound_on(const char *capture, size_t *pruned)
{
	struct pidx_build_opts bo = { 1, 0 };
	struct pidx *ix = NULL;
	struct reader *r;
	struct frame f;
	char err[1024], side[4200];
	bool damaged;

	assert_int_equal(pidx_build_file(capture, &bo, &damaged, err, sizeof err), 0);
	assert_int_equal(pidx_load(capture, &ix, err, sizeof err), PIDX_OK);
	for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
		struct idx_pred *p = plan_pred(exprs[e]);
		struct filter_cache *fc;
		struct filter_opts fo = { 0 };
		size_t k = 0;

		assert_non_null(p);
		fo.expr = exprs[e];
		fc = filter_cache_open(&fo, 262144, err, sizeof err);
		assert_non_null(fc);
		r = reader_open(capture, err, sizeof err);
		assert_non_null(r);
		while (reader_next(r, &f) == 1) {
			const struct pidx_chunk *c = pidx_chunk(ix, k);
			bool match = filter_cache_match(fc, f.linktype, f.data, f.caplen, f.origlen) == 1;
			bool maybe = pidx_chunk_may_match(ix, k, p);

			assert_non_null(c);
			assert_int_equal(c->packets, 1);
			if (match && !maybe)
				fail_msg("%s: packet %zu matches '%s' but its chunk was ruled out", capture, k + 1, exprs[e]);
			if (!maybe)
				(*pruned)++;
			k++;
		}
		assert_int_equal(k, pidx_nchunks(ix));
		reader_close(r);
		filter_cache_close(fc);
		idx_pred_free(p);
	}
	pidx_free(ix);
	assert_int_equal(pidx_path(capture, side, sizeof side), 0);
	unlink(side);
}

static void test_sound(void **state)
{
	static const char *const files[] = { "corpus.pcap", "corpus.pcapng", "flows.pcap", "raw.pcap", "sll2.pcap", "null.pcap" };
	const char *td = getenv("TESTDATA");
	char src[4096], dst[256], cmd[8400];
	size_t pruned = 0;

	(void)state;
	if (!td)
		td = "testdata";
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		/* indexed in a temporary copy: the sidecar must not land in testdata */
		snprintf(src, sizeof src, "%s/%s", td, files[i]);
		snprintf(dst, sizeof dst, "/tmp/test_plan.%d.%s", (int)getpid(), files[i]);
		snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
		assert_int_equal(system(cmd), 0);
		sound_on(dst, &pruned);
		unlink(dst);
	}
	/* and the index is of use: most (packet, selective expression) pairs are ruled out */
	assert_true(pruned > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outline_rows),
		cmocka_unit_test(test_sound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
