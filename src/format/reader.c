/* SPDX-License-Identifier: BSD-2-Clause */
/* The reader handle: opens a byte source, probes pcap and pcapng, dispatches next() and answers info queries. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/util.h"
#include "reader_impl.h"

int rd_fail(struct reader *r, uint64_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->header_done)
		snprintf(r->err, sizeof r->err, "%s: byte %llu: record %llu: %s", r->name,
			 (unsigned long long)off, (unsigned long long)(r->recno + 1), msg);
	else
		snprintf(r->err, sizeof r->err, "%s: byte %llu: file header: %s", r->name,
			 (unsigned long long)off, msg);
	r->err_off = off;
	r->state = -1;
	return -1;
}

/* Decide the format from the first bytes and parse its header. */
static int reader_probe(struct reader *r)
{
	const uint8_t *p;
	size_t n;
	int rc = source_need(r->src, 4, &p, &n);

	if (rc < 0)
		return rd_fail(r, 0, "%s", source_error(r->src));
	if (rc > 0)
		return rd_fail(r, 0, "file too short for a capture file: expected at least 4 bytes, found %zu", n);
	if (pcap_probe(p, n) != PROBE_NOT_MINE)
		return pcap_read_header(r);
	if (pcapng_probe(p, n) != PROBE_NOT_MINE)
		return pcapng_read_header(r);
	return rd_fail(r, 0, "not a capture file: expected a pcap magic (a1b2c3d4, a1b23c4d, either byte order) "
		       "or a pcapng Section Header Block (0a0d0d0a), found %02x %02x %02x %02x",
		       p[0], p[1], p[2], p[3]);
}

static struct reader *reader_start(struct source *src, const char *name, reader_state_fn fn, void *arg,
				    char *err, size_t errlen)
{
	struct reader *r;

	if (!src)
		return NULL;
	r = calloc(1, sizeof *r);
	if (r)
		r->name = strdup(name);
	if (!r || !r->name) {
		free(r);
		source_close(src);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	r->src = src;
	r->state = 1;
	r->state_fn = fn;
	r->state_arg = arg;
	if (reader_probe(r) < 0) {
		errf(err, errlen, "%s", r->err);
		reader_close(r);
		return NULL;
	}
	r->header_done = true;
	return r;
}

struct reader *reader_open(const char *path, char *err, size_t errlen)
{
	return reader_open_state(path, NULL, NULL, err, errlen);
}

struct reader *reader_open_state(const char *path, reader_state_fn fn, void *arg, char *err, size_t errlen)
{
	return reader_start(source_open_path(path, err, errlen),
			    strcmp(path, "-") == 0 ? "stdin" : path, fn, arg, err, errlen);
}

/*
 * A reader whose file header and section/interface blocks come from
 * `state` (`len` bytes, as a file would start), then reading `path` from
 * file byte `file_off` (raw offset `seek_raw`) after skipping to `raw_off`.
 */
struct reader *reader_open_resume(const char *path, const uint8_t *state, size_t len,
				  uint64_t file_off, uint64_t seek_raw, uint64_t raw_off,
				  char *err, size_t errlen)
{
	struct reader *r = reader_start(source_open_mem(state, len, err, errlen), path, NULL, NULL, err, errlen);
	struct frame f;
	struct source *src;

	if (!r)
		return NULL;
	if (r->kind == READER_PCAPNG && pcapng_read_next(r, &f) != 0) {
		errf(err, errlen, "%s: index's copy of the section and interface blocks: %s", path,
		     r->err[0] ? r->err : "holds a packet");
		reader_close(r);
		return NULL;
	}
	src = source_open_path_at(path, file_off, seek_raw, err, errlen);
	if (!src) {
		reader_close(r);
		return NULL;
	}
	source_close(r->src);
	r->src = src;
	r->state = 1;
	while (source_offset(src) < raw_off) {
		const uint8_t *p;
		size_t n, want = raw_off - source_offset(src) > SOURCE_MAX_NEED / 2 ? SOURCE_MAX_NEED / 2
			: (size_t)(raw_off - source_offset(src));
		int rc = source_need(src, want, &p, &n);

		if (rc != 0) {
			errf(err, errlen, "%s: cannot reach raw byte %llu: %s", path, (unsigned long long)raw_off,
			     rc < 0 ? source_error(src) : "the file ends first");
			reader_close(r);
			return NULL;
		}
		source_advance(src, want);
	}
	return r;
}

struct reader *reader_open_mem(const void *data, size_t len, const char *name,
			       char *err, size_t errlen)
{
	return reader_start(source_open_mem(data, len, err, errlen), name ? name : "memory", NULL, NULL, err, errlen);
}

void reader_close(struct reader *r)
{
	if (!r)
		return;
	pcapng_free(r);
	source_close(r->src);
	free(r->name);
	free(r);
}

int reader_next(struct reader *r, struct frame *out)
{
	if (r->state != 1)
		return r->state;
	r->rec_flags = 0;
	if (r->kind == READER_PCAPNG)
		return pcapng_read_next(r, out);
	return pcap_read_next(r, out);
}

const char *reader_error(const struct reader *r)
{
	return r->err;
}

uint64_t reader_error_offset(const struct reader *r)
{
	return r->err_off;
}

const char *reader_name(const struct reader *r)
{
	return r->name;
}

const char *reader_format(const struct reader *r)
{
	static const char *const names[] = { "pcap", "pcap-ns", "pcapng" };

	return names[r->kind];
}

bool reader_compressed(const struct reader *r)
{
	return source_compressed(r->src);
}

size_t reader_take_members(struct reader *r, uint64_t *file_off, uint64_t *raw_off, size_t max)
{
	return source_take_members(r->src, file_off, raw_off, max);
}

const char *reader_compression(const struct reader *r)
{
	return source_compression(r->src);
}

uint64_t reader_file_size(const struct reader *r)
{
	return source_input_size(r->src);
}

uint64_t reader_bytes(const struct reader *r)
{
	return source_offset(r->src);
}

uint64_t reader_offset(const struct reader *r)
{
	return r->rec_off;
}

uint64_t reader_record_number(const struct reader *r)
{
	return r->recno;
}

uint32_t reader_record_flags(const struct reader *r)
{
	return r->rec_flags;
}

bool reader_record_problem(const struct reader *r, char *buf, size_t len)
{
	unsigned long long off = r->rec_off, rec = r->recno;
	uint32_t fl = r->rec_flags & READER_REC_MALFORMED;
	bool ns = r->kind == READER_PCAP_NS;

	if (len)
		buf[0] = '\0';
	if (fl & READER_REC_FRAC_OVERFLOW)
		snprintf(buf, len, "byte %llu: record %llu: %s is %u, not below %u (a fraction of a second "
			 "out of range)", off, rec, ns ? "ts_nsec" : "ts_usec", r->rec_frac,
			 ns ? 1000000000u : 1000000u);
	else if (fl & READER_REC_CAPLEN_GT_ORIGLEN)
		snprintf(buf, len, "byte %llu: record %llu: caplen %u is larger than origlen %u", off, rec,
			 r->rec_caplen, r->rec_origlen);
	else if (fl & READER_REC_BAD_OPTIONS)
		snprintf(buf, len, "byte %llu: record %llu: packet block options overrun the block",
			 off, rec);
	else if (fl & READER_REC_TS_OVERFLOW)
		snprintf(buf, len, "byte %llu: record %llu: timestamp %llu (if_tsresol ticks, with "
			 "if_tsoffset) is outside 64-bit nanoseconds since 1970", off, rec,
			 (unsigned long long)r->rec_ticks);
	return fl != 0;
}

bool reader_byte_orders_mixed(const struct reader *r)
{
	return r->orders_mixed;
}

uint32_t reader_snaplen(const struct reader *r)
{
	if (r->kind != READER_PCAPNG)
		return r->snaplen;
	return r->nifaces ? r->ifaces[0].pub.snaplen : 0;
}

uint32_t reader_section_count(const struct reader *r)
{
	return r->sections;
}

size_t reader_iface_count(const struct reader *r)
{
	return r->nifaces;
}

const struct reader_iface *reader_iface(const struct reader *r, size_t i)
{
	return i < r->nifaces ? &r->ifaces[i].pub : NULL;
}
