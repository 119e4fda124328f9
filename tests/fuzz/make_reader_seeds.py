#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes the seed corpus for fuzz_reader into tests/fuzz/corpus/reader/: small pcap and pcapng files
# in both byte orders using every block kind the reader knows, plus gzip, zstd (with the zstd
# tool: two frames, and one cut off) and cut-off variants.
import gzip, os, struct, subprocess, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pcapng_blocks import blk, opt, pad  # noqa: E402

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "reader")
os.makedirs(out, exist_ok=True)
PKT = bytes(range(60))

def pcap(e, magic, recs):
    b = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    for sec, frac, data in recs:
        b += struct.pack(e + "IIII", sec, frac, len(data), len(data) + 4) + data
    return b

def pcapng(e):
    shb = blk(e, 0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1) + opt(e, 0, b""))
    idb0 = blk(e, 1, struct.pack(e + "HHI", 1, 0, 0) + opt(e, 2, b"eth0") + opt(e, 9, b"\x09")
               + opt(e, 14, struct.pack(e + "q", 5)) + opt(e, 0, b""))
    idb1 = blk(e, 1, struct.pack(e + "HHI", 101, 0, 32) + opt(e, 9, b"\x94") + opt(e, 0, b""))
    epb = blk(e, 6, struct.pack(e + "IIIII", 1, 0, 12345, 40, 60) + pad(PKT[:40])
              + opt(e, 2, struct.pack(e + "I", 1)) + opt(e, 0, b""))
    spb = blk(e, 3, struct.pack(e + "I", 60) + PKT)
    pb = blk(e, 2, struct.pack(e + "HHIIII", 0, 0, 0, 777, 20, 20) + PKT[:20])
    isb = blk(e, 5, struct.pack(e + "III", 0, 0, 999) + opt(e, 4, struct.pack(e + "Q", 7))
              + opt(e, 2, struct.pack(e + "II", 0, 1)) + opt(e, 0, b""))
    nrb = blk(e, 4, b"\0" * 8)
    custom = blk(e, 0x00000bad, b"\1\2\3\4pen!")
    return shb + idb0 + nrb + idb1 + epb + spb + pb + custom + isb

files = {
    "pcap-le-us": pcap("<", 0xa1b2c3d4, [(1, 2, PKT), (3, 1500000, PKT[:10])]),
    "pcap-be-ns": pcap(">", 0xa1b23c4d, [(1, 2, PKT), (0xffffffff, 999999999, b"")]),
    "pcapng-le": pcapng("<"),
    "pcapng-be": pcapng(">"),
    "pcapng-two-sections": pcapng("<") + pcapng(">"),
}
# damage the reader must name (pcaprec check: DAMAGED at the offset): an SHB option claiming
# more bytes than its block holds, and an EPB time beyond 64-bit nanoseconds (microseconds)
files["pcapng-shb-opt-overrun"] = (
    blk("<", 0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1) + struct.pack("<HH", 3, 64) + b"os")
    + pcapng("<")[32:])
files["pcapng-ts-overflow"] = (
    pcapng("<")[:32] + blk("<", 1, struct.pack("<HHI", 1, 0, 0) + opt("<", 0, b""))
    + blk("<", 6, struct.pack("<IIIII", 0, 0x00418937, 0x4bc6a7f0, 20, 20) + PKT[:20]))
files["pcapng-le.gz"] = gzip.compress(files["pcapng-le"], mtime=0)
files["pcap-cut.gz"] = gzip.compress(files["pcap-le-us"], mtime=0)[:-9]
files["pcapng-cut"] = files["pcapng-be"][:-7]

def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "--no-progress"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout

files["pcapng-le-2frames.zst"] = zstd(files["pcapng-le"][:100]) + zstd(files["pcapng-le"][100:])
files["pcap-cut.zst"] = zstd(files["pcap-le-us"])[:-9]
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(files), out), file=sys.stderr)
