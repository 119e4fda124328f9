/* SPDX-License-Identifier: BSD-2-Clause */
/* Packets and bytes per time interval in a fixed number of buckets, widening the interval as needed. */
#include <string.h>

#include "pcaprec/summary.h"

#define NS_US UINT64_C(1000)
#define NS_S UINT64_C(1000000000)
#define NS_MIN (60 * NS_S)
#define NS_H (3600 * NS_S)
#define NS_D (86400 * NS_S)

/*
 * Automatic intervals, each an integer multiple of the one before so that
 * widening merges whole buckets. Past the end, x2 and x5 alternate.
 */
static const uint64_t auto_steps[] = {
	1 * NS_US, 2 * NS_US, 10 * NS_US, 20 * NS_US, 100 * NS_US, 200 * NS_US,
	1000 * NS_US, 2000 * NS_US, 10000 * NS_US, 20000 * NS_US, 100000 * NS_US, 200000 * NS_US,
	1 * NS_S, 2 * NS_S, 10 * NS_S, 20 * NS_S, 1 * NS_MIN, 2 * NS_MIN, 10 * NS_MIN, 20 * NS_MIN,
	1 * NS_H, 2 * NS_H, 6 * NS_H, 12 * NS_H, 1 * NS_D,
};
#define N_AUTO_STEPS (sizeof auto_steps / sizeof auto_steps[0])

void tseries_init(struct tseries *t, uint64_t interval_ns)
{
	memset(t, 0, sizeof *t);
	t->user_interval_ns = interval_ns;
	t->interval_ns = interval_ns ? interval_ns : auto_steps[0];
}

/* The factor taking step `step` to step + 1. */
static uint64_t widen_factor(const struct tseries *t)
{
	uint32_t s = t->step;

	if (t->user_interval_ns == 0 && s + 1 < N_AUTO_STEPS)
		return auto_steps[s + 1] / auto_steps[s];
	if (t->user_interval_ns == 0)
		s = s - (uint32_t)(N_AUTO_STEPS - 1);
	return (s % 2 == 0) ? 2 : 5;
}

/* Multiply the interval by the next factor and merge buckets accordingly. */
static void widen(struct tseries *t)
{
	uint64_t f = widen_factor(t);
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->nbuckets; i++) {
		uint32_t j = (uint32_t)(i / f);
		if (j != i) {
			t->b[j].pkts += t->b[i].pkts;
			t->b[j].bytes += t->b[i].bytes;
			t->b[i].pkts = 0;
			t->b[i].bytes = 0;
		}
		n = j + 1;
	}
	t->nbuckets = n;
	t->interval_ns *= f;
	t->step++;
	t->cur_lo = t->cur_hi = 0;
	if (t->user_interval_ns)
		t->widened = true;
}

void tseries_add(struct tseries *t, uint64_t ts_ns, uint64_t bytes)
{
	uint64_t off, idx;

	if (ts_ns >= t->cur_lo && ts_ns < t->cur_hi) {
		t->b[t->cur].pkts++;
		t->b[t->cur].bytes += bytes;
		return;
	}
	if (!t->started) {
		t->started = true;
		t->origin_ns = ts_ns;
	}
	off = ts_ns > t->origin_ns ? ts_ns - t->origin_ns : 0;
	idx = off / t->interval_ns;
	while (idx >= TSERIES_MAX_BUCKETS) {
		if (t->interval_ns > UINT64_MAX / 5)
			break;  /* cannot happen for 64-bit ns offsets: 8192 buckets cover them first */
		widen(t);
		idx = off / t->interval_ns;
	}
	if (idx >= TSERIES_MAX_BUCKETS)
		idx = TSERIES_MAX_BUCKETS - 1;
	t->b[idx].pkts++;
	t->b[idx].bytes += bytes;
	if (idx + 1 > t->nbuckets)
		t->nbuckets = (uint32_t)idx + 1;
	t->cur = (uint32_t)idx;
	if (ts_ns >= t->origin_ns && idx < TSERIES_MAX_BUCKETS - 1) {
		t->cur_lo = t->origin_ns + idx * t->interval_ns;
		t->cur_hi = t->cur_lo + t->interval_ns;
	} else {
		t->cur_lo = t->cur_hi = 0;  /* clamped buckets take the slow path */
	}
}

/* Round display intervals, ascending. */
static const uint64_t display_steps[] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500,
	1 * NS_US, 2 * NS_US, 5 * NS_US, 10 * NS_US, 20 * NS_US, 50 * NS_US,
	100 * NS_US, 200 * NS_US, 500 * NS_US,
	1000 * NS_US, 2000 * NS_US, 5000 * NS_US, 10000 * NS_US, 20000 * NS_US, 50000 * NS_US,
	100000 * NS_US, 200000 * NS_US, 500000 * NS_US,
	1 * NS_S, 2 * NS_S, 5 * NS_S, 10 * NS_S, 15 * NS_S, 20 * NS_S, 30 * NS_S,
	1 * NS_MIN, 2 * NS_MIN, 5 * NS_MIN, 10 * NS_MIN, 15 * NS_MIN, 20 * NS_MIN, 30 * NS_MIN,
	1 * NS_H, 2 * NS_H, 3 * NS_H, 6 * NS_H, 12 * NS_H,
	1 * NS_D, 2 * NS_D, 5 * NS_D, 10 * NS_D, 20 * NS_D, 50 * NS_D, 100 * NS_D,
	200 * NS_D, 500 * NS_D, 1000 * NS_D, 2000 * NS_D, 5000 * NS_D, 10000 * NS_D,
	20000 * NS_D, 50000 * NS_D, 100000 * NS_D, 200000 * NS_D,
};

uint64_t tseries_display_interval(const struct tseries *t, uint32_t max_rows)
{
	uint64_t span_buckets = t->nbuckets ? t->nbuckets : 1;
	uint64_t k;

	if (t->user_interval_ns || max_rows == 0)
		return t->interval_ns;
	for (size_t i = 0; i < sizeof display_steps / sizeof display_steps[0]; i++) {
		uint64_t c = display_steps[i];
		if (c < t->interval_ns || c % t->interval_ns != 0)
			continue;
		k = c / t->interval_ns;
		if ((span_buckets + k - 1) / k <= max_rows)
			return c;
	}
	k = (span_buckets + max_rows - 1) / max_rows;
	return t->interval_ns * k;
}

uint32_t tseries_regroup(const struct tseries *t, uint64_t interval_ns,
			 struct tbucket *out, uint32_t cap)
{
	uint64_t k = interval_ns / t->interval_ns;
	uint32_t n = 0;

	if (cap == 0)
		return 0;
	if (k == 0)
		k = 1;
	memset(out, 0, cap * sizeof *out);
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		uint64_t j = i / k;
		if (j >= cap)
			j = cap - 1;
		out[j].pkts += t->b[i].pkts;
		out[j].bytes += t->b[i].bytes;
		if (j + 1 > n)
			n = (uint32_t)j + 1;
	}
	return n;
}
