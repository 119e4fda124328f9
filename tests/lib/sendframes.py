#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Send a fixed, bounded set of hand-built frames (UDP with sequence markers,
# 802.1Q and 802.1ad tagged UDP, ARP, a large UDP frame) out of IFACE with a
# packet socket, and write each frame's bytes as one hex line to OUTFILE so a
# test can look for every one of them in a capture. Test network only:
# addresses from 192.0.2.0/24.
#
# usage: sendframes.py IFACE SRC_MAC DST_MAC OUTFILE
import sys

from scapy.all import ARP, UDP, Dot1AD, Dot1Q, Ether, IP, Raw, sendp  # noqa: E402


def frames(src, dst):
    out = []
    eth = Ether(src=src, dst=dst)
    for i in range(5):
        marker = b"PCAPREC-SEQ-%04d-" % i
        out.append(eth / IP(src="192.0.2.1", dst="192.0.2.2") /
                   UDP(sport=40000 + i, dport=9) / Raw(marker + b"x" * (20 * i)))
    for i, (prio, vid) in enumerate([(0, 100), (5, 4094), (3, 1)]):
        out.append(eth / Dot1Q(prio=prio, vlan=vid) /
                   IP(src="192.0.2.1", dst="192.0.2.2") /
                   UDP(sport=41000 + i, dport=9) / Raw(b"PCAPREC-VLAN-%04d" % i))
    out.append(eth / Dot1AD(vlan=200) / IP(src="192.0.2.1", dst="192.0.2.2") /
               UDP(sport=42000, dport=9) / Raw(b"PCAPREC-QINQ-0000"))
    out.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=src, psrc="192.0.2.1", pdst="192.0.2.2"))
    out.append(eth / IP(src="192.0.2.1", dst="192.0.2.2") /
               UDP(sport=43000, dport=9) / Raw(b"PCAPREC-BIG-0000" + b"y" * 1400))
    return [bytes(f) for f in out]


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: sendframes.py IFACE SRC_MAC DST_MAC OUTFILE")
    iface, src, dst, path = sys.argv[1:]
    fs = frames(src, dst)
    with open(path, "w") as f:
        for b in fs:
            f.write(b.hex() + "\n")
    for b in fs:
        sendp(b, iface=iface, verbose=0)


main()
