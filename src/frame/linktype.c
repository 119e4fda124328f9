/* SPDX-License-Identifier: BSD-2-Clause */
/* The table of link-layer header types pcaprec knows by name. */
#include "pcaprec/frame.h"

struct linktype_row {
	uint32_t type;
	const char *name;
	const char *desc;
};

/* Names follow libpcap's pcap_datalink_val_to_name() so users see the same words. */
static const struct linktype_row linktypes[] = {
	{ LINKTYPE_NULL, "NULL", "BSD loopback" },
	{ LINKTYPE_ETHERNET, "EN10MB", "Ethernet" },
	{ LINKTYPE_RAW, "RAW", "Raw IP" },
	{ LINKTYPE_LOOP, "LOOP", "OpenBSD loopback" },
	{ LINKTYPE_LINUX_SLL, "LINUX_SLL", "Linux cooked v1" },
	{ LINKTYPE_IPV4, "IPV4", "Raw IPv4" },
	{ LINKTYPE_IPV6, "IPV6", "Raw IPv6" },
	{ LINKTYPE_LINUX_SLL2, "LINUX_SLL2", "Linux cooked v2" },
};

static const struct linktype_row *linktype_find(uint32_t type)
{
	for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
		if (linktypes[i].type == type)
			return &linktypes[i];
	return NULL;
}

const char *linktype_name(uint32_t linktype)
{
	const struct linktype_row *r = linktype_find(linktype);
	return r ? r->name : NULL;
}

const char *linktype_description(uint32_t linktype)
{
	const struct linktype_row *r = linktype_find(linktype);
	return r ? r->desc : "unknown";
}
