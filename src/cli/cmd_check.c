/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec check: validate capture files with libpcap and pcaprec's reader; one line (or JSON object) per file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/check.h"
#include "pcaprec/cli.h"
#include "pcaprec/filter.h"
#include "pcaprec/util.h"
#include "pcaprec/index.h"

static const char check_usage[] =
	"usage: pcaprec check [OPTIONS] FILE...\n"
	"       pcaprec check [OPTIONS] -r FILE [-r FILE...] [EXPRESSION]\n"
	"       pcaprec check [OPTIONS] FILE... -- EXPRESSION\n"
	"\n"
	"Read each capture file (pcap, pcap-ns or pcapng, plain, gzip or zstd;\n"
	"'-' is stdin) with pcaprec's reader and with libpcap side by side, and\n"
	"compare every record: count, captured length, original length, timestamp\n"
	"(ns) and bytes. gzip files reach libpcap through zlib's gzread, zstd\n"
	"files through libzstd's stream decoder, not through pcaprec's decoder.\n"
	"Prints one line per file:\n"
	"  FILE: OK (FORMAT, N packets, libpcap agrees)\n"
	"  FILE: DAMAGED: what, where (byte offset, record number)\n"
	"  FILE: UNREADABLE: why (missing, no permission)\n"
	"\n"
	"A file is DAMAGED when either reader finds damage (truncated record or\n"
	"block, bad length, bad magic, corrupt or cut-off gzip or zstd stream),\n"
	"when they disagree, or when a record is malformed though readable\n"
	"(fraction of a second out of range, caplen > origlen, packet options\n"
	"overrunning their block). Records longer than the file's snaplen are\n"
	"accepted and counted\n"
	"as a warning (libpcap cuts them to the snaplen; the comparison allows\n"
	"for that). A pcapng whose interfaces have different link types or snap\n"
	"lengths, whose sections have different byte orders, or which has no\n"
	"interface is valid, but libpcap refuses it: such a file is checked with\n"
	"pcaprec's reader alone and says so. stdin and other streams (a FIFO, a\n"
	"character device) are checked with pcaprec's reader alone: they can be\n"
	"read only once.\n"
	"\n"
	"options:\n"
	"  -q, --quiet        print only files that are not OK\n"
	"      --json         one JSON object per file instead of a line\n"
	"      --no-libpcap   use pcaprec's reader only\n"
	"      --filter EXPR  also count the packets matching a pcap-filter(7)\n"
	"                     expression (compiled per link type); with -r the words\n"
	"                     after the options are that expression, as in tcpdump\n"
	"  -r FILE            check FILE (repeatable)\n"
	"  -n, -nn            accepted for tcpdump habits (no names are resolved)\n"
	"  -h, --help         this text\n"
	"\n"
	"A capture's index (FILE.pidx, see pcaprec index) is checked too: its\n"
	"checksum and bounds, that it still describes the capture, and that its\n"
	"packet count and time range are the reader's. Problems add a line:\n"
	"  FILE: INDEX STALE: why     (the capture changed since; queries ignore it)\n"
	"  FILE: INDEX DAMAGED: why   (unreadable or wrong; queries ignore it)\n"
	"\n"
	"exit status: 0 every file OK (a stale index included); 3 some file\n"
	"damaged or the readers disagree; 1 some file could not be opened (missing,\n"
	"no permission, a directory) or some index is damaged (and no file\n"
	"damaged); 2 usage, or --filter cannot be compiled for a file's link type\n"
	"(and nothing worse).\n";

struct check_cli {
	char **paths;      /* -r files, then file arguments (argc slots) */
	int npaths;
	char *expr;        /* trailing expression joined, owned */
	bool quiet;
	bool json;
	struct check_opts opts;
	struct filter_opts filter;
	struct filter_cache *fcache;
	bool filter_failed;
};

/* check_opts.filter: 1 from the filter cache keeps the packet; a link type it cannot compile for is reported once. */
static bool check_match(void *ctx, const struct frame *f)
{
	struct check_cli *cli = ctx;
	int m = filter_cache_match(cli->fcache, f->linktype, f->data, f->caplen, f->origlen);

	if (m < 0 && !cli->filter_failed) {
		fprintf(stderr, "pcaprec check: %s\n", filter_cache_error(cli->fcache));
		cli->filter_failed = true;
	}
	return m == 1;
}

static void json_str(FILE *out, const char *s)
{
	json_fputs(out, s);
}

static const char *libpcap_word(enum check_libpcap l)
{
	static const char *const words[] = { "agrees", "refused", "failed", "not used" };

	return words[l];
}

static const char *const index_words[] = { "ok", "none", "stale", "damaged" };

static void print_json(const char *path, const struct check_result *res, bool filtered,
		       enum pidx_status ist, const char *iwhy)
{
	printf("{\"file\":");
	json_str(stdout, path);
	printf(",\"status\":\"%s\",\"format\":", res->status == CHECK_OK ? "ok" :
	       res->status == CHECK_DAMAGED ? "damaged" : "unreadable");
	json_str(stdout, res->format);
	/* jq 1.6 reads numbers as doubles: the nanosecond times also as exact strings */
	printf(",\"compressed\":%s,\"packets\":%llu,\"bytes\":%llu,\"file_size\":%llu,"
	       "\"sections\":%u,\"interfaces\":%u,\"first_ns\":%llu,\"last_ns\":%llu,"
	       "\"first_ns_str\":\"%llu\",\"last_ns_str\":\"%llu\","
	       "\"caplen_gt_snaplen\":%llu,\"libpcap\":\"%s\"",
	       res->compressed ? "true" : "false", (unsigned long long)res->packets,
	       (unsigned long long)res->bytes, (unsigned long long)res->file_size, res->sections,
	       res->ifaces, (unsigned long long)res->first_ns, (unsigned long long)res->last_ns,
	       (unsigned long long)res->first_ns, (unsigned long long)res->last_ns,
	       (unsigned long long)res->caplen_gt_snaplen, libpcap_word(res->libpcap));
	if (filtered)
		printf(",\"matched\":%llu", (unsigned long long)res->matched);
	if (res->has_offset)
		printf(",\"offset\":%llu,\"record\":%llu", (unsigned long long)res->damage_offset,
		       (unsigned long long)res->damage_record);
	if (res->reason[0]) {
		printf(",\"reason\":");
		json_str(stdout, res->reason);
	}
	printf(",\"index\":\"%s\"", index_words[ist]);
	if (ist == PIDX_STALE || ist == PIDX_BAD) {
		printf(",\"index_reason\":");
		json_str(stdout, iwhy);
	}
	printf("}\n");
}

static void print_line(const char *path, const struct check_result *res, bool filtered)
{
	if (res->status != CHECK_OK) {
		const char *why = res->reason;
		size_t n = strlen(path);

		/* reader messages start with the file name already */
		if (strncmp(why, path, n) == 0 && why[n] == ':' && why[n + 1] == ' ')
			why += n + 2;
		printf("%s: %s: %s\n", path, check_status_name(res->status), why);
		return;
	}
	printf("%s: OK (%s%s%s, %llu packets", path, res->format, res->compressed ? " " : "",
	       res->compression, (unsigned long long)res->packets);
	if (res->caplen_gt_snaplen)
		printf(", %llu longer than the snaplen", (unsigned long long)res->caplen_gt_snaplen);
	if (filtered)
		printf(", %llu match the filter", (unsigned long long)res->matched);
	if (res->libpcap == CHECK_PCAP_AGREES)
		printf(", libpcap agrees)\n");
	else if (res->libpcap == CHECK_PCAP_REFUSED)
		printf("; %s)\n", res->reason);
	else
		printf("; checked with pcaprec's reader only)\n");
}

static int check_all(struct check_cli *cli, bool *damaged, bool *unreadable);

static const struct option check_longopts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, 'j' },
	{ "no-libpcap", no_argument, NULL, 'L' },
	{ "filter", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define CHECK_SHORTOPTS ":qhnr:"

static int parse_args(int argc, char **argv, struct check_cli *cli)
{
	int dd = cli_dashdash(argc, argv, CHECK_SHORTOPTS, check_longopts);
	int c, rc;

	cli->opts.use_libpcap = true;
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("check", dd, argv, CHECK_SHORTOPTS, check_longopts)) != -1) {
		switch (c) {
		case 'q': cli->quiet = true; break;
		case 'j': cli->json = true; break;
		case 'L': cli->opts.use_libpcap = false; break;
		case 'n': break; /* tcpdump habit */
		case 'r': cli->paths[cli->npaths++] = optarg; break;
		case 'h': fputs(check_usage, stdout); return EXIT_OK;
		case 'f': cli->filter.expr = optarg; break;
		default:
			return EXIT_USAGE;
		}
	}
	rc = cli_inputs("check", argc, argv, dd, cli->filter.expr != NULL, cli->paths, &cli->npaths,
			&cli->expr);
	if (rc)
		return rc;
	if (cli->expr)
		cli->filter.expr = cli->expr;
	if (cli->npaths == 0) {
		fprintf(stderr, "pcaprec check: expected at least one FILE\n");
		fputs(check_usage, stderr);
		return EXIT_USAGE;
	}
	if (cli->filter.expr) {
		char err[512];

		cli->fcache = filter_cache_open(&cli->filter, 262144, err, sizeof err);
		if (!cli->fcache) {
			fprintf(stderr, "pcaprec check: --filter: %s\n", err);
			return EXIT_USAGE;
		}
		cli->opts.filter = check_match;
		cli->opts.filter_ctx = cli;
	}
	return -1;
}

int cmd_check(int argc, char **argv)
{
	struct check_cli cli = { 0 };
	bool damaged = false, unreadable = false;
	int rc;

	cli.paths = calloc((size_t)argc + 1, sizeof *cli.paths);
	if (!cli.paths) {
		fprintf(stderr, "pcaprec check: out of memory\n");
		return EXIT_ERROR;
	}
	rc = parse_args(argc, argv, &cli);
	if (rc < 0)
		rc = check_all(&cli, &damaged, &unreadable);
	free(cli.paths);
	free(cli.expr);
	if (rc >= 0)
		return rc;
	if (damaged)
		return EXIT_DAMAGED;
	if (unreadable)
		return EXIT_ERROR;
	return cli.filter_failed ? EXIT_USAGE : EXIT_OK;
}

/* Check one file and its index, print the result; *bad_index when the sidecar is damaged. */
static void check_one(struct check_cli *cli, const char *path, struct check_result *res,
		      bool *bad_index)
{
	enum pidx_status ist = PIDX_NONE;
	char iwhy[900] = "";

	check_file(path, &cli->opts, res);
	/* the sidecar of a capture on disk, if any: stale is normal (queries ignore it), damaged is an error */
	if (strcmp(path, "-") != 0 && res->status != CHECK_UNREADABLE)
		ist = pidx_verify(path, res->status == CHECK_OK, res->packets, res->first_ns, res->last_ns,
				  iwhy, sizeof iwhy);
	*bad_index = ist == PIDX_BAD;
	if (cli->quiet && res->status == CHECK_OK && ist != PIDX_STALE && ist != PIDX_BAD)
		return;
	if (cli->json) {
		print_json(path, res, cli->fcache != NULL, ist, iwhy);
		return;
	}
	print_line(path, res, cli->fcache != NULL);
	if (ist == PIDX_STALE || ist == PIDX_BAD) {
		const char *w = iwhy;
		size_t n = strlen(path);

		if (strncmp(w, path, n) == 0 && w[n] == ':' && w[n + 1] == ' ')
			w += n + 2;
		printf("%s: INDEX %s: %s\n", path, ist == PIDX_STALE ? "STALE" : "DAMAGED", w);
	}
}

/* Check and print every file; -1 when done, else an exit code. A damaged index counts as unreadable (exit 1). */
static int check_all(struct check_cli *cli, bool *damaged, bool *unreadable)
{
	for (int i = 0; i < cli->npaths; i++) {
		struct check_result res;
		bool bad_index;

		check_one(cli, cli->paths[i], &res, &bad_index);
		*damaged |= res.status == CHECK_DAMAGED;
		*unreadable |= res.status == CHECK_UNREADABLE || bad_index;
	}
	filter_cache_close(cli->fcache);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pcaprec check: writing output: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return -1;
}
