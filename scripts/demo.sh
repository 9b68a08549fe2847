#!/usr/bin/env bash
# The embedded default: a simulated Contec CMS50 pulse oximeter on a pseudo-terminal, the local DOM
# receiver and the iomtd daemon, all on this machine, no hardware. Shows readings arriving at DOM and
# the alert raised when the simulated SpO2 dips below 90 %.
# Usage: scripts/demo.sh [--seconds N] [--device cms50|cms50e|nonin|spirometer] [--keep]
#   cms50 (default): Contec CMS50D+, older firmware; cms50e: CMS50E firmware v4.6;
#   nonin: Nonin serial oximeter, data format #2; spirometer: spirometry sessions through the generic
#   text-report fallback (FEV1, FVC, FEV1/FVC, PEF, FEF25-75, session grade) for a configured patient
#   (PESEL → sex and age, height 165 cm): GLI Global reference values, the ATS/ERS 2022 interpretation
#   of each session (the panel Observation in DOM) and a z-score alert when FEV1/FVC is below the LLN.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_TO_RUN=90; DEVICE=cms50; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TO_RUN=$2; shift 2;;
    --device) DEVICE=$2; shift 2;;
    --generation) [ "$2" = v46 ] && DEVICE=cms50e || DEVICE=cms50; shift 2;;
    --keep) KEEP=1; shift;;
    -h|--help) sed -n '2,10p' "$0"; exit 0;;
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
RULES='{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high"},
      {"id": "pulse-high", "measurement": "MDC_PULS_OXIM_PULS_RATE", "above": 120, "priority": "medium"}'
# The demo patient (a test PESEL: male, born 1944-05-14); the spirometer demo uses a younger patient with a height.
PATIENT='{"pesel": "44051401359"}'; RULES_FILE=
case "$DEVICE" in
  cms50) PROFILE=contec-cms50d-plus; SIM=(cms50 --generation legacy --script demo); SHOW="150456 149530";;
  cms50e) PROFILE=contec-cms50e; SIM=(cms50 --generation v46 --script demo); SHOW="150456 149530";;
  nonin) PROFILE=nonin-serial-format2; SIM=(nonin --format 2 --script demo); SHOW="150456 149530";;
  spirometer) PROFILE=generic-spirometer-text-report; SIM=(spirometer --interval 10); SHOW="152586 188928 188948 session"
    # A test PESEL (female, born 2005-03-07) and her height: GLI Global reference values for every reading.
    PATIENT='{"pesel": "05230712343", "reference": "DEMO-P1", "heightCm": 165}'
    # FEV1/FVC below the lower limit of normal (z < -1.645, ATS/ERS 2022 obstruction): a z-score rule, which needs a rule file.
    RULES=''; RULES_FILE="$WORK/rules.json"
    cat > "$RULES_FILE" <<'RULESET'
{"version": "demo-spirometry-1",
 "rules": [{"id": "fev1-fvc-below-lln", "kind": "z-score", "deviceClass": "spirometer", "measurement": "MDC_RATIO_AWAY_EXP_FORCED_1S_FVC",
            "below": -1.645, "priority": "medium", "comment": "demo: FEV1/FVC below the LLN (ATS/ERS 2022 obstruction)"}]}
RULESET
    ;;
  *) echo "demo: unknown device $DEVICE (expected cms50, cms50e, nonin, spirometer)" >&2; exit 2;;
esac

cat > "$WORK/alert-hook.sh" <<HOOK
#!/bin/sh
# Stand-in for a buzzer/LED: append the alert to a file the demo shows.
echo "\$(date +%T) ALERT\$( [ "\$IOMT_ALERT_TEST" = 1 ] && echo ' (TEST: demonstration data)') \$IOMT_ALERT_OCCURRENCE \$IOMT_ALERT_PRIORITY \$IOMT_ALERT_MEASUREMENT=\$IOMT_ALERT_VALUE \$IOMT_ALERT_UNIT (\$IOMT_ALERT_CONDITION \$IOMT_ALERT_THRESHOLD, rule \$IOMT_ALERT_RULE)" >> "$WORK/alerts.txt"
HOOK
chmod +x "$WORK/alert-hook.sh"

cat > "$WORK/iomtd.json" <<CONF
{
  "comment": "demo configuration written by scripts/demo.sh: demonstration data, its alarms flagged test on every channel",
  "demonstration": true,
  "stateDirectory": "$WORK/state",
  "profilesDirectory": "$ROOT/DeviceProfiles",
  "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "DEMO-HUB-1"},
  "patient": $PATIENT,
  "devices": [{"profile": "$PROFILE", "path": "$WORK/ttyCMS50", "serialNumber": "DEMO-CMS50-1"}],
  "dom": {"baseURL": "http://127.0.0.1:$PORT/fhir", "batchSize": 50},
  "alerts": {
    "execHook": "$WORK/alert-hook.sh",$( [ -n "$RULES_FILE" ] && printf '\n    "rulesFile": "%s",' "$RULES_FILE")
    "rules": [
      $RULES
    ]
  }
}
CONF

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ "$KEEP" = 1 ] || true; }
trap cleanup EXIT INT TERM

"$BIN/iomt-lab" dom-receiver --port "$PORT" --data "$WORK/dom.ndjson" --record "$WORK/bundles" > "$WORK/receiver.log" 2>&1 & pids+=($!)
"$BIN/iomt-lab" sim "${SIM[@]}" --link "$WORK/ttyCMS50" > "$WORK/simulator.log" 2>&1 & pids+=($!)
for _ in $(seq 1 50); do [ -e "$WORK/ttyCMS50" ] && curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
"$BIN/iomtd" --config "$WORK/iomtd.json" > "$WORK/iomtd.log" 2>&1 & pids+=($!)

echo "demo: simulator → $WORK/ttyCMS50 → iomtd → DOM receiver on 127.0.0.1:$PORT   (logs in $WORK)"
if [ "$DEVICE" = spirometer ]; then
  echo "demo: the simulated spirometer prints a session report every 10 s (sessions cycle A, C, B); for this patient (21 y, female, 165 cm)"
  echo "      the grade C session's FEV1/FVC (75.6 %, z -1.86) is below the LLN: obstruction, mild; the z-score rule fires,"
  echo "      and resolves with the next (normal) session."
else
  echo "demo: the simulated patient's SpO2 dips to 85 % after about 30 s, and the finger comes out at 70 s; the alert rule fires below 90 %."
fi
python3 - $SHOW <<'PY'
import sys
names = {"150456": "last SpO2", "149530": "last pulse", "152586": "FEV1", "188928": "FVC", "188948": "FEV1/FVC", "152584": "PEF"}
codes = [c for c in sys.argv[1:] if c != "session"]
print(f'{"time":<8} {"DOM obs.":<10} ' + " ".join(f'{names[c]:<14}' for c in codes) + " alerts"
      + ("  last session's interpretation (panel Observation in DOM)" if "session" in sys.argv[1:] else ""))
PY
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$SECONDS_TO_RUN" ]; do
  sleep 5
  python3 - "$PORT" "$WORK/alerts.txt" $SHOW <<'PY' || true
import json, os, sys, time, urllib.request
port, alerts, codes = sys.argv[1], sys.argv[2], sys.argv[3:]
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.load(r)
stats = get("/stats")
latest = {}
for entry in get("/fhir/Observation?_count=100000").get("entry", []):
    r = entry["resource"]
    code = r["code"]["coding"][0]["code"]
    if code == "session":  # the spirometry panel: its ATS/ERS 2022 interpretation, or why there is none
        interpretation = (r.get("interpretation") or [{}])[0]
        display = next((c.get("display") for c in interpretation.get("coding", []) if c.get("code") not in ("N", "A")), None)
        latest[code] = display or (r.get("note") or [{}])[0].get("text", "no interpretation")
        continue
    q = r.get("valueQuantity")
    latest[code] = f'{q["value"]} {q.get("unit", "")}' if q else "— (" + r.get("dataAbsentReason", {}).get("coding", [{}])[0].get("code", "no value") + ")"
    if q and r.get("referenceRange"):  # spirometry: the z-score against the patient's GLI equations
        z = next((c["valueQuantity"]["value"] for c in r.get("component", []) if c["code"]["coding"][0]["code"] == "z-score"), None)
        if z is not None: latest[code] += f" z{z:+.1f}"
n = sum(1 for _ in open(alerts)) if os.path.exists(alerts) else 0
shown = [c for c in codes if c != "session"]
print(f'{time.strftime("%H:%M:%S"):<8} {stats.get("observations", "?"):<10} ' + " ".join(f'{latest.get(c, "-"):<14}' for c in shown) + f" {n}"
      + (f'       {latest.get("session", "-")}' if "session" in codes else ""))
PY
done
echo
echo "demo: alerts raised by iomtd (exec hook):"; cat "$WORK/alerts.txt" 2>/dev/null || echo "  (none)"
echo "demo: DOM receiver statistics: $(curl -sf "http://127.0.0.1:$PORT/stats")"
if [ -x .venv/bin/python ] && ls "$WORK/bundles"/*.json >/dev/null 2>&1; then
  echo "demo: validating every bundle DOM received with fhir.resources: $(.venv/bin/python scripts/validate_fhir.py "$WORK"/bundles/*.json | tail -1)"
fi
echo "demo: daemon log: $WORK/iomtd.log"
