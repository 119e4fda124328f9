#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Checks `pcaprec read --json` output against tshark for the same capture:
# every line must parse as one JSON object, and every field both decode must
# agree. Usage: read_json_check.py OURS.ndjson CAPTURE [FIELD...]; the
# FIELDs named must have been compared at least once (so the check cannot
# pass by comparing nothing). Exits 1 on any disagreement.
import json
import subprocess
import sys

ours_path, capture = sys.argv[1], sys.argv[2]
required = sys.argv[3:]

FIELDS = ["frame.time_epoch", "frame.len", "frame.cap_len", "eth.src", "eth.dst",
          "ieee8021ad.id", "vlan.id", "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
          "ip.src", "ip.dst", "ip.ttl", "ip.id", "ip.proto", "ipv6.src", "ipv6.dst", "ipv6.hlim",
          "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags",
          "tcp.window_size_value", "udp.srcport", "udp.dstport", "udp.length",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code"]

cmd = ["tshark", "-r", capture, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
       "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=/t"]
for f in FIELDS:
    cmd += ["-e", f]
rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()

ours = []
with open(ours_path) as fh:
    for n, line in enumerate(fh, 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            print("line %d is not JSON: %s" % (n, e))
            sys.exit(1)
        if not isinstance(obj, dict):
            print("line %d is not an object" % n)
            sys.exit(1)
        ours.append(obj)
if len(ours) != len(rows):
    print("packet count differs: pcaprec %d, tshark %d" % (len(ours), len(rows)))
    sys.exit(1)

compared = {}
bad = 0


def first(v):
    return v.split(",")[0] if v else ""


def check(n, field, ours_val, theirs):
    """Compare when tshark has the field; count the comparison."""
    global bad
    if theirs == "":
        return
    compared[field] = compared.get(field, 0) + 1
    if str(ours_val) != theirs:
        bad += 1
        print("packet %d: %s: pcaprec %r, tshark %r" % (n, field, ours_val, theirs))


for n, (o, row) in enumerate(zip(ours, rows), 1):
    t = dict(zip(FIELDS, (row.split("\t") + [""] * len(FIELDS))[:len(FIELDS)]))
    check(n, "frame.time_epoch", "%d.%09d" % (o["ts_sec"], o["ts_nsec"]), t["frame.time_epoch"])
    check(n, "frame.len", o["len"], t["frame.len"])
    check(n, "frame.cap_len", o["caplen"], t["frame.cap_len"])
    link = o.get("link", {})
    if "src" in link and link.get("proto") in ("ether", "llc"):
        check(n, "eth.src", link["src"], first(t["eth.src"]))
        check(n, "eth.dst", link["dst"], first(t["eth.dst"]))
    if link.get("vlan"):
        tags = [x for x in (t["ieee8021ad.id"] + "," + t["vlan.id"]).split(",") if x]
        check(n, "vlan.id", ",".join(str(v["vid"]) for v in link["vlan"]), ",".join(tags))
    if "arp" in o and o["arp"]["status"] == "ok":
        a = o["arp"]
        check(n, "arp.opcode", a["op"], first(t["arp.opcode"]))
        if "spa" in a:
            check(n, "arp.src.proto_ipv4", a["spa"], first(t["arp.src.proto_ipv4"]))
            check(n, "arp.dst.proto_ipv4", a["tpa"], first(t["arp.dst.proto_ipv4"]))
    ip4, ip6 = o.get("ipv4"), o.get("ipv6")
    if ip4 and ip4["status"] == "ok":
        check(n, "ip.src", ip4["src"], first(t["ip.src"]))
        check(n, "ip.dst", ip4["dst"], first(t["ip.dst"]))
        check(n, "ip.ttl", ip4["ttl"], first(t["ip.ttl"]))
        check(n, "ip.id", "0x%04x" % ip4["id"], first(t["ip.id"]))
        check(n, "ip.proto", ip4["proto"], first(t["ip.proto"]))
    if ip6 and ip6["status"] == "ok":
        check(n, "ipv6.src", ip6["src"], first(t["ipv6.src"]))
        check(n, "ipv6.dst", ip6["dst"], first(t["ipv6.dst"]))
        check(n, "ipv6.hlim", ip6["hlim"], first(t["ipv6.hlim"]))
    tcp, udp = o.get("tcp"), o.get("udp")
    if tcp and "sport" in tcp:
        check(n, "tcp.srcport", tcp["sport"], first(t["tcp.srcport"]))
        check(n, "tcp.dstport", tcp["dport"], first(t["tcp.dstport"]))
    if tcp and tcp["status"] == "ok":
        check(n, "tcp.seq_raw", tcp["seq"], first(t["tcp.seq_raw"]))
        check(n, "tcp.ack_raw", tcp["ack"], first(t["tcp.ack_raw"]))
        check(n, "tcp.flags", "0x%04x" % tcp["flags"], first(t["tcp.flags"]))
        check(n, "tcp.window_size_value", tcp["win"], first(t["tcp.window_size_value"]))
    if udp and "sport" in udp:
        check(n, "udp.srcport", udp["sport"], first(t["udp.srcport"]))
        check(n, "udp.dstport", udp["dport"], first(t["udp.dstport"]))
    if udp and udp["status"] == "ok":
        check(n, "udp.length", udp["len"], first(t["udp.length"]))
    for key, tf in (("icmp", "icmp"), ("icmpv6", "icmpv6")):
        m = o.get(key)
        if m and "type" in m:
            check(n, tf + ".type", m["type"], first(t[tf + ".type"]))
            check(n, tf + ".code", m["code"], first(t[tf + ".code"]))

missing = [f for f in required if not compared.get(f)]
print("%d packets; compared: %s" % (len(ours), ", ".join("%s %d" % kv for kv in sorted(compared.items()))))
if missing:
    print("never compared: %s" % ", ".join(missing))
    sys.exit(1)
sys.exit(1 if bad else 0)
