/* SPDX-License-Identifier: BSD-2-Clause */
/* The query planner: a filter expression turned into a conservative predicate over what the index holds. */
#ifndef PCAPREC_PLAN_H
#define PCAPREC_PLAN_H

#include "pcaprec/filter.h"
#include "pcaprec/index.h"

/*
 * The index predicate of `expr` (NULL or empty: ALL): hosts and networks,
 * ports (a range of up to PLAN_MAX_RANGE ports as their OR), IP protocols,
 * ethertypes and VLAN ids, combined by and/or as the expression combines
 * them. Anything the index cannot answer, and `not` over anything, is ALL:
 * a packet the expression accepts always satisfies the predicate, so a
 * chunk it rules out holds no answer. The exact filter still runs on every
 * packet read. Returns NULL only when out of memory (callers take that as
 * ALL); an expression that does not parse also gives ALL (the compiler
 * reports it).
 */
#define PLAN_MAX_RANGE 64u
struct idx_pred *plan_pred(const char *expr);

#endif
