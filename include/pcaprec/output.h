/* SPDX-License-Identifier: BSD-2-Clause */
/* Output file lifecycle: NAME.part -> fsync -> rename -> hook, ring and disk budget, hooks. */
#ifndef PCAPREC_OUTPUT_H
#define PCAPREC_OUTPUT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "pcaprec/frame.h"
#include "pcaprec/rotate.h"
#include "pcaprec/writer.h"

/*
 * Fills cum[0..n) with the record loop's counters per interface, cumulative
 * since the recorder started (start_ns/end_ns are ignored). The output
 * subtracts the values it saw when the previous file ended, so each file's
 * Interface Statistics Blocks cover the time since the previous file ended
 * and the blocks of all files add up to the run's totals.
 */
typedef void output_stats_fn(void *ctx, struct iface_stats *cum, size_t n);

/* Receives one log line (no trailing newline). NULL in the config: stderr. */
typedef void output_log_fn(void *ctx, const char *msg);

struct output_config {
	const char *path;          /* -w: [DIR/]TEMPLATE, fields only in the basename */
	struct rot_config rot;
	bool empty_files;          /* --empty-files: a file for every -G period */
	unsigned keep;             /* -W: finished files kept; 0 = all */
	uint64_t max_total;        /* --max-total: bytes of finished files; 0 = no limit */
	uint64_t min_free;         /* --min-free: bytes left free on the filesystem; 0 = off */
	int gzip_level;            /* -z: -1 plain, 1..9 gzip (".gz" appended to names) */
	int zstd_level;            /* -z zstd: 0 none, 1..19 zstd (".zst" appended); gzip_level -1 */
	unsigned gzip_threads;     /* --compress-threads: 0 = one per CPU (at most 8) */
	mode_t mode;               /* --mode; 0 means 0640 */
	gid_t gid;                 /* --group; (gid_t)-1 leaves it */
	bool owner_given;          /* owner below is set (-Z); otherwise the effective uid */
	uid_t owner;               /* only files of this uid are ours: budget, %n, leftovers */
	const char *on_rotate;     /* --on-rotate: shell command, path appended; NULL = none */
	unsigned max_hooks;        /* hooks running at once; 0 means 4 */
	uint64_t hook_wait_ns;     /* how long output_close waits for hooks; 0 means 10 s */
	FILE *print_closed;        /* --print-closed: "PATH PACKETS BYTES" lines; NULL = off */
	FILE *progress;            /* a terminal: a live one-line counter there; NULL = off */
	uint64_t flush_interval_ns;/* writer_flush period from output_tick; 0 means 1 s */
	const char *ifnames;       /* %i: interface names joined by '+' */
	struct writer_opts wopts;  /* format, meta, interfaces; gzip_level is taken from above */
	bool no_index;             /* --no-index: no FILE.pidx beside each published file */
	output_stats_fn *stats;    /* NULL: ISBs carry only pcaprec's own drops */
	void *stats_ctx;
	output_log_fn *log;
	void *log_ctx;
};

/* What SIGUSR1 prints. */
struct output_stats {
	uint64_t packets;          /* written in this run */
	uint64_t bytes;            /* uncompressed bytes written in this run, headers included */
	uint64_t drops;            /* frames that could not be written (disk full, I/O error) */
	uint64_t files;            /* files published */
	uint64_t cur_packets;
	uint64_t cur_bytes;
	char current[4096];        /* path of the file in progress (without .part), "" if none */
	unsigned hooks_running;
	uint64_t hooks_skipped;
	bool blocked;              /* not writing: disk full, I/O error or below --min-free */
};

struct output;

/*
 * Validate the config, open the directory, rebuild the ring from finished
 * files already there that match the template, publish leftover .part files
 * of the same template (ones still locked by a running recorder are left
 * alone), and create the first file. `now_ns` is CLOCK_REALTIME. Returns
 * NULL with a message in err on any problem (bad template, directory,
 * first file).
 */
struct output *output_open(const struct output_config *cfg, uint64_t now_ns,
			   char *err, size_t errlen);

/*
 * Append one frame, rotating first if the policy says so (the size check is
 * made before the append so no file exceeds -C). Returns 0 when written,
 * -1 when dropped: the drop is counted (per interface, in the next ISB's
 * isb_osdrop), the error logged once, and the output retries on its own.
 */
int output_write(struct output *o, const struct frame *f, uint64_t now_ns);

/*
 * output_write() that may leave f->data where it is (writer_write_ref):
 * the caller keeps it valid and unchanged until output_commit() returns.
 */
int output_write_ref(struct output *o, const struct frame *f, uint64_t now_ns);

/*
 * Write what output_write_ref() referred to (writer_commit). Afterwards no
 * caller bytes are referenced. A failed write blocks the output like a
 * failed flush: the frames are held for retry, not dropped.
 */
void output_commit(struct output *o, uint64_t now_ns);

/*
 * Timer work; call at least every ~100 ms, traffic or not: time rotation,
 * --empty-files, periodic writer_flush, --min-free, retry after an error,
 * reaping and starting hooks.
 */
void output_tick(struct output *o, uint64_t now_ns);

/*
 * Files are published in the background: a closed file is fsynced and
 * renamed by a finishing thread, and output_tick() announces it (hooks,
 * --print-closed, -W/--max-total). Wait until every file closed so far is
 * published and announced; output_close() does this itself.
 */
void output_settle(struct output *o);

/* Publish the file in progress now (SIGHUP, pcaprec rotate). */
void output_rotate(struct output *o, uint64_t now_ns);

/*
 * Publish the last file, wait (bounded) for running hooks, free everything.
 * The run's final counters go to `final` when not NULL. Returns 0, or -1 if
 * the last file could not be published (frames lost at close are counted
 * as drops; the file still ends on a whole record, compressed ones on a
 * whole member). NULL is a no-op returning 0.
 */
int output_close(struct output *o, uint64_t now_ns, struct output_stats *final);

void output_get_stats(const struct output *o, struct output_stats *st);

/* The message of the last error that stopped writing ("" if none); valid until the next call. */
const char *output_last_error(const struct output *o);

/*
 * True when a stream (-w -, a FIFO) can never be written again: the reader of the pipe or
 * socket is gone (EPIPE, ECONNRESET). A full disk may clear up; this does
 * not, so the recorder stops instead of counting drops for ever.
 */
bool output_stream_gone(const struct output *o);

/*
 * True when -w `path` is written as one stream, not as files: "-"
 * (standard output), an existing character device (/dev/null) or FIFO.
 */
bool output_path_is_stream(const char *path);

/* "standard output" or the device's or FIFO's path when writing a stream, else NULL. */
const char *output_stream_name(const struct output *o);

/* Print output_get_stats as one line to `fp` (SIGUSR1). */
void output_print_stats(const struct output *o, FILE *fp);

/*
 * For -Z: give the file in progress to uid:gid (call while still root),
 * so every file of the run has the same owner.
 */
int output_chown(struct output *o, uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * Check that this process (after a privilege drop) can create, rename and
 * delete files in the output directory. -1 with a message naming the
 * directory when not.
 */
int output_check_dir_access(const struct output *o, char *err, size_t errlen);

/*
 * Format one log line and hand it to `log` (NULL: svc_log to stderr with a
 * "pcaprec: " prefix), at warning priority; out_logp gives the priority
 * (SVC_ERR, SVC_WARNING, SVC_INFO: service.h).
 */
void out_log(output_log_fn *log, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void out_logp(output_log_fn *log, void *ctx, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- the rotation/output flags of `pcaprec record` ---- */

/* What the flags set; cfg lacks wopts, ifnames, stats and log, which the record command fills. */
struct output_cli {
	struct output_config cfg;
	const char *user;          /* -Z */
	const char *pidfile;       /* --pidfile */
};

/* Short options handled by output_cli_parse, for getopt's optstring. */
#define OUTPUT_CLI_SHORTOPTS "w:C:G:W:z:Z:"

/* Number of entries in output_cli_options (without a terminator). */
#define OUTPUT_CLI_NOPTS 21

/*
 * getopt_long entries for the long flags; long-only ones use codes from
 * 0x300 up. Copy them into the command's table.
 */
extern const struct option output_cli_options[OUTPUT_CLI_NOPTS];

/* Defaults: no rotation, aligned local time, plain, mode 0640, stdout for --print-closed. */
void output_cli_init(struct output_cli *c);

/*
 * Apply one option (getopt's return value and optarg). Returns 1 when it
 * was ours, 0 when not, -1 with err naming the flag on a bad value.
 */
int output_cli_parse(struct output_cli *c, int code, const char *arg, char *err, size_t errlen);

/* Cross-flag checks once all flags are read (-w given, --utc without -G...). */
int output_cli_finish(struct output_cli *c, char *err, size_t errlen);

/* The --help text for these flags. */
void output_cli_help(FILE *fp);

/* ---- hook runner (--on-rotate), used by output; exposed for tests ---- */

struct hook_runner;

/* One finished file's facts, exported to the hook as PCAPREC_* variables. */
struct hook_file {
	const char *path;
	uint64_t packets;
	uint64_t bytes;            /* size on disk (compressed when gzip) */
	uint64_t first_ts_ns;      /* 0 when the file has no packets */
	uint64_t last_ts_ns;
	uint64_t drops;            /* 0 for a leftover: its run's counts died with it */
	bool leftover;             /* a .part of an earlier run, published at start */
};

/* `cmd` is run as /bin/sh -c 'CMD "$1"' with the path as $1. */
struct hook_runner *hook_open(const char *cmd, unsigned max_running,
			      output_log_fn *log, void *log_ctx);

/*
 * Start the hook for `hf` now, or queue it when max_running are running
 * (a bounded queue; beyond it the run is skipped and logged). Never waits.
 */
void hook_run(struct hook_runner *h, const struct hook_file *hf);

/* Reap finished hooks (logging a failure status), start queued ones. */
void hook_reap(struct hook_runner *h);

/* Running hooks; queued ones; skipped so far. */
unsigned hook_running(const struct hook_runner *h);
unsigned hook_queued(const struct hook_runner *h);
uint64_t hook_skipped(const struct hook_runner *h);

/*
 * Announce one published file: a "PATH PACKETS BYTES" line to `print_closed`
 * (when not NULL, flushed) and the hook (when `h` is not NULL).
 */
void out_announce(FILE *print_closed, struct hook_runner *h, const struct hook_file *hf);

/*
 * Wait up to `wait_ns` for queued and running hooks, then free. Hooks still
 * running are left to finish on their own (logged). NULL is a no-op.
 */
void hook_close(struct hook_runner *h, uint64_t wait_ns);

/* ---- directory operations behind output; exposed for tests ---- */

/* Finished files of one template, oldest first. */
struct out_ring_entry {
	char *name;                /* basename, owned */
	uint64_t size;
	int64_t mtime_ns;
};

struct out_ring {
	struct out_ring_entry *v;
	size_t n, cap;
	uint64_t total;            /* sum of sizes */
	bool owned;                /* set by out_ring_scan: delete only files of `owner` */
	uid_t owner;
};

/* Append a newest entry (copies name). -1 on allocation failure. */
int out_ring_push(struct out_ring *r, const char *name, uint64_t size, int64_t mtime_ns);

void out_ring_free(struct out_ring *r);

/*
 * Rebuild the ring from directory `dirfd`: regular files owned by `owner`
 * whose names `m` matches, sorted by mtime then name. Files of another
 * owner (or not regular) are never in the ring: they count toward no
 * budget, set no sequence number and are never deleted (one log line says
 * how many). Leftover "NAME.part" files whose NAME matches are published
 * (renamed to NAME unless NAME exists, which is reported) and join the
 * ring, except those locked by a running recorder and those of another
 * owner or not regular (reported in one line each, left alone). When
 * `published` is not NULL, each leftover published is also pushed there
 * (its final name, size, mtime). Returns 0, or -1 with err when the
 * directory cannot be read.
 */
int out_ring_scan(struct out_ring *r, int dirfd, struct rot_matcher *m, uid_t owner,
		  struct out_ring *published, output_log_fn *log, void *log_ctx,
		  char *err, size_t errlen);

/*
 * Read the finished file `path` (pcap, pcapng, gzip of either) with our
 * reader and set hf->packets, first_ts_ns and last_ts_ns from its records
 * (those of the first and the last record). Returns 0 at a clean end, -1 with
 * the reader's message in err when the file cannot be opened or is damaged;
 * the counts then cover the good records before the damage.
 */
int out_file_count(const char *path, struct hook_file *hf, char *err, size_t errlen);

/*
 * Delete oldest files until at most `keep` remain (0 = no count limit) and
 * their total is at most `max_total` (0 = no limit), never the newest one.
 * In a scanned ring (`owned`) a file is deleted only if it is still a
 * regular file of the owner; otherwise it just leaves the ring (logged).
 * `dirpath` is used in log lines only. Returns files deleted.
 */
unsigned out_ring_enforce(struct out_ring *r, int dirfd, const char *dirpath, unsigned keep,
			  uint64_t max_total, output_log_fn *log, void *log_ctx);

/* Delete the oldest file (--min-free). False when the ring is empty. */
bool out_ring_drop_oldest(struct out_ring *r, int dirfd, const char *dirpath,
			  output_log_fn *log, void *log_ctx);

/*
 * Rename `from` to `to` inside dirfd without ever replacing an existing
 * `to` (renameat2 RENAME_NOREPLACE, or link+unlink where that is not
 * supported). Returns 0 or -1 with errno (EEXIST when `to` exists).
 */
int out_rename_noreplace(int dirfd, const char *from, const char *to);

#endif
