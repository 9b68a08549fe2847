#!/bin/bash
# scripts/power-cut/run.sh --cuts N: power-cut test of iomtd itself. A Debian kernel under qemu (TCG) runs the host's
# iomtd (over 9p) with simulated CMS50 oximeters; the store's disk is a raw ext4 image opened with cache=none, and
# SIGKILL of qemu is the power cut. The forwarder sends over TLS to IoMTLab's DOM receiver on the host (outside the
# VM, reached through qemu's user network at 10.0.2.2, certificate from a throw-away CA). iomtd's commit witness
# (IOMT_COMMIT_WITNESS=/dev/ttyS0) prints each acknowledged reading on the serial console — the host's stdout.
# After the last cut: one more boot drains the backlog; then every acknowledged reading must be at DOM exactly once,
# the store must pass its own check after every cut, and e2fsck must be clean every time.
# Prints "POWER_CUT: PASS|FAIL (…figures…)"; exit 0 PASS, 1 FAIL, 2 bad usage or the lab cannot start
# (with CI=true a missing qemu, kernel or tool is a failure, never a skip).
# Options: --cuts N (default 20), --min S --max S (daemon run time before the cut, default 1 5), --devices N (6),
#   --dom alternate|up|down (the receiver during the cycles: reachable every other cycle (default), always, never —
#   `down` leaves every acknowledged reading to the store alone), --sync FULL|NORMAL|OFF (NORMAL/OFF: the negative
#   control, expected to FAIL with loss), --cache none (qemu's cache mode for the disk), --seed N.
# Env: IOMT_BIN_DIR (default: swift build --show-bin-path), PC_WORK (default /tmp/power-cut-<user>: must be a real
#   file system — tmpfs may accept O_DIRECT and make cache=none meaningless), PC_KERNEL_CACHE (default .build/ble-lab,
#   shared with the BLE lab), MEM (MiB, 512), SMP (2).
# What it proves and what it cannot: scripts/power-cut/README.md.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
G=$REPO/scripts/power-cut
T0=$(date +%s.%N)
log() { printf '[power-cut %6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*"; }
fail() { echo "POWER_CUT: FAIL (lab could not start: $*)"; exit 2; }
ARGS=("$@")
for ((i = 0; i < ${#ARGS[@]}; i++)); do [ "${ARGS[$i]}" = -h ] || [ "${ARGS[$i]}" = --help ] && { sed -n '2,20p' "$0"; exit 0; }; done

# 1. host packages (installs only what is missing; needs root for apt-get)
need=""
for b in qemu-system-x86_64:qemu-system-x86 cpio:cpio depmod:kmod bc:bc mkfs.ext4:e2fsprogs e2fsck:e2fsprogs openssl:openssl curl:curl; do
  command -v "${b%%:*}" >/dev/null || need="$need ${b#*:}"
done
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
if [ -n "$need" ]; then
  log "installing:$need"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null; } \
    || fail "apt-get install$need (qemu, busybox-static, e2fsprogs … are required; scripts/setup.sh installs them)"
fi

# 2. binaries: the guest runs the host's build over 9p
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
BIN=${IOMT_BIN_DIR:-$(cd "$REPO" && swift build --show-bin-path)}
for p in iomtd iomt-lab iomtctl; do [ -x "$BIN/$p" ] || fail "no $BIN/$p (run swift build)"; done

# 3. kernel + initramfs (shared with the BLE lab)
D=${PC_KERNEL_CACHE:-$REPO/.build/ble-lab}; mkdir -p "$D"
. "$REPO/scripts/vm-kernel.sh"

# 4. work directory on a real file system
W=${PC_WORK:-/tmp/power-cut-$(id -un)}; mkdir -p "$W"
[ "$(stat -f -c %T "$W")" != tmpfs ] || fail "PC_WORK=$W is on tmpfs: cache=none needs a real file system"
export PC_REPO=$REPO PC_BIN=$BIN PC_WORK=$W PC_KIMG=$KIMG PC_INITRD=$INITRD
exec python3 "$G/cycles.py" "$@"
