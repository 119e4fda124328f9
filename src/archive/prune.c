/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole-file pruning by the index for commands that read files themselves (read, summary): files no chunk of which can be selected are dropped. */
#include <stdlib.h>
#include <string.h>

#include "pcaprec/index.h"
#include "pcaprec/plan.h"
#include "pcaprec/select.h"

/* Can any chunk of the indexed file hold a selected packet? */
static bool file_may_hold(const struct pidx *ix, const struct selection *s, const struct idx_pred *p)
{
	struct pidx_info info;

	pidx_get_info(ix, &info);
	if (info.damaged)
		return true; /* read whole, so its damage is reported */
	for (size_t i = 0; i < pidx_nchunks(ix); i++) {
		const struct pidx_chunk *c = pidx_chunk(ix, i);

		if (c->packets && sel_range_overlaps(s, c->first_ns, c->last_ns) && pidx_chunk_may_match(ix, i, p))
			return true;
	}
	return false;
}

size_t sel_prune(struct selection *s, const char *plan_expr, FILE *diag, const char *cmd)
{
	struct idx_pred *p = NULL;
	size_t kept = 0, dropped = 0;

	if (!s->has_since && !s->has_until && !(plan_expr && *plan_expr))
		return 0;
	if (plan_expr && *plan_expr)
		p = plan_pred(plan_expr);
	for (size_t i = 0; i < s->npaths; i++) {
		struct pidx *ix = NULL;
		char why[512];
		enum pidx_status st = strcmp(s->paths[i], "-") == 0 ? PIDX_NONE
						: pidx_load(s->paths[i], &ix, why, sizeof why);
		bool keep = true;

		if (st == PIDX_STALE || st == PIDX_BAD)
			fprintf(diag, "pcaprec %s: %s: index not used, scanning the file: %s\n", cmd, s->paths[i], why);
		if (st == PIDX_OK)
			keep = file_may_hold(ix, s, p);
		pidx_free(ix);
		if (!keep && kept == 0 && i + 1 == s->npaths)
			keep = true; /* keep one, so a command that needs an input still has one (it selects nothing) */
		if (keep) {
			s->paths[kept++] = s->paths[i];
		} else {
			free(s->paths[i]);
			dropped++;
		}
	}
	s->npaths = kept;
	idx_pred_free(p);
	return dropped;
}
