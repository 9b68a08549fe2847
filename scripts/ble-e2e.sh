#!/usr/bin/env bash
# BLE end-to-end test: the project's BLE device simulator (iomt-lab ble-sim) and a central, through the real
# BlueZ stack and kernel in a qemu VM (scripts/ble-lab/). Prints one "BLE_E2E: PASS|FAIL (…, wall …)" line
# per central and exits non-zero if any failed. Works on a fresh Debian 12 machine with apt reachable
# (installs what is missing; caches the Debian kernel under .build/ble-lab).
# Centrals: BLE_E2E_CENTRALS="iomtd" (the gateway; the default once iomtd has its BlueZ central,
# Sources/IoMTBlueZ) or "probe" (scripts/ble-lab/probe-central.py, the simulator's own check), or both.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
if [ -z "${BLE_E2E_CENTRALS:-}" ]; then
  if [ -d Sources/IoMTBlueZ ]; then BLE_E2E_CENTRALS=iomtd; else BLE_E2E_CENTRALS=probe; fi
fi
export IOMT_BIN_DIR=${IOMT_BIN_DIR:-$(swift build --show-bin-path)}
products=iomt-lab; [[ " $BLE_E2E_CENTRALS " == *" iomtd "* ]] && products="iomt-lab iomtd"
for product in $products; do
  echo "== build (debug): $product"
  swift build --product "$product" 2>&1 | grep -E "error|warning:"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "BLE_E2E: FAIL (swift build --product $product)"; exit 1; }
done
status=0
for central in $BLE_E2E_CENTRALS; do
  echo "== BLE end-to-end in the VM, central=$central"
  CENTRAL=$central bash scripts/ble-lab/run.sh > "/tmp/iomtd-ble-e2e-$central.log" 2>&1
  rc=$?
  grep -aE "^GUEST|^probe .*(PASS|FAIL)" "/tmp/iomtd-ble-e2e-$central.log" | sed 's/^/  /'
  tail -1 "/tmp/iomtd-ble-e2e-$central.log"
  [ $rc -eq 0 ] || { echo "  (full log: /tmp/iomtd-ble-e2e-$central.log)"; status=1; }
done
exit $status
