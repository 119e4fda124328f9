/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec record: flag parsing and wiring of rings, the record loop and the output sink. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pcaprec/capture.h"
#include "pcaprec/cli.h"
#include "pcaprec/filter.h"
#include "pcaprec/output.h"
#include "pcaprec/process.h"
#include "pcaprec/record.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"
#include "pcaprec/writer.h"

#define REC_MAX_IFACES 16

struct rec_args {
	const char *ifnames[REC_MAX_IFACES];
	size_t nifaces;
	const char *out;
	const char *format;
	uint32_t snaplen;
	uint64_t buffer;
	const char *buffer_arg;      /* -B as given, for messages */
	bool promisc;
	bool quiet;
	uint64_t count;
	uint64_t duration_ns;
	bool exit_on_iface_loss;
	uint64_t iface_wait_ns;
	struct filter_opts filter;
	char *expr;                  /* trailing words joined, owned */
	const char *comment;         /* --capture-comment: the SHB's opt_comment */
	struct output_cli oc;        /* -w, rotation and output-file flags (output.h) */
};

static void rec_usage(FILE *out)
{
	fprintf(out,
"usage: pcaprec record -i IFACE [-i IFACE2...] -w FILE [options]\n"
"\n"
"Capture frames from AF_PACKET TPACKET_V3 rings into pcap or pcapng files,\n"
"rotated by size, time or count (see below; man pcaprec for the naming rules).\n"
"Stops on SIGINT/SIGTERM, -c or --duration; frames the kernel already holds\n"
"are written before the file is closed. Statistics go to stderr at the end.\n"
"\n"
"  -i, --interface IFACE  capture on IFACE (repeatable up to 16 times;\n"
"                         several need pcapng);\n"
"                         'any' captures every interface as LINUX_SLL2\n"
"      --format FMT       pcapng (default), pcap (microseconds), pcap-ns;\n"
"                         default from FILE's suffix .pcap or .pcapng\n"
"  -s, --snaplen N        keep at most N bytes per frame (default 262144;\n"
"                         0 = default)\n"
"  -p, --no-promiscuous-mode  do not put the interfaces in promiscuous mode\n"
"  -B, --buffer SIZE      kernel ring size per interface (default 64M; a bare\n"
"                         number is KiB as in tcpdump; suffixes K M G); all\n"
"                         rings together at most half of MemAvailable\n"
"  -c, --count N          stop after N frames\n"
"      --duration DUR     stop after DUR (30s, 0.5s, 15m, 1.5h, 1d)\n"
"      --filter EXPR      keep only frames matching a pcap-filter(7) expression\n"
"                         (also: the words after the options, as in tcpdump);\n"
"                         compiled to classic BPF and run in the kernel\n"
"  -F FILE                read the filter expression from FILE\n"
"      --bpf FILE         use a BPF program in tcpdump -ddd form\n"
"      --exit-on-iface-loss  end the recording when any interface goes down\n"
"                         or away (default: record the others, and take\n"
"                         it up again, in a new file, when it is back)\n"
"      --iface-wait DUR   when no interface is left, wait up to DUR for one\n"
"                         to come back (default 0: end at once, exit 1)\n"
"      --capture-comment TEXT  a comment in every pcapng file's header (SHB\n"
"                         opt_comment, as dumpcap's; at most 4096 bytes)\n"
"  -q, --quiet            no start banner, no live counter (on a terminal) and\n"
"                         no statistics on stderr\n"
"  -n, -nn                accepted for tcpdump habits (no names are resolved)\n"
"  -h, --help             this help\n"
"\n");
	output_cli_help(out);
	fprintf(out,
"\n"
"Long options are never abbreviated. tcpdump's -D is 'pcaprec interfaces';\n"
"dumpcap's -b/-a are -G, -C, -W and --duration; -f is --filter.\n"
"Needs CAP_NET_RAW (promiscuous mode included; CAP_NET_ADMIN is not needed).\n"
"Exit: 0 ok, 1 runtime error, 2 bad flag, 4 missing privilege.\n");
}

static int rec_bad(const char *flag, const char *val, const char *want)
{
	svc_log(SVC_ERR, "pcaprec record: bad value '%s' for %s: %s", val, flag, want);
	return EXIT_USAGE;
}

enum { OPT_FORMAT = 256, OPT_DURATION, OPT_FILTER, OPT_BPF, OPT_EXIT_ON_LOSS, OPT_IFACE_WAIT,
       OPT_COMMENT };

/* Longest --capture-comment, in bytes (a pcapng option holds up to 65535). */
#define REC_MAX_COMMENT 4096

static int rec_opt(struct rec_args *a, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'i':
		if (a->nifaces == REC_MAX_IFACES) {
			svc_log(SVC_ERR, "pcaprec record: at most %d -i", REC_MAX_IFACES);
			return EXIT_USAGE;
		}
		a->ifnames[a->nifaces++] = arg;
		return 0;
	case OPT_FORMAT: a->format = arg; return 0;
	case 'p': a->promisc = false; return 0;
	case 'q': a->quiet = true; return 0;
	case 's':
		if (!parse_uint(arg, 0, FRAME_MAX_CAPLEN, &v))
			return rec_bad("-s/--snaplen", arg, "want 0..262144");
		a->snaplen = v ? (uint32_t)v : CAPTURE_DEFAULT_SNAPLEN;
		return 0;
	case 'B':
		if (!parse_size(arg, 1024, false, &a->buffer) || a->buffer > (1ull << 40))
			return rec_bad("-B/--buffer", arg, "want a size like 64M or 65536 (KiB)");
		if (a->buffer < (1u << 20) && strspn(arg, "0123456789") == strlen(arg)) {
			/* dumpcap's -B counts MiB; a ring under 1 MiB is almost surely that habit */
			svc_log(SVC_ERR, "pcaprec record: -B %s is %s KiB, as in tcpdump (dumpcap counts MiB): "
				"write -B %sM for MiB, or -B %sK if KiB is meant", arg, arg, arg, arg);
			return EXIT_USAGE;
		}
		a->buffer_arg = arg;
		return 0;
	case 'c':
		if (!parse_uint(arg, 1, UINT64_MAX, &a->count))
			return rec_bad("-c/--count", arg, "want a positive integer");
		return 0;
	case OPT_FILTER: a->filter.expr = arg; return 0;
	case 'F': a->filter.expr_file = arg; return 0;
	case OPT_BPF: a->filter.bpf_file = arg; return 0;
	case OPT_DURATION:
		if (!parse_duration(arg, &a->duration_ns))
			return rec_bad("--duration", arg, "want a duration like 30s, 15m, 1h");
		return 0;
	case OPT_EXIT_ON_LOSS: a->exit_on_iface_loss = true; return 0;
	case OPT_COMMENT:
		if (strlen(arg) > REC_MAX_COMMENT) {
			svc_log(SVC_ERR, "pcaprec record: bad value for --capture-comment: %zu bytes, "
				"want at most %d", strlen(arg), REC_MAX_COMMENT);
			return EXIT_USAGE;
		}
		a->comment = arg;
		return 0;
	case OPT_IFACE_WAIT:
		if (!parse_duration(arg, &a->iface_wait_ns))
			return rec_bad("--iface-wait", arg, "want a duration like 30s, 15m, 1h");
		return 0;
	default: {
		char err[256];
		int r = output_cli_parse(&a->oc, c, arg, err, sizeof err);

		if (r == 1)
			return 0;
		if (r < 0) {
			svc_log(SVC_ERR, "pcaprec record: %s", err);
			return EXIT_USAGE;
		}
		rec_usage(stderr);
		return EXIT_USAGE;
	}
	}
}

/* Parse argv into *a; returns -1 to continue, else an exit code. */
static int rec_parse(int argc, char **argv, struct rec_args *a, enum out_format *fmt)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "snaplen", required_argument, NULL, 's' },
		{ "no-promiscuous-mode", no_argument, NULL, 'p' },
		{ "buffer", required_argument, NULL, 'B' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "quiet", no_argument, NULL, 'q' },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "bpf", required_argument, NULL, OPT_BPF },
		{ "exit-on-iface-loss", no_argument, NULL, OPT_EXIT_ON_LOSS },
		{ "iface-wait", required_argument, NULL, OPT_IFACE_WAIT },
		{ "capture-comment", required_argument, NULL, OPT_COMMENT },
		{ "help", no_argument, NULL, 'h' },
	};
	/* ours, then the output flags (output_cli_options), then the terminator */
	struct option all[sizeof longopts / sizeof longopts[0] + OUTPUT_CLI_NOPTS + 1];
	char err[256];
	int c, rc;

	memcpy(all, longopts, sizeof longopts);
	memcpy(all + sizeof longopts / sizeof longopts[0], output_cli_options, sizeof output_cli_options);
	memset(&all[sizeof all / sizeof all[0] - 1], 0, sizeof all[0]);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("record", argc, argv, ":i:s:pB:c:qhnF:" OUTPUT_CLI_SHORTOPTS, all)) != -1) {
		if (c == 'h') {
			rec_usage(stdout);
			return EXIT_OK;
		}
		if (c == CLI_OPT_BAD)
			return EXIT_USAGE;
		if (c == 'n')
			continue; /* tcpdump habit: pcaprec resolves no names */
		rc = rec_opt(a, c, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		if (a->filter.expr) {
			svc_log(SVC_ERR, "pcaprec record: both --filter and a trailing expression "
				"('%s') given", argv[optind]);
			return EXIT_USAGE;
		}
		a->expr = cli_join_words(argv + optind, argc - optind);
		if (!a->expr) {
			svc_log(SVC_ERR, "pcaprec record: out of memory");
			return EXIT_ERROR;
		}
		a->filter.expr = a->expr;
	}
	a->out = a->oc.cfg.path;
	if (a->nifaces == 0 || !a->out) {
		svc_log(SVC_ERR, "pcaprec record: %s is required (see pcaprec record --help)",
			a->nifaces ? "-w FILE" : "-i IFACE");
		return EXIT_USAGE;
	}
	if (output_cli_finish(&a->oc, err, sizeof err) != 0) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		return EXIT_USAGE;
	}
	if (a->oc.cfg.mode & 0006)
		svc_log(SVC_WARNING, "pcaprec record: warning: --mode %04o makes the captures %s by every user "
			"on this machine", (unsigned)a->oc.cfg.mode,
			(a->oc.cfg.mode & 0006) == 0006 ? "readable and writable" :
			(a->oc.cfg.mode & 0004) ? "readable" : "writable");
	*fmt = OUT_PCAPNG;
	if (a->format && !out_format_parse(a->format, fmt))
		return rec_bad("--format", a->format, "want pcap, pcap-ns or pcapng");
	if (!a->format && !out_format_from_name(a->out, fmt))
		*fmt = OUT_PCAPNG;
	if (*fmt != OUT_PCAPNG && a->nifaces > 1) {
		svc_log(SVC_ERR, "pcaprec record: %zu interfaces need --format pcapng (pcap files "
			"hold one link type and interface)", a->nifaces);
		return EXIT_USAGE;
	}
	return -1;
}

static bool rec_has_filter(const struct filter_opts *f)
{
	return f->expr || f->expr_file || f->bpf_file;
}

/*
 * The rings of all -i together must leave the machine at least half of the
 * memory it has available: the kernel zeroes a ring page by page when it is
 * set up (-B 1T held a CPU for 26 s, then the OOM killer took other
 * processes). Checked before any socket exists. 0 or EXIT_USAGE.
 */
static int rec_check_ring(const struct rec_args *a)
{
	uint64_t avail, one = capture_ring_bytes(a->snaplen, a->buffer);
	uint64_t all = one * a->nifaces;

	if (!mem_available(&avail) || all <= avail / 2)
		return 0;
	if (a->nifaces == 1)
		svc_log(SVC_ERR, "pcaprec record: -B/--buffer %s: a ring of %llu MiB would take more "
			"than half of the %llu MiB of memory available; use at most -B %lluK",
			a->buffer_arg ? a->buffer_arg : "(default)", (unsigned long long)(one >> 20),
			(unsigned long long)(avail >> 20), (unsigned long long)(avail / 2 / 1024));
	else
		svc_log(SVC_ERR, "pcaprec record: -B/--buffer %s: %zu rings of %llu MiB (%llu MiB in all) "
			"would take more than half of the %llu MiB of memory available; use at most "
			"-B %lluK", a->buffer_arg ? a->buffer_arg : "(default)", a->nifaces,
			(unsigned long long)(one >> 20), (unsigned long long)(all >> 20),
			(unsigned long long)(avail >> 20),
			(unsigned long long)(avail / 2 / a->nifaces / 1024));
	return EXIT_USAGE;
}

/* One interface's filter: for the bytes written (the re-check) and for its socket. */
struct rec_filter {
	struct filter_prog user;
	struct filter_kernel kern;
};

/*
 * The filter for one interface of link type `lt`: compiled for the bytes
 * written, then made into the program its socket runs. 0 or EXIT_USAGE.
 */
static int rec_filter_build(const struct rec_args *a, uint32_t lt, struct rec_filter *f)
{
	char err[1024];

	if (!rec_has_filter(&a->filter))
		return 0;
	if (filter_from_options(&a->filter, lt, a->snaplen, &f->user, err, sizeof err) < 0 ||
	    filter_kernel_build(&f->user, record_filter_view(lt), a->snaplen, &f->kern, err,
				sizeof err) < 0) {
		svc_log(SVC_ERR, "pcaprec record: filter: %s", err);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Every check that needs no privilege and opens nothing, before any socket:
 * the ring size, -Z's user, and the filter compiled for each interface's
 * link type into flt[i]. A filter or flag error is EXIT_USAGE whatever the
 * interfaces are; an interface that cannot be used (missing, down) is
 * reported after those, with EXIT_ERROR.
 */
static int rec_validate(const struct rec_args *a, struct rec_filter *flt)
{
	char err[1024], ierr[1024] = "";
	uid_t uid;
	gid_t gid;
	int rc = rec_check_ring(a), ifrc = 0;

	if (rc)
		return rc;
	if (a->oc.user && priv_lookup(a->oc.user, &uid, &gid, err, sizeof err) != 0) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < a->nifaces; i++) {
		uint32_t lt = LINKTYPE_ETHERNET;
		int e = 0;

		if (capture_iface_linktype(a->ifnames[i], &lt, &e, err, sizeof err) < 0) {
			if (!ifrc) {
				snprintf(ierr, sizeof ierr, "%s", err);
				ifrc = (e == EPERM || e == EACCES) ? EXIT_PRIVILEGE : EXIT_ERROR;
			}
			lt = LINKTYPE_ETHERNET;   /* still check the expression itself */
		}
		if (rec_filter_build(a, lt, &flt[i]) != 0)
			return EXIT_USAGE;
	}
	if (ifrc)
		svc_log(SVC_ERR, "pcaprec record: %s", ierr);
	return ifrc;
}

/* Open one ring per -i, each with its socket's filter flt[i].kern (rec_validate built them). */
static int rec_open_rings(const struct rec_args *a, struct ring **rings,
			  const struct rec_filter *flt, struct ring_opts *ropts)
{
	char err[512];

	for (size_t i = 0; i < a->nifaces; i++) {
		struct ring_opts *ro = &ropts[i];
		int e = 0;

		memset(ro, 0, sizeof *ro);
		ro->filter = flt[i].kern.prog.insns;
		ro->filter_len = (uint16_t)flt[i].kern.prog.len;
		ro->ifname = a->ifnames[i];
		ro->snaplen = a->snaplen;
		ro->buffer_size = (size_t)a->buffer;
		ro->promisc = a->promisc;
		ro->iface_id = (uint32_t)i;
		rings[i] = ring_open(ro, &e, err, sizeof err);
		if (!rings[i]) {
			svc_log(SVC_ERR, "pcaprec record: %s", err);
			return (e == EPERM || e == EACCES) ? EXIT_PRIVILEGE : EXIT_ERROR;
		}
	}
	return 0;
}

static void rec_report(const struct record_result *res)
{
	svc_log(SVC_INFO, "%llu packets captured", (unsigned long long)res->frames);
	svc_log(SVC_INFO, "%llu packets received by filter",
		(unsigned long long)res->kernel_received);
	svc_log(res->kernel_dropped ? SVC_WARNING : SVC_INFO, "%llu packets dropped by kernel",
		(unsigned long long)res->kernel_dropped);
	if (res->rechecked)
		svc_log(SVC_INFO, "%llu packets re-checked in pcaprec (the kernel filter could not "
			"decide them)", (unsigned long long)res->rechecked);
	if (res->copied_blocks)
		svc_log(SVC_INFO, "%llu ring blocks copied before writing (the writer was behind the "
			"kernel)", (unsigned long long)res->copied_blocks);
	if (res->osdrop)
		svc_log(SVC_WARNING, "%llu packets dropped by pcaprec (%s)", (unsigned long long)res->osdrop,
			res->drop_msg[0] ? res->drop_msg : "still in the ring when the drain ended");
	if (res->after_limit)
		svc_log(SVC_INFO, "%llu packets arrived after -c was reached (not recorded, not counted "
			"as received)", (unsigned long long)res->after_limit);
}

/* -Z step 1, still root and nothing created: the user exists and may write the output directory. */
static int rec_priv_check(const struct rec_args *a, uid_t *uid, gid_t *gid)
{
	const char *slash = strrchr(a->out, '/');
	char dir[4096], err[768];

	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == a->out ? 1 : slash - a->out) : 1,
		 slash ? a->out : ".");
	if (priv_lookup(a->oc.user, uid, gid, err, sizeof err) != 0 ||
	    (!output_path_is_stream(a->out) && priv_check_dir(dir, a->oc.user, *uid, *gid, err, sizeof err) != 0)) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		return EXIT_ERROR;
	}
	return 0;
}

/* -Z step 2, once the sockets and the first file are open: give the file away, drop for good. */
static int rec_priv_drop(const struct rec_args *a, struct output *out, uid_t uid, gid_t gid)
{
	char err[768];

	if (output_chown(out, uid, gid, err, sizeof err) != 0 ||
	    priv_drop(a->oc.user, uid, gid, err, sizeof err) != 0 ||
	    output_check_dir_access(out, err, sizeof err) != 0) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		return EXIT_ERROR;
	}
	return 0;
}

/*
 * The start line: every interface with its link type, and the file actually
 * created (its name after numbering and collisions, ".gz" included).
 */
static void rec_banner(const struct rec_args *a, enum out_format fmt, const struct writer_iface *wi,
		       const struct output *out)
{
	struct output_stats st;
	char ifs[REC_MAX_IFACES * 40] = "";
	size_t n = 0;

	for (size_t i = 0; i < a->nifaces && n < sizeof ifs; i++) {
		const char *lt = linktype_name(wi[i].linktype);
		int k = snprintf(ifs + n, sizeof ifs - n, "%s%s (%s)", i ? ", " : "", a->ifnames[i],
				 lt ? lt : "?");

		n += k > 0 ? (size_t)k : 0;
	}
	output_get_stats(out, &st);
	svc_log(SVC_INFO, "pcaprec: recording on %s, snaplen %u, to %s (%s)", ifs, wi[0].snaplen,
		output_stream_name(out) ? output_stream_name(out) : st.current[0] ? st.current : a->out,
		out_format_name(fmt));
}

/* Open the output and run the loop; rings stay owned by the caller. */
static int rec_capture(const struct rec_args *a, enum out_format fmt, struct ring **rings,
		       const struct rec_filter *flt, const struct ring_opts *ropts)
{
	struct filter_prog progs[REC_MAX_IFACES];
	bool recheck[REC_MAX_IFACES];
	struct output_config cfg = a->oc.cfg;
	struct output *out;
	char ifnames[256] = "";
	uid_t uid = 0;
	gid_t gid = 0;
	struct writer_iface wi[REC_MAX_IFACES];
	struct utsname un;
	char os[200], err[512];
	struct writer_meta meta = { NULL, NULL, "pcaprec " PCAPREC_VERSION, NULL };
	struct capture_iface_info info[REC_MAX_IFACES];
	char cpu[256];
	struct writer_opts wo;
	struct record_opts ro;
	struct record_result res;

	if (uname(&un) == 0) {
		snprintf(os, sizeof os, "%s %s", un.sysname, un.release);
		meta.os = os;
	}
	if (capture_cpu_model(cpu, sizeof cpu))
		meta.hardware = cpu;
	meta.comment = a->comment;
	memset(wi, 0, sizeof wi);
	for (size_t i = 0; i < a->nifaces; i++) {
		/* argv, not the ring: a ring is replaced when its interface comes back */
		wi[i].name = a->ifnames[i];
		wi[i].linktype = ring_linktype(rings[i]);
		wi[i].snaplen = ring_snaplen(rings[i]);
		wi[i].filter = a->filter.expr;
		/* if_description from the alias, if_hardware, if_speed: where the kernel knows them */
		capture_iface_info(wi[i].name, &info[i]);
		wi[i].description = info[i].alias[0] ? info[i].alias : NULL;
		wi[i].hardware = info[i].hardware[0] ? info[i].hardware : NULL;
		wi[i].speed = info[i].speed_bps;
	}
	memset(&wo, 0, sizeof wo);
	wo.format = fmt;
	wo.gzip_level = -1;
	wo.meta = &meta;
	wo.ifaces = wi;
	wo.nifaces = a->nifaces;
	for (size_t i = 0; i < a->nifaces; i++)
		snprintf(ifnames + strlen(ifnames), sizeof ifnames - strlen(ifnames), "%s%s",
			 i ? "+" : "", a->ifnames[i]);
	cfg.wopts = wo;
	cfg.ifnames = ifnames;
	/* a live counter only for a person watching: never into a file, pipe or the journal */
	cfg.progress = !a->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
	if (a->oc.user && rec_priv_check(a, &uid, &gid) != 0)
		return EXIT_ERROR;
	/* the budget, %n and leftovers go by the owner the files have after the drop */
	cfg.owner_given = a->oc.user != NULL;
	cfg.owner = uid;
	memset(&ro, 0, sizeof ro);
	if (output_sink_open(&cfg, rings, a->nifaces, &ro.sink, &out, err, sizeof err) != 0) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		return EXIT_ERROR;
	}
	if (a->oc.user && rec_priv_drop(a, out, uid, gid) != 0) {
		ro.sink.ops->close(ro.sink.ctx, NULL, 0, NULL, err, sizeof err);
		return EXIT_ERROR;
	}
	ro.rings = rings;
	ro.nrings = a->nifaces;
	for (size_t i = 0; i < a->nifaces; i++) {
		progs[i] = flt[i].user;
		recheck[i] = flt[i].kern.recheck;
	}
	ro.filters = progs;
	ro.recheck = recheck;
	ro.tick_ns = 100000000ull;   /* output_tick: -G on time, flushes, hooks */
	ro.max_frames = a->count;
	ro.duration_ns = a->duration_ns;
	ro.exit_on_iface_loss = a->exit_on_iface_loss;
	ro.iface_wait_ns = a->iface_wait_ns;
	/* opening a ring needs CAP_NET_RAW, which -Z gave up */
	ro.reopen = a->oc.user ? NULL : ropts;
	record_signals_install();
	if (!a->quiet)
		rec_banner(a, fmt, wi, out);
	/* sockets bound, first file open, privileges dropped: the service is up */
	svc_notify("READY=1");
	if (record_run(&ro, &res, err, sizeof err) < 0) {
		svc_log(SVC_ERR, "pcaprec record: %s", err);
		if (!a->quiet)
			rec_report(&res);
		return EXIT_ERROR;
	}
	if (!a->quiet)
		rec_report(&res);
	return EXIT_OK;
}

int cmd_record(int argc, char **argv)
{
	struct rec_args a;
	struct ring *rings[REC_MAX_IFACES];
	struct rec_filter flt[REC_MAX_IFACES];
	struct ring_opts ropts[REC_MAX_IFACES];
	enum out_format fmt;
	struct pidfile *pf = NULL;
	int rc;
	char err[512];

	memset(&a, 0, sizeof a);
	output_cli_init(&a.oc);
	memset(rings, 0, sizeof rings);
	memset(flt, 0, sizeof flt);
	a.promisc = true;
	a.snaplen = CAPTURE_DEFAULT_SNAPLEN;
	a.buffer = CAPTURE_DEFAULT_BUFFER;
	rc = rec_parse(argc, argv, &a, &fmt);
	if (rc >= 0) {
		free(a.expr);
		return rc;
	}
	rc = rec_validate(&a, flt);
	if (rc == 0) {
		output_signals_install();
		if (a.oc.pidfile && !(pf = pidfile_create(a.oc.pidfile, err, sizeof err))) {
			svc_log(SVC_ERR, "pcaprec record: %s", err);
			rc = EXIT_ERROR;
		}
	}
	if (rc == 0)
		rc = rec_open_rings(&a, rings, flt, ropts);
	if (rc == 0)
		rc = rec_capture(&a, fmt, rings, flt, ropts);
	for (size_t i = 0; i < a.nifaces; i++) {
		ring_close(rings[i]);
		filter_free(&flt[i].user);
		filter_free(&flt[i].kern.prog);
	}
	free(a.expr);
	pidfile_remove(pf);
	return rc;
}
