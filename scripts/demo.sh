#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `make demo`: builds a two-host test network in network namespaces (veth
# pair, 192.0.2.0/24 and 2001:db8::/64 only), sends a bounded mix of traffic
# (ping, ping -6, UDP, a TCP exchange), records it with pcaprec on host B,
# and shows what was recorded (capinfos, pcaprec read, pcaprec summary when
# it exists). Output goes to ./demo-out/. Needs root. Nothing here touches
# the machine's real interfaces; everything is removed at exit.
set -eu
cd "$(dirname "$0")/.."
PCAPREC=${PCAPREC:-./pcaprec}
OUTDIR=demo-out
id=$(printf '%x' "$$" | tail -c 6)
NS_A="pcdemoA$id"
NS_B="pcdemoB$id"
IF_A="vda$id"
IF_B="vdb$id"
rec_pid=
lst_pid=

cleanup() {
	[ -n "$rec_pid" ] && kill "$rec_pid" 2>/dev/null || true
	[ -n "$lst_pid" ] && kill "$lst_pid" 2>/dev/null || true
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, raw sockets)" >&2
	exit 1
fi
mkdir -p "$OUTDIR"

echo "== test network: $NS_A ($IF_A 192.0.2.1) <-> $NS_B ($IF_B 192.0.2.2)"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" addr add 192.0.2.1/24 dev "$IF_A"
ip -n "$NS_B" addr add 192.0.2.2/24 dev "$IF_B"
ip -n "$NS_A" addr add 2001:db8::1/64 dev "$IF_A" nodad
ip -n "$NS_B" addr add 2001:db8::2/64 dev "$IF_B" nodad
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" link set "$IF_B" up
ip netns exec "$NS_B" "$PCAPREC" interfaces

stamp=$(date -u +%Y%m%dT%H%M%SZ)
rot=""
if "$PCAPREC" record --help 2>/dev/null | grep -q -- '--rotate-time'; then
	out="$OUTDIR/demo-$stamp-%n.pcapng"
	rot="-G 2s"
else
	out="$OUTDIR/demo-$stamp.pcapng"
fi
echo
echo "== recording on $IF_B into $out ${rot:+(rotating: $rot)}"
# shellcheck disable=SC2086
ip netns exec "$NS_B" "$PCAPREC" record -i "$IF_B" -w "$out" $rot 2>"$OUTDIR/record.log" &
rec_pid=$!
i=0
until grep -q 'recording on' "$OUTDIR/record.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$rec_pid" 2>/dev/null; then
		cat "$OUTDIR/record.log" >&2
		exit 1
	fi
	sleep 0.05
done

echo "== traffic: 5 pings, 5 IPv6 pings, 50 UDP datagrams, one TCP exchange"
timeout 10 ip netns exec "$NS_A" ping -q -c 5 -i 0.2 -W 1 192.0.2.2 >/dev/null
timeout 10 ip netns exec "$NS_A" ping -6 -q -c 5 -i 0.2 -W 1 2001:db8::2 >/dev/null
timeout 10 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50):
    s.sendto(b"demo datagram %d" % i, ("192.0.2.2", 5353 + i % 3))
'
timeout 10 ip netns exec "$NS_B" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 8080)); s.listen(1); s.settimeout(8)
c, _ = s.accept(); c.recv(100); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello from B\n"); c.close()
' &
lst_pid=$!
sleep 0.5
timeout 5 ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, time
for _ in range(50):
    try:
        c = socket.create_connection(("192.0.2.2", 8080), timeout=2); break
    except ConnectionRefusedError:
        time.sleep(0.1)
c.sendall(b"GET / HTTP/1.0\r\n\r\n"); print("   TCP reply:", c.recv(100).split(b"\r\n")[-1].decode().strip())
'
wait "$lst_pid" || true
lst_pid=
sleep 0.5
kill -INT "$rec_pid"
wait "$rec_pid" || true
rec_pid=
cat "$OUTDIR/record.log"

echo
files=$(ls "$OUTDIR"/demo-"$stamp"*.pcapng)
echo "== files written ($(echo "$files" | wc -l)):"
for f in $files; do
	echo "   $f: $(capinfos -c -M "$f" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}') packets"
done
first=$(echo "$files" | head -1)
echo
echo "== capinfos $first"
capinfos -c -e -u -y -i -z "$first" 2>/dev/null | sed 's/^/   /'
echo
echo "== first packets (pcaprec read $first)"
"$PCAPREC" read "$first" 2>/dev/null | head -12 | sed 's/^/   /' || true
# shellcheck disable=SC2086
if "$PCAPREC" summary $files >"$OUTDIR/summary.txt" 2>/dev/null; then
	echo
	echo "== pcaprec summary (all files of this run)"
	sed -n '1,/^$/p' "$OUTDIR/summary.txt" | sed 's/^/   /'
	echo "   ... (full report in $OUTDIR/summary.txt)"
fi
echo
echo "demo: recordings are in $OUTDIR/ (open them with wireshark or 'pcaprec read')"
