/* SPDX-License-Identifier: BSD-2-Clause */
/* The selection: -r paths (ring directories expanded to their captures), the --since/--until window, the filter words. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/select.h"
#include "pcaprec/util.h"

void sel_init(struct selection *s)
{
	memset(s, 0, sizeof *s);
}

void sel_free(struct selection *s)
{
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->expr);
	sel_init(s);
}

/* Capture magics: pcap us/ns in both byte orders, pcapng SHB. */
static bool magic_is_capture(const uint8_t m[4])
{
	uint32_t v = ld_be32(m);

	return v == 0xa1b2c3d4u || v == 0xd4c3b2a1u || v == 0xa1b23c4du || v == 0x4d3cb2a1u ||
	       v == 0x0a0d0d0au;
}

/*
 * The first four bytes a zstd file (RFC 8878) at fd decompresses to, into
 * m; false if it cannot give them. A block is decoded whole, so as much
 * input as the first block (at most 128 KiB and its header) may be needed.
 */
static bool zstd_head(int fd, uint8_t m[4])
{
	enum { STEP = 16384, MAX_IN = (128 << 10) + 64 };
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_outBuffer ob = { m, 4, 0 };
	uint8_t in[STEP];
	off_t off = 0;

	while (d && ob.pos < ob.size && off < MAX_IN) {
		ssize_t got = pread(fd, in, sizeof in, off);
		ZSTD_inBuffer ib = { in, got > 0 ? (size_t)got : 0, 0 };
		size_t r = 1;

		if (got <= 0)
			break;
		off += got;
		while (ib.pos < ib.size && ob.pos < ob.size) {
			r = ZSTD_decompressStream(d, &ob, &ib);
			if (ZSTD_isError(r) || r == 0)
				break;
		}
		if (ZSTD_isError(r) || r == 0)
			break;
	}
	ZSTD_freeDCtx(d);
	return ob.pos == 4;
}

bool sel_is_capture(const char *path)
{
	uint8_t m[4];
	gzFile gz;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t got;

	if (fd < 0)
		return false;
	got = pread(fd, m, sizeof m, 0);
	if (got != 4) {
		close(fd);
		return false;
	}
	if (magic_is_capture(m)) {
		close(fd);
		return true;
	}
	if (ld_le32(m) == 0xfd2fb528u) {
		bool ok = zstd_head(fd, m) && magic_is_capture(m);

		close(fd);
		return ok;
	}
	if (m[0] != 0x1f || m[1] != 0x8b) {
		close(fd);
		return false;
	}
	gz = gzdopen(fd, "rb"); /* takes the descriptor */
	if (!gz) {
		close(fd);
		return false;
	}
	got = gzread(gz, m, sizeof m);
	gzclose(gz);
	return got == 4 && magic_is_capture(m);
}

static int push_path(struct selection *s, const char *path, char *err, size_t errlen)
{
	if (s->npaths >= SEL_MAX_FILES)
		return errf(err, errlen, "%s: more than %u inputs", path, SEL_MAX_FILES);
	if (s->npaths == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		char **np = realloc(s->paths, ncap * sizeof *np);

		if (!np)
			return errf(err, errlen, "%s: out of memory", path);
		s->paths = np;
		s->cap = ncap;
	}
	s->paths[s->npaths] = strdup(path);
	if (!s->paths[s->npaths])
		return errf(err, errlen, "%s: out of memory", path);
	s->npaths++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Regular files of `dir` that hold captures, sorted by name, appended to the selection. */
static int add_dir(struct selection *s, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = s->npaths, dlen = strlen(dir);
	char path[4096];
	int rc = 0;

	if (!d)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.' || ends_with(e->d_name, ".pidx") || ends_with(e->d_name, ".pidx.tmp"))
			continue;
		if (dlen + 1 + strlen(e->d_name) >= sizeof path) {
			rc = errf(err, errlen, "%s/%s: path too long", dir, e->d_name);
			break;
		}
		snprintf(path, sizeof path, "%s%s%s", dir, dir[dlen - 1] == '/' ? "" : "/", e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !sel_is_capture(path)) {
			s->nskipped++;
			continue;
		}
		if ((rc = push_path(s, path, err, errlen)) < 0)
			break;
	}
	closedir(d);
	if (rc < 0)
		return rc;
	if (s->npaths == first)
		return errf(err, errlen, "%s: no capture file in this directory", dir);
	qsort(s->paths + first, s->npaths - first, sizeof *s->paths, cmp_str);
	return 0;
}

int sel_add_path(struct selection *s, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (!path || !*path)
		return errf(err, errlen, "empty path");
	if (strcmp(path, "-") == 0) {
		for (size_t i = 0; i < s->npaths; i++)
			if (strcmp(s->paths[i], "-") == 0)
				return errf(err, errlen, "-: standard input given twice");
		return push_path(s, path, err, errlen);
	}
	if (stat(path, &st) != 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_dir(s, path, err, errlen);
	if (access(path, R_OK) != 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	return push_path(s, path, err, errlen);
}

int sel_add_input(struct selection *s, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (path && strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return add_dir(s, path, err, errlen);
	return push_path(s, path ? path : "", err, errlen);
}

int sel_set_time(struct selection *s, bool until, const char *text, int64_t now_ns,
		 char *err, size_t errlen)
{
	char why[256];
	int64_t t;

	if (sel_parse_time(text, now_ns, &t, why, sizeof why) < 0)
		return errf(err, errlen, "%s: '%s': %s", until ? "--until" : "--since", text, why);
	if (until) {
		s->has_until = true;
		s->until_ns = t;
	} else {
		s->has_since = true;
		s->since_ns = t;
	}
	return 0;
}

int sel_set_expr(struct selection *s, char *const *words, int n)
{
	size_t len = 0;
	char *e;

	free(s->expr);
	s->expr = NULL;
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	e = malloc(len);
	if (!e)
		return -1;
	e[0] = '\0';
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);

		if (i > 0)
			e[off++] = ' ';
		memcpy(e + off, words[i], w + 1);
		off += w;
	}
	s->expr = e;
	return 0;
}

bool sel_range_overlaps(const struct selection *s, int64_t first_ns, int64_t last_ns)
{
	if (s->has_since && last_ns < s->since_ns)
		return false;
	if (s->has_until && first_ns >= s->until_ns)
		return false;
	return true;
}

int sel_option(struct selection *s, const char *cmd, int c, const char *arg, int64_t now_ns)
{
	char err[4200];
	int rc;

	switch (c) {
	case 'r':
		rc = sel_add_path(s, arg, err, sizeof err);
		break;
	case SEL_OPT_SINCE:
		rc = sel_set_time(s, false, arg, now_ns, err, sizeof err);
		break;
	case SEL_OPT_UNTIL:
		rc = sel_set_time(s, true, arg, now_ns, err, sizeof err);
		break;
	default:
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "pcaprec %s: %s\n", cmd, err);
		return c == 'r' ? -2 : -1;
	}
	return 1;
}
