#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes read_edge.bats's crafted captures into DIR, block by block:
#   spb.pcapng       three Simple Packet Blocks (no timestamps)
#   mixed.pcapng     EPB, SPB, EPB (times only on the EPBs)
#   frac.pcap        pcap (us) whose second record has ts_usec 4000000000
#   fracns.pcap      pcap-ns whose second record has ts_nsec 1000000000
#   snaps.pcapng     two interfaces with snaplens 65535 and 128
#   snaps2.pcapng    two sections, snaplens 65535 and 100
#   noif.pcapng      a Section Header Block only
#   byteorder.pcapng a little-endian section, then a big-endian one
#   nonutf8.pcapng   an interface named b"eth\xff\xfe0" (not UTF-8)
#   exact.pcap       pcap-ns, two flows starting at times whose difference
#                    a double cannot hold (rel_start must be exact)
# Addresses from 192.0.2.0/24 only. Usage: edge_captures.py DIR
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pcapng_blocks import blk, opt, pad  # noqa: E402

D = sys.argv[1]
PKT = (bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]) +
       bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]) +
       bytes([8, 0, 0xf7, 0xff, 0, 0, 0, 0]))
T = 1700000000 * 10**6  # microseconds


def shb(e="<"):
    return blk(e, 0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1))


def idb(snap, e="<", name=None):
    opts = opt(e, 2, name) + opt(e, 0, b"") if name else b""
    return blk(e, 1, struct.pack(e + "HHI", 1, 0, snap) + opts)


def epb(iface, t, e="<", pkt=PKT):
    return blk(e, 6, struct.pack(e + "IIIII", iface, t >> 32, t & 0xffffffff, len(pkt), len(pkt)) + pkt)


def spb(e="<"):
    return blk(e, 3, struct.pack(e + "I", len(PKT)) + PKT)


def pcap(magic, recs, pkt=PKT):
    b = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    for sec, frac, data in recs:
        b += struct.pack("<IIII", sec, frac, len(data), len(data)) + data
    return b


def udp(sport, dport):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    return PKT[:14] + ip + struct.pack("!HHHH", sport, dport, 8, 0)


files = {
    "spb.pcapng": shb() + idb(0) + spb() + spb() + spb(),
    "mixed.pcapng": shb() + idb(0) + epb(0, T) + spb() + epb(0, T + 2500000),
    "frac.pcap": pcap(0xa1b2c3d4, [(1700000000, 0, PKT), (1700000000, 4000000000, PKT),
                                   (1700000001, 0, PKT)]),
    "fracns.pcap": pcap(0xa1b23c4d, [(1700000000, 0, PKT), (1700000000, 1000000000, PKT),
                                     (1700000001, 0, PKT)]),
    "snaps.pcapng": shb() + idb(65535) + idb(128) + epb(0, T) + epb(1, T + 1000),
    "snaps2.pcapng": shb() + idb(65535) + epb(0, T) + shb() + idb(100) + epb(0, T + 1),
    "noif.pcapng": shb(),
    "byteorder.pcapng": shb("<") + idb(65535, "<") + epb(0, T, "<") +
                        shb(">") + idb(65535, ">") + epb(0, T + 7, ">"),
    "nonutf8.pcapng": shb() + idb(65535, name=b"eth\xff\xfe0") + epb(0, T),
    "exact.pcap": pcap(0xa1b23c4d, [(1700000000, 123456789, udp(1000, 2000)),
                                    (1700000000, 987654321, udp(3000, 4000)),
                                    (1700000001, 1, udp(1000, 2000))]),
}
for name, data in files.items():
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)
