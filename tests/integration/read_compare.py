#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Compares `pcaprec read` output with `tcpdump -nn` output for the same
# capture, packet by packet (a packet is a line plus its indented
# continuation lines, as -v prints them), allowing only the differences
# README documents ("Differences from tcpdump"). Usage: read_compare.py OURS
# THEIRS. Prints every packet that differs otherwise and exits 1.
import re
import sys

# tcpdump's hex dumps of payloads it cannot decode
HEXDUMP = re.compile(r"^\t+ *0x[0-9a-f]{4}:  ")


def records(path):
    """Packets: a line that does not start with white space, and the lines indented under it."""
    out = []
    for line in open(path):
        line = line.rstrip("\n")
        if HEXDUMP.match(line):
            continue
        if line[:1] in (" ", "\t") and out:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


ours = records(sys.argv[1])
theirs = records(sys.argv[2])

# tcpdump looks SLL2 interface indexes up on the local host ("eth0  In  ...")
SLL2_IFNAME = re.compile(r"^(\S+ )\S+ +(?=(In|Out|B|M|P) )")


def endpoint_prefix(line):
    """Text up to and including the ': ' after 'src > dst' (time, proto, addresses, ports)."""
    m = re.match(r"^(.*? > [^ ]+: )", line, re.S)
    return m.group(1) if m else None


def norm(t):
    return SLL2_IFNAME.sub(r"\1", t)


def match(o, t):
    """Name of the rule under which ours `o` agrees with tcpdump's `t`, or None."""
    if o == t:
        return "exact"
    t = norm(t)
    if o == t:
        return "exact-normalized"
    # tcpdump goes on into the application layer (HTTP, DNS, SMTP...) or the
    # hex of an unknown ethertype: everything pcaprec prints must agree
    if t.startswith(o + ":") or t.startswith(o + " "):
        return "application"
    # UDP/TCP payloads tcpdump decodes by port instead of "UDP, length N"
    udp = re.search(r": (\[udp sum ok\] )?UDP, length \d+$", o)
    if udp and endpoint_prefix(o) and t.startswith(endpoint_prefix(o) + (udp.group(1) or "")):
        return "application"
    # truncation: what pcaprec prints before the marker is what tcpdump prints
    if "[|" in o and "[|" in t and t.startswith(o.split(" [|")[0]):
        return "truncated"
    # a frame with caplen 0: tcpdump prints no timestamp for it
    if o.endswith(" [|ether]") and t == "[Invalid header: caplen==0]":
        return "truncated"
    # protocols pcaprec does not decode (GRE, STP...): time, addresses agree
    if "ip-proto-" in o and endpoint_prefix(o) and t.startswith(endpoint_prefix(o)):
        return "undecoded"
    if "LLC, dsap" in o and t.startswith(o[:o.index("LLC, dsap")]) and re.search(r"STP|LLC", t):
        return "undecoded"
    return None


if len(ours) != len(theirs):
    print("packet count differs: pcaprec %d, tcpdump %d" % (len(ours), len(theirs)))
    sys.exit(1)
tally = {}
bad = 0
for i, (o, t) in enumerate(zip(ours, theirs), 1):
    rule = match(o, t)
    if rule is None:
        bad += 1
        print("packet %d differs:\n  pcaprec: %s\n  tcpdump: %s" % (i, o, t))
    else:
        tally[rule] = tally.get(rule, 0) + 1
print("%d packets: %s" % (len(ours), ", ".join("%s %d" % kv for kv in sorted(tally.items()))))
# the normalizations must not be what makes the files agree
if tally.get("exact", 0) + tally.get("exact-normalized", 0) < len(ours) // 2:
    print("fewer than half the packets agree exactly")
    sys.exit(1)
sys.exit(1 if bad else 0)
