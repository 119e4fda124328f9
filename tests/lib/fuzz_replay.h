/* SPDX-License-Identifier: BSD-2-Clause */
/* The plain replay main() shared by the fuzz targets when built without libFuzzer. */
#ifndef PCAPREC_FUZZ_REPLAY_H
#define PCAPREC_FUZZ_REPLAY_H

/*
 * Include once, at the end of a fuzz target that defines
 * LLVMFuzzerTestOneInput, inside #ifndef PCAPREC_LIBFUZZER. Every argument
 * is a corpus file or a directory of them (recursively); each file is read
 * whole and run through the target. Exits non-zero if a file cannot be read
 * or if no input ran at all, so an empty corpus cannot pass as a test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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
