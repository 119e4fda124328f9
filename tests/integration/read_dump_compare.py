#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Compares the -x/-xx/-X/-XX/-A/-AA dumps of `pcaprec read` and tcpdump
# byte for byte, packet by packet. The packet lines may differ (README's
# documented differences); the dumps may not. Each output is cut into
# packets with the lines the same program printed without the dump flag.
# Usage: read_dump_compare.py OURS_DUMP OURS_LINES THEIRS_DUMP THEIRS_LINES
import re
import sys

HEXDUMP = re.compile(r"^\t+ *0x[0-9a-f]{4}:  ")


def heads(path):
    """First line of each packet (continuations and default hex dumps are not)."""
    out = []
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\n")
        if HEXDUMP.match(line) or (line[:1] in (" ", "\t") and out):
            continue
        out.append(line)
    return out


def dumps(path, hs, plain=None):
    """The text after each packet's line up to the next packet's line, less what
    the same program printed there without the dump flag (`plain`: tcpdump's
    default hex of payloads it does not decode)."""
    text = open(path, encoding="latin-1").read()
    out, pos = [], 0
    for i, h in enumerate(hs):
        if not text.startswith(h, pos):
            sys.exit("%s: packet %d does not start with its line %r" % (path, i + 1, h))
        pos += len(h)
        if i + 1 < len(hs):
            nxt = text.find("\n" + hs[i + 1], pos)
            if nxt < 0:
                sys.exit("%s: packet %d's line not found" % (path, i + 2))
            out.append(text[pos:nxt])
            pos = nxt + 1
        else:
            out.append(text[pos:].rstrip("\n"))
    return out


def strip(dump, plain):
    """The dump less the lines tcpdump prints there without the flag, if it starts with them."""
    return dump[len(plain):] if plain and dump.startswith(plain) else dump


ours_heads, theirs_heads = heads(sys.argv[2]), heads(sys.argv[4])
ours = dumps(sys.argv[1], ours_heads)
theirs = dumps(sys.argv[3], theirs_heads)
plain = dumps(sys.argv[4], theirs_heads)
if len(ours) != len(theirs):
    sys.exit("packet count differs: pcaprec %d, tcpdump %d" % (len(ours), len(theirs)))
bad = 0
for i, (o, t) in enumerate(zip(ours, theirs), 1):
    # README: a protocol pcaprec does not decode (ip-proto-N) that tcpdump
    # finds cut short ends tcpdump's packet early, and it dumps from byte 0
    # tcpdump's own hex of a payload it cannot decode comes before the dump
    # (or is the same text, with -X)
    if o != t and o == strip(t, plain[i - 1]):
        continue
    if o != t and "ip-proto-" in ours_heads[i - 1] and "[|" in theirs_heads[i - 1]:
        continue
    if o != t:
        bad += 1
        if bad <= 5:
            print("packet %d dump differs:\n  pcaprec: %r\n  tcpdump: %r" % (i, o, t))
nonempty = sum(1 for o in ours if o)
print("%d packets, %d with a dump, %d differ" % (len(ours), nonempty, bad))
sys.exit(1 if bad or nonempty == 0 else 0)
