#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes a pcap with N UDP conversations (2 packets each, request then answer)
# between 192.0.2.0/24 and 198.51.100.0/24, for summary.bats's flow-table cap
# test. Plain struct packing: fast, deterministic, no scapy needed.
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("02000000000b02000000000a0800")
    return eth + ip + udp


def main(path, n):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    t = 1700000000 * 1000000
    for i in range(n):
        a = bytes([192, 0, 2, 1 + i % 200])
        b = bytes([198, 51, 100, 1 + (i // 200) % 200])
        sport, dport = 10000 + i % 50000, 53 + i // 50000
        for pkt in (frame(a, b, sport, dport, b"q" * (i % 17)), frame(b, a, dport, sport, b"a" * (i % 29))):
            t += 137
            out.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(pkt), len(pkt)) + pkt)
    with open(path, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
