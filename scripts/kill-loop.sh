#!/bin/bash
# kill-loop.sh --kills N: the real iomtd, with simulated CMS50 oximeters streaming on ptys and the forwarder sending to
# IoMTLab's DOM receiver, SIGKILLed N times at random points (random delays after each start: during start-up,
# ingest and forward) and restarted each time. Then it runs once more until DOM holds everything, and checks:
# every reading iomtd acknowledged (its commit witness, IOMT_COMMIT_WITNESS) is at the receiver exactly once,
# and the store passes its own check. Prints "KILL_LOOP: PASS|FAIL (…figures…)"; exit 0 PASS, 1 FAIL, 2 bad usage
# or the harness could not start.
# Options: --kills N (default 30), --min S / --max S (random delay range, default 0.05 / 2.5), --devices N (default 4),
#          --seed N, --drain-timeout S (default 120), --fresh-devices (new simulators, new ptys, for every start:
#          works around issue 11 item 10 — a pty that had parity set cannot be configured again after its last close —
#          until that fix is merged; by default the devices stay attached across kills, as on a real gateway). Env: IOMT_BIN_DIR (default: swift build --show-bin-path),
#          KL_WORK (default /tmp/kill-loop-$USER; wiped at start).
# What it proves and what it cannot: scripts/power-cut/README.md.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
KILLS=30; MIN=0.05; MAX=2.5; DEVICES=4; SEED=$RANDOM; DRAIN=120; FRESH=0
while [ $# -gt 0 ]; do
  case $1 in
    --fresh-devices) FRESH=1; shift; continue;;
    --kills) KILLS=$2;; --min) MIN=$2;; --max) MAX=$2;; --devices) DEVICES=$2;; --seed) SEED=$2;; --drain-timeout) DRAIN=$2;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    *) echo "kill-loop: unknown option $1 (see --help)" >&2; exit 2;;
  esac
  shift 2
done
[[ $KILLS =~ ^[0-9]+$ && $DEVICES =~ ^[0-9]+$ ]] || { echo "kill-loop: --kills and --devices take whole numbers" >&2; exit 2; }
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
BIN=${IOMT_BIN_DIR:-$(cd "$REPO" && swift build --show-bin-path)}
for p in iomtd iomt-lab iomtctl; do [ -x "$BIN/$p" ] || { echo "KILL_LOOP: FAIL (no $BIN/$p: run swift build)"; exit 2; }; done
W=${KL_WORK:-/tmp/kill-loop-$(id -un)}; rm -rf "$W"; mkdir -p "$W/state"
T0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) - $T0" | bc; }
log() { printf '[kill-loop %6.1fs] %s\n' "$(elapsed)" "$*"; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
cleanup() { stop_devices; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; [ -n "${DAEMON:-}" ] && kill -9 "$DAEMON" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

"$BIN/iomt-lab" dom-receiver --port "$PORT" --data "$W/dom.ndjson" >"$W/receiver.log" 2>&1 & pids+=($!)
SIM=
start_devices() {
  rm -f "$W"/cms50*
  "$BIN/iomt-lab" sim cms50 --generation legacy --script steady --count "$DEVICES" --link "$W/cms50" >>"$W/sim.log" 2>&1 & SIM=$!
  for _ in $(seq 1 100); do [ -e "$W/cms50-$DEVICES" ] || [ "$DEVICES" = 1 -a -e "$W/cms50" ] && break; sleep 0.05; done
}
stop_devices() { [ -n "$SIM" ] && { kill "$SIM" 2>/dev/null; wait "$SIM" 2>/dev/null; SIM=; }; }
start_devices
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "KILL_LOOP: FAIL (the DOM receiver did not start: $W/receiver.log)"; exit 2; }
devices=""
for n in $(seq 1 "$DEVICES"); do
  path=$W/cms50-$n; [ "$DEVICES" = 1 ] && path=$W/cms50
  devices="$devices${devices:+,}{\"profile\": \"contec-cms50d-plus\", \"path\": \"$path\", \"serialNumber\": \"KL-CMS50-$n\"}"
done
cat >"$W/iomtd.json" <<CONF
{
  "comment": "scripts/kill-loop.sh",
  "stateDirectory": "$W/state",
  "profilesDirectory": "$REPO/DeviceProfiles",
  "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "KILL-LOOP"},
  "patient": {"pesel": "44051401359"},
  "hotplug": {"enabled": false},
  "control": {"socketPath": "$W/control.sock"},
  "devices": [$devices],
  "dom": {"baseURL": "http://127.0.0.1:$PORT/fhir", "batchSize": 50, "timeoutMs": 3000}
}
CONF
"$BIN/iomtd" --config "$W/iomtd.json" --check-config >"$W/check-config.log" 2>&1 || { echo "KILL_LOOP: FAIL (iomtd refused the configuration: $(cat "$W/check-config.log"))"; exit 2; }

export IOMT_COMMIT_WITNESS=$W/witness.log
start_daemon() { "$BIN/iomtd" --config "$W/iomtd.json" >>"$W/iomtd.log" 2>&1 & DAEMON=$!; }
python3 -c "import random; r=random.Random($SEED); print('\n'.join('%.3f' % r.uniform($MIN, $MAX) for _ in range($KILLS)))" >"$W/delays"
log "seed $SEED: $KILLS kills, delay $MIN-$MAX s, $DEVICES simulated CMS50 on ptys, DOM receiver on 127.0.0.1:$PORT, work $W"
k=0
while read -r delay; do
  k=$((k + 1))
  [ "$FRESH" = 1 ] && [ "$k" -gt 1 ] && { stop_devices; start_devices; }
  before=$(grep -c COMMITTED "$W/witness.log" 2>/dev/null)
  start_daemon
  sleep "$delay"
  if ! kill -0 "$DAEMON" 2>/dev/null; then wait "$DAEMON"; echo "KILL_LOOP: FAIL (iomtd exited by itself, rc $?, before kill $k: $W/iomtd.log)"; exit 1; fi
  kill -9 "$DAEMON"; wait "$DAEMON" 2>/dev/null; DAEMON=
  after=$(grep -c COMMITTED "$W/witness.log" 2>/dev/null)
  echo "KILLED $k after ${delay}s, $(( ${after:-0} - ${before:-0} )) readings acknowledged in this run" >>"$W/iomtd.log"
  [ "${after:-0}" -gt "${before:-0}" ] && { CYCLES_WITH_COMMITS=$(( ${CYCLES_WITH_COMMITS:-0} + 1 )); LONG_RUN_LAST_COMMIT=$k; }
  awk "BEGIN{exit !($delay >= 1.5)}" && LONG_RUNS=$(( ${LONG_RUNS:-0} + 1 )) && LONG_RUNS_WITH_COMMITS=$(( ${LONG_RUNS_WITH_COMMITS:-0} + (${after:-0} > ${before:-0}) ))
  [ $((k % 50)) = 0 ] && log "$k kills, $(grep -c COMMITTED "$W/witness.log" 2>/dev/null || echo 0) readings acknowledged so far"
done <"$W/delays"
KILL_WALL=$(elapsed)

# Drain: devices stop, the daemon runs until DOM holds every acknowledged reading (or the timeout).
stop_devices
log "$KILLS kills done; draining (devices stopped)"
start_daemon
deadline=$(( $(date +%s) + DRAIN ))
until python3 "$REPO/scripts/power-cut/verify.py" --quiet --receiver "$W/dom.ndjson" "$W/witness.log" || [ "$(date +%s)" -ge $deadline ]; do sleep 1; done
kill -TERM "$DAEMON"; wait "$DAEMON"; rc=$?; DAEMON=
python3 "$REPO/scripts/power-cut/verify.py" --forbid 44051401359 --receiver "$W/dom.ndjson" --json "$W/verify.json" "$W/witness.log" | tee "$W/verify.txt"
verdict=${PIPESTATUS[0]}
store=$(bash "$REPO/scripts/power-cut/store-check.sh" "$BIN" "$W/state/iomtd.sqlite"); store_rc=$?
echo "$store"
[ $rc = 0 ] || { echo "iomtd did not stop cleanly after the drain (rc $rc)"; verdict=1; }
[ $store_rc = 0 ] || verdict=1
# A loop that stopped ingesting proves nothing: every run of ≥ 1.5 s must have stored readings.
stalled=$(( ${LONG_RUNS:-0} - ${LONG_RUNS_WITH_COMMITS:-0} ))
if [ "$stalled" -gt 0 ] || ! grep -q COMMITTED "$W/witness.log" 2>/dev/null; then
  echo "$stalled of ${LONG_RUNS:-0} runs of ≥ 1.5 s acknowledged no reading (last run with readings: ${LONG_RUN_LAST_COMMIT:-none}) — did iomtd reopen the ports after a kill? (issue 11 item 10; --fresh-devices works around it)"
  verdict=1
fi
figures=$(python3 -c "import json; f=json.load(open('$W/verify.json')); print('acknowledged %d, lost %d, duplicated %d at DOM, identifiers committed twice %d' % (f['acknowledged'], f['lost'], f['duplicated'], f['acknowledgedTwice']))")
suppressed=$(curl -sf "http://127.0.0.1:$PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("duplicatesSuppressed","?"))')
summary="$KILLS kills in ${KILL_WALL%.*} s, seed $SEED, $([ "$FRESH" = 1 ] && echo 'fresh devices each start' || echo 'devices attached throughout'); runs with readings acknowledged ${CYCLES_WITH_COMMITS:-0}/$KILLS; $figures; resends matched by conditional create $suppressed; store ${store#STORE_CHECK }"
if [ "$verdict" = 0 ]; then echo "KILL_LOOP: PASS ($summary)"; exit 0; fi
echo "KILL_LOOP: FAIL ($summary; logs in $W)"; exit 1
