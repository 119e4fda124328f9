/* SPDX-License-Identifier: BSD-2-Clause */
/* Test tool: rewrites the frames of a capture (read with libpcap) through pcaprec's writer. */
/*
 * Usage: mkcap --format pcap|pcap-ns|pcapng [--gzip N] [--snaplen N]
 *              [--buffer BYTES] [--dir none|in|out|cycle] [--filter EXPR]
 *              [--flush-every N] IN OUT
 *
 * IN is anything libpcap opens ("-" = stdin); OUT "-" writes to stdout.
 * Frames keep their nanosecond timestamps, lengths and bytes. pcapng output
 * gets SHB options (hardware "test", os "Linux", userappl "mkcap"), one IDB
 * (if_name "mkcap0", if_description IN, if_filter EXPR when given, if_os)
 * and a final ISB (ifrecv = frames, ifdrop 0, osdrop 0). --dir sets the
 * direction of every frame, or cycles none/in/out by frame number.
 * --flush-every N calls writer_flush() after every N frames.
 * Exit 0 on success, 1 on any error (message on stderr), 2 on bad usage.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "pcaprec/util.h"
#include "pcaprec/writer.h"

struct mk_args {
	struct writer_opts o;
	struct writer_iface ifc;
	const char *dir, *in, *out;
	uint64_t flush_every;
};

static int usage(void)
{
	fprintf(stderr, "usage: mkcap --format pcap|pcap-ns|pcapng [--gzip N] [--snaplen N] "
		"[--buffer BYTES] [--dir none|in|out|cycle] [--filter EXPR] [--flush-every N] IN OUT\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct mk_args *a)
{
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
		else if (strcmp(k, "--snaplen") == 0 && parse_uint(val, 1, 1u << 30, &v))
			a->ifc.snaplen = (uint32_t)v;
		else if (strcmp(k, "--buffer") == 0 && parse_size(val, 1, false, &v))
			a->o.buffer_size = (size_t)v;
		else if (strcmp(k, "--dir") == 0)
			a->dir = val;
		else if (strcmp(k, "--filter") == 0)
			a->ifc.filter = val;
		else if (strcmp(k, "--flush-every") == 0 && parse_uint(val, 1, UINT64_MAX, &v))
			a->flush_every = v;
		else
			return -1;
	}
	if (argc - i != 2)
		return -1;
	a->in = argv[i];
	a->out = argv[i + 1];
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

static int copy_frames(pcap_t *p, struct writer *w, const struct mk_args *a, uint32_t lt)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[512];
	int e, rc;
	uint64_t n = 0;

	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct frame f = {
			.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec,
			.caplen = h->caplen, .origlen = h->len, .linktype = lt,
			.iface = 0, .dir = pick_dir(a->dir, n), .data = data,
		};
		if (writer_write(w, &f, &e, err, sizeof err) < 0) {
			fprintf(stderr, "mkcap: %s\n", err);
			return -1;
		}
		n++;
		if (a->flush_every && n % a->flush_every == 0 &&
		    writer_flush(w, false, &e, err, sizeof err) < 0) {
			fprintf(stderr, "mkcap: %s\n", err);
			return -1;
		}
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "mkcap: %s: %s\n", a->in, pcap_geterr(p));
		return -1;
	}
	return 0;
}

static int run(pcap_t *p, int fd, struct mk_args *a)
{
	static const struct writer_meta meta = { "test", "Linux", "mkcap" };
	struct iface_stats st = { 0 };
	struct writer *w;
	char err[512];
	int e, rc;

	a->ifc.name = "mkcap0";
	a->ifc.description = a->in;
	a->ifc.linktype = (uint32_t)pcap_datalink(p);
	if (!a->ifc.snaplen)
		a->ifc.snaplen = (uint32_t)pcap_snapshot(p);
	a->o.meta = &meta;
	a->o.ifaces = &a->ifc;
	a->o.nifaces = 1;
	w = writer_open(fd, a->out, &a->o, err, sizeof err);
	if (!w) {
		fprintf(stderr, "mkcap: %s\n", err);
		return -1;
	}
	rc = copy_frames(p, w, a, a->ifc.linktype);
	st.ifrecv = writer_frames(w);
	if (rc == 0 && writer_write_stats(w, 0, &st, &e, err, sizeof err) < 0) {
		fprintf(stderr, "mkcap: %s\n", err);
		rc = -1;
	}
	if (writer_close(w, &e, err, sizeof err) < 0) {
		fprintf(stderr, "mkcap: %s\n", err);
		rc = -1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct mk_args a = { 0 };
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int fd, rc;

	if (parse_args(argc, argv, &a) < 0)
		return usage();
	p = pcap_open_offline_with_tstamp_precision(a.in, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "mkcap: %s: %s\n", a.in, errbuf);
		return 1;
	}
	fd = strcmp(a.out, "-") == 0 ? 1 : open(a.out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(a.out);
		pcap_close(p);
		return 1;
	}
	rc = run(p, fd, &a);
	if (fd != 1 && close(fd) < 0) {
		perror(a.out);
		rc = -1;
	}
	pcap_close(p);
	return rc < 0 ? 1 : 0;
}
