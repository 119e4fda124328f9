#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Frames for read_decode.bats, built with scapy into DIR: IPv6 extension
# header chains (ext.pcap: 1, 8, 9, 20, 64 headers with several fragment
# headers; ext_many.pcap: 65 and 80, past the decoder's bound), jumbograms
# with a Jumbo Payload option (jumbo.pcap) and Big TCP frames (payload
# length 0 without one: bigtcp.pcap), TCP options tcpdump 4.99 decodes
# beyond MSS/WS/SACK/TS: every MPTCP subtype form (RFC 8684, RFC 6824),
# MD5, TCP-AO, fast open and the experimental 254 forms, AccECN 172/174,
# malformed ones (tcpopts.pcap). Usage: decode_frames.py DIR
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

# TCP options: (flags, options) rows; kind 30 is MPTCP, subtype in the high nibble
K1=bytes.fromhex("0123456789abcdef"); K2=bytes.fromhex("fedcba9876543210")


def mp(sub, rest=b"", lo=0):
    return (30, bytes([(sub << 4) | lo]) + rest)


opts = [
    ("S", [mp(0, b"\x81"+K1)]),            # capable v0 SYN csum
    ("S", [mp(0, b"\x01", lo=1)]),          # capable v1 SYN len 4
    ("SA",[mp(0, b"\x01"+K2, lo=1)]),       # v1 SYN-ACK
    ("A", [mp(0, b"\x01"+K1+K2, lo=1)]),    # v1 ACK 20
    ("A", [mp(0, b"\x81"+K1+K2+b"\x05\xdc", lo=1)]), # v1 ACK 22 with data len
    ("S", [mp(0, b"\x00"+K1, lo=2)]),       # unknown version
    ("S", [mp(1, b"\x07"+b"\x11\x22\x33\x44"+b"\x55\x66\x77\x88", lo=1)]),  # join SYN backup
    ("SA",[mp(1, b"\x03"+K1+b"\x99\x88\x77\x66")]),   # join SYN/ACK
    ("A", [mp(1, b"\x00"+bytes(range(20)))]),  # join ACK
    ("A", [mp(2, b"\x01"+b"\x00\x00\x10\x00")]),  # dss ack4
    ("A", [mp(2, b"\x03"+K1)]),  # dss ack8
    ("PA",[mp(2, b"\x05"+b"\x00\x00\x00\x07"+b"\x00\x00\x00\x09"+b"\x00\x00\x00\x01"+b"\x05\xdc")]),  # ack4 + M dsn4 ssn len
    ("PA",[mp(2, b"\x0d"+b"\x00\x00\x00\x07"+K1+b"\x00\x00\x00\x01"+b"\x05\xdc"+b"\xbe\xef")]),  # ack4 M dsn8 + csum
    ("FA",[mp(2, b"\x11"+b"\x00\x00\x00\x07")]),  # fin ack
    ("S", [mp(2, b"\x01"+b"\x00\x00\x10\x00")]),  # dss in SYN -> bad
    ("A", [mp(3, b"\x05"+bytes([192,0,2,9]), lo=0)]),   # add-addr v1 ip4 len 8? 
    ("A", [mp(3, b"\x05"+bytes([192,0,2,9])+b"\x1f\x90", lo=1)]),   # len 10 echo
    ("A", [mp(3, b"\x05"+bytes([192,0,2,9])+K1)]),   # len 16 hmac
    ("A", [mp(3, b"\x05"+bytes([192,0,2,9])+b"\x1f\x90"+K1)]),   # len 18
    ("A", [mp(3, b"\x06"+bytes(16), lo=6)]),   # v0-ip6 len 20
    ("A", [mp(3, b"\x06"+bytes.fromhex("20010db8000000000000000000000042")+b"\x00\x50")]),   # 22
    ("A", [mp(3, b"\x06"+bytes.fromhex("20010db8000000000000000000000042")+K2)]),   # 28
    ("A", [mp(3, b"\x06"+bytes.fromhex("20010db8000000000000000000000042")+b"\x00\x50"+K2)]),   # 30
    ("A", [mp(3, b"\x06"+bytes(5))]),   # bad len
    ("A", [mp(4, b"\x03")]),   # remove one id
    ("A", [mp(4, b"\x03\x04\x05")]),   
    ("A", [mp(5, b"", lo=1)]),   # prio backup len 3
    ("A", [mp(5, b"\x02", lo=0)]),   # prio non-backup id 2
    ("A", [mp(6, b"\x00"+K1)]),   # fail
    ("A", [mp(7, b"\x00"+K2)]),   # fast close
    ("R", [mp(8, b"\x01", lo=0x1)]),   # tcprst T flag reason 1
    ("R", [mp(8, b"\x06", lo=0xf)]),   # tcprst all flags
    ("A", [mp(0xf, b"\x01\x02")]),   # unknown subtype
    ("A", [(19, bytes(range(16)))]),   # md5
    ("A", [(29, b"\x05\x07"+bytes(range(12)))]),   # TCP-AO
    ("A", [(29, b"\x05")]),   # TCP-AO invalid
    ("S", [(34, b"")]),   # tfo cookiereq
    ("SA",[(34, K1)]),   # tfo cookie
    ("S", [(34, b"\x01\x02\x03")]),   # tfo invalid odd
    ("S", [(254, b"\xf9\x89")]),   # exp tfo cookiereq
    ("SA",[(254, b"\xf9\x89"+K1)]),   # exp tfo cookie
    ("A", [(254, b"\x12\x34\x56")]),   # exp unknown magic
    ("A", [(254, b"\x12")]),   # exp too short
    ("A", [(172, b"")]),   # accecn0 empty
    ("A", [(172, b"\x00\x00\x01\x00\x00\x02\x00\x00\x03")]),   # accecn0 3 fields
    ("A", [(174, b"\x00\x00\x01\x00\x00\x02")]),   # accecn1 2 fields
    ("A", [(174, b"\x00\x00\x01")]),   # accecn1 1 field
    ("A", [(172, b"\x00\x01")]),   # accecn bad len
    ("A", [(254, b"\xac\xc0\x00\x00\x01\x00\x00\x02\x00\x00\x03")]),   # exp accecn0
    ("A", [(254, b"\xac\xc1\x00\x00\x05")]),   # exp accecn1
    ("A", [(254, b"\xac\xc0")]),   # exp accecn0 empty
    ("A", [(27, b"\x01\x02\x03\x04\x05\x06")]),   # other unknown (quick-start)
]

pk = []
for i, (fl, o) in enumerate(opts):
    ip = IP(src="192.0.2.1", dst="192.0.2.2") if i % 4 else IPv6(src=A6, dst=B6)
    pk.append(eth() / ip / TCP(sport=4000, dport=80, flags=fl, seq=100, ack=200 if "A" in fl else 0, options=o))
write("tcpopts.pcap", pk)
