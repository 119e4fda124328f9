#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Community IDs of pcaprec summary --json (TCP and UDP conversations) against tshark's
# communityid post-dissector (Wireshark's own implementation of the spec).
# usage: community_id.py SUMMARY_JSON|FLOWS_NDJSON TSHARK_FIELDS  (tshark -T fields -e ip.src -e ipv6.src
#        -e tcp.srcport -e udp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport -e communityid)
import ipaddress
import json
import sys


def key(a, pa, b, pb):
    x = (ipaddress.ip_address(a), int(pa))
    y = (ipaddress.ip_address(b), int(pb))
    return (x, y) if x <= y else (y, x)


def main():
    text = open(sys.argv[1]).read()
    ours = {}
    if text.startswith('{"pcaprec_summary"'):
        rep = json.loads(text)["reports"][0]["conversations"]
        for kind in ("tcp", "udp"):
            for r in rep[kind]["rows"]:
                ours[(kind,) + key(r["a"], r["port_a"], r["b"], r["port_b"])] = r["community_id"]
    else:  # pcaprec flows --json: ECS documents
        for line in text.splitlines():
            d = json.loads(line)
            kind = d["network"]["transport"]
            if kind in ("tcp", "udp"):
                k = key(d["source"]["ip"], d["source"]["port"], d["destination"]["ip"], d["destination"]["port"])
                ours[(kind,) + k] = d["network"]["community_id"]
    theirs = {}
    for line in open(sys.argv[2]):
        f = line.rstrip("\n").split("\t")
        if len(f) < 9 or not f[8]:
            continue
        src, dst = f[0] or f[1], f[4] or f[5]
        for kind, sp, dp in (("tcp", f[2], f[6]), ("udp", f[3], f[7])):
            if sp and dp and src and dst and "," not in src:
                theirs[(kind,) + key(src, sp, dst, dp)] = f[8]
    bad = [k for k in ours if k in theirs and ours[k] != theirs[k]]
    both = [k for k in ours if k in theirs]
    if bad or len(both) < len(ours):
        print(f"{len(bad)} differ, {len(ours) - len(both)} not in tshark, e.g. {bad[:1]}", file=sys.stderr)
        return 1
    print(len(both))
    return 0


if __name__ == "__main__":
    sys.exit(main())
