#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Compares `pcaprec summary --json` output with capinfos and tshark on the same capture.
#
#   summary_oracle.py totals OURS.json CAPTURE
#   summary_oracle.py conv eth|ip|ipv6|tcp|udp OURS.json CAPTURE [TSHARK_OPTION...]
#   summary_oracle.py endpoints ip|ipv6|eth|tcp|udp OURS.json CAPTURE [TSHARK_OPTION...]
#   summary_oracle.py phs OURS.json CAPTURE PROTO,PROTO... [TSHARK_OPTION...]
#
# Prints every difference and exits 1 when there is any; prints what was
# compared on success, so a test that compared nothing cannot pass silently.
import datetime
import json
import os
import subprocess
import sys

errors = []


def fail(msg):
    errors.append(msg)


def run(cmd):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    if p.returncode != 0:
        sys.exit("oracle failed: %s: %s" % (" ".join(cmd), p.stderr))
    return p.stdout


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("pcaprec_summary") != 1 or len(doc["reports"]) != 1:
        sys.exit("%s: expected one report of schema 1" % path)
    return doc["reports"][0]


def capinfos_time_ns(s):
    """'2023-11-14 22:13:20.329816' (UTC) -> ns since the epoch, exact."""
    date, frac = s.split(".") if "." in s else (s, "0")
    dt = datetime.datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9])


def close(a, b, rel=1e-4, absolute=0.006):
    return abs(a - b) <= max(absolute, rel * abs(b))


def check_totals(ours, capture):
    out = run(["capinfos", "-T", "-M", capture]).rstrip("\n").split("\n")
    row = dict(zip(out[0].split("\t"), out[1].split("\t")))
    t = ours["totals"]
    exact = [("Number of packets", t["packets"]), ("Data size (bytes)", t["data_bytes"])]
    if ours["files"][0]["name"] == capture:  # not when a filtered copy stands in for the input
        exact.append(("File size (bytes)", ours["files"][0]["size"]))
    for name, mine in exact:
        if int(row[name]) != mine:
            fail("%s: capinfos %s, ours %s" % (name, row[name], mine))
    # capinfos prints times at the file's precision: compare at that precision.
    digits = len(row["Start time"].split(".")[1]) if "." in row["Start time"] else 0
    unit = 10 ** (9 - digits)
    for name, mine in (("Start time", t["first_ns"]), ("End time", t["last_ns"])):
        if capinfos_time_ns(row[name]) != mine // unit * unit:
            fail("%s: capinfos %s, ours %d" % (name, row[name], mine))
    approx = [("Capture duration (seconds)", t["duration"]),
              ("Data byte rate (bytes/sec)", t["data_byte_rate"]),
              ("Data bit rate (bits/sec)", t["data_bit_rate"]),
              ("Average packet size (bytes)", t["avg_packet_size"]),
              ("Average packet rate (packets/sec)", t["avg_packet_rate"])]
    for name, mine in approx:
        if not close(float(row[name]), mine):
            fail("%s: capinfos %s, ours %s" % (name, row[name], mine))
    enc = {"ether": 1, "rawip": 101, "linux-sll2": 276, "null": 0}.get(row["File encapsulation"])
    if enc is not None and ours["files"][0]["interfaces"][0]["linktype"] != enc:
        fail("encapsulation: capinfos %s, ours %s" % (row["File encapsulation"],
                                                       ours["files"][0]["interfaces"][0]["linktype"]))
    print("totals: compared %d fields with capinfos" % (len(exact) + 2 + len(approx)))


def size_matches(text_num, unit, mine):
    """tshark prints bytes >= 10000 as 'N kB' / 'N MB' (SI, truncated)."""
    n = int(text_num)
    if unit == "bytes":
        return n == mine
    div = {"kB": 1000, "MB": 1000**2, "GB": 1000**3}[unit]
    return mine // div == n


def split_end(s, ports):
    if not ports:
        return (s, None)
    addr, port = s.rsplit(":", 1)
    return (addr, int(port))


def tshark_table(capture, z, opts):
    lines = run(["tshark", "-n", "-r", capture, "-q", "-z", z] + opts).split("\n")
    return [l.split() for l in lines if l and not l.startswith(("=", "|", " ", "Filter", "IPv", "TCP",
                                                                    "UDP", "Ethernet"))]


def check_conv(kind, ours, capture, opts):
    ports = kind in ("tcp", "udp")
    theirs = {}
    for tok in tshark_table(capture, "conv," + kind, opts):
        if len(tok) < 14 or tok[1] != "<->":
            continue
        a, b = split_end(tok[0], ports), split_end(tok[2], ports)
        row = {"ba": (int(tok[3]), tok[4], tok[5]), "ab": (int(tok[6]), tok[7], tok[8]),
               "frames": int(tok[9]), "rel": float(tok[12]), "dur": float(tok[13])}
        if (a, b) in theirs:
            fail("tshark lists %s <-> %s twice (port reuse?)" % (a, b))
        theirs[(a, b)] = row
    mine = {}
    for r in ours["conversations"][kind]["rows"]:
        a, b = (r["a"], r.get("port_a")), (r["b"], r.get("port_b"))
        mine[(a, b)] = r
    if ours["conversations"][kind]["count"] != len(ours["conversations"][kind]["rows"]):
        fail("conv %s: JSON holds %d of %d rows (use --top 0)" % (
            kind, len(ours["conversations"][kind]["rows"]), ours["conversations"][kind]["count"]))
    for (a, b), t in theirs.items():
        r = mine.pop((a, b), None)
        swapped = False
        if r is None:
            r = mine.pop((b, a), None)
            swapped = True
            if r is None:
                fail("conv %s: %s <-> %s only in tshark" % (kind, a, b))
                continue
            fail("conv %s: %s <-> %s: tshark's A is our B" % (kind, a, b))
        ab = ("frames_ba", "bytes_ba") if swapped else ("frames_ab", "bytes_ab")
        ba = ("frames_ab", "bytes_ab") if swapped else ("frames_ba", "bytes_ba")
        if t["ab"][0] != r[ab[0]] or not size_matches(t["ab"][1], t["ab"][2], r[ab[1]]):
            fail("conv %s: %s -> %s: tshark %s, ours %s/%s" % (kind, a, b, t["ab"], r[ab[0]], r[ab[1]]))
        if t["ba"][0] != r[ba[0]] or not size_matches(t["ba"][1], t["ba"][2], r[ba[1]]):
            fail("conv %s: %s <- %s: tshark %s, ours %s/%s" % (kind, a, b, t["ba"], r[ba[0]], r[ba[1]]))
        if t["frames"] != r["frames"]:
            fail("conv %s: %s <-> %s frames: tshark %d, ours %d" % (kind, a, b, t["frames"], r["frames"]))
        if not close(t["rel"], r["rel_start"], 0, 2e-6) or not close(t["dur"], r["duration"], 0, 1e-4):
            fail("conv %s: %s <-> %s start/duration: tshark %s/%s, ours %s/%s" % (
                kind, a, b, t["rel"], t["dur"], r["rel_start"], r["duration"]))
    for (a, b) in mine:
        fail("conv %s: %s <-> %s only in ours" % (kind, a, b))
    if not theirs and not (os.environ.get("ORACLE_ALLOW_EMPTY") and ours["conversations"][kind]["count"] == 0):
        fail("conv %s: tshark listed no conversation" % kind)
    print("conv %s: compared %d conversations with tshark" % (kind, len(theirs)))


def check_endpoints(kind, ours, capture, opts):
    ports = kind in ("tcp", "udp")
    theirs = {}
    for tok in tshark_table(capture, "endpoints," + kind, opts):
        off = 1 if ports else 0
        if len(tok) < 7 + off:
            continue
        key = (tok[0], int(tok[1]) if ports else None)
        theirs[key] = [int(x) for x in tok[1 + off:7 + off]]
    mine = {(r["address"], r.get("port")): r for r in ours["endpoints"][kind]["rows"]}
    if ours["endpoints"][kind]["count"] != len(mine):
        fail("endpoints %s: JSON holds %d of %d rows (use --top 0)" % (
            kind, len(mine), ours["endpoints"][kind]["count"]))
    for key, t in theirs.items():
        r = mine.pop(key, None)
        if r is None:
            fail("endpoints %s: %s only in tshark" % (kind, key))
            continue
        got = [r["packets"], r["bytes"], r["tx_packets"], r["tx_bytes"], r["rx_packets"], r["rx_bytes"]]
        if got != t:
            fail("endpoints %s: %s: tshark %s, ours %s" % (kind, key, t, got))
    for key in mine:
        fail("endpoints %s: %s only in ours" % (kind, key))
    if not theirs:
        fail("endpoints %s: tshark listed no endpoint" % kind)
    print("endpoints %s: compared %d endpoints with tshark" % (kind, len(theirs)))


def check_phs(ours, capture, protos, opts):
    lines = run(["tshark", "-n", "-r", capture, "-q", "-z", "io,phs"] + opts).split("\n")
    theirs, stack = {}, []
    for l in lines:
        if "frames:" not in l:
            continue
        depth = (len(l) - len(l.lstrip(" "))) // 2
        name, frames, nbytes = l.split()
        stack = stack[:depth] + [name]
        theirs[":".join(stack)] = (int(frames.split(":")[1]), int(nbytes.split(":")[1]))
    mine = {p["path"]: (p["frames"], p["bytes"]) for p in ours["protocols"]}
    n = 0
    for path, t in theirs.items():
        if path.split(":")[-1] not in protos:
            continue
        n += 1
        if mine.get(path) != t:
            fail("phs %s: tshark %s, ours %s" % (path, t, mine.get(path)))
    for path, m in mine.items():
        if path.split(":")[-1] in protos and path not in theirs:
            fail("phs %s: only in ours %s" % (path, m))
    if n == 0:
        fail("phs: no path of %s in tshark's output" % protos)
    print("phs: compared %d protocol paths with tshark" % n)


def main(argv):
    what = argv[1]
    if what == "totals":
        check_totals(load(argv[2]), argv[3])
    elif what == "conv":
        check_conv(argv[2], load(argv[3]), argv[4], argv[5:])
    elif what == "endpoints":
        check_endpoints(argv[2], load(argv[3]), argv[4], argv[5:])
    elif what == "phs":
        check_phs(load(argv[2]), argv[3], set(argv[4].split(",")), argv[5:])
    else:
        sys.exit("unknown check " + what)
    for e in errors[:50]:
        print("MISMATCH " + e)
    if len(errors) > 50:
        print("... %d more" % (len(errors) - 50))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
