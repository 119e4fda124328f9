/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet printers: one tcpdump-style line, or one JSON object, per decoded packet. */
#ifndef PCAPREC_PRINT_H
#define PCAPREC_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcaprec/decode.h"
#include "pcaprec/frame.h"

/* Timestamp styles, named after tcpdump's -t flags. */
enum print_ts {
	PRINT_TS_LOCAL = 0,       /* default: local time of day HH:MM:SS.frac */
	PRINT_TS_NONE,            /* -t: no timestamp */
	PRINT_TS_EPOCH,           /* -tt: seconds since 1970 */
	PRINT_TS_DELTA,           /* -ttt: since the previous packet */
	PRINT_TS_DATE,            /* -tttt: local date and time */
	PRINT_TS_SINCE_FIRST,     /* -ttttt: since the first packet */
};

struct print_opts {
	enum print_ts ts;
	bool nano;                /* 9 fraction digits instead of 6 */
	bool utc;                 /* PRINT_TS_LOCAL/DATE in UTC instead of local time */
	bool link;                /* -e: print the link-level header */
	int verbose;              /* -v count: IP header fields */
	bool quiet;               /* -q: less protocol detail, as tcpdump -q */
	bool abs_seq;             /* -S: absolute TCP sequence numbers */
	bool number;              /* -#: "%5u  " packet number before the line */
	uint8_t hex;              /* -x count: 1 hex after the link header, 2 from the frame start */
	uint8_t hex_ascii;        /* -X count, likewise with ASCII */
	uint8_t ascii;            /* -A count, likewise ASCII only */
	bool quoted;              /* internal: printing the packet an ICMP error quotes */
};

/* TCP conversations whose sequence numbers print relative (tcpdump without -S); more print absolute, marked. */
#define PRINT_SEQ_MAX_FLOWS 65536u

struct print_seqtab;

/*
 * What a printer remembers between packets: the first and previous
 * timestamps (for -ttt/-ttttt) and the last local-time conversion, so
 * that localtime_r runs once per second of capture, not per packet.
 * Zero-initialise it before the first packet.
 */
struct print_state {
	bool have_first;
	uint64_t first_ns;
	uint64_t prev_ns;
	int64_t cached_sec;
	bool cached;
	char cached_date[16];     /* "YYYY-MM-DD " */
	char cached_hms[16];      /* "HH:MM:SS" */
	uint64_t number;          /* -#: the number to print for this packet (the caller sets it) */
	bool no_time;             /* this packet has no timestamp (pcapng SPB; the caller sets it) */
	struct print_seqtab *seq; /* relative sequence numbers, made at the first use */
};

/* Free what a print_state holds (print_state_free on a zeroed state is a no-op). */
void print_state_free(struct print_state *st);

/* Whether -x/-X/-A (or doubled) asks for a dump after each line. */
bool print_has_dump(const struct print_opts *o);

/*
 * The dump -x/-xx/-X/-XX/-A/-AA asks for, as tcpdump 4.99 prints it (no
 * final newline: the caller ends the packet's line). Single flags start
 * after the link-layer header (nothing when the frame holds no more), doubled
 * ones at the frame's first byte; at most caplen bytes.
 */
void print_dump(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		FILE *out);

/* Bounded output buffer; text past `cap - 1` is dropped and `full` set. */
struct pbuf {
	char *buf;
	size_t cap;
	size_t len;
	bool full;
};

/* Largest line either printer produces for one packet (longer output is cut). */
#define PRINT_LINE_MAX 4096

/*
 * Format one packet as tcpdump -nn -S would (see README "pcaprec read" for
 * the documented differences) into `buf` (`cap` >= 2 bytes), ending in
 * '\n' and NUL-terminated. `f` supplies timestamp and bytes, `d` must be
 * dec_packet(f...) at DEC_DEPTH_ALL. Returns the length written.
 */
size_t print_line(const struct print_opts *o, struct print_state *st, const struct frame *f,
		  const struct dec_packet *d, char *buf, size_t cap);

/*
 * TCP sequence and acknowledgment numbers to print for `d` (a decoded TCP
 * segment), relative as tcpdump makes them unless o->abs_seq: the first
 * segment with ACK of a conversation (or any SYN) records both initial
 * numbers and prints absolute; later ones print relative. *sack_base is
 * what tcpdump subtracts from SACK edges. Returns false when the table
 * (PRINT_SEQ_MAX_FLOWS) is full and the numbers are absolute though
 * relative was asked (the line is then marked " [abs]").
 */
bool print_tcp_seq(const struct print_opts *o, struct print_state *st, const struct dec_packet *d,
		   uint32_t *seq, uint32_t *ack, uint32_t *sack_base);

/*
 * Start loading the table slot print_tcp_seq will look at for `d`, so that
 * the cache miss overlaps the formatting of the line before it.
 */
void print_seq_prefetch(const struct print_opts *o, const struct print_state *st,
			const struct dec_packet *d);

/*
 * The same packet as one JSON object on one line (NDJSON) with every
 * decoded field; key names are documented in README and never change.
 * When the object does not fit in `cap` (>= 128) bytes, a complete stub
 * with the timestamp and "output_cut": true is written instead.
 */
size_t print_json(const struct print_opts *o, struct print_state *st, const struct frame *f,
		  const struct dec_packet *d, char *buf, size_t cap);

/* Append helpers on a struct pbuf (printf-like, bounded). */
void pb_init(struct pbuf *b, char *buf, size_t cap);
void pb_puts(struct pbuf *b, const char *s);
void pb_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "02:00:5e:00:00:01" */
/* One character; unsigned decimal; decimal zero-padded to `width` digits (like "%0*u"). */
void pb_putc(struct pbuf *b, char c);
void pb_uint(struct pbuf *b, uint64_t v);
void pb_uint_pad(struct pbuf *b, uint64_t v, unsigned width);
void pb_mac(struct pbuf *b, const uint8_t mac[6]);
/* Dotted quad (version 4) or RFC 5952 text (version 6). */
void pb_ip(struct pbuf *b, int version, const uint8_t *addr);
/* JSON string literal with quotes and escapes (RFC 8259 7). */
void pb_json_str(struct pbuf *b, const char *s);

/*
 * Timestamp text for `ts_ns` in style o->ts (no trailing space); updates
 * st. A packet without time (st->no_time) prints "(no time)" and leaves the
 * -ttt/-ttttt references alone.
 */
void print_ts(const struct print_opts *o, struct print_state *st, uint64_t ts_ns, struct pbuf *b);

/* tcpdump's TCP flag letters ("S.", "P.", "none") into b. */
void print_tcp_flags(struct pbuf *b, uint16_t flags);

/* Network and transport part of a line (after any link header): "IP a.1 > b.2: ...". */
void print_net(const struct print_opts *o, struct print_state *st, const struct frame *f, const struct dec_packet *d,
	       struct pbuf *b);

/* Transport part after "src.sport > dst.dport: " or "src > dst: ". */
void print_transport(const struct print_opts *o, struct print_state *st, const struct frame *f,
		     const struct dec_packet *d, struct pbuf *b);

/*
 * Checksum verification for -v (RFC 1071): 1 correct, 0 wrong (*want = the
 * value the field should hold), -1 cannot tell (not all captured, fragment,
 * no such header). _l4 covers TCP, UDP, ICMP and ICMPv6 with their
 * pseudo-headers (RFC 9293 3.1, RFC 768, RFC 8200 8.1).
 */
int print_cksum_ipv4(const struct frame *f, const struct dec_packet *d, uint16_t *want);
int print_cksum_l4(const struct frame *f, const struct dec_packet *d, uint16_t *want);

/* IPv6 extension headers as tcpdump lists them ("HBH DSTOPT RT6 (...) frag (0|72) "). */
void print_ip6_ext(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		   struct pbuf *b);

/* Final destination from a type 0/2 routing header with segments left (RFC 8200 8.1). */
/*
 * TCP options MD5 (19), TCP-AO (29), MPTCP (30), fast open (34) and the
 * experimental 254 forms at o[0..len) (len >= 2), as tcpdump 4.99 prints
 * them; tcp_flags are the segment's (MPTCP forms depend on SYN/ACK).
 * Returns 1 printed, 0 not one of these kinds (nothing printed), -1
 * malformed: "[bad opt]" printed and, as in tcpdump, the line ends there.
 */
int print_tcp_opt_more(const uint8_t *o, uint8_t len, uint16_t tcp_flags, struct pbuf *b);

bool print_ip6_final_dst(const struct frame *f, const struct dec_packet *d, uint8_t dst[16]);

/* ICMP / ICMPv6 message text after the endpoints (src/print/print_icmp.c). */
void print_icmp(const struct print_opts *o, struct print_state *st, const struct frame *f, const struct dec_packet *d,
		struct pbuf *b);
void print_icmp6(const struct print_opts *o, const struct frame *f, const struct dec_packet *d,
		 struct pbuf *b);

/* Name tcpdump uses for an ethertype ("IPv4", "802.1Q"...), or "Unknown". */
const char *print_ethertype_name(uint16_t type);

#endif
