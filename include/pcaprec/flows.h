/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec flows: the conversations of a selection, from the indexes' flow tables (files without one are scanned). */
#ifndef PCAPREC_FLOWS_H
#define PCAPREC_FLOWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pcaprec/frame.h"
#include "pcaprec/select.h"

struct flows_opts {
	const struct selection *sel;  /* paths, window, expression */
	bool json;                    /* ECS documents, one per line */
	uint16_t seed;                /* Community ID seed */
	bool use_index;
	FILE *out, *diag;
};

/*
 * List the conversations: one row per 5-tuple and outer VLAN across all
 * files (first and last time, packets, bytes, the files it is in, its
 * Community ID). A file with a usable index and a complete flow table is
 * not read: its flows count when their time span meets the window and the
 * expression accepts a packet made of their headers (either direction),
 * with the file's whole counts for them. Other files are scanned: only the
 * window's packets the expression accepts count. Returns an exit code.
 */
int flows_run(const struct flows_opts *o);

/*
 * The flow of a frame: IPv4/IPv6, protocol, addresses, TCP/UDP ports, ICMP
 * type and code (in sport/dport, when `icmp_types`; else 0), outer VLAN.
 * False for a frame that is not IP.
 */
struct flow_tuple {
	uint8_t family, proto;
	uint16_t vlan;                /* outer VLAN id + 1, 0 untagged */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};
bool flow_of_frame(const struct frame *f, bool icmp_types, struct flow_tuple *t);

#endif
