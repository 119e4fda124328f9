/* SPDX-License-Identifier: BSD-2-Clause */
/* The frame: the one record that crosses between capture, writers, readers and decoders. */
#ifndef PCAPREC_FRAME_H
#define PCAPREC_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Link-layer header types as registered with tcpdump.org (LINKTYPE_*). */
enum {
	LINKTYPE_NULL = 0,        /* BSD loopback, host-order AF_ value */
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,       /* raw IPv4 or IPv6, version nibble decides */
	LINKTYPE_LOOP = 108,      /* OpenBSD loopback, network-order AF_ value */
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_IPV6 = 229,
	LINKTYPE_LINUX_SLL2 = 276,
};

/* Direction of a frame relative to the capturing host (pcapng epb_flags bits 0-1). */
enum frame_dir {
	FRAME_DIR_UNKNOWN = 0,
	FRAME_DIR_IN = 1,
	FRAME_DIR_OUT = 2,
};

/* Largest captured length any module accepts from disk or wire. */
#define FRAME_MAX_CAPLEN (256u * 1024u)

/*
 * One captured frame. `data` points at `caplen` bytes owned by whoever
 * produced the frame (a ring block, a reader buffer); it stays valid until
 * that producer's next call. `iface` is the index of the interface in the
 * producer's interface table (pcapng interface id).
 */
struct frame {
	uint64_t ts_ns;          /* nanoseconds since 1970-01-01T00:00:00Z */
	uint32_t caplen;         /* bytes present at data */
	uint32_t origlen;        /* length on the wire, >= caplen unless damaged */
	uint32_t linktype;       /* LINKTYPE_* */
	uint32_t iface;          /* interface id within the producer */
	enum frame_dir dir;
	const uint8_t *data;
};

/* Name of a link type ("EN10MB", "LINUX_SLL2"...), or NULL when unknown. */
const char *linktype_name(uint32_t linktype);

/* Human description ("Ethernet", "Linux cooked v2"...), or "unknown". */
const char *linktype_description(uint32_t linktype);

#endif
