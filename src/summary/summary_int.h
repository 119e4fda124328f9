/* SPDX-License-Identifier: BSD-2-Clause */
/* The summary's state, shared by the counting code and the report writers of src/summary/ only. */
#ifndef PCAPREC_SUMMARY_INT_H
#define PCAPREC_SUMMARY_INT_H

#include "pcaprec/summary.h"

#define SUMMARY_MAX_FILES 64u    /* files described individually in a merged report */

/*
 * Two arrays: a power-of-two index of 8-byte slots (hash, entry number + 1;
 * 0 = empty) probed linearly at load <= 1/2, so a lookup usually reads one
 * cache line of the index and then the one entry it names; and the entries
 * themselves, dense in order of first appearance. Both grow by doubling up
 * to what max_flows needs and never beyond.
 */
struct flow_slot {
	uint32_t hash;
	uint32_t idx;
};

struct flowtab {
	struct flow_slot *slot;
	uint64_t nslots;        /* power of two */
	struct flow *ent;
	uint8_t *kind_of;       /* ent[i].key.kind, dense: the report's per-kind scans read this, not ent */
	uint64_t nent_alloc;
	size_t ent_bytes;       /* mapped for ent */
	uint64_t count;
	uint64_t max_flows;
	uint64_t max_slots;     /* smallest power of two >= 2 * max_flows */
	uint64_t kind_count[FLOW_KINDS];
	struct flow_fold fold[FLOW_KINDS];
};

/*
 * flowtab_at, flowtab_ref and flowtab_prefetch_ref for the flow side's
 * per-packet path, inline: as calls into flowtab.c they cost more than
 * their work.
 */
static inline struct flow *ft_at(const struct flowtab *t, uint32_t ref)
{
	return &t->ent[ref - 1];
}

static inline uint32_t ft_ref(const struct flowtab *t, const struct flow *e)
{
	return (uint32_t)(e - t->ent) + 1;
}

/* Every cache line of the entry: 104 bytes may span three. */
static inline void ft_prefetch_ref(const struct flowtab *t, uint32_t ref)
{
	const char *e = (const char *)&t->ent[ref - 1];

	_Static_assert(sizeof(struct flow) <= 128, "an entry spans at most three cache lines");
	__builtin_prefetch(e, 1);
	__builtin_prefetch(e + 64, 1);
	__builtin_prefetch(e + sizeof(struct flow) - 1, 1);
}

struct port_count {
	uint64_t pkts;
	uint64_t bytes;
};

/*
 * One packet's conversation update as the counting side hands it over:
 * the addresses as found (the flow side builds and hashes the keys, which
 * is half the work, off the thread that reads and decodes).
 */
struct flow_pkt {
	uint8_t src[16], dst[16];    /* kind FLOW_ETH: MACs; else IP addresses (addr_len bytes used) */
	uint8_t mac_src[6], mac_dst[6];  /* when has_eth */
	uint16_t sport, dport;       /* TCP/UDP, else 0 */
	uint8_t kind;                /* enum flow_kind of the deepest conversation */
	uint8_t family;              /* 4 or 6; 0 for FLOW_ETH */
	uint8_t addr_len;
	bool has_eth;                /* an Ethernet conversation to count besides (kind not FLOW_ETH) */
	uint64_t bytes;
	uint64_t ts_ns;
};

/* The same update normalized, as the flow side works on it. */
struct flow_rec {
	struct flow_key key;         /* the deepest conversation */
	uint32_t hash;               /* of key */
	uint8_t dir;                 /* of the packet in key */
	uint8_t ip_dir;              /* in the IP conversation (TCP/UDP keys) */
	uint8_t eth_dir;             /* in the Ethernet conversation (when has_eth) */
	bool has_eth;                /* an Ethernet conversation to count besides key (not itself one) */
	uint8_t mac_a[6], mac_b[6];  /* that conversation's addresses, normalized as in its key */
	uint64_t bytes;
	uint64_t ts_ns;
};

/*
 * The flow side keeps updates in a short FIFO of ops, so the memory they
 * touch is prefetched while later packets come in. An op's entry
 * remembers the IP and Ethernet conversations it was seen in
 * (flow.up_ip/up_eth), so a known flow costs one lookup, not three.
 * Stages, counted in packets queued after the op: FLOW_STAGE_ENTRY
 * prefetches the entry its index slot names; FLOW_STAGE_LOOKUP looks it up
 * and prefetches the linked entries, or, when the flow is not in the table
 * yet, builds the keys of its Ethernet and IP conversations and prefetches
 * their index slots; FLOW_STAGE_PARENT prefetches the entries those slots
 * name; FLOW_PIPE applies the update. TCP/UDP ops also count both ports.
 */
#define FLOW_PIPE 20u
#define FLOW_STAGE_ENTRY 4u
#define FLOW_STAGE_LOOKUP 10u
#define FLOW_STAGE_PARENT 15u

struct flow_op {
	struct flow_rec r;
	uint32_t ref;                /* its entry as found at FLOW_STAGE_LOOKUP, 0 = not yet there */
	bool parents_made;           /* eth_key/ip_key below are built (the lookup missed) */
	uint32_t eth_hash, ip_hash;  /* of eth_key, ip_key when parents_made */
	struct flow_key eth_key;     /* the Ethernet conversation (has_eth) */
	struct flow_key ip_key;      /* the IP conversation (TCP/UDP keys) */
};

/* What the flow side owns: the table, the port counters and the FIFO. Touched by one thread only. */
struct flow_side {
	struct flowtab *flows;
	struct port_count *ports;    /* [2][65536]: TCP, then UDP */
	struct flow_op pipe[FLOW_PIPE];
	uint32_t pipe_head;          /* next op to apply */
	uint32_t pipe_len;
};

/* Queue one update (applying the oldest when the FIFO is full). */
void flow_side_push(struct flow_side *fs, const struct flow_pkt *p);

/* Apply every queued update (before anything reads the table or the port counters). */
void flow_side_drain(struct flow_side *fs);

/*
 * The hand-over from the counting thread to a flow thread: batches of
 * FLOW_BATCH records in a ring of FLOW_BATCHES, so both threads run at
 * once and memory stays fixed. Records are applied in the order they were
 * added, by one thread, so the table ends exactly as a single thread
 * would leave it. With no flow thread (it could not be started, or one
 * thread was asked for) records are applied at once on the caller's.
 */
#define FLOW_BATCH 1024u
#define FLOW_BATCHES 4u

struct flow_feed;

/* A feed into `fs`; `threaded` starts the flow thread. NULL when out of memory. */
struct flow_feed *flow_feed_open(struct flow_side *fs, bool threaded);

/* Stop the flow thread (after applying what was queued) and free the feed. NULL is a no-op. */
void flow_feed_close(struct flow_feed *f);

/* Room for the next record; fill it, then flow_feed_commit(). May wait for the flow thread. */
struct flow_pkt *flow_feed_slot(struct flow_feed *f);
void flow_feed_commit(struct flow_feed *f);

/* Return once every committed record is applied and visible to the caller's thread. */
void flow_feed_flush(struct flow_feed *f);

/* One kind's tables as sum_conv_rows and sum_endpoints give them (a count < 0: out of memory). */
struct sum_kind_tables {
	const struct flow **rows;
	long nrows;
	struct sum_endpoint *ep;
	long nep;
	size_t ep_total;
};

/* What a report shows of conversations, endpoints and ports, built before it is written. */
struct sum_tables {
	struct sum_kind_tables kind[FLOW_KINDS];  /* FLOW_ETH..FLOW_UDP */
	struct sum_port *ports[2];                /* sum_top_ports: TCP, UDP */
	long nports[2];
};

/*
 * Build every table of `s` (after summary_flush) with s->top rows each:
 * the same tables as the sum_* calls one after another, but a second
 * thread takes half of the work unless s->opt.single_thread or the table
 * is small. Free with sum_tables_free.
 */
void sum_tables_build(const struct summary *s, struct sum_tables *t);
void sum_tables_free(struct sum_tables *t);

struct summary {
	struct summary_opts opt;
	uint32_t top;                /* effective rows per table, 0 = all */

	/* totals (capinfos) */
	uint64_t packets;
	uint64_t wire_bytes;         /* sum of origlen: capinfos "Data size", tshark bytes */
	uint64_t cap_bytes;          /* sum of caplen */
	bool have_time;              /* some frame had a timestamp (first/min/max are set) */
	uint64_t untimed;            /* frames without a timestamp (pcapng Simple Packet Blocks) */
	uint64_t malformed;          /* records the reader flags malformed (READER_REC_MALFORMED) */
	char malformed_why[256];     /* the first one's reason, naming the field and value */
	uint64_t first_ns;           /* timestamp of the first timed frame read */
	uint64_t min_ns, max_ns;
	uint64_t prev_ns;
	uint64_t out_of_order;       /* frames older than the one before */
	uint32_t caplen_min, caplen_max;
	uint64_t snapped;            /* caplen < origlen */
	uint64_t truncated;          /* a decoded header ran past caplen */
	uint64_t invalid;            /* a header field that cannot be */
	uint64_t tcp_syn, tcp_synack, tcp_rst, tcp_fin;

	/* inputs */
	uint32_t nfiles;
	uint32_t files_omitted;      /* described beyond SUMMARY_MAX_FILES */
	struct summary_file *files;  /* SUMMARY_MAX_FILES entries */
	bool has_error;
	char error[512];

	struct phs phs;
	struct tseries ts;
	struct flowtab *flows;       /* = side->flows: read by the reports after summary_flush */
	struct port_count *ports;    /* = side->ports, likewise */
	struct flow_side *side;
	struct flow_feed *feed;
};

/*
 * A time relative to the summary's first timed frame, in exact integer
 * nanoseconds (negative for frames out of order before it); 0 when no frame
 * had a time.
 */
static inline int64_t sum_rel_ns(const struct summary *s, uint64_t ts_ns)
{
	if (!s->have_time)
		return 0;
	return ts_ns >= s->first_ns ? (int64_t)(ts_ns - s->first_ns) : -(int64_t)(s->first_ns - ts_ns);
}

#endif
