#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Send COUNT hand-built 802.1Q-tagged UDP frames (VLAN VID, 192.0.2.1 ->
# 192.0.2.2, destination port DPORT, payload "PCAPREC-TAG-<DPORT>-<seq>")
# out of IFACE with a packet socket, as fast as the socket takes them. The
# receiving kernel strips the tag into the frame's metadata, so a capture
# socket's filter sees the frame without it. Test network only; COUNT is
# capped at 20000.
#
# usage: sendtagged.py IFACE SRC_MAC DST_MAC VID DPORT COUNT
import socket
import struct
import sys


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(src, dst, vid, dport, seq):
    payload = b"PCAPREC-TAG-%05d-%05d" % (dport, seq)
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst + src + struct.pack("!HHH", 0x8100, vid & 0x0FFF, 0x0800) + ip + udp


def main():
    if len(sys.argv) != 7:
        sys.exit("usage: sendtagged.py IFACE SRC_MAC DST_MAC VID DPORT COUNT")
    iface = sys.argv[1]
    src, dst = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[2:4])
    vid, dport, count = (int(v) for v in sys.argv[4:7])
    count = min(count, 20000)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(count):
        s.send(frame(src, dst, vid, dport, i))
    s.close()


main()
