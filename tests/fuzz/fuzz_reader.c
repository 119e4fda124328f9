/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the pcap/pcapng readers and the gzip source; without libFuzzer, main() replays files and directories. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcaprec/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every record; touch every byte so sanitizers see any out-of-bounds frame. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct reader *r = reader_open_mem(data, size, "fuzz", err, sizeof err);
	struct frame f;
	unsigned sum = 0;
	int rc;

	if (!r)
		return 0;
	while ((rc = reader_next(r, &f)) == 1) {
		for (uint32_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
		(void)reader_offset(r);
	}
	if (reader_next(r, &f) != rc)
		abort();   /* end and error must be sticky */
	for (size_t i = 0; i < reader_iface_count(r); i++) {
		const struct reader_iface *ifc = reader_iface(r, i);

		sum += ifc->name ? (unsigned)strlen(ifc->name) : 0;
	}
	reader_close(r);
	return (int)(sum & 0);
}

#ifndef PCAPREC_LIBFUZZER
static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!fp)
		return perror(path), 1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return 1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return 1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int replay(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int bad = 0;

	if (stat(path, &st) != 0)
		return perror(path), 1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (!d)
		return perror(path), 1;
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		bad |= replay(sub, count);
	}
	closedir(d);
	return bad;
}

/* Replay: every argument is a corpus file or directory; prints how many inputs ran. */
int main(int argc, char **argv)
{
	unsigned count = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= replay(argv[i], &count);
	printf("replayed %u inputs\n", count);
	return bad || count == 0;
}
#endif
