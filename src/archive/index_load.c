/* SPDX-License-Identifier: BSD-2-Clause */
/* Sidecar loader: reads a .pidx, checks magic, version, CRC-32, every offset and count, then the capture's fingerprint. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index_impl.h"

const char *const pidx_format_names[3] = { "pcap", "pcap-ns", "pcapng" };

int pidx_path(const char *capture, char *buf, size_t len)
{
	size_t n = strlen(capture);

	if (n + sizeof PIDX_SUFFIX > len)
		return -1;
	memcpy(buf, capture, n);
	memcpy(buf + n, PIDX_SUFFIX, sizeof PIDX_SUFFIX);
	return 0;
}

bool pidx_is_sidecar_name(const char *path)
{
	size_t n = strlen(path), s = sizeof PIDX_SUFFIX - 1;
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (n >= s && strcmp(path + n - s, PIDX_SUFFIX) == 0)
		return true;
	/* temporaries: ".NAME.pidx.tmp-XXXXXX" */
	return base[0] == '.' && strstr(base, PIDX_SUFFIX ".tmp-") != NULL;
}

static int read_span_crc(int fd, uint64_t off, size_t n, uint32_t *crc, char *err, size_t errlen)
{
	uint8_t buf[16384];
	uLong c = crc32(0L, Z_NULL, 0);

	while (n > 0) {
		size_t want = n < sizeof buf ? n : sizeof buf;
		ssize_t r = pread(fd, buf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return errf(err, errlen, "read at byte %llu: %s", (unsigned long long)off,
				    r < 0 ? strerror(errno) : "unexpected end of file");
		c = crc32(c, buf, (uInt)r);
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	*crc = (uint32_t)c;
	return 0;
}

int pidx_fingerprint_fd(int fd, const char *path, struct pidx_fp *fp, char *err, size_t errlen)
{
	struct stat st;
	uint64_t span;
	char why[300];

	if (fstat(fd, &st) < 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errf(err, errlen, "%s: not a regular file", path);
	fp->size = (uint64_t)st.st_size;
	fp->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	span = fp->size < PIDX_FP_SPAN ? fp->size : PIDX_FP_SPAN;
	if (read_span_crc(fd, 0, (size_t)span, &fp->crc_head, why, sizeof why) < 0 ||
	    read_span_crc(fd, fp->size - span, (size_t)span, &fp->crc_tail, why, sizeof why) < 0)
		return errf(err, errlen, "%s: %s", path, why);
	return 0;
}

/* O_NONBLOCK: a FIFO or device in the capture's place is refused by fstat, not waited on. */
int pidx_fingerprint(const char *path, struct pidx_fp *fp, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	rc = pidx_fingerprint_fd(fd, path, fp, err, errlen);
	close(fd);
	return rc;
}

void pidx_free(struct pidx *ix)
{
	if (!ix)
		return;
	free(ix->chunks);
	free(ix->cb);
	free(ix->bloom);
	free(ix->state);
	free(ix->state_end);
	free(ix->state_raw);
	free(ix->flows);
	free(ix->flow_raw);
	free(ix->name);
	free(ix->ifaces);
	free(ix);
}

/* A section as the table of contents describes it, already bounded by the file. */
struct sec {
	uint32_t count;
	const uint8_t *p;
	uint64_t len;
	bool present;
};

uint32_t pidx_trailer_crc(const uint8_t *d, size_t len, uint64_t flow_off, uint64_t flow_len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, d, (uInt)flow_off);
	return (uint32_t)crc32(c, d + flow_off + flow_len, (uInt)(len - 4 - flow_off - flow_len));
}

#define BAD(...) (errf(why, whylen, __VA_ARGS__), PIDX_BAD)

static enum pidx_status parse_toc(const uint8_t *d, size_t len, const char *name, struct sec secs[6],
				  char *why, size_t whylen)
{
	uint32_t nsec = ld_le32(d + 64);
	uint64_t toc_end = PIDX_HDR_LEN + (uint64_t)nsec * PIDX_TOC_LEN;

	if (nsec > PIDX_MAX_SECTIONS || toc_end > len - 4)
		return BAD("%s: index damaged: %u sections do not fit in %zu bytes", name, nsec, len);
	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *t = d + PIDX_HDR_LEN + (size_t)i * PIDX_TOC_LEN;
		uint32_t type = ld_le32(t);
		uint64_t off = ld_le64(t + 8), slen = ld_le64(t + 16);

		if (off < toc_end || off > len - 4 || slen > len - 4 - off)
			return BAD("%s: index damaged: section %u (type %u) at %llu+%llu lies outside the file",
				   name, i, type, (unsigned long long)off, (unsigned long long)slen);
		if (type < PIDX_SEC_CHUNKS || type > PIDX_SEC_IFACES)
			continue;   /* unknown sections of a later minor revision are skipped */
		if (secs[type].present)
			return BAD("%s: index damaged: section type %u twice", name, type);
		secs[type] = (struct sec){ ld_le32(t + 4), d + off, slen, true };
	}
	return PIDX_OK;
}

static enum pidx_status fixed_records(const struct sec *s, size_t recsz, const char *name, const char *what,
				      char *why, size_t whylen)
{
	if (s->len != (uint64_t)s->count * recsz)
		return BAD("%s: index damaged: %s section is %llu bytes, expected %u records of %zu",
			   name, what, (unsigned long long)s->len, s->count, recsz);
	return PIDX_OK;
}

static enum pidx_status parse_state(struct pidx *ix, const struct sec *s, const char *name,
				    char *why, size_t whylen)
{
	const uint8_t *p = s->p;
	uint64_t left = s->len, total = 0;

	if (s->count > s->len / PIDX_STATE_HDR)
		return BAD("%s: index damaged: %u state blocks cannot fit in %llu bytes",
			   name, s->count, (unsigned long long)s->len);
	ix->nstate = s->count;
	ix->state_end = calloc(s->count + 1u, sizeof *ix->state_end);
	ix->state_raw = calloc(s->count + 1u, sizeof *ix->state_raw);
	ix->state = malloc(s->len + 1u);
	if (!ix->state_end || !ix->state_raw || !ix->state)
		return BAD("%s: out of memory", name);
	for (uint32_t k = 0; k < s->count; k++) {
		uint64_t raw = ld_le64(p);
		uint32_t blen = ld_le32(p + 8);
		uint64_t padded = ((uint64_t)blen + 7u) & ~7ull;

		if (left < PIDX_STATE_HDR || blen == 0 || blen > READER_MAX_BLOCK || padded > left - PIDX_STATE_HDR)
			return BAD("%s: index damaged: state block %u (length %u) overruns its section", name, k, blen);
		if (k > 0 && raw <= ix->state_raw[k - 1])
			return BAD("%s: index damaged: state block %u is not after the one before", name, k);
		memcpy(ix->state + total, p + PIDX_STATE_HDR, blen);
		total += blen;
		ix->state_raw[k] = raw;
		ix->state_end[k] = (size_t)total;
		p += PIDX_STATE_HDR + padded;
		left -= PIDX_STATE_HDR + padded;
	}
	if (left != 0)
		return BAD("%s: index damaged: %llu bytes after the last state block", name, (unsigned long long)left);
	return PIDX_OK;
}

static enum pidx_status parse_chunk(struct pidx *ix, size_t i, const uint8_t *r, const char *name,
				    char *why, size_t whylen)
{
	struct pidx_chunk *c = &ix->chunks[i];
	struct pidx_cbloom *b = &ix->cb[i];
	uint32_t bbytes;

	c->file_off = ld_le64(r);
	c->seek_raw = ld_le64(r + 8);
	c->raw_off = ld_le64(r + 16);
	c->raw_len = ld_le64(r + 24);
	c->first_ns = (int64_t)ld_le64(r + 32);
	c->last_ns = (int64_t)ld_le64(r + 40);
	c->packets = ld_le64(r + 48);
	c->bytes = ld_le64(r + 56);
	b->off = ld_le64(r + 64);
	bbytes = ld_le32(r + 72);
	b->nhash = ld_le32(r + 76);
	b->nstate = ld_le32(r + 80);
	c->flags = ld_le32(r + 84);
	b->bits = bbytes * 8u;
	if (bbytes % 8 != 0 || bbytes > (1u << 28) || b->off > ix->bloom_len || bbytes > ix->bloom_len - b->off)
		return BAD("%s: index damaged: chunk %zu: Bloom filter %llu+%u outside its section", name, i,
			   (unsigned long long)b->off, bbytes);
	if (bbytes && (b->nhash == 0 || b->nhash > PIDX_MAX_NHASH))
		return BAD("%s: index damaged: chunk %zu: %u hash functions", name, i, b->nhash);
	if (c->raw_len > ix->info.raw_size || c->raw_off > ix->info.raw_size - c->raw_len ||
	    c->seek_raw > c->raw_off || c->file_off > ix->fp.size ||
	    (i == 0 && c->raw_off != 0) ||
	    (i > 0 && c->raw_off < ix->chunks[i - 1].raw_off + ix->chunks[i - 1].raw_len) ||
	    (!ix->info.compressed && (c->file_off != c->raw_off || c->seek_raw != c->raw_off)))
		return BAD("%s: index damaged: chunk %zu: byte range %llu+%llu (from %llu at file byte %llu) out of order or bounds",
			   name, i, (unsigned long long)c->raw_off, (unsigned long long)c->raw_len,
			   (unsigned long long)c->seek_raw, (unsigned long long)c->file_off);
	if (b->nstate > ix->nstate || (i > 0 && b->nstate == 0) ||
	    (b->nstate > 0 && i > 0 && ix->state_raw[b->nstate - 1] >= c->raw_off) ||
	    (b->nstate < ix->nstate && ix->state_raw[b->nstate] < c->raw_off && i > 0))
		return BAD("%s: index damaged: chunk %zu: %u state blocks in effect does not match their offsets",
			   name, i, b->nstate);
	if (c->packets > c->raw_len || (c->packets && c->first_ns > c->last_ns))
		return BAD("%s: index damaged: chunk %zu: %llu packets, time %lld..%lld", name, i,
			   (unsigned long long)c->packets, (long long)c->first_ns, (long long)c->last_ns);
	return PIDX_OK;
}

static enum pidx_status parse_chunks(struct pidx *ix, const struct sec *s, const char *name,
				     char *why, size_t whylen)
{
	enum pidx_status st = fixed_records(s, PIDX_CHUNK_REC, name, "chunk", why, whylen);
	bool have = false;

	if (st != PIDX_OK)
		return st;
	if (s->count == 0)
		return BAD("%s: index damaged: no chunks", name);
	ix->nchunks = s->count;
	ix->chunks = calloc(s->count, sizeof *ix->chunks);
	ix->cb = calloc(s->count, sizeof *ix->cb);
	if (!ix->chunks || !ix->cb)
		return BAD("%s: out of memory", name);
	for (size_t i = 0; i < s->count; i++) {
		const struct pidx_chunk *c = &ix->chunks[i];

		st = parse_chunk(ix, i, s->p + i * PIDX_CHUNK_REC, name, why, whylen);
		if (st != PIDX_OK)
			return st;
		ix->info.packets += c->packets;
		ix->info.bytes += c->bytes;
		if (c->packets && (!have || c->first_ns < ix->info.first_ns))
			ix->info.first_ns = c->first_ns;
		if (c->packets && (!have || c->last_ns > ix->info.last_ns))
			ix->info.last_ns = c->last_ns;
		have = have || c->packets;
	}
	return PIDX_OK;
}

static void parse_flow(struct pidx_flow *f, const uint8_t *r)
{
	f->family = r[0];
	f->proto = r[1];
	f->vlan = ld_le16(r + 2);
	f->sport = ld_le16(r + 4);
	f->dport = ld_le16(r + 6);
	memcpy(f->src, r + 8, 16);
	memcpy(f->dst, r + 24, 16);
	f->first_ns = (int64_t)ld_le64(r + 40);
	f->last_ns = (int64_t)ld_le64(r + 48);
	f->packets = ld_le64(r + 56);
	f->bytes = ld_le64(r + 64);
}

static enum pidx_status parse_flow_rows(struct pidx *ix, const struct sec *s, const char *name,
					char *why, size_t whylen);

/* A deflated flow section inflated to exactly count records (*tmp: freed by the caller). */
static enum pidx_status inflate_flows(struct sec *s, uint64_t ix_packets, uint8_t **tmp, const char *name,
				      char *why, size_t whylen)
{
	uLongf want = (uLongf)s->count * PIDX_FLOW_REC, got = want;

	/* every row counts at least one packet: a small deflated section claiming millions of rows
	 * is refused before its rows are allocated */
	if (s->count > PIDX_MAX_FLOWS || s->count > ix_packets)
		return BAD("%s: index damaged: %u flows in %llu packets", name, s->count,
			   (unsigned long long)ix_packets);
	*tmp = malloc(want + 1u);
	if (!*tmp)
		return BAD("%s: out of memory", name);
	if (uncompress(*tmp, &got, s->p, (uLong)s->len) != Z_OK || got != want)
		return BAD("%s: index damaged: the deflated flow table does not inflate to %u flows", name, s->count);
	s->p = *tmp;
	s->len = want;
	return PIDX_OK;
}

static enum pidx_status parse_flow_rows(struct pidx *ix, const struct sec *s, const char *name,
					char *why, size_t whylen)
{
	enum pidx_status st = fixed_records(s, PIDX_FLOW_REC, name, "flow", why, whylen);

	if (st != PIDX_OK)
		return st;
	ix->nflows = s->count;
	ix->flows = calloc(s->count + 1u, sizeof *ix->flows);
	if (!ix->flows)
		return BAD("%s: out of memory", name);
	for (size_t i = 0; i < s->count; i++) {
		parse_flow(&ix->flows[i], s->p + i * PIDX_FLOW_REC);
		if ((ix->flows[i].family != 4 && ix->flows[i].family != 6) || ix->flows[i].vlan > 4096)
			return BAD("%s: index damaged: flow %zu: family %u vlan %u", name, i,
				   ix->flows[i].family, ix->flows[i].vlan);
	}
	return PIDX_OK;
}

/* The flow section's bytes, kept as stored: checked and inflated only by pidx_flows_load. */
static enum pidx_status keep_flows(struct pidx *ix, const struct sec *s, const char *name,
				   char *why, size_t whylen)
{
	ix->flow_count = s->count;
	ix->flow_raw_len = (size_t)s->len;
	ix->flow_raw = malloc(ix->flow_raw_len + 1u);
	ix->name = strdup(name);
	if (!ix->flow_raw || !ix->name)
		return BAD("%s: out of memory", name);
	memcpy(ix->flow_raw, s->p, ix->flow_raw_len);
	return PIDX_OK;
}

enum pidx_status pidx_flows_load(struct pidx *ix, char *why, size_t whylen)
{
	struct sec in = { ix->flow_count, ix->flow_raw, ix->flow_raw_len, true };
	uint8_t *tmp = NULL;
	enum pidx_status st = PIDX_OK;
	uint32_t crc;

	if (ix->flows_state > 0)
		return PIDX_OK;
	if (ix->flows_state < 0)
		return BAD("%s: index damaged: its flow table is damaged", ix->name);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), ix->flow_raw, (uInt)ix->flow_raw_len);
	if (crc != ix->flow_crc)
		st = BAD("%s: index damaged: flow table checksum %08x, expected %08x", ix->name, ix->flow_crc, crc);
	if (st == PIDX_OK && (ix->flags & PIDX_F_FLOWS_DEFLATED))
		st = inflate_flows(&in, ix->info.packets, &tmp, ix->name, why, whylen);
	if (st == PIDX_OK)
		st = parse_flow_rows(ix, &in, ix->name, why, whylen);
	free(tmp);
	if (st != PIDX_OK) {
		free(ix->flows);
		ix->flows = NULL;
		ix->nflows = 0;
		ix->flows_state = -1;
		return st;
	}
	free(ix->flow_raw);
	ix->flow_raw = NULL;
	ix->flows_state = 1;
	return PIDX_OK;
}

static enum pidx_status parse_ifaces(struct pidx *ix, const struct sec *s, const char *name,
				     char *why, size_t whylen)
{
	enum pidx_status st = fixed_records(s, PIDX_IFACE_REC, name, "interface", why, whylen);

	if (st != PIDX_OK)
		return st;
	if (s->count > READER_MAX_IFACES)
		return BAD("%s: index damaged: %u interfaces", name, s->count);
	ix->nifaces = s->count;
	ix->ifaces = calloc(s->count + 1u, sizeof *ix->ifaces);
	if (!ix->ifaces)
		return BAD("%s: out of memory", name);
	for (size_t i = 0; i < s->count; i++) {
		const uint8_t *r = s->p + i * PIDX_IFACE_REC;
		struct pidx_iface *f = &ix->ifaces[i];

		f->linktype = ld_le32(r);
		f->stats_have = ld_le32(r + 4);
		f->packets = ld_le64(r + 8);
		f->starttime_ns = ld_le64(r + 16);
		f->endtime_ns = ld_le64(r + 24);
		f->ifrecv = ld_le64(r + 32);
		f->ifdrop = ld_le64(r + 40);
		f->filteraccept = ld_le64(r + 48);
		f->osdrop = ld_le64(r + 56);
		f->usrdeliv = ld_le64(r + 64);
	}
	return PIDX_OK;
}

static enum pidx_status parse_header(struct pidx *ix, const uint8_t *d, size_t len, const char *name,
				     char *why, size_t whylen)
{
	uint32_t version;

	if (len < PIDX_HDR_LEN + 4 || memcmp(d, PIDX_MAGIC, 8) != 0)
		return BAD("%s: index damaged: not a pcaprec index (magic or length)", name);
	version = ld_le32(d + 8);
	if (version != PIDX_VERSION)
		return BAD("%s: index version %u, this pcaprec reads version %u", name, version, PIDX_VERSION);
	if (ld_le32(d + 12) != PIDX_HDR_LEN || ld_le64(d + 16) != len)
		return BAD("%s: index damaged: header says %llu bytes, file has %zu", name,
			   (unsigned long long)ld_le64(d + 16), len);
	ix->fp.size = ld_le64(d + 24);
	ix->fp.mtime_ns = (int64_t)ld_le64(d + 32);
	ix->fp.crc_head = ld_le32(d + 40);
	ix->fp.crc_tail = ld_le32(d + 44);
	ix->flags = ld_le32(d + 48);
	ix->format = ld_le32(d + 52);
	ix->flow_crc = ld_le32(d + 68);
	if (ix->format > 2)
		return BAD("%s: index damaged: format %u", name, ix->format);
	ix->info.cap_size = ix->fp.size;
	ix->info.cap_mtime_ns = ix->fp.mtime_ns;
	ix->info.format = pidx_format_names[ix->format];
	ix->info.compressed = (ix->flags & PIDX_F_COMPRESSED) != 0;
	ix->info.damaged = (ix->flags & PIDX_F_DAMAGED) != 0;
	return PIDX_OK;
}

enum pidx_status pidx_parse(const void *data, size_t len, const char *name,
			    struct pidx **out, char *why, size_t whylen)
{
	const uint8_t *d = data;
	struct sec secs[6] = { { 0 } };
	struct pidx *ix;
	enum pidx_status st;

	*out = NULL;
	if (len > PIDX_MAX_FILE)
		return BAD("%s: index damaged: %zu bytes exceeds the maximum of %u", name, len, PIDX_MAX_FILE);
	ix = calloc(1, sizeof *ix);
	if (!ix)
		return BAD("%s: out of memory", name);
	st = parse_header(ix, d, len, name, why, whylen);
	if (st == PIDX_OK)
		st = parse_toc(d, len, name, secs, why, whylen);
	if (st == PIDX_OK && (!secs[PIDX_SEC_CHUNKS].present || !secs[PIDX_SEC_BLOOM].present ||
			      !secs[PIDX_SEC_STATE].present || !secs[PIDX_SEC_FLOWS].present ||
			      !secs[PIDX_SEC_IFACES].present))
		st = BAD("%s: index damaged: a required section is missing", name);
	if (st == PIDX_OK) {
		uint64_t foff = (uint64_t)(secs[PIDX_SEC_FLOWS].p - d);
		uint32_t crc = pidx_trailer_crc(d, len, foff, secs[PIDX_SEC_FLOWS].len);

		if (crc != ld_le32(d + len - 4))
			st = BAD("%s: index damaged: checksum %08x, expected %08x", name, ld_le32(d + len - 4), crc);
	}
	if (st == PIDX_OK) {
		ix->info.raw_size = ld_le64(d + 56);
		ix->bloom_len = (size_t)secs[PIDX_SEC_BLOOM].len;
		ix->bloom = malloc(ix->bloom_len + 1u);
		if (!ix->bloom)
			st = BAD("%s: out of memory", name);
		else
			memcpy(ix->bloom, secs[PIDX_SEC_BLOOM].p, ix->bloom_len);
	}
	if (st == PIDX_OK)
		st = parse_state(ix, &secs[PIDX_SEC_STATE], name, why, whylen);
	if (st == PIDX_OK)
		st = parse_chunks(ix, &secs[PIDX_SEC_CHUNKS], name, why, whylen);
	if (st == PIDX_OK)
		st = keep_flows(ix, &secs[PIDX_SEC_FLOWS], name, why, whylen);
	if (st == PIDX_OK)
		st = parse_ifaces(ix, &secs[PIDX_SEC_IFACES], name, why, whylen);
	if (st != PIDX_OK) {
		pidx_free(ix);
		return st;
	}
	*out = ix;
	return PIDX_OK;
}

bool pidx_fingerprint_matches(const struct pidx *ix, const char *capture, char *why, size_t whylen)
{
	struct pidx_fp now;
	char err[400];

	if (pidx_fingerprint(capture, &now, err, sizeof err) < 0) {
		errf(why, whylen, "%s", err);
		return false;
	}
	if (now.size != ix->fp.size || now.mtime_ns != ix->fp.mtime_ns)
		return errf(why, whylen, "%s: index stale: capture is %llu bytes (mtime %lld ns), index describes %llu bytes (mtime %lld ns)",
			    capture, (unsigned long long)now.size, (long long)now.mtime_ns,
			    (unsigned long long)ix->fp.size, (long long)ix->fp.mtime_ns), false;
	if (now.crc_head != ix->fp.crc_head || now.crc_tail != ix->fp.crc_tail)
		return errf(why, whylen, "%s: index stale: capture's first or last 64 KiB changed since it was indexed",
			    capture), false;
	return true;
}

/* Read the whole sidecar (bounded by PIDX_MAX_FILE). O_NONBLOCK: a FIFO planted as NAME.pidx
 * (or a symlink to one or to a device) is refused as not a regular file instead of blocking the
 * open until some writer appears. */
static enum pidx_status slurp(const char *path, uint8_t **data, size_t *len, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	size_t got = 0;
	uint8_t *d;

	if (fd < 0) {
		if (errno == ENOENT)
			return PIDX_NONE;
		return BAD("%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)PIDX_MAX_FILE) {
		close(fd);
		return BAD("%s: index damaged: not a regular file of at most %u bytes", path, PIDX_MAX_FILE);
	}
	d = malloc((size_t)st.st_size + 1u);
	if (!d) {
		close(fd);
		return BAD("%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, d + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*data = d;
	*len = got;
	return PIDX_OK;
}

enum pidx_status pidx_load(const char *capture, struct pidx **out, char *why, size_t whylen)
{
	char path[4096];
	uint8_t *d = NULL;
	size_t len = 0;
	enum pidx_status st;

	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (pidx_path(capture, path, sizeof path) < 0)
		return PIDX_NONE;
	st = slurp(path, &d, &len, why, whylen);
	if (st != PIDX_OK)
		return st;
	st = pidx_parse(d, len, path, out, why, whylen);
	free(d);
	if (st != PIDX_OK)
		return st;
	if (!pidx_fingerprint_matches(*out, capture, why, whylen)) {
		pidx_free(*out);
		*out = NULL;
		return PIDX_STALE;
	}
	return PIDX_OK;
}

enum pidx_status pidx_verify(const char *capture, bool read_ok, uint64_t packets,
			     uint64_t first_ns, uint64_t last_ns, char *why, size_t whylen)
{
	struct pidx *ix;
	enum pidx_status st = pidx_load(capture, &ix, why, whylen);
	char side[4200];

	if (st != PIDX_OK)
		return st;
	pidx_path(capture, side, sizeof side);
	if (pidx_flows_load(ix, why, whylen) != PIDX_OK)
		st = PIDX_BAD;
	else if (!read_ok)
		;   /* a damaged read cannot vouch for the index's counts */
	else if (ix->info.damaged)
		st = BAD("%s: index damaged: it says the capture ends in damage, the reader read it whole", side);
	else if (ix->info.packets != packets)
		st = BAD("%s: index damaged: it describes %llu packets, the capture holds %llu", side,
			 (unsigned long long)ix->info.packets, (unsigned long long)packets);
	else if (packets && ((uint64_t)ix->info.first_ns != first_ns || (uint64_t)ix->info.last_ns != last_ns))
		st = BAD("%s: index damaged: time range %lld..%lld ns, the capture's is %llu..%llu", side,
			 (long long)ix->info.first_ns, (long long)ix->info.last_ns,
			 (unsigned long long)first_ns, (unsigned long long)last_ns);
	pidx_free(ix);
	return st;
}

size_t pidx_nchunks(const struct pidx *ix)
{
	return ix->nchunks;
}

const struct pidx_chunk *pidx_chunk(const struct pidx *ix, size_t i)
{
	return i < ix->nchunks ? &ix->chunks[i] : NULL;
}

uint64_t pidx_tail_raw(const struct pidx *ix)
{
	return ix->info.raw_size;
}

void pidx_get_info(const struct pidx *ix, struct pidx_info *out)
{
	*out = ix->info;
}

size_t pidx_nflows(const struct pidx *ix)
{
	return ix->nflows;
}

const struct pidx_flow *pidx_flow(const struct pidx *ix, size_t i)
{
	return i < ix->nflows ? &ix->flows[i] : NULL;
}

bool pidx_flows_complete(const struct pidx *ix)
{
	return ix->flows_state > 0 && (ix->flags & PIDX_F_FLOWS_INCOMPLETE) == 0;
}

size_t pidx_nifaces(const struct pidx *ix)
{
	return ix->nifaces;
}

const struct pidx_iface *pidx_iface(const struct pidx *ix, size_t i)
{
	return i < ix->nifaces ? &ix->ifaces[i] : NULL;
}

size_t pidx_state_len(const struct pidx *ix, size_t i)
{
	uint32_t n = i < ix->nchunks ? ix->cb[i].nstate : 0;

	return n ? ix->state_end[n - 1] : 0;
}
