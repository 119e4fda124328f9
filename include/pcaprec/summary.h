/* SPDX-License-Identifier: BSD-2-Clause */
/* Capture summaries: totals, protocol hierarchy, conversations, endpoints, ports, time series. */
#ifndef PCAPREC_SUMMARY_H
#define PCAPREC_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcaprec/decode.h"
#include "pcaprec/frame.h"

/*
 * Memory is bounded whatever the input: the flow table holds at most
 * `max_flows` conversations (all kinds together; packets of further flows
 * are counted into a per-kind "folded" bucket and reported), the time series
 * at most TSERIES_MAX_BUCKETS buckets (the interval widens when it would
 * need more), the protocol tree at most PHS_MAX_NODES nodes, and port
 * counters are two fixed arrays of 65536 entries.
 */
#define SUMMARY_DEFAULT_MAX_FLOWS 1000000u
#define SUMMARY_DEFAULT_TOP 10u
#define SUMMARY_MAX_IFACES 64u      /* interfaces counted separately; more share the last slot */

/* ---------------------------------------------------------------- flow table */

/* Conversation kinds, as tshark's -z conv,eth|ip|ipv6|tcp|udp. Zero marks an empty slot. */
enum flow_kind {
	FLOW_NONE = 0,
	FLOW_ETH,
	FLOW_IP4,
	FLOW_IP6,
	FLOW_TCP,
	FLOW_UDP,
	FLOW_KINDS
};

/*
 * A conversation key, normalized so that (a, port_a) <= (b, port_b)
 * (addresses compared bytewise, then ports). Unused address bytes are zero.
 * `family` is 4 or 6 for IP-based kinds, 0 for Ethernet. 40 bytes, compared
 * and hashed as a whole, so build keys with flow_key_make().
 */
struct flow_key {
	uint8_t a[16];
	uint8_t b[16];
	uint16_t port_a;
	uint16_t port_b;
	uint8_t kind;       /* enum flow_kind */
	uint8_t family;
	uint8_t addr_len;   /* 6, 4 or 16 */
	uint8_t pad;
};

/*
 * One conversation. Index 0 of pkts/bytes counts packets from key.a to
 * key.b, index 1 the other way. `a_first` is 1 when key.a sent the first
 * packet seen (reports show the first sender as tshark's "Address A").
 * `up_eth`/`up_ip` are references (flowtab_ref) to the Ethernet and IP
 * conversations a TCP/UDP or IP conversation was last seen in, 0 = none:
 * the summary's shortcut past two lookups per packet. The table itself
 * only zeroes them.
 */
struct flow {
	struct flow_key key;
	uint32_t up_eth;
	uint32_t up_ip;
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint64_t first_ns;
	uint64_t last_ns;
	uint8_t a_first;
	uint8_t pad[7];
};

/* Packets and bytes that belonged to flows the table had no room for. */
struct flow_fold {
	uint64_t pkts;
	uint64_t bytes;
};

struct flowtab;

/*
 * Fill `*k` for a packet of `kind` from `src`/`dst` (addr_len bytes each)
 * and ports (0 for kinds without ports), normalized; returns the direction:
 * 0 when src became key.a, 1 when src became key.b.
 */
int flow_key_make(struct flow_key *k, enum flow_kind kind, uint8_t family,
		  const uint8_t *src, const uint8_t *dst, size_t addr_len,
		  uint16_t sport, uint16_t dport);

/* The same, also giving flow_key_hash(k) in *hash (computed without reloading the key). */
int flow_key_make_hashed(struct flow_key *k, uint32_t *hash, enum flow_kind kind, uint8_t family,
			 const uint8_t *src, const uint8_t *dst, size_t addr_len,
			 uint16_t sport, uint16_t dport);

/* Hash of a normalized key (multiply-xor over its five 64-bit words, then avalanche). */
uint32_t flow_key_hash(const struct flow_key *k);

/*
 * An empty table that will hold at most `max_flows` (>= 1) entries. It
 * starts small and doubles up to its maximum, keeping load <= 3/4. NULL on
 * allocation failure.
 */
struct flowtab *flowtab_open(uint64_t max_flows);
void flowtab_close(struct flowtab *t);

/*
 * Count one packet of `bytes` at time `ts_ns` going in direction `dir` (as
 * returned by flow_key_make) of the flow `k`. Returns the entry, or NULL
 * when the flow is new and the table is full: then the packet is added to
 * the kind's fold counters instead.
 */
struct flow *flowtab_add(struct flowtab *t, const struct flow_key *k, int dir,
			 uint64_t bytes, uint64_t ts_ns);

/*
 * The same in three steps for software pipelining: flowtab_prefetch starts
 * loading the index slot of a key's hash; flowtab_prefetch_entry (later)
 * starts loading the entry that slot names; flowtab_add_hashed (later
 * still) counts the packet. Results equal flowtab_add's.
 */
void flowtab_prefetch(const struct flowtab *t, uint32_t hash);
void flowtab_prefetch_entry(const struct flowtab *t, uint32_t hash);
struct flow *flowtab_add_hashed(struct flowtab *t, const struct flow_key *k, uint32_t hash,
				int dir, uint64_t bytes, uint64_t ts_ns);

/* The entry for `k`, or NULL. */
struct flow *flowtab_find(const struct flowtab *t, const struct flow_key *k);

/*
 * Entries by reference: a number naming an entry for the table's whole
 * life (1 = the first entry added; 0 = none), unlike a pointer, which the
 * next flowtab_add may move. flowtab_lookup answers the reference of `k`
 * (hash = its flow_key_hash) or 0 without adding; flowtab_at turns a
 * reference (non-zero, from this table) into the entry; flowtab_ref is the
 * inverse; flowtab_prefetch_ref starts loading an entry.
 */
uint32_t flowtab_lookup(const struct flowtab *t, const struct flow_key *k, uint32_t hash);
struct flow *flowtab_at(const struct flowtab *t, uint32_t ref);
uint32_t flowtab_ref(const struct flowtab *t, const struct flow *e);
void flowtab_prefetch_ref(const struct flowtab *t, uint32_t ref);

/* Count one packet of `bytes` at `ts_ns` in direction `dir` into an existing entry. */
static inline void flow_count(struct flow *e, int dir, uint64_t bytes, uint64_t ts_ns)
{
	e->pkts[dir]++;
	e->bytes[dir] += bytes;
	if (ts_ns < e->first_ns)
		e->first_ns = ts_ns;
	if (ts_ns > e->last_ns)
		e->last_ns = ts_ns;
}

/* Entries held, in total or of one kind. */
uint64_t flowtab_count(const struct flowtab *t);
uint64_t flowtab_count_kind(const struct flowtab *t, enum flow_kind kind);

/* Packets and bytes folded for `kind`. */
struct flow_fold flowtab_folded(const struct flowtab *t, enum flow_kind kind);

/*
 * Pointers to every entry of `kind`, written to out[0..n) (out must have
 * room for flowtab_count_kind() entries). Returns n. Entries stay owned by
 * the table and valid until the next flowtab_add or flowtab_close.
 */
size_t flowtab_collect(const struct flowtab *t, enum flow_kind kind,
		       const struct flow **out);

/* Bytes allocated by the table now. */
size_t flowtab_memory(const struct flowtab *t);

/* ---------------------------------------------------------------- time series */

#define TSERIES_MAX_BUCKETS 8192u

struct tbucket {
	uint64_t pkts;
	uint64_t bytes;
};

/*
 * Packets and bytes per interval since `origin_ns` (the first packet).
 * With a fixed interval (the user's --interval) the interval is widened by
 * integer factors (x2, x5) only when TSERIES_MAX_BUCKETS would not cover the
 * capture; with automatic interval it starts at 1 us and widens through
 * round steps (1, 2, 10, 20 ... us/ms/s, 1 min, 2 min, 10 min, 20 min, 1 h, 2 h, 6 h,
 * 12 h, 1 d ...), each an integer multiple of the last, so buckets merge
 * exactly. Packets earlier than origin count in bucket 0.
 */
struct tseries {
	uint64_t origin_ns;
	uint64_t interval_ns;
	uint64_t user_interval_ns;  /* 0 = automatic */
	uint32_t nbuckets;          /* buckets in use: highest index seen + 1 */
	uint32_t step;              /* position in the widening sequence */
	bool started;
	bool widened;               /* a user interval had to be widened */
	uint32_t cur;               /* bucket of the last packet, and its time range: */
	uint64_t cur_lo, cur_hi;    /* packets in [cur_lo, cur_hi) skip the division */
	struct tbucket b[TSERIES_MAX_BUCKETS];
};

/* Start an empty series; `interval_ns` 0 = automatic. */
void tseries_init(struct tseries *t, uint64_t interval_ns);

/* Count one packet. */
void tseries_add(struct tseries *t, uint64_t ts_ns, uint64_t bytes);

/*
 * The interval to show: for an automatic series the smallest round interval
 * (1/2/5 x 10^k ns up to seconds, then 1 s 2 s 5 s 10 s 15 s 30 s, 1/2/5/10/15/30 min,
 * 1/2/3/6/12 h, 1/2/5/10 d ...) that is a multiple of the internal interval
 * and gives at most `max_rows` buckets; the user's (possibly widened)
 * interval otherwise.
 */
uint64_t tseries_display_interval(const struct tseries *t, uint32_t max_rows);

/*
 * Regroup into `out` (room for `cap` buckets) at `interval_ns`, a multiple
 * of t->interval_ns. Returns the bucket count (at most cap; later buckets
 * are added into the last one).
 */
uint32_t tseries_regroup(const struct tseries *t, uint64_t interval_ns,
			 struct tbucket *out, uint32_t cap);

/* ---------------------------------------------------------------- protocol hierarchy */

#define PHS_MAX_NODES 256u
#define PHS_MAX_DEPTH 12u

/* Protocol names of the hierarchy, named as tshark's -z io,phs names them. */
enum phs_proto {
	PHS_ROOT = 0,
	PHS_ETH, PHS_LLC, PHS_SLL, PHS_RAW, PHS_NULL, PHS_LOOP, PHS_LINK_OTHER,
	PHS_VLAN, PHS_QINQ,
	PHS_ARP, PHS_IP, PHS_IPV6, PHS_NET_OTHER,
	PHS_TCP, PHS_UDP, PHS_ICMP, PHS_ICMPV6, PHS_TP_OTHER,
	PHS_TRUNCATED, PHS_INVALID,
	PHS_GRE, PHS_VXLAN, PHS_GENEVE, PHS_MPLS,   /* tunnels, followed by the inner packet's path */
	PHS_NPROTO
};

/* `frames`/`bytes` count every frame whose path passes through the node; valid after phs_finish(). */
struct phs_node {
	uint8_t proto;      /* enum phs_proto */
	uint8_t depth;
	uint16_t parent;    /* always a lower index than the node's own */
	uint16_t child[PHS_NPROTO];  /* node index, 0 = none (node 0 is the root) */
	uint64_t frames;
	uint64_t bytes;
};

/* Frames and bytes whose path ends at a node (the walk's last node). */
struct phs_end {
	uint64_t frames;
	uint64_t bytes;
};

/*
 * Paths met so far, packed 5 bits per protocol (outermost lowest; every
 * protocol of a path is non-zero, so the packing also tells the length),
 * mapped to the node their walk ends at: direct-mapped, a miss walks the tree.
 */
#define PHS_CACHE 16u

struct phs_cache_slot {
	uint64_t key;       /* packed path; PHS_KEY_NONE when empty */
	uint32_t end;       /* node the walk ended at */
};

struct phs {
	uint32_t nnodes;
	struct phs_node node[PHS_MAX_NODES];
	struct phs_end end[PHS_MAX_NODES];  /* per node: frames counted at it */
	struct phs_cache_slot cache[PHS_CACHE];
};

void phs_init(struct phs *h);

/*
 * Count a frame of `bytes` along `path` (n protocols, outermost first):
 * only at the node the path ends at; phs_finish() adds the counts up the tree.
 */
void phs_add(struct phs *h, const uint8_t *path, size_t n, uint64_t bytes);

/* Set every node's frames/bytes from the counts so far (may be called again after more phs_add). */
void phs_finish(struct phs *h);

/* tshark's name of a protocol ("eth", "ip", "tcp", "_ws.short"...). */
const char *phs_proto_name(enum phs_proto p);

/*
 * The path of one decoded packet into path[0..PHS_MAX_DEPTH); returns its
 * length. `p`/`caplen` are the frame's bytes, read only to name the VLAN tag
 * an Ethernet frame was cut in (the decoder keeps only whole tags).
 */
size_t phs_path(const struct dec_packet *d, const uint8_t *p, size_t caplen, uint8_t *path);

/*
 * Extend path[0..n) of a packet that carries the tunnel *t with the
 * tunnel's protocols and the path of `in`, the inner packet decoded from
 * p[0..caplen), as tshark nests them (ip:gre:ip:udp, udp:vxlan:eth:ip...,
 * eth:mpls:ip...); returns the new length, at most PHS_MAX_DEPTH.
 */
size_t phs_tunnel_path(const struct dec_tunnel *t, const struct dec_packet *in, const uint8_t *p,
		       size_t caplen, uint8_t *path, size_t n);

/* ---------------------------------------------------------------- report helpers (src/summary/report.c) */

/* One endpoint, derived from the conversations of one kind (as tshark's -z endpoints). */
struct sum_endpoint {
	uint8_t addr[16];
	uint8_t addr_len;
	uint8_t family;
	uint16_t port;
	uint64_t tx_pkts, tx_bytes;
	uint64_t rx_pkts, rx_bytes;
};

/* Packets and bytes seen on one TCP or UDP port (either end). */
struct sum_port {
	uint16_t port;
	uint64_t pkts;
	uint64_t bytes;
};

/*
 * The `top` (0 = all) largest conversations of `kind`, by total bytes (then
 * frames, then start), in a malloc'd array the caller frees (*rows may be
 * NULL when there are none). Returns how many, or -1 when out of memory.
 * O(n log top): no full sort for a short table.
 */
long sum_conv_rows(const struct flowtab *t, enum flow_kind kind, size_t top,
		   const struct flow ***rows);

/*
 * Endpoints derived from every conversation of `kind`: each conversation
 * adds its A->B packets to A's tx and B's rx and the other way (aggregated
 * in a hash index, O(n)). The `top` (0 = all) largest by bytes come first,
 * sorted, in a malloc'd array; *total gets the number of endpoints.
 * Returns how many are in the array, or -1 when out of memory.
 */
long sum_endpoints(const struct flowtab *t, enum flow_kind kind, size_t top,
		   struct sum_endpoint **out, size_t *total);

struct summary;

/* The `max` (0 = all) busiest TCP (udp false) or UDP ports by packets, malloc'd into *out; count or -1. */
long sum_top_ports(const struct summary *s, bool udp, size_t max, struct sum_port **out);

/* An address as text: MAC aa:bb:..., dotted IPv4, RFC 5952 IPv6. */
void sum_fmt_addr(const uint8_t *a, uint8_t addr_len, char *buf, size_t len);

/* A timestamp as "2023-11-14 22:13:20.123456789" (UTC); `iso` gives "2023-11-14T22:13:20.123456789Z". */
void sum_fmt_time(uint64_t ns, bool iso, char *buf, size_t len);

/* Name of a kind as the JSON and tshark use it: "eth", "ip", "ipv6", "tcp", "udp". */
const char *flow_kind_name(enum flow_kind kind);

/* ---------------------------------------------------------------- the summary */

/* One interface of an input, as its file describes it. */
struct summary_iface {
	char name[64];          /* if_name, or "" */
	uint32_t linktype;
	uint32_t snaplen;
	uint64_t packets;       /* packet records read on it */
	bool has_stats;         /* an Interface Statistics Block was read */
	uint64_t ifrecv, ifdrop, osdrop, filteraccept, usrdeliv;
	bool has_ifrecv, has_ifdrop, has_osdrop, has_filteraccept, has_usrdeliv;
};

/*
 * Packets the interface's statistics block says this file misses:
 * isb_ifdrop + isb_osdrop (pcaprec writes per-file counts), 0 when absent.
 */
uint64_t summary_iface_lost(const struct summary_iface *f);

/* One input file, as the reader describes it. */
struct summary_file {
	char name[256];
	char type[32];          /* "pcap", "pcap-ns", "pcapng" */
	bool compressed;        /* gzip or zstd */
	char compression[8];    /* "gzip", "zstd", "" */
	uint64_t size;          /* bytes on disk; 0 when unknown (stdin) */
	bool size_known;
	uint32_t snaplen;       /* pcap header / largest IDB snaplen; 0 = not set */
	uint32_t niface;
	struct summary_iface iface[SUMMARY_MAX_IFACES];
};

struct summary_opts {
	uint64_t max_flows;     /* 0 = SUMMARY_DEFAULT_MAX_FLOWS */
	uint64_t interval_ns;   /* 0 = automatic */
	uint32_t top;           /* rows per table; 0 = all */
	bool top_set;           /* false = SUMMARY_DEFAULT_TOP */
	bool single_thread;     /* count conversations on the caller's thread (default: a second
				 * thread does, in the same order, so results are identical) */
	const char *filter;     /* the --filter expression shown in the report, or NULL; must outlive the summary */
	uint16_t community_id_seed; /* seed of the Community IDs of TCP/UDP conversations (JSON) */
};

struct summary;

/* A fresh summary (a few MiB, the flow table grows as flows appear). NULL + err on failure. */
struct summary *summary_open(const struct summary_opts *opts, char *err, size_t errlen);
void summary_close(struct summary *s);

/*
 * Describe the inputs (copied). Call before writing the report; may be
 * called once per file for merged summaries.
 */
void summary_add_file(struct summary *s, const struct summary_file *f);

/* The depth summary_add needs from dec_packet(). */
#define SUMMARY_DEC_DEPTH DEC_DEPTH_TRANSPORT

/* Tunnels followed into one frame (GRE in VXLAN in ...); deeper ones count as the last inner packet's payload. */
#define SUMMARY_TUNNEL_DEPTH 4

/*
 * Count one frame and its decoding (dec_packet at SUMMARY_DEC_DEPTH). No
 * allocation. Conversation and port counts are applied later, possibly on
 * the summary's own thread; summary_flush makes them visible. Call from
 * one thread at a time.
 */
void summary_add(struct summary *s, const struct frame *f, const struct dec_packet *d);

/* What a frame's timestamp is worth to the summary. */
enum summary_ts {
	SUMMARY_TS_OK = 0,
	SUMMARY_TS_NONE,      /* a pcapng Simple Packet Block has none: counted as untimed */
	SUMMARY_TS_BAD,       /* a malformed record's (fraction out of range) is wrong */
};

/*
 * summary_add for a frame whose timestamp may not be usable: other than
 * SUMMARY_TS_OK, the frame is counted everywhere but in the times
 * (first/last packet, duration, rates, time series); conversations see
 * the last valid time.
 */
void summary_add_ts(struct summary *s, const struct frame *f, const struct dec_packet *d,
		    enum summary_ts ts);

/* Count a record the reader calls malformed; the first `why` ("byte N: record N: ts_usec is ...") is kept. */
void summary_malformed(struct summary *s, const char *why);

/* Malformed records counted so far, and the first one's reason ("" when none). */
uint64_t summary_malformed_count(const struct summary *s);
const char *summary_malformed_first(const struct summary *s);

/* Record why reading stopped early (reader_error text and byte offset). */
void summary_set_error(struct summary *s, const char *file, const char *msg);

/* Apply pending flow-table updates; the report writers call it themselves. */
void summary_flush(struct summary *s);

/* Packets counted so far. */
uint64_t summary_packets(const struct summary *s);

/*
 * Write the report. Text: capinfos-like totals, then the tables (charts in
 * unicode blocks when `tty`). JSON: one object, schema in README.md
 * ("pcaprec summary" section). Returns 0, or -1 on an output error.
 */
int summary_write_text(struct summary *s, FILE *out, bool tty);
int summary_write_json(struct summary *s, FILE *out);

#endif
