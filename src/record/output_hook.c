/* SPDX-License-Identifier: BSD-2-Clause */
/* --on-rotate hooks: bounded, asynchronous posix_spawn runs with PCAPREC_* variables, reaped from the tick. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcaprec/output.h"
#include "pcaprec/service.h"
#include "pcaprec/util.h"

extern char **environ;

/* Finished files waiting for a free slot; beyond this they are skipped. */
#define HOOK_QUEUE 64
#define HOOK_NVARS 7

struct hook_job {
	char *path;
	char *vars[HOOK_NVARS];    /* "PCAPREC_FILE=..." etc., owned */
};

struct hook_runner {
	char *cmd;                 /* CMD "$1" */
	unsigned max;
	pid_t *pids;               /* running, max entries, 0 = free */
	char **paths;              /* path of each running hook, for logs */
	struct hook_job queue[HOOK_QUEUE];
	unsigned qhead, qlen;
	uint64_t skipped;
	output_log_fn *log;
	void *log_ctx;
};

static void out_vlog(output_log_fn *log, void *ctx, int prio, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log)
		log(ctx, msg);
	else
		svc_log(prio, "pcaprec: %s", msg);
}

void out_log(output_log_fn *log, void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vlog(log, ctx, SVC_WARNING, fmt, ap);
	va_end(ap);
}

void out_logp(output_log_fn *log, void *ctx, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vlog(log, ctx, prio, fmt, ap);
	va_end(ap);
}

struct hook_runner *hook_open(const char *cmd, unsigned max_running,
			      output_log_fn *log, void *log_ctx)
{
	struct hook_runner *h = calloc(1, sizeof *h);
	size_t n = strlen(cmd) + 8;

	if (!h)
		return NULL;
	h->max = max_running ? max_running : 4;
	h->cmd = malloc(n);
	h->pids = calloc(h->max, sizeof *h->pids);
	h->paths = calloc(h->max, sizeof *h->paths);
	h->log = log;
	h->log_ctx = log_ctx;
	if (!h->cmd || !h->pids || !h->paths) {
		hook_close(h, 0);
		return NULL;
	}
	snprintf(h->cmd, n, "%s \"$1\"", cmd);
	return h;
}

static void job_free(struct hook_job *j)
{
	free(j->path);
	for (size_t i = 0; i < HOOK_NVARS; i++)
		free(j->vars[i]);
	memset(j, 0, sizeof *j);
}

static char *var_u64(const char *name, uint64_t v)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%" PRIu64, name, v) < 0)
		return NULL;
	return s;
}

/* Timestamps as seconds.nanoseconds, the form tshark's -t e prints. */
static char *var_ts(const char *name, uint64_t ns)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%" PRIu64 ".%09" PRIu64, name, ns / 1000000000u, ns % 1000000000u) < 0)
		return NULL;
	return s;
}

static bool job_make(struct hook_job *j, const struct hook_file *hf)
{
	memset(j, 0, sizeof *j);
	j->path = strdup(hf->path);
	if (asprintf(&j->vars[0], "PCAPREC_FILE=%s", hf->path) < 0)
		j->vars[0] = NULL;
	j->vars[1] = var_u64("PCAPREC_PACKETS", hf->packets);
	j->vars[2] = var_u64("PCAPREC_BYTES", hf->bytes);
	j->vars[3] = var_ts("PCAPREC_FIRST_TS", hf->first_ts_ns);
	j->vars[4] = var_ts("PCAPREC_LAST_TS", hf->last_ts_ns);
	j->vars[5] = var_u64("PCAPREC_DROPS", hf->drops);
	j->vars[6] = var_u64("PCAPREC_LEFTOVER", hf->leftover);
	for (size_t i = 0; i < HOOK_NVARS; i++)
		if (!j->vars[i])
			goto err;
	if (!j->path)
		goto err;
	return true;
err:
	job_free(j);
	return false;
}

/* environ without any PCAPREC_* of ours, plus the job's variables. Caller frees the array only. */
static char **job_env(const struct hook_job *j)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + HOOK_NVARS + 1, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "PCAPREC_", 8) != 0)
			env[k++] = environ[i];
	for (size_t i = 0; i < HOOK_NVARS; i++)
		env[k++] = j->vars[i];
	return env;
}

/*
 * posix_spawn /bin/sh in its own process group (a terminal's ^C for the
 * recorder must not kill the hook of the last file) with default signal
 * dispositions and an empty mask, whatever the recorder blocks.
 */
static pid_t job_spawn(struct hook_runner *h, const struct hook_job *j)
{
	char *argv[] = { "sh", "-c", h->cmd, "pcaprec-hook", j->path, NULL };
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t none, all;
	char **env = job_env(j);
	pid_t pid = 0;
	int rc;

	if (!env)
		return -1;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	/* stdin from /dev/null: a hook must not eat the recorder's input */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(env);
	if (rc != 0) {
		out_log(h->log, h->log_ctx, "on-rotate hook for %s: cannot start /bin/sh: %s",
			j->path, strerror(rc));
		return -1;
	}
	return pid;
}

static int free_slot(const struct hook_runner *h)
{
	for (unsigned i = 0; i < h->max; i++)
		if (h->pids[i] == 0)
			return (int)i;
	return -1;
}

/* Start `j` in a free slot; the job's strings are consumed either way. */
static void job_start(struct hook_runner *h, struct hook_job *j, int slot)
{
	pid_t pid = job_spawn(h, j);

	if (pid > 0) {
		h->pids[slot] = pid;
		h->paths[slot] = j->path;
		j->path = NULL;
	}
	job_free(j);
}

void hook_run(struct hook_runner *h, const struct hook_file *hf)
{
	struct hook_job j;
	int slot;

	if (!h)
		return;
	hook_reap(h);
	if (!job_make(&j, hf)) {
		out_log(h->log, h->log_ctx, "on-rotate hook for %s: out of memory, skipped", hf->path);
		h->skipped++;
		return;
	}
	slot = free_slot(h);
	if (slot >= 0 && h->qlen == 0) {
		job_start(h, &j, slot);
		return;
	}
	if (h->qlen == HOOK_QUEUE) {
		out_log(h->log, h->log_ctx, "on-rotate hook for %s skipped: %u hooks running and %u queued",
			hf->path, h->max, HOOK_QUEUE);
		h->skipped++;
		job_free(&j);
		return;
	}
	h->queue[(h->qhead + h->qlen) % HOOK_QUEUE] = j;
	h->qlen++;
}

void out_announce(FILE *print_closed, struct hook_runner *h, const struct hook_file *hf)
{
	if (print_closed) {
		fprintf(print_closed, "%s %llu %llu\n", hf->path,
			(unsigned long long)hf->packets, (unsigned long long)hf->bytes);
		fflush(print_closed);
	}
	hook_run(h, hf);
}

static void log_status(struct hook_runner *h, const char *path, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		out_log(h->log, h->log_ctx, "on-rotate hook for %s exited with status %d",
			path, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		out_log(h->log, h->log_ctx, "on-rotate hook for %s killed by signal %d",
			path, WTERMSIG(status));
}

void hook_reap(struct hook_runner *h)
{
	int slot, status;

	if (!h)
		return;
	for (unsigned i = 0; i < h->max; i++) {
		pid_t r;

		if (h->pids[i] == 0)
			continue;
		r = waitpid(h->pids[i], &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		if (r > 0)
			log_status(h, h->paths[i], status);
		h->pids[i] = 0;
		free(h->paths[i]);
		h->paths[i] = NULL;
	}
	while (h->qlen > 0 && (slot = free_slot(h)) >= 0) {
		struct hook_job j = h->queue[h->qhead];

		h->qhead = (h->qhead + 1) % HOOK_QUEUE;
		h->qlen--;
		job_start(h, &j, slot);
	}
}

unsigned hook_running(const struct hook_runner *h)
{
	unsigned n = 0;

	for (unsigned i = 0; h && i < h->max; i++)
		n += h->pids[i] != 0;
	return n;
}

unsigned hook_queued(const struct hook_runner *h)
{
	return h ? h->qlen : 0;
}

uint64_t hook_skipped(const struct hook_runner *h)
{
	return h ? h->skipped : 0;
}

void hook_close(struct hook_runner *h, uint64_t wait_ns)
{
	uint64_t deadline;
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	if (!h)
		return;
	deadline = now_monotonic_ns() + wait_ns;
	if (h->pids) {
		hook_reap(h);
		while ((hook_running(h) || h->qlen) && now_monotonic_ns() < deadline) {
			nanosleep(&nap, NULL);
			hook_reap(h);
		}
		if (hook_running(h) || h->qlen)
			out_log(h->log, h->log_ctx, "%u on-rotate hooks still running and %u queued at exit; "
				"not waiting longer", hook_running(h), h->qlen);
	}
	while (h->qlen > 0) {
		job_free(&h->queue[h->qhead]);
		h->qhead = (h->qhead + 1) % HOOK_QUEUE;
		h->qlen--;
	}
	for (unsigned i = 0; h->paths && i < h->max; i++)
		free(h->paths[i]);
	free(h->paths);
	free(h->pids);
	free(h->cmd);
	free(h);
}
