#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Reference answer for pcaprec extract, from other tools only: tcpdump (libpcap) filters each
# file, pktlist (libpcap) lists its packets, the window is applied here and the files are merged
# by time (ties: earlier file first), then compared with pktlist of extract's output.
#
# usage: extract_ref.py OUTPUT SINCE_NS|- UNTIL_NS|- EXPR FILE...
# Exit 0 when OUTPUT holds exactly the reference packets in order (time and bytes), else 1
# with the first difference on stderr.
import gzip
import heapq
import os
import subprocess
import sys
import tempfile

TOOLS = os.environ["TOOLS"]


def pktlist(path):
    out = subprocess.run([f"{TOOLS}/pktlist", path], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        _lt, ts, _cap, wire, data = line.split(" ")
        sec, nsec = ts.split(".")
        rows.append((int(sec) * 10**9 + int(nsec), wire, data))
    return rows


def filtered(path, expr, tmp):
    src = path
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":  # tcpdump -r does not inflate: give it the plain bytes
        src = os.path.join(tmp, "in-%d" % len(os.listdir(tmp)))
        with gzip.open(path, "rb") as g, open(src, "wb") as o:
            o.write(g.read())
    dst = os.path.join(tmp, "out-%d" % len(os.listdir(tmp)))
    cmd = ["tcpdump", "-nn", "-q", "--time-stamp-precision=nano", "-r", src, "-w", dst]
    if expr:
        cmd.append(expr)
    subprocess.run(cmd, check=True, capture_output=True)
    return pktlist(dst)


def main():
    output, since, until, expr = sys.argv[1:5]
    files = sys.argv[5:]
    lo = None if since == "-" else int(since)
    hi = None if until == "-" else int(until)
    with tempfile.TemporaryDirectory() as tmp:
        lists = []
        for i, f in enumerate(files):
            rows = [r for r in filtered(f, expr, tmp)
                    if (lo is None or r[0] >= lo) and (hi is None or r[0] < hi)]
            lists.append([(r[0], i, r[1], r[2]) for r in rows])
    want = [(t, w, d) for t, _i, w, d in heapq.merge(*lists, key=lambda r: (r[0], r[1]))]
    if output.endswith(".gz"):
        with gzip.open(output, "rb") as g, tempfile.NamedTemporaryFile(delete=False) as o:
            o.write(g.read())
        got = pktlist(o.name)
        os.unlink(o.name)
    else:
        got = pktlist(output)
    for k, (a, b) in enumerate(zip(got, want)):
        if a != b:
            print(f"packet {k + 1}: extract {a[0]} len {a[1]}, reference {b[0]} len {b[1]}",
                  file=sys.stderr)
            return 1
    if len(got) != len(want):
        print(f"extract wrote {len(got)} packets, reference has {len(want)}", file=sys.stderr)
        return 1
    print(len(got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
