#!/usr/bin/env bash
# The embedded default: a simulated Contec CMS50 pulse oximeter on a pseudo-terminal, the local DOM
# receiver and the iomtd daemon, all on this machine, no hardware. Shows readings arriving at DOM and
# the alert raised when the simulated SpO2 dips below 90 %.
# Usage: scripts/demo.sh [--seconds N] [--generation legacy|v46] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_TO_RUN=90; GENERATION=legacy; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TO_RUN=$2; shift 2;;
    --generation) GENERATION=$2; shift 2;;
    --keep) KEEP=1; shift;;
    -h|--help) sed -n '2,6p' "$0"; exit 0;;
    *) echo "demo: unknown argument $1" >&2; exit 2;;
  esac
done

bash scripts/setup.sh
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
echo "demo: building (debug)…"
swift build 2>&1 | grep -E 'error|Build complete' || true
BIN=$(swift build --show-bin-path)

WORK=${IOMT_DEMO_DIR:-/tmp/iomtd-demo}
rm -rf "$WORK"; mkdir -p "$WORK/state"
PORT=${IOMT_DEMO_PORT:-18080}
PROFILE=contec-cms50d-plus; [ "$GENERATION" = v46 ] && PROFILE=contec-cms50e

cat > "$WORK/alert-hook.sh" <<HOOK
#!/bin/sh
# Stand-in for a buzzer/LED: append the alert to a file the demo shows.
echo "\$(date +%T) ALERT \$IOMT_ALERT_PRIORITY \$IOMT_ALERT_MEASUREMENT=\$IOMT_ALERT_VALUE \$IOMT_ALERT_UNIT (\$IOMT_ALERT_CONDITION \$IOMT_ALERT_THRESHOLD, rule \$IOMT_ALERT_RULE)" >> "$WORK/alerts.txt"
HOOK
chmod +x "$WORK/alert-hook.sh"

cat > "$WORK/iomtd.json" <<CONF
{
  "comment": "demo configuration written by scripts/demo.sh",
  "stateDirectory": "$WORK/state",
  "profilesDirectory": "$ROOT/DeviceProfiles",
  "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "DEMO-HUB-1"},
  "patient": {"pesel": "44051401359"},
  "devices": [{"profile": "$PROFILE", "path": "$WORK/ttyCMS50", "serialNumber": "DEMO-CMS50-1"}],
  "dom": {"baseURL": "http://127.0.0.1:$PORT/fhir", "batchSize": 50},
  "alerts": {
    "execHook": "$WORK/alert-hook.sh",
    "rules": [
      {"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high"},
      {"id": "pulse-high", "measurement": "MDC_PULS_OXIM_PULS_RATE", "above": 120, "priority": "medium"}
    ]
  }
}
CONF

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ "$KEEP" = 1 ] || true; }
trap cleanup EXIT INT TERM

"$BIN/iomt-lab" dom-receiver --port "$PORT" --data "$WORK/dom.ndjson" --record "$WORK/bundles" > "$WORK/receiver.log" 2>&1 & pids+=($!)
"$BIN/iomt-lab" sim cms50 --generation "$GENERATION" --link "$WORK/ttyCMS50" --script demo > "$WORK/simulator.log" 2>&1 & pids+=($!)
for _ in $(seq 1 50); do [ -e "$WORK/ttyCMS50" ] && curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
"$BIN/iomtd" --config "$WORK/iomtd.json" > "$WORK/iomtd.log" 2>&1 & pids+=($!)

echo "demo: simulator → $WORK/ttyCMS50 → iomtd → DOM receiver on 127.0.0.1:$PORT   (logs in $WORK)"
echo "demo: the simulated patient's SpO2 dips to 85 % after about 30 s, and the finger comes out at 70 s; the alert rule fires below 90 %."
printf '%-8s %-14s %-18s %-18s %s\n' time "DOM obs." "last SpO2" "last pulse" "alerts"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$SECONDS_TO_RUN" ]; do
  sleep 5
  python3 - "$PORT" "$WORK/alerts.txt" <<'PY' || true
import json, os, sys, time, urllib.request
port, alerts = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.load(r)
stats = get("/stats")
latest = {}
for entry in get("/fhir/Observation?_count=100000").get("entry", []):
    r = entry["resource"]
    code = r["code"]["coding"][0]["code"]
    q = r.get("valueQuantity")
    latest[code] = f'{q["value"]} {q.get("unit", "")}' if q else "— (" + r.get("dataAbsentReason", {}).get("coding", [{}])[0].get("code", "no value") + ")"
n = sum(1 for _ in open(alerts)) if os.path.exists(alerts) else 0
print(f'{time.strftime("%H:%M:%S"):<8} {stats.get("observations", "?"):<14} {latest.get("150456", "-"):<18} {latest.get("149530", "-"):<18} {n}')
PY
done
echo
echo "demo: alerts raised by iomtd (exec hook):"; cat "$WORK/alerts.txt" 2>/dev/null || echo "  (none)"
echo "demo: DOM receiver statistics: $(curl -sf "http://127.0.0.1:$PORT/stats")"
if [ -x .venv/bin/python ] && ls "$WORK/bundles"/*.json >/dev/null 2>&1; then
  echo "demo: validating every bundle DOM received with fhir.resources: $(.venv/bin/python scripts/validate_fhir.py "$WORK"/bundles/*.json | tail -1)"
fi
echo "demo: daemon log: $WORK/iomtd.log"
