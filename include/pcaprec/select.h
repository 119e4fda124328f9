/* SPDX-License-Identifier: BSD-2-Clause */
/* The selection read, summary, extract and flows share: capture paths (files, ring directories), a time window, a filter expression. */
#ifndef PCAPREC_SELECT_H
#define PCAPREC_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Most inputs one selection holds after directories are expanded (reader_set's limit). */
#define SEL_MAX_FILES 65535u

/*
 * Parse a point in time for --since/--until into nanoseconds since the
 * epoch (UTC). Accepted forms:
 *   RFC 3339 / ISO 8601: 2026-12-04T10:02:00Z, 2026-12-04 10:02:00.5+01:00,
 *     2026-12-04T10:02 (no zone: local time, as date(1) reads it),
 *     2026-12-04 (local midnight); zones Z, +HH:MM, +HHMM, +HH;
 *   epoch seconds with an optional fraction: 1764842520, 1764842520.25;
 *   relative to `now_ns`: -15m, -2h, -30s, -1d, -250ms (any parse_duration
 *     unit), and "now".
 * Fractions keep up to 9 digits (more is an error). Returns 0, or -1 with
 * the reason in `err` (the caller names the flag and the value).
 */
int sel_parse_time(const char *text, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen);

/*
 * Whether `path`'s content starts like a capture: a pcap (any of the four
 * magics) or pcapng header, directly or inside gzip. False for anything
 * else, including an empty file (a .part whose header is not written yet).
 */
bool sel_is_capture(const char *path);

struct selection {
	char **paths;             /* inputs after expansion, owned; "-" is standard input */
	size_t npaths, cap;
	size_t nskipped;          /* directory entries that were not captures */
	bool has_since, has_until;
	int64_t since_ns;         /* keep ts >= since */
	int64_t until_ns;         /* keep ts < until */
	char *expr;               /* filter expression (trailing words joined), owned; NULL = none */
};

/* Zero a selection. */
void sel_init(struct selection *s);

/* Free everything the selection owns; then it is as after sel_init(). */
void sel_free(struct selection *s);

/*
 * Add one -r PATH: "-" (standard input, at most once), a file (taken as
 * given: the reader judges it), or a directory, expanded at once to its
 * regular files that sel_is_capture() recognises (finished and .part
 * alike), `.pidx` index sidecars and dot files skipped, sorted by name;
 * subdirectories are not entered. Returns 0, or -1 with "PATH: reason" in
 * `err` (missing, unreadable, a directory holding no capture, too many).
 */
int sel_add_path(struct selection *s, const char *path, char *err, size_t errlen);

/*
 * sel_add_path() for commands that open each input themselves and report
 * what does not open: a directory is expanded as there, anything else is
 * taken as given, unchecked. -1 only for a directory that cannot be used.
 */
int sel_add_input(struct selection *s, const char *path, char *err, size_t errlen);

/*
 * Drop the inputs whose index shows that nothing in them can be selected:
 * no chunk meets the window, or none may match `plan_expr` (NULL: the
 * window alone). Inputs without a usable index stay; a stale or damaged
 * index is named on `diag` (one line per file, "pcaprec CMD: ...") and its
 * file stays. At least one input is kept (the last, when all would go),
 * so a command needing one still has it. Returns how many were dropped.
 */
size_t sel_prune(struct selection *s, const char *plan_expr, FILE *diag, const char *cmd);

/*
 * --since (until false) or --until (until true) from its text, relative
 * forms against `now_ns`. -1 with "--since: 'TEXT': reason" in `err`.
 */
int sel_set_time(struct selection *s, bool until, const char *text, int64_t now_ns,
		 char *err, size_t errlen);

/* The expression from `n` words (joined by single spaces); n = 0 leaves none. -1 on out of memory. */
int sel_set_expr(struct selection *s, char *const *words, int n);

/* True when `ts_ns` is inside the window [since, until). */
static inline bool sel_keep_ts(const struct selection *s, uint64_t ts_ns)
{
	if (s->has_since && (s->since_ns > 0 && ts_ns < (uint64_t)s->since_ns))
		return false;
	if (s->has_until && (s->until_ns <= 0 || ts_ns >= (uint64_t)s->until_ns))
		return false;
	return true;
}

/* True when [first_ns, last_ns] (inclusive) can hold a time inside the window. */
bool sel_range_overlaps(const struct selection *s, int64_t first_ns, int64_t last_ns);

/*
 * getopt helper for the options every selecting command shares: given the
 * option character it saw ('r', SEL_OPT_SINCE, SEL_OPT_UNTIL) and optarg,
 * applies it. Returns 1 when handled, 0 when `c` is not a selection option,
 * -1 (a bad time: usage, exit 2) or -2 (a path that cannot be used: exit 1)
 * with a one-line message ("pcaprec CMD: ...") already printed on stderr.
 */
enum { SEL_OPT_SINCE = 0x5e1, SEL_OPT_UNTIL = 0x5e2 };
int sel_option(struct selection *s, const char *cmd, int c, const char *arg, int64_t now_ns);

/* Commands list { "since", required_argument, NULL, SEL_OPT_SINCE } and the same for "until" in their tables. */

/* Format ns since the epoch as RFC 3339 UTC with the given number of fraction digits (0, 3, 6, 9). */
void sel_format_time(int64_t ns, int digits, char *buf, size_t len);

#endif
