/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the filter compiler, the -ddd loader and the interpreter; libFuzzer entry plus a plain replay main(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcaprec/filter.h"
#include "pcaprec/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t fuzz_linktypes[] = {
	LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW,
	LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_LOOP,
};

/* An IPv4/TCP frame behind Ethernet, for running whatever compiles. */
static const uint8_t fuzz_frame[] = {
	0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00,
	0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 7,
	0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0,
};

/*
 * First byte picks the link type; the rest is the expression. Anything
 * that compiles must pass the kernel's rules and run; every run over
 * every prefix of the frame must terminate. The bytes also go to the
 * -ddd loader.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_prog p;
	char err[1024];
	char *text;

	if (size == 0)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (filter_compile(text, fuzz_linktypes[data[0] % 8], 0, &p, err, sizeof err) == 0) {
		if (!filter_validate(&p, err, sizeof err)) {
			fprintf(stderr, "compiled program fails the checker: %s\n", err);
			abort();
		}
		for (uint32_t n = 0; n <= sizeof fuzz_frame; n++)
			(void)filter_run(&p, fuzz_frame, n, sizeof fuzz_frame);
		filter_free(&p);
	} else if (err[0] == '\0') {
		fprintf(stderr, "compile failed without a message\n");
		abort();
	}
	if (filter_load_ddd(text, "fuzz", &p, err, sizeof err) == 0) {
		(void)filter_run(&p, fuzz_frame, sizeof fuzz_frame, sizeof fuzz_frame);
		filter_free(&p);
	}
	free(text);
	return 0;
}

#ifndef PCAPREC_LIBFUZZER
/* Replay: run every file named on the command line through the target. */
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
#endif
