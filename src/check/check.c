/* SPDX-License-Identifier: BSD-2-Clause */
/* `pcaprec check` logic: read a file with our reader and with libpcap in lockstep and report the first damage or disagreement. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "pcaprec/check.h"
#include "pcaprec/reader.h"

/*
 * libpcap's words (sf-pcapng.c, 1.10) when it refuses a pcapng that the
 * format allows (draft-ietf-opsawg-pcapng 4.1, 4.2): interfaces of
 * different link types or snap lengths, sections of different byte orders,
 * a file with no interface at all (which then holds no packet either).
 * Such a file is checked with pcaprec's reader only.
 */
static const char *const pcap_spec_refusals[] = {
	"different from the type of the first interface",
	"different from the snapshot length of the first interface",
	"the file has sections with different byte orders",
	"the capture file has no Interface Description Blocks",
};

static bool pcap_refuses_valid(const char *msg)
{
	for (size_t i = 0; i < sizeof pcap_spec_refusals / sizeof pcap_spec_refusals[0]; i++)
		if (strstr(msg, pcap_spec_refusals[i]))
			return true;
	return false;
}

struct pcap_side {
	pcap_t *p;
	bool active;
	/*
	 * libpcap 1.10 reads the first block header of a section in another
	 * byte order with the previous order and fails on its length; whether
	 * that is damage is known once our reader has seen the section.
	 */
	bool deferred;
	char deferred_msg[PCAP_ERRBUF_SIZE];
	uint64_t deferred_after;
	bool pcap32;      /* classic pcap: 32-bit unsigned seconds that libpcap may sign-extend */
	uint32_t snapshot;
};

const char *check_status_name(enum check_status s)
{
	static const char *const names[] = { "OK", "DAMAGED", "UNREADABLE" };

	return names[s];
}

/* Record the first damage only: later findings are usually consequences of it. */
static void __attribute__((format(printf, 4, 5)))
note_damage(struct check_result *res, const struct reader *r, bool at_record, const char *fmt, ...)
{
	va_list ap;

	if (res->status != CHECK_OK)
		return;
	res->status = CHECK_DAMAGED;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	if (at_record && r) {
		res->has_offset = true;
		res->damage_offset = reader_offset(r);
		res->damage_record = reader_record_number(r);
	}
}

/* zlib's gzread behind a stdio FILE, so libpcap reads gzip files with a decoder that is not ours. */
static ssize_t gzcookie_read(void *c, char *buf, size_t n)
{
	int r = gzread((gzFile)c, buf, (unsigned)(n > INT_MAX ? INT_MAX : n));

	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static int gzcookie_close(void *c)
{
	return gzclose((gzFile)c) == Z_OK ? 0 : EOF;
}

static pcap_t *open_gz_with_libpcap(const char *path, char *eb)
{
	cookie_io_functions_t io = { gzcookie_read, NULL, NULL, gzcookie_close };
	gzFile gz = gzopen(path, "rb");
	FILE *fp;
	pcap_t *p;

	if (!gz) {
		snprintf(eb, PCAP_ERRBUF_SIZE, "zlib cannot open %s", path);
		return NULL;
	}
	gzbuffer(gz, 1u << 20);
	fp = fopencookie(gz, "r", io);
	if (!fp) {
		gzclose(gz);
		snprintf(eb, PCAP_ERRBUF_SIZE, "fopencookie: %s", strerror(errno));
		return NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p)
		fclose(fp);
	return p;
}

/*
 * libpcap cannot read zstd itself: it gets the bytes through libzstd's
 * streaming decoder behind a stdio FILE, a code path apart from our
 * reader's byte source.
 */
struct zcookie {
	FILE *in;
	ZSTD_DStream *d;
	ZSTD_inBuffer ib;
	uint8_t buf[1u << 17];
};

static ssize_t zcookie_read(void *c, char *buf, size_t n)
{
	struct zcookie *z = c;
	ZSTD_outBuffer ob = { buf, n, 0 };

	while (ob.pos == 0) {
		size_t r;

		if (z->ib.pos == z->ib.size) {
			z->ib.src = z->buf;
			z->ib.size = fread(z->buf, 1, sizeof z->buf, z->in);
			z->ib.pos = 0;
			if (z->ib.size == 0)
				return ferror(z->in) ? (errno = EIO, -1) : 0;
		}
		r = ZSTD_decompressStream(z->d, &ob, &z->ib);
		if (ZSTD_isError(r)) {
			errno = EIO;
			return -1;
		}
	}
	return (ssize_t)ob.pos;
}

static int zcookie_close(void *c)
{
	struct zcookie *z = c;

	ZSTD_freeDStream(z->d);
	fclose(z->in);
	free(z);
	return 0;
}

static pcap_t *open_zstd_with_libpcap(const char *path, char *eb)
{
	cookie_io_functions_t io = { zcookie_read, NULL, NULL, zcookie_close };
	struct zcookie *z = calloc(1, sizeof *z);
	FILE *fp;
	pcap_t *p;

	if (z) {
		z->in = fopen(path, "rb");
		z->d = ZSTD_createDStream();
	}
	if (!z || !z->in || !z->d) {
		snprintf(eb, PCAP_ERRBUF_SIZE, "libzstd cannot open %s", path);
		if (z && z->in)
			fclose(z->in);
		if (z)
			ZSTD_freeDStream(z->d);
		free(z);
		return NULL;
	}
	fp = fopencookie(z, "r", io);
	if (!fp) {
		snprintf(eb, PCAP_ERRBUF_SIZE, "fopencookie: %s", strerror(errno));
		zcookie_close(z);
		return NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p)
		fclose(fp);
	return p;
}

/* libpcap refused a file the format allows: checked with our reader only. */
static void pcap_refused(struct check_result *res, const char *why, const char *msg)
{
	res->libpcap = CHECK_PCAP_REFUSED;
	if (res->status == CHECK_OK)
		snprintf(res->reason, sizeof res->reason,
			 "libpcap refuses this file (%s%s); checked with pcaprec's reader only", why, msg);
}

/* A libpcap failure: a refusal of a valid pcapng ends the comparison, anything else is damage. */
static void pcap_failed(struct pcap_side *ps, struct check_result *res, const char *msg, uint64_t after)
{
	ps->active = false;
	if (!ps->deferred && strncmp(msg, "pcapng block size", 17) == 0) {
		ps->deferred = true;
		ps->deferred_after = after;
		snprintf(ps->deferred_msg, sizeof ps->deferred_msg, "%s", msg);
		return;
	}
	if (pcap_refuses_valid(msg)) {
		pcap_refused(res, "", msg);
		return;
	}
	res->libpcap = CHECK_PCAP_FAILED;
	note_damage(res, NULL, false, "libpcap: %s (after %llu records); pcaprec's reader read on",
		    msg, (unsigned long long)after);
}

/* The deferred libpcap failure was damage after all: the reason, or beside our reader's. */
static void pcap_deferred_damage(struct pcap_side *ps, struct check_result *res)
{
	size_t len = strlen(res->reason);

	if (res->status == CHECK_OK) {
		pcap_failed(ps, res, ps->deferred_msg, ps->deferred_after);
		return;
	}
	res->libpcap = CHECK_PCAP_FAILED;
	snprintf(res->reason + len, sizeof res->reason - len, " (libpcap: %s after %llu records)",
		 ps->deferred_msg, (unsigned long long)ps->deferred_after);
}

static void pcap_open_side(struct pcap_side *ps, const char *path, struct reader *r,
			   struct check_result *res)
{
	char eb[PCAP_ERRBUF_SIZE] = "";

	const char *z = reader_compression(r);

	if (z && strcmp(z, "zstd") == 0)
		ps->p = open_zstd_with_libpcap(path, eb);
	else if (z)
		ps->p = open_gz_with_libpcap(path, eb);
	else
		ps->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!ps->p) {
		pcap_failed(ps, res, eb, 0);
		return;
	}
	ps->active = true;
	ps->pcap32 = strcmp(reader_format(r), "pcapng") != 0;
	ps->snapshot = (uint32_t)pcap_snapshot(ps->p);
}

/* Compare one record both readers returned; false (after noting it) when they differ. */
static bool same_record(struct check_result *res, const struct reader *r, const struct frame *f,
			const struct pcap_side *ps, const struct pcap_pkthdr *h, const u_char *d)
{
	uint64_t sec = ps->pcap32 ? (uint32_t)h->ts.tv_sec : (uint64_t)h->ts.tv_sec;
	uint64_t ts = sec * 1000000000u + (uint64_t)h->ts.tv_usec;
	uint32_t want_cap = f->caplen;

	/* libpcap cuts records longer than the snaplen to it; we deliver them whole and flag them. */
	if ((reader_record_flags(r) & READER_REC_CAPLEN_GT_SNAPLEN) && want_cap > ps->snapshot)
		want_cap = ps->snapshot;
	if (h->caplen != want_cap || h->len != f->origlen) {
		note_damage(res, r, true, "readers disagree at record %llu (byte %llu): pcaprec caplen %u origlen %u, "
			    "libpcap caplen %u origlen %u", (unsigned long long)reader_record_number(r),
			    (unsigned long long)reader_offset(r), f->caplen, f->origlen, h->caplen, h->len);
		return false;
	}
	if (ts != f->ts_ns) {
		note_damage(res, r, true, "readers disagree at record %llu (byte %llu): pcaprec time %llu ns, libpcap %llu ns",
			    (unsigned long long)reader_record_number(r), (unsigned long long)reader_offset(r),
			    (unsigned long long)f->ts_ns, (unsigned long long)ts);
		return false;
	}
	if (want_cap && memcmp(d, f->data, want_cap) != 0) {
		note_damage(res, r, true, "readers disagree at record %llu (byte %llu): packet bytes differ",
			    (unsigned long long)reader_record_number(r), (unsigned long long)reader_offset(r));
		return false;
	}
	return true;
}

/* Our reader's per-record warnings that make a file damaged. */
static void check_flags(struct check_result *res, const struct reader *r)
{
	char why[256];

	if (reader_record_flags(r) & READER_REC_CAPLEN_GT_SNAPLEN)
		res->caplen_gt_snaplen++;
	if (reader_record_problem(r, why, sizeof why))
		note_damage(res, r, true, "%s", why);
}

static void account(struct check_result *res, const struct check_opts *o, const struct frame *f)
{
	if (res->packets == 0 || f->ts_ns < res->first_ns)
		res->first_ns = f->ts_ns;
	if (f->ts_ns > res->last_ns)
		res->last_ns = f->ts_ns;
	res->packets++;
	res->bytes += f->caplen;
	if (!o->filter || o->filter(o->filter_ctx, f))
		res->matched++;
}

/* One step of libpcap next to our record `ro` (1 record, 0 end). */
static void pcap_step(struct pcap_side *ps, struct check_result *res, const struct reader *r,
		      int ro, const struct frame *f)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rp = pcap_next_ex(ps->p, &h, &d);
	unsigned long long n = reader_record_number(r);

	if (rp == 1 && ro == 1) {
		if (!same_record(res, r, f, ps, h, d))
			ps->active = false;
	} else if (rp == 1) {
		note_damage(res, NULL, false, "readers disagree: pcaprec's reader ended after %llu records, libpcap read more", n);
		ps->active = false;
	} else if (rp == PCAP_ERROR_BREAK && ro == 1) {
		note_damage(res, r, true, "readers disagree: libpcap ended after %llu records, pcaprec's reader read more", n - 1);
		ps->active = false;
	} else if (rp == PCAP_ERROR) {
		pcap_failed(ps, res, pcap_geterr(ps->p), ro == 1 ? n - 1 : n);
	}
}

/* Our reader's hard error is the reason shown (it names the offset); an earlier finding is kept after it. */
static void reader_damage(struct check_result *res, const struct reader *r)
{
	char earlier[sizeof res->reason];

	snprintf(earlier, sizeof earlier, "%s", res->status == CHECK_DAMAGED ? res->reason : "");
	if (earlier[0])
		snprintf(res->reason, sizeof res->reason, "%s (earlier: %.400s)", reader_error(r), earlier);
	else
		snprintf(res->reason, sizeof res->reason, "%s", reader_error(r));
	res->status = CHECK_DAMAGED;
	res->has_offset = true;
	res->damage_offset = reader_error_offset(r);
	res->damage_record = reader_record_number(r) + 1;
}

/* Where our reader stopped, ask libpcap too: its view is added to the reason. */
static void pcap_at_damage(struct pcap_side *ps, struct check_result *res)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rp = pcap_next_ex(ps->p, &h, &d);
	size_t len = strlen(res->reason);

	if (rp == PCAP_ERROR) {
		res->libpcap = CHECK_PCAP_FAILED;
		snprintf(res->reason + len, sizeof res->reason - len, "; libpcap also fails there: %s",
			 pcap_geterr(ps->p));
	} else {
		res->libpcap = CHECK_PCAP_FAILED;
		snprintf(res->reason + len, sizeof res->reason - len, "; libpcap %s",
			 rp == 1 ? "reads a record there" : "sees a clean end there");
	}
}

static void check_loop(struct reader *r, struct pcap_side *ps, const struct check_opts *o,
		       struct check_result *res)
{
	struct frame f;
	int ro;

	do {
		ro = reader_next(r, &f);
		if (ro == 1) {
			account(res, o, &f);
			check_flags(res, r);
		}
		if (ro >= 0 && ps->active)
			pcap_step(ps, res, r, ro, &f);
	} while (ro == 1);
	if (ro < 0) {
		reader_damage(res, r);
		if (ps->active)
			pcap_at_damage(ps, res);
	}
}

void check_file(const char *path, const struct check_opts *o, struct check_result *res)
{
	struct pcap_side ps = { 0 };
	char err[1024];
	struct reader *r;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd;

	memset(res, 0, sizeof *res);
	res->libpcap = o->use_libpcap && !is_stdin ? CHECK_PCAP_AGREES : CHECK_PCAP_NOT_USED;
	if (!is_stdin) {
		struct stat st;

		/* stat, not open: opening a FIFO to probe it would block or eat its data */
		bool found = stat(path, &st) == 0;

		if (!found || S_ISDIR(st.st_mode)) {
			res->status = CHECK_UNREADABLE;
			snprintf(res->reason, sizeof res->reason, "%s: %s", path,
				 found ? "is a directory" : strerror(errno));
			return;
		}
		if (S_ISREG(st.st_mode)) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				res->status = CHECK_UNREADABLE;
				snprintf(res->reason, sizeof res->reason, "%s: %s", path, strerror(errno));
				return;
			}
			close(fd);
		} else {
			/* a stream (FIFO, device) can be read once: by our reader, as stdin */
			res->libpcap = CHECK_PCAP_NOT_USED;
		}
	}
	r = reader_open(path, err, sizeof err);
	if (!r) {
		note_damage(res, NULL, false, "%s", err);
		return;
	}
	snprintf(res->format, sizeof res->format, "%s", reader_format(r));
	res->compressed = reader_compressed(r);
	snprintf(res->compression, sizeof res->compression, "%s",
		 res->compressed ? reader_compression(r) : "");
	if (res->libpcap == CHECK_PCAP_AGREES)
		pcap_open_side(&ps, path, r, res);
	check_loop(r, &ps, o, res);
	if (ps.deferred) {
		/* a section of the other byte order explains libpcap's failure: a refusal, not damage */
		if (reader_byte_orders_mixed(r))
			pcap_refused(res, "the file has sections with different byte orders; libpcap says: ",
				     ps.deferred_msg);
		else
			pcap_deferred_damage(&ps, res);
	}
	res->file_size = reader_file_size(r);
	res->sections = reader_section_count(r);
	res->ifaces = (uint32_t)reader_iface_count(r);
	if (ps.p)
		pcap_close(ps.p);
	reader_close(r);
}
