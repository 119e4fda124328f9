/* SPDX-License-Identifier: BSD-2-Clause */
/* Every table of a report (conversations, endpoints, ports) built up front, by two threads when there is much to do. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "summary_int.h"

/*
 * Below this many conversations in all, the tables cost less than starting
 * a thread: one thread builds them.
 */
#define SUM_TABLES_THREAD_MIN 20000u

enum job_what { JOB_CONV, JOB_ENDPOINTS, JOB_PORTS };

struct job {
	uint8_t what;                /* enum job_what */
	uint8_t kind;                /* enum flow_kind; JOB_PORTS: 1 = UDP */
	uint64_t weight;             /* conversations it reads, to start the largest first */
};

#define SUM_JOBS (2u * (FLOW_KINDS - 1u) + 2u)

/* The work list the builders share: each takes the next job by one atomic step. */
struct builders {
	const struct summary *s;
	struct sum_tables *t;
	struct job job[SUM_JOBS];
	uint32_t njobs;
	atomic_uint next;
};

/* Run one job. Its results go to its own fields of t, so jobs never share a write. */
static void job_run(const struct summary *s, struct sum_tables *t, const struct job *j)
{
	struct sum_kind_tables *k = &t->kind[j->kind];
	uint64_t count = flowtab_count_kind(s->flows, (enum flow_kind)j->kind);

	switch (j->what) {
	/* the rows past the shown ones are not needed: give their memory back (all kinds' tables live at once) */
	case JOB_CONV:
		k->nrows = sum_conv_rows(s->flows, (enum flow_kind)j->kind, s->top, &k->rows);
		if (k->nrows > 0 && (uint64_t)k->nrows < count) {
			const struct flow **r = realloc(k->rows, (size_t)k->nrows * sizeof *r);
			if (r)
				k->rows = r;
		}
		break;
	case JOB_ENDPOINTS:
		k->nep = sum_endpoints(s->flows, (enum flow_kind)j->kind, s->top, &k->ep, &k->ep_total);
		if (k->nep > 0) {
			struct sum_endpoint *e = realloc(k->ep, (size_t)k->nep * sizeof *e);
			if (e)
				k->ep = e;
		}
		break;
	default:
		t->nports[j->kind] = sum_top_ports(s, j->kind == 1, s->top, &t->ports[j->kind]);
		break;
	}
}

static void *builder_main(void *arg)
{
	struct builders *b = arg;
	unsigned i;

	while ((i = atomic_fetch_add(&b->next, 1u)) < b->njobs)
		job_run(b->s, b->t, &b->job[i]);
	return NULL;
}

static int job_heavier_first(const void *pa, const void *pb)
{
	const struct job *a = pa, *b = pb;

	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->what != b->what)
		return (int)b->what - (int)a->what;
	return (int)a->kind - (int)b->kind;
}

/* The jobs, largest first: endpoints of a kind weigh more than its conversations (a second pass, twice the rows). */
static void jobs_list(struct builders *b)
{
	for (int k = FLOW_ETH; k < FLOW_KINDS; k++) {
		uint64_t n = flowtab_count_kind(b->s->flows, (enum flow_kind)k);
		b->job[b->njobs++] = (struct job){ JOB_CONV, (uint8_t)k, n };
		b->job[b->njobs++] = (struct job){ JOB_ENDPOINTS, (uint8_t)k, 2 * n };
	}
	/* 65536 counters each, about as much as a table of that many conversations */
	b->job[b->njobs++] = (struct job){ JOB_PORTS, 0, 65536 };
	b->job[b->njobs++] = (struct job){ JOB_PORTS, 1, 65536 };
	qsort(b->job, b->njobs, sizeof b->job[0], job_heavier_first);
}

void sum_tables_build(const struct summary *s, struct sum_tables *t)
{
	struct builders b = { .s = s, .t = t };
	pthread_t helper;
	bool threaded = false;

	*t = (struct sum_tables){ 0 };
	jobs_list(&b);
	atomic_init(&b.next, 0u);
	if (!s->opt.single_thread && flowtab_count(s->flows) >= SUM_TABLES_THREAD_MIN)
		threaded = pthread_create(&helper, NULL, builder_main, &b) == 0;
	builder_main(&b);
	if (threaded)
		pthread_join(helper, NULL);
}

void sum_tables_free(struct sum_tables *t)
{
	for (int k = 0; k < FLOW_KINDS; k++) {
		free(t->kind[k].rows);
		free(t->kind[k].ep);
	}
	free(t->ports[0]);
	free(t->ports[1]);
	*t = (struct sum_tables){ 0 };
}
