/* SPDX-License-Identifier: BSD-2-Clause */
/* Protocol decoders: link -> network -> transport, pure functions filling one flat result. */
#ifndef PCAPREC_DECODE_H
#define PCAPREC_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract of every decoder here: it reads only the bytes it is given
 * (never past caplen), never allocates, prints, reads globals or options,
 * and fills fields of `struct dec_packet`. Failures are results, not
 * errors: a layer whose header does not fit in the captured bytes is
 * DEC_TRUNCATED, a layer with a field that cannot be (IPv4 IHL < 5, TCP data
 * offset < 5, ...) is DEC_INVALID. Either stops decoding further layers and
 * records the layer and packet offset in `dec_packet.err_*`.
 *
 * Stability: fields are only ever added, never renamed or reordered in
 * meaning. Zero is always the "absent" value (DEC_NONE, DEC_P_NONE, false).
 */

/* How far dec_packet() goes; each level includes the ones before it. */
enum dec_depth {
	DEC_DEPTH_LINK = 1,       /* link header, VLAN tags, ethertype */
	DEC_DEPTH_NET = 2,        /* + ARP / IPv4 / IPv6 (with extension headers) */
	DEC_DEPTH_TRANSPORT = 3,  /* + TCP / UDP / ICMP / ICMPv6 fixed headers */
	DEC_DEPTH_ALL = 4,        /* + TCP options, ICMP/ICMPv6 message details */
};

/* Outcome of one layer. */
enum dec_status {
	DEC_NONE = 0,       /* layer not present or not reached (depth, earlier failure, unknown type) */
	DEC_OK = 1,
	DEC_TRUNCATED = 2,  /* ran out of captured bytes inside this layer's header */
	DEC_INVALID = 3,    /* a field that cannot be */
};

/* What sits at a layer. One numbering across layers, so counters can index by it. */
enum dec_proto {
	DEC_P_NONE = 0,
	/* link */
	DEC_P_ETHER,        /* Ethernet II (type field >= 0x0600) */
	DEC_P_LLC,          /* IEEE 802.3 with 802.2 LLC (length field <= 1500) */
	DEC_P_SLL,          /* Linux cooked v1 */
	DEC_P_SLL2,         /* Linux cooked v2 */
	DEC_P_RAWIP,        /* LINKTYPE_RAW / IPV4 / IPV6: no link header */
	DEC_P_NULL,         /* BSD loopback, host-order AF */
	DEC_P_LOOP,         /* OpenBSD loopback, network-order AF */
	/* network */
	DEC_P_ARP,
	DEC_P_IPV4,
	DEC_P_IPV6,
	/* transport */
	DEC_P_TCP,
	DEC_P_UDP,
	DEC_P_ICMP,
	DEC_P_ICMPV6,
	/* any layer: a type we recognise as present but do not decode
	 * (ethertype 0x88cc, IP protocol 47, unknown link type...) */
	DEC_P_OTHER,
	DEC_P_COUNT
};

/* Which layer an error refers to (dec_packet.err_layer). */
enum dec_layer_id {
	DEC_L_NONE = 0,
	DEC_L_LINK = 1,
	DEC_L_NET = 2,
	DEC_L_TRANSPORT = 3,
};

/* Where one layer starts and how it went. Offsets are from the first captured byte. */
struct dec_layer {
	uint8_t proto;      /* enum dec_proto */
	uint8_t status;     /* enum dec_status */
	uint32_t off;       /* offset of this layer's first header byte */
	uint32_t hdr_len;   /* header bytes (IPv6: fixed + extension headers; link: incl. VLAN tags) */
};

#define DEC_MAX_VLAN 4       /* tags kept; more set link.vlan_more */
#define DEC_MAX_IP6_EXT 8    /* IPv6 extension headers kept in dec_ip.ext[] (the first ones) */
#define DEC_IP6_EXT_LIMIT 64 /* IPv6 extension headers decoded; after that ip.ext_more, the rest not decoded */
#define DEC_MAX_TCP_OPT 40   /* 40 option bytes -> at most 40 options (all NOP) */
#define DEC_MAX_SACK 4       /* SACK blocks kept from one option */

/* One 802.1Q / 802.1ad tag (IEEE 802.1Q-2018 9.6). */
struct dec_vlan {
	uint16_t tpid;      /* 0x8100, 0x88a8, 0x9100 */
	uint8_t pcp;        /* priority code point, 0-7 */
	uint8_t dei;        /* drop eligible, 0-1 */
	uint16_t vid;       /* VLAN id, 0-4095 */
};

/* Link layer fields; which are meaningful depends on link.proto. */
struct dec_link {
	/* Ethernet / 802.3 */
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type_len;       /* the first type/length field after the MACs */
	uint8_t nvlan;           /* tags stored in vlan[] (outermost first) */
	bool vlan_more;          /* more than DEC_MAX_VLAN tags were present */
	struct dec_vlan vlan[DEC_MAX_VLAN];
	/* 802.2 LLC (link.proto == DEC_P_LLC, or SLL/SLL2 with protocol 0x0004) */
	uint16_t llc_length;     /* the 802.3 length field */
	uint8_t dsap, ssap;
	uint16_t llc_control;    /* 1 byte for U frames, 2 for I/S frames */
	bool snap;               /* DSAP=SSAP=0xAA: SNAP header follows */
	uint32_t snap_oui;
	/* Linux cooked (SLL: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html) */
	uint16_t sll_pkttype;
	uint16_t sll_hatype;
	uint16_t sll_halen;
	uint8_t sll_addr[8];
	uint32_t sll_ifindex;    /* SLL2 only */
	/* NULL / LOOP */
	uint32_t af;             /* address family as found, normalised to host value */
	/* All link types: the protocol of the network layer, as an ethertype
	 * (NULL/LOOP/RAW are mapped: IPv4 -> 0x0800, IPv6 -> 0x86dd; LLC
	 * without SNAP -> 0). */
	uint16_t ethertype;
};

/* ARP for any hardware/protocol, addresses kept when they are Ethernet/IPv4 (RFC 826). */
struct dec_arp {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;              /* 1 request, 2 reply, 3/4 RARP */
	bool eth_ipv4;            /* htype 1, ptype 0x0800, hlen 6, plen 4: addresses below valid */
	uint8_t sha[6], spa[4], tha[6], tpa[4];
};

/* IPv4 (RFC 791) or IPv6 (RFC 8200); ip.version tells which. */
struct dec_ip {
	uint8_t version;          /* 4 or 6 */
	uint8_t src[16];          /* IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint8_t tos;              /* IPv4 TOS / IPv6 traffic class */
	uint8_t ttl;              /* IPv4 TTL / IPv6 hop limit */
	uint8_t proto;            /* upper-layer protocol after any IPv6 extension headers
				   * (when an extension header fails: that header's type) */
	uint8_t next_hdr;         /* IPv6: the fixed header's next-header field; IPv4: = proto */
	uint16_t hdr_len;         /* IPv4: IHL*4; IPv6: 40 + extension headers */
	uint32_t total_len;       /* IPv4 total length; IPv6: 40 + payload length */
	uint32_t payload_len;     /* total_len - hdr_len: upper-layer bytes on the wire */
	bool len_short;           /* fewer wire bytes (origlen) than total_len claims */
	uint16_t checksum;        /* IPv4 header checksum as found (not verified) */
	uint8_t opt_len;          /* IPv4 options bytes */
	uint32_t flowlabel;       /* IPv6 */
	/* Fragments: IPv4 header fields, or the IPv6 fragment header (RFC 8200 4.5) */
	uint32_t id;              /* IPv4 16-bit id / IPv6 32-bit identification */
	bool df, mf;              /* DF is IPv4 only */
	bool has_frag;            /* IPv6 fragment header present / IPv4 MF or offset != 0 */
	uint16_t frag_off;        /* offset in bytes (field * 8) */
	uint8_t n_ext;            /* IPv6 extension headers decoded (up to DEC_IP6_EXT_LIMIT);
				   * the first DEC_MAX_IP6_EXT are in ext[]; all of them
				   * through dec_ip6_ext_next() */
	uint8_t ext[DEC_MAX_IP6_EXT];
	uint32_t ext_off[DEC_MAX_IP6_EXT]; /* packet offset of each header in ext[] */
	uint16_t ext_len[DEC_MAX_IP6_EXT]; /* its length in bytes */
	bool ext_more;            /* another extension header followed the DEC_IP6_EXT_LIMIT-th:
				   * it and what follows are not decoded (ip.proto is its type) */
	uint16_t plen;            /* IPv6 payload length field as found (0: jumbogram or Big TCP) */
	uint32_t jumbo;           /* RFC 2675 Jumbo Payload option value, 0 when none */
};

/* One IPv6 extension header, as dec_ip6_ext_next() reads it back from the packet. */
struct dec_ip6_ext {
	uint8_t type;             /* 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options */
	uint32_t off;             /* packet offset */
	uint16_t len;             /* bytes */
	uint32_t rest;            /* IP payload bytes after this header (IPv6 payload length
				   * minus the headers up to and including this one) */
	/* fragment header (RFC 8200 4.5) */
	uint32_t frag_id;
	uint16_t frag_off;        /* bytes (field * 8) */
	bool frag_mf;
};

/* Where dec_ip6_ext_next() is in the chain; start it zeroed. */
struct dec_ip6_ext_iter {
	uint8_t i;                /* headers returned so far */
	uint8_t type;
	uint32_t off;
};

/* TCP option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
enum {
	TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MSS = 2, TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4, TCPOPT_SACK = 5, TCPOPT_TS = 8,
};

/* TCP flags as in the header's low 9 bits (RFC 9293, RFC 3168). */
enum {
	TCP_FIN = 0x001, TCP_SYN = 0x002, TCP_RST = 0x004, TCP_PSH = 0x008,
	TCP_ACK = 0x010, TCP_URG = 0x020, TCP_ECE = 0x040, TCP_CWR = 0x080,
	TCP_NS = 0x100,
};

/* One TCP option as found: kind, total length (1 for EOL/NOP), offset in the packet. */
struct dec_tcp_opt {
	uint8_t kind;
	uint8_t len;
	uint16_t off;
};

struct dec_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;             /* header length in bytes (data offset * 4) */
	uint16_t flags;           /* TCP_* bits */
	uint16_t win, csum, urg;
	/* options (DEC_DEPTH_ALL only) */
	uint8_t nopt;
	bool opt_bad;             /* an option length ran past the header or was < 2 */
	struct dec_tcp_opt opt[DEC_MAX_TCP_OPT];
	bool has_mss, has_ws, sack_perm, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;
	uint32_t sack[DEC_MAX_SACK][2];  /* left, right edges */
};

struct dec_udp {
	uint16_t sport, dport;
	uint16_t len;             /* UDP length field (RFC 768) */
	uint16_t csum;
	uint32_t length;          /* the length in effect: len, or for len 0 over IPv6 (RFC 2675
				   * jumbogram, Linux Big TCP/GSO) the IPv6 payload bytes left */
};

/* ICMP (RFC 792) and ICMPv6 (RFC 4443, RFC 4861 neighbour discovery). */
struct dec_icmp {
	uint8_t type, code;
	uint16_t csum;
	uint32_t rest;            /* the 4 bytes after the checksum, raw */
	/* echo request/reply (ICMP 8/0, ICMPv6 128/129) */
	bool is_echo;
	uint16_t id, seq;
	/* ICMPv6 neighbour solicitation (135) / advertisement (136): target */
	bool has_target;
	uint8_t target[16];
	uint8_t nd_flags;         /* NA: R=0x80 S=0x40 O=0x20; RA: M=0x80 O=0x40 */
	/* router advertisement (134) */
	uint8_t ra_hop_limit;
	uint16_t ra_lifetime;
	uint32_t ra_reachable, ra_retrans;
	/* ICMP errors (3, 4, 5, 11, 12 / ICMPv6 1-4): offset of the quoted IP header */
	uint32_t inner_off;       /* 0 when none */
};

/*
 * One decoded packet. Every field is filled by dec_packet(); fields of layers
 * not reached stay zero. `payload_off`/`payload_caplen` delimit the captured
 * bytes after the last decoded header (bounded by the IP length, so Ethernet
 * padding is excluded); `payload_len` is that length on the wire.
 */
struct dec_packet {
	uint32_t linktype;
	uint32_t caplen;
	uint32_t origlen;
	uint8_t status;           /* worst layer outcome: DEC_OK, DEC_TRUNCATED or DEC_INVALID */
	uint8_t err_layer;        /* enum dec_layer_id of the first failure */
	uint32_t err_off;         /* packet offset of the failing field or of the short header */
	const char *err_what;     /* static description of the failure ("IPv4 IHL < 5"), or NULL */

	struct dec_layer link, net, tp;

	struct dec_link l2;
	struct dec_arp arp;       /* net.proto == DEC_P_ARP */
	struct dec_ip ip;         /* net.proto == DEC_P_IPV4 / DEC_P_IPV6 */
	struct dec_tcp tcp;       /* tp.proto == DEC_P_TCP */
	struct dec_udp udp;       /* tp.proto == DEC_P_UDP */
	struct dec_icmp icmp;     /* tp.proto == DEC_P_ICMP / DEC_P_ICMPV6 */

	uint32_t payload_off;
	uint32_t payload_caplen;
	uint32_t payload_len;
};

/*
 * Decode one frame of `linktype` (LINKTYPE_*): `p` holds `caplen` captured
 * bytes of a frame `origlen` bytes long on the wire. Walks link -> network
 * -> transport as far as `depth` and fills `*out` (which it clears first).
 * Never reads outside p[0..caplen). Unknown link types give
 * link.proto = DEC_P_OTHER, status DEC_OK (nothing decoded).
 */
void dec_packet(uint32_t linktype, const uint8_t *p, size_t caplen, uint32_t origlen,
		enum dec_depth depth, struct dec_packet *out);

/*
 * Extension header it->i of the IPv6 packet `d` decoded from p[0..caplen)
 * (the same bytes dec_packet() saw) into *e; false after the last one
 * (d->ip.n_ext of them). Reads only inside p[0..caplen).
 */
bool dec_ip6_ext_next(const uint8_t *p, size_t caplen, const struct dec_packet *d,
		      struct dec_ip6_ext_iter *it, struct dec_ip6_ext *e);

/* Tunnels whose inner packets the summary counts (dec_tunnel). */
enum dec_tun_kind {
	DEC_TUN_NONE = 0,
	DEC_TUN_IPIP,       /* IP protocol 4 (RFC 2003) */
	DEC_TUN_6IN4,       /* IP protocol 41 (RFC 4213) */
	DEC_TUN_GRE,        /* IP protocol 47 (RFC 2784, RFC 2890) */
	DEC_TUN_VXLAN,      /* UDP port 4789 (RFC 7348) */
	DEC_TUN_GENEVE,     /* UDP port 6081 (RFC 8926) */
	DEC_TUN_MPLS,       /* ethertype 0x8847/0x8848 (RFC 3032) */
};

#define DEC_MAX_MPLS 16      /* MPLS label stack entries followed; a deeper stack is not followed */

struct dec_tunnel {
	uint8_t kind;       /* enum dec_tun_kind */
	uint8_t mpls;       /* MPLS label stack entries between (kind MPLS, or GRE carrying MPLS); 0 none */
	uint32_t linktype;  /* of the inner packet: LINKTYPE_ETHERNET or LINKTYPE_RAW */
	uint32_t off;       /* packet offset where it starts */
};

/*
 * Whether packet `d`, decoded from p[0..caplen), carries another packet:
 * IPv4/IPv6 in IP, GRE (IPv4, IPv6, Ethernet or MPLS inside), VXLAN and
 * Geneve by their UDP destination port, MPLS by ethertype (IPv4/IPv6
 * below the stack, by version nibble). Fills *t and returns true when the
 * inner packet starts inside the captured bytes; IP fragments are not
 * followed. Pure: reads only p[0..caplen).
 */
bool dec_tunnel(const uint8_t *p, size_t caplen, const struct dec_packet *d, struct dec_tunnel *t);

/* Short lower-case name of a protocol ("ether", "vlan"... "tcp"), never NULL. */
const char *dec_proto_name(enum dec_proto proto);

/* "ok", "truncated", "invalid" or "none". */
const char *dec_status_name(enum dec_status status);

/*
 * Per-protocol decoders used by dec_packet() (src/decode/<proto>.c), exposed
 * for tests. Each decodes the header at p[0..len) where p is at packet
 * offset `off`, fills its part of `out` and its layer's status/hdr_len, and
 * returns that status. They do not recurse into the next layer.
 */
int dec_fail(struct dec_packet *out, struct dec_layer *layer, enum dec_status st,
	     uint32_t off, const char *what);
int dec_ether(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_vlan_tags(const uint8_t *p, size_t len, uint32_t off, uint16_t tpid,
		  struct dec_packet *out, size_t *used);
int dec_llc(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_sll(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_sll2(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_null(const uint8_t *p, size_t len, uint32_t off, bool loop, struct dec_packet *out);
int dec_arp(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_ipv4(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_ipv6(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_tcp(const uint8_t *p, size_t len, uint32_t off, bool options, struct dec_packet *out);
int dec_udp(const uint8_t *p, size_t len, uint32_t off, struct dec_packet *out);
int dec_icmp(const uint8_t *p, size_t len, uint32_t off, bool details, struct dec_packet *out);
int dec_icmp6(const uint8_t *p, size_t len, uint32_t off, bool details, struct dec_packet *out);

#endif
