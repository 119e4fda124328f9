#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Create tun device NAME (it lives while this process holds it) and write
# each test packet's bytes as one hex line to OUTFILE; then, in DIR: create
# "ready", wait for "go", write the fixed set of IPv4 and IPv6 UDP packets
# into the device (the kernel receives them on NAME), create "written",
# wait for "done" and remove the device. Every wait ends after 20 s.
# Addresses: 192.0.2.128/25 and 2001:db8:1::/64 only, inside a test namespace.
#
# With ARPHRD, the device's link type is set to that ARPHRD_* number
# (TUNSETLINK) so the device looks like a non-Ethernet, non-IP link.
#
# usage: tunsend.py NAME OUTFILE DIR [ARPHRD]
import fcntl
import os
import struct
import sys
import time

from scapy.all import IP, UDP, IPv6, Raw  # noqa: E402

TUNSETIFF = 0x400454CA
TUNSETLINK = 0x400454CD
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def wait_for(path):
    deadline = time.time() + 20
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.05)


def main():
    name, out, d = sys.argv[1:4]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    if len(sys.argv) > 4:
        fcntl.ioctl(fd, TUNSETLINK, int(sys.argv[4]))
    pkts = []
    for i in range(3):
        pkts.append(bytes(IP(src="192.0.2.130", dst="192.0.2.129") /
                          UDP(sport=45000 + i, dport=9) / Raw(b"PCAPREC-TUN4-%04d" % i)))
    for i in range(2):
        pkts.append(bytes(IPv6(src="2001:db8:1::130", dst="2001:db8:1::129") /
                          UDP(sport=46000 + i, dport=9) / Raw(b"PCAPREC-TUN6-%04d" % i)))
    with open(out, "w") as f:
        for p in pkts:
            f.write(p.hex() + "\n")
    open(os.path.join(d, "ready"), "w").close()
    wait_for(os.path.join(d, "go"))
    for p in pkts:
        os.write(fd, p)
    open(os.path.join(d, "written"), "w").close()
    wait_for(os.path.join(d, "done"))
    os.close(fd)


main()
