#!/usr/bin/env bash
# Runs every test of iomtd from a fresh clone: installs what is missing, builds (debug, no warnings
# allowed), runs the Swift test suites (unit, pseudo-terminal, HTTP, end-to-end), the BLE end-to-end test in a
# qemu VM (scripts/ble-e2e.sh), the durability proofs (a SIGKILL loop of the real daemon, scripts/kill-loop.sh, and
# power cuts of a qemu VM running it, scripts/power-cut/run.sh), then a short fuzz pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

echo "== build (debug)"
swift build 2>&1 | tee /tmp/iomtd-build.log | grep -E 'error|warning:|Compiling|Build' | grep -v '^\[' || true
if grep -q 'warning:' /tmp/iomtd-build.log; then echo "build has warnings (the project builds warning-free):"; grep 'warning:' /tmp/iomtd-build.log | sort -u; exit 1; fi
grep -q 'error:' /tmp/iomtd-build.log && { echo "build failed"; exit 1; }

echo "== tests"
export IOMT_BIN_DIR="$(swift build --show-bin-path)"
# Every `swift test` phase runs under scripts/reap-descendants.py: when the phase ends, however it ends (a crashed
# test process included), the daemons, simulators, dbus-daemons and brokers its tests started and left behind are
# ended, so they do not load the machine for the next phase. The check proves the wrapper still does that.
bash scripts/check-reap-descendants.sh
reaped() { python3 scripts/reap-descendants.py "$@"; }
# Suites that interrupt a real-time stream with a real fault — Debian's mosquitto restarted, a tmpfs filled under the
# running daemon — and check what was stored in that window: on 2 shared cores, under the parallel pass, the fault
# window can pass before the starved stream produced anything in it, so they run on their own afterwards.
# DeviceConnectionMockTests waits on a real reconnect delay: in the parallel pass, tests that block cooperative threads
# stall every task of the test process on 2 cores (seen 2026-12-04: no reconnect within 15 s of a 1 s delay). Alone it
# passes in about a second. LabHarness.run and the FHIR validator now wait for their child on a thread of their own, and
# the forwarder's waits run on the injected clock (ForwarderBackoffTests moves time by hand, so it is back in the
# parallel pass); the reconnect delay moving onto the clock is what is left of that fix (issue 13).
BROKER_SUITES="GatewayToBrokerTests MQTTBrokerEndToEndTests CollectorBrokerTests DegradedStoreEndToEndTests SerialReopenTests DeviceConnectionMockTests"
skips=(); for suite in $BROKER_SUITES; do skips+=(--skip "$suite"); done
reaped swift test "${skips[@]}" 2>&1 | tee /tmp/iomtd-test.log | grep -vE '^(􀟈|◇|↳)' | grep -E '✘|passed|failed|error|Executed|Test run|reap-descendants|^  [0-9]+ ' | tail -60
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "== failures"; grep -E '✘|error:' /tmp/iomtd-test.log | head -80; exit "$status"; fi
echo "== real-time fault suites, one at a time: $BROKER_SUITES"
for suite in $BROKER_SUITES; do
  reaped swift test --skip-build --filter "$suite" 2>&1 | tee -a /tmp/iomtd-test.log | grep -vE '^(􀟈|◇|↳)' | grep -E '✘|Test run|reap-descendants|^  [0-9]+ ' | tail -20
  status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then echo "== failures ($suite)"; grep -E '✘|error:' /tmp/iomtd-test.log | tail -40; exit "$status"; fi
done

if [ "${IOMT_SKIP_BLE_E2E:-0}" != 1 ]; then
  echo "== BLE end-to-end (qemu VM with BlueZ; skip with IOMT_SKIP_BLE_E2E=1)"
  bash scripts/ble-e2e.sh || exit 1
fi

# Durability (issue 11): with CI=true these always run (a missing qemu, kernel or tool fails them, never skips).
skip() { [ "${CI:-}" != true ] && [ "${!1:-0}" = 1 ]; }
if ! skip IOMT_SKIP_KILL_LOOP; then
  echo "== SIGKILL loop: ${IOMT_KILL_LOOP_KILLS:-30} kills of iomtd during ingest and forward (skip with IOMT_SKIP_KILL_LOOP=1 outside CI)"
  bash scripts/kill-loop.sh --kills "${IOMT_KILL_LOOP_KILLS:-30}" ${IOMT_KILL_LOOP_ARGS:-} || exit 1
fi
if ! skip IOMT_SKIP_POWER_CUT; then
  echo "== power cuts: ${IOMT_POWER_CUTS:-20} cuts of a qemu VM running iomtd (skip with IOMT_SKIP_POWER_CUT=1 outside CI)"
  bash scripts/power-cut/run.sh --cuts "${IOMT_POWER_CUTS:-20}" || exit 1
fi

if [ -x scripts/fuzz.sh ] && [ "${IOMT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz (short pass; full: scripts/fuzz.sh 600)"
  bash scripts/fuzz.sh "${IOMT_FUZZ_SECONDS:-15}"
fi
tail -1 /tmp/iomtd-test.log
