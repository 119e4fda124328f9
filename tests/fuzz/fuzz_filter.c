/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the filter compiler, the -ddd loader, the interpreter and the kernel variants; libFuzzer entry plus a plain replay main(). */
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

/* Kept length of a frame after RET r on `cap` captured of `len` bytes. */
static uint32_t kept(uint32_t r, uint32_t cap)
{
	return r < cap ? r : cap;
}

/*
 * The kernel variant of an Ethernet program must decide what the program
 * decides: on the frame with a stripped 802.1Q tag in metadata against the
 * frame with the tag written back, and untagged against itself; unless the
 * variant says it leaves tagged frames to user space.
 */
static void fuzz_kernel(const struct filter_prog *p)
{
	uint8_t w[sizeof fuzz_frame + 4];
	struct filter_skb tag = { true, 0x2064, 0x8100, 0, 0, 0, 0 }, none = { false, 0, 0, 0, 0, 0, 0 };
	struct filter_kernel k;
	char err[256];
	uint32_t want, got, r;

	if (filter_kernel_build(p, FILTER_VIEW_VLAN, 262144, &k, err, sizeof err) != 0) {
		if (!strstr(err, "too large")) {
			fprintf(stderr, "no kernel variant: %s\n", err);
			abort();
		}
		return;
	}
	memcpy(w, fuzz_frame, 12);
	memcpy(w + 12, (const uint8_t[]){ 0x81, 0x00, 0x20, 0x64 }, 4);
	memcpy(w + 16, fuzz_frame + 12, sizeof fuzz_frame - 12);
	want = kept(filter_run(p, fuzz_frame, sizeof fuzz_frame, sizeof fuzz_frame), sizeof fuzz_frame);
	got = kept(filter_run_kernel(&k.prog, fuzz_frame, sizeof fuzz_frame, &none), sizeof fuzz_frame);
	if (want != got) {
		fprintf(stderr, "kernel variant differs untagged: %u vs %u\n", want, got);
		abort();
	}
	want = kept(filter_run(p, w, sizeof w, sizeof w), sizeof w);
	r = filter_run_kernel(&k.prog, fuzz_frame, sizeof fuzz_frame, &tag);
	got = r == 0 ? 0 : kept(r, sizeof fuzz_frame) + (kept(r, sizeof fuzz_frame) >= 12 ? 4 : 0);
	if (!k.recheck && want != got) {
		fprintf(stderr, "kernel variant differs tagged: %u vs %u\n", want, got);
		abort();
	}
	filter_free(&k.prog);
}

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
		if (data[0] % 8 == 0)
			fuzz_kernel(&p);
		filter_free(&p);
	} else if (err[0] == '\0') {
		fprintf(stderr, "compile failed without a message\n");
		abort();
	}
	if (filter_load_ddd(text, "fuzz", &p, err, sizeof err) == 0) {
		(void)filter_run(&p, fuzz_frame, sizeof fuzz_frame, sizeof fuzz_frame);
		fuzz_kernel(&p);
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
