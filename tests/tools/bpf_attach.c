/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel checker oracle: compile each expression read from stdin and attach it, and its kernel variant for the link type's socket (VLAN metadata, cooked), with SO_ATTACH_FILTER to an unbound AF_PACKET socket (captures nothing). */
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcaprec/filter.h"

static int attach(int fd, const struct filter_prog *p)
{
	struct sock_fprog fp = { (unsigned short)p->len, p->insns };
	int dummy = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) != 0)
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy);
}

/*
 * usage: bpf_attach LINKTYPE < expressions. Prints one line per expression
 * and a summary; exits 1 if the kernel refused any program we produced, or
 * if it accepted a deliberately broken one (the check would be blind).
 */
int main(int argc, char **argv)
{
	struct sock_filter broken[2] = { { BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0 }, { BPF_RET | BPF_K, 0, 0, 1 } };
	struct filter_prog bad = { broken, 2 };
	char line[4096], err[1024];
	unsigned ok = 0, refused = 0, skipped = 0, maxlen = 0;
	uint32_t lt = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: receives nothing; never bound */
	enum filter_view view = lt == 1 ? FILTER_VIEW_VLAN : lt == 276 ? FILTER_VIEW_COOKED : FILTER_VIEW_SAME;

	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 2;
	}
	if (attach(fd, &bad) == 0) {
		fprintf(stderr, "kernel accepted a division by constant zero: check is blind\n");
		return 1;
	}
	while (fgets(line, sizeof line, stdin)) {
		struct filter_prog p;
		struct filter_kernel k;

		line[strcspn(line, "\n")] = '\0';
		if (filter_compile(line, lt, 262144, &p, err, sizeof err) != 0) {
			skipped++;
			continue;
		}
		if (attach(fd, &p) != 0) {
			printf("REFUSED (%s): %s\n", strerror(errno), line);
			refused++;
		} else {
			ok++;
		}
		if (p.len > maxlen)
			maxlen = p.len;
		if (filter_kernel_build(&p, view, 262144, &k, err, sizeof err) != 0) {
			printf("NO KERNEL VARIANT (%s): %s\n", err, line);
			refused++;
		} else if (k.prog.len && attach(fd, &k.prog) != 0) {
			printf("REFUSED kernel variant (%s): %s\n", strerror(errno), line);
			refused++;
		} else {
			ok++;
			maxlen = k.prog.len > maxlen ? k.prog.len : maxlen;
		}
		filter_free(&k.prog);
		filter_free(&p);
	}
	close(fd);
	printf("kernel accepted %u programs (longest %u instructions), refused %u; %u not compiled for link type %u\n",
	       ok, maxlen, refused, skipped, lt);
	return refused || ok == 0 ? 1 : 0;
}
