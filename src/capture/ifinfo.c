/* SPDX-License-Identifier: BSD-2-Clause */
/* What the kernel knows about the capture hardware, for pcapng: interface alias, driver, speed; the CPU model. */
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcaprec/capture.h"

/* Up to len-1 bytes of a small file into buf, NUL-terminated, the trailing newline cut. False on error or empty. */
static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n > 0;
}

/* An interface name safe to put in a /sys path (no '/', not "." or ".."). */
static bool name_ok(const char *ifname)
{
	size_t n = strlen(ifname);

	return n > 0 && n < IFNAMSIZ && !strchr(ifname, '/') && strcmp(ifname, ".") != 0 &&
	       strcmp(ifname, "..") != 0;
}

/* The driver and bus of `ifname` as ethtool -i shows them ("veth", "e1000e 0000:00:19.0"). */
static void iface_driver(const char *ifname, char *hw, size_t hwlen)
{
	struct ethtool_drvinfo di;
	struct ifreq ifr;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof ifr);
	memset(&di, 0, sizeof di);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	di.cmd = ETHTOOL_GDRVINFO;
	ifr.ifr_data = (char *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && di.driver[0]) {
		di.driver[sizeof di.driver - 1] = '\0';
		di.bus_info[sizeof di.bus_info - 1] = '\0';
		snprintf(hw, hwlen, "%s%s%s", di.driver, di.bus_info[0] ? " " : "", di.bus_info);
	}
	close(fd);
}

void capture_iface_info(const char *ifname, struct capture_iface_info *info)
{
	char path[64 + IFNAMSIZ], num[32], *end;
	long long mbps;

	memset(info, 0, sizeof *info);
	if (!name_ok(ifname))
		return;
	snprintf(path, sizeof path, "/sys/class/net/%s/ifalias", ifname);
	if (!read_small(path, info->alias, sizeof info->alias))
		info->alias[0] = '\0';
	iface_driver(ifname, info->hardware, sizeof info->hardware);
	/* Mb/s; -1 (or EINVAL on a link that is down) when the driver does not know */
	snprintf(path, sizeof path, "/sys/class/net/%s/speed", ifname);
	if (read_small(path, num, sizeof num)) {
		mbps = strtoll(num, &end, 10);
		if (*end == '\0' && mbps > 0 && mbps <= 100000000)
			info->speed_bps = (uint64_t)mbps * 1000000u;
	}
}

/* If line l (ll bytes) is "KEY<blanks>: VALUE", VALUE (trimmed, not empty) into buf. */
static bool line_value(const char *l, size_t ll, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key), v, e = ll;

	if (ll <= kl || strncmp(l, key, kl) != 0)
		return false;
	for (v = kl; v < ll && (l[v] == ' ' || l[v] == '\t'); v++)
		;
	if (v == ll || l[v] != ':')
		return false;
	for (v++; v < ll && (l[v] == ' ' || l[v] == '\t'); v++)
		;
	while (e > v && (l[e - 1] == ' ' || l[e - 1] == '\t' || l[e - 1] == '\r'))
		e--;
	if (e == v)
		return false;
	snprintf(buf, len, "%.*s", (int)(e - v), l + v);
	return true;
}

bool cpuinfo_model(const char *text, char *buf, size_t len)
{
	/* x86 "model name", then what ARM, MIPS and others call it */
	static const char *const keys[] = { "model name", "Hardware", "cpu model", "Processor" };

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		const char *l = text;

		while (*l) {
			const char *e = strchr(l, '\n');
			size_t ll = e ? (size_t)(e - l) : strlen(l);

			if (line_value(l, ll, keys[k], buf, len))
				return true;
			if (!e)
				break;
			l = e + 1;
		}
	}
	return false;
}

bool capture_cpu_model(char *buf, size_t len)
{
	char text[16384];
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		/* the first CPU's lines are at the start */
		n = read(fd, text, sizeof text - 1);
		close(fd);
	}
	if (n <= 0)
		return false;
	text[n] = '\0';
	return cpuinfo_model(text, buf, len);
}
