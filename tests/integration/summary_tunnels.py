#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes a pcap of tunnelled traffic for summary.bats's tunnel test (scapy):
# GRE (IPv4, IPv6, Ethernet, MPLS inside; key and sequence fields), VXLAN,
# Geneve, IP-in-IP, 6in4, IPv4 in IPv6, MPLS over Ethernet (one and two
# labels), and VXLAN inside GRE; inner TCP/UDP/ICMP conversations in both
# directions. Usage: summary_tunnels.py OUT
import sys
from scapy.all import (Ether, GRE, ICMP, IP, IPv6, Raw, TCP, UDP, PcapWriter)
from scapy.contrib.mpls import MPLS
from scapy.layers.vxlan import VXLAN
from scapy.contrib.geneve import GENEVE

E = dict(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b")
ER = dict(src="02:00:00:00:00:0b", dst="02:00:00:00:00:0a")
O4 = ("192.0.2.1", "192.0.2.2")
O6 = ("2001:db8::1", "2001:db8::2")


def inner4(i, rev):
    a, b = "198.51.100.%d" % (1 + i % 3), "203.0.113.%d" % (1 + i % 2)
    if rev:
        a, b = b, a
    kind = i % 3
    if kind == 0:
        return IP(src=a, dst=b) / TCP(sport=4000 + i % 4 if not rev else 80, dport=80 if not rev else 4000 + i % 4) / Raw(b"t" * (i % 7))
    if kind == 1:
        return IP(src=a, dst=b) / UDP(sport=5000 if not rev else 9999, dport=9999 if not rev else 5000) / Raw(b"u" * (i % 5))
    return IP(src=a, dst=b) / ICMP(type=8 if not rev else 0, id=i % 3)


def inner6(i, rev):
    a, b = "2001:db8:1::%d" % (1 + i % 2), "2001:db8:2::1"
    if rev:
        a, b = b, a
    return IPv6(src=a, dst=b) / UDP(sport=7000 if not rev else 7001, dport=7001 if not rev else 7000) / Raw(b"v" * (i % 9))


def ieth(i, rev):
    m = dict(src="02:00:00:00:01:%02x" % (1 + i % 2), dst="02:00:00:00:02:01")
    if rev:
        m = dict(src=m["dst"], dst=m["src"])
    return Ether(**m) / inner4(i, rev)


def outer4(rev):
    a, b = O4[::-1] if rev else O4
    return Ether(**(ER if rev else E)) / IP(src=a, dst=b)


def outer6(rev):
    a, b = O6[::-1] if rev else O6
    return Ether(**(ER if rev else E)) / IPv6(src=a, dst=b)


def pkts():
    for i in range(60):
        rev = i % 2 == 1
        yield outer4(rev) / GRE() / inner4(i, rev)
        yield outer4(rev) / GRE(key_present=1, key=7, seqnum_present=1, seqence_number=i) / inner6(i, rev)
        yield outer4(rev) / GRE(proto=0x6558) / ieth(i, rev)
        yield outer4(rev) / GRE(proto=0x8847) / MPLS(label=100 + i % 2, s=1) / inner4(i, rev)
        yield outer4(rev) / UDP(sport=40000 + i % 3, dport=4789) / VXLAN(vni=42) / ieth(i, rev)
        yield outer6(rev) / UDP(sport=41000, dport=6081) / GENEVE(vni=5, proto=0x6558) / ieth(i, rev)
        yield outer4(rev) / inner4(i, rev)
        yield outer4(rev) / inner6(i, rev)
        yield outer6(rev) / inner4(i, rev)
        yield Ether(**(ER if rev else E)) / MPLS(label=16, s=1) / inner4(i, rev)
        yield Ether(**(ER if rev else E)) / MPLS(label=16, s=0) / MPLS(label=17, s=1) / inner6(i, rev)
        yield outer4(rev) / GRE(proto=0x0800) / IP(src="192.0.2.%d" % (5 + rev), dst="192.0.2.%d" % (6 - rev)) / \
            UDP(sport=40001, dport=4789) / VXLAN(vni=9) / ieth(i, rev)


with PcapWriter(sys.argv[1], linktype=1, sync=True) as w:
    for n, p in enumerate(pkts()):
        p.time = 1700000000 + n / 1000
        w.write(p)
