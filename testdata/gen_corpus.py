#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Deterministically generates the small capture files in testdata/ (see README.md there).
#
# Run with Debian's python (it has python3-scapy):  /usr/bin/python3 testdata/gen_corpus.py
# Scapy only builds packet bytes; the pcap and pcapng files are written by the
# small writers below so every header field is under our control and the
# output is byte-identical on every run and machine.

import os
import random
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    ARP, Dot1AD, Dot1Q, Dot3, Ether, ICMP, IP, IPOption_RR, IPOption_Router_Alert,
    IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
    ICMPv6ND_NS, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
    ICMPv6DestUnreach, LLC, SNAP, STP, TCP, UDP, DNS, DNSQR, DNSRR, Raw, fragment,
)

OUT = os.path.dirname(os.path.abspath(__file__))

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL2 = 276
SNAPLEN = 262144

# 2023-11-14T22:13:20Z plus a fraction with non-zero sub-microsecond digits,
# so nanosecond readers and writers are really exercised.
BASE_NS = 1700000000 * 10**9 + 123456789

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
BCAST = "ff:ff:ff:ff:ff:ff"


# ---------------------------------------------------------------- file writers

def pcap_bytes(records, linktype, nano):
    """Classic pcap, little-endian; records are (ts_ns, data, origlen)."""
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack("<IHHiIII", magic, 2, 4, 0, 0, SNAPLEN, linktype)]
    for ts_ns, data, origlen in records:
        sec, frac = divmod(ts_ns, 10**9)
        if not nano:
            frac //= 1000
        out.append(struct.pack("<IIII", sec, frac, len(data), origlen))
        out.append(data)
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_opt(code, value):
    return struct.pack("<HH", code, len(value)) + pad4(value)


def ng_opts(opts):
    if not opts:
        return b""
    return b"".join(ng_opt(c, v) for c, v in opts) + struct.pack("<HH", 0, 0)


def ng_block(btype, body):
    """pcapng general block structure (draft-ietf-opsawg-pcapng section 3.1)."""
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def ng_ts(ts_ns):
    return struct.pack("<II", ts_ns >> 32, ts_ns & 0xFFFFFFFF)


def pcapng_bytes(records, linktype, ifname, stats):
    """pcapng with one section, one interface (if_tsresol 9) and a final ISB.

    records are (ts_ns, data, origlen, direction) with direction 0 unknown
    (no epb_flags option), 1 inbound, 2 outbound.
    """
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + ng_opts([
        (2, b"generated"), (3, b"Linux"), (4, b"pcaprec testdata/gen_corpus.py")])
    out = [ng_block(0x0A0D0D0A, shb)]
    idb = struct.pack("<HHI", linktype, 0, SNAPLEN) + ng_opts([
        (2, ifname.encode()), (9, bytes([9])), (12, b"Linux")])
    out.append(ng_block(1, idb))
    for ts_ns, data, origlen, direction in records:
        opts = [(2, struct.pack("<I", direction))] if direction else []
        epb = struct.pack("<I", 0) + ng_ts(ts_ns) + struct.pack("<II", len(data), origlen)
        out.append(ng_block(6, epb + pad4(data) + ng_opts(opts)))
    start, end, recv, drop, osdrop = stats
    isb = struct.pack("<I", 0) + ng_ts(end) + ng_opts([
        (2, ng_ts(start)), (3, ng_ts(end)), (4, struct.pack("<Q", recv)),
        (5, struct.pack("<Q", drop)), (7, struct.pack("<Q", osdrop))])
    out.append(ng_block(5, isb))
    return b"".join(out)


def write(name, blob):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(blob)
    print("%-18s %7d bytes" % (name, len(blob)))


# ---------------------------------------------------------------- corpus

def eth(src=MAC_A, dst=MAC_B):
    return Ether(src=src, dst=dst)


TCP_OPTS_SYN = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)),
                ("NOP", None), ("WScale", 7)]


def corpus_packets():
    """The varied corpus: list of (scapy packet, note)."""
    p = []
    a4, b4, c4 = "192.0.2.1", "198.51.100.7", "203.0.113.9"
    a6, b6 = "2001:db8::1", "2001:db8:1::2"

    # Ethernet II + ARP request/reply
    p.append(Ether(src=MAC_A, dst=BCAST) / ARP(op=1, hwsrc=MAC_A, psrc=a4, pdst="192.0.2.2"))
    p.append(eth(MAC_B, MAC_A) / ARP(op=2, hwsrc=MAC_B, psrc="192.0.2.2", hwdst=MAC_A, pdst=a4))

    # TCP handshake with options, data, SACK, FIN, RST
    p.append(eth() / IP(src=a4, dst=b4, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1000,
                                                    options=TCP_OPTS_SYN))
    p.append(eth(MAC_B, MAC_A) / IP(src=b4, dst=a4, id=2) / TCP(
        sport=80, dport=40000, flags="SA", seq=5000, ack=1001,
        options=[("MSS", 1400), ("SAckOK", b""), ("Timestamp", (2000, 1000)), ("NOP", None), ("WScale", 8)]))
    p.append(eth() / IP(src=a4, dst=b4, id=3) / TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5001,
                                                    options=[("NOP", None), ("NOP", None), ("Timestamp", (1001, 2000))]))
    p.append(eth() / IP(src=a4, dst=b4, id=4) / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=5001)
             / Raw(b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"))
    p.append(eth(MAC_B, MAC_A) / IP(src=b4, dst=a4, id=5) / TCP(
        sport=80, dport=40000, flags="A", seq=5001, ack=1039,
        options=[("NOP", None), ("NOP", None), ("SAck", (2000, 3000, 4000, 5000))]))
    p.append(eth() / IP(src=a4, dst=b4, id=6) / TCP(sport=40000, dport=80, flags="FA", seq=1039, ack=5001))
    p.append(eth(MAC_B, MAC_A) / IP(src=b4, dst=a4, id=7) / TCP(sport=80, dport=40000, flags="R", seq=5001))
    p.append(eth() / IP(src=c4, dst=b4, ttl=3) / TCP(sport=443, dport=51515, flags="RA", seq=1, ack=9))

    # IPv4 with options (record route, router alert)
    p.append(eth() / IP(src=a4, dst=c4, options=[IPOption_RR(routers=["192.0.2.254"])])
             / UDP(sport=1234, dport=5678) / Raw(b"opt"))
    p.append(eth() / IP(src=a4, dst="192.0.2.255", options=[IPOption_Router_Alert()])
             / UDP(sport=520, dport=520) / Raw(b"ra"))

    # UDP: DNS on port 53, QUIC-ish on 443, arbitrary ports
    p.append(eth() / IP(src=a4, dst=c4) / UDP(sport=53000, dport=53)
             / DNS(id=0x1234, rd=1, qd=DNSQR(qname="example.test")))
    p.append(eth(MAC_B, MAC_A) / IP(src=c4, dst=a4) / UDP(sport=53, dport=53000)
             / DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.test"), an=DNSRR(rrname="example.test", rdata="192.0.2.80")))
    p.append(eth() / IP(src=a4, dst=b4) / UDP(sport=50443, dport=443) / Raw(bytes(range(64))))
    p.append(eth() / IP(src=b4, dst=c4) / UDP(sport=9, dport=7) / Raw(b"echo"))

    # ICMP echo, reply, unreachable (quoting a UDP datagram)
    p.append(eth() / IP(src=a4, dst=b4) / ICMP(type=8, id=7, seq=1) / Raw(b"ping-payload"))
    p.append(eth(MAC_B, MAC_A) / IP(src=b4, dst=a4) / ICMP(type=0, id=7, seq=1) / Raw(b"ping-payload"))
    inner = IP(src=a4, dst=c4) / UDP(sport=33434, dport=33435) / Raw(b"x" * 8)
    p.append(eth(MAC_C, MAC_A) / IP(src=c4, dst=a4) / ICMP(type=3, code=3) / inner)

    # IPv4 fragments: UDP (first and non-first) and TCP (first and non-first)
    big_udp = IP(src=a4, dst=b4, id=0x4242) / UDP(sport=4000, dport=4001) / Raw(bytes(i % 251 for i in range(1200)))
    for frag in fragment(big_udp, fragsize=480):
        p.append(eth() / frag)
    big_tcp = IP(src=b4, dst=a4, id=0x4343) / TCP(sport=8080, dport=40001, flags="PA", seq=77, ack=88) / Raw(b"T" * 700)
    for frag in fragment(big_tcp, fragsize=400):
        p.append(eth(MAC_B, MAC_A) / frag)

    # 802.1Q single tag with IPv4, IPv6 and ARP inside; 802.1ad + 802.1Q stacked
    p.append(eth() / Dot1Q(vlan=100, prio=3) / IP(src=a4, dst=b4) / UDP(sport=41111, dport=42222) / Raw(b"v4"))
    p.append(eth() / Dot1Q(vlan=101) / IPv6(src=a6, dst=b6) / UDP(sport=41111, dport=42222) / Raw(b"v6"))
    p.append(Ether(src=MAC_A, dst=BCAST) / Dot1Q(vlan=102) / ARP(op=1, hwsrc=MAC_A, psrc=a4, pdst="192.0.2.3"))
    p.append(eth() / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src=a4, dst=c4) / TCP(sport=2000, dport=22, flags="S", seq=1))
    p.append(eth() / Dot1AD(vlan=201) / Dot1Q(vlan=301) / IPv6(src=a6, dst=b6) / UDP(sport=3000, dport=53) / DNS(id=9, qd=DNSQR(qname="qinq.example.test")))
    p.append(Ether(src=MAC_A, dst=BCAST) / Dot1AD(vlan=202) / Dot1Q(vlan=302)
             / ARP(op=1, hwsrc=MAC_A, psrc=a4, pdst="192.0.2.4"))

    # 802.3 length field + LLC (STP) and LLC/SNAP
    p.append(Dot3(src=MAC_A, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) / STP())
    p.append(Dot3(src=MAC_A, dst=MAC_B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800)
             / IP(src=a4, dst=b4) / UDP(sport=7, dport=7) / Raw(b"snap"))

    # IPv6: TCP, UDP, extension headers
    p.append(eth() / IPv6(src=a6, dst=b6, hlim=64) / TCP(sport=40002, dport=443, flags="S", seq=10, options=TCP_OPTS_SYN))
    p.append(eth(MAC_B, MAC_A) / IPv6(src=b6, dst=a6) / TCP(sport=443, dport=40002, flags="SA", seq=20, ack=11))
    p.append(eth() / IPv6(src=a6, dst=b6) / TCP(sport=40002, dport=443, flags="A", seq=11, ack=21))
    p.append(eth() / IPv6(src=a6, dst=b6) / UDP(sport=5353, dport=53) / DNS(id=1, qd=DNSQR(qname="v6.example.test", qtype="AAAA")))
    p.append(eth() / IPv6(src=a6, dst="ff02::16") / IPv6ExtHdrHopByHop(options=[]) / ICMPv6EchoRequest(id=1, seq=1))
    p.append(eth() / IPv6(src=a6, dst=b6) / IPv6ExtHdrRouting(addresses=["2001:db8:2::3"]) / UDP(sport=6000, dport=6001) / Raw(b"rt"))
    p.append(eth() / IPv6(src=a6, dst=b6) / IPv6ExtHdrDestOpt() / TCP(sport=6002, dport=6003, flags="S", seq=5))
    p.append(eth() / IPv6(src=a6, dst=b6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=["2001:db8:2::4"])
             / UDP(sport=6004, dport=6005) / Raw(b"chain"))
    big6 = IPv6(src=b6, dst=a6) / IPv6ExtHdrFragment(id=0x99, m=1, offset=0) / UDP(sport=7000, dport=7001, len=8 + 120) / Raw(b"F" * 64)
    p.append(eth(MAC_B, MAC_A) / big6)
    rest6 = IPv6(src=b6, dst=a6, nh=44) / IPv6ExtHdrFragment(id=0x99, m=0, offset=9, nh=17) / Raw(b"F" * 56)
    p.append(eth(MAC_B, MAC_A) / rest6)

    # ICMPv6: echo, reply, NS, NA, RS, unreachable
    p.append(eth() / IPv6(src=a6, dst=b6) / ICMPv6EchoRequest(id=3, seq=1, data=b"ping6"))
    p.append(eth(MAC_B, MAC_A) / IPv6(src=b6, dst=a6) / ICMPv6EchoReply(id=3, seq=1, data=b"ping6"))
    p.append(Ether(src=MAC_A, dst="33:33:ff:00:00:02") / IPv6(src=a6, dst="ff02::1:ff00:2", hlim=255)
             / ICMPv6ND_NS(tgt="2001:db8::2") / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    p.append(eth(MAC_B, MAC_A) / IPv6(src="2001:db8::2", dst=a6, hlim=255)
             / ICMPv6ND_NA(tgt="2001:db8::2", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    p.append(Ether(src=MAC_A, dst="33:33:00:00:00:02") / IPv6(src="fe80::1", dst="ff02::2", hlim=255)
             / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    p.append(eth(MAC_C, MAC_A) / IPv6(src="2001:db8::fe", dst=a6) / ICMPv6DestUnreach(code=4)
             / IPv6(src=a6, dst=b6) / UDP(sport=33434, dport=33435))
    return p


def truncations():
    """Frames cut inside each header layer: (full packet, caplen, where)."""
    a4, b4 = "192.0.2.10", "198.51.100.20"
    a6, b6 = "2001:db8::10", "2001:db8::20"
    tcp4 = eth() / IP(src=a4, dst=b4) / TCP(sport=1000, dport=2000, flags="S", options=TCP_OPTS_SYN)
    ipopt = eth() / IP(src=a4, dst=b4, options=[IPOption_RR(routers=["192.0.2.254"])]) / UDP(sport=1, dport=2)
    udp4 = eth() / IP(src=a4, dst=b4) / UDP(sport=3000, dport=53) / Raw(b"abcdefgh")
    icmp4 = eth() / IP(src=a4, dst=b4) / ICMP(type=8, id=1, seq=1) / Raw(b"zz")
    arp = Ether(src=MAC_A, dst=BCAST) / ARP(op=1, hwsrc=MAC_A, psrc=a4, pdst=b4)
    vlan = eth() / Dot1Q(vlan=5) / IP(src=a4, dst=b4) / UDP(sport=1, dport=2)
    qinq = eth() / Dot1AD(vlan=6) / Dot1Q(vlan=7) / IP(src=a4, dst=b4) / UDP(sport=1, dport=2)
    ip6 = eth() / IPv6(src=a6, dst=b6) / TCP(sport=1000, dport=2000, flags="S")
    ip6ext = eth() / IPv6(src=a6, dst=b6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=["2001:db8::30"]) / UDP(sport=1, dport=2)
    icmp6 = eth() / IPv6(src=a6, dst=b6) / ICMPv6EchoRequest(id=1, seq=1)
    llc = Dot3(src=MAC_A, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) / STP()
    return [
        (tcp4, 0, "empty"), (tcp4, 7, "ethernet"), (tcp4, 13, "ethertype"),
        (tcp4, 14 + 9, "ipv4 header"), (tcp4, 14 + 20 + 7, "tcp ports/seq"),
        (tcp4, 14 + 20 + 19, "tcp fixed header"), (tcp4, 14 + 20 + 25, "tcp options"),
        (ipopt, 14 + 22, "ipv4 options"), (udp4, 14 + 20 + 5, "udp header"),
        (udp4, 14 + 20 + 8 + 3, "udp payload"), (icmp4, 14 + 20 + 3, "icmp header"),
        (arp, 14 + 11, "arp"), (vlan, 14 + 2, "802.1q tag"), (vlan, 18 + 10, "ipv4 in vlan"),
        (qinq, 14 + 3, "802.1ad tag"), (qinq, 18 + 3, "inner 802.1q tag"),
        (ip6, 14 + 30, "ipv6 header"), (ip6, 14 + 40 + 10, "tcp in ipv6"),
        (ip6ext, 14 + 40 + 5, "hop-by-hop"), (ip6ext, 14 + 40 + 8 + 12, "routing header"),
        (icmp6, 14 + 40 + 2, "icmpv6 header"), (llc, 14 + 2, "llc"),
    ]


def corpus_records():
    """(ts_ns, bytes, origlen, direction) for the Ethernet corpus."""
    out = []
    frames = [(bytes(pk), None) for pk in corpus_packets()]
    frames += [(bytes(pk), cut) for pk, cut, _ in truncations()]
    for i, (data, cut) in enumerate(frames):
        ts = BASE_NS + i * 1234567891 // 100  # ~12.3 ms apart, odd ns digits
        origlen = len(data)
        if cut is not None:
            assert cut < origlen
            data = data[:cut]
        out.append((ts, data, origlen, [0, 1, 2][i % 3]))
    return out


# ---------------------------------------------------------------- other link types

def sll2_header(proto, ifindex, pkttype, mac):
    # LINKTYPE_LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, pkttype, addrlen, addr[8]
    addr = bytes(int(x, 16) for x in mac.split(":"))
    return struct.pack(">HHIHBB", proto, 0, ifindex, 1, pkttype, 6) + addr + b"\0\0"


def sll2_records():
    a4, b4 = "192.0.2.1", "192.0.2.2"
    a6, b6 = "2001:db8::1", "2001:db8::2"
    pkts = [
        (0x0800, 0, MAC_B, IP(src=b4, dst=a4) / ICMP(type=8, id=9, seq=1) / Raw(b"sll2")),
        (0x0800, 4, MAC_A, IP(src=a4, dst=b4) / ICMP(type=0, id=9, seq=1) / Raw(b"sll2")),
        (0x86DD, 0, MAC_B, IPv6(src=b6, dst=a6) / TCP(sport=5555, dport=22, flags="S", seq=1, options=TCP_OPTS_SYN)),
        (0x86DD, 4, MAC_A, IPv6(src=a6, dst=b6) / TCP(sport=22, dport=5555, flags="SA", seq=9, ack=2)),
        (0x0806, 1, MAC_B, ARP(op=1, hwsrc=MAC_B, psrc=b4, pdst=a4)),
        (0x0800, 0, MAC_B, IP(src=b4, dst="203.0.113.5") / UDP(sport=40000, dport=53) / DNS(id=5, qd=DNSQR(qname="sll.example.test"))),
    ]
    out = []
    for i, (proto, ptype, mac, pk) in enumerate(pkts):
        data = sll2_header(proto, 2 + (i % 2), ptype, mac) + bytes(pk)
        out.append((BASE_NS + i * 1000003, data, len(data)))
    return out


def raw_ip_packets():
    return [
        IP(src="192.0.2.1", dst="198.51.100.1") / TCP(sport=1000, dport=80, flags="S", seq=1, options=TCP_OPTS_SYN),
        IP(src="198.51.100.1", dst="192.0.2.1") / TCP(sport=80, dport=1000, flags="SA", seq=7, ack=2),
        IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=1000, dport=53) / DNS(id=2, qd=DNSQR(qname="raw.example.test")),
        IPv6(src="2001:db8::2", dst="2001:db8::1") / ICMPv6EchoRequest(id=1, seq=2),
        IP(src="203.0.113.1", dst="192.0.2.1") / ICMP(type=8, id=2, seq=3),
    ]


def raw_records():
    out = []
    for i, pk in enumerate(raw_ip_packets()):
        data = bytes(pk)
        out.append((BASE_NS + i * 2000001, data, len(data)))
    return out


def null_records():
    # LINKTYPE_NULL: 4-byte AF_ value in the writer's byte order (little-endian
    # here); 2 = AF_INET, 24 = BSD AF_INET6 (what Wireshark and libpcap expect).
    out = []
    for i, pk in enumerate(raw_ip_packets()):
        af = 2 if pk.version == 4 else 24
        data = struct.pack("<I", af) + bytes(pk)
        out.append((BASE_NS + i * 3000007, data, len(data)))
    return out


# ---------------------------------------------------------------- flows

def flows_records():
    """Many TCP and UDP conversations (IPv4 and IPv6) interleaved in time."""
    rng = random.Random(20231114)
    events = []  # (ts_ns, seq, bytes)
    seqno = [0]

    def add(ts, pk):
        events.append((ts, seqno[0], bytes(pk)))
        seqno[0] += 1

    hosts4 = (["192.0.2.%d" % i for i in range(1, 21)] + ["198.51.100.%d" % i for i in range(1, 11)]
              + ["203.0.113.%d" % i for i in range(1, 11)])
    hosts6 = ["2001:db8::%x" % i for i in range(1, 13)] + ["2001:db8:5::%x" % i for i in range(1, 7)]
    t0 = BASE_NS

    def ip(v6, s, d):
        return IPv6(src=s, dst=d, hlim=64) if v6 else IP(src=s, dst=d, ttl=64)

    def tcp_conv(v6, cli, srv, sport, dport, start):
        t = start
        cseq, sseq = rng.randrange(1, 2**31), rng.randrange(1, 2**31)
        rtt = rng.randrange(200000, 3000000)
        add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="S", seq=cseq, window=64240,
                                                          options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]))
        t += rtt // 2
        add(t, eth(MAC_B, MAC_A) / ip(v6, srv, cli) / TCP(sport=dport, dport=sport, flags="SA", seq=sseq, ack=cseq + 1,
                                                          window=65160, options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]))
        t += rtt // 2
        cseq += 1
        sseq += 1
        add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="A", seq=cseq, ack=sseq))
        for _ in range(rng.randrange(1, 6)):
            n = rng.randrange(1, 40)
            t += rng.randrange(10000, 200000)
            add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="PA", seq=cseq, ack=sseq) / Raw(b"q" * n))
            cseq += n
            m = rng.randrange(1, 60)
            t += rtt
            add(t, eth(MAC_B, MAC_A) / ip(v6, srv, cli) / TCP(sport=dport, dport=sport, flags="PA", seq=sseq, ack=cseq) / Raw(b"r" * m))
            sseq += m
            t += rng.randrange(1000, 50000)
            add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="A", seq=cseq, ack=sseq))
        t += rng.randrange(10000, 100000)
        add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="FA", seq=cseq, ack=sseq))
        t += rtt // 2
        add(t, eth(MAC_B, MAC_A) / ip(v6, srv, cli) / TCP(sport=dport, dport=sport, flags="FA", seq=sseq, ack=cseq + 1))
        t += rtt // 2
        add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / TCP(sport=sport, dport=dport, flags="A", seq=cseq + 1, ack=sseq + 1))

    def udp_conv(v6, cli, srv, sport, dport, start):
        t = start
        for _ in range(rng.randrange(1, 8)):
            add(t, eth(MAC_A, MAC_B) / ip(v6, cli, srv) / UDP(sport=sport, dport=dport) / Raw(b"u" * rng.randrange(4, 48)))
            t += rng.randrange(100000, 2000000)
            if rng.random() < 0.8:
                add(t, eth(MAC_B, MAC_A) / ip(v6, srv, cli) / UDP(sport=dport, dport=sport) / Raw(b"v" * rng.randrange(4, 48)))
            t += rng.randrange(100000, 5000000)

    tcp_ports = [22, 80, 443, 8080, 25, 993]
    udp_ports = [5789, 7777, 9999, 12345, 33333]
    for i in range(100):
        v6 = i % 3 == 2
        pool = hosts6 if v6 else hosts4
        cli, srv = rng.sample(pool, 2)
        tcp_conv(v6, cli, srv, 32768 + i * 7, rng.choice(tcp_ports), t0 + rng.randrange(0, 60 * 10**9))
    for i in range(85):
        v6 = i % 3 == 1
        pool = hosts6 if v6 else hosts4
        cli, srv = rng.sample(pool, 2)
        udp_conv(v6, cli, srv, 49152 + i * 11, rng.choice(udp_ports), t0 + rng.randrange(0, 60 * 10**9))
    events.sort()
    return [(ts, data, len(data)) for ts, _, data in events]


# ---------------------------------------------------------------- main

def main():
    corpus = corpus_records()
    plain = [(ts, d, o) for ts, d, o, _ in corpus]
    write("corpus.pcap", pcap_bytes(plain, LINKTYPE_ETHERNET, nano=False))
    write("corpus-ns.pcap", pcap_bytes(plain, LINKTYPE_ETHERNET, nano=True))
    end = corpus[-1][0]
    write("corpus.pcapng", pcapng_bytes(corpus, LINKTYPE_ETHERNET, "eth0",
                                        (BASE_NS, end, len(corpus) + 3, 2, 1)))
    write("sll2.pcap", pcap_bytes(sll2_records(), LINKTYPE_LINUX_SLL2, nano=True))
    write("raw.pcap", pcap_bytes(raw_records(), LINKTYPE_RAW, nano=False))
    write("null.pcap", pcap_bytes(null_records(), LINKTYPE_NULL, nano=False))
    write("flows.pcap", pcap_bytes(flows_records(), LINKTYPE_ETHERNET, nano=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
