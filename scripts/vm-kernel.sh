# Sourced by the qemu labs (scripts/ble-lab/run.sh, scripts/power-cut/run.sh): a stock Debian kernel and a small
# initramfs that mounts the host's / read-only over 9p under a tmpfs overlay, bind-mounts the kernel's modules
# (so `modprobe` works in the guest) and switch_roots to $GUESTINIT (from the kernel command line).
# Needs: D (cache directory), log and fail functions. Sets KIMG (kernel image), KVER, INITRD.
# The kernel package is downloaded once (apt-get download) and unpacked with dpkg -x, not installed.
if ! ls "$D"/kroot/boot/vmlinuz-* >/dev/null 2>&1; then
  KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$KPKG" ] || fail "apt-cache knows no linux-image-amd64 (run apt-get update)"
  log "downloading $KPKG"
  (cd "$D" && apt-get download "$KPKG" >/dev/null 2>&1) || fail "apt-get download $KPKG"
  rm -rf "$D/kroot"; dpkg -x "$D"/${KPKG}_*.deb "$D/kroot" || fail "dpkg -x $KPKG"
fi
KIMG=$(ls "$D"/kroot/boot/vmlinuz-* | head -1); KVER=${KIMG##*/vmlinuz-}
[ -f "$D/kroot/lib/modules/$KVER/modules.dep" ] || depmod -b "$D/kroot" "$KVER"

INITRD=$D/initrd.gz
if [ ! -f "$INITRD" ] || [ "${BASH_SOURCE[0]}" -nt "$INITRD" ]; then
  log "building the initramfs"
  R=$D/initrd; rm -rf "$R"; mkdir -p "$R"/{bin,dev,proc,sys,newroot,mods}
  cp /bin/busybox "$R/bin/"
  M=$D/kroot/lib/modules/$KVER/kernel
  MODS="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev
        drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay"
  names=""
  for m in $MODS; do [ -f "$M/$m.ko" ] && { cp "$M/$m.ko" "$R/mods/"; names="$names ${m##*/}"; }; done
  cat > "$R/init" <<EOI
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $names; do insmod /mods/\$m.ko || echo "insmod \$m failed"; done
mkdir -p /lower /upper
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 root /lower || { echo "9p mount failed"; exec sh; }
mount -t tmpfs -o size=1g tmpfs /upper; mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || { echo "overlay failed"; exec sh; }
mkdir -p /newroot/lib/modules/$KVER
mount --bind /lower$D/kroot/lib/modules/$KVER /newroot/lib/modules/$KVER
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot \${GUESTINIT:-/bin/sh}
EOI
  chmod +x "$R/init"
  (cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$INITRD"
fi
