#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Print the chunk table of a sidecar index (doc/index-format.md), one chunk a
# line: file_off seek_raw raw_off raw_len packets. For tests.
import struct
import sys

d = open(sys.argv[1], "rb").read()
assert d[:8] == b"PCAPRIDX", "not an index"
nsec = struct.unpack_from("<I", d, 64)[0]
for i in range(nsec):
    typ, count, off, _ = struct.unpack_from("<IIQQ", d, 72 + 24 * i)
    if typ == 1:
        for k in range(count):
            fo, sr, ro, rl, _, _, pk = struct.unpack_from("<QQQQqqQ", d, off + 96 * k)
            print(fo, sr, ro, rl, pk)
