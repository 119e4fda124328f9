#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Compares `pcaprec read` lines with `tcpdump -nn -S` lines for the same
# capture, field by field, allowing only the differences README documents
# ("Differences from tcpdump"). Usage: read_compare.py OURS THEIRS.
# Prints every line that differs otherwise and exits 1; prints a tally.
import re
import sys

ours = [l.rstrip("\n") for l in open(sys.argv[1])]
# tcpdump's hex dumps of undecoded payloads are continuation lines (tab-led)
theirs = [l.rstrip("\n") for l in open(sys.argv[2]) if not l.startswith("\t")]

# tcpdump looks SLL2 interface indexes up on the local host ("eth0  In  ...")
SLL2_IFNAME = re.compile(r"^(\S+ )\S+ +(?=(In|Out|B|M|P) )")
# tcpdump details routing headers ("RT6 (len=2, ...) "), pcaprec prints "RT6 "
RT6 = re.compile(r"RT6 \(.*?\) ")
# pcaprec -v does not verify checksums; tcpdump -v prints them
CKSUM = re.compile(r"(, cksum 0x[0-9a-f]+ \((correct|incorrect[^)]*)\))|(\[(udp|icmp6|icmp) sum ok\] )")
# tcpdump -v decodes IPv4 options; pcaprec gives their length
IPOPTS = re.compile(r", options \([^)]*\)\)")


def endpoint_prefix(line):
    """Text up to and including the ': ' after 'src > dst' (time, proto, addresses, ports)."""
    m = re.match(r"^(.*? > [^ ]+: )", line)
    return m.group(1) if m else None


def norm(t):
    t = SLL2_IFNAME.sub(r"\1", t)
    t = RT6.sub("RT6 ", t)
    t = CKSUM.sub("", t)
    t = IPOPTS.sub(", options)", t)
    return t


def match(o, t):
    """Name of the rule under which ours `o` agrees with tcpdump's `t`, or None."""
    o = IPOPTS.sub(", options)", o)
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
    if re.search(r": UDP, length \d+$", o) and endpoint_prefix(o) and t.startswith(endpoint_prefix(o)):
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
    print("line count differs: pcaprec %d, tcpdump %d" % (len(ours), len(theirs)))
    sys.exit(1)
tally = {}
bad = 0
for i, (o, t) in enumerate(zip(ours, theirs), 1):
    rule = match(o, t)
    if rule is None:
        bad += 1
        print("line %d differs:\n  pcaprec: %s\n  tcpdump: %s" % (i, o, t))
    else:
        tally[rule] = tally.get(rule, 0) + 1
print("%d lines: %s" % (len(ours), ", ".join("%s %d" % kv for kv in sorted(tally.items()))))
# the normalizations must not be what makes the files agree
if tally.get("exact", 0) + tally.get("exact-normalized", 0) < len(ours) // 2:
    print("fewer than half the lines agree exactly")
    sys.exit(1)
sys.exit(1 if bad else 0)
