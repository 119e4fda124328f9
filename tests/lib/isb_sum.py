#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Independent pcapng walker (pcapng spec section 4.6): for each file given
# (plain or gzip, little-endian), counts Enhanced Packet Blocks per
# interface and sums the options of its Interface Statistics Blocks.
# Prints one line per file, "FILE EPBS RECV DROP OSDROP USRDELIV", and a
# last line "total EPBS RECV DROP OSDROP USRDELIV". RECV is isb_ifrecv, or
# isb_filteraccept where that is written instead. Exits 1 when a file has
# no ISB for an interface that has an IDB, or usrdeliv differs from the EPBs.
# With --opts FILE: prints {interface: {option code: value}} of the file's
# ISBs as JSON (the last ISB of each interface) and nothing else.
import gzip
import json
import struct
import sys

ISB_IFRECV, ISB_IFDROP, ISB_FILTERACCEPT, ISB_OSDROP, ISB_USRDELIV = 4, 5, 6, 7, 8


def walk(path):
    raw = open(path, "rb").read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    off, nidb, epbs, isbs = 0, 0, {}, {}
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12 or off + blen > len(data):
            raise SystemExit("%s: bad block at %d" % (path, off))
        if btype == 1:
            nidb += 1
        elif btype == 6:
            iface = struct.unpack_from("<I", data, off + 8)[0]
            epbs[iface] = epbs.get(iface, 0) + 1
        elif btype == 5:
            iface = struct.unpack_from("<I", data, off + 8)[0]
            opts, o = {}, off + 20
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack_from("<HH", data, o)
                if code == 0:
                    break
                if olen == 8:
                    opts[code] = struct.unpack_from("<Q", data, o + 4)[0]
                o += 4 + (olen + 3) // 4 * 4
            isbs.setdefault(iface, []).append(opts)
        off += blen
    return nidb, epbs, isbs


if sys.argv[1] == "--opts":
    print(json.dumps({i: v[-1] for i, v in walk(sys.argv[2])[2].items()}))
    sys.exit(0)
bad = 0
tot = [0, 0, 0, 0, 0]
for path in sys.argv[1:]:
    nidb, epbs, isbs = walk(path)
    row = [sum(epbs.values()), 0, 0, 0, 0]
    for i in range(nidb):
        if len(isbs.get(i, [])) > 1:
            print("%s: %d ISBs for interface %d" % (path, len(isbs[i]), i), file=sys.stderr)
            bad = 1
        o = isbs.get(i, [None])[0]
        if o is None:
            print("%s: no ISB for interface %d" % (path, i), file=sys.stderr)
            bad = 1
            continue
        row[1] += o.get(ISB_IFRECV, o.get(ISB_FILTERACCEPT, 0))
        row[2] += o.get(ISB_IFDROP, 0)
        row[3] += o.get(ISB_OSDROP, 0)
        row[4] += o.get(ISB_USRDELIV, 0)
        if o.get(ISB_USRDELIV) != epbs.get(i, 0):
            print("%s: interface %d: usrdeliv %s, %d EPBs" % (path, i, o.get(ISB_USRDELIV),
                  epbs.get(i, 0)), file=sys.stderr)
            bad = 1
    print(path, *row)
    tot = [a + b for a, b in zip(tot, row)]
print("total", *tot)
sys.exit(bad)
