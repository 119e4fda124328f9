/* SPDX-License-Identifier: BSD-2-Clause */
/* The rotation and output-file flags of `pcaprec record`: table, value parsing, help text. */
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/zpar.h"
#include "pcaprec/output.h"
#include "pcaprec/util.h"

enum {
	OPT_ROTATE_PACKETS = 0x300,
	OPT_NO_ALIGN,
	OPT_UTC,
	OPT_EMPTY_FILES,
	OPT_MAX_TOTAL,
	OPT_MIN_FREE,
	OPT_ON_ROTATE,
	OPT_MAX_HOOKS,
	OPT_PRINT_CLOSED,
	OPT_GROUP,
	OPT_MODE,
	OPT_PIDFILE,
	OPT_FLUSH_INTERVAL,
	OPT_COMPRESS_THREADS,
	OPT_NO_INDEX,
};

const struct option output_cli_options[OUTPUT_CLI_NOPTS] = {
	{ "write", required_argument, NULL, 'w' },
	{ "rotate-size", required_argument, NULL, 'C' },
	{ "rotate-time", required_argument, NULL, 'G' },
	{ "rotate-packets", required_argument, NULL, OPT_ROTATE_PACKETS },
	{ "no-align", no_argument, NULL, OPT_NO_ALIGN },
	{ "utc", no_argument, NULL, OPT_UTC },
	{ "empty-files", no_argument, NULL, OPT_EMPTY_FILES },
	{ "keep", required_argument, NULL, 'W' },
	{ "max-total", required_argument, NULL, OPT_MAX_TOTAL },
	{ "min-free", required_argument, NULL, OPT_MIN_FREE },
	{ "compress", required_argument, NULL, 'z' },
	{ "on-rotate", required_argument, NULL, OPT_ON_ROTATE },
	{ "max-hooks", required_argument, NULL, OPT_MAX_HOOKS },
	{ "print-closed", no_argument, NULL, OPT_PRINT_CLOSED },
	{ "user", required_argument, NULL, 'Z' },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "flush-interval", required_argument, NULL, OPT_FLUSH_INTERVAL },
	{ "compress-threads", required_argument, NULL, OPT_COMPRESS_THREADS },
	{ "no-index", no_argument, NULL, OPT_NO_INDEX },
};

void output_cli_init(struct output_cli *c)
{
	memset(c, 0, sizeof *c);
	c->cfg.rot.align = true;
	c->cfg.gzip_level = -1;
	c->cfg.mode = 0640;
	c->cfg.gid = (gid_t)-1;
}

/* "gzip", "gzip:LEVEL" (1-9, default 6), "zstd", "zstd:LEVEL" (1-19, default 3); the last -z wins. */
static int parse_compress(struct output_cli *c, const char *arg, char *err, size_t errlen)
{
	uint64_t v;

	c->cfg.gzip_level = -1;
	c->cfg.zstd_level = 0;
	if (strcmp(arg, "gzip") == 0) {
		c->cfg.gzip_level = OUT_GZIP_DEFAULT_LEVEL;
		return 1;
	}
	if (strncmp(arg, "gzip:", 5) == 0 && parse_uint(arg + 5, 1, ZPAR_GZIP_LEVEL_MAX, &v)) {
		c->cfg.gzip_level = (int)v;
		return 1;
	}
	if (strcmp(arg, "zstd") == 0) {
		c->cfg.zstd_level = OUT_ZSTD_DEFAULT_LEVEL;
		return 1;
	}
	if (strncmp(arg, "zstd:", 5) == 0 && parse_uint(arg + 5, 1, ZPAR_ZSTD_LEVEL_MAX, &v)) {
		c->cfg.zstd_level = (int)v;
		return 1;
	}
	return errf(err, errlen, "-z/--compress: '%s' is not gzip[:LEVEL] (1-9) or zstd[:LEVEL] (1-19)",
		    arg);
}

static int parse_group(struct output_cli *c, const char *arg, char *err, size_t errlen)
{
	struct group *gr = getgrnam(arg);
	uint64_t v;

	if (gr) {
		c->cfg.gid = gr->gr_gid;
		return 1;
	}
	if (parse_uint(arg, 0, 0x7fffffff, &v)) {
		c->cfg.gid = (gid_t)v;
		return 1;
	}
	return errf(err, errlen, "--group: no such group '%s'", arg);
}

static int parse_mode(struct output_cli *c, const char *arg, char *err, size_t errlen)
{
	char *end;
	unsigned long m;

	/* digits only: strtoul alone would also take leading blanks and a sign */
	if (!*arg || strspn(arg, "01234567") != strlen(arg))
		return errf(err, errlen, "--mode: '%s' is not an octal mode with owner read+write (e.g. 0640)", arg);
	m = strtoul(arg, &end, 8);
	if (*end || m > 0777 || (m & 0600) != 0600)
		return errf(err, errlen, "--mode: '%s' is not an octal mode with owner read+write (e.g. 0640)", arg);
	c->cfg.mode = (mode_t)m;
	return 1;
}

static int bad(char *err, size_t errlen, const char *flag, const char *arg, const char *want)
{
	return errf(err, errlen, "%s: '%s' is not %s", flag, arg, want);
}

int output_cli_parse(struct output_cli *c, int code, const char *arg, char *err, size_t errlen)
{
	struct output_config *g = &c->cfg;
	uint64_t v;

	switch (code) {
	case 'w': g->path = arg; return 1;
	case 'C':
		return parse_size(arg, 1000000, false, &g->rot.max_bytes) ? 1 :
			bad(err, errlen, "-C/--rotate-size", arg, "a size (500M, 2G; bare number: millions of bytes)");
	case 'G':
		return parse_duration(arg, &g->rot.interval_ns) ? 1 :
			bad(err, errlen, "-G/--rotate-time", arg, "a duration (300ms, 30s, 15m, 1h, 1d)");
	case OPT_ROTATE_PACKETS:
		return parse_uint(arg, 1, UINT64_MAX, &g->rot.max_packets) ? 1 :
			bad(err, errlen, "--rotate-packets", arg, "a packet count >= 1");
	case OPT_NO_ALIGN: g->rot.align = false; return 1;
	case OPT_UTC: g->rot.utc = true; return 1;
	case OPT_EMPTY_FILES: g->empty_files = true; return 1;
	case OPT_NO_INDEX: g->no_index = true; return 1;
	case 'W':
		if (!parse_uint(arg, 1, 100000000, &v))
			return bad(err, errlen, "-W/--keep", arg, "a file count >= 1");
		g->keep = (unsigned)v;
		return 1;
	case OPT_MAX_TOTAL:
		return parse_size(arg, 1, false, &g->max_total) ? 1 :
			bad(err, errlen, "--max-total", arg, "a size (200G)");
	case OPT_MIN_FREE:
		return parse_size(arg, 1, false, &g->min_free) ? 1 :
			bad(err, errlen, "--min-free", arg, "a size (5G)");
	case 'z': return parse_compress(c, arg, err, errlen);
	case OPT_COMPRESS_THREADS:
		if (!parse_uint(arg, 1, ZPAR_MAX_THREADS, &v))
			return bad(err, errlen, "--compress-threads", arg, "a number in 1..64");
		g->gzip_threads = (unsigned)v;
		return 1;
	case OPT_ON_ROTATE: g->on_rotate = arg; return 1;
	case OPT_MAX_HOOKS:
		if (!parse_uint(arg, 1, 64, &v))
			return bad(err, errlen, "--max-hooks", arg, "a number in 1..64");
		g->max_hooks = (unsigned)v;
		return 1;
	case OPT_PRINT_CLOSED: g->print_closed = stdout; return 1;
	case 'Z': c->user = arg; return 1;
	case OPT_GROUP: return parse_group(c, arg, err, errlen);
	case OPT_MODE: return parse_mode(c, arg, err, errlen);
	case OPT_PIDFILE: c->pidfile = arg; return 1;
	case OPT_FLUSH_INTERVAL:
		return parse_duration(arg, &g->flush_interval_ns) ? 1 :
			bad(err, errlen, "--flush-interval", arg, "a duration (1s, 500ms)");
	default:
		return 0;
	}
}

/* Does `path`'s directory resolve to /dev or below it? */
static bool in_dev(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], *real;
	bool r;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	real = realpath(dir, NULL);
	if (!real)
		return false;
	r = strcmp(real, "/dev") == 0 || strncmp(real, "/dev/", 5) == 0;
	free(real);
	return r;
}

int output_cli_finish(struct output_cli *c, char *err, size_t errlen)
{
	if (!c->cfg.path)
		return errf(err, errlen, "-w FILE is required");
	if (rot_has_control(c->cfg.path))
		return errf(err, errlen, "-w: the path has a control character (newline, tab...) at offset %zu",
			    (size_t)(rot_has_control(c->cfg.path) - c->cfg.path));
	if (output_path_is_stream(c->cfg.path)) {
		if (rot_enabled(&c->cfg.rot) || c->cfg.keep || c->cfg.max_total || c->cfg.min_free ||
		    c->cfg.on_rotate || c->cfg.empty_files || c->cfg.print_closed)
			return errf(err, errlen, "-w %s: rotation, budget, hooks and --print-closed need "
				    "files, not %s", c->cfg.path, strcmp(c->cfg.path, "-") == 0 ?
				    "stdout" : "a character device or FIFO");
		return 0;
	}
	if (in_dev(c->cfg.path))
		return errf(err, errlen, "-w %s: pcaprec does not create files in /dev (an existing "
			    "character device or FIFO is written as a stream; -w - for stdout)",
			    c->cfg.path);
	if (c->cfg.empty_files && !c->cfg.rot.interval_ns)
		return errf(err, errlen, "--empty-files needs -G/--rotate-time");
	if (!c->cfg.rot.align && !c->cfg.rot.interval_ns)
		return errf(err, errlen, "--no-align needs -G/--rotate-time");
	if (c->cfg.gzip_threads && c->cfg.gzip_level < 0 && c->cfg.zstd_level == 0 &&
	    !out_name_is_gzip(c->cfg.path) && !out_name_is_zstd(c->cfg.path))
		return errf(err, errlen, "--compress-threads needs -z/--compress or a .gz or .zst file name");
	if ((c->cfg.zstd_level && out_name_is_gzip(c->cfg.path)) ||
	    (c->cfg.gzip_level > 0 && out_name_is_zstd(c->cfg.path)))
		return errf(err, errlen, "-z %s does not fit the file name %s", c->cfg.zstd_level ? "zstd" : "gzip",
			    c->cfg.path);
	{
		const char *slash = strrchr(c->cfg.path, '/');

		if (slash && memchr(c->cfg.path, '%', (size_t)(slash - c->cfg.path)))
			return errf(err, errlen, "-w %s: fields (%%...) are allowed in the file name only, "
				    "not in the directory", c->cfg.path);
		return rot_template_check(slash ? slash + 1 : c->cfg.path, err, errlen) == 0 ? 0 : -1;
	}
}

void output_cli_help(FILE *fp)
{
	fputs(
"Output files and rotation:\n"
"  -w, --write TEMPLATE   output path ('-': standard output; an existing\n"
"                         character device or FIFO is also one stream); the file\n"
"                         name may hold strftime fields, %n (sequence number)\n"
"                         and %i (interface names); an existing file is never\n"
"                         overwritten\n"
"  -C, --rotate-size SIZE new file before one would exceed SIZE (K M G;\n"
"                         bare number = millions of bytes, as in tcpdump)\n"
"  -G, --rotate-time DUR  new file every DUR (300ms 30s 15m 1h 1d), on wall-clock\n"
"                         boundaries: 15m = :00 :15 :30 :45 local time\n"
"      --rotate-packets N new file after N packets\n"
"      --no-align         -G counts from the start instead of the clock\n"
"      --utc              align -G and expand names in UTC, not local time\n"
"      --empty-files      a file for every -G period, even without packets\n"
"  -W, --keep N           keep only the newest N finished files\n"
"      --max-total SIZE   delete oldest finished files beyond SIZE in total\n"
"      --min-free SIZE    delete oldest finished files (or stop writing) when\n"
"                         the filesystem has less than SIZE free\n"
"  -z, --compress gzip[:LEVEL]  gzip the files (.gz appended); level 1-9,\n"
"                         default 6\n"
"  -z, --compress zstd[:LEVEL]  zstd the files (.zst appended); level 1-19,\n"
"                         default 3 (tshark 4.0 misreads files of several\n"
"                         frames: zstdcat F | tshark -r -)\n"
"      --compress-threads N  compress on N threads (default: one per CPU, at\n"
"                         most 8); each 1 MiB of records, and each flush, ends\n"
"                         an independent gzip member / zstd frame\n"
"      --on-rotate CMD    run /bin/sh -c 'CMD \"$1\"' with each published file\n"
"                         (PCAPREC_FILE PCAPREC_PACKETS PCAPREC_BYTES\n"
"                         PCAPREC_FIRST_TS PCAPREC_LAST_TS PCAPREC_DROPS\n"
"                         PCAPREC_LEFTOVER set); also for leftover .part files\n"
"                         published at start (PCAPREC_LEFTOVER=1, DROPS 0)\n"
"      --max-hooks N      hooks running at once (4); more are queued\n"
"      --print-closed     print 'PATH PACKETS BYTES' for each published file\n"
"      --flush-interval DUR  flush the file in progress this often (1s)\n"
"      --no-index         no index: by default each published file NAME gets\n"
"                         NAME.pidx beside it (see pcaprec index)\n"
"  -Z, --user USER        drop to USER after opening the socket and first file\n"
"      --group GROUP      group of the output files\n"
"      --mode MODE        permissions of the output files (0640)\n"
"      --pidfile FILE     write the pid to FILE (for pcaprec rotate)\n"
"Files are written as NAME.part and renamed to NAME when finished. SIGHUP\n"
"starts a new file now, SIGUSR1 prints statistics to stderr.\n", fp);
}
