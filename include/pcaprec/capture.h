/* SPDX-License-Identifier: BSD-2-Clause */
/* Capture engine: an AF_PACKET socket with a TPACKET_V3 memory-mapped receive ring per interface. */
#ifndef PCAPREC_CAPTURE_H
#define PCAPREC_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#include "pcaprec/frame.h"

#define CAPTURE_DEFAULT_SNAPLEN 262144u
#define CAPTURE_DEFAULT_BUFFER (64u * 1024u * 1024u)
#define CAPTURE_DEFAULT_BLOCK_TOV_MS 50u

/* Length of a LINKTYPE_LINUX_SLL2 header (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html). */
#define SLL2_HDR_LEN 20u
/* Length of an IEEE 802.1Q tag (TPID + TCI). */
#define VLAN_TAG_LEN 4u

struct ring_opts {
	const char *ifname;          /* interface name, or "any" for all interfaces */
	uint32_t snaplen;            /* frames are cut to this many bytes (0 = default) */
	size_t buffer_size;          /* ring bytes (0 = default); rounded to whole blocks */
	bool promisc;                /* PACKET_MR_PROMISC while the socket is open */
	uint32_t block_tov_ms;       /* block retire timeout (0 = default) */
	uint32_t iface_id;           /* copied into frame.iface (pcapng interface id) */
	/*
	 * Optional classic BPF program attached with SO_ATTACH_FILTER before
	 * the socket is bound, so no frame ever bypasses it. NULL = everything.
	 * The kernel runs it on the frame as it sees it, which differs from the
	 * frame the ring produces when a VLAN tag was stripped into metadata
	 * (reinserted at byte 12) or the ring is cooked (an SLL2 header put in
	 * front of the network header): a program for the produced bytes needs
	 * filter_kernel_build first. ring_block_next_frame marks such frames
	 * `rewritten`.
	 */
	const struct sock_filter *filter;
	uint16_t filter_len;
};

/* Kernel and pcaprec counters for one ring, accumulated since ring_open. */
struct ring_stats {
	/*
	 * tp_packets (frames that passed the kernel filter, drops included)
	 * less the loopback echoes: a loopback device hands every packet up
	 * twice, and the outgoing copy is skipped (ring_block_next_frame), so
	 * it is not a received packet.
	 */
	uint64_t received;
	uint64_t dropped;            /* tp_drops: frames the kernel dropped because the ring was full */
	uint64_t freeze_q;           /* tp_freeze_q_cnt */
	uint64_t echoes;             /* loopback echoes skipped (not in `received`) */
	uint64_t rejected;           /* frames the caller's filter rejected (ring_frame_rejected);
					not in `received` either */
};

struct ring;

/*
 * A retired block handed out by ring_next_block. `frames_left` frames remain
 * after the cursor; the block stays owned by user space (its memory valid)
 * until ring_release_block. Iteration can stop at any frame and resume.
 */
struct ring_block {
	struct ring *ring;
	uint32_t index;              /* block number in the ring */
	uint32_t frames_left;
	size_t next_off;             /* offset of the next tpacket3_hdr inside the block */
	bool rewritten;              /* the last frame differs from what a kernel filter saw */
};

/*
 * Open a socket on `o->ifname`, configure a TPACKET_V3 ring, attach the
 * filter, bind, and turn on promiscuous mode if asked. On failure returns NULL,
 * sets *errnum (EPERM when a capability is missing, ENODEV for an unknown
 * interface, ENETDOWN for an interface that is down) and writes a message
 * naming the interface and, for EPERM, the capability.
 */
struct ring *ring_open(const struct ring_opts *o, int *errnum, char *err, size_t errlen);

/*
 * The LINKTYPE_* ring_open would produce for interface `ifname` ("any"
 * included), without opening anything or needing privilege; so a filter can
 * be compiled for it first. -1 with *errnum and a message like ring_open's.
 */
int capture_iface_linktype(const char *ifname, uint32_t *linktype, int *errnum, char *err,
			   size_t errlen);

/* Undo promiscuous mode, unmap, close. NULL is a no-op. Blocks handed out become invalid. */
void ring_close(struct ring *r);

/* The socket, for poll(POLLIN). */
int ring_fd(const struct ring *r);

/* LINKTYPE_* of the frames this ring produces. */
uint32_t ring_linktype(const struct ring *r);

/* Interface name as given ("any" included). */
const char *ring_ifname(const struct ring *r);

uint32_t ring_snaplen(const struct ring *r);

/* Blocks in the ring. */
uint32_t ring_nblocks(const struct ring *r);

/* Bytes of ring memory actually mapped. */
size_t ring_buffer_size(const struct ring *r);

/*
 * If the next block in ring order is owned by user space and not already
 * handed out, fill *b and return true. One acquire load of the block status
 * decides ownership. Blocks are handed out and must be released in ring order.
 */
bool ring_next_block(struct ring *r, struct ring_block *b);

/*
 * True when the block after the last one ring_next_block gave out is
 * retired too (owned by user space, not yet handed out): the reader is at
 * least a whole block behind the kernel. One acquire load.
 */
bool ring_backlog(const struct ring *r);

/*
 * Next frame of block `b` into *f (data points into the ring, or is rewritten
 * in place there: VLAN tag re-inserted, SLL2 header prepended). Returns false
 * when the block has no more frames. Frames the ring should not report
 * (loopback echoes of outgoing packets) are skipped.
 */
bool ring_block_next_frame(struct ring_block *b, struct frame *f);

/*
 * The frame ring_block_next_frame just gave out was rejected by the
 * caller's own filter (one the kernel program could not decide): it is not
 * a packet the filter accepted, so ring_stats leaves it out of `received`.
 * Call from the thread that reads the blocks.
 */
void ring_frame_rejected(struct ring_block *b);

/* Give the block back to the kernel with one release store of TP_STATUS_KERNEL. */
void ring_release_block(struct ring_block *b);

/*
 * The socket's pending error (SO_ERROR, cleared by reading), 0 if none:
 * ENETDOWN when the interface went down, ENODEV when it was removed.
 */
int ring_sock_error(struct ring *r);

/*
 * From now on the kernel passes no frame to this socket (a filter that
 * rejects everything replaces the one attached), so the counters stop and
 * what the ring holds is all there is. For the end of a capture: frames
 * after a stop are neither written nor counted. 0, or -1 with errno.
 */
int ring_stop_receiving(struct ring *r);

/*
 * `to` replaces `from` (the same interface, opened again after it went
 * away): its counters continue from `from`'s final ones, so totals and
 * per-file differences stay exact across the change. Reads `from`'s
 * counters one last time.
 */
void ring_inherit_stats(struct ring *to, struct ring *from);

/* Number of blocks handed out and not yet released. */
uint32_t ring_blocks_out(const struct ring *r);

/*
 * Read PACKET_STATISTICS (which resets the kernel counters) and add them to
 * the ring's totals; *st receives the totals. Returns -1 on error.
 */
int ring_stats(struct ring *r, struct ring_stats *st);

/* --- pure helpers, exported for unit tests --- */

/*
 * Bytes of ring memory ring_open maps for `snaplen` and `buffer_size` (0 =
 * the defaults): whole blocks, at least 2, at most 65536. So the size can be
 * checked against the machine's memory before any socket exists.
 */
uint64_t capture_ring_bytes(uint32_t snaplen, uint64_t buffer_size);

/*
 * LINKTYPE_* for a device's ARPHRD_* type when read with a SOCK_RAW socket,
 * or 0 when the device's link header has no LINKTYPE we write directly (such
 * devices are captured cooked, as LINKTYPE_LINUX_SLL2).
 */
uint32_t capture_linktype_for_arphrd(uint16_t arphrd);

/*
 * Re-insert an 802.1Q tag after the two MAC addresses of the Ethernet frame
 * at `frame` (`len` bytes). The 4 bytes before `frame` must be writable: the
 * addresses move there, followed by TPID and TCI. Returns the new start
 * (frame - 4), or NULL (nothing changed) when len < 12.
 */
uint8_t *capture_vlan_insert(uint8_t *frame, size_t len, uint16_t tpid, uint16_t tci);

/*
 * Write a LINKTYPE_LINUX_SLL2 header into out[0..19]: protocol (network
 * order as in sockaddr_ll), reserved 0, ifindex, ARPHRD type, packet type,
 * address length and up to 8 address bytes (zero padded).
 */
void capture_sll2_header(uint8_t out[SLL2_HDR_LEN], uint16_t protocol_be, uint32_t ifindex,
			 uint16_t hatype, uint8_t pkttype, uint8_t halen, const uint8_t *addr);

/* --- interface listing (pcaprec interfaces) --- */

struct capture_iface {
	char name[64];
	uint32_t index;
	uint16_t arphrd;
	uint32_t linktype;           /* what `record -i name` would write */
	bool up;
	bool running;
	bool loopback;
	char addrs[512];             /* space-separated addresses, "" if none */
};

/*
 * List the interfaces of this network namespace, sorted by index. On success
 * returns the count and *out (free() it); on failure -1 with a message.
 */
int capture_list_ifaces(struct capture_iface **out, char *err, size_t errlen);

/* What the kernel tells about an interface, for its pcapng IDB (src/capture/ifinfo.c). */
struct capture_iface_info {
	char alias[257];          /* `ip link set IF alias TEXT` (if_description), "" if none */
	char hardware[96];        /* driver and bus as ethtool -i shows them (if_hardware), "" if unknown */
	uint64_t speed_bps;       /* /sys/class/net/IF/speed in bit/s (if_speed), 0 if unknown */
};

/* Fill *info for `ifname` in this namespace; what cannot be learned stays empty or 0. */
void capture_iface_info(const char *ifname, struct capture_iface_info *info);

/*
 * The CPU model from /proc/cpuinfo text ("model name", else "Hardware",
 * "cpu model", "Processor"), trimmed, into buf. False when none is there.
 */
bool cpuinfo_model(const char *text, char *buf, size_t len);

/* cpuinfo_model of this machine's /proc/cpuinfo (shb_hardware). */
bool capture_cpu_model(char *buf, size_t len);

#endif
