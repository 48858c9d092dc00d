#!/usr/bin/env bash
# The built-in demo: installs what is needed, builds, then runs a real collection on a private
# network namespace pair and reports on it.
#   - namespaces ibsr-demo-srv / ibsr-demo-cli joined by a veth pair (10.198.0.0/24)
#   - a web server in the server namespace on port 8080, `ibsr collect` attached to its veth
#   - 8 legitimate clients making complete HTTP requests, 3 spoofed sources sending SYN floods
#     with hping3 (bounded: 500 SYN/s each for 15 s), and an IPv6 SYN flood whose source rotates
#     inside one /64 (scapy, bounded: 3000 SYNs in about 15 s), about 30 seconds in all
#   - SIGTERM to the collector, a short summary, then `ibsr-report` on what was collected, with
#     --min-observation-sec 25 (the default gate needs an hour of evidence before SAFE).
# With --payload, the same run also shows the application layer: a small JSON-RPC server on port
# 8545 in the server namespace, `ibsr collect-payload` on the same veth, 8 ordinary JSON-RPC
# clients and four abusive ones (an eth_getLogs amplifier, a request flood, a batch fan-out and
# an error storm, each bounded in requests), and the report's Application layer part from the
# payload statistics.
# All traffic stays inside the two namespaces (10.198.0.0/24, fd00:198::/64 and the spoofed
# fd00:bad:1:2::/64), which are removed on exit (also on Ctrl-C).
set -euo pipefail
PAYLOAD=0
for arg in "$@"; do
  case "$arg" in
    --payload) PAYLOAD=1 ;;
    *) echo "usage: scripts/demo.sh [--payload]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/demo.sh: run as root (BPF, XDP and network namespaces)" >&2
  exit 1
fi

bash scripts/install-deps.sh
echo "== building"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build ibsr $( [ -f src/report/CMakeLists.txt ] && echo ibsr-report ) >/dev/null

OUT=${IBSR_DEMO_DIR:-/tmp/ibsr-demo}
SRV=ibsr-demo-srv
CLI=ibsr-demo-cli
NET=10.198.0
PORT=8080
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

cleanup
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== network namespaces $SRV <-> $CLI"
ip netns add "$SRV"
ip netns add "$CLI"
ip link add ibsr-demo-s type veth peer name ibsr-demo-c
ip link set ibsr-demo-s netns "$SRV" name vs
ip link set ibsr-demo-c netns "$CLI" name vc
ip -n "$SRV" addr add "$NET.1/24" dev vs
ip -n "$CLI" addr add "$NET.2/24" dev vc
for i in $(seq 10 17) $(seq 30 41); do ip -n "$CLI" addr add "$NET.$i/24" dev vc; done
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set vs up
ip -n "$CLI" link set vc up
# IPv6 without duplicate address detection, so the addresses are usable at once.
ip -n "$SRV" -6 addr add fd00:198::1/64 dev vs nodad
ip -n "$CLI" -6 addr add fd00:198::2/64 dev vc nodad

mkdir -p "$OUT/www"
head -c 2000 /dev/urandom | base64 >"$OUT/www/index.html"
ip netns exec "$SRV" /usr/bin/python3 -m http.server "$PORT" --bind "$NET.1" \
  --directory "$OUT/www" >/dev/null 2>&1 &
PIDS+=($!)

echo "== ibsr collect on $SRV/vs, port $PORT, snapshot every 5 s"
ip netns exec "$SRV" "$ROOT/build/src/cli/ibsr" collect -i vs -p "$PORT" \
  --out-dir "$OUT/snapshots" --snapshot-interval-sec 5 2>"$OUT/collect.log" &
COLLECTOR=$!
PIDS+=($COLLECTOR)
for _ in $(seq 100); do grep -q "attached XDP" "$OUT/collect.log" && break; sleep 0.1; done
grep -q "attached XDP" "$OUT/collect.log" || { cat "$OUT/collect.log" >&2; exit 1; }
sed 's/^/   /' "$OUT/collect.log"
for _ in $(seq 50); do
  ip netns exec "$SRV" ss -Htln "sport = :$PORT" | grep -q LISTEN && break; sleep 0.1
done

RPC_PORT=8545
RPC_DIR=tests/integration/payload  # the collect-payload tests' JSON-RPC server and clients
if [ "$PAYLOAD" = 1 ]; then
  echo "== JSON-RPC server on $NET.1:$RPC_PORT; ibsr collect-payload on $SRV/vs, every 5 s"
  ip netns exec "$SRV" /usr/bin/python3 "$RPC_DIR/rpc_server.py" "$NET.1" "$RPC_PORT" \
    "$OUT/rpc-server.log" "$OUT/rpc-server.ready" >/dev/null 2>&1 &
  PIDS+=($!)
  # ibsr collect already counts packets with XDP on vs: collect-payload adds only its TC
  # programs. A snaplen of the MSS lets it parse the fan-out client's multi-segment batches.
  ip netns exec "$SRV" "$ROOT/build/src/cli/ibsr" collect-payload -i vs -p "$RPC_PORT" \
    --out-dir "$OUT/payload" --snapshot-interval-sec 5 --payload-snaplen 1500 \
    --no-xdp-counters 2>"$OUT/collect-payload.log" &
  PAYLOAD_COLLECTOR=$!
  PIDS+=($PAYLOAD_COLLECTOR)
  for _ in $(seq 100); do grep -q "TC ingress/egress" "$OUT/collect-payload.log" && break; sleep 0.1; done
  grep -q "TC ingress/egress" "$OUT/collect-payload.log" || { cat "$OUT/collect-payload.log" >&2; exit 1; }
  for _ in $(seq 100); do [ -f "$OUT/rpc-server.ready" ] && break; sleep 0.1; done
fi

echo "== traffic for ~30 s: 8 legitimate clients, SYN floods from $NET.66, .67, .68 and from"
echo "   3000 addresses in fd00:bad:1:2::/64"
for i in $(seq 10 17); do
  ( for _ in $(seq 50); do
      ip netns exec "$CLI" curl -s -o /dev/null --max-time 2 --interface "$NET.$i" \
        "http://$NET.1:$PORT/" || true
      sleep 0.5
    done ) &
  PIDS+=($!)
done
sleep 5
for a in 66 67 68; do
  ip netns exec "$CLI" hping3 -q -S -p "$PORT" -a "$NET.$a" -i u2000 -c 7500 "$NET.1" \
    >/dev/null 2>&1 &
  PIDS+=($!)
done
# hping3 speaks no IPv6: scapy sends the IPv6 SYNs, a new source address in the /64 each time
# (an attacker owns the whole /64; the collector keys IPv6 by /64, so it is one source).
SRV_MAC=$(ip netns exec "$SRV" cat /sys/class/net/vs/address)
ip netns exec "$CLI" /usr/bin/python3 -c "
import random, time
from scapy.all import Ether, IPv6, TCP, sendp
rnd = random.Random(7)
frames = [Ether(dst='$SRV_MAC') / IPv6(src='fd00:bad:1:2:%x:%x:%x:%x' % tuple(
              rnd.randrange(65536) for _ in range(4)), dst='fd00:198::1') /
          TCP(sport=rnd.randrange(1024, 65536), dport=$PORT, flags='S') for _ in range(3000)]
for i in range(0, 3000, 200):
    t = time.monotonic()
    sendp(frames[i:i + 200], iface='vc', verbose=False)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t)))
" >/dev/null 2>&1 &
PIDS+=($!)
if [ "$PAYLOAD" = 1 ]; then
  echo "   JSON-RPC: 8 ordinary clients $NET.30-37; an eth_getLogs amplifier $NET.38, a request"
  echo "   flood $NET.39, a batch fan-out $NET.40 and an error storm $NET.41"
  rpc_client() {  # ADDRESS SCENARIO REQUESTS
    ip netns exec "$CLI" /usr/bin/python3 "$RPC_DIR/rpc_client.py" "$NET.1" "$RPC_PORT" "$2" \
      "$3" "$1" >/dev/null 2>&1 || echo "   (JSON-RPC client $1 $2 failed)"
  }
  for i in $(seq 30 37); do
    ( for _ in 1 2 3; do rpc_client "$NET.$i" normal 10; sleep 3; done ) &
    PIDS+=($!)
  done
  # Each abuser is bounded in requests and fast enough to cross the default thresholds within
  # one 10 s window (docs/report-rpc.md): >= 1 MB/s of 10x-amplified answers, >= 100 requests/s,
  # >= 50 calls per request over >= 50 requests, >= 90 % errors over >= 50 requests.
  ( rpc_client "$NET.38" amplify 250
    rpc_client "$NET.39" flood 3000
    rpc_client "$NET.40" fanout 120
    rpc_client "$NET.41" errors 120 ) &
  PIDS+=($!)
fi
sleep 22.5  # off the 5 s snapshot grid: the final snapshot gets an interval of its own

echo "== stopping the collector (SIGTERM: final snapshot, detach)"
kill -TERM "$COLLECTOR"
wait "$COLLECTOR"
tail -n 1 "$OUT/collect.log" | sed 's/^/   /'
INPUTS=(--input "$OUT/snapshots")
if [ "$PAYLOAD" = 1 ]; then
  kill -TERM "$PAYLOAD_COLLECTOR"
  wait "$PAYLOAD_COLLECTOR"
  tail -n 1 "$OUT/collect-payload.log" | sed 's/^/   /'
  INPUTS+=(--input "$OUT/payload")
fi

echo
/usr/bin/python3 scripts/demo_summary.py "$OUT/snapshots"

if [ -x build/src/report/ibsr-report ]; then
  echo
  echo "== ibsr-report"
  # The demo watches about 30 s; the report's default gate wants an hour before SAFE is possible.
  MIN_OBS=25
  build/src/report/ibsr-report "${INPUTS[@]}" -o "$OUT/report" \
    --min-observation-sec "$MIN_OBS" >"$OUT/report.log" 2>&1 ||
    { cat "$OUT/report.log" >&2; exit 1; }
  echo "   report:  $OUT/report/report.md"
  echo "   html:    $OUT/report/report.html"
  echo "   rules:   $OUT/report/rules.json"
  verdict=$(sed -n '/^## 5\./,$p' "$OUT/report/report.md" | grep -m1 -oE 'NOT SAFE|SAFE' || true)
  echo "   verdict: ${verdict:-see report.md section 5}"
  echo "   note:    judged with --min-observation-sec $MIN_OBS for this ~30 s demo; by default a" \
    "verdict needs 3600 s (1 h) of snapshots before it can be SAFE"
  # IPv6 sources as [addr]/len:port, the form evidence.csv uses.
  echo "   would block: $(jq -r '[.triggers[] | select(.layer != "application") | (.key_value | split("/")) as $k |
    (if ($k[0] | contains(":")) then "[\($k[0])]" + (if $k[1] then "/\($k[1])" else "" end)
     else .key_value end) + ":\(.dst_port)"] | join(", ")' "$OUT/report/rules.json")"
  if [ "$PAYLOAD" = 1 ]; then
    # The application layer's verdict line and its reasons, as ibsr-report printed them.
    sed -n '/^application layer:/,/^[a-z_.]*: \//p' "$OUT/report.log" | sed '$d' |
      sed 's/^application layer:/application layer verdict:/; s/^/   /'

    echo "   application layer would block: $(jq -r '[.triggers[] | select(.layer == "application")
      | "\(.key_value):\(.dst_port) \(.abuse_class)"] | join(", ")' "$OUT/report/rules.json")"
    echo "   evidence: $OUT/report/evidence_rpc.csv"
    echo "   note:    the flood and the fan-out client send well-formed requests without" \
      "amplification or errors: the false-positive bound counts such blocked sources as" \
      "legitimate-looking, so the application layer's rules are judged not ready (docs/report-rpc.md)"
  fi
fi
