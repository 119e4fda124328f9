/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec read: decode capture files and print one line (or one JSON object) per packet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcaprec/cli.h"
#include "pcaprec/decode.h"
#include "pcaprec/filter.h"
#include "pcaprec/print.h"
#include "pcaprec/reader.h"
#include "pcaprec/select.h"
#include "pcaprec/util.h"

struct read_opts {
	struct print_opts print;
	bool json;
	bool merge;
	bool packet_flush;        /* -U: flush after every packet */
	bool line_buffer;         /* -l: stdout line-buffered */
	uint64_t count;           /* -c: stop after this many printed packets; 0 = all */
	struct filter_opts filter; /* --filter EXPR, -F FILE, --bpf FILE, trailing words */
	char **rfiles;            /* -r FILE, in order (up to argc of them) */
	int nrfiles;
	struct selection sel;     /* --since/--until; directories expanded (select.h) */
};

/* State of one run: options, printer memory, the output line and counters. */
struct read_run {
	const struct read_opts *o;
	struct print_state st;
	uint64_t printed;
	struct filter_cache *fcache;
	bool filter_failed;
	uint64_t malformed;       /* records the reader calls malformed (READER_REC_MALFORMED) */
	char line[PRINT_LINE_MAX];
};

static void read_usage(FILE *out)
{
	fprintf(out,
		"usage: pcaprec read [OPTIONS] FILE...\n"
		"       pcaprec read [OPTIONS] -r FILE [-r FILE...] [EXPRESSION]\n"
		"       pcaprec read [OPTIONS] FILE... -- EXPRESSION\n"
		"\n"
		"Print one line per packet, like tcpdump -nn -r FILE. FILE may be pcap (us\n"
		"or ns), pcapng, gzip- or zstd-compressed, or '-' for standard input. Several\n"
		"files are read one after another, or merged by timestamp with --merge.\n"
		"With -r, the words after the options are a pcap-filter(7) expression, as in\n"
		"tcpdump; without -r they are files, and '--' starts the expression.\n"
		"\n"
		"  -c N          stop after N packets\n"
		"  -n, -nn       accepted for tcpdump compatibility (names are never resolved)\n"
		"  -S            absolute TCP sequence numbers (default: relative to the\n"
		"                first segment seen with ACK, as tcpdump; past 65536\n"
		"                conversations new ones print absolute, marked [abs])\n"
		"  -q            quiet: less protocol detail (tcp LEN), as tcpdump -q\n"
		"  -#            number the packets\n"
		"  -x, -xx       also the packet in hex, without / with the link header\n"
		"  -X, -XX       also the packet in hex and ASCII, without / with the link header\n"
		"  -A, -AA       also the packet in ASCII, without / with the link header\n"
		"  -l            line-buffered output (for a pipe into grep on a live feed)\n"
		"  -U            flush the output after every packet\n"
		"  -e            print the link-level header (MACs, ethertype, VLAN tags)\n"
		"  -t            no timestamp\n"
		"  -tt           seconds since 1970\n"
		"  -ttt          delta to the previous packet\n"
		"  -tttt         date and local time\n"
		"  -ttttt        delta to the first packet\n"
		"                (default: local time of day HH:MM:SS.uuuuuu)\n"
		"  --nano        nanosecond timestamps (9 digits)\n"
		"  --utc         show times of day and dates in UTC\n"
		"  -v            more IPv4/IPv6 header fields (tos, ttl, id, offset, flags, proto, length)\n"
		"  -vv           also checksums, IP options, IPv6 extension options, ND fields\n"
		"  --json        one JSON object per packet (NDJSON), every decoded field\n"
		"  --merge       merge several files by timestamp instead of reading them in turn\n"
		"  --filter EXPR only packets matching a pcap-filter(7) expression\n"
		"  -F FILE       read the filter expression from FILE\n"
		"  --bpf FILE    filter with a BPF program in tcpdump -ddd form\n"
		"  -d, -dd, -ddd print the filter compiled for the first file's link type\n"
		"                (listing, C array, decimal) like tcpdump, and exit\n"
		"  -r FILE       read FILE (repeatable); the words after the options are then\n"
		"                the filter expression. A directory (here or as FILE) stands\n"
		"                for the captures in it (a ring, .part included)\n"
		"  --since T     only packets at or after T; --until T: only before T\n"
		"                (T as for extract: 2026-12-04T10:02:00Z, local 2026-12-04T10:02,\n"
		"                epoch 1764842520.5, relative -15m); an index skips files\n"
		"  -h, --help    this text\n"
		"\n"
		"Truncated packets end in [|proto], malformed ones in (invalid).\n"
		"Exit status: 0 ok, 1 a file could not be opened or output failed, 2 bad\n"
		"usage, 3 a file is damaged or not a capture file\n"
		"(every good packet before the damage is printed first).\n");
}

enum { OPT_JSON = 256, OPT_MERGE, OPT_NANO, OPT_UTC, OPT_FILTER, OPT_BPF };

static const struct option read_longopts[] = {
	{ "since", required_argument, NULL, SEL_OPT_SINCE },
	{ "until", required_argument, NULL, SEL_OPT_UNTIL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "nano", no_argument, NULL, OPT_NANO },
	{ "utc", no_argument, NULL, OPT_UTC },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "bpf", required_argument, NULL, OPT_BPF },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define READ_SHORTOPTS ":c:nethvr:F:dSq#xXAlU"

/* Parses argv[0..argc) into *o; file names are left at argv[optind...]. Returns -1 on a bad flag. */
static int read_parse(int argc, char **argv, struct read_opts *o, bool *help)
{
	static const enum print_ts tstyles[] = { PRINT_TS_LOCAL, PRINT_TS_NONE, PRINT_TS_EPOCH,
						 PRINT_TS_DELTA, PRINT_TS_DATE, PRINT_TS_SINCE_FIRST };
	int tcount = 0, c;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("read", argc, argv, READ_SHORTOPTS, read_longopts)) != -1) {
		switch (c) {
		case CLI_OPT_BAD:
			return -1;
		case 'c':
			if (!parse_uint(optarg, 1, UINT64_MAX, &o->count)) {
				fprintf(stderr, "pcaprec read: -c: '%s' is not a positive number\n", optarg);
				return -1;
			}
			break;
		case 'n':
			break;
		case 'e':
			o->print.link = true;
			break;
		case 't':
			tcount++;
			break;
		case 'v':
			o->print.verbose++;
			break;
		case 'r':
			o->rfiles[o->nrfiles++] = optarg;
			break;
		case SEL_OPT_SINCE:
		case SEL_OPT_UNTIL:
			if (sel_option(&o->sel, "read", c, optarg, (int64_t)now_realtime_ns()) < 0)
				return -1;
			break;
		case 'S':
			o->print.abs_seq = true;
			break;
		case 'q':
			o->print.quiet = true;
			break;
		case '#':
			o->print.number = true;
			break;
		case 'x':
			o->print.hex++;
			break;
		case 'X':
			o->print.hex_ascii++;
			break;
		case 'A':
			o->print.ascii++;
			break;
		case 'l':
			o->line_buffer = true;
			break;
		case 'U':
			o->packet_flush = true;
			break;
		case 'h':
			*help = true;
			return 0;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_MERGE:
			o->merge = true;
			break;
		case OPT_NANO:
			o->print.nano = true;
			break;
		case OPT_UTC:
			o->print.utc = true;
			break;
		case OPT_FILTER:
			o->filter.expr = optarg;
			break;
		case 'F':
			o->filter.expr_file = optarg;
			break;
		case 'd':
			o->filter.dump_level++;
			break;
		case OPT_BPF:
			o->filter.bpf_file = optarg;
			break;
		default:
			return -1;
		}
	}
	if (tcount > 5) {
		fprintf(stderr, "pcaprec read: -t given more than 5 times\n");
		return -1;
	}
	o->print.ts = tstyles[tcount];
	return 0;
}

/* -d/-dd/-ddd: the program for the first file's link type, printed like tcpdump. */
static int read_dump_filter(const struct read_opts *o, const char *path)
{
	char err[1024];
	struct reader *r = reader_open(path, err, sizeof err);
	struct filter_prog prog;
	struct frame f;
	int rc;

	if (r == NULL) {
		fprintf(stderr, "pcaprec read: %s\n", err);
		return cli_open_status(path);
	}
	f.linktype = 0;
	rc = reader_next(r, &f);
	reader_close(r);
	if (rc != 1) {
		fprintf(stderr, "pcaprec read: %s: no packet to take the link type from\n", path);
		return EXIT_ERROR;
	}
	rc = filter_from_options(&o->filter, f.linktype, 262144, &prog, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "pcaprec read: %s\n", err);
		return EXIT_USAGE;
	}
	if (rc == 0) {
		fprintf(stderr, "pcaprec read: -d needs --filter, -F or --bpf\n");
		return EXIT_USAGE;
	}
	filter_dump(&prog, stdout, o->filter.dump_level);
	filter_free(&prog);
	return EXIT_OK;
}

/* The per-packet predicate: the filter (compiled once per link type) over the raw bytes. */
static bool read_keep(struct read_run *run, const struct frame *f)
{
	int m = filter_cache_match(run->fcache, f->linktype, f->data, f->caplen, f->origlen);

	if (m < 0 && !run->filter_failed) {
		fprintf(stderr, "pcaprec read: %s\n", filter_cache_error(run->fcache));
		run->filter_failed = true;
	}
	return m == 1;
}

/* Malformed records named on stderr: the first few each, then only counted. */
#define READ_MALFORMED_SHOWN 10

static void read_malformed(struct read_run *run, const struct reader *r)
{
	char why[256];

	if (run->malformed++ >= READ_MALFORMED_SHOWN)
		return;
	reader_record_problem(r, why, sizeof why);
	fflush(stdout);
	fprintf(stderr, "pcaprec read: %s: %s; the packet is printed with its time normalised\n",
		reader_name(r), why);
}

/* Decode and print one frame from `r`; returns false once -c packets have been printed. */
static bool read_frame(struct read_run *run, const struct frame *f, const struct reader *r)
{
	uint32_t fl = reader_record_flags(r);
	struct dec_packet d;
	size_t n;

	if (!sel_keep_ts(&run->o->sel, f->ts_ns))
		return true;
	if (fl & READER_REC_MALFORMED)
		read_malformed(run, r);
	if (!read_keep(run, f))
		return true;
	run->st.no_time = (fl & READER_REC_NO_TIME) != 0;
	dec_packet(f->linktype, f->data, f->caplen, f->origlen, DEC_DEPTH_ALL, &d);
	run->st.number = run->printed + 1;
	/* one thread writes stdout: the _unlocked calls skip stdio's lock per line (~10% of read) */
	if (run->o->json) {
		n = print_json(&run->o->print, &run->st, f, &d, run->line, sizeof run->line);
		fwrite_unlocked(run->line, 1, n, stdout);
	} else {
		n = print_line(&run->o->print, &run->st, f, &d, run->line, sizeof run->line);
		if (print_has_dump(&run->o->print)) { /* tcpdump: the dump goes before the line's end */
			fwrite_unlocked(run->line, 1, n - 1, stdout);
			print_dump(&run->o->print, f, &d, stdout);
			putchar_unlocked('\n');
		} else {
			fwrite_unlocked(run->line, 1, n, stdout);
		}
	}
	if (run->o->packet_flush)
		fflush(stdout);
	run->printed++;
	return run->o->count == 0 || run->printed < run->o->count;
}

/* One file after another. Returns EXIT_OK, EXIT_DAMAGED or EXIT_ERROR. */
static int read_sequential(struct read_run *run, char **paths, int n)
{
	int rc = EXIT_OK;
	char err[512];

	for (int i = 0; i < n; i++) {
		struct reader *r = reader_open(paths[i], err, sizeof err);
		struct frame f;
		int got;

		if (r == NULL) {
			fprintf(stderr, "pcaprec read: %s\n", err);
			bool missing = cli_open_status(paths[i]) == EXIT_ERROR;
			if (rc == EXIT_OK || !missing)
				rc = missing ? EXIT_ERROR : EXIT_DAMAGED;
			continue;
		}
		while ((got = reader_next(r, &f)) == 1)
			if (!read_frame(run, &f, r))
				break;
		if (got < 0) {
			fflush(stdout);
			fprintf(stderr, "pcaprec read: %s\n", reader_error(r));
			rc = EXIT_DAMAGED;
		}
		reader_close(r);
		if (got == 1)
			break; /* -c reached */
	}
	return rc;
}

/* All files merged by timestamp. */
static int read_merged(struct read_run *run, char **paths, int n)
{
	char err[512];
	struct reader_set *s = reader_set_open((const char *const *)paths, (size_t)n, true, err,
					       sizeof err);
	struct frame f;
	int rc = EXIT_OK, got;

	if (s == NULL) {
		fprintf(stderr, "pcaprec read: %s\n", err);
		return cli_open_status_named(err, paths, (size_t)n);
	}
	while ((got = reader_set_next(s, &f)) != 0) {
		if (got < 0) {
			fflush(stdout);
			fprintf(stderr, "pcaprec read: %s\n", reader_set_error(s));
			rc = EXIT_DAMAGED;
			continue;
		}
		if (!read_frame(run, &f, reader_set_reader(s, reader_set_current(s))))
			break;
	}
	reader_set_close(s);
	return rc;
}

/* Sets up the filter from the trailing words and names the inputs; returns -1 or an exit code. */
static int read_inputs(int argc, char **argv, int dd, struct read_opts *o, char ***paths, int *n,
		       char **expr)
{
	const struct filter_opts *fo = &o->filter;
	int rc = cli_inputs("read", argc, argv, dd, fo->expr || fo->expr_file || fo->bpf_file,
			    o->rfiles, &o->nrfiles, expr);

	if (rc)
		return rc;
	if (*expr)
		o->filter.expr = *expr;
	return sel_inputs("read", &o->sel, o->rfiles, o->nrfiles, o->filter.expr, paths, n);
}

static int read_run_all(struct read_opts *o, char **paths, int n)
{
	struct read_run run;
	char ferr[1024];
	int rc;

	if (o->filter.dump_level > 0)
		return read_dump_filter(o, paths[0]);
	memset(&run, 0, sizeof run);
	run.o = o;
	run.fcache = filter_cache_open(&o->filter, 262144, ferr, sizeof ferr);
	if (run.fcache == NULL) {
		fprintf(stderr, "pcaprec read: %s\n", ferr);
		return EXIT_USAGE;
	}
	if (o->line_buffer)
		setvbuf(stdout, NULL, _IOLBF, 0);
	rc = o->merge && n > 1 ? read_merged(&run, paths, n) : read_sequential(&run, paths, n);
	filter_cache_close(run.fcache);
	print_state_free(&run.st);
	if (run.filter_failed && rc == EXIT_OK)
		rc = EXIT_USAGE;
	if (run.malformed > READ_MALFORMED_SHOWN)
		fprintf(stderr, "pcaprec read: %llu malformed records in all (%d named above)\n",
			(unsigned long long)run.malformed, READ_MALFORMED_SHOWN);
	if (run.malformed && rc < EXIT_DAMAGED)
		rc = EXIT_DAMAGED;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pcaprec read: writing output: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts o = { 0 };
	bool help = false;
	char **paths = NULL, *expr = NULL;
	int n = 0, rc;
	int dd = cli_dashdash(argc, argv, READ_SHORTOPTS, read_longopts);

	o.rfiles = calloc((size_t)argc + 1, sizeof *o.rfiles);
	if (!o.rfiles) {
		fprintf(stderr, "pcaprec read: out of memory\n");
		return EXIT_ERROR;
	}
	if (read_parse(dd, argv, &o, &help) != 0) {
		rc = EXIT_USAGE;
	} else if (help) {
		read_usage(stdout);
		rc = EXIT_OK;
	} else if ((rc = read_inputs(argc, argv, dd, &o, &paths, &n, &expr)) >= 0) {
		/* rc set */
	} else if (n == 0 && o.nrfiles > 0) {
		rc = EXIT_OK; /* every file ruled out by its index */
	} else if (n == 0) {
		fprintf(stderr, "pcaprec read: no input file (use '-' for standard input)\n");
		read_usage(stderr);
		rc = EXIT_USAGE;
	} else {
		rc = read_run_all(&o, paths, n);
	}
	free(expr);
	free(o.rfiles);
	sel_free(&o.sel);
	return rc;
}
