#!/bin/sh
# PID 1 in the power-cut VM (host / read-only over 9p under a tmpfs overlay; the store's disk is /dev/vda, a raw
# ext4 image opened with cache=none). Settings come from the kernel command line (environment): PC_REPO, PC_BIN,
# PC_WORK (config, CA, flag files: on the host, read over 9p), PC_MODE (cycle | drain), PC_SYNC (FULL, or NORMAL/OFF
# for the negative control), PC_DEVICES.
# Each boot: mount (replays the ext4 journal), e2fsck -fn, the store's own check, then the simulated oximeters and
# iomtd with its commit witness on the serial console (the host's stdout). cycle: run until the host cuts the power.
# drain: run until the host has seen DOM hold every acknowledged reading (it says so on the console's input), then stop iomtd
# cleanly, check the store again and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts
up() { cut -d' ' -f1 /proc/uptime; }
off() { sync; echo o > /proc/sysrq-trigger; sleep 30; }
echo "GUEST_UP $(up)"
W=/run/pc; mkdir -p $W /data
modprobe -q -a virtio_blk crc32c_generic ext4 virtio_net || echo "GUEST_MODPROBE_FAILED"
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 /dev/vda /data || { echo "GUEST_MOUNT_FAIL"; dmesg | tail -20; off; }
umount /data
e2fsck -fn /dev/vda >$W/fsck.log 2>&1; rc=$?
echo "FSCK rc=$rc t=$(up)"; [ $rc = 0 ] || sed 's/^/  fsck: /' $W/fsck.log | head -30
mount -t ext4 /dev/vda /data || { echo "GUEST_MOUNT_FAIL"; off; }
mkdir -p /data/state
bash "$PC_REPO/scripts/power-cut/store-check.sh" "$PC_BIN" /data/state/iomtd.sqlite

ip link set lo up; ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || echo "GUEST_NET_FAILED"
"$PC_BIN/iomt-lab" sim cms50 --generation legacy --script steady --count "$PC_DEVICES" --link $W/cms50 >$W/sim.log 2>&1 &
SIM=$!
i=0; while [ ! -e "$W/cms50-$PC_DEVICES" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
[ "$PC_SYNC" = FULL ] || export IOMT_TEST_ONLY_STORE_SYNCHRONOUS=$PC_SYNC
echo "DAEMON_START t=$(up) sync=$PC_SYNC"
IOMT_COMMIT_WITNESS=/dev/ttyS0 "$PC_BIN/iomtd" --config "$PC_WORK/iomtd.json" >$W/iomtd.log 2>&1 &
DAEMON=$!
if [ "$PC_MODE" = cycle ]; then wait $DAEMON; echo "DAEMON_EXITED rc=$? t=$(up)"; tail -20 $W/iomtd.log; sleep 600; fi

# drain: the host says STOP-DEVICES, then DRAINED, on the console's input
stty -F /dev/ttyS0 -echo 2>/dev/null
await() { while read -r word </dev/ttyS0; do [ "$word" = "$1" ] && return; done; }
await STOP-DEVICES
kill $SIM; wait $SIM 2>/dev/null; echo "DEVICES_STOPPED t=$(up)"
await DRAINED
kill -TERM $DAEMON; wait $DAEMON; echo "DAEMON_STOPPED rc=$? t=$(up)"
grep -E "error|warning" $W/iomtd.log | grep -v "commit witness" | tail -10 | sed 's/^/  iomtd: /'
bash "$PC_REPO/scripts/power-cut/store-check.sh" "$PC_BIN" /data/state/iomtd.sqlite
umount /data && echo "GUEST_UMOUNTED"
off
