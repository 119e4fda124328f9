#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes the seed corpus for fuzz_decode into tests/fuzz/corpus/decode/: every
# frame of the testdata captures (corpus.pcap, sll2.pcap, raw.pcap, null.pcap)
# behind fuzz_decode's two control bytes (link type index, depth/options),
# and the first frame of each kind the integration tests generate with scapy
# (tunnels: summary_tunnels.py; TCP options and IPv6 extension headers:
# decode_frames.py), frames under 1500 bytes.
import os
import struct
import subprocess
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "decode")
os.makedirs(out, exist_ok=True)
# index of each link type in fuzz_decode.c's table
INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7}


def frames(path):
    """(linktype, bytes) of each record of a little-endian classic pcap file."""
    b = open(path, "rb").read()
    linktype = struct.unpack("<I", b[20:24])[0]
    off = 24
    while off + 16 <= len(b):
        _, _, caplen, _ = struct.unpack("<IIII", b[off:off + 16])
        off += 16
        yield linktype, b[off:off + caplen]
        off += caplen


n = 0
for name in ("corpus.pcap", "sll2.pcap", "raw.pcap", "null.pcap"):
    for i, (lt, data) in enumerate(frames(os.path.join(here, "..", "..", "testdata", name))):
        # depth ALL; every fourth seed also with -e, -v and a larger origlen
        ctl = 3 | (0x70 if i % 4 == 0 else 0)
        with open(os.path.join(out, "%s-%02d" % (name.split(".")[0], i + 1)), "wb") as f:
            f.write(bytes([INDEX[lt], ctl]) + data)
        n += 1
integ = os.path.join(here, "..", "integration")
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["/usr/bin/python3", os.path.join(integ, "summary_tunnels.py"), os.path.join(tmp, "tun.pcap")],
                   check=True, stderr=subprocess.DEVNULL)
    subprocess.run(["/usr/bin/python3", os.path.join(integ, "decode_frames.py"), tmp],
                   check=True, stderr=subprocess.DEVNULL)
    # tun.pcap repeats 12 encapsulations; tcpopts.pcap has 52 option forms, ext.pcap 10 chains
    for name, count in (("tun.pcap", 12), ("tcpopts.pcap", 52), ("ext.pcap", 10)):
        for i, (lt, data) in enumerate(frames(os.path.join(tmp, name))):
            if i >= count or len(data) > 1500:
                continue
            with open(os.path.join(out, "%s-%02d" % (name.split(".")[0], i + 1)), "wb") as f:
                f.write(bytes([INDEX[lt], 3]) + data)
            n += 1
print("%d seeds in %s" % (n, out))
