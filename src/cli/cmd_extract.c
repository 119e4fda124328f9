/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec extract: the packets of one incident from a whole ring, time-ordered, into one capture. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/cli.h"
#include "pcaprec/community_id.h"
#include "pcaprec/extract.h"
#include "pcaprec/select.h"
#include "pcaprec/util.h"

static void extract_usage(FILE *out)
{
	fprintf(out,
		"usage: pcaprec extract [-r PATH]... [--since T] [--until T] [-c N] [-w FILE]\n"
		"                       [--format pcapng|pcap|pcap-ns] [EXPR]\n"
		"\n"
		"Write the packets of every PATH that match EXPR (pcap-filter(7), the same\n"
		"compiler as read and record) inside the time window as one capture, in time\n"
		"order across files. PATH is a capture file (pcap, pcapng, gzip- or zstd-\n"
		"compressed, '-' for standard input) or a directory of them (a ring: every file\n"
		"whose content is a capture, the .part in progress included; .pidx index\n"
		"sidecars skipped). Indexes beside the files only narrow where to look: the\n"
		"answer is the same without them.\n"
		"\n"
		"  -r PATH          input file or directory (repeat for more)\n"
		"  --since T        keep packets at or after T\n"
		"  --until T        keep packets before T\n"
		"                   T: 2026-12-04T10:02:00Z, 2026-12-04 10:02:00.5+01:00,\n"
		"                   2026-12-04T10:02 (no zone: local time), epoch seconds\n"
		"                   (1764842520.25), or relative to now (-15m, -2h, -30s, -1d)\n"
		"  -c N             stop after N packets\n"
		"  -w FILE          write to FILE ('-' = standard output, the default when it\n"
		"                   is not a terminal); FILE ending in .gz is gzip-compressed,\n"
		"                   in .zst zstd-compressed\n"
		"  --format F       pcapng (default; keeps the source interfaces, the query in\n"
		"                   the section comment), pcap (microseconds) or pcap-ns; pcap\n"
		"                   needs one link type across the inputs. A -w name ending in\n"
		"                   .pcap picks pcap\n"
		"  --no-index       do not look at index sidecars (scan every file)\n"
		"  --community-id ID  only the flow with this Community ID v1 (as Zeek,\n"
		"                   Suricata and pcaprec flows log it), besides EXPR\n"
		"  --community-id-seed N  its seed (0-65535, default 0)\n"
		"  -q, --quiet      no report on stderr (warnings and errors still)\n"
		"  -n, -nn          accepted for tcpdump habits\n"
		"  -h, --help       this text\n"
		"\n"
		"Report on stderr: files and chunks skipped thanks to the index, bytes\n"
		"scanned, packets written, the part of the window covered by files on disk,\n"
		"gaps of 1 s or more, and drops the files' ISBs count.\n"
		"Exit status: 0 ok, 1 an input could not be opened or output failed, 2 bad\n"
		"usage (bad time, expression not compiling for a file's link type, link types\n"
		"--format pcap cannot hold, a terminal as output), 3 a file is damaged or not a\n"
		"capture (every good packet before the damage is written first).\n");
}

enum { OPT_FORMAT = 256, OPT_NO_INDEX, OPT_CID, OPT_CID_SEED };

/* Most words the recorded query keeps (options with their values, then the expression). */
#define QUERY_MAX_WORDS 512

struct extract_cli {
	struct selection sel;
	const char *query[QUERY_MAX_WORDS];  /* what the answer depends on, for the SHB comment */
	int nquery;
	struct extract_opts o;
	const char *wfile;
	bool format_given;
	bool help;
};

/* Parses argv into *c; the expression words are argv[optind...]. Returns -1 (usage) or -2 (a path). */
static int extract_parse(int argc, char **argv, struct extract_cli *c)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, SEL_OPT_SINCE },
		{ "until", required_argument, NULL, SEL_OPT_UNTIL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-index", no_argument, NULL, OPT_NO_INDEX },
		{ "community-id", required_argument, NULL, OPT_CID },
		{ "community-id-seed", required_argument, NULL, OPT_CID_SEED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = (int64_t)now_realtime_ns();
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = cli_getopt("extract", argc, argv, ":r:c:w:qhn", longopts)) != -1) {
		if (ch == CLI_OPT_BAD)
			return -1; /* reported, abbreviations included */
		rc = sel_option(&c->sel, "extract", ch, optarg, now);
		if (rc < 0)
			return rc;
		if ((rc == 1 || ch == 'c') && c->nquery + 2 <= QUERY_MAX_WORDS) {
			c->query[c->nquery++] = ch == 'r' ? "-r" : ch == 'c' ? "-c" :
						ch == SEL_OPT_SINCE ? "--since" : "--until";
			c->query[c->nquery++] = optarg;
		}
		if (rc == 1)
			continue;
		switch (ch) {
		case 'c':
			if (!parse_uint(optarg, 1, UINT64_MAX, &c->o.count)) {
				fprintf(stderr, "pcaprec extract: -c: '%s' is not a positive number\n", optarg);
				return -1;
			}
			break;
		case 'w':
			c->wfile = optarg;
			break;
		case 'q':
			c->o.quiet = true;
			break;
		case 'n': /* tcpdump habit: no names are resolved anyway */
			break;
		case 'h':
			c->help = true;
			return 0;
		case OPT_FORMAT:
			if (!out_format_parse(optarg, &c->o.format)) {
				fprintf(stderr, "pcaprec extract: --format: '%s' is not pcapng, pcap or pcap-ns\n", optarg);
				return -1;
			}
			c->format_given = true;
			break;
		case OPT_NO_INDEX:
			c->o.use_index = false;
			break;
		case OPT_CID:
			if (!community_id_valid(optarg)) {
				fprintf(stderr, "pcaprec extract: --community-id: '%s' is not a Community ID v1 "
					"(1: and 28 base64 characters)\n", optarg);
				return -1;
			}
			c->o.community_id = optarg;
			if (c->nquery + 2 <= QUERY_MAX_WORDS) {
				c->query[c->nquery++] = "--community-id";
				c->query[c->nquery++] = optarg;
			}
			break;
		case OPT_CID_SEED: {
			uint64_t v;

			if (!parse_uint(optarg, 0, 65535, &v)) {
				fprintf(stderr, "pcaprec extract: --community-id-seed: '%s' is not a number from 0 to 65535\n",
					optarg);
				return -1;
			}
			c->o.community_id_seed = (uint16_t)v;
			break;
		}
		default:
			cli_opt_error("extract", ch, optopt, argv, optind);
			return -1;
		}
	}
	return 0;
}

/*
 * The query for the SHB comment: "pcaprec extract" and the words the answer
 * depends on (inputs, window, count, expression; not where it is written,
 * so the same question gives the same bytes), words with blanks or shell
 * characters single-quoted.
 */
static char *query_text(int argc, char *const *argv)
{
	size_t len = sizeof "pcaprec extract";
	char *q, *p;

	for (int i = 0; i < argc; i++)
		len += 3 + 4 * strlen(argv[i]);
	q = malloc(len);
	if (!q)
		return NULL;
	p = q + snprintf(q, len, "pcaprec extract");
	for (int i = 0; i < argc; i++) {
		bool quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t\n'\"\\$`*?[]()!&|;<>") != NULL;

		*p++ = ' ';
		if (quote)
			*p++ = '\'';
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		if (quote)
			*p++ = '\'';
	}
	*p = '\0';
	return q;
}

/*
 * The input that is the same file as the output `o` (a regular file), or NULL: -w FILE would
 * empty it before it is read, and appending to it (>> FILE) would read back what is written.
 */
static const char *input_of_output(const struct selection *s, const struct stat *o)
{
	struct stat st;

	if (!S_ISREG(o->st_mode))
		return NULL;
	for (size_t i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i], "-") != 0 && stat(s->paths[i], &st) == 0 &&
		    st.st_dev == o->st_dev && st.st_ino == o->st_ino)
			return s->paths[i];
	return NULL;
}

/* The output descriptor: -w FILE, or standard output unless it is a terminal. */
static int open_out(struct extract_cli *c, int *fd)
{
	bool to_stdout = !c->wfile || strcmp(c->wfile, "-") == 0;
	struct stat ost;
	const char *same;

	if (to_stdout) {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "pcaprec extract: refusing to write a capture to a terminal "
				"(use -w FILE or a pipe)\n");
			return EXIT_USAGE;
		}
		if (fstat(STDOUT_FILENO, &ost) == 0 && (same = input_of_output(&c->sel, &ost)) != NULL) {
			fprintf(stderr, "pcaprec extract: standard output is the input %s\n", same);
			return EXIT_USAGE;
		}
		*fd = STDOUT_FILENO;
		c->o.out_name = "stdout";
		return EXIT_OK;
	}
	if (stat(c->wfile, &ost) == 0 && (same = input_of_output(&c->sel, &ost)) != NULL) {
		fprintf(stderr, "pcaprec extract: -w: %s is the input %s (writing would empty it)\n", c->wfile, same);
		return EXIT_USAGE;
	}
	*fd = open(c->wfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (*fd < 0) {
		fprintf(stderr, "pcaprec extract: -w: %s: %s\n", c->wfile, strerror(errno));
		return EXIT_ERROR;
	}
	c->o.out_name = c->wfile;
	if (!c->format_given && !out_format_from_name(c->wfile, &c->o.format))
		c->o.format = OUT_PCAPNG;
	if (out_name_is_gzip(c->wfile))
		c->o.gzip_level = OUT_GZIP_DEFAULT_LEVEL;
	else if (out_name_is_zstd(c->wfile))
		c->o.zstd_level = OUT_ZSTD_DEFAULT_LEVEL;
	return EXIT_OK;
}

/* A ring may hold more files than the default descriptor limit; every input stays open while merged. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cmd_extract(int argc, char **argv)
{
	struct extract_cli c;
	struct extract_stats st;
	char *comment;
	int rc, fd = -1;

	memset(&c, 0, sizeof c);
	sel_init(&c.sel);
	c.o.use_index = true;
	c.o.format = OUT_PCAPNG;
	c.o.gzip_level = -1;
	rc = extract_parse(argc, argv, &c);
	if (rc < 0 || c.help) {
		if (c.help)
			extract_usage(stdout);
		sel_free(&c.sel);
		return c.help ? EXIT_OK : rc == -2 ? EXIT_ERROR : EXIT_USAGE;
	}
	if (c.sel.npaths == 0) {
		fprintf(stderr, "pcaprec extract: no input (give -r PATH; '-r -' reads standard input)\n");
		sel_free(&c.sel);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc && c.nquery < QUERY_MAX_WORDS; i++)
		c.query[c.nquery++] = argv[i];
	if (sel_set_expr(&c.sel, argv + optind, argc - optind) < 0 ||
	    !(comment = query_text(c.nquery, (char *const *)c.query))) {
		fprintf(stderr, "pcaprec extract: out of memory\n");
		sel_free(&c.sel);
		return EXIT_ERROR;
	}
	rc = open_out(&c, &fd);
	if (rc == EXIT_OK) {
		raise_nofile();
		c.o.sel = &c.sel;
		c.o.out_fd = fd;
		c.o.comment = comment;
		c.o.cmd = "extract";
		c.o.diag = stderr;
		rc = extract_run(&c.o, &st);
		if (fd != STDOUT_FILENO && close(fd) != 0 && rc == EXIT_OK) {
			fprintf(stderr, "pcaprec extract: %s: %s\n", c.wfile, strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	free(comment);
	sel_free(&c.sel);
	return rc;
}
