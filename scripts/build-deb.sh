#!/bin/bash
# Builds the iomtd Debian package with dpkg-deb (no debhelper needed).
#
#   scripts/build-deb.sh [--bin-dir DIR] [--out DIR] [--version V] [--fast]
#
# Without --bin-dir it makes a release build with the Swift runtime linked statically
# (--static-swift-stdlib), so the box needs no Swift toolchain; only Debian libraries remain
# (libc, libsqlite3, libcurl, libudev), declared in Depends. --bin-dir takes prebuilt iomtd/iomtctl
# (the tests pass their debug build to check the package layout quickly). --fast compresses with
# gzip -1 instead of xz -6 (seconds instead of tens of seconds for a debug build's large binaries).
# The package installs the binaries, the systemd unit, the udev rules, the device profiles, the
# man pages and bash completion; its postinst creates the iomtd system user and starts the service.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR="" OUT="$ROOT/.build/deb" VERSION=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' "$ROOT/Sources/IoMTCore/ProductVersion.swift") COMPRESS="-Zxz"
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) BIN_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --version) VERSION=$2; shift 2 ;;
    --fast) COMPRESS="-Zgzip -z1"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build-deb.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb not found (apt-get install dpkg)" >&2; exit 1; }

if [ -z "$BIN_DIR" ]; then
  echo "[build-deb] release build (static Swift runtime)"
  (cd "$ROOT" && swift build -c release --static-swift-stdlib --product iomtd && swift build -c release --static-swift-stdlib --product iomtctl)
  BIN_DIR=$(cd "$ROOT" && swift build -c release --show-bin-path)
fi
for b in iomtd iomtctl; do [ -x "$BIN_DIR/$b" ] || { echo "build-deb.sh: $BIN_DIR/$b missing" >&2; exit 1; }; done

ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d); trap 'rm -rf "$STAGE"' EXIT
P="$STAGE/iomtd_${VERSION}_${ARCH}"
install -d "$P/DEBIAN" "$P/usr/bin" "$P/lib/systemd/system" "$P/lib/udev/rules.d" "$P/usr/share/iomtd/profiles" \
           "$P/usr/share/man/man1" "$P/usr/share/man/man5" "$P/usr/share/man/man8" "$P/usr/share/bash-completion/completions" \
           "$P/usr/share/doc/iomtd/examples"
install -m 0755 "$BIN_DIR/iomtd" "$BIN_DIR/iomtctl" "$P/usr/bin/"
install -m 0644 "$ROOT/Systemd/iomtd.service" "$P/lib/systemd/system/"
install -m 0644 "$ROOT/Systemd/70-iomtd.rules" "$P/lib/udev/rules.d/"
install -m 0644 "$ROOT"/DeviceProfiles/*.json "$P/usr/share/iomtd/profiles/"
if [ -d "$ROOT/DeviceProfiles/rules" ]; then
  install -d "$P/usr/share/iomtd/rules"; install -m 0644 "$ROOT"/DeviceProfiles/rules/*.json "$P/usr/share/iomtd/rules/"
fi
for page in "$ROOT"/docs/man/*.[158]; do
  section=${page##*.}; gzip -9n -c "$page" > "$P/usr/share/man/man$section/$(basename "$page").gz"
done
# Section 5 pages are rendered from the Markdown references, their single source.
man5() { # markdown name description
  [ -f "$ROOT/docs/$1" ] || return 0
  python3 "$ROOT/scripts/md2man.py" "$ROOT/docs/$1" "$2" 5 "$3" | gzip -9n > "$P/usr/share/man/man5/$2.5.gz"
}
man5 configuration.md iomtd.json "configuration file of the iomtd gateway daemon"
man5 profile-format.md iomtd-profile "device profile format of iomtd (DeviceProfiles/*.json)"
man5 alert-rules.md iomtd-rules "alert rule files of iomtd"
[ -f "$ROOT/scripts/completion/iomtctl.bash" ] && install -m 0644 "$ROOT/scripts/completion/iomtctl.bash" "$P/usr/share/bash-completion/completions/iomtctl"
install -m 0644 "$ROOT/Systemd/iomtd.example.json" "$P/usr/share/doc/iomtd/examples/iomtd.json"
install -m 0644 "$ROOT/README.md" "$P/usr/share/doc/iomtd/README.md"

SIZE=$(du -sk "$P" | cut -f1)
cat > "$P/DEBIAN/control" <<EOF
Package: iomtd
Version: $VERSION
Architecture: $ARCH
Maintainer: iomtd developers <iomtd@localhost>
Installed-Size: $SIZE
Depends: libc6, libsqlite3-0, libcurl4, libudev1, adduser, systemd
Recommends: bluez
Section: misc
Priority: optional
Homepage: https://localhost/iomtd
Description: IoMT edge gateway for medical devices
 iomtd reads pulse oximeters, blood-pressure cuffs, spirometers and other
 monitors over USB-serial and Bluetooth LE, normalises every reading (IEEE
 11073 MDC, LOINC, UCUM), raises local threshold alerts, buffers offline in
 SQLite and forwards HL7 FHIR (PHD IG) transaction bundles to DOM.
 iomtctl is the technician's command-line interface.
EOF
install -m 0755 "$ROOT/Systemd/debian/postinst" "$ROOT/Systemd/debian/prerm" "$ROOT/Systemd/debian/postrm" "$P/DEBIAN/"
mkdir -p "$OUT"
dpkg-deb --root-owner-group $COMPRESS --build "$P" "$OUT/iomtd_${VERSION}_${ARCH}.deb" >/dev/null
echo "$OUT/iomtd_${VERSION}_${ARCH}.deb"
