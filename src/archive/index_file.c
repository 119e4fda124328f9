/* SPDX-License-Identifier: BSD-2-Clause */
/* Index an existing capture: read it with the reader, feed every record and state block to a builder, write the sidecar. */
#include <string.h>

#include "index_build.h"

static void on_state(void *arg, uint64_t off, const uint8_t *p, size_t len)
{
	pidx_builder_state(arg, off, p, len);
}

static void copy_ifaces(struct pidx_builder *b, const struct reader *r)
{
	for (size_t i = 0; i < reader_iface_count(r); i++) {
		const struct reader_iface *f = reader_iface(r, i);
		struct pidx_iface st = {
			.linktype = f->linktype, .stats_have = f->stats_have, .packets = f->packets,
			.starttime_ns = f->starttime_ns, .endtime_ns = f->endtime_ns,
			.ifrecv = f->ifrecv, .ifdrop = f->ifdrop, .filteraccept = f->filteraccept,
			.osdrop = f->osdrop, .usrdeliv = f->usrdeliv,
		};

		pidx_builder_iface(b, (uint32_t)i, &st);
	}
}

/* Member starts the gzip decoder found, handed to the builder once the reader reaches them. */
struct members {
	uint64_t file[64], raw[64];
	size_t head, n;
};

static void feed_members(struct pidx_builder *b, struct reader *r, struct members *m, uint64_t off)
{
	for (;;) {
		if (m->head == m->n) {
			m->n = reader_take_members(r, m->file, m->raw, 64);
			m->head = 0;
			if (m->n == 0)
				return;
		}
		if (m->raw[m->head] > off)
			return;
		if (m->raw[m->head] > 0)
			pidx_builder_member(b, m->file[m->head], m->raw[m->head]);
		m->head++;
	}
}

static bool same_fp(const struct pidx_fp *a, const struct pidx_fp *b)
{
	return a->size == b->size && a->mtime_ns == b->mtime_ns && a->crc_head == b->crc_head &&
	       a->crc_tail == b->crc_tail;
}

int pidx_build_file(const char *capture, const struct pidx_build_opts *o, bool *damaged,
		    char *err, size_t errlen)
{
	struct pidx_builder *b = pidx_builder_new(o, err, errlen);
	struct pidx_fp before, after;
	struct reader *r;
	struct frame f;
	struct members m = { .n = 0 };
	uint64_t end = 0;
	int rc;

	*damaged = false;
	if (!b)
		return -1;
	if (pidx_fingerprint(capture, &before, err, errlen) < 0) {
		pidx_builder_free(b);
		return -1;
	}
	r = reader_open_state(capture, on_state, b, err, errlen);
	if (!r) {
		pidx_builder_free(b);
		return -1;
	}
	pidx_builder_format(b, reader_format(r), reader_compressed(r));
	end = reader_bytes(r);
	while ((rc = reader_next(r, &f)) == 1) {
		uint64_t off = reader_offset(r);

		end = reader_bytes(r);
		feed_members(b, r, &m, off);
		pidx_builder_add(b, &f, off, (uint32_t)(end - off));
	}
	if (rc == 0)
		end = reader_bytes(r);
	copy_ifaces(b, r);
	pidx_builder_end(b, end, rc < 0);
	if (rc < 0) {
		*damaged = true;
		errf(err, errlen, "%s", reader_error(r));
	}
	reader_close(r);
	rc = pidx_fingerprint(capture, &after, err, errlen);
	if (rc == 0 && !same_fp(&before, &after))
		rc = errf(err, errlen, "%s: changed while it was being indexed (still being written?)", capture);
	if (rc < 0) {
		pidx_builder_free(b);
		return -2;
	}
	{
		char msg[800];

		rc = pidx_builder_write(b, capture, false, NULL, 0, msg, sizeof msg);
		if (rc < 0) {
			errf(err, errlen, "%s", msg);
			rc = -2;
		}
	}
	pidx_builder_free(b);
	return rc;
}
