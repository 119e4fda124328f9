/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_PACKET socket with a TPACKET_V3 receive ring (Documentation/networking/packet_mmap.rst). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "pcaprec/capture.h"
#include "pcaprec/util.h"

/*
 * Bytes asked of the kernel in front of every frame (PACKET_RESERVE), so
 * that a VLAN tag (4) or an SLL2 header (20) can be written in place before
 * the frame without copying it.
 */
#define RING_RESERVE 24u
#define RING_FRAME_SIZE 2048u
#define RING_MIN_BLOCK (128u * 1024u)
#define RING_MIN_BLOCKS 2u
#define RING_MAX_BLOCKS 65536u

struct ring {
	int fd;
	uint8_t *map;
	size_t map_len;
	uint32_t block_size;
	uint32_t nblocks;
	uint32_t next_block;         /* next block to hand out (capture side only) */
	uint32_t blocks_out;         /* handed out, not yet released (atomic) */
	int ifindex;                 /* 0 for "any" */
	char ifname[IF_NAMESIZE];
	uint32_t linktype;
	bool cooked;                 /* SOCK_DGRAM: we build an SLL2 header */
	bool loopback_dev;           /* drop PACKET_OUTGOING echoes (lo sees each packet twice) */
	bool promisc_on;
	uint32_t snaplen;
	uint32_t iface_id;
	struct ring_stats total;
	uint64_t echoes;             /* loopback echoes skipped (the consumer's thread only) */
	uint64_t rejected;           /* ring_frame_rejected (the consumer's thread only) */
};

/* Device facts read before the socket type is chosen. */
struct dev_info {
	int ifindex;
	uint16_t arphrd;
};

static int dev_lookup(const char *name, struct dev_info *d, int *errnum, char *err, size_t errlen)
{
	struct ifreq ifr;
	int s, rc = -1;

	if (strlen(name) >= IF_NAMESIZE) {
		*errnum = ENODEV;
		return errf(err, errlen, "interface name '%s' is too long (max %d bytes)",
			    name, IF_NAMESIZE - 1);
	}
	d->ifindex = (int)if_nametoindex(name);
	if (d->ifindex == 0) {
		*errnum = ENODEV;
		return errf(err, errlen, "no interface named '%s' (see 'pcaprec interfaces')", name);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*errnum = errno;
		return errf(err, errlen, "socket for interface query: %s", strerror(errno));
	}
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		*errnum = errno;
		errf(err, errlen, "interface '%s': reading flags: %s", name, strerror(errno));
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		*errnum = ENETDOWN;
		errf(err, errlen, "interface '%s' is down (ip link set %s up)", name, name);
		goto out;
	}
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		*errnum = errno;
		errf(err, errlen, "interface '%s': reading link type: %s", name, strerror(errno));
		goto out;
	}
	d->arphrd = (uint16_t)ifr.ifr_hwaddr.sa_family;
	rc = 0;
out:
	close(s);
	return rc;
}

int capture_iface_linktype(const char *ifname, uint32_t *linktype, int *errnum, char *err,
			   size_t errlen)
{
	struct dev_info d = { 0, 0 };

	*errnum = 0;
	if (strcmp(ifname, "any") == 0) {
		*linktype = LINKTYPE_LINUX_SLL2;
		return 0;
	}
	if (dev_lookup(ifname, &d, errnum, err, errlen) < 0)
		return -1;
	*linktype = capture_linktype_for_arphrd(d.arphrd);
	if (*linktype == 0)
		*linktype = LINKTYPE_LINUX_SLL2;
	return 0;
}

static int ring_socket(struct ring *r, int *errnum, char *err, size_t errlen)
{
	int ver = TPACKET_V3;
	unsigned reserve = RING_RESERVE;

	/* Protocol 0: nothing is queued until bind(), after the filter is attached. */
	r->fd = socket(AF_PACKET, (r->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		*errnum = errno;
		if (errno == EPERM || errno == EACCES)
			return errf(err, errlen, "capturing on '%s' needs CAP_NET_RAW (run as root "
				    "or grant it: setcap cap_net_raw+ep pcaprec; no other "
				    "capability is needed)", r->ifname);
		return errf(err, errlen, "AF_PACKET socket: %s", strerror(errno));
	}
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof ver) < 0) {
		*errnum = errno;
		return errf(err, errlen, "PACKET_VERSION TPACKET_V3: %s (kernel >= 3.2 needed)",
			    strerror(errno));
	}
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve) < 0) {
		*errnum = errno;
		return errf(err, errlen, "PACKET_RESERVE: %s", strerror(errno));
	}
	return 0;
}

/* Block size: a power of two holding the largest frame we keep, at least RING_MIN_BLOCK. */
static uint32_t ring_block_size(uint32_t snaplen)
{
	uint32_t need = snaplen + 1024u, bs = RING_MIN_BLOCK;

	while (bs < need)
		bs <<= 1;
	return bs;
}

/* Blocks of `block_size` bytes for a ring of about `buffer_size` bytes. */
static uint32_t ring_block_count(size_t buffer_size, uint32_t block_size)
{
	size_t nb = buffer_size / block_size;

	if (nb < RING_MIN_BLOCKS)
		nb = RING_MIN_BLOCKS;
	if (nb > RING_MAX_BLOCKS)
		nb = RING_MAX_BLOCKS;
	return (uint32_t)nb;
}

uint64_t capture_ring_bytes(uint32_t snaplen, uint64_t buffer_size)
{
	uint32_t bs = ring_block_size(snaplen ? snaplen : CAPTURE_DEFAULT_SNAPLEN);
	uint64_t want = buffer_size ? buffer_size : CAPTURE_DEFAULT_BUFFER;

	if (want > (uint64_t)RING_MAX_BLOCKS * bs)
		want = (uint64_t)RING_MAX_BLOCKS * bs;
	return (uint64_t)ring_block_count((size_t)want, bs) * bs;
}

static int ring_map(struct ring *r, size_t buffer_size, uint32_t tov_ms, int *errnum,
		    char *err, size_t errlen)
{
	struct tpacket_req3 req;
	void *m;

	r->block_size = ring_block_size(r->snaplen);
	r->nblocks = ring_block_count(buffer_size, r->block_size);
	memset(&req, 0, sizeof req);
	req.tp_block_size = r->block_size;
	req.tp_block_nr = r->nblocks;
	req.tp_frame_size = RING_FRAME_SIZE;
	req.tp_frame_nr = (r->block_size / RING_FRAME_SIZE) * r->nblocks;
	req.tp_retire_blk_tov = tov_ms;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
		*errnum = errno;
		return errf(err, errlen, "PACKET_RX_RING (%u blocks of %u bytes): %s", r->nblocks,
			    r->block_size, strerror(errno));
	}
	r->map_len = (size_t)r->block_size * r->nblocks;
	m = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, r->fd, 0);
	if (m == MAP_FAILED) /* MAP_LOCKED may exceed RLIMIT_MEMLOCK; the ring works unlocked too */
		m = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (m == MAP_FAILED) {
		*errnum = errno;
		errf(err, errlen, "mmap of %zu-byte ring: %s", r->map_len, strerror(errno));
		r->map_len = 0;
		return -1;
	}
	r->map = m;
	return 0;
}

/* Attach o->filter as it is: the caller made it for what the kernel sees (filter_kernel_build). */
static int ring_attach_filter(struct ring *r, const struct ring_opts *o, int *errnum,
			      char *err, size_t errlen)
{
	struct sock_fprog prog = { o->filter_len, (struct sock_filter *)(uintptr_t)o->filter };

	if (o->filter_len > BPF_MAXINSNS) {
		*errnum = E2BIG;
		return errf(err, errlen, "filter for '%s' has %u instructions, more than the "
			    "kernel's %d", r->ifname, o->filter_len, BPF_MAXINSNS);
	}
	if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
		*errnum = errno;
		return errf(err, errlen, "attaching the filter on '%s': %s", r->ifname, strerror(errno));
	}
	return 0;
}

static int ring_bind(struct ring *r, const struct ring_opts *o, int *errnum, char *err,
		     size_t errlen)
{
	struct sockaddr_ll sll;

	if (o->filter && o->filter_len && ring_attach_filter(r, o, errnum, err, errlen) < 0)
		return -1;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		*errnum = errno;
		return errf(err, errlen, "bind to '%s': %s", r->ifname, strerror(errno));
	}
	if (o->promisc && r->ifindex != 0) {
		struct packet_mreq mr;

		memset(&mr, 0, sizeof mr);
		mr.mr_ifindex = r->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
			*errnum = errno;
			if (errno == EPERM)
				return errf(err, errlen, "promiscuous mode on '%s' was refused: %s "
					    "(or use -p)", r->ifname, strerror(errno));
			return errf(err, errlen, "promiscuous mode on '%s': %s", r->ifname,
				    strerror(errno));
		}
		r->promisc_on = true;
	}
	return 0;
}

struct ring *ring_open(const struct ring_opts *o, int *errnum, char *err, size_t errlen)
{
	struct dev_info d = { 0, 0 };
	struct ring *r;
	bool any = strcmp(o->ifname, "any") == 0;

	*errnum = 0;
	if (!any && dev_lookup(o->ifname, &d, errnum, err, errlen) < 0)
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r) {
		*errnum = ENOMEM;
		errf(err, errlen, "out of memory");
		return NULL;
	}
	r->fd = -1;
	memcpy(r->ifname, o->ifname, strlen(o->ifname) + 1);
	r->ifindex = d.ifindex;
	r->snaplen = o->snaplen ? o->snaplen : CAPTURE_DEFAULT_SNAPLEN;
	r->iface_id = o->iface_id;
	r->linktype = any ? 0 : capture_linktype_for_arphrd(d.arphrd);
	r->cooked = r->linktype == 0;
	if (r->cooked)
		r->linktype = LINKTYPE_LINUX_SLL2;
	r->loopback_dev = !any && d.arphrd == ARPHRD_LOOPBACK;
	if (ring_socket(r, errnum, err, errlen) < 0 ||
	    ring_map(r, o->buffer_size ? o->buffer_size : CAPTURE_DEFAULT_BUFFER,
		     o->block_tov_ms ? o->block_tov_ms : CAPTURE_DEFAULT_BLOCK_TOV_MS,
		     errnum, err, errlen) < 0 ||
	    ring_bind(r, o, errnum, err, errlen) < 0) {
		ring_close(r);
		return NULL;
	}
	return r;
}

void ring_close(struct ring *r)
{
	if (!r)
		return;
	if (r->promisc_on) {
		struct packet_mreq mr;

		memset(&mr, 0, sizeof mr);
		mr.mr_ifindex = r->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		setsockopt(r->fd, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof mr);
	}
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

int ring_fd(const struct ring *r) { return r->fd; }
uint32_t ring_linktype(const struct ring *r) { return r->linktype; }
const char *ring_ifname(const struct ring *r) { return r->ifname; }
uint32_t ring_snaplen(const struct ring *r) { return r->snaplen; }
size_t ring_buffer_size(const struct ring *r) { return r->map_len; }
uint32_t ring_nblocks(const struct ring *r) { return r->nblocks; }

int ring_sock_error(struct ring *r)
{
	int e = 0;
	socklen_t len = sizeof e;

	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return errno;
	return e;
}

int ring_stop_receiving(struct ring *r)
{
	static const struct sock_filter none[1] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { 1, (struct sock_filter *)none };

	return setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

void ring_inherit_stats(struct ring *to, struct ring *from)
{
	struct ring_stats st;

	(void)ring_stats(from, &st);
	to->total = from->total;
	to->echoes = from->echoes;
}

uint32_t ring_blocks_out(const struct ring *r)
{
	return __atomic_load_n(&r->blocks_out, __ATOMIC_ACQUIRE);
}

static struct tpacket_block_desc *ring_desc(const struct ring *r, uint32_t index)
{
	return (struct tpacket_block_desc *)(void *)(r->map + (size_t)index * r->block_size);
}

bool ring_next_block(struct ring *r, struct ring_block *b)
{
	struct tpacket_block_desc *bd;

	/* Blocks are released in order, so the one at next_block is still out only if all are. */
	if (__atomic_load_n(&r->blocks_out, __ATOMIC_ACQUIRE) >= r->nblocks)
		return false;
	bd = ring_desc(r, r->next_block);
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return false;
	b->ring = r;
	b->index = r->next_block;
	b->frames_left = bd->hdr.bh1.num_pkts;
	b->next_off = bd->hdr.bh1.offset_to_first_pkt;
	r->next_block = (r->next_block + 1) % r->nblocks;
	__atomic_add_fetch(&r->blocks_out, 1, __ATOMIC_ACQ_REL);
	return true;
}

bool ring_backlog(const struct ring *r)
{
	const struct tpacket_block_desc *bd;

	if (__atomic_load_n(&r->blocks_out, __ATOMIC_ACQUIRE) >= r->nblocks)
		return false;
	bd = (const struct tpacket_block_desc *)(const void *)(r->map + (size_t)r->next_block * r->block_size);
	return (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

void ring_release_block(struct ring_block *b)
{
	struct tpacket_block_desc *bd = ring_desc(b->ring, b->index);

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&b->ring->blocks_out, 1, __ATOMIC_ACQ_REL);
	b->frames_left = 0;
}

/*
 * Turn the ring entry `h` into a frame, rewriting bytes in front of the
 * packet in place (the kernel left RING_RESERVE spare bytes there). Returns
 * true when the bytes differ from what the kernel (and its filter) saw.
 */
static bool ring_fill_frame(const struct ring *r, struct tpacket3_hdr *h,
			    const struct sockaddr_ll *sll, struct frame *f)
{
	bool rewritten = r->cooked;
	uint8_t *data;
	uint32_t caplen = h->tp_snaplen, origlen = h->tp_len;

	if (r->cooked) {
		data = (uint8_t *)h + h->tp_net - SLL2_HDR_LEN;
		capture_sll2_header(data, sll->sll_protocol, (uint32_t)sll->sll_ifindex,
				    sll->sll_hatype, sll->sll_pkttype, sll->sll_halen, sll->sll_addr);
		caplen += SLL2_HDR_LEN;
		origlen += SLL2_HDR_LEN;
	} else {
		data = (uint8_t *)h + h->tp_mac;
		if ((h->tp_status & TP_STATUS_VLAN_VALID) && r->linktype == LINKTYPE_ETHERNET) {
			uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
					h->hv1.tp_vlan_tpid : ETH_P_8021Q;
			uint8_t *n = capture_vlan_insert(data, caplen, tpid, h->hv1.tp_vlan_tci);

			if (n) {
				data = n;
				rewritten = true;
				caplen += VLAN_TAG_LEN;
				origlen += VLAN_TAG_LEN;
			}
		}
	}
	f->ts_ns = (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec;
	f->caplen = caplen < r->snaplen ? caplen : r->snaplen;
	f->origlen = origlen;
	f->linktype = r->linktype;
	f->iface = r->iface_id;
	f->dir = sll->sll_pkttype == PACKET_OUTGOING ? FRAME_DIR_OUT : FRAME_DIR_IN;
	f->data = data;
	return rewritten;
}

bool ring_block_next_frame(struct ring_block *b, struct frame *f)
{
	struct ring *r = b->ring;
	uint8_t *base = r->map + (size_t)b->index * r->block_size;

	while (b->frames_left > 0) {
		struct tpacket3_hdr *h;
		const struct sockaddr_ll *sll;
		size_t off = b->next_off;

		/* A header or packet outside the block means the ring is not what we set up. */
		if (off + TPACKET3_HDRLEN > r->block_size) {
			b->frames_left = 0;
			return false;
		}
		h = (struct tpacket3_hdr *)(void *)(base + off);
		b->frames_left--;
		b->next_off = off + h->tp_next_offset;
		/* The kernel wrote the next header on another CPU: start fetching it now. */
		if (b->frames_left > 0 && b->next_off < r->block_size)
			__builtin_prefetch(base + b->next_off);
		/*
		 * The packet must lie inside the block, with room in front of it for
		 * what we write there (RING_RESERVE guarantees it; checked anyway).
		 */
		if ((size_t)(r->cooked ? h->tp_net : h->tp_mac) + h->tp_snaplen > r->block_size - off ||
		    (r->cooked ? h->tp_net : h->tp_mac) < TPACKET3_HDRLEN + SLL2_HDR_LEN)
			continue;
		sll = (const struct sockaddr_ll *)(const void *)((uint8_t *)h +
			TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
		/* Loopback devices hand every packet up twice; keep the incoming copy (as libpcap). */
		if (sll->sll_pkttype == PACKET_OUTGOING &&
		    (r->loopback_dev || (r->cooked && sll->sll_hatype == ARPHRD_LOOPBACK))) {
			r->echoes++;
			continue;
		}
		b->rewritten = ring_fill_frame(r, h, sll, f);
		return true;
	}
	return false;
}

void ring_frame_rejected(struct ring_block *b)
{
	b->ring->rejected++;
}

int ring_stats(struct ring *r, struct ring_stats *st)
{
	struct tpacket_stats_v3 ks;
	socklen_t len = sizeof ks;

	memset(&ks, 0, sizeof ks);
	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) < 0)
		return -1;
	/* Since Linux 2.6.x tp_packets already includes tp_drops when reported. */
	r->total.received += ks.tp_packets;
	r->total.dropped += ks.tp_drops;
	r->total.freeze_q += ks.tp_freeze_q_cnt;
	*st = r->total;
	/* an echo is skipped only after the kernel counted it, so never more than received */
	st->echoes = r->echoes;
	st->rejected = r->rejected;
	st->received -= r->echoes + r->rejected;
	return 0;
}
