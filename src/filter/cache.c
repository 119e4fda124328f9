/* SPDX-License-Identifier: BSD-2-Clause */
/* One compiled filter per link type, built on first use, for readers whose input mixes link types. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/frame.h"
#include "pcaprec/util.h"

#define CACHE_SLOTS 16

struct filter_slot {
	uint32_t linktype;
	int state;               /* 1 compiled, -1 failed */
	struct filter_prog prog;
};

struct filter_cache {
	struct filter_opts o;
	bool none;               /* no filter given: keep everything */
	uint32_t snaplen;
	struct filter_slot slot[CACHE_SLOTS];
	int n;
	char err[1024];
};

struct filter_cache *filter_cache_open(const struct filter_opts *o, uint32_t snaplen, char *err, size_t errlen)
{
	struct filter_cache *fc = calloc(1, sizeof *fc);
	struct filter_prog probe;
	int rc;

	if (!fc) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	fc->o = *o;
	fc->snaplen = snaplen;
	rc = filter_from_options(o, LINKTYPE_ETHERNET, snaplen, &probe, err, errlen);
	if (rc < 0) {
		free(fc);
		return NULL;
	}
	fc->none = rc == 0;
	if (rc == 1) {
		fc->slot[0].linktype = LINKTYPE_ETHERNET;
		fc->slot[0].state = 1;
		fc->slot[0].prog = probe;
		fc->n = 1;
	}
	return fc;
}

int filter_cache_match(struct filter_cache *fc, uint32_t linktype, const uint8_t *pkt,
		       uint32_t caplen, uint32_t wirelen)
{
	struct filter_slot *s = NULL;

	if (fc->none)
		return 1;
	for (int i = 0; i < fc->n; i++)
		if (fc->slot[i].linktype == linktype)
			s = &fc->slot[i];
	if (!s) {
		char msg[sizeof fc->err - 64];

		if (fc->n == CACHE_SLOTS) {
			errf(fc->err, sizeof fc->err, "too many different link types for the filter cache");
			return -1;
		}
		s = &fc->slot[fc->n++];
		s->linktype = linktype;
		s->state = filter_from_options(&fc->o, linktype, fc->snaplen, &s->prog, msg, sizeof msg) == 1 ? 1 : -1;
		if (s->state < 0)
			errf(fc->err, sizeof fc->err, "filter for link type %u (%s): %s", linktype,
			     linktype_name(linktype) ? linktype_name(linktype) : "unknown", msg);
	}
	if (s->state < 0)
		return -1;
	return filter_run(&s->prog, pkt, caplen, wirelen) != 0;
}

const char *filter_cache_error(const struct filter_cache *fc)
{
	return fc->err;
}

void filter_cache_close(struct filter_cache *fc)
{
	if (!fc)
		return;
	for (int i = 0; i < fc->n; i++)
		filter_free(&fc->slot[i].prog);
	free(fc);
}
