/* SPDX-License-Identifier: BSD-2-Clause */
/* Interface listing for `pcaprec interfaces`: names, indexes, link types, state and addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_arp.h>
#include <linux/if_packet.h>

#include "pcaprec/capture.h"
#include "pcaprec/util.h"

/* Find `name` in the list, appending a zeroed entry if absent; NULL when the list is full. */
static struct capture_iface *iface_slot(struct capture_iface *v, size_t *n, size_t cap,
					const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	if (*n == cap || len >= sizeof v[0].name)
		return NULL;
	memset(&v[*n], 0, sizeof v[*n]);
	memcpy(v[*n].name, name, len + 1);
	return &v[(*n)++];
}

static void iface_add_addr(struct capture_iface *c, const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;
	size_t used = strlen(c->addrs);

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!inet_ntop(sa->sa_family, a, buf, sizeof buf))
		return;
	snprintf(c->addrs + used, sizeof c->addrs - used, "%s%s", used ? " " : "", buf);
}

static void iface_fill(struct capture_iface *c, const struct ifaddrs *ifa)
{
	const struct sockaddr *sa = ifa->ifa_addr;

	c->up = (ifa->ifa_flags & IFF_UP) != 0;
	c->running = (ifa->ifa_flags & IFF_RUNNING) != 0;
	c->loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
	if (!sa)
		return;
	if (sa->sa_family == AF_PACKET) {
		const struct sockaddr_ll *sll = (const struct sockaddr_ll *)(const void *)sa;
		uint32_t lt = capture_linktype_for_arphrd(sll->sll_hatype);

		c->index = (uint32_t)sll->sll_ifindex;
		c->arphrd = sll->sll_hatype;
		c->linktype = lt ? lt : LINKTYPE_LINUX_SLL2;
	} else if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		iface_add_addr(c, sa);
	}
}

/*
 * A device without a hardware address (tun, some tunnels) has no AF_PACKET
 * entry in getifaddrs (glibc makes one only from a link-layer address), yet
 * record captures on it: take its index by name and its ARPHRD_* type from
 * SIOCGIFHWADDR. False when the device cannot be found.
 */
static bool iface_fill_noaddr(struct capture_iface *c, int sock)
{
	struct ifreq ifr;
	uint32_t lt;

	c->index = if_nametoindex(c->name);
	if (c->index == 0 || sock < 0)
		return c->index != 0 && sock >= 0;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, c->name, strnlen(c->name, IF_NAMESIZE - 1));
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
		return false;
	c->arphrd = (uint16_t)ifr.ifr_hwaddr.sa_family;
	lt = capture_linktype_for_arphrd(c->arphrd);
	c->linktype = lt ? lt : LINKTYPE_LINUX_SLL2;
	return true;
}

static int iface_cmp(const void *a, const void *b)
{
	const struct capture_iface *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int capture_list_ifaces(struct capture_iface **out, char *err, size_t errlen)
{
	struct ifaddrs *list, *ifa;
	struct capture_iface *v;
	size_t n = 0, cap = 0;

	if (getifaddrs(&list) < 0)
		return errf(err, errlen, "getifaddrs: %s", strerror(errno));
	for (ifa = list; ifa; ifa = ifa->ifa_next)
		cap++;
	v = calloc(cap ? cap : 1, sizeof *v);
	if (!v) {
		freeifaddrs(list);
		return errf(err, errlen, "out of memory");
	}
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		struct capture_iface *c = iface_slot(v, &n, cap, ifa->ifa_name);

		if (c)
			iface_fill(c, ifa);
	}
	freeifaddrs(list);
	/* Entries without an AF_PACKET address: looked up by name, dropped if that fails. */
	{
		int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		for (size_t i = 0; i < n;) {
			if (v[i].index == 0 && !iface_fill_noaddr(&v[i], sock))
				v[i] = v[--n];
			else
				i++;
		}
		if (sock >= 0)
			close(sock);
	}
	qsort(v, n, sizeof *v, iface_cmp);
	*out = v;
	return (int)n;
}
