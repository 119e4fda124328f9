/* SPDX-License-Identifier: BSD-2-Clause */
/* pcaprec index: build the sidecar index (FILE.pidx) of captures, files or directories, several files at a time. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcaprec/cli.h"
#include "pcaprec/index.h"
#include "pcaprec/util.h"

#define INDEX_MAX_THREADS 64u
#define INDEX_MAX_FILES 1000000u

static const char index_usage[] =
	"usage: pcaprec index [OPTIONS] PATH...\n"
	"\n"
	"Build the index of each capture: a sidecar file PATH.pidx beside it,\n"
	"which extract, flows, read and summary use to skip what cannot match.\n"
	"A PATH is a capture (pcap, pcap-ns or pcapng, plain, gzip or zstd) or a\n"
	"directory, whose files are looked at one level deep: captures are\n"
	"recognised by their content, not their name; .pidx files and a\n"
	"recorder's .part files are skipped. An index that is up to date (the\n"
	"capture's size, mtime and first and last 64 KiB as indexed) is left\n"
	"alone; a stale or damaged one is rebuilt. Prints one line per file:\n"
	"  FILE: indexed (N packets, C chunks, B bytes of index)\n"
	"  FILE: up to date\n"
	"A capture that ends in damage is indexed up to the damage and reported.\n"
	"\n"
	"options:\n"
	"  -f, --force        rebuild indexes that are up to date too\n"
	"  -j, --threads N    files indexed at once (default: online CPUs, max 64)\n"
	"      --chunk-size SIZE  raw bytes per chunk of plain files (default 1M,\n"
	"                     4K to 64M): smaller skips more, costs more index\n"
	"  -q, --quiet        print only files that failed\n"
	"  -n, -nn            accepted for tcpdump habits\n"
	"  -h, --help         this text\n"
	"\n"
	"Progress goes to stderr when it is a terminal.\n"
	"\n"
	"exit status: 0 every capture indexed or up to date; 3 some file is not a\n"
	"capture or is damaged (indexed up to the damage); 1 some file could not be\n"
	"opened or its index not written (and none damaged); 2 usage.\n";

enum job_result { JOB_PENDING, JOB_INDEXED, JOB_UPTODATE, JOB_DAMAGED, JOB_NOTCAP, JOB_FAILED, JOB_SKIP };

struct job {
	char *path;
	bool from_dir;            /* found in a directory: a non-capture is skipped silently */
	enum job_result res;
	char msg[900];
};

struct index_run {
	struct job *jobs;
	size_t njobs, cap;
	bool force, quiet, progress;
	struct pidx_build_opts bopts;
	atomic_size_t next;
	pthread_mutex_t mu;
	size_t done, printed;
	bool damaged, failed;
};

static int add_job(struct index_run *run, const char *path, bool from_dir)
{
	if (run->njobs >= INDEX_MAX_FILES) {
		fprintf(stderr, "pcaprec index: more than %u files\n", INDEX_MAX_FILES);
		return -1;
	}
	if (run->njobs == run->cap) {
		size_t ncap = run->cap ? run->cap * 2 : 64;
		struct job *n = realloc(run->jobs, ncap * sizeof *n);

		if (!n)
			return -1;
		run->jobs = n;
		run->cap = ncap;
	}
	memset(&run->jobs[run->njobs], 0, sizeof run->jobs[0]);
	run->jobs[run->njobs].path = strdup(path);
	if (!run->jobs[run->njobs].path)
		return -1;
	run->jobs[run->njobs++].from_dir = from_dir;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a directory, sorted by name, sidecars and .part files left out. */
static int add_dir(struct index_run *run, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "pcaprec index: %s: %s\n", dir, strerror(errno));
		run->failed = true;
		return 0;
	}
	while ((e = readdir(d)) != NULL && rc == 0) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.' || pidx_is_sidecar_name(e->d_name) || ends_with(e->d_name, ".part"))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);

			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = strdup(path);
		if (!names[n])
			rc = -1;
		else
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = add_job(run, names[i], true);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Does the file start like a capture (pcap magic, pcapng SHB), a gzip or a zstd stream? */
static bool looks_like_capture(const char *path)
{
	uint8_t m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t r;

	if (fd < 0)
		return true;   /* let the reader report why */
	r = read(fd, m, sizeof m);
	close(fd);
	if (r < 4)
		return r >= 2 && m[0] == 0x1f && m[1] == 0x8b;
	return (m[0] == 0x1f && m[1] == 0x8b) || ld_le32(m) == 0xfd2fb528u || ld_le32(m) == 0x0a0d0d0au ||
	       ld_le32(m) == 0xa1b2c3d4u || ld_be32(m) == 0xa1b2c3d4u ||
	       ld_le32(m) == 0xa1b23c4du || ld_be32(m) == 0xa1b23c4du ||
	       ld_le32(m) == 0xa1b2cd34u || ld_be32(m) == 0xa1b2cd34u;
}

static void index_one(struct index_run *run, struct job *j)
{
	struct pidx *ix = NULL;
	char why[600];
	enum pidx_status st;
	bool damaged = false;
	int brc;

	if (j->from_dir && !looks_like_capture(j->path)) {
		j->res = JOB_SKIP;
		return;
	}
	st = pidx_load(j->path, &ix, why, sizeof why);
	if (st == PIDX_OK && pidx_flows_load(ix, why, sizeof why) != PIDX_OK)
		st = PIDX_BAD;   /* a damaged flow table is rebuilt too */
	if (st == PIDX_OK && !run->force) {
		pidx_free(ix);
		j->res = JOB_UPTODATE;
		return;
	}
	pidx_free(ix);
	brc = pidx_build_file(j->path, &run->bopts, &damaged, j->msg, sizeof j->msg);
	if (brc < 0) {
		int os = cli_open_status(j->path);

		j->res = os == EXIT_ERROR || brc == -2 ? JOB_FAILED : JOB_NOTCAP;
		if (j->from_dir && j->res == JOB_NOTCAP && strstr(j->msg, "not a capture file"))
			j->res = JOB_SKIP;
		return;
	}
	j->res = damaged ? JOB_DAMAGED : JOB_INDEXED;
	if (!damaged) {
		st = pidx_load(j->path, &ix, why, sizeof why);
		if (st == PIDX_OK) {
			struct pidx_info info;
			char side[4200];
			struct stat sst;

			pidx_get_info(ix, &info);
			pidx_path(j->path, side, sizeof side);
			snprintf(j->msg, sizeof j->msg, "indexed (%llu packets, %zu chunks, %llu bytes of index)",
				 (unsigned long long)info.packets, pidx_nchunks(ix),
				 stat(side, &sst) == 0 ? (unsigned long long)sst.st_size : 0ull);
			pidx_free(ix);
		} else {
			j->res = JOB_FAILED;
			snprintf(j->msg, sizeof j->msg, "index written but does not load back: %s", why);
		}
	}
}

/* Strip a leading "PATH: " the library put in front of its message. */
static const char *without_path(const char *msg, const char *path)
{
	size_t n = strlen(path);

	return strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

/* Print finished jobs in input order (called with run->mu held). */
static void print_ready(struct index_run *run)
{
	while (run->printed < run->njobs && run->jobs[run->printed].res != JOB_PENDING) {
		struct job *j = &run->jobs[run->printed++];

		if (run->progress)
			fputs("\r\033[K", stderr);
		switch (j->res) {
		case JOB_INDEXED:
			if (!run->quiet)
				printf("%s: %s\n", j->path, j->msg);
			break;
		case JOB_UPTODATE:
			if (!run->quiet)
				printf("%s: up to date\n", j->path);
			break;
		case JOB_DAMAGED:
			run->damaged = true;
			printf("%s: indexed up to damage: %s\n", j->path, without_path(j->msg, j->path));
			break;
		case JOB_NOTCAP:
			run->damaged = true;
			fprintf(stderr, "pcaprec index: %s: %s\n", j->path, without_path(j->msg, j->path));
			break;
		case JOB_FAILED:
			run->failed = true;
			fprintf(stderr, "pcaprec index: %s: %s\n", j->path, without_path(j->msg, j->path));
			break;
		default:
			break;
		}
	}
	if (run->progress && run->printed < run->njobs)
		fprintf(stderr, "\r\033[Kindexing: %zu of %zu files done", run->done, run->njobs);
	fflush(stdout);
}

static void *worker(void *arg)
{
	struct index_run *run = arg;
	size_t i;

	while ((i = atomic_fetch_add(&run->next, 1)) < run->njobs) {
		struct job tmp = run->jobs[i];

		tmp.res = JOB_PENDING;
		index_one(run, &tmp);
		pthread_mutex_lock(&run->mu);
		run->jobs[i] = tmp;
		run->done++;
		print_ready(run);
		pthread_mutex_unlock(&run->mu);
	}
	return NULL;
}

static int parse_args(int argc, char **argv, struct index_run *run, unsigned *threads)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "chunk-size", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = cli_getopt("index", argc, argv, ":fj:qhn", longopts)) != -1) {
		switch (c) {
		case 'n': break; /* tcpdump habit */
		case 'f': run->force = true; break;
		case 'q': run->quiet = true; break;
		case 'C':
			if (!parse_size(optarg, 1, false, &v) || v < 4096 || v > (64u << 20)) {
				fprintf(stderr, "pcaprec index: --chunk-size: expected a size from 4K to 64M, found '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			run->bopts.chunk_bytes = v;
			break;
		case 'j':
			if (!parse_uint(optarg, 1, INDEX_MAX_THREADS, &v)) {
				fprintf(stderr, "pcaprec index: --threads: expected 1 to %u, found '%s'\n",
					INDEX_MAX_THREADS, optarg);
				return EXIT_USAGE;
			}
			*threads = (unsigned)v;
			break;
		case 'h': fputs(index_usage, stdout); return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pcaprec index: expected at least one PATH\n");
		fputs(index_usage, stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static int collect(struct index_run *run, int argc, char **argv)
{
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (add_dir(run, argv[i]) < 0)
				return -1;
		} else if (add_job(run, argv[i], false) < 0) {
			return -1;
		}
	}
	return 0;
}

int cmd_index(int argc, char **argv)
{
	struct index_run run = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 1 ? 1u : ncpu > (long)INDEX_MAX_THREADS ? INDEX_MAX_THREADS : (unsigned)ncpu;
	pthread_t tids[INDEX_MAX_THREADS];
	unsigned started = 0;
	int rc = parse_args(argc, argv, &run, &threads);

	if (rc >= 0)
		return rc;
	if (collect(&run, argc, argv) < 0) {
		fprintf(stderr, "pcaprec index: out of memory listing the files\n");
		rc = EXIT_ERROR;
		goto out;
	}
	run.progress = isatty(STDERR_FILENO) == 1;
	pthread_mutex_init(&run.mu, NULL);
	if (threads > run.njobs)
		threads = run.njobs ? (unsigned)run.njobs : 1u;
	for (unsigned t = 1; t < threads; t++)
		if (thread_start_quiet(&tids[started], worker, &run) == 0)
			started++;
	worker(&run);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&run.mu);
	if (run.progress)
		fputs("\r\033[K", stderr);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "pcaprec index: writing output: %s\n", strerror(errno));
		run.failed = true;
	}
	rc = run.damaged ? EXIT_DAMAGED : run.failed ? EXIT_ERROR : EXIT_OK;
out:
	for (size_t i = 0; i < run.njobs; i++)
		free(run.jobs[i].path);
	free(run.jobs);
	return rc;
}
