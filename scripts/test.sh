#!/usr/bin/env bash
# Runs every test of iomtd from a fresh clone: installs what is missing, builds (debug, no warnings
# allowed), runs the Swift test suites (unit, pseudo-terminal, HTTP, end-to-end), the BLE end-to-end test in a
# qemu VM (scripts/ble-e2e.sh), then a short fuzz pass.
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
swift test 2>&1 | tee /tmp/iomtd-test.log | grep -vE '^(􀟈|◇|↳)' | grep -E '✘|passed|failed|error|Executed|Test run' | tail -60
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "== failures"; grep -E '✘|error:' /tmp/iomtd-test.log | head -80; exit "$status"; fi

if [ "${IOMT_SKIP_BLE_E2E:-0}" != 1 ]; then
  echo "== BLE end-to-end (qemu VM with BlueZ; skip with IOMT_SKIP_BLE_E2E=1)"
  bash scripts/ble-e2e.sh || exit 1
fi

if [ -x scripts/fuzz.sh ] && [ "${IOMT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz (short pass; full: scripts/fuzz.sh 600)"
  bash scripts/fuzz.sh "${IOMT_FUZZ_SECONDS:-15}"
fi
tail -1 /tmp/iomtd-test.log
