#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes read.bats's captures into DIR: frames.pcap, one frame of every kind
# `pcaprec read` decodes (Ethernet, 802.3/LLC, 802.1Q/802.1ad, ARP, IPv4 with
# options and fragments, IPv6 with extension headers, TCP with options, UDP,
# ICMP, ICMPv6 echo and ND); cut.pcap, some of them cut short; sll.pcap,
# sll2.pcap, null.pcap, loop.pcap for the other link types. Built with scapy,
# addresses only from 192.0.2.0/24 and 2001:db8::/32. Usage: read_frames.py DIR
import struct
import sys
from scapy.layers.l2 import CookedLinux, CookedLinuxV2
from scapy.all import (ARP, Dot1AD, Dot1Q, Dot3, Ether, Loopback, ICMP, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6ND_RS, IP, IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                       LLC, Raw, TCP, UDP, wrpcap)

A, B = "02:00:00:00:00:01", "02:00:00:00:00:02"
H4A, H4B = "192.0.2.1", "192.0.2.2"
H6A, H6B = "2001:db8::1", "2001:db8::2"


def eth():
    return Ether(src=A, dst=B)


def frames():
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)),
                ("NOP", None), ("WScale", 7)]
    f = [
        eth() / IP(src=H4A, dst=H4B, id=1, flags="DF") / TCP(sport=40000, dport=8080, flags="S", seq=1000, window=64240, options=syn_opts),
        eth() / IP(src=H4B, dst=H4A, id=2) / TCP(sport=8080, dport=40000, flags="SA", seq=5000, ack=1001, window=65160, options=[("MSS", 1400), ("NOP", None), ("WScale", 3)]),
        eth() / IP(src=H4A, dst=H4B, id=3) / TCP(sport=40000, dport=8080, flags="A", seq=1001, ack=5001, window=502),
        eth() / IP(src=H4A, dst=H4B, id=4) / TCP(sport=40000, dport=8080, flags="PA", seq=1001, ack=5001, window=502, options=[("NOP", None), ("NOP", None), ("Timestamp", (2, 3))]) / Raw(b"x" * 100),
        eth() / IP(src=H4B, dst=H4A, id=5) / TCP(sport=8080, dport=40000, flags="A", seq=5001, ack=1101, window=500, options=[("NOP", None), ("NOP", None), ("SAck", (1200, 1300))]),
        eth() / IP(src=H4A, dst=H4B) / TCP(sport=40000, dport=8080, flags="FA", seq=1101, ack=5001, window=502),
        eth() / IP(src=H4B, dst=H4A) / TCP(sport=8080, dport=40000, flags="R", seq=5001, ack=0, window=0),
        eth() / IP(src=H4A, dst=H4B) / TCP(sport=40000, dport=8080, flags="SEC", seq=7, window=1024),
        eth() / IP(src=H4A, dst=H4B) / TCP(sport=40001, dport=8081, flags="UA", seq=9, ack=10, urgptr=5, window=1024) / Raw(b"u" * 10),
        eth() / IP(src=H4A, dst=H4B) / UDP(sport=40000, dport=9999) / Raw(b"hello world"),
        eth() / IP(src=H4A, dst=H4B, ttl=7, tos=0x10) / UDP(sport=5000, dport=5001) / Raw(b""),
        eth() / IP(src=H4A, dst=H4B) / ICMP(type=8, id=0x1234, seq=1) / Raw(b"p" * 56),
        eth() / IP(src=H4B, dst=H4A) / ICMP(type=0, id=0x1234, seq=1) / Raw(b"p" * 56),
        eth() / IP(src=H4A, dst=H4B, options=[IPOption_RR(routers=["192.0.2.9"])]) / UDP(sport=1111, dport=2222) / Raw(b"opt"),
        Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc=H4A, pdst=H4B),
        Ether(src=B, dst=A) / ARP(op=2, hwsrc=B, psrc=H4B, hwdst=A, pdst=H4A),
        eth() / Dot1Q(vlan=10, prio=3) / IP(src=H4A, dst=H4B) / UDP(sport=7000, dport=7001) / Raw(b"vlan"),
        eth() / Dot1AD(vlan=100) / Dot1Q(vlan=20) / IP(src=H4A, dst=H4B) / TCP(sport=7002, dport=7003, flags="S", seq=42, window=100),
        eth() / Dot1Q(vlan=30) / ARP(op=1, hwsrc=A, psrc=H4A, pdst=H4B),
        eth() / IPv6(src=H6A, dst=H6B) / TCP(sport=40000, dport=8080, flags="S", seq=77, window=64800, options=[("MSS", 1440)]),
        eth() / IPv6(src=H6B, dst=H6A, hlim=3) / UDP(sport=6000, dport=6001) / Raw(b"six"),
        eth() / IPv6(src=H6A, dst=H6B) / ICMPv6EchoRequest(id=7, seq=8, data=b"e" * 32),
        eth() / IPv6(src=H6B, dst=H6A) / ICMPv6EchoReply(id=7, seq=8, data=b"e" * 32),
        Ether(src=A, dst="33:33:ff:00:00:02") / IPv6(src=H6A, dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=H6B),
        eth() / IPv6(src=H6B, dst=H6A, hlim=255) / ICMPv6ND_NA(tgt=H6B, R=0, S=1, O=1),
        Ether(src=A, dst="33:33:00:00:00:02") / IPv6(src="fe80::1", dst="ff02::2", hlim=255) / ICMPv6ND_RS(),
        Ether(src=B, dst="33:33:00:00:00:01") / IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_RA(chlim=64, routerlifetime=1800),
        eth() / IPv6(src=H6A, dst=H6B) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / UDP(sport=6002, dport=6003) / Raw(b"ext"),
        eth() / IPv6(src=H6A, dst=H6B) / IPv6ExtHdrRouting(addresses=["2001:db8::3"]) / TCP(sport=6004, dport=6005, flags="S", seq=3, window=10),
        eth() / IPv6(src=H6A, dst=H6B) / IPv6ExtHdrFragment(offset=0, m=1, id=99) / UDP(sport=6006, dport=6007, len=1008) / Raw(b"f" * 40),
        eth() / IPv6(src=H6A, dst=H6B) / IPv6ExtHdrFragment(offset=6, m=0, id=99, nh=17) / Raw(b"g" * 40),
        eth() / IP(src=H4A, dst=H4B, id=77, flags="MF", frag=0, proto=17) / Raw(bytes(UDP(sport=3000, dport=3001, len=1008))[:8] + b"h" * 32),
        eth() / IP(src=H4A, dst=H4B, id=77, flags=0, frag=5, proto=17) / Raw(b"i" * 40),
        eth() / IP(src=H4A, dst=H4B, proto=47) / Raw(b"\x00\x00\x08\x00"),
        Dot3(src=A, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\x00" * 35),
        Ether(src=A, dst=B, type=0x88b5) / Raw(b"local experimental"),
    ]
    t = 1700000000.0
    for i, p in enumerate(f):
        p.time = t + i * 0.25 + i * 0.000001
    return f


def truncated():
    """Frames cut short by a snaplen: every layer once."""
    full = frames()
    out = []
    for i, cut in ((0, 40), (0, 20), (0, 10), (3, 60), (9, 38), (11, 36), (14, 30), (19, 60), (21, 58), (16, 16)):
        out.append(full[i].copy())
        out[-1].cut = cut
    return out


def cooked():
    """Linux cooked v1 frames: every packet type, IPv4/IPv6/ARP, a VLAN tag, 802.2 LLC."""
    mac = b"\x02\0\0\0\0\x01\0\0"
    return [
        CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=mac, proto=0x0800) / IP(src=H4A, dst=H4B) / TCP(sport=1, dport=2, flags="S", seq=5),
        CookedLinux(pkttype=4, lladdrtype=1, lladdrlen=6, src=mac, proto=0x86dd) / IPv6(src=H6A, dst=H6B) / UDP(sport=5, dport=6),
        CookedLinux(pkttype=1, lladdrtype=1, lladdrlen=6, src=mac, proto=0x0806) / ARP(psrc=H4A, pdst=H4B),
        CookedLinux(pkttype=3, lladdrtype=772, lladdrlen=0, proto=0x8100) / Dot1Q(vlan=5) / IP(src=H4A, dst=H4B) / ICMP(),
        CookedLinux(pkttype=2, lladdrtype=1, lladdrlen=6, src=mac, proto=0x0004) / LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\0" * 4),
    ]


def cooked2():
    """Linux cooked v2 frames, including stacked VLAN tags."""
    mac = b"\x02\0\0\0\0\x01\0\0"
    return [
        CookedLinuxV2(pkttype=0, lladdrtype=1, lladdrlen=6, src=mac, proto=0x0800, ifindex=7) / IP(src=H4A, dst=H4B) / UDP(sport=9, dport=10),
        CookedLinuxV2(pkttype=3, lladdrtype=1, lladdrlen=6, src=mac, proto=0x8100, ifindex=7) / Dot1Q(vlan=5) / Dot1Q(vlan=6) / IP(src=H4A, dst=H4B) / ICMP(),
    ]


def loopback():
    """BSD loopback: AF_INET and the three AF_INET6 values."""
    return [Loopback(type=2) / IP(src=H4A, dst=H4B) / ICMP(),
            Loopback(type=24) / IPv6(src=H6A, dst=H6B) / ICMPv6EchoRequest(),
            Loopback(type=28) / IPv6(src=H6A, dst=H6B) / UDP(sport=1, dport=2),
            Loopback(type=30) / IPv6(src=H6A, dst=H6B) / TCP(sport=1, dport=2, flags="S")]


def write_loop(path, pkts):
    """LINKTYPE_LOOP: the AF in network byte order (scapy's Loopback writes host order)."""
    with open(path, "wb") as w:
        w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 108))
        for n, p in enumerate(pkts):
            raw = struct.pack(">I", p.type) + bytes(p.payload)
            w.write(struct.pack("<IIII", 1700000200 + n, n, len(raw), len(raw)) + raw)


if __name__ == "__main__":
    out = sys.argv[1]
    fs = frames()
    wrpcap(out + "/frames.pcap", fs)
    wrpcap(out + "/sll.pcap", cooked(), linktype=113)
    wrpcap(out + "/sll2.pcap", cooked2(), linktype=276)
    wrpcap(out + "/null.pcap", loopback(), linktype=0)
    write_loop(out + "/loop.pcap", loopback())
    if True:
        # classic pcap written by hand: scapy cannot store caplen < wirelen
        with open(out + "/cut.pcap", "wb") as w:
            w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for n, p in enumerate(truncated()):
                raw = bytes(p)
                w.write(struct.pack("<IIII", 1700000100 + n, n, p.cut, len(raw)))
                w.write(raw[:p.cut])
