/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec summary: wires readers, decoders and the summary module to the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/cli.h"
#include "pcaprec/decode.h"
#include "pcaprec/filter.h"
#include "pcaprec/reader.h"
#include "pcaprec/summary.h"
#include "pcaprec/select.h"
#include "pcaprec/util.h"

#define PROGRESS_MIN_BYTES (64u << 20)    /* smaller inputs finish before a meter helps */
#define PROGRESS_EVERY_NS 250000000u

#define FILTER_MAX_LINKTYPES 16u

/* --filter compiled once per link type met (pcapng files may mix them). */
struct sum_filter {
	const char *expr;
	uint32_t n;
	uint32_t linktype[FILTER_MAX_LINKTYPES];
	struct filter_prog prog[FILTER_MAX_LINKTYPES];
	uint32_t last;
	bool failed;
};

struct sum_cli {
	struct summary_opts opts;
	struct sum_filter flt;
	bool json;
	bool merge;
	bool progress;
	int nreports;
	char **given;   /* -r files, then file arguments (argc slots) */
	char **paths;   /* the inputs: given, directories expanded, index-pruned (in sel) */
	int npaths;
	struct selection sel;
	char *expr;     /* trailing expression joined, owned */
};

static void usage(FILE *o)
{
	fputs("usage: pcaprec summary [OPTIONS] FILE...     (FILE may be - for stdin, gzip and zstd are recognised)\n"
	      "       pcaprec summary [OPTIONS] -r FILE [-r FILE...] [EXPRESSION]\n"
	      "       pcaprec summary [OPTIONS] FILE... -- EXPRESSION\n"
	      "\n"
	      "What capinfos and tshark's statistics tell, in one pass: totals and rates,\n"
	      "interfaces with drop counts, protocol hierarchy (as -z io,phs), conversations\n"
	      "(as -z conv,eth|ip|ipv6|tcp|udp), endpoints (as -z endpoints,...), top ports,\n"
	      "TCP flag counts, damaged packets and packets/bytes per time interval.\n"
	      "\n"
	      "  -j, --json          one JSON object (schema in README.md, \"pcaprec summary\")\n"
	      "  -n, --top N         rows per table, 0 = all (default 10); -n or -nn without a\n"
	      "                      number are accepted as in tcpdump (no names are resolved)\n"
	      "  -r FILE             summarize FILE (repeatable); the words after the options\n"
	      "                      are then a pcap-filter(7) expression, as in tcpdump.\n"
	      "                      A directory (here or as FILE) is a ring: its captures\n"
	      "                      (.part included) in one report, merged by time\n"
	      "      --community-id-seed N  seed (0-65535, default 0) of the Community IDs\n"
	      "                      of TCP and UDP conversations in --json\n"
	      "      --since T       only packets at or after T; --until T: only before T\n"
	      "                      (as for extract: 2026-12-04T10:02:00Z, local\n"
	      "                      2026-12-04T10:02, epoch 1764842520.5, -15m); files whose\n"
	      "                      index shows nothing inside are not read\n"
	      "  -I, --interval DUR  time series interval (30s, 250ms, 1m...); default: a round\n"
	      "                      interval giving at most 60 rows. Widened (x2, x5) when the\n"
	      "                      capture would need more than 8192 buckets.\n"
	      "      --max-flows N   conversations tracked, all kinds together (default 1000000,\n"
	      "                      at most 4294967294,\n"
	      "                      about 120-140 bytes each while reading, up to about 225 at\n"
	      "                      the report's peak); packets of further flows are counted\n"
	      "                      into a folded \"other\" bucket per kind and reported\n"
	      "      --filter EXPR   only packets matching a pcap-filter(7) expression\n"
	      "      --threads N     1: count everything on one thread; 2 (default): a second\n"
	      "                      thread counts conversations and ports while the first\n"
	      "                      reads and decodes. The report is the same either way.\n"
	      "  -m, --merge         read all files as one recording, merged by timestamp;\n"
	      "                      without it each file gets its own summary\n"
	      "      --no-progress   no progress meter (shown on a terminal stderr for inputs\n"
	      "                      over 64 MiB)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "Exit: 0 ok, 1 a file could not be opened, 2 usage, 3 a file is damaged or not a\n"
	      "capture file (every good packet before the damage is summarized, the error and\n"
	      "its offset reported).\n",
	      o);
}

static const struct option sum_longopts[] = {
	{ "since", required_argument, NULL, SEL_OPT_SINCE },
	{ "until", required_argument, NULL, SEL_OPT_UNTIL },
	{ "json", no_argument, NULL, 'j' },
	{ "top", required_argument, NULL, 'n' },
	{ "interval", required_argument, NULL, 'I' },
	{ "max-flows", required_argument, NULL, 'F' },
	{ "merge", no_argument, NULL, 'm' },
	{ "filter", required_argument, NULL, 'f' },
	{ "no-progress", no_argument, NULL, 'P' },
	{ "threads", required_argument, NULL, 'T' },
	{ "community-id-seed", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define SUM_SHORTOPTS ":jn:I:mhr:"

/*
 * -n N is --top. Without a number it is tcpdump's "no names": -nn, -n
 * before another option (-n -r F), or -n before an existing file.
 */
static int opt_top(struct sum_cli *c, char **argv, const char *arg, bool long_form)
{
	bool separate = arg == argv[optind - 1];
	uint64_t v;

	if (parse_uint(arg, 0, UINT32_MAX, &v)) {
		c->opts.top = (uint32_t)v;
		c->opts.top_set = true;
		return 0;
	}
	if (!long_form && arg[0] && strspn(arg, "n") == strlen(arg))
		return 0;
	if (!long_form && separate && arg[0] == '-' && ((arg[1] >= 'a' && arg[1] <= 'z') ||
							(arg[1] >= 'A' && arg[1] <= 'Z') || arg[1] == '-')) {
		optind--; /* the next word is an option again */
		return 0;
	}
	if (!long_form && separate && !(arg[0] >= '0' && arg[0] <= '9') && access(arg, F_OK) == 0) {
		c->given[c->npaths++] = (char *)arg;
		return 0;
	}
	fprintf(stderr, "pcaprec summary: --top: '%s' is not a count\n", arg);
	return EXIT_USAGE;
}

/* One option; 0, or an exit code (-1: --help printed). */
static int sum_opt(struct sum_cli *c, int ch, char **argv)
{
	uint64_t v;

	switch (ch) {
	case 'j': c->json = true; break;
	case 'm': c->merge = true; break;
	case 'P': c->progress = false; break;
	case 'f': c->flt.expr = optarg; c->opts.filter = optarg; break;
	case 'r': c->given[c->npaths++] = optarg; break;
	case 'h': usage(stdout); return -1;
	case SEL_OPT_SINCE:
	case SEL_OPT_UNTIL:
		return sel_option(&c->sel, "summary", ch, optarg, (int64_t)now_realtime_ns()) < 0 ? EXIT_USAGE : 0;
	case 'n':
		return opt_top(c, argv, optarg, strncmp(argv[optind - 1], "--", 2) == 0 ||
					  (optind >= 2 && strncmp(argv[optind - 2], "--top", 5) == 0));
	case 'I':
		if (!parse_duration(optarg, &c->opts.interval_ns)) {
			fprintf(stderr, "pcaprec summary: --interval: '%s' is not a duration (30s, 250ms, 1m)\n",
				optarg);
			return EXIT_USAGE;
		}
		break;
	case 'C':
		if (!parse_uint(optarg, 0, 65535, &v)) {
			fprintf(stderr, "pcaprec summary: --community-id-seed: '%s' is not a number from 0 to 65535\n",
				optarg);
			return EXIT_USAGE;
		}
		c->opts.community_id_seed = (uint16_t)v;
		break;
	case 'T':
		if (!parse_uint(optarg, 1, 2, &v)) {
			fprintf(stderr, "pcaprec summary: --threads: '%s' is not 1 or 2\n", optarg);
			return EXIT_USAGE;
		}
		c->opts.single_thread = v == 1;
		break;
	case 'F':
		/* the flow table indexes entries with 32 bits, one value reserved */
		if (!parse_uint(optarg, 1, UINT32_MAX - 1, &c->opts.max_flows)) {
			fprintf(stderr, "pcaprec summary: --max-flows: '%s' is not a count from 1 to %u\n",
				optarg, UINT32_MAX - 1);
			return EXIT_USAGE;
		}
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

/* 0 on success, EXIT_USAGE with a message otherwise (-1: --help printed). */
static int parse_args(int argc, char **argv, struct sum_cli *c)
{
	int dd = cli_dashdash(argc, argv, SUM_SHORTOPTS, sum_longopts);
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = cli_getopt("summary", dd, argv, SUM_SHORTOPTS, sum_longopts)) != -1) {
		rc = sum_opt(c, ch, argv);
		if (rc)
			return rc;
	}
	rc = cli_inputs("summary", argc, argv, dd, c->flt.expr != NULL, c->given, &c->npaths, &c->expr);
	if (rc)
		return rc;
	if (c->expr)
		c->flt.expr = c->opts.filter = c->expr;
	for (int i = 0; i < c->npaths; i++) {
		struct stat st;

		if (strcmp(c->given[i], "-") != 0 && stat(c->given[i], &st) == 0 && S_ISDIR(st.st_mode))
			c->merge = true; /* a ring: one report over its files, in time order */
	}
	rc = sel_inputs("summary", &c->sel, c->given, c->npaths, c->flt.expr, &c->paths, &c->npaths);
	if (rc >= 0)
		return rc;
	if (c->npaths == 0) {
		fprintf(stderr, "pcaprec summary: no input file (use - for stdin)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Describe reader `r` to the summary (after reading it, so every IDB and ISB is known). */
static void describe(struct summary *s, const struct reader *r)
{
	struct summary_file *f = calloc(1, sizeof *f);
	size_t n = reader_iface_count(r);

	if (!f)
		return;
	copy_str(f->name, sizeof f->name, reader_name(r));
	copy_str(f->type, sizeof f->type, reader_format(r));
	f->compressed = reader_compressed(r);
	copy_str(f->compression, sizeof f->compression, f->compressed ? reader_compression(r) : "");
	f->size = reader_file_size(r);
	f->size_known = true;
	f->snaplen = reader_snaplen(r);
	f->niface = (uint32_t)(n < SUMMARY_MAX_IFACES ? n : SUMMARY_MAX_IFACES);
	for (uint32_t i = 0; i < f->niface; i++) {
		const struct reader_iface *ri = reader_iface(r, i);
		struct summary_iface *si = &f->iface[i];
		copy_str(si->name, sizeof si->name, ri->name);
		si->linktype = ri->linktype;
		si->snaplen = ri->snaplen;
		si->packets = ri->packets;
		si->has_stats = (ri->stats_have & (READER_STAT_IFRECV | READER_STAT_IFDROP |
						   READER_STAT_OSDROP | READER_STAT_FILTERACCEPT |
						   READER_STAT_USRDELIV)) != 0;
		si->has_ifrecv = ri->stats_have & READER_STAT_IFRECV;
		si->has_ifdrop = ri->stats_have & READER_STAT_IFDROP;
		si->has_osdrop = ri->stats_have & READER_STAT_OSDROP;
		si->has_filteraccept = ri->stats_have & READER_STAT_FILTERACCEPT;
		si->has_usrdeliv = ri->stats_have & READER_STAT_USRDELIV;
		si->ifrecv = ri->ifrecv;
		si->ifdrop = ri->ifdrop;
		si->osdrop = ri->osdrop;
		si->filteraccept = ri->filteraccept;
		si->usrdeliv = ri->usrdeliv;
	}
	summary_add_file(s, f);
	free(f);
}

/* Progress meter state: only used when stderr is a terminal and the input is large. */
struct meter {
	bool on;
	uint64_t total;
	uint64_t next_ns;
	bool drawn;
};

static void meter_tick(struct meter *m, const struct reader *r, uint64_t packets)
{
	uint64_t now = now_monotonic_ns();
	uint64_t done;

	if (now < m->next_ns)
		return;
	m->next_ns = now + PROGRESS_EVERY_NS;
	done = reader_bytes(r);
	if (!reader_compressed(r) && m->total)
		fprintf(stderr, "\rpcaprec summary: %s: %3.0f%%, %llu packets ", reader_name(r),
			100.0 * (double)done / (double)m->total, (unsigned long long)packets);
	else
		fprintf(stderr, "\rpcaprec summary: %s: %llu MiB, %llu packets ", reader_name(r),
			(unsigned long long)(done >> 20), (unsigned long long)packets);
	m->drawn = true;
}

static void meter_done(struct meter *m)
{
	if (m->drawn)
		fputs("\r\033[K", stderr);
	m->drawn = false;
}

/*
 * The per-packet loop over one source: next frame, decode as deep as the
 * summary needs, (filter hook), count. Returns 0 at the clean end, -1 on damage.
 */
/* The program for link type `lt`, compiled on first use; NULL (and a message) when it cannot be. */
static const struct filter_prog *filter_for(struct sum_filter *sf, uint32_t lt)
{
	char err[512];

	if (sf->n > 0 && sf->linktype[sf->last] == lt)
		return &sf->prog[sf->last];
	for (uint32_t i = 0; i < sf->n; i++) {
		if (sf->linktype[i] == lt) {
			sf->last = i;
			return &sf->prog[i];
		}
	}
	if (sf->n == FILTER_MAX_LINKTYPES) {
		fprintf(stderr, "pcaprec summary: --filter: more than %u link types\n", FILTER_MAX_LINKTYPES);
		sf->failed = true;
		return NULL;
	}
	if (filter_compile(sf->expr, lt, 0, &sf->prog[sf->n], err, sizeof err) < 0) {
		fprintf(stderr, "pcaprec summary: --filter for link type %u: %s\n", lt, err);
		sf->failed = true;
		return NULL;
	}
	sf->linktype[sf->n] = lt;
	sf->last = sf->n++;
	return &sf->prog[sf->last];
}

static void filter_release(struct sum_filter *sf)
{
	for (uint32_t i = 0; i < sf->n; i++)
		filter_free(&sf->prog[i]);
	sf->n = 0;
}

/* Where frames come from: one file, or a set of files merged by time. */
struct input {
	struct reader *r;
	struct reader_set *set;
};

static int input_next(const struct input *in, struct frame *f)
{
	if (in->set)
		return reader_set_next(in->set, f);
	return reader_next(in->r, f);
}

static const struct reader *input_current(const struct input *in)
{
	if (in->set)
		return reader_set_reader(in->set, reader_set_current(in->set));
	return in->r;
}

/* A record the reader calls malformed: counted, the first one named in the report. */
static void note_malformed(struct summary *s, const struct reader *r)
{
	char why[256], msg[600];

	reader_record_problem(r, why, sizeof why);
	snprintf(msg, sizeof msg, "%s: %s", reader_name(r), why);
	summary_malformed(s, msg);
}

/* Exit status 3 and a line on stderr when malformed records were counted. */
static int malformed_status(const struct summary *s, int st)
{
	uint64_t n = summary_malformed_count(s);

	if (n == 0)
		return st;
	fprintf(stderr, "pcaprec summary: %llu malformed record%s, the first: %s\n",
		(unsigned long long)n, n == 1 ? "" : "s", summary_malformed_first(s));
	return st > EXIT_DAMAGED ? st : EXIT_DAMAGED;
}

static int pump(struct summary *s, const struct input *in, struct sum_cli *c)
{
	struct dec_packet d;
	struct frame f;
	struct meter m = { 0 };
	uint64_t n = 0;
	int rc;

	m.on = c->progress && isatty(STDERR_FILENO);
	for (;;) {
		uint32_t fl;

		rc = input_next(in, &f);
		if (rc <= 0)
			break;
		if (!sel_keep_ts(&c->sel, f.ts_ns))
			continue;
		fl = reader_record_flags(input_current(in));
		if (fl & READER_REC_MALFORMED)
			note_malformed(s, input_current(in));
		if (c->flt.expr) {
			const struct filter_prog *fp = filter_for(&c->flt, f.linktype);
			if (!fp) {
				rc = -2;
				break;
			}
			if (filter_run(fp, f.data, f.caplen, f.origlen) == 0)
				continue;
		}
		dec_packet(f.linktype, f.data, f.caplen, f.origlen, SUMMARY_DEC_DEPTH, &d);
		summary_add_ts(s, &f, &d, fl & READER_REC_NO_TIME ? SUMMARY_TS_NONE :
					  fl & (READER_REC_FRAC_OVERFLOW | READER_REC_TS_OVERFLOW) ?
					  SUMMARY_TS_BAD : SUMMARY_TS_OK);
		if (m.on && (++n & 0xffff) == 0) {
			const struct reader *cur = input_current(in);
			if (!m.total)
				m.total = reader_file_size(cur);
			if (m.total >= PROGRESS_MIN_BYTES || reader_compressed(cur))
				meter_tick(&m, cur, n);
		}
	}
	meter_done(&m);
	return rc;
}

static int emit(struct summary *s, struct sum_cli *c)
{
	int rc;

	if (c->json) {
		fputs(c->nreports++ ? "," : "{\"pcaprec_summary\":1,\"reports\":[", stdout);
		rc = summary_write_json(s, stdout);
	} else {
		if (c->nreports++)
			fputs("\n", stdout);
		rc = summary_write_text(s, stdout, isatty(STDOUT_FILENO));
	}
	return rc;
}

/*
 * A file that opened but is no capture, or is damaged in its header: an
 * empty report (text or JSON) that carries the reader's message, as for
 * damage later in a file. Returns EXIT_DAMAGED (EXIT_ERROR if writing fails).
 */
static int unreadable_report(const char *path, const char *why, struct sum_cli *c)
{
	char err[512];
	struct summary *s = summary_open(&c->opts, err, sizeof err);
	struct summary_file *f = calloc(1, sizeof *f);
	int st = EXIT_DAMAGED;

	if (!s || !f) {
		summary_close(s);
		free(f);
		return EXIT_DAMAGED;
	}
	summary_set_error(s, NULL, why);
	copy_str(f->name, sizeof f->name, path);
	copy_str(f->type, sizeof f->type, "unknown");
	summary_add_file(s, f);
	free(f);
	if (emit(s, c) < 0)
		st = EXIT_ERROR;
	summary_close(s);
	return st;
}

/* One summary per file. Returns the exit status for this file. */
static int one_file(const char *path, struct sum_cli *c)
{
	char err[512];
	struct reader *r = reader_open(path, err, sizeof err);
	struct summary *s;
	int st = EXIT_OK;

	if (!r) {
		fprintf(stderr, "pcaprec summary: %s\n", err);
		st = cli_open_status(path);
		return st == EXIT_DAMAGED ? unreadable_report(path, err, c) : st;
	}
	s = summary_open(&c->opts, err, sizeof err);
	if (!s) {
		fprintf(stderr, "pcaprec summary: %s\n", err);
		reader_close(r);
		return EXIT_ERROR;
	}
	struct input in = { r, NULL };
	int rc = pump(s, &in, c);

	if (rc == -2) {
		summary_close(s);
		reader_close(r);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		summary_set_error(s, NULL, reader_error(r));
		st = EXIT_DAMAGED;
	}
	describe(s, r);
	if (emit(s, c) < 0)
		st = EXIT_ERROR;
	if (st == EXIT_DAMAGED)
		fprintf(stderr, "pcaprec summary: %s\n", reader_error(r));
	if (st != EXIT_ERROR)
		st = malformed_status(s, st);
	summary_close(s);
	reader_close(r);
	return st;
}

/* Every file as one recording (--merge). */
static int merged(const char *const *paths, size_t n, struct sum_cli *c)
{
	char err[512];
	struct reader_set *set = reader_set_open(paths, n, true, err, sizeof err);
	struct summary *s;
	int st = EXIT_OK;

	if (!set) {
		fprintf(stderr, "pcaprec summary: %s\n", err);
		return cli_open_status_named(err, (char *const *)paths, n);
	}
	s = summary_open(&c->opts, err, sizeof err);
	if (!s) {
		fprintf(stderr, "pcaprec summary: %s\n", err);
		reader_set_close(set);
		return EXIT_ERROR;
	}
	struct input in = { NULL, set };
	int rc;

	while ((rc = pump(s, &in, c)) == -1) {
		/* the damaged file is dropped from the set; the others go on */
		fprintf(stderr, "pcaprec summary: %s\n", reader_set_error(set));
		summary_set_error(s, NULL, reader_set_error(set));
		st = EXIT_DAMAGED;
	}
	if (rc == -2) {
		summary_close(s);
		reader_set_close(set);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < reader_set_count(set); i++)
		if (reader_set_reader(set, i))
			describe(s, reader_set_reader(set, i));
	if (emit(s, c) < 0)
		st = EXIT_ERROR;
	else
		st = malformed_status(s, st);
	summary_close(s);
	reader_set_close(set);
	return st;
}

/* Summaries of c->paths; the exit status. */
static int summarize(struct sum_cli *c)
{
	int st = EXIT_OK;

	if (c->flt.expr && !filter_for(&c->flt, LINKTYPE_ETHERNET))
		return EXIT_USAGE;  /* syntax errors show before any file is read */
	if (c->merge) {
		st = merged((const char *const *)c->paths, (size_t)c->npaths, c);
	} else {
		for (int i = 0; i < c->npaths; i++) {
			int fs = one_file(c->paths[i], c);
			if (fs > st)
				st = fs;
		}
	}
	return st;
}

int cmd_summary(int argc, char **argv)
{
	struct sum_cli c = { .progress = true };
	int st, rc;

	c.given = calloc((size_t)argc + 1, sizeof *c.given);
	if (!c.given) {
		fprintf(stderr, "pcaprec summary: out of memory\n");
		return EXIT_ERROR;
	}
	rc = parse_args(argc, argv, &c);
	if (rc) {
		free(c.given);
		free(c.expr);
		sel_free(&c.sel);
		return rc < 0 ? EXIT_OK : rc;
	}
	st = summarize(&c);
	filter_release(&c.flt);
	free(c.given);
	free(c.expr);
	sel_free(&c.sel);
	if (c.json && c.nreports)
		fputs("]}\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pcaprec summary: error writing the report\n");
		return EXIT_ERROR;
	}
	return st;
}
