/* SPDX-License-Identifier: BSD-2-Clause */
/* Several capture files read as one stream: in order, or merged by timestamp through a small binary heap. */
#include <stdio.h>
#include <stdlib.h>

#include "pcaprec/reader.h"
#include "pcaprec/util.h"

/* A file with its next frame waiting in the heap (merge) or being read (order). */
struct set_file {
	struct reader *r;
	struct frame next;
	bool done;
};

struct reader_set {
	struct set_file *files;
	size_t n;
	bool merge;
	size_t cur;             /* file of the frame last returned */
	size_t *heap;           /* merge: indexes of files with a pending frame, by (ts, index) */
	size_t nheap;
	size_t prime;           /* merge: files [prime, n) still need their first frame */
	bool advance_cur;       /* merge: the file last returned must be read again first */
	char err[1024];
};

void reader_set_close(struct reader_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		reader_close(s->files[i].r);
	free(s->files);
	free(s->heap);
	free(s);
}

struct reader_set *reader_set_open(const char *const *paths, size_t n, bool merge,
				   char *err, size_t errlen)
{
	struct reader_set *s;

	if (n == 0 || n > READER_SET_MAX_FILES) {
		errf(err, errlen, "expected 1 to %u input files, found %zu", READER_SET_MAX_FILES, n);
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->files = calloc(n, sizeof *s->files)) || !(s->heap = calloc(n, sizeof *s->heap))) {
		reader_set_close(s);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	s->n = n;
	s->merge = merge;
	for (size_t i = 0; i < n; i++) {
		s->files[i].r = reader_open(paths[i], err, errlen);
		if (!s->files[i].r) {
			reader_set_close(s);
			return NULL;
		}
	}
	return s;
}

static bool heap_less(const struct reader_set *s, size_t a, size_t b)
{
	uint64_t ta = s->files[a].next.ts_ns, tb = s->files[b].next.ts_ns;

	return ta < tb || (ta == tb && a < b);
}

static void heap_swap(size_t *h, size_t i, size_t j)
{
	size_t t = h[i];

	h[i] = h[j];
	h[j] = t;
}

static void heap_push(struct reader_set *s, size_t file)
{
	size_t i = s->nheap++;

	s->heap[i] = file;
	while (i > 0 && heap_less(s, s->heap[i], s->heap[(i - 1) / 2])) {
		heap_swap(s->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static size_t heap_pop(struct reader_set *s)
{
	size_t top = s->heap[0], i = 0;

	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->nheap && heap_less(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return top;
		heap_swap(s->heap, i, m);
		i = m;
	}
}

/* Read file i's next frame into the heap; -1 (file dropped) on error. */
static int set_fill(struct reader_set *s, size_t i)
{
	int rc = reader_next(s->files[i].r, &s->files[i].next);

	if (rc == 1) {
		s->files[i].next.iface = READER_SET_IFACE(i, s->files[i].next.iface);
		heap_push(s, i);
		return 0;
	}
	s->files[i].done = true;
	if (rc < 0) {
		snprintf(s->err, sizeof s->err, "%s", reader_error(s->files[i].r));
		return -1;
	}
	return 0;
}

static int set_next_merged(struct reader_set *s, struct frame *out)
{
	if (s->advance_cur) {
		s->advance_cur = false;
		if (set_fill(s, s->cur) < 0)
			return -1;
	}
	while (s->prime < s->n)
		if (set_fill(s, s->prime++) < 0)
			return -1;
	if (s->nheap == 0)
		return 0;
	s->cur = heap_pop(s);
	*out = s->files[s->cur].next;
	s->advance_cur = true;
	return 1;
}

static int set_next_ordered(struct reader_set *s, struct frame *out)
{
	while (s->cur < s->n) {
		int rc = reader_next(s->files[s->cur].r, out);

		if (rc == 1) {
			out->iface = READER_SET_IFACE(s->cur, out->iface);
			return 1;
		}
		s->files[s->cur].done = true;
		s->cur++;
		if (rc < 0) {
			snprintf(s->err, sizeof s->err, "%s", reader_error(s->files[s->cur - 1].r));
			return -1;
		}
	}
	s->cur = s->n - 1;
	return 0;
}

int reader_set_next(struct reader_set *s, struct frame *out)
{
	return s->merge ? set_next_merged(s, out) : set_next_ordered(s, out);
}

const char *reader_set_error(const struct reader_set *s)
{
	return s->err;
}

size_t reader_set_count(const struct reader_set *s)
{
	return s->n;
}

struct reader *reader_set_reader(const struct reader_set *s, size_t i)
{
	return i < s->n ? s->files[i].r : NULL;
}

size_t reader_set_current(const struct reader_set *s)
{
	return s->cur;
}
