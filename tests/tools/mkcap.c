/* SPDX-License-Identifier: BSD-2-Clause */
/* Test tool: rewrites the frames of a capture (read with libpcap) through pcaprec's writer. */
/*
 * Usage: mkcap --format pcap|pcap-ns|pcapng [--gzip N | --zstd N] [--threads N] [--snaplen N]
 *              [--buffer BYTES] [--dir none|in|out|cycle] [--filter EXPR]
 *              [--flush-every N] IN... OUT
 *
 * IN is anything libpcap opens ("-" = stdin); OUT "-" writes to stdout.
 * Frames keep their nanosecond timestamps, lengths and bytes. pcapng output
 * gets SHB options (hardware "test", os "Linux", userappl "mkcap"), one IDB
 * per input (if_name "mkcapN", if_description the input's path, if_filter
 * EXPR when given, if_os, the input's link type and snaplen unless
 * --snaplen) and one ISB per input at the end (ifrecv = its frames, ifdrop
 * 0, osdrop 0). Several inputs (pcapng only, up to 8) are merged by
 * timestamp, the earlier input first on ties, each frame on its input's
 * interface. --dir sets the direction of every frame, or cycles none/in/out
 * by frame number in the output. --flush-every N calls writer_flush() after
 * every N frames. Exit 0 on success, 1 on any error (message on stderr),
 * 2 on bad usage.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "pcaprec/util.h"
#include "pcaprec/writer.h"

#define MK_MAX_IN 8

struct mk_in {
	pcap_t *p;
	struct pcap_pkthdr *h;     /* current packet, NULL at end */
	const u_char *data;
	uint64_t frames;
};

struct mk_args {
	struct writer_opts o;
	struct writer_iface ifc[MK_MAX_IN];
	char names[MK_MAX_IN][24];
	const char *dir, *in[MK_MAX_IN], *out;
	int nin;
	uint32_t snaplen;
	uint64_t flush_every;
};

static int usage(void)
{
	fprintf(stderr, "usage: mkcap --format pcap|pcap-ns|pcapng [--gzip N | --zstd N] [--threads N] [--snaplen N] "
		"[--buffer BYTES] [--dir none|in|out|cycle] [--filter EXPR] [--flush-every N] IN... OUT\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct mk_args *a)
{
	const char *filter = NULL;
	uint64_t v;
	int i;

	a->o.gzip_level = -1;
	a->dir = "none";
	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i], *val = argv[i + 1];

		if (strcmp(k, "--format") == 0 && out_format_parse(val, &a->o.format))
			continue;
		if (strcmp(k, "--gzip") == 0 && parse_uint(val, 1, 9, &v))
			a->o.gzip_level = (int)v;
		else if (strcmp(k, "--zstd") == 0 && parse_uint(val, 1, 19, &v))
			a->o.zstd_level = (int)v;
		else if (strcmp(k, "--threads") == 0 && parse_uint(val, 1, 64, &v))
			a->o.gzip_threads = (unsigned)v;
		else if (strcmp(k, "--snaplen") == 0 && parse_uint(val, 1, 1u << 30, &v))
			a->snaplen = (uint32_t)v;
		else if (strcmp(k, "--buffer") == 0 && parse_size(val, 1, false, &v))
			a->o.buffer_size = (size_t)v;
		else if (strcmp(k, "--dir") == 0)
			a->dir = val;
		else if (strcmp(k, "--filter") == 0)
			filter = val;
		else if (strcmp(k, "--flush-every") == 0 && parse_uint(val, 1, UINT64_MAX, &v))
			a->flush_every = v;
		else
			return -1;
	}
	a->nin = argc - i - 1;
	if (a->nin < 1 || a->nin > MK_MAX_IN)
		return -1;
	for (int k = 0; k < a->nin; k++) {
		a->in[k] = argv[i + k];
		a->ifc[k].filter = filter;
	}
	a->out = argv[argc - 1];
	return 0;
}

static enum frame_dir pick_dir(const char *mode, uint64_t n)
{
	static const enum frame_dir cycle[] = { FRAME_DIR_UNKNOWN, FRAME_DIR_IN, FRAME_DIR_OUT };

	if (strcmp(mode, "in") == 0)
		return FRAME_DIR_IN;
	if (strcmp(mode, "out") == 0)
		return FRAME_DIR_OUT;
	if (strcmp(mode, "cycle") == 0)
		return cycle[n % 3];
	return FRAME_DIR_UNKNOWN;
}

/* Advance input `in` to its next packet; -1 on a libpcap error. */
static int next_in(struct mk_in *in, const char *path)
{
	int rc = pcap_next_ex(in->p, &in->h, &in->data);

	if (rc == 1)
		return 0;
	in->h = NULL;
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "mkcap: %s: %s\n", path, pcap_geterr(in->p));
		return -1;
	}
	return 0;
}

static uint64_t ts_of(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

/* The input holding the earliest current packet (lowest index on ties), or -1. */
static int earliest(const struct mk_in *in, int n)
{
	int best = -1;

	for (int k = 0; k < n; k++)
		if (in[k].h && (best < 0 || ts_of(in[k].h) < ts_of(in[best].h)))
			best = k;
	return best;
}

static int copy_frames(struct mk_in *in, struct writer *w, const struct mk_args *a)
{
	char err[512];
	uint64_t n = 0;
	int e, k;

	for (k = 0; k < a->nin; k++)
		if (next_in(&in[k], a->in[k]) < 0)
			return -1;
	while ((k = earliest(in, a->nin)) >= 0) {
		struct frame f = {
			.ts_ns = ts_of(in[k].h), .caplen = in[k].h->caplen, .origlen = in[k].h->len,
			.linktype = a->ifc[k].linktype, .iface = (uint32_t)k,
			.dir = pick_dir(a->dir, n), .data = in[k].data,
		};
		if (writer_write(w, &f, &e, err, sizeof err) < 0) {
			fprintf(stderr, "mkcap: %s\n", err);
			return -1;
		}
		n++;
		in[k].frames++;
		if (a->flush_every && n % a->flush_every == 0 &&
		    writer_flush(w, false, &e, err, sizeof err) < 0) {
			fprintf(stderr, "mkcap: %s\n", err);
			return -1;
		}
		if (next_in(&in[k], a->in[k]) < 0)
			return -1;
	}
	return 0;
}

static int run(struct mk_in *in, int fd, struct mk_args *a)
{
	static const struct writer_meta meta = { "test", "Linux", "mkcap", NULL };
	struct writer *w;
	char err[512];
	int e, rc;

	for (int k = 0; k < a->nin; k++) {
		snprintf(a->names[k], sizeof a->names[k], "mkcap%d", k);
		a->ifc[k].name = a->names[k];
		a->ifc[k].description = a->in[k];
		a->ifc[k].linktype = (uint32_t)pcap_datalink(in[k].p);
		a->ifc[k].snaplen = a->snaplen ? a->snaplen : (uint32_t)pcap_snapshot(in[k].p);
	}
	a->o.meta = &meta;
	a->o.ifaces = a->ifc;
	a->o.nifaces = (size_t)a->nin;
	w = writer_open(fd, a->out, &a->o, err, sizeof err);
	if (!w) {
		fprintf(stderr, "mkcap: %s\n", err);
		return -1;
	}
	rc = copy_frames(in, w, a);
	for (int k = 0; rc == 0 && k < a->nin; k++) {
		struct iface_stats st = { 0 };

		st.ifrecv = in[k].frames;
		if (writer_write_stats(w, (uint32_t)k, &st, &e, err, sizeof err) < 0) {
			fprintf(stderr, "mkcap: %s\n", err);
			rc = -1;
		}
	}
	if (writer_close(w, &e, err, sizeof err) < 0) {
		fprintf(stderr, "mkcap: %s\n", err);
		rc = -1;
	}
	return rc;
}

static int open_inputs(struct mk_in *in, const struct mk_args *a)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	for (int k = 0; k < a->nin; k++) {
		in[k].p = pcap_open_offline_with_tstamp_precision(a->in[k], PCAP_TSTAMP_PRECISION_NANO,
								  errbuf);
		if (!in[k].p) {
			fprintf(stderr, "mkcap: %s: %s\n", a->in[k], errbuf);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mk_args a = { 0 };
	struct mk_in in[MK_MAX_IN] = { 0 };
	int fd = -1, rc = -1;

	if (parse_args(argc, argv, &a) < 0)
		return usage();
	if (open_inputs(in, &a) < 0)
		goto out;
	fd = strcmp(a.out, "-") == 0 ? 1 : open(a.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(a.out);
		goto out;
	}
	rc = run(in, fd, &a);
	if (fd != 1 && close(fd) < 0) {
		perror(a.out);
		rc = -1;
	}
out:
	for (int k = 0; k < a.nin; k++)
		if (in[k].p)
			pcap_close(in[k].p);
	return rc < 0 ? 1 : 0;
}
