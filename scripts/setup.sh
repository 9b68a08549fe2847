#!/usr/bin/env bash
# Installs what iomtd needs to build, test and run its demo on a fresh Debian 12 machine.
# Idempotent: installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need_apt+=(libsqlite3-dev)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_apt+=(libcurl4-openssl-dev)
# libssl for the lab's DOM receiver (TLS, mutual TLS); the openssl CLI makes the tests' throw-away certificates.
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# libudev for USB hotplug (iomtd links it); umockdev (+ its GObject introspection data and python3-gi)
# simulates USB-serial devices and uevents for the hotplug tests.
dpkg -s libudev-dev >/dev/null 2>&1 || need_apt+=(libudev-dev)
dpkg -s umockdev >/dev/null 2>&1 || need_apt+=(umockdev)
dpkg -s gir1.2-umockdev-1.0 >/dev/null 2>&1 || need_apt+=(gir1.2-umockdev-1.0)
dpkg -s python3-gi >/dev/null 2>&1 || need_apt+=(python3-gi)
dpkg -s python3-venv >/dev/null 2>&1 || python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v xxd >/dev/null 2>&1 || need_apt+=(xxd)
# systemd-analyze checks the unit's hardening score; dpkg-deb builds the .deb (both tested).
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v dpkg-deb >/dev/null 2>&1 || need_apt+=(dpkg)
# D-Bus tests run a private dbus-daemon (the reference bus) and python-dbusmock's BlueZ template
# (with the host's /usr/bin/python3, whose dbus bindings come from apt).
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus)
dpkg -s python3-dbusmock >/dev/null 2>&1 || need_apt+=(python3-dbusmock)
# BLE end-to-end lab (scripts/ble-lab/run.sh): qemu (TCG) boots a Debian kernel with the host rootfs over 9p;
# btvirt (bluez-test-tools) makes virtual LE controllers; bluetoothd, busybox-static for the initramfs.
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
dpkg -s bluez >/dev/null 2>&1 || need_apt+=(bluez)
command -v btvirt >/dev/null 2>&1 || need_apt+=(bluez-test-tools)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)  # static: the initramfs has no libc
command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
command -v depmod >/dev/null 2>&1 || need_apt+=(kmod)
command -v bc >/dev/null 2>&1 || need_apt+=(bc)
dpkg -s python3-dbus >/dev/null 2>&1 || need_apt+=(python3-dbus)
# Power-cut harness (scripts/power-cut/run.sh): the same qemu/kernel/initramfs as the BLE lab, plus an ext4 image
# for the store (mkfs.ext4, e2fsck after every cut).
command -v mkfs.ext4 >/dev/null 2>&1 || need_apt+=(e2fsprogs)
# MQTT uplink (issue 17): libmosquitto for IoMTMQTT; Debian's broker and clients for the broker tests.
dpkg -s libmosquitto-dev >/dev/null 2>&1 || need_apt+=(libmosquitto-dev)
# iomt-collector's subscriber: Eclipse Paho C (acknowledges a QoS 1 message only after its callback returned).
dpkg -s libpaho-mqtt-dev >/dev/null 2>&1 || need_apt+=(libpaho-mqtt-dev)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need_apt+=(mosquitto-clients)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH
  else
    echo "setup: the Swift 6 toolchain is required (swift not found on PATH nor in /opt/swift)." >&2
    echo "       Install it from swift.org (Debian 12 build) and run this again." >&2
    exit 1
  fi
fi

# Independent FHIR validator (fhir.resources, PyPI) in a private virtualenv.
bash scripts/setup-python.sh
