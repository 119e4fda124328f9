#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Writes the seed corpus for fuzz_index into tests/fuzz/corpus/index/: the
# sidecars `pcaprec index` makes for the test captures (pcap, pcapng with two
# sections, gzip with several members, one cut short), and damaged copies
# (cut, a flipped byte, a later version, a damaged flow table). PCAPREC names the binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/corpus/index"
td="$here/../../testdata"
PCAPREC=${PCAPREC:-$here/../../build/rel/pcaprec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cp "$td/corpus.pcap" "$td/sll2.pcap" "$td/corpus.pcapng" "$td/flows.pcap" "$tmp/"
cat "$td/corpus.pcapng" "$td/corpus.pcapng" >"$tmp/two-sections.pcapng"
head -c 5000 "$td/flows.pcap" >"$tmp/cut.pcap"
head -c 30000 "$td/flows.pcap" >"$tmp/flows30k.pcap"
gzip -c "$td/corpus.pcap" >"$tmp/tool.pcap.gz"
"$PCAPREC" index -q --chunk-size 4K "$tmp" || true
for f in "$tmp"/*.pidx; do
	cp "$f" "$out/$(basename "$f")"
done
s="$out/corpus.pcap.pidx"
head -c 200 "$s" >"$out/damaged-cut.pidx"
python3 - "$s" "$out" <<'PY'
import sys, zlib, struct
d = bytearray(open(sys.argv[1], "rb").read())
def seal(b):
    # version 2: the flow section's CRC-32 at 68, the trailer's over everything else
    off = ln = 0
    for k in range(struct.unpack_from("<I", b, 64)[0]):
        t, _, o, l = struct.unpack_from("<IIQQ", b, 72 + 24 * k)
        if t == 4:
            off, ln = o, l
    struct.pack_into("<I", b, 68, zlib.crc32(bytes(b[off:off + ln])))
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:off]) + bytes(b[off + ln:-4])))
f = bytearray(d); f[100] ^= 0x40
open(sys.argv[2] + "/damaged-flip.pidx", "wb").write(f)
v = bytearray(d); struct.pack_into("<I", v, 8, 3)
seal(v)
open(sys.argv[2] + "/damaged-version.pidx", "wb").write(v)
# a chunk count that does not match its section, checksum fixed up
c = bytearray(d); struct.pack_into("<I", c, 72 + 4, 1000)
seal(c)
open(sys.argv[2] + "/damaged-count.pidx", "wb").write(c)
# a deflated flow table claiming more rows than the chunks hold packets (a zlib bomb's shape)
b = bytearray(open(sys.argv[2] + "/flows.pcap.pidx", "rb").read())
for k in range(struct.unpack_from("<I", b, 64)[0]):
    if struct.unpack_from("<I", b, 72 + 24 * k)[0] == 4:
        struct.pack_into("<I", b, 72 + 24 * k + 4, 4194304)
seal(b)
open(sys.argv[2] + "/damaged-flowcount.pidx", "wb").write(b)
# a damaged flow table: the rest loads, the flow table is refused
off = 0
for k in range(struct.unpack_from("<I", d, 64)[0]):
    t, _, o, l = struct.unpack_from("<IIQQ", d, 72 + 24 * k)
    if t == 4:
        off, ln = o, l
w = bytearray(d); w[off + ln // 2] ^= 0x08
open(sys.argv[2] + "/damaged-flows.pidx", "wb").write(w)
PY
