#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Frames for read_decode.bats, built with scapy into DIR: IPv6 extension
# header chains (ext.pcap: 1, 8, 9, 20, 64 headers with several fragment
# headers; ext_many.pcap: 65 and 80, past the decoder's bound), jumbograms
# with a Jumbo Payload option (jumbo.pcap) and Big TCP frames (payload
# length 0 without one: bigtcp.pcap). Usage: decode_frames.py DIR
import sys
from scapy.all import (Ether, IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Jumbo, PcapWriter,
                       Raw, TCP, UDP)

A6, B6 = "2001:db8::1", "2001:db8::2"
out = sys.argv[1]


def eth():
    return Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b")


def write(name, pkts):
    with PcapWriter("%s/%s" % (out, name), linktype=1, snaplen=262144, sync=True) as w:
        for i, p in enumerate(pkts):
            p.time = 1700000000 + i / 1000
            w.write(p)


def chain(n, frag_at=(), first_frag_off=0, tail=None):
    """IPv6 with n extension headers: fragment headers at the indexes in frag_at (ids 1, 2...), else destination options."""
    p = IPv6(src=A6, dst=B6)
    fid = 0
    for i in range(n):
        if i in frag_at:
            fid += 1
            p = p / IPv6ExtHdrFragment(id=fid * 0x01010101, offset=first_frag_off if fid > 1 else 0, m=1)
        else:
            p = p / IPv6ExtHdrDestOpt()
    return eth() / p / (tail if tail is not None else UDP(sport=1000 + n, dport=2000) / Raw(b"x" * 10))


write("ext.pcap", [
    chain(1), chain(1, {0}), chain(8), chain(8, {0, 3, 7}), chain(9, {1, 2}),
    chain(20, {0, 5, 6, 10, 19}), chain(64, {2, 30, 63}),
    chain(20, {0, 4, 9}, tail=TCP(sport=1, dport=2, flags="S")),
    # a non-first fragment after two other headers: ends the chain
    eth() / IPv6(src=A6, dst=B6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=7, m=1) /
    IPv6ExtHdrFragment(id=8, offset=9) / Raw(b"y" * 20),
    eth() / IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=["2001:db8::30"]) /
    IPv6ExtHdrFragment(id=9, m=1) / IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=10, m=1) / UDP(sport=5, dport=6),
])
write("ext_many.pcap", [chain(65), chain(80, {0, 70})])

PAYLOAD = b"z" * 70000


def jumbo(tp, tplen):
    hbh = IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=8 + tplen + len(PAYLOAD))])
    return eth() / IPv6(src=A6, dst=B6, plen=0, nh=0) / hbh / tp / Raw(PAYLOAD)


write("jumbo.pcap", [
    jumbo(UDP(sport=1111, dport=2222, len=0), 8),
    jumbo(TCP(sport=1111, dport=2222, flags="A", seq=5, ack=9), 20),
])
write("bigtcp.pcap", [
    eth() / IPv6(src=A6, dst=B6, plen=0) / UDP(sport=1111, dport=2222, len=0) / Raw(PAYLOAD),
    eth() / IPv6(src=A6, dst=B6, plen=0) / TCP(sport=1111, dport=2222, flags="A") / Raw(PAYLOAD),
    # UDP length 0 over IPv4 stays invalid
    eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1111, dport=2222, len=0) / Raw(b"q" * 30),
])
