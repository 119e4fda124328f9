/* SPDX-License-Identifier: BSD-2-Clause */
/* Small shared helpers: bounded byte getters, size and duration parsing, error buffers. */
#ifndef PCAPREC_UTIL_H
#define PCAPREC_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * A bounded read cursor over packet or file bytes. Getters return false and
 * leave the cursor unchanged when fewer bytes remain than they need; they
 * never read past `end`.
 */
struct cursor {
	const uint8_t *p;
	const uint8_t *end;
};

static inline struct cursor cur_make(const uint8_t *p, size_t len)
{
	struct cursor c = { p, p + len };
	return c;
}

static inline size_t cur_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
	if (cur_left(c) < n)
		return false;
	c->p += n;
	return true;
}

static inline bool rd_u8(struct cursor *c, uint8_t *v)
{
	if (cur_left(c) < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static inline uint16_t ld_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint16_t ld_le16(const uint8_t *p) { return (uint16_t)((p[1] << 8) | p[0]); }
static inline uint32_t ld_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint32_t ld_le32(const uint8_t *p)
{
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}
static inline uint64_t ld_le64(const uint8_t *p)
{
	return ((uint64_t)ld_le32(p + 4) << 32) | ld_le32(p);
}
static inline uint64_t ld_be64(const uint8_t *p)
{
	return ((uint64_t)ld_be32(p) << 32) | ld_be32(p + 4);
}

static inline void st_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void st_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void st_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void st_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static inline bool rd_be16(struct cursor *c, uint16_t *v)
{
	if (cur_left(c) < 2)
		return false;
	*v = ld_be16(c->p);
	c->p += 2;
	return true;
}

static inline bool rd_be32(struct cursor *c, uint32_t *v)
{
	if (cur_left(c) < 4)
		return false;
	*v = ld_be32(c->p);
	c->p += 4;
	return true;
}

/* Copy n bytes out of the cursor into dst; false (cursor unchanged) when fewer remain. */
static inline bool rd_bytes(struct cursor *c, void *dst, size_t n)
{
	if (cur_left(c) < n)
		return false;
	memcpy(dst, c->p, n);  /* a constant n (as every caller passes) compiles to a few moves */
	c->p += n;
	return true;
}

/*
 * Parse a byte size: digits with an optional K, M, G or T suffix (powers of
 * 1024; "KB"/"MB"/"GB" also accepted). `bare_unit` multiplies a number given
 * without suffix (1 for bytes, 1000000 for tcpdump's -C). Returns false on
 * anything else, zero included only if `allow_zero`.
 */
bool parse_size(const char *s, uint64_t bare_unit, bool allow_zero, uint64_t *out);

/*
 * Parse a duration: digits, optionally a fraction of up to 9 digits ("0.5",
 * "1.25"), and an optional unit ns, us, ms, s, m, h, d (bare number means
 * seconds), e.g. "30s", "0.5s", "15m", "1.5h", "250ms". Result in
 * nanoseconds (a fraction rounded down to them), at most UINT64_MAX (584
 * years). Returns false on bad syntax, overflow or zero.
 */
bool parse_duration(const char *s, uint64_t *out_ns);

/* Parse an unsigned decimal in [min, max]; false on junk, sign or overflow. */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* printf into a caller-owned error buffer; always NUL-terminates; returns -1 for `return errf(...)`. */
int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Current CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t now_realtime_ns(void);

/* Current CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_monotonic_ns(void);

/*
 * pthread_create() with every signal blocked in the new thread, so signals
 * stay with the thread that handles them. Returns pthread_create's result.
 */
int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * The "MemAvailable: N kB" line of /proc/meminfo text, in bytes. False when
 * the line is missing or malformed.
 */
bool meminfo_available(const char *text, uint64_t *bytes);

/*
 * Memory the machine can give without swapping (/proc/meminfo MemAvailable;
 * free pages on kernels without it). False when neither can be read.
 */
bool mem_available(uint64_t *bytes);

/* Length of the well-formed UTF-8 sequence (RFC 3629) starting p[0..n), or 0 when none starts there. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/*
 * The JSON string text (RFC 8259 7) for the character at p[0..n) into out
 * (NUL-terminated): quote, backslash and control characters escaped, a
 * well-formed UTF-8 sequence as it is, a byte that starts none as \u00XX
 * (its Latin-1 reading), so every strict parser accepts the result.
 * Returns the bytes of p used (>= 1; n must be >= 1).
 */
size_t json_escape_next(const unsigned char *p, size_t n, char out[8]);

/* s as a JSON string literal, quotes included, escaped as json_escape_next does. */
void json_fputs(FILE *out, const char *s);

/* ns as exact decimal seconds with 9 fraction digits ("-0.000000100"), no floating point. */
void fmt_ns_secs(int64_t ns, char *buf, size_t len);

#endif
