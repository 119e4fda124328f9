/* SPDX-License-Identifier: BSD-2-Clause */
/* The filter options every command shares (--filter, -F, --bpf, -d/-dd/-ddd) turned into one program. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/util.h"

#define FILTER_FILE_MAX (1u << 20)

/* Whole file as a NUL-terminated string (caller frees); NULL with a message on error. */
static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(FILTER_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		errf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, FILTER_FILE_MAX + 1, f);
	if (ferror(f) || n > FILTER_FILE_MAX) {
		errf(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "file larger than 1 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		errf(err, errlen, "%s: contains a NUL byte; not a text file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* tcpdump -F: '#' starts a comment to end of line; newlines are blanks. */
static void strip_comments(char *s)
{
	bool in_comment = false;

	for (; *s; s++) {
		if (*s == '#')
			in_comment = true;
		if (*s == '\n') {
			in_comment = false;
			*s = ' ';
		} else if (in_comment || *s == '\r' || *s == '\t') {
			*s = ' ';
		}
	}
}

int filter_from_options(const struct filter_opts *o, uint32_t linktype, uint32_t snaplen,
			struct filter_prog *out, char *err, size_t errlen)
{
	char *text;
	int rc;

	memset(out, 0, sizeof *out);
	if ((o->expr != NULL) + (o->expr_file != NULL) + (o->bpf_file != NULL) > 1)
		return errf(err, errlen, "give only one of --filter/expression, -F FILE and --bpf FILE");
	if (o->expr)
		return filter_compile(o->expr, linktype, snaplen, out, err, errlen) == 0 ? 1 : -1;
	if (!o->expr_file && !o->bpf_file)
		return 0;
	text = slurp(o->expr_file ? o->expr_file : o->bpf_file, err, errlen);
	if (!text)
		return -1;
	if (o->bpf_file) {
		rc = filter_load_ddd(text, o->bpf_file, out, err, errlen);
	} else {
		char msg[1024];

		strip_comments(text);
		rc = filter_compile(text, linktype, snaplen, out, msg, sizeof msg);
		if (rc < 0)
			errf(err, errlen, "%s: %s", o->expr_file, msg);
	}
	free(text);
	return rc == 0 ? 1 : -1;
}

static int take_value(int argc, char **argv, int *i, const char *name, const char **dst, char *err, size_t errlen)
{
	if (*i + 1 >= argc)
		return errf(err, errlen, "%s needs a value", name);
	*dst = argv[++*i];
	return 1;
}

int filter_parse_arg(struct filter_opts *o, int argc, char **argv, int *i, char *err, size_t errlen)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--filter"))
		return take_value(argc, argv, i, a, &o->expr, err, errlen);
	if (!strncmp(a, "--filter=", 9)) {
		o->expr = a + 9;
		return 1;
	}
	if (!strcmp(a, "-F"))
		return take_value(argc, argv, i, a, &o->expr_file, err, errlen);
	if (!strcmp(a, "--bpf"))
		return take_value(argc, argv, i, a, &o->bpf_file, err, errlen);
	if (!strncmp(a, "--bpf=", 6)) {
		o->bpf_file = a + 6;
		return 1;
	}
	if (!strcmp(a, "-d") || !strcmp(a, "-dd") || !strcmp(a, "-ddd")) {
		o->dump_level = (int)strlen(a) - 1;
		return 1;
	}
	return 0;
}
