/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the output lifecycle in a temp dir: .part then rename, ring budget, restart, leftovers, hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "pcaprec/index.h"
#include "pcaprec/out_sync.h"
#include "pcaprec/output.h"
#include "pcaprec/util.h"

#define S 1000000000ull
#define MS 1000000ull
#define T0 (1795354955ull * S)   /* 2026-11-22 13:42:35 UTC */

struct fixture {
	char dir[64];
	char path[256];
	char log[8192];
	struct writer_iface iface;
	struct output_config cfg;
	uint8_t pkt[2000];
};

static void log_to_fixture(void *ctx, const char *msg)
{
	struct fixture *fx = ctx;
	size_t n = strlen(fx->log);

	snprintf(fx->log + n, sizeof fx->log - n, "%s\n", msg);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	snprintf(fx->dir, sizeof fx->dir, "/tmp/pcaprec-test-output-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->iface.name = "eth0";
	fx->iface.linktype = 1;
	fx->iface.snaplen = 65535;
	fx->cfg.rot.align = true;
	fx->cfg.rot.utc = true;
	fx->cfg.gzip_level = -1;
	fx->cfg.gid = (gid_t)-1;
	fx->cfg.ifnames = "eth0";
	fx->cfg.wopts.format = OUT_PCAP_US;
	fx->cfg.wopts.ifaces = &fx->iface;
	fx->cfg.wopts.nifaces = 1;
	fx->cfg.log = log_to_fixture;
	fx->cfg.log_ctx = fx;
	fx->cfg.path = fx->path;
	*state = fx;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void set_template(struct fixture *fx, const char *tmpl)
{
	snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, tmpl);
}

/* Frame number `seq` with `len` bytes: Ethernet header, then seq big-endian. */
static struct frame mkframe(struct fixture *fx, uint32_t seq, uint32_t len, uint64_t ts)
{
	struct frame f = { ts, len, len, 1, 0, FRAME_DIR_IN, fx->pkt };

	memset(fx->pkt, 0, sizeof fx->pkt);
	memset(fx->pkt, 0xff, 6);
	fx->pkt[12] = 0x88;
	fx->pkt[13] = 0xb5;
	fx->pkt[14] = (uint8_t)(seq >> 24);
	fx->pkt[15] = (uint8_t)(seq >> 16);
	fx->pkt[16] = (uint8_t)(seq >> 8);
	fx->pkt[17] = (uint8_t)seq;
	return f;
}

/* Sorted names in the fixture dir; returns count. */
/*
 * The directory's files but the captures' indexes, sorted. An index there
 * loads (fresh, sound).
 */
static size_t list_dir(struct fixture *fx, char names[][256], size_t max)
{
	DIR *d = opendir(fx->dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[600], why[600];
		size_t len = strlen(de->d_name);
		struct pidx *ix;

		if (de->d_name[0] == '.' || n == max)
			continue;
		snprintf(path, sizeof path, "%s/%s", fx->dir, de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".pidx") == 0) {
			path[strlen(path) - 5] = '\0';
			if (access(path, F_OK) == 0)
				continue;   /* a capture's index; one without its capture is listed */
		} else if (!(len > 5 && strcmp(de->d_name + len - 5, ".part") == 0)) {
			enum pidx_status st = pidx_load(path, &ix, why, sizeof why);

			if (st != PIDX_OK && st != PIDX_NONE)
				fail_msg("%s: index not sound: %s", path, why);
			pidx_free(ix);
		}
		snprintf(names[n++], 256, "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* The published file `name` has its index, up to date and sound, describing `packets` packets. */
static void assert_indexed(struct fixture *fx, const char *name, uint64_t packets)
{
	char path[512], why[600];
	struct pidx *ix;
	struct pidx_info info;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	if (pidx_load(path, &ix, why, sizeof why) != PIDX_OK)
		fail_msg("%s: no sound index: %s", path, why);
	pidx_get_info(ix, &info);
	assert_int_equal(info.packets, packets);
	pidx_free(ix);
}

/* Read a file with libpcap; append the frame numbers to seqs; returns the count or -1. */
static int read_seqs(struct fixture *fx, const char *name, uint32_t *seqs, size_t max)
{
	char path[512], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int n = 0, rc;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	p = pcap_open_offline(path, errbuf);
	if (!p) {
		print_error("libpcap: %s: %s\n", path, errbuf);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if ((size_t)n < max)
			seqs[n] = ((uint32_t)data[14] << 24) | ((uint32_t)data[15] << 16) |
				  ((uint32_t)data[16] << 8) | data[17];
		n++;
	}
	pcap_close(p);
	return rc == PCAP_ERROR ? -1 : n;
}

static uint64_t file_size(struct fixture *fx, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static bool exists(struct fixture *fx, const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	return access(path, F_OK) == 0;
}

/* Packet-count rotation: .part while writing, renamed after; the union holds every frame once. */
static void test_part_then_rename(void **state)
{
	struct fixture *fx = *state;
	char names[16][256], err[256];
	uint32_t seqs[64];
	struct output *o;
	size_t n;
	int total = 0;

	set_template(fx, "cap.pcap");
	fx->cfg.rot.max_packets = 3;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	assert_true(exists(fx, "cap-000001.pcap.part"));
	assert_false(exists(fx, "cap-000001.pcap"));
	for (uint32_t i = 0; i < 10; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i * MS);
		assert_int_equal(output_write(o, &f, T0 + i * MS), 0);
	}
	/* 3 full files are closed the moment they are full and published in the background; frame 9 is in the 4th */
	output_settle(o);
	assert_true(exists(fx, "cap-000003.pcap"));
	assert_true(exists(fx, "cap-000004.pcap.part"));
	assert_false(exists(fx, "cap-000004.pcap"));
	/* the .part is flushed by the tick: readable up to the last whole packet */
	output_tick(o, T0 + 2 * S);
	assert_int_equal(read_seqs(fx, "cap-000004.pcap.part", seqs, 64), 1);
	assert_int_equal(output_close(o, T0 + 3 * S, NULL), 0);
	n = list_dir(fx, names, 16);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		int k;

		snprintf(want, sizeof want, "cap-%06zu.pcap", i + 1);
		assert_string_equal(names[i], want);
		k = read_seqs(fx, names[i], seqs + total, 64 - (size_t)total);
		assert_int_equal(k, i < 3 ? 3 : 1);
		assert_indexed(fx, names[i], (uint64_t)k);
		total += k;
	}
	assert_int_equal(total, 10);
	for (int i = 0; i < total; i++)
		assert_int_equal(seqs[i], i);
}

/* -C: no file exceeds the limit; a frame bigger than the limit gets a file of its own. */
static void test_size_limit(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t lens[] = { 100, 100, 100, 1500, 100, 100, 60, 60, 60, 60, 60 };
	char names[32][256], err[256];
	uint32_t seqs[64];
	struct output *o;
	size_t n;
	int total = 0;

	set_template(fx, "s-%n.pcap");
	fx->cfg.rot.max_bytes = 400;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct frame f = mkframe(fx, i, lens[i], T0 + i);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	assert_int_equal(output_close(o, T0, NULL), 0);
	n = list_dir(fx, names, 32);
	for (size_t i = 0; i < n; i++) {
		int k = read_seqs(fx, names[i], seqs + total, 64 - (size_t)total);

		assert_true(k > 0);
		if (k > 1)
			assert_true(file_size(fx, names[i]) <= 400);
		total += k;
	}
	assert_int_equal(total, sizeof lens / sizeof lens[0]);
	for (int i = 0; i < total; i++)
		assert_int_equal(seqs[i], i);
	/* 24+3*116=372; 1500 alone; 2*116+76=308, then 4 more of 76 -> 24+4*76=328 */
	assert_int_equal(n, 4);
	assert_int_equal(read_seqs(fx, names[1], seqs, 64), 1);
	assert_int_equal(seqs[0], 3);
}

/* -W 2 and --max-total: only the newest finished files stay. */
static void test_keep_and_max_total(void **state)
{
	struct fixture *fx = *state;
	char names[32][256], err[256];
	struct output *o;
	size_t n;

	set_template(fx, "k.pcap");
	fx->cfg.rot.max_packets = 1;
	fx->cfg.keep = 2;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 6; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	output_settle(o);
	n = list_dir(fx, names, 32);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "k-000005.pcap");
	assert_string_equal(names[1], "k-000006.pcap");
	/* the budget deleted each capture's index with it */
	assert_false(exists(fx, "k-000001.pcap.pidx"));
	assert_false(exists(fx, "k-000004.pcap.pidx"));
	assert_indexed(fx, "k-000005.pcap", 1);
	assert_int_equal(output_close(o, T0, NULL), 0);
	assert_non_null(strstr(fx->log, "deleted"));

	/* restart with a byte budget of two 100-byte files (24 + 16 + 60 each) */
	fx->cfg.keep = 0;
	fx->cfg.max_total = 250;
	o = output_open(&fx->cfg, T0 + S, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 3; i++) {
		struct frame f = mkframe(fx, 100 + i, 60, T0 + S + i);
		assert_int_equal(output_write(o, &f, T0 + S), 0);
	}
	assert_int_equal(output_close(o, T0 + S, NULL), 0);
	n = list_dir(fx, names, 32);
	assert_int_equal(n, 2);
	/* numbering continues after the files found on disk */
	assert_string_equal(names[0], "k-000008.pcap");
	assert_string_equal(names[1], "k-000009.pcap");
}

/* A restart rebuilds the ring from the files on disk, oldest first, and ignores other names. */
static void test_restart_ring(void **state)
{
	struct fixture *fx = *state;
	char names[32][256], err[256], path[512];
	struct output *o;
	size_t n;
	int fd;

	set_template(fx, "r-%Y%m%d-%H%M%S.pcap");
	fx->cfg.rot.interval_ns = 1 * S;
	fx->cfg.keep = 3;
	for (int run = 0; run < 2; run++) {
		uint64_t t = T0 + (uint64_t)run * 10 * S;

		o = output_open(&fx->cfg, t, err, sizeof err);
		assert_non_null(o);
		for (uint32_t i = 0; i < 3; i++) {
			struct frame f = mkframe(fx, i, 60, t + i * S + 1);
			assert_int_equal(output_write(o, &f, t + i * S + 1), 0);
		}
		assert_int_equal(output_close(o, t + 3 * S, NULL), 0);
		if (run == 0) {
			/* a stranger's file: same extension, not our template */
			snprintf(path, sizeof path, "%s/other.pcap", fx->dir);
			fd = open(path, O_CREAT | O_WRONLY, 0644);
			assert_true(fd >= 0);
			close(fd);
		}
	}
	n = list_dir(fx, names, 32);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "other.pcap");
	assert_string_equal(names[1], "r-20261122-134245.pcap");
	assert_string_equal(names[2], "r-20261122-134246.pcap");
	assert_string_equal(names[3], "r-20261122-134247.pcap");
}

/* Leftover .part files: published; in use (locked): left; final name taken: reported and left. */
static void test_leftover_parts(void **state)
{
	struct fixture *fx = *state;
	char names[32][256], err[256], path[512], src[4096];
	uint32_t seqs[8];
	struct output *o;
	int lockfd;
	FILE *pc;
	char pcbuf[1024] = "";

	set_template(fx, "p.pcap");
	fx->cfg.rot.max_packets = 1;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	{
		struct frame f = mkframe(fx, 7, 60, T0);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	assert_int_equal(output_close(o, T0, NULL), 0);
	/* make three leftovers from the finished file */
	snprintf(src, sizeof src, "%s/p-000001.pcap", fx->dir);
	snprintf(path, sizeof path, "%s/p-000005.pcap.part", fx->dir);
	assert_int_equal(rename(src, path), 0);
	/* the copies are whole; p-000005 also gets half a record, as after a crash mid-write */
	snprintf(src, sizeof src, "cp %s %s/p-000006.pcap.part && cp %s %s/p-000006.pcap && "
		 "cp %s %s/p-000007.pcap.part && printf 'XXXXXXXXXXXXXXXXXXXX' >> %s",
		 path, fx->dir, path, fx->dir, path, fx->dir, path);
	assert_int_equal(system(src), 0);
	snprintf(path, sizeof path, "%s/p-000007.pcap.part", fx->dir);
	lockfd = open(path, O_RDONLY);
	assert_true(lockfd >= 0);
	assert_int_equal(flock(lockfd, LOCK_EX), 0);

	fx->log[0] = '\0';
	pc = fmemopen(pcbuf, sizeof pcbuf, "w");
	fx->cfg.print_closed = pc;
	o = output_open(&fx->cfg, T0 + S, err, sizeof err);
	assert_non_null(o);
	assert_int_equal(output_close(o, T0 + S, NULL), 0);
	fclose(pc);
	fx->cfg.print_closed = NULL;
	close(lockfd);
	/* the published leftover is announced first (counted by reading it back), then the run's file */
	snprintf(src, sizeof src, "%s/p-000005.pcap 1 100\n%s/p-000008.pcap 0 24\n", fx->dir, fx->dir);
	assert_string_equal(pcbuf, src);
	assert_true(exists(fx, "p-000005.pcap"));
	assert_false(exists(fx, "p-000005.pcap.part"));
	assert_int_equal(file_size(fx, "p-000005.pcap"), 24 + 16 + 60);
	assert_int_equal(read_seqs(fx, "p-000005.pcap", seqs, 8), 1);
	assert_int_equal(seqs[0], 7);
	assert_non_null(strstr(fx->log, "cut from 120 to 100 bytes"));
	assert_true(exists(fx, "p-000006.pcap.part"));
	assert_true(exists(fx, "p-000007.pcap.part"));
	assert_non_null(strstr(fx->log, "published leftover"));
	assert_non_null(strstr(fx->log, "p-000006.pcap.part not published"));
	assert_non_null(strstr(fx->log, "p-000007.pcap.part is in use"));
	/* the new run's (empty) file took the next free number */
	assert_true(exists(fx, "p-000008.pcap"));
	(void)names;
}

static void touch(struct fixture *fx, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0640);
	assert_true(fd >= 0);
	close(fd);
}

/*
 * -W counts and deletes only names the template makes: neighbours that
 * share a prefix and digits ("-keep", " (copy)", an index sidecar, a day
 * name) are neither deleted nor counted, and do not move the sequence.
 */
static void test_budget_exact_names(void **state)
{
	static const char *planted[] = {
		"k-000001-keep.pcap", "k-000007 (copy).pcap", "k-000099.pcap.pidx",
		"k-Monday-notes.pcap", "k-0000123.pcap", "k-000100.pcapx",
	};
	struct fixture *fx = *state;
	char names[32][256], err[256];
	struct output *o;
	size_t n;

	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
		touch(fx, planted[i]);
	touch(fx, "k-000010.pcap");   /* ours, from an earlier run */
	set_template(fx, "k.pcap");
	fx->cfg.rot.max_packets = 1;
	fx->cfg.keep = 2;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 4; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	assert_int_equal(output_close(o, T0, NULL), 0);
	n = list_dir(fx, names, 32);
	assert_int_equal(n, sizeof planted / sizeof planted[0] + 2);
	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
		assert_true(exists(fx, planted[i]));
	/* numbering went on after k-000010 (not after k-000099 or k-0000123) */
	assert_false(exists(fx, "k-000010.pcap"));
	assert_true(exists(fx, "k-000013.pcap"));
	assert_true(exists(fx, "k-000014.pcap"));
}

/*
 * Files of another owner, and names that are not regular files, are no
 * part of the ring: not counted, not deleted, a leftover .part not
 * published. Run unprivileged by scanning for a uid that is not ours.
 */
static void test_scan_owner(void **state)
{
	struct fixture *fx = *state;
	struct out_ring r = { 0 }, pub = { 0 };
	char err[256], path[512], target[512];
	struct rot_matcher *m = rot_matcher_new("s.pcap", true, true, "eth0", NULL, err, sizeof err);
	int dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY);

	assert_non_null(m);
	assert_true(dirfd >= 0);
	touch(fx, "s-000001.pcap");
	touch(fx, "s-000002.pcap.part");
	snprintf(path, sizeof path, "%s/s-000003.pcap", fx->dir);
	snprintf(target, sizeof target, "%s/s-000001.pcap", fx->dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof path, "%s/s-000004.pcap.part", fx->dir);
	assert_int_equal(symlink(target, path), 0);
	/* a hard link to a file of ours is not a leftover either */
	snprintf(path, sizeof path, "%s/s-000005.pcap.part", fx->dir);
	assert_int_equal(link(target, path), 0);

	fx->log[0] = '\0';
	assert_int_equal(out_ring_scan(&r, dirfd, m, geteuid() + 1, &pub, log_to_fixture, fx,
				       err, sizeof err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(pub.n, 0);
	assert_true(exists(fx, "s-000002.pcap.part"));
	assert_false(exists(fx, "s-000002.pcap"));
	assert_non_null(strstr(fx->log, "leftover s-000002.pcap.part is owned by uid"));
	assert_non_null(strstr(fx->log, "leftover s-000004.pcap.part is not a regular file; left alone"));
	assert_non_null(strstr(fx->log, "2 files named like this recorder's but not regular files"));
	/* a budget of one file on that ring deletes nothing */
	assert_int_equal(out_ring_enforce(&r, dirfd, "", 1, 1, log_to_fixture, fx), 0);
	assert_true(exists(fx, "s-000001.pcap"));

	/* our own uid: the file and the published leftover, never the symlinks */
	fx->log[0] = '\0';
	assert_int_equal(out_ring_scan(&r, dirfd, m, geteuid(), &pub, log_to_fixture, fx,
				       err, sizeof err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(pub.n, 1);
	assert_string_equal(pub.v[0].name, "s-000002.pcap");
	assert_true(exists(fx, "s-000002.pcap"));
	assert_true(exists(fx, "s-000005.pcap.part"));
	assert_non_null(strstr(fx->log, "leftover s-000005.pcap.part has 2 links; left alone"));
	assert_non_null(strstr(fx->log, "1 file named like"));
	out_ring_free(&r);
	out_ring_free(&pub);
	rot_matcher_free(m);
	close(dirfd);
}

/* Template without fields and without rotation: one file; an existing one is never overwritten. */
static void test_collision(void **state)
{
	struct fixture *fx = *state;
	char err[256], path[512];
	struct output *o;
	int fd;

	set_template(fx, "one.pcap");
	snprintf(path, sizeof path, "%s/one.pcap", fx->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	{
		struct frame f = mkframe(fx, 1, 60, T0);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	assert_int_equal(output_close(o, T0, NULL), 0);
	assert_int_equal(file_size(fx, "one.pcap"), 4);
	assert_int_equal(file_size(fx, "one-1.pcap"), 24 + 16 + 60);
}

/* -G on an idle link with an injected clock: --empty-files gives one file per period, named for its start. */
static void test_time_rotation_idle(void **state)
{
	struct fixture *fx = *state;
	char names[32][256], err[256];
	struct output *o;
	size_t n;

	set_template(fx, "t-%H%M%S.pcap");
	fx->cfg.rot.interval_ns = 15 * 60 * S;
	fx->cfg.empty_files = true;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint64_t t = T0; t < T0 + 3600 * S; t += 100 * MS * 50)
		output_tick(o, t);
	assert_int_equal(output_close(o, T0 + 3600 * S, NULL), 0);
	n = list_dir(fx, names, 32);
	assert_int_equal(n, 5);
	assert_string_equal(names[0], "t-133000.pcap");
	assert_string_equal(names[1], "t-134500.pcap");
	assert_string_equal(names[4], "t-143000.pcap");
}

/* Without --empty-files a period without packets makes no file; the next packet's period names it. */
static void test_time_rotation_lazy(void **state)
{
	struct fixture *fx = *state;
	char names[32][256], err[256];
	struct output *o;
	size_t n;

	set_template(fx, "t-%H%M%S.pcap");
	fx->cfg.rot.interval_ns = 15 * 60 * S;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint64_t t = T0; t < T0 + 3600 * S; t += 5 * S) {
		output_tick(o, t);
		if (t == T0 + 40 * 60 * S) {
			struct frame f = mkframe(fx, 1, 60, t);
			assert_int_equal(output_write(o, &f, t), 0);
		}
	}
	assert_int_equal(output_close(o, T0 + 3600 * S, NULL), 0);
	n = list_dir(fx, names, 32);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "t-133000.pcap");
	assert_string_equal(names[1], "t-141500.pcap");
}

/* Hooks: run for every published file including the last, with the PCAPREC_* environment. */
static void test_hooks(void **state)
{
	struct fixture *fx = *state;
	char err[256], hookdir[128], script[256], cmd[512], envfile[512], line[512];
	struct output *o;
	FILE *fp, *pc;
	char pcbuf[1024] = "";
	int found = 0;

	snprintf(hookdir, sizeof hookdir, "%s/hooks", fx->dir);
	assert_int_equal(mkdir(hookdir, 0755), 0);
	snprintf(script, sizeof script, "%s/hook.sh", hookdir);
	fp = fopen(script, "w");
	fprintf(fp, "#!/bin/sh\nenv | grep '^PCAPREC_' | sort > \"%s/$(basename \"$1\").env\"\n"
		"echo \"$1\" >> \"%s/args\"\n", hookdir, hookdir);
	fclose(fp);
	chmod(script, 0755);
	snprintf(cmd, sizeof cmd, "%s", script);
	set_template(fx, "h.pcap");
	fx->cfg.rot.max_packets = 2;
	fx->cfg.on_rotate = cmd;
	pc = fmemopen(pcbuf, sizeof pcbuf, "w");
	fx->cfg.print_closed = pc;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 3; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i * S + 5);
		assert_int_equal(output_write(o, &f, T0 + i * S), 0);
	}
	assert_int_equal(output_close(o, T0 + 5 * S, NULL), 0);
	fclose(pc);
	snprintf(envfile, sizeof envfile, "%s/h-000002.pcap.env", hookdir);
	fp = fopen(envfile, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp)) {
		char want[512];

		snprintf(want, sizeof want, "PCAPREC_FILE=%s/h-000002.pcap\n", fx->dir);
		found += strcmp(line, want) == 0;
		found += strcmp(line, "PCAPREC_PACKETS=1\n") == 0;
		found += strcmp(line, "PCAPREC_BYTES=100\n") == 0;
		found += strcmp(line, "PCAPREC_FIRST_TS=1795354957.000000005\n") == 0;
		found += strcmp(line, "PCAPREC_LAST_TS=1795354957.000000005\n") == 0;
		found += strcmp(line, "PCAPREC_DROPS=0\n") == 0;
	}
	fclose(fp);
	assert_int_equal(found, 6);
	snprintf(envfile, sizeof envfile, "%s/h-000001.pcap.env", hookdir);
	assert_int_equal(access(envfile, F_OK), 0);
	snprintf(line, sizeof line, "%s/h-000001.pcap 2 176\n%s/h-000002.pcap 1 100\n", fx->dir, fx->dir);
	assert_string_equal(pcbuf, line);
	fx->cfg.print_closed = NULL;
}

/* More finished files than hook slots: none is lost, all are run in the end. */
static void test_hooks_bounded(void **state)
{
	struct fixture *fx = *state;
	char err[256], cmd[512], names[32][256];
	struct output *o;
	size_t n, envs = 0;

	snprintf(cmd, sizeof cmd, "sleep 0.2; touch \"$1.done\" #");
	set_template(fx, "b.pcap");
	fx->cfg.rot.max_packets = 1;
	fx->cfg.on_rotate = cmd;
	fx->cfg.max_hooks = 2;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 6; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);
		struct output_stats st;

		assert_int_equal(output_write(o, &f, T0), 0);
		output_get_stats(o, &st);
		assert_true(st.hooks_running <= 2);
	}
	assert_int_equal(output_close(o, T0, NULL), 0);
	n = list_dir(fx, names, 32);
	for (size_t i = 0; i < n; i++)
		envs += strstr(names[i], ".done") != NULL;
	/* one hook per full file; no file after the last packet (the next one is created lazily) */
	assert_int_equal(envs, 6);
}

/* Bad template and missing directory fail at open with the name in the message. */
static void test_open_errors(void **state)
{
	struct fixture *fx = *state;
	char err[256];

	snprintf(fx->path, sizeof fx->path, "%s/nodir/x.pcap", fx->dir);
	assert_null(output_open(&fx->cfg, T0, err, sizeof err));
	assert_non_null(strstr(err, "nodir"));
	set_template(fx, "x-%q.pcap");
	assert_null(output_open(&fx->cfg, T0, err, sizeof err));
	assert_non_null(strstr(err, "%q"));
}

/* Cumulative counters the record loop would keep; the test bumps them per frame. */
struct fake_loop {
	struct iface_stats cum[2];
};

static void fake_stats(void *ctx, struct iface_stats *cum, size_t n)
{
	struct fake_loop *fl = ctx;

	for (size_t i = 0; i < n && i < 2; i++)
		cum[i] = fl->cum[i];
}

/* Decompress a .gz file with zlib into buf; returns bytes or -1 when the stream is damaged. */
static long gunzip_file(struct fixture *fx, const char *name, uint8_t *buf, size_t cap)
{
	char path[4200];
	gzFile gz;
	int n, errnum = 0;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	gz = gzopen(path, "rb");
	if (!gz)
		return -1;
	n = gzread(gz, buf, (unsigned)cap);
	gzerror(gz, &errnum);
	/* a stream cut before its trailer reads fine but is not a finished file */
	if (errnum == Z_OK && !gzeof(gz))
		n = -1;
	gzclose(gz);
	return errnum == Z_OK || errnum == Z_STREAM_END ? n : -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Sum isb_ifrecv (code 4) and isb_osdrop (code 7) over all ISBs of interface `ifc`; count ISBs. */
static int isb_sum(const uint8_t *b, size_t n, uint32_t ifc, uint64_t *ifrecv, uint64_t *osdrop)
{
	int count = 0;

	*ifrecv = *osdrop = 0;
	for (size_t off = 0; off + 12 <= n;) {
		uint32_t type = le32(b + off), len = le32(b + off + 4);

		if (len < 12 || off + len > n)
			return -1;
		if (type == 5 && len >= 24 && le32(b + off + 8) == ifc) {
			for (size_t o = off + 20; o + 4 <= off + len - 4;) {
				uint16_t code = (uint16_t)(b[o] | b[o + 1] << 8);
				uint16_t olen = (uint16_t)(b[o + 2] | b[o + 3] << 8);

				if (code == 0)
					break;
				if (code == 4 && olen == 8)
					*ifrecv += le64(b + o + 4);
				if (code == 7 && olen == 8)
					*osdrop += le64(b + o + 4);
				o += 4 + ((olen + 3u) & ~3u);
			}
			count++;
		}
		off += len;
	}
	return count;
}

/* pcapng + gzip: names end .pcapng.gz, zlib-valid streams, libpcap reads them, ISBs carry per-file counters. */
static void test_pcapng_gzip_isb(void **state)
{
	struct fixture *fx = *state;
	struct writer_iface ifs[2] = { { "eth0", NULL, NULL, 1, 65535, NULL, 0 }, { "eth1", NULL, NULL, 1, 65535, NULL, 0 } };
	struct fake_loop fl;
	char names[16][256], err[256], errbuf[PCAP_ERRBUF_SIZE];
	static uint8_t buf[1 << 16];
	uint64_t total_recv = 0;
	struct output *o;
	size_t n;
	int pkts = 0;

	memset(&fl, 0, sizeof fl);
	set_template(fx, "g-%i-%n.pcapng");
	fx->cfg.ifnames = "eth0+eth1";
	fx->cfg.rot.max_packets = 3;
	fx->cfg.gzip_level = 6;
	fx->cfg.wopts.format = OUT_PCAPNG;
	fx->cfg.wopts.ifaces = ifs;
	fx->cfg.wopts.nifaces = 2;
	fx->cfg.stats = fake_stats;
	fx->cfg.stats_ctx = &fl;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 7; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);

		fl.cum[0].ifrecv++;
		fl.cum[0].osdrop += i == 4;   /* the loop lost one frame during the second file */
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	assert_int_equal(output_close(o, T0 + S, NULL), 0);
	n = list_dir(fx, names, 16);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_indexed(fx, names[i], i < 2 ? 3 : 1);
	for (size_t i = 0; i < n; i++) {
		long len = gunzip_file(fx, names[i], buf, sizeof buf);
		uint64_t recv, osdrop;
		struct pcap_pkthdr *h;
		const u_char *d;
		FILE *mem;
		pcap_t *p;
		int k = 0;

		assert_non_null(strstr(names[i], "g-eth0+eth1-") == names[i] ? names[i] : NULL);
		assert_non_null(strstr(names[i], ".pcapng.gz"));
		assert_true(len > 0);
		assert_int_equal(isb_sum(buf, (size_t)len, 0, &recv, &osdrop), 1);
		assert_int_equal(recv, i < 2 ? 3 : 1);
		assert_int_equal(osdrop, i == 1 ? 1 : 0);
		assert_int_equal(isb_sum(buf, (size_t)len, 1, &recv, &osdrop), 1);
		total_recv += recv;
		mem = fmemopen(buf, (size_t)len, "rb");
		p = pcap_fopen_offline(mem, errbuf);
		assert_non_null(p);
		while (pcap_next_ex(p, &h, &d) == 1)
			k++;
		pcap_close(p);
		pkts += k;
	}
	assert_int_equal(pkts, 7);
	assert_int_equal(total_recv, 0);
}

/* Disk full (here: RLIMIT_FSIZE): the recorder goes on, the file stays valid, drops are counted, logged once. */
static void test_write_error(void **state)
{
	struct fixture *fx = *state;
	struct rlimit old, lim;
	struct output_stats st;
	char names[16][256], err[256];
	struct output *o;
	uint32_t seqs[256];
	const char *p;
	size_t n;
	int read_total = 0, logged = 0;

	signal(SIGXFSZ, SIG_IGN);
	set_template(fx, "e.pcap");
	fx->cfg.rot.max_packets = 1000;
	fx->iface.snaplen = 200;
	fx->cfg.wopts.buffer_size = 1;
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 2000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (uint32_t i = 0; i < 60; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);

		output_write(o, &f, T0);
		if (i == 40)
			output_tick(o, T0 + 2 * S);    /* a retry: still no room */
	}
	output_get_stats(o, &st);
	assert_true(st.blocked);
	assert_true(st.drops > 0);
	/* the rotation gives up on the full file and starts another, which takes writes again */
	output_rotate(o, T0 + 3 * S);
	for (uint32_t i = 60; i < 70; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);

		assert_int_equal(output_write(o, &f, T0 + 3 * S), 0);
	}
	output_get_stats(o, &st);
	assert_false(st.blocked);
	assert_int_equal(output_close(o, T0 + 4 * S, &st), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);

	n = list_dir(fx, names, 16);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		int k = read_seqs(fx, names[i], seqs + read_total, 256 - (size_t)read_total);

		assert_true(k > 0);
		assert_true(file_size(fx, names[i]) <= 2000);
		read_total += k;
	}
	/* every frame is either in a file, in order and once, or counted as dropped */
	for (int i = 1; i < read_total; i++)
		assert_true(seqs[i] > seqs[i - 1]);
	assert_int_equal(seqs[read_total - 1], 69);
	assert_int_equal(read_total + (int)st.drops, 70);
	assert_true(st.drops > 0);
	/* one line when writing stops, one when the full file is given up; none per packet */
	for (p = fx->log; (p = strstr(p, "write failed")) != NULL; p++)
		logged++;
	if (logged != 2)
		fail_msg("log:\n%s", fx->log);
	assert_non_null(strstr(fx->log, "not writing"));
	assert_non_null(strstr(fx->log, "frames lost at close"));
	assert_non_null(strstr(fx->log, "e-000001.pcap.part"));
}

/* -w -: one stream on standard output, nothing created in any directory. */
static void test_stdout(void **state)
{
	struct fixture *fx = *state;
	char err[256], names[4][256];
	uint32_t seqs[8];
	struct output *o;
	int saved = dup(1), fd;

	snprintf(fx->path, sizeof fx->path, "-");
	snprintf(err, sizeof err, "%s/stream", fx->dir);
	fd = open(err, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	for (uint32_t i = 0; i < 3; i++) {
		struct frame f = mkframe(fx, i, 60, T0 + i);
		assert_int_equal(output_write(o, &f, T0), 0);
	}
	output_rotate(o, T0);
	assert_int_equal(output_close(o, T0, NULL), 0);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(list_dir(fx, names, 4), 1);
	assert_int_equal(read_seqs(fx, "stream", seqs, 8), 3);
	assert_int_equal(seqs[2], 2);
}

/*
 * The finishing thread: more files than it queues at once, each published
 * under its name (a taken name gets "-1" before the extension), reaped in
 * the order handed over, none left as .part.
 */
static void test_sync_order(void **state)
{
	struct fixture *fx = *state;
	struct out_sync_job j, got;
	char names[64][256];
	int dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), taken;
	struct out_sync *s = out_sync_open(dirfd, "", NULL, NULL);
	uint32_t n = 0;

	assert_true(dirfd >= 0);
	assert_non_null(s);
	taken = openat(dirfd, "f-07.pcap", O_CREAT | O_WRONLY, 0644);
	assert_true(taken >= 0);
	close(taken);
	for (uint32_t i = 0; i < 40; i++) {
		memset(&j, 0, sizeof j);
		snprintf(j.name, sizeof j.name, "f-%02u.pcap", i);
		snprintf(j.part, sizeof j.part, "f-%02u.pcap.part", i);
		j.ext_len = 5;
		j.packets = i;
		j.fd = openat(dirfd, j.part, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(j.fd >= 0);
		assert_int_equal(write(j.fd, "x", 1), 1);
		assert_false(out_sync_submit(s, &j, dirfd, "", NULL, NULL, &got));
		/* reap as we go, like the tick */
		while (out_sync_reap(s, &got))
			assert_int_equal(got.packets, n++);
	}
	out_sync_wait(s);
	while (out_sync_reap(s, &got)) {
		assert_int_equal(got.packets, n);
		assert_int_equal(got.published, 0);
		assert_int_equal(got.size, 1);
		if (n == 7)
			assert_string_equal(got.name, "f-07-1.pcap");
		n++;
	}
	assert_int_equal(n, 40);
	out_sync_close(s);
	close(dirfd);
	/* 40 published + the file that was in the way, no .part */
	assert_int_equal(list_dir(fx, names, 64), 41);
	for (int i = 0; i < 41; i++)
		assert_null(strstr(names[i], ".part"));
}

/* Parse argv with the record command's output flags; returns -1 on the first bad value (err set). */
static int cli_run(struct output_cli *c, char **argv, int argc, char *err, size_t errlen)
{
	struct option opts[OUTPUT_CLI_NOPTS + 1];
	int code, r;

	memcpy(opts, output_cli_options, sizeof output_cli_options);
	memset(&opts[OUTPUT_CLI_NOPTS], 0, sizeof opts[0]);
	output_cli_init(c);
	optind = 1;
	opterr = 0;
	while ((code = getopt_long(argc, argv, OUTPUT_CLI_SHORTOPTS, opts, NULL)) != -1) {
		r = output_cli_parse(c, code, optarg, err, errlen);
		if (r != 1)
			return -1;
	}
	return output_cli_finish(c, err, errlen);
}

static void test_cli_flags(void **state)
{
	char *good[] = { "record", "-w", "/tmp/x-%Y.pcapng", "-C", "100", "-G", "15m", "--rotate-packets",
			 "1000", "--utc", "--empty-files", "-W", "5", "--max-total", "2G", "--min-free",
			 "512M", "-z", "gzip:9", "--on-rotate", "echo", "--max-hooks", "2", "--print-closed",
			 "-Z", "nobody", "--group", "0", "--mode", "0600", "--pidfile", "/tmp/p.pid",
			 "--flush-interval", "500ms", "--compress-threads", "3", NULL };
	struct bad_row {
		const char *flag, *val, *msg;
	} bad[] = {
		{ "-C", "0", "-C/--rotate-size" }, { "-C", "12Q", "-C/--rotate-size" },
		{ "-G", "1y", "-G/--rotate-time" }, { "--rotate-packets", "0", "--rotate-packets" },
		{ "-W", "x", "-W/--keep" }, { "-z", "bzip2", "-z/--compress" },
		{ "-z", "gzip:0", "-z/--compress" }, { "--mode", "0400", "--mode" },
		{ "--mode", "999", "--mode" }, { "--group", "no-such-group-pcaprec", "--group" },
		{ "--max-hooks", "0", "--max-hooks" }, { "--min-free", "-1", "--min-free" },
		{ "--compress-threads", "0", "--compress-threads" },
		{ "--compress-threads", "65", "--compress-threads" },
		{ "--compress-threads", "2x", "--compress-threads" },
		{ "-z", "zstd:0", "-z/--compress" }, { "-z", "zstd:20", "-z/--compress" },
		{ "-z", "zstd:", "-z/--compress" }, { "-z", "gzip:10", "-z/--compress" },
	};
	struct output_cli c;
	char err[256];
	(void)state;

	assert_int_equal(cli_run(&c, good, (int)(sizeof good / sizeof good[0]) - 1, err, sizeof err), 0);
	assert_int_equal(c.cfg.rot.max_bytes, 100000000);
	assert_int_equal(c.cfg.rot.interval_ns, 900 * S);
	assert_int_equal(c.cfg.rot.max_packets, 1000);
	assert_true(c.cfg.rot.utc && c.cfg.rot.align && c.cfg.empty_files);
	assert_int_equal(c.cfg.keep, 5);
	assert_int_equal(c.cfg.max_total, 2ull << 30);
	assert_int_equal(c.cfg.min_free, 512ull << 20);
	assert_int_equal(c.cfg.gzip_level, 9);
	assert_string_equal(c.cfg.on_rotate, "echo");
	assert_int_equal(c.cfg.max_hooks, 2);
	assert_ptr_equal(c.cfg.print_closed, stdout);
	assert_string_equal(c.user, "nobody");
	assert_int_equal(c.cfg.gid, 0);
	assert_int_equal(c.cfg.mode, 0600);
	assert_string_equal(c.pidfile, "/tmp/p.pid");
	assert_int_equal(c.cfg.flush_interval_ns, 500 * MS);
	assert_int_equal(c.cfg.gzip_threads, 3);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = { "record", "-w", "x.pcap", (char *)bad[i].flag, (char *)bad[i].val, NULL };

		err[0] = '\0';
		if (cli_run(&c, argv, 5, err, sizeof err) != -1 || !strstr(err, bad[i].msg))
			fail_msg("%s %s accepted or unclear: '%s'", bad[i].flag, bad[i].val, err);
	}
	{
		char *no_w[] = { "record", "-C", "1M", NULL };
		char *empty[] = { "record", "-w", "x.pcap", "--empty-files", NULL };
		char *dirfield[] = { "record", "-w", "%Y/x.pcap", NULL };
		char *threads_plain[] = { "record", "-w", "x.pcap", "--compress-threads", "2", NULL };
		char *threads_gz[] = { "record", "-w", "x.pcap.gz", "--compress-threads", "2", NULL };

		assert_int_equal(cli_run(&c, no_w, 3, err, sizeof err), -1);
		assert_non_null(strstr(err, "-w"));
		assert_int_equal(cli_run(&c, empty, 4, err, sizeof err), -1);
		assert_non_null(strstr(err, "--empty-files"));
		assert_int_equal(cli_run(&c, dirfield, 3, err, sizeof err), -1);
		assert_non_null(strstr(err, "directory"));
		assert_int_equal(cli_run(&c, threads_plain, 5, err, sizeof err), -1);
		assert_non_null(strstr(err, "--compress-threads needs -z"));
		assert_int_equal(cli_run(&c, threads_gz, 5, err, sizeof err), 0);
	}
	{
		/* zstd: default level 3, a LEVEL, .zst names, the last -z wins, names must fit */
		struct zrow {
			const char *w, *z1, *z2;
			int rc, gzip, zstd;
		} rows[] = {
			{ "x.pcapng", "zstd", NULL, 0, -1, 3 },
			{ "x.pcapng", "zstd:19", NULL, 0, -1, 19 },
			{ "x.pcapng", "gzip", "zstd:1", 0, -1, 1 },
			{ "x.pcapng", "zstd:7", "gzip:2", 0, 2, 0 },
			{ "x.pcapng.zst", "zstd:5", NULL, 0, -1, 5 },
			{ "x.pcapng.zst", "gzip", NULL, -1, 6, 0 },
			{ "x.pcapng.gz", "zstd", NULL, -1, -1, 3 },
		};

		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
			char *argv[] = { "record", "-w", (char *)rows[i].w, "-z", (char *)rows[i].z1,
					 "-z", (char *)rows[i].z2, NULL };

			assert_int_equal(cli_run(&c, argv, rows[i].z2 ? 7 : 5, err, sizeof err), rows[i].rc);
			assert_int_equal(c.cfg.gzip_level, rows[i].gzip);
			assert_int_equal(c.cfg.zstd_level, rows[i].zstd);
			if (rows[i].rc)
				assert_non_null(strstr(err, "does not fit the file name"));
		}
	}
	{
		char *threads_zst[] = { "record", "-w", "x.pcap.zst", "--compress-threads", "2", NULL };

		assert_int_equal(cli_run(&c, threads_zst, 5, err, sizeof err), 0);
	}
}

/* One gzip member (RFC 1952) of `n` bytes appended to `out` at *len. */
static void gz_member(uint8_t *out, size_t *len, size_t cap, const uint8_t *p, size_t n)
{
	z_stream z;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out + *len;
	z.avail_out = (uInt)(cap - *len);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len = cap - z.avail_out;
	deflateEnd(&z);
}

static void put_file(struct fixture *fx, const char *name, const uint8_t *b, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fx->dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/*
 * Compressed leftovers at publish: one of whole members and a cut-off one
 * is cut after its last whole member (so it is valid gzip holding whole
 * records); one whose only member is cut off (as an older recorder's single
 * stream) is published as it is, not emptied.
 */
static void test_leftover_compressed(void **state)
{
	struct fixture *fx = *state;
	uint8_t raw[24 + 3 * 76], gz[4096];
	size_t n1 = 0, n2, n3;
	char err[256];
	struct output *o;

	memset(raw, 0, sizeof raw);
	st_le32(raw, 0xa1b2c3d4);
	raw[4] = 2;
	raw[6] = 4;
	st_le32(raw + 16, 262144);
	st_le32(raw + 20, 1);
	for (uint32_t i = 0; i < 3; i++) {
		uint8_t *r = raw + 24 + i * 76;

		st_le32(r, 1700000000 + i);
		st_le32(r + 8, 60);
		st_le32(r + 12, 60);
		r[16 + 42] = (uint8_t)(40 + i);
	}
	gz_member(gz, &n1, sizeof gz, raw, 24 + 76);
	n2 = n1;
	gz_member(gz, &n2, sizeof gz, raw + 24 + 76, 76);
	n3 = n2;
	gz_member(gz, &n3, sizeof gz, raw + 24 + 152, 76);
	put_file(fx, "g-000001.pcap.gz.part", gz, n2 + (n3 - n2) / 2);
	put_file(fx, "g-000002.pcap.gz.part", gz, n1 / 2);
	set_template(fx, "g.pcap.gz");
	fx->cfg.rot.max_packets = 1;
	fx->log[0] = '\0';
	o = output_open(&fx->cfg, T0, err, sizeof err);
	assert_non_null(o);
	assert_int_equal(output_close(o, T0, NULL), 0);
	assert_true(exists(fx, "g-000001.pcap.gz"));
	assert_int_equal(file_size(fx, "g-000001.pcap.gz"), n2);
	assert_non_null(strstr(fx->log, "after its last whole gzip member (2 members, 176 bytes uncompressed)"));
	{
		uint8_t back[sizeof raw + 16];

		assert_int_equal(gunzip_file(fx, "g-000001.pcap.gz", back, sizeof back), 24 + 2 * 76);
		assert_memory_equal(back, raw, 24 + 2 * 76);
	}
	assert_true(exists(fx, "g-000002.pcap.gz"));
	assert_int_equal(file_size(fx, "g-000002.pcap.gz"), n1 / 2);
	assert_non_null(strstr(fx->log, "g-000002.pcap.gz.part: no whole gzip member; left as it is"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_part_then_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_and_max_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_exact_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_rotation_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_rotation_lazy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcapng_gzip_isb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test(test_cli_flags),
		cmocka_unit_test_setup_teardown(test_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
