/* SPDX-License-Identifier: BSD-2-Clause */
/* Rotation policy: when a file ends and where the next time boundary lies (pure, clock injected). */
#include <time.h>

#include "pcaprec/rotate.h"

#define NS_PER_S 1000000000ll

bool rot_enabled(const struct rot_config *c)
{
	return c->max_bytes || c->max_packets || c->interval_ns;
}

enum rot_reason rot_decide(const struct rot_config *c, const struct rot_file *f,
			   uint64_t now_ns, uint64_t rec_bytes)
{
	if (c->interval_ns && f->deadline_ns && now_ns >= f->deadline_ns)
		return ROT_TIME;
	if (c->max_packets && f->packets >= c->max_packets)
		return ROT_PACKETS;
	if (c->max_bytes && f->packets > 0) {
		/* A full file ends now; otherwise only if this record would not fit. */
		if (f->bytes >= c->max_bytes)
			return ROT_SIZE;
		if (rec_bytes > c->max_bytes - f->bytes)
			return ROT_SIZE;
	}
	return ROT_NONE;
}

/*
 * Offset of local time from UTC at instant t, in ns (0 with utc). Depends
 * on TZ through localtime_r, which is the point: local alignment follows the
 * zone's rules, DST included.
 */
static int64_t utc_offset_ns(bool utc, uint64_t t_ns)
{
	struct tm tm;
	time_t s;

	if (utc)
		return 0;
	s = (time_t)(t_ns / (uint64_t)NS_PER_S);
	if (!localtime_r(&s, &tm))
		return 0;
	return (int64_t)tm.tm_gmtoff * NS_PER_S;
}

/* Smallest b > now with (b + off) % iv == 0. */
static uint64_t grid_after(uint64_t now, int64_t off, uint64_t iv)
{
	uint64_t local = (uint64_t)((int64_t)now + off);

	return (local / iv + 1) * iv - (uint64_t)off;
}

/* Largest b <= now with (b + off) % iv == 0. */
static uint64_t grid_at_or_before(uint64_t now, int64_t off, uint64_t iv)
{
	uint64_t local = (uint64_t)((int64_t)now + off);

	return (local / iv) * iv - (uint64_t)off;
}

/*
 * The offset is piecewise constant, so the aligned boundary is the grid
 * point computed with the offset in force at that boundary. Try the offset
 * now and the one at the first candidate (a DST change in between), keep
 * the earliest self-consistent answer.
 */
static uint64_t aligned_next(const struct rot_config *c, uint64_t now)
{
	uint64_t iv = c->interval_ns, best = UINT64_MAX;
	int64_t o1 = utc_offset_ns(c->utc, now);
	uint64_t b1 = grid_after(now, o1, iv);
	int64_t o2 = utc_offset_ns(c->utc, b1);

	if (o2 == o1)
		return b1;
	{
		uint64_t b2 = grid_after(now, o2, iv);
		if (b2 > now && utc_offset_ns(c->utc, b2) == o2)
			best = b2;
	}
	if (best == UINT64_MAX || (b1 < best && utc_offset_ns(c->utc, b1) == o1))
		best = b1;
	return best;
}

uint64_t rot_next_boundary(const struct rot_config *c, uint64_t now_ns, uint64_t prev_ns)
{
	uint64_t iv = c->interval_ns, b;

	if (!iv)
		return 0;
	if (c->align)
		return aligned_next(c, now_ns);
	if (!prev_ns)
		return now_ns + iv;
	b = prev_ns + iv;
	if (b <= now_ns)
		b += ((now_ns - b) / iv + 1) * iv;
	return b;
}

uint64_t rot_period_start(const struct rot_config *c, uint64_t now_ns)
{
	uint64_t iv = c->interval_ns, b;
	int64_t off;

	if (!iv || !c->align)
		return now_ns;
	off = utc_offset_ns(c->utc, now_ns);
	b = grid_at_or_before(now_ns, off, iv);
	/* Just after a DST change the grid point may belong to the other offset. */
	if (utc_offset_ns(c->utc, b) != off) {
		uint64_t b2 = grid_at_or_before(now_ns, utc_offset_ns(c->utc, b), iv);
		if (b2 <= now_ns)
			b = b2;
	}
	return b;
}

const char *rot_reason_name(enum rot_reason r)
{
	switch (r) {
	case ROT_TIME: return "time";
	case ROT_PACKETS: return "packets";
	case ROT_SIZE: return "size";
	case ROT_DEMAND: return "demand";
	case ROT_EXIT: return "exit";
	case ROT_NONE: break;
	}
	return "none";
}
