#!/bin/bash
# The project's BLE end-to-end lab: a real BlueZ LE stack in a qemu VM (TCG), with iomt-lab ble-sim as the
# peripherals and a central (CENTRAL=probe: scripts/ble-lab/probe-central.py; CENTRAL=iomtd: the gateway).
# Prints "BLE_E2E: PASS (wall …)" or "BLE_E2E: FAIL (…)"; exit 0 on PASS, 1 on FAIL, 2 if the lab cannot start.
# Env: CENTRAL (probe|iomtd, default probe), DEVICES (default blood-pressure,pulse-oximeter, plus nonin-3230, contec-spirometer, omron, nonin-9560, cms50d-bt and nonin-9560-format8 (Classic SPP), o2ring, and-ua651ble, omron-fe4a, vendor-oximeters and contec-oximeters for iomtd),
#      DISCONNECT_AFTER (values before the forced disconnect, default 6), INTERVAL_MS (default 500),
#      CENTRAL_TIMEOUT (s in the guest, default 150), PROBE_ARGS (e.g. --pair), VM_TIMEOUT (s, default 1500: thirteen phases, 374 s wall for all thirteen on 2026-12-05 (2 cores, lightly loaded), 66-123 s for contec-oximeters alone; one loaded run took 775 s for the first six), MEM (MiB, default 512),
#      SMP (default 2), IOMT_BIN_DIR (default .build/debug; built if missing), BLE_LAB_WORK (cache, default
#      .build/ble-lab: the Debian kernel package, its modules and the initramfs are kept there).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
G=$REPO/scripts/ble-lab
D=${BLE_LAB_WORK:-$REPO/.build/ble-lab}; mkdir -p "$D"
CENTRAL=${CENTRAL:-probe}
T0=$(date +%s.%N)
log() { echo "[ble-lab $(printf '%6.1f' "$(echo "$(date +%s.%N) - $T0" | bc)")s] $*"; }
fail() { echo "BLE_E2E: FAIL ($*)"; exit 2; }

# 1. host packages (installs only what is missing)
need=""
for b in qemu-system-x86_64:qemu-system-x86 btvirt:bluez-test-tools bluetoothd:bluez btmgmt:bluez dbus-daemon:dbus \
         cpio:cpio depmod:kmod bc:bc; do
  cmd=${b%%:*}; pkg=${b#*:}
  if [ "${cmd:0:1}" = / ]; then [ -x "$cmd" ] || need="$need $pkg"
  else command -v "$cmd" >/dev/null || [ -x /usr/libexec/bluetooth/$cmd ] || need="$need $pkg"; fi
done
/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null || need="$need python3-dbus python3-gi"
# the initramfs has no libc: busybox must be the static build
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
if [ -n "$need" ]; then
  log "installing:$need"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null \
    || fail "apt-get install$need"
fi

# 2. binaries (debug build; the guest runs them from the host's build directory)
BIN=${IOMT_BIN_DIR:-$REPO/.build/debug}
products="iomt-lab"; [ "$CENTRAL" = iomtd ] && products="iomt-lab iomtd"
for p in $products; do
  if [ ! -x "$BIN/$p" ]; then
    log "building $p"
    (cd "$REPO" && swift build --product "$p" 2>&1 | tail -3) || fail "swift build --product $p"
  fi
done

# 3.-4. Debian kernel (bluetooth + hci_vhci as modules) and the initramfs (busybox + virtio/9p/overlay modules;
#       mounts the host / read-only under a tmpfs overlay): shared with scripts/power-cut
. "$REPO/scripts/vm-kernel.sh"

# 5. boot (KVM cannot run a stock kernel on these machines: TCG)
log "booting $KVER (TCG, ${MEM:-512} MiB, ${SMP:-2} vCPU), central=$CENTRAL"
LOG=$D/vm.log
timeout "${VM_TIMEOUT:-1500}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m "${MEM:-512}" -smp "${SMP:-2}" -no-reboot \
  -display none -monitor none -serial stdio -nodefaults -device virtio-rng-pci \
  -kernel "$KIMG" -initrd "$INITRD" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 GUESTINIT=$G/guest-init.sh BLE_LAB_REPO=$REPO BLE_LAB_BIN=$BIN CENTRAL=$CENTRAL ${DEVICES:+DEVICES=$DEVICES} DISCONNECT_AFTER=${DISCONNECT_AFTER:-6} INTERVAL_MS=${INTERVAL_MS:-500} CENTRAL_TIMEOUT=${CENTRAL_TIMEOUT:-150} PROBE_ARGS=${PROBE_ARGS:-}" \
  -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
  </dev/null 2>&1 | tee "$LOG"
QRC=${PIPESTATUS[0]}
EL=$(echo "$(date +%s.%N) - $T0" | bc)
if grep -q "^BLE_E2E_RESULT=PASS" "$LOG"; then
  printf 'BLE_E2E: PASS (central=%s, wall %.1fs, TCG)\n' "$CENTRAL" "$EL"; exit 0
else
  printf 'BLE_E2E: FAIL (central=%s, wall %.1fs, qemu rc=%s, log %s)\n' "$CENTRAL" "$EL" "$QRC" "$LOG"; exit 1
fi
