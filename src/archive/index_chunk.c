/* SPDX-License-Identifier: BSD-2-Clause */
/* Chunk-aligned reading: a reader that starts at an indexed chunk with the file's state restored from the index. */
#include "index_impl.h"

struct reader *reader_open_chunk(const char *path, const struct pidx *ix, size_t i,
				 char *err, size_t errlen)
{
	const struct pidx_chunk *c = pidx_chunk(ix, i);

	if (!c) {
		errf(err, errlen, "%s: no chunk %zu in its index (%zu chunks)", path, i, ix->nchunks);
		return NULL;
	}
	if (c->raw_off == 0)
		return reader_open(path, err, errlen);
	return reader_open_resume(path, ix->state, pidx_state_len(ix, i), c->file_off, c->seek_raw,
				  c->raw_off, err, errlen);
}
