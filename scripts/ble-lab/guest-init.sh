#!/bin/sh
# PID 1 inside the ble-lab VM (host rootfs read-only over 9p, tmpfs overlay on top). Starts the system bus,
# btvirt (two virtual LE controllers on one virtual air, fresh per phase; BR/EDR+LE for the Classic nonin-9560, cms50d-bt
# and nonin-9560-format8 phases, whose simulators are scripts/ble-lab/nonin-spp-sim.py, cms50-spp-sim.py and
# nonin-continuous-sim.py over RFCOMM) and bluetoothd, then the
# project's peers:
#   hci0  iomt-lab ble-sim --device <each of DEVICES, one phase each>   (peripheral)
#   hci1  the central: CENTRAL=probe (scripts/ble-lab/probe-central.py) or CENTRAL=iomtd
# and iomt-lab dom-receiver on 127.0.0.1. Each simulator forces one disconnect after DISCONNECT_AFTER
# values. Prints BLE_E2E_RESULT=PASS|FAIL for run.sh. Settings come from the kernel command line (env).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
G=$(cd "$(dirname "$0")" && pwd)
REPO=${BLE_LAB_REPO:-$(cd "$G/../.." && pwd)}
BIN=${BLE_LAB_BIN:-$REPO/.build/debug}
CENTRAL=${CENTRAL:-probe}
# nonin-3230 (a vendor 128-bit service, no Current Time Service), contec-spirometer and omron (record download),
# nonin-9560 (Bluetooth Classic SPP, the device connects; dual-mode controllers), cms50d-bt and nonin-9560-format8
# (Classic SPP, the gateway connects), o2ring (stored sessions and polled live data) and and-ua651ble (bluetoothQuirks)
# vendor-oximeters (the Lepu PC-60FW and the Jumper JPD-500F, three controllers) and contec-oximeters (the EMAY SleepO2
# and the Beurer PO60 on service FF12, three controllers) are read by the iomtd central only.
if [ "$CENTRAL" = iomtd ]; then DEVICES=${DEVICES:-blood-pressure,pulse-oximeter,nonin-3230,contec-spirometer,omron,nonin-9560,cms50d-bt,nonin-9560-format8,o2ring,and-ua651ble,omron-fe4a,vendor-oximeters,contec-oximeters}; else DEVICES=${DEVICES:-blood-pressure,pulse-oximeter}; fi
DISCONNECT_AFTER=${DISCONNECT_AFTER:-6}
INTERVAL_MS=${INTERVAL_MS:-500}
CENTRAL_TIMEOUT=${CENTRAL_TIMEOUT:-150}
PROBE_ARGS=${PROBE_ARGS:-}      # e.g. --pair (Just Works, answered by the simulator's agent)
PORT=8088
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /var/lib/bluetooth   # (no tmpfs on /tmp: the build directory may live there)
hostname blelab
busybox ip link set lo up 2>/dev/null || busybox ifconfig lo 127.0.0.1 up
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "GUEST [$(up)s]: $*"; }
W=/run/ble-lab; L=$W/logs; mkdir -p $L
say "kernel $(uname -r), $(nproc) vCPU, central=$CENTRAL devices=$DEVICES disconnect-after=$DISCONNECT_AFTER"
modprobe -a hci_vhci cmac ecb algif_hash algif_skcipher || say "modprobe failed"
mkdir -p /run/dbus; dbus-daemon --system --fork --nopidfile || say "dbus-daemon failed"

ncontrollers() { btmgmt info 2>/dev/null | grep -c "Primary controller"; }
# Fresh virtual controllers for every phase: with controllers reused from an earlier phase, discovery of
# the next peripheral took 30-150 s or never happened (a new peripheral address did not help).
start_controllers() {  # $1: btvirt's controller type, -L (LE only, default) or "" (BR/EDR+LE, for Classic SPP); $2: how many (2)
  for attempt in 1 2 3; do        # a controller reset can time out on a slow TCG guest: retry
    dmesg -c >/dev/null
    btvirt ${1--L} -l${2:-2} >$L/btvirt.log 2>&1 &
    BTVIRT=$!
    for i in $(seq 1 60); do
      [ "$(ncontrollers)" -ge ${2:-2} ] && break
      dmesg | grep -q "failed: -110" && break
      sleep 0.3
    done
    [ "$(ncontrollers)" -ge ${2:-2} ] && break
    say "btvirt attempt $attempt: $(ncontrollers) controller(s) came up, retrying"; stop_controllers
  done
  say "controllers up: $(ls /sys/class/bluetooth | tr '\n' ' ')"
}
stop_controllers() {
  kill $BTVIRT 2>/dev/null; wait $BTVIRT 2>/dev/null
  for i in $(seq 1 50); do [ -z "$(ls /sys/class/bluetooth 2>/dev/null)" ] && break; sleep 0.2; done
}
address() { btmgmt -i "$1" info 2>/dev/null | awk '/addr /{print $2; exit}'; }

"$BIN/iomt-lab" dom-receiver --port $PORT >$L/receiver.log 2>&1 &
for i in $(seq 1 50); do busybox wget -q -O - http://127.0.0.1:$PORT/health >/dev/null 2>&1 && break; sleep 0.2; done
stats() { busybox wget -q -O - http://127.0.0.1:$PORT/stats 2>/dev/null; }
observations() { n=$(stats | sed -n 's/.*"observations":\([0-9]*\).*/\1/p'); echo "${n:-0}"; }
now() { cut -d. -f1 /proc/uptime; }

# iomtd's configuration for a phase: $1 directory, $2 the devices[] entries, $3 the patient (default: the PESEL alone),
# $4 DOM batch size (default 20).
write_config() {
  cat >$1/config.json <<EOC
{
  "stateDirectory": "$1/state",
  "profilesDirectory": "$REPO/DeviceProfiles",
  "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "BLE-LAB"},
  "patient": ${3:-"{\"pesel\": \"44051401359\"}"},
  "control": {"socketPath": "$1/control.sock"},
  "hotplug": {"enabled": false},
  "bluetooth": {"adapter": "hci1"},
  "devices": [$2],
  "dom": {"baseURL": "http://127.0.0.1:$PORT/fhir", "batchSize": ${4:-20}, "timeoutMs": 3000}
}
EOC
}

# iomtd central: needs iomtd's BLE central (Sources/IoMTBlueZ, branch wt-bluez until merged; run here with
# IOMT_BIN_DIR pointing at a build of the merge). Configuration: devices[] {"profile": "ble-<device>",
# "address": "<peripheral>"} and "bluetooth": {"adapter": "hci1"}. Passes when DOM has readings from
# before the forced disconnect, the simulator sent values after the central reconnected (re-subscribed),
# and DOM has more readings after that.
iomtd_central() {  # $1 device, $2 peripheral address, $3 profile id
  dir=$W/iomtd-$1; mkdir -p $dir
  write_config $dir "{\"profile\": \"$3\", \"address\": \"$2\"}"
  "$BIN/iomtd" --config $dir/config.json >$L/central-$1.log 2>&1 &
  IOMTD=$!
  start=$(observations); before=""; deadline=$(( $(now) + CENTRAL_TIMEOUT )); rc=1
  while [ "$(now)" -lt $deadline ]; do
    kill -0 $IOMTD 2>/dev/null || { say "iomtd exited"; break; }
    n=$(observations)
    if [ -z "$before" ] && grep -q "forcing disconnect" $L/sim-$1.log; then before=$n; say "$1: forced disconnect with $((n - start)) new observations at DOM"; fi
    if [ -n "$before" ] && [ "$before" -gt "$start" ] && [ "$n" -gt "$before" ] && \
       awk '/forcing disconnect/{f=1} f&&/central .* connected/{c=1} c&&/ sent /{s=1} END{exit !s}' $L/sim-$1.log; then
      say "$1: observations at DOM: $((before - start)) before the forced disconnect, $((n - before)) after the reconnect"; rc=0; break
    fi
    sleep 2
  done
  [ $rc -eq 0 ] || say "$1: iomtd central did not pass: observations start=$start before-disconnect=${before:-none} now=$(observations)"
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The Contec spirometer (command/answer, stored records): the simulator holds 3 records and drops the link after each
# sync (--disconnect-after-sync), so iomtd reconnects and syncs again. Passes when DOM has the 3 records after sync 1
# (values and device times as the simulator logged them, reference values from the patient's height), still exactly 3
# after syncs 2 and 3 (nothing new downloaded), then, once SIGUSR1 made a 4th record, exactly that one more; the
# simulator kept its records (sync 1 ended with "keep", nothing deleted).
spiro_fev1() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=1000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-spirometer-dom.py" --sim-log $L/sim-contec-spirometer.log "$@"; }
wait_for() {  # $1 seconds, then the condition command
  t=$(( $(now) + $1 )); shift
  while [ "$(now)" -lt $t ]; do "$@" && return 0; kill -0 $IOMTD 2>/dev/null || { say "iomtd exited"; return 1; }; sleep 1; done; return 1
}
iomtd_spirometer() {  # $1 peripheral address
  dir=$W/iomtd-contec-spirometer; mkdir -p $dir; f=$L/sim-contec-spirometer.log
  write_config $dir "{\"profile\": \"contec-spirometer-ble\", \"address\": \"$1\"}" '{"pesel": "44051401359", "heightCm": 175}' 50
  t0=$(now)
  "$BIN/iomtd" --config $dir/config.json >$L/central-contec-spirometer.log 2>&1 &
  IOMTD=$!; rc=1
  synced() { grep -q "sync #$1 ended" $f; }
  if wait_for $CENTRAL_TIMEOUT synced 1 && wait_for 30 spiro_fev1 --records 3 --quiet; then
    say "contec-spirometer: sync 1 after $(( $(now) - t0 ))s ($(grep -o 'sync #1 ended: .*' $f)); DOM: $(spiro_fev1 --records 3)"
    t1=$(now)
    # Syncs 2 and 3 find only the records already stored; the 4th record is made (SIGUSR1) only after DOM is checked.
    if wait_for $CENTRAL_TIMEOUT synced 3; then
      sleep 2   # delivery of anything syncs 2 and 3 stored (none expected) before the count
      if spiro_fev1 --records 3 --quiet; then
        say "contec-spirometer: syncs 2 and 3 after $(( $(now) - t1 ))s; nothing new at DOM: $(spiro_fev1 --records 3)"
        t2=$(now); kill -USR1 $SIM
        if wait_for 10 grep -q "new record #4" $f && wait_for $CENTRAL_TIMEOUT spiro_fev1 --records 4 --quiet; then
          say "contec-spirometer: record #4 made (SIGUSR1), at DOM after $(( $(now) - t2 ))s, alone: $(spiro_fev1 --records 4)"; rc=0
        else say "FAIL: contec-spirometer: the new record: $(spiro_fev1 --records 4)"; fi
      else say "FAIL: contec-spirometer: syncs 2-3 changed DOM: $(spiro_fev1 --records 3)"; fi
    else say "FAIL: contec-spirometer: no second and third sync"; fi
  else say "FAIL: contec-spirometer: sync 1 / the 3 records at DOM: $(spiro_fev1 --records 3)"; fi
  grep -q "sync #1 ended: 3 records kept" $f || { say "FAIL: contec-spirometer: sync 1 did not end with the 3 records kept"; rc=1; }
  grep -q "records deleted" $f && { say "FAIL: contec-spirometer: the records were deleted"; rc=1; }
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The Viatom O2Ring (request/response, stored sessions, polled live data): the simulator holds two sessions and drops the
# link once after its 8th real-time answer, so iomtd connects twice. Passes when DOM holds every stored record's SpO2 and
# pulse rate once, at its device time, with its values (none for the no-finger record), after the first connection; the
# second connection opens no file (nothing new) and live readings reach DOM after it; nothing is deleted.
o2ring_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-o2ring-dom.py" --sim-log $L/sim-o2ring.log --central-log $L/central-o2ring.log \
    --before $W/o2ring-dom-before.json "$@"; }
iomtd_o2ring() {  # $1 peripheral address
  dir=$W/iomtd-o2ring; mkdir -p $dir; f=$L/sim-o2ring.log
  write_config $dir "{\"profile\": \"viatom-o2ring\", \"address\": \"$1\"}" "" 200
  # What earlier phases left at DOM (an Omron cuff's pulse at a time inside a stored session) is not the ring's.
  busybox wget -q -O $W/o2ring-dom-before.json "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null
  t0=$(now)
  "$BIN/iomtd" --config $dir/config.json >$L/central-o2ring.log 2>&1 &
  IOMTD=$!; rc=1
  closed() { [ "$(grep -c 'file closed' $f)" -ge 2 ]; }
  at_least() { [ "$(observations)" -ge "$1" ]; }
  if wait_for $CENTRAL_TIMEOUT closed && wait_for 30 o2ring_dom --quiet; then
    say "o2ring: both sessions downloaded after $(( $(now) - t0 ))s; DOM: $(o2ring_dom)"
    t1=$(now)
    infos() { [ "$(grep -c 'info answered' $f)" -ge 2 ]; }
    if wait_for $CENTRAL_TIMEOUT grep -q "out of range" $f && wait_for $CENTRAL_TIMEOUT infos; then
      n1=$(observations)
      if wait_for 40 at_least $(( n1 + 10 )); then
        say "o2ring: second connection after $(( $(now) - t1 ))s: $(grep -c 'file .* opened' $f) files opened in all, live readings at DOM after it ($n1 -> $(observations) observations); DOM: $(o2ring_dom --live 10)"
        if [ "$(grep -c 'file .* opened' $f)" -eq 2 ] && o2ring_dom --live 10 --quiet; then rc=0
        else say "FAIL: o2ring: the second connection opened a file again, or DOM does not match: $(o2ring_dom --live 10)"; fi
      else say "FAIL: o2ring: no live readings at DOM after the reconnect ($n1 -> $(observations))"; fi
    else say "FAIL: o2ring: no second connection (info answered $(grep -c 'info answered' $f) times)"; fi
  else say "FAIL: o2ring: the two sessions at DOM: $(o2ring_dom)"; fi
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The Omron cuff (classic record transfer): the simulated HEM-7322T starts in pairing mode without a key, holds 3
# records of user 1 and one of user 2, and drops the link after each sync, so iomtd reconnects and syncs again. Passes
# when iomtd programmed its key (sync 1), DOM has user 1's 3 records (values, device times) and nothing of user 2 (one
# device entry reads both users: `iomtctl devices` lists the parts …/user1 and …/user2, and user 2's record is held, as
# the home hub's patient is user 1),
# still exactly 3 after syncs 2 and 3 (unlocked with the key, nothing new downloaded), then, once SIGUSR1 made a new
# record, exactly that one more; the cuff's unread counter and records were never written.
# The omron-fe4a phase is the same with the HEM-7155T on FE4A firmware (profile omron-hem-7155t-fe4a): no key (the
# OS bond), the token at every connection (the cuff logs "unlock request 17: unlocked"), whole packets on one channel.
omron_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=1000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-omron-dom.py" --sim-log $L/sim-$OMRON_PHASE.log --before $W/omron-dom-before.json "$@"; }
iomtd_omron() {  # $1 peripheral address, $2 profile, $3 phase (omron | omron-fe4a)
  OMRON_PHASE=$3; p=$3
  dir=$W/iomtd-$p; mkdir -p $dir; f=$L/sim-$p.log
  write_config $dir "{\"profile\": \"$2\", \"address\": \"$1\"}" "" 50
  # What earlier phases left at DOM (their blood pressure and pulse) is not this cuff's.
  busybox wget -q -O $W/omron-dom-before.json "http://127.0.0.1:$PORT/fhir/Observation?_count=1000" 2>/dev/null
  t0=$(now)
  "$BIN/iomtd" --config $dir/config.json >$L/central-$p.log 2>&1 &
  IOMTD=$!; rc=1
  synced() { grep -q "sync #$1 ended" $f; }
  if wait_for $CENTRAL_TIMEOUT synced 1 && wait_for 30 omron_dom --records 3 --quiet; then
    say "$p: key programmed $(grep -c 'keyProgrammed' $f)x, token answered $(grep -c 'unlock request 17: unlocked' $f)x; sync 1 after $(( $(now) - t0 ))s ($(grep -o 'sync #1 ended: .*' $f)); DOM: $(omron_dom --records 3)"
    parts=$("$BIN/iomtctl" devices --socket $dir/control.sock 2>&1 | grep -c '^bt:.*/user[12]$')
    held=$("$BIN/iomtctl" status --json --socket $dir/control.sock 2>/dev/null | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["delivery"]["held"])' 2>/dev/null)
    if [ "$parts" -eq 2 ] && [ "${held:-0}" -ge 2 ]; then users_ok=0; say "$p: both users on one entry ($parts parts on iomtctl devices); user 2's record held ($held reading(s)), not the hub patient's"
    else users_ok=1; say "FAIL: $p: user 2 not read as its own part: $parts parts on iomtctl devices, $held held"; fi
    t1=$(now)
    if wait_for $CENTRAL_TIMEOUT synced 3; then
      sleep 2   # delivery of anything syncs 2 and 3 stored (none expected) before the count
      if omron_dom --records 3 --quiet; then
        say "$p: syncs 2 and 3 after $(( $(now) - t1 ))s (unlocked $(grep -c ': unlocked' $f)x); nothing new at DOM: $(omron_dom --records 3)"
        t2=$(now); kill -USR1 $SIM
        if wait_for 10 grep -q "new record user 1" $f && wait_for $CENTRAL_TIMEOUT omron_dom --records 4 --quiet; then
          say "$p: new record made (SIGUSR1), at DOM after $(( $(now) - t2 ))s, alone: $(omron_dom --records 4)"; rc=0
        else say "FAIL: $p: the new record: $(omron_dom --records 4)"; fi
      else say "FAIL: $p: syncs 2-3 changed DOM: $(omron_dom --records 3)"; fi
    else say "FAIL: $p: no second and third sync"; fi
  else say "FAIL: $p: sync 1 / the 3 records at DOM: $(omron_dom --records 3)"; fi
  if [ $p = omron ]; then
    [ "$(grep -c keyProgrammed $f)" -eq 1 ] || { say "FAIL: $p: the key was programmed $(grep -c keyProgrammed $f) times, expected once"; rc=1; }
  else
    [ "$(grep -c 'unlock request 17: unlocked' $f)" -ge 3 ] || { say "FAIL: $p: the token was answered $(grep -c 'unlock request 17: unlocked' $f) times, expected once per sync"; rc=1; }
  fi
  grep -q "memoryWrite" $f && { say "FAIL: $p: iomtd wrote the cuff's memory: $(grep -m1 memoryWrite $f)"; rc=1; }
  grep -q "sync #1 ended: 4 records kept, unread user 1: 3, user 2: 1" $f || { say "FAIL: $p: sync 1 did not leave the records and the unread counters as they were"; rc=1; }
  [ "${users_ok:-1}" -eq 0 ] || rc=1
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The vendor live oximeters (fixture replays on their own 128-bit services, no command, no clock): ble-sim serves the
# Lepu PC-60FW on hci0 and the Jumper JPD-500F on hci2 at once (three LE controllers), each replaying its fixture folder
# one notification a second (one reporting window each) and dropping the link once after DISCONNECT_AFTER values. iomtd
# on hci1 reads one at a time (one LE link at a time, as in every phase): configured with the PC-60FW alone, then, with
# hci0 powered off (its link gone), with the JPD-500F alone. Each passes when check-vendor-oximeters-dom.py finds its
# readings at DOM before the forced disconnect and more after the reconnect, every SpO2 and pulse rate one the simulator
# sent (read from its logged frames by the published layout), at least 3 different SpO2 values in all.
vendor_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-vendor-oximeters-dom.py" --device $VDEV --sim-log $L/sim-$VDEV.log --before $W/$VDEV-dom-before.json "$@"; }
vendor_reconnected() { awk '/forcing disconnect/{f=1} f&&/central .* connected/{c=1} c&&/ sent /{s=1} END{exit !s}' $L/sim-$VDEV.log; }
observations_above() { [ "$(observations)" -gt "$1" ]; }
iomtd_vendor_oximeter() {  # $1 device (its profile id), $2 its simulator's address
  VDEV=$1; dir=$W/iomtd-$1; mkdir -p $dir
  write_config $dir "{\"profile\": \"$1\", \"address\": \"$2\"}"
  busybox wget -q -O $W/$1-dom-before.json "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null
  t0=$(now)
  "$BIN/iomtd" --config $dir/config.json >$L/central-$1.log 2>&1 &
  IOMTD=$!; rc=1
  if wait_for $CENTRAL_TIMEOUT grep -q "forcing disconnect" $L/sim-$1.log && wait_for 30 vendor_dom --quiet; then
    say "$1: forced disconnect after $(( $(now) - t0 ))s; DOM: $(vendor_dom)"
    t1=$(now); n=$(observations)
    if wait_for $CENTRAL_TIMEOUT vendor_reconnected && wait_for 30 observations_above $n && wait_for 30 vendor_dom --distinct 3 --quiet; then
      say "$1: reconnected, readings at DOM after $(( $(now) - t1 ))s ($n -> $(observations) observations); DOM: $(vendor_dom --distinct 3)"; rc=0
    else say "FAIL: $1: after the forced disconnect ($n -> $(observations) observations): $(vendor_dom --distinct 3)"; fi
  else say "FAIL: $1: no readings at DOM before the forced disconnect: $(vendor_dom)"; fi
  say "$1: ble-sim: $(grep -c 'StartNotify' $L/sim-$1.log) StartNotify, $(grep -c 'command written' $L/sim-$1.log) commands written"
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}
# Fresh controllers for a phase with two peripherals (hci0, hci2) and the central (hci1), and bluetoothd (BTD); $1 names
# its log.
three_le_controllers() {
  start_controllers -L 3
  rm -rf /var/lib/bluetooth/*
  /usr/libexec/bluetooth/bluetoothd -n -E >$L/bluetoothd-$1.log 2>&1 &
  BTD=$!
  for i in $(seq 1 75); do [ "$(bluetoothctl list 2>/dev/null | grep -c ^Controller)" -ge 3 ] && break; sleep 0.2; done
}
vendor_oximeters() {
  three_le_controllers vendor-oximeters
  VSIMS=""
  for pair in lepu-pc60fw:hci0 jumper-jpd500f:hci2; do
    d=${pair%%:*}; a=${pair#*:}
    "$BIN/iomt-lab" ble-sim --adapter $a --device $d --fixtures "$REPO/Firmware-Fixtures/$d" --interval-ms 1000 \
      --disconnect-after "$DISCONNECT_AFTER" >$L/sim-$d.log 2>&1 &
    VSIMS="$VSIMS $!"
  done
  for i in $(seq 1 100); do
    grep -q "advertisement registered" $L/sim-lepu-pc60fw.log && grep -q "advertisement registered" $L/sim-jumper-jpd500f.log && break; sleep 0.2
  done
  lepu=$(address hci0); jumper=$(address hci2)
  say "vendor-oximeters: lepu-pc60fw on hci0 ($lepu), jumper-jpd500f on hci2 ($jumper): $(grep -l 'advertisement registered' $L/sim-*.log | wc -l) of 2 advertising; iomtd on hci1"
  vrc=0
  iomtd_vendor_oximeter lepu-pc60fw "$lepu" || vrc=1
  btmgmt -i hci0 power off >/dev/null 2>&1
  iomtd_vendor_oximeter jumper-jpd500f "$jumper" || vrc=1
  kill $VSIMS 2>/dev/null; wait $VSIMS 2>/dev/null
  kill $BTD 2>/dev/null; wait $BTD 2>/dev/null
  stop_controllers
  return $vrc
}

# The Contec-family BLE oximeters on service FF12 (vendor command/answer devices; the address binds the profile, as the
# service is shared): ble-sim serves the EMAY SleepO2 (contec-oximeter-ble, live) on hci0 and the Beurer PO60 (beurer-po60,
# 3 stored spot checks) on hci2 (three LE controllers); iomtd on hci1 reads one at a time (one LE link at a time), each
# configured alone, hci0 powered off before the PO60 (its link gone).
# - SleepO2: after HELLO/START and while iomtd's heartbeats come, one live frame a second; passes when
#   check-contec-oximeters-dom.py finds at least 3 different SpO2 values at DOM and every SpO2 and pulse rate one the
#   simulator sent (its logged frames read by the published layout).
# - PO60: the simulator switches off 6 s after each transfer's last notification (--disconnect-after-transfer: after
#   the reader's 5 s quiet, so each transfer ends complete), so iomtd reconnects and reads everything again. Passes when
#   DOM holds the 3 records once (SpO2 average, pulse average questionable, the records' end times) after transfer 1;
#   transfer 2 (iomtd: "3 received, 0 new") adds nothing; after SIGUSR1 (record #4) exactly that one more.
# contec_dom: the check on what DOM holds now; contec_check: on the last copy taken (dom_copy). Python over 9p in TCG
# takes seconds to start, so each check runs once, its summary line kept in $W/contec-dom.txt (seen prints it).
dom_copy() { busybox wget -q -O $W/contec-dom.json "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null; }
contec_check() { /usr/bin/python3 "$G/check-contec-oximeters-dom.py" --device $CDEV --sim-log $L/sim-$CDEV.log \
  --before $W/$CDEV-dom-before.json "$@" <$W/contec-dom.json >$W/contec-dom.txt; }
contec_dom() { dom_copy; contec_check "$@"; }
seen() { cat $W/contec-dom.txt; }
contec_iomtd() {  # $1 profile, $2 address: iomtd configured with that device alone
  CDEV=$1; dir=$W/iomtd-$1; mkdir -p $dir
  write_config $dir "{\"profile\": \"$1\", \"address\": \"$2\"}"
  busybox wget -q -O $W/$1-dom-before.json "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null
  "$BIN/iomtd" --config $dir/config.json >$L/central-$1.log 2>&1 &
  IOMTD=$!
}
iomtd_sleepo2() {  # $1 the simulator's address
  t0=$(now); contec_iomtd contec-oximeter-ble "$1"; rc=1; f=$L/sim-contec-oximeter-ble.log
  if wait_for $CENTRAL_TIMEOUT grep -q "live frame #" $f && wait_for 60 contec_dom --distinct 3; then
    say "contec-oximeter-ble: first live frame after $(( $(now) - t0 ))s; DOM: $(seen)"; rc=0
  else say "FAIL: contec-oximeter-ble: $(contec_dom --distinct 3; seen)"; fi
  say "contec-oximeter-ble: ble-sim: $(grep -o 'command [0-9a-f ]*: [A-Z]*' $f | sort | uniq -c | tr -s ' ' | tr '\n' ';') $(grep -c 'live frame #' $f) live frames"
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}
po60_transfers() { grep -c "stored measurements sent (transfer #" $L/sim-beurer-po60.log; }
# iomtd's account of its transfers ("storedMeasurements = 3 received, 0 new"): at least $1 of them; the $1-th
po60_ended() { [ "$(grep -c 'storedMeasurements.*received' $L/central-beurer-po60.log)" -ge "$1" ]; }
po60_said() { grep 'storedMeasurements.*received' $L/central-beurer-po60.log | sed -n "$1p" | grep -o '[0-9]* received, [0-9]* new.*'; }
# The PO60's three steps, each ending the phase at its first failure; $1 when iomtd started.
po60_steps() {
  f=$L/sim-beurer-po60.log; c=$L/central-beurer-po60.log
  wait_for $CENTRAL_TIMEOUT po60_ended 1 && wait_for 30 contec_dom --records 3 \
    || { say "FAIL: beurer-po60: transfer 1 ($(po60_said 1)): $(contec_dom --records 3; seen)"; return 1; }
  say "beurer-po60: transfer 1 ($(po60_said 1)) at DOM after $(( $(now) - $1 ))s: $(seen)"
  # Transfer 2 on the next connection: iomtd says what it found, and DOM, copied then, holds nothing new. SIGUSR1 follows
  # the copy at once, so that the record is made before the next transfer; the check of the copy comes after (anything
  # transfer 2 sent late would make DOM's count after record #4 wrong, which the last step checks exactly).
  t1=$(now)
  wait_for $CENTRAL_TIMEOUT po60_ended 2 || { say "FAIL: beurer-po60: no transfer 2"; return 1; }
  dom_copy; t2=$(now); ended=$(grep -c 'storedMeasurements.*received' $c); kill -USR1 $PO60SIM
  po60_said 2 | grep -q " 0 new" && contec_check --records 3 \
    || { say "FAIL: beurer-po60: transfer 2 ($(po60_said 2)): $(seen)"; return 1; }
  say "beurer-po60: transfer 2 after $(( t2 - t1 ))s ($(po60_said 2)); DOM unchanged: $(seen)"
  wait_for 10 grep -q "new record #4" $f && wait_for $CENTRAL_TIMEOUT contec_dom --records 4 \
    || { say "FAIL: beurer-po60: the new record: $(contec_dom --records 4; seen)"; return 1; }
  say "beurer-po60: record #4 made (SIGUSR1), at DOM after $(( $(now) - t2 ))s, alone: $(seen)"
  grep 'storedMeasurements.*received' $c | sed -n "$((ended + 1)),\$p" | grep -q " 1 new" \
    || { say "FAIL: beurer-po60: no transfer after SIGUSR1 said 1 new"; return 1; }
}
iomtd_po60() {  # $1 the simulator's address
  t0=$(now); contec_iomtd beurer-po60 "$1"
  po60_steps $t0; rc=$?
  say "beurer-po60: ble-sim: $(po60_transfers) transfers, $(grep -c 'the device switches off' $L/sim-beurer-po60.log) switch-offs; iomtd: $(grep -o 'storedMeasurements.*' $L/central-beurer-po60.log | tr '\n' ';')"
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}
contec_oximeters() {
  three_le_controllers contec-oximeters
  "$BIN/iomt-lab" ble-sim --adapter hci0 --device contec-oximeter-ble >$L/sim-contec-oximeter-ble.log 2>&1 &
  SLEEPO2SIM=$!
  "$BIN/iomt-lab" ble-sim --adapter hci2 --device beurer-po60 --records 3 --disconnect-after-transfer 6000 >$L/sim-beurer-po60.log 2>&1 &
  PO60SIM=$!
  for i in $(seq 1 100); do
    grep -q "advertisement registered" $L/sim-contec-oximeter-ble.log && grep -q "advertisement registered" $L/sim-beurer-po60.log && break; sleep 0.2
  done
  sleepo2=$(address hci0); po60=$(address hci2)
  say "contec-oximeters: contec-oximeter-ble on hci0 ($sleepo2), beurer-po60 on hci2 ($po60): $(grep -l 'advertisement registered' $L/sim-contec-oximeter-ble.log $L/sim-beurer-po60.log | wc -l) of 2 advertising; iomtd on hci1"
  crc=0
  iomtd_sleepo2 "$sleepo2" || crc=1
  btmgmt -i hci0 power off >/dev/null 2>&1
  iomtd_po60 "$po60" || crc=1
  kill $SLEEPO2SIM $PO60SIM 2>/dev/null; wait $SLEEPO2SIM $PO60SIM 2>/dev/null
  kill $BTD 2>/dev/null; wait $BTD 2>/dev/null
  stop_controllers
  return $crc
}

# The Nonin 9560 (Bluetooth Classic SPP, data format #13; dual-mode controllers): iomtd on hci1 registers its serial
# port profile (server) with bluetoothd; nonin-spp-sim.py on hci0 pages it over RFCOMM on the channel hci1's SDP record
# advertises, sends two spot-checks, drops the link, and does it again (a second session). Passes when DOM holds each
# session's SpO2 and pulse rate once, with the values and device times the simulator sent.
nonin_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=1000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-nonin-dom.py" --sim-log $L/sim-nonin-9560.log "$@"; }
NONIN_PIN=482915   # the simulated 9560's passkey, "printed on its battery door"
# The 9560 pairs by legacy PIN (Bluetooth 2.0); btvirt's controllers do Secure Simple Pairing, so the simulator's
# controller is put back to legacy pairing: SSP off in the kernel (mgmt) and in the controller (a raw
# Write_Simple_Pairing_Mode 0: mgmt alone left the emulated controller in SSP, and the pairing hung; see README.md).
legacy_pin_pairing_on_hci0() {  # $1 the phase
  btmgmt -i hci0 ssp off >/dev/null 2>&1
  hcitool -i hci0 cmd 0x03 0x0056 0x00 >/dev/null 2>&1
  ssp=$(hcitool -i hci0 cmd 0x03 0x0055 2>&1 | tail -1 | awk '{print $NF}')
  [ "$ssp" = 00 ] || say "$1: hci0 still in Secure Simple Pairing (Read_Simple_Pairing_Mode: ${ssp:-no answer}); pairing will not be by PIN"
}
# Pairing once, with the 6 digits printed on the oximeter, as a technician pairs a new one with its gateway: the
# simulator's own agent (the default one, answering for hci0 only) answers its side with the PIN; `iomtctl pair
# --passkey -` gives iomtd the digits on standard input, and iomtd's agent answers the gateway's side. Returns 0 when
# both sides are bonded, 1 when not, 2 when bonded but the passkey file is not 0600 or the passkey is in a log.
pair_with_printed_pin() {  # $1 the phase, $2 the simulator's address, $3 its log, $4 iomtd's directory
  tp=$(now)
  if echo $NONIN_PIN | "$BIN/iomtctl" pair "$2" --passkey - --socket $4/control.sock >$L/pair-$1.log 2>&1 && wait_for 30 grep -q "paired with" $3; then
    say "$1: iomtctl pair --passkey - (legacy PIN): bonded in $(( $(now) - tp ))s; device side: $(grep -o 'agent: Request[A-Za-z]* [^ ]*: answered[^;]*' $3 | head -2 | tr '\n' ';') link keys: $(grep -l '^\[LinkKey\]' /var/lib/bluetooth/*/*/info 2>/dev/null | sed 's,/var/lib/bluetooth/,,; s,/info,,' | tr '\n' ' ')"
  else
    say "FAIL: $1: iomtctl pair: $(tr '\n' ' ' <$L/pair-$1.log)"; return 1
  fi
  # The passkey is kept for iomtd's agent (the device may pair again by itself), 0600, and in no log.
  keep=$(stat -c %a $4/state/bluetooth-passkeys.json 2>/dev/null)
  [ "$keep" = 600 ] || { say "FAIL: $1: the passkey file is ${keep:-missing}, expected mode 600"; return 2; }
  grep -l "$NONIN_PIN" $L/central-$1.log $L/pair-$1.log $L/bluetoothd-$1.log 2>/dev/null | grep -q . && \
    { say "FAIL: $1: the passkey appears in a log"; return 2; }
  return 0
}
iomtd_nonin() {  # $1 the simulator's (hci0) address
  dir=$W/iomtd-nonin-9560; mkdir -p $dir; f=$L/sim-nonin-9560.log; : >$f
  write_config $dir "{\"profile\": \"nonin-9560-onyx2-format13\", \"address\": \"$1\"}"
  t0=$(now); rc=1
  "$BIN/iomtd" --config $dir/config.json >$L/central-nonin-9560.log 2>&1 &
  IOMTD=$!
  if ! wait_for $CENTRAL_TIMEOUT grep -q "listening for 1 SPP device" $L/central-nonin-9560.log; then
    say "FAIL: nonin-9560: iomtd did not register its serial port profile"; kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null; return 1
  fi
  gw=$(address hci1)
  sdp=$(timeout 30 sdptool search --bdaddr "$gw" SP 2>&1); channel=$(echo "$sdp" | awk '/Channel:/{print $2; exit}')
  say "nonin-9560: iomtd's profile registered after $(( $(now) - t0 ))s; SDP on $gw: Serial Port channel ${channel:-not found}"
  [ -n "$channel" ] || { say "FAIL: nonin-9560: no Serial Port record in hci1's SDP: $sdp"; kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null; return 1; }
  # Pairing first (pair_with_printed_pin); every session then runs on the bond, as with the real device: no pairing while
  # a session connects.
  legacy_pin_pairing_on_hci0 nonin-9560
  /usr/bin/python3 "$G/nonin-spp-sim.py" --local "$1" --remote "$gw" --channel "$channel" --sessions 2 --pair --pin $NONIN_PIN \
    --adapter hci0 >$f 2>&1 &
  NSIM=$!
  if ! wait_for 30 grep -q "waiting for .* to pair" $f; then
    say "FAIL: nonin-9560: the simulator did not come up for pairing: $(tail -3 $f | tr '\n' ' ')"; kill $NSIM $IOMTD 2>/dev/null; wait $NSIM $IOMTD 2>/dev/null; return 1
  fi
  pair_with_printed_pin nonin-9560 "$1" $f $dir; paired=$?
  if [ $paired -eq 1 ]; then kill $NSIM $IOMTD 2>/dev/null; wait $NSIM $IOMTD 2>/dev/null; return 1; fi
  [ $paired -eq 0 ] || rc=2
  t1=$(now)
  if wait_for $CENTRAL_TIMEOUT grep -q "session 1: disconnected" $f && wait_for 30 nonin_dom --sessions 1 --quiet; then
    say "nonin-9560: session 1 at DOM after $(( $(now) - t1 ))s: $(nonin_dom --sessions 1)"
    t2=$(now)
    if wait_for 60 grep -q "session 2: disconnected" $f && wait_for 30 nonin_dom --sessions 2 --quiet; then
      say "nonin-9560: session 2 (after a disconnect) at DOM after $(( $(now) - t2 ))s: $(nonin_dom --sessions 2)"; [ $rc -eq 2 ] || rc=0
    else say "FAIL: nonin-9560: session 2: $(nonin_dom --sessions 2)"; fi
  else say "FAIL: nonin-9560: session 1: $(nonin_dom --sessions 1)"; fi
  say "nonin-9560: iomtd: $(grep -c 'serial port connected' $L/central-nonin-9560.log) connection(s), $(grep -o 'fd_properties: [^)]*' $L/central-nonin-9560.log | sort | uniq -c | tr -s ' ' | tr '\n' ';'); link keys stored: $(grep -l '^\[LinkKey\]' /var/lib/bluetooth/*/*/info 2>/dev/null | sed 's,/var/lib/bluetooth/,,; s,/info,,' | tr '\n' ' ')"
  grep -i -E "pair|bond|auth|key|rfcomm|profile|serial|confirm" $L/bluetoothd-nonin-9560.log | grep -v "Adv Monitor" | tail -15 | sed 's/^/  bluetoothd: /'
  kill $NSIM 2>/dev/null; wait $NSIM 2>/dev/null
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The Contec CMS50D-BT (Bluetooth Classic SPP, the gateway connects: profile sppRole "gateway-connects"; dual-mode
# controllers): cms50-spp-sim.py on hci0 registers its own serial port profile (server role, channel 7) with the shared
# bluetoothd and refuses connections that do not come through hci0; iomtd on hci1 registers the client role and calls
# Device1.ConnectProfile. BlueZ does not know the oximeter until it is paired, so the phase pairs it as a technician
# does (iomtctl pair, Just Works through iomtd's agent); the gateway then connects, reads the simulator's stored recording
# (A2 … A7, Contec's V7.0 protocol), asks for live data (7D 81 A1), the
# simulator streams session 1's values for a few seconds and drops the RFCOMM link; the gateway connects again and reads
# session 2 (other values, pulse 131 with its bit 7 carried). Passes when the new SpO2 and pulse observations at DOM
# hold both sessions' values and no other value, and the recording is there once (summary and series, the device's
# start time), its data asked for in session 1 only (check-cms50-dom.py).
cms50_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-cms50-dom.py" --sim-log $L/sim-cms50d-bt.log --before $W/cms50d-bt-before.txt "$@"; }
iomtd_cms50() {  # $1 the simulator's (hci0) address
  dir=$W/iomtd-cms50d-bt; mkdir -p $dir; f=$L/sim-cms50d-bt.log; c=$L/central-cms50d-bt.log; : >$f
  busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null | \
    /usr/bin/python3 "$G/check-cms50-dom.py" --before $W/cms50d-bt-before.txt --record-before
  /usr/bin/python3 "$G/cms50-spp-sim.py" --adapter hci0 --channel 7 --sessions 2 --seconds 5 >$f 2>&1 &
  CSIM=$!
  for i in $(seq 1 50); do grep -q "profile registered" $f && break; sleep 0.2; done
  grep -q "profile registered" $f || { say "FAIL: cms50d-bt: the simulator did not register its profile: $(tail -3 $f)"; kill $CSIM; return 1; }
  write_config $dir "{\"profile\": \"contec-cms50d-bt\", \"address\": \"$1\"}"
  t0=$(now); rc=1
  "$BIN/iomtd" --config $dir/config.json >$c 2>&1 &
  IOMTD=$!
  if ! wait_for 60 grep -q "connecting to 1 SPP device" $c; then
    say "FAIL: cms50d-bt: iomtd did not register its client role"; kill $IOMTD $CSIM 2>/dev/null; wait $IOMTD $CSIM 2>/dev/null; return 1
  fi
  # Per-attempt timeout: a pairing that hangs fails the phase, it does not hold the VM to its own timeout.
  if timeout 90 "$BIN/iomtctl" pair "$1" --socket $dir/control.sock >$L/pair-cms50d-bt.log 2>&1; then
    say "cms50d-bt: paired through iomtd after $(( $(now) - t0 ))s: $(tail -1 $L/pair-cms50d-bt.log)"
  else
    say "FAIL: cms50d-bt: iomtctl pair: $(tail -3 $L/pair-cms50d-bt.log | tr '\n' ' ')"
  fi
  t1=$(now)
  if wait_for $CENTRAL_TIMEOUT grep -q "session 1: disconnected" $f && wait_for 30 cms50_dom --sessions 1 --quiet; then
    say "cms50d-bt: session 1 at DOM $(( $(now) - t1 ))s after pairing: $(cms50_dom --sessions 1)"
    t2=$(now)
    if wait_for 90 grep -q "session 2: disconnected" $f && wait_for 30 cms50_dom --sessions 2 --quiet; then
      say "cms50d-bt: session 2 (the gateway reconnected) at DOM after $(( $(now) - t2 ))s: $(cms50_dom --sessions 2)"; rc=0
      # The simulator now refuses every connection: a refused link must end (not wedge as "connected"), and the gateway
      # keeps trying with backoff — at least three more attempts, each logged.
      t3=$(now)
      if wait_for 30 sh -c "[ \$(grep -c 'refused: all sessions done' $f) -ge 3 ]"; then
        say "cms50d-bt: after the simulator's last session the gateway kept trying: $(grep -c 'refused: all sessions done' $f) refused connections in $(( $(now) - t3 ))s"
      else say "FAIL: cms50d-bt: the gateway stopped trying after a refused connection ($(grep -c 'refused: all sessions done' $f) refused)"; rc=1; fi
    else say "FAIL: cms50d-bt: session 2: $(cms50_dom --sessions 2)"; fi
  else say "FAIL: cms50d-bt: session 1: $(cms50_dom --sessions 1)"; fi
  say "cms50d-bt: iomtctl devices: $("$BIN/iomtctl" devices --socket $dir/control.sock 2>&1 | tail -1 | tr -s ' ')"
  say "cms50d-bt: iomtd: $(grep -c 'connected by the gateway' $c) connection(s), $(grep -c 'connect attempt' $c) failed attempt(s):"
  grep "connect attempt" $c | sed 's/^.*connect attempt/  attempt/' | tail -8
  grep -i -E "pair|bond|auth|rfcomm|profile|serial|connect" $L/bluetoothd-cms50d-bt.log | grep -v "Adv Monitor" | tail -12 | sed 's/^/  bluetoothd: /'
  kill $CSIM 2>/dev/null; wait $CSIM 2>/dev/null
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The A&D cuff (bluetoothQuirks, DeviceProfiles/and-ua651ble.json): before `iomtctl pair` iomtd refuses it (not bonded)
# and writes nothing; once paired (Just Works through iomtd's agent) it writes the Date Time in the BP service, the cuff
# indicates its 4 stored records and drops the link, iomtd logs the session's end (no fault) and connects again when the
# cuff advertises again (a second Date Time write), and DOM has its readings.
iomtd_and() {  # $1 peripheral address
  dir=$W/iomtd-and-ua651ble; mkdir -p $dir; f=$L/sim-and-ua651ble.log; c=$L/central-and-ua651ble.log
  write_config $dir "{\"profile\": \"and-ua651ble\", \"address\": \"$1\"}"
  start=$(observations); t0=$(now)
  "$BIN/iomtd" --config $dir/config.json >$c 2>&1 &
  IOMTD=$!; rc=1
  refused() { "$BIN/iomtctl" devices --json --socket $dir/control.sock 2>&1 | grep -q "readings refused"; }
  if wait_for 60 refused; then
    say "and-ua651ble: refused before pairing after $(( $(now) - t0 ))s; date time writes meanwhile: $(grep -c 'date time written' $f)"
    # One bluetoothd serves both controllers here, and the responder's side of a pairing asks the default agent, which
    # iomtd took when it started: the simulator is started again so that its agent (NoInputNoOutput, the cuff in "Pr")
    # is the default and answers for hci0, while iomtd's answers the gateway's side (as in the nonin-9560 phase).
    kill $SIM 2>/dev/null; wait $SIM 2>/dev/null
    "$BIN/iomt-lab" ble-sim --adapter hci0 --device and-ua651ble --fixtures "$REPO/Firmware-Fixtures/and-ua651ble" \
      --interval-ms "$INTERVAL_MS" >>$f 2>&1 &
    SIM=$!
    readvertised() { [ "$(grep -c 'advertisement registered' $f)" -ge 2 ]; }
    wait_for 30 readvertised || say "and-ua651ble: the simulator did not come back"
    tp=$(now)
    if timeout 90 "$BIN/iomtctl" pair "$1" --socket $dir/control.sock >$L/pair-and-ua651ble.log 2>&1; then
      say "and-ua651ble: iomtctl pair: bonded in $(( $(now) - tp ))s"
      second() { [ "$(grep -c 'date time written' $f)" -ge 2 ]; }
      if wait_for $CENTRAL_TIMEOUT second; then
        say "and-ua651ble: two sessions: $(grep -c 'the device disconnects' $f) device disconnects, $(grep -c 'date time written' $f) date time writes; iomtd: $(grep -c 'session complete' $c) session ends logged"
        grep -q "session complete" $c && rc=0 || say "FAIL: and-ua651ble: iomtd did not log a session's end"
        more() { [ "$(observations)" -gt "$start" ]; }
        wait_for 30 more || { say "FAIL: and-ua651ble: nothing at DOM"; rc=1; }
        # The link's own lines ("bluetooth: <address>: …"): after pairing none is a warning or error. (Readings the cuff's
        # unset clock stamped are held with a warning of the device's key "bt:<address>": the clock-trust rule, expected.)
        grep -E "(warning|error) bluetooth: $1: " $c | grep -v "readings refused" | head -3 | sed 's/^/  unexpected: /'
        grep -E "(warning|error) bluetooth: $1: " $c | grep -v -q "readings refused" && { say "FAIL: and-ua651ble: a link warning or error after pairing"; rc=1; }
      else say "FAIL: and-ua651ble: no second session (date time writes: $(grep -c 'date time written' $f))"; fi
    else say "FAIL: and-ua651ble: iomtctl pair: $(tail -3 $L/pair-and-ua651ble.log | tr '\n' ' ')"; fi
  else say "FAIL: and-ua651ble: not refused before pairing: $("$BIN/iomtctl" devices --socket $dir/control.sock 2>&1 | tail -1)"; fi
  say "and-ua651ble: iomtctl devices: $("$BIN/iomtctl" devices --socket $dir/control.sock 2>&1 | tail -1 | tr -s ' ')"
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# The Nonin 9560 in continuous mode (data format #8: the gateway connects, profile nonin-9560-onyx2-format8, sppRole
# "gateway-connects"; dual-mode controllers): nonin-continuous-sim.py on hci0 is an SPP server (its own profile, channel
# 9, RequireAuthentication) in the factory format #13. iomtd on hci1 registers the client role; the oximeter is paired
# once with its printed PIN (legacy pairing, as in the nonin-9560 phase), then iomtd connects and selects format #8
# (02 70 02 02 08 03, ACK 06 within 5 s); the simulator streams valid readings, a sensor-off stretch, a low-perfusion
# stretch and valid readings again, drops the link, and streams again (format #8 kept in its NVRAM) when the gateway
# reconnects. Passes when check-nonin-format8-dom.py finds, among the observations new since the phase began, every
# stretch's values and no other value, nothing with a value inside the sensor-off stretch, readings after the reconnect,
# and the format-select command sent exactly once per connection.
nonin8_dom() { busybox wget -q -O - "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null | \
  /usr/bin/python3 "$G/check-nonin-format8-dom.py" --sim-log $L/sim-nonin-9560-format8.log --before $W/nonin-9560-format8-before.json "$@"; }
iomtd_nonin_format8() {  # $1 the simulator's (hci0) address
  p=nonin-9560-format8; dir=$W/iomtd-$p; mkdir -p $dir; f=$L/sim-$p.log; c=$L/central-$p.log; : >$f
  busybox wget -q -O $W/$p-before.json "http://127.0.0.1:$PORT/fhir/Observation?_count=5000" 2>/dev/null
  write_config $dir "{\"profile\": \"nonin-9560-onyx2-format8\", \"address\": \"$1\"}"
  t0=$(now); rc=1
  "$BIN/iomtd" --config $dir/config.json >$c 2>&1 &
  IOMTD=$!
  if ! wait_for 60 grep -q "connecting to 1 SPP device" $c; then
    say "FAIL: $p: iomtd did not register its client role"; kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null; return 1
  fi
  say "$p: iomtd's client role registered after $(( $(now) - t0 ))s"
  # The simulator after iomtd, as in the nonin-9560 phase: its agent must be the default one when hci0 is asked for
  # the PIN (iomtd's agent refuses a device it is not pairing).
  legacy_pin_pairing_on_hci0 $p
  # (btmgmt answered nothing once here, right after the SSP commands: asked again)
  for i in 1 2 3 4 5; do gw=$(address hci1); [ -n "$gw" ] && break; sleep 1; done
  /usr/bin/python3 "$G/nonin-continuous-sim.py" --adapter hci0 --remote "$gw" --channel 9 --pin $NONIN_PIN >$f 2>&1 &
  N8SIM=$!
  # (python3 with dbus and GLib took 26 s to start over 9p on a loaded host)
  if ! wait_for 90 grep -q "waiting for .* to pair" $f; then
    say "FAIL: $p: the simulator did not come up: $(tail -3 $f | tr '\n' ' ')"; kill $IOMTD $N8SIM 2>/dev/null; wait $IOMTD $N8SIM 2>/dev/null; return 1
  fi
  pair_with_printed_pin $p "$1" $f $dir; paired=$?
  if [ $paired -eq 1 ]; then kill $IOMTD $N8SIM 2>/dev/null; wait $IOMTD $N8SIM 2>/dev/null; return 1; fi
  t1=$(now)
  if wait_for $CENTRAL_TIMEOUT grep -q "connection 1: disconnected" $f && wait_for 30 nonin8_dom --connections 1 --quiet; then
    say "$p: connection 1 at DOM $(( $(now) - t1 ))s after pairing: $(nonin8_dom --connections 1)"
    t2=$(now)
    if wait_for 90 nonin8_dom --connections 2 --quiet; then
      say "$p: connection 2 (the gateway reconnected after the drop) at DOM after $(( $(now) - t2 ))s: $(nonin8_dom --connections 2)"
      [ $paired -eq 0 ] && rc=0
    else say "FAIL: $p: after the reconnect: $(nonin8_dom --connections 2)"; fi
  else say "FAIL: $p: connection 1: $(nonin8_dom --connections 1)"; fi
  say "$p: simulator: $(grep -c 'connected from' $f) connection(s); $(grep -o 'connection [0-9]*: command .*' $f | tr '\n' ';')"
  say "$p: iomtd: $(grep -c 'connected by the gateway' $c) connection(s), $(grep -c 'connect attempt' $c) failed attempt(s)"
  grep "connect attempt" $c | sed 's/^.*connect attempt/  attempt/' | tail -5
  kill $N8SIM 2>/dev/null; wait $N8SIM 2>/dev/null
  kill $IOMTD 2>/dev/null; wait $IOMTD 2>/dev/null
  return $rc
}

# One phase per device: fresh controllers and bluetoothd, the simulator on hci0, the central on hci1.
# One LE link at a time: with two simultaneous links on one central, btvirt's second link never worked here.
RC=0
for dev in $(echo "$DEVICES" | tr ',' ' '); do
  case $dev in
    blood-pressure) svc=1810; chrs=2A35+2A36; rd=2A49; profile=ble-$dev; fixtures=ble-$dev; clock=1 ;;
    pulse-oximeter) svc=1822; chrs=2A5E+2A5F; rd=2A60; profile=ble-$dev; fixtures=ble-$dev; clock=1 ;;
    nonin-3230) profile=$dev; fixtures=$dev; clock=0
      [ "$CENTRAL" = iomtd ] || { say "nonin-3230: iomtd central only (the probe speaks 16-bit UUIDs)"; continue; } ;;
    contec-spirometer) profile=contec-spirometer-ble; clock=0
      [ "$CENTRAL" = iomtd ] || { say "contec-spirometer: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    o2ring) profile=viatom-o2ring; clock=0
      [ "$CENTRAL" = iomtd ] || { say "o2ring: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    omron) profile=omron-hem-7322t; clock=0
      [ "$CENTRAL" = iomtd ] || { say "omron: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    omron-fe4a) profile=omron-hem-7155t-fe4a; clock=0
      [ "$CENTRAL" = iomtd ] || { say "omron-fe4a: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    and-ua651ble) profile=and-ua651ble; clock=0
      [ "$CENTRAL" = iomtd ] || { say "and-ua651ble: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    nonin-9560) [ "$CENTRAL" = iomtd ] || { say "nonin-9560: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    cms50d-bt) [ "$CENTRAL" = iomtd ] || { say "cms50d-bt: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    nonin-9560-format8) [ "$CENTRAL" = iomtd ] || { say "nonin-9560-format8: phase needs CENTRAL=iomtd, skipped"; continue; } ;;
    vendor-oximeters) [ "$CENTRAL" = iomtd ] || { say "vendor-oximeters: phase needs CENTRAL=iomtd, skipped"; continue; }
      vendor_oximeters || RC=1
      continue ;;
    contec-oximeters) [ "$CENTRAL" = iomtd ] || { say "contec-oximeters: phase needs CENTRAL=iomtd, skipped"; continue; }
      contec_oximeters || RC=1
      continue ;;
    *) say "unknown device $dev"; RC=1; continue ;;
  esac
  hci=hci0
  if [ $dev = cms50d-bt ] || [ $dev = nonin-9560-format8 ]; then   # Classic, the gateway connects: dual-mode controllers, the simulator discoverable
    start_controllers ""
    rm -rf /var/lib/bluetooth/*
    /usr/libexec/bluetooth/bluetoothd -n -E >$L/bluetoothd-$dev.log 2>&1 &
    BTD=$!
    for i in $(seq 1 75); do [ "$(bluetoothctl list 2>/dev/null | grep -c ^Controller)" -ge 2 ] && break; sleep 0.2; done
    for a in hci0 hci1; do btmgmt -i $a connectable on >/dev/null 2>&1; btmgmt -i $a bondable on >/dev/null 2>&1; done
    btmgmt -i hci0 discov on >/dev/null 2>&1
    addr=$(address hci0); say "$dev: simulator on hci0 ($addr, BR/EDR, SPP server), iomtd on hci1 ($(address hci1), SPP client)"
    prc=0
    case $dev in cms50d-bt) iomtd_cms50 "$addr" || prc=1 ;; *) iomtd_nonin_format8 "$addr" || prc=1 ;; esac
    kill $BTD 2>/dev/null; wait $BTD 2>/dev/null
    stop_controllers
    say "$dev: central rc=$prc; simulator: $(grep -c 'connected from' $L/sim-$dev.log) connections, $(grep -o 'sent [0-9]* frames' $L/sim-$dev.log | tr '\n' ' ')"
    [ $prc -eq 0 ] || RC=1
    continue
  fi
  if [ $dev = nonin-9560 ]; then start_controllers ""; else start_controllers; fi
  rm -rf /var/lib/bluetooth/*
  # The Classic phase records the HCI traffic of both controllers (pairing, authentication, link keys) so that a
  # failure can be read from the log instead of guessed at.
  BTMON=""; [ $dev = nonin-9560 ] && { btmon -w $L/btmon-$dev.snoop >/dev/null 2>&1 & BTMON=$!; }
  /usr/libexec/bluetooth/bluetoothd -n -E >$L/bluetoothd-$dev.log 2>&1 &
  BTD=$!
  for i in $(seq 1 75); do [ "$(bluetoothctl list 2>/dev/null | grep -c ^Controller)" -ge 2 ] && break; sleep 0.2; done
  # The A&D cuff bonds (the real one while it shows "Pr"): both controllers accept bonding, as in the Classic phases.
  [ $dev = and-ua651ble ] && for a in hci0 hci1; do btmgmt -i $a bondable on >/dev/null 2>&1; done
  if [ $dev = nonin-9560 ]; then
    for a in hci0 hci1; do btmgmt -i $a connectable on >/dev/null 2>&1; btmgmt -i $a bondable on >/dev/null 2>&1; done
    addr=$(address $hci); say "$dev: simulator on $hci ($addr, BR/EDR), iomtd on hci1 ($(address hci1))"
    prc=0; iomtd_nonin "$addr" || prc=1
    kill $BTD 2>/dev/null; wait $BTD 2>/dev/null
    stop_controllers
    kill $BTMON 2>/dev/null; wait $BTMON 2>/dev/null
    # The link's security story in a few lines (who paged whom, pairing, link keys, encryption, disconnects)
    # on every run; the whole event trail when the phase failed.
    btmon -r $L/btmon-$dev.snoop 2>/dev/null | grep -E "^> HCI Event: (Connect Complete|Conn(ection)? Request|IO Capability|User Confirmation|PIN Code Request|Simple Pairing Complete|Link Key|Auth|Encrypt|Disconnect Complete)" \
      | sed -E 's/^> HCI Event: ([^(]*[^ (]) *\(0x..\).*\[(hci[0-9]+)\].*/\2 \1/' | uniq -c | sed "s/^ */  hci-trace: /" | head -40
    if [ $prc -ne 0 ]; then
      echo "---- btmon-$dev (security and link events)"
      btmon -r $L/btmon-$dev.snoop 2>&1 | grep -E "^[<>@] |Status:|Reason:|Key type|IO capability|Authentication|Result:|Capability|PIN" \
        | awk '/^@ MGMT Command: Pair Device|^> HCI Event: (IO Capability|PIN Code|Link Key Request)|^< HCI Command: Authentication Requested/{on=1} on' | head -150
    fi
    say "$dev: central rc=$prc; simulator: $(grep -c ': packet at' $L/sim-$dev.log) packets, $(grep -c 'connected .* channel' $L/sim-$dev.log) sessions connected, $(grep -c 'attempt .* failed' $L/sim-$dev.log) connect attempts failed; HCI trace $(wc -c <$L/btmon-$dev.snoop 2>/dev/null || echo none) bytes"
    [ $prc -eq 0 ] || RC=1
    continue
  fi
  if [ $dev = contec-spirometer ]; then
    "$BIN/iomt-lab" ble-sim --adapter $hci --device $dev --records 3 --disconnect-after-sync >$L/sim-$dev.log 2>&1 &
  elif [ $dev = o2ring ]; then
    "$BIN/iomt-lab" ble-sim --adapter $hci --device $dev --records 40 --disconnect-after-live 8 >$L/sim-$dev.log 2>&1 &
  elif [ $dev = omron ] || [ $dev = omron-fe4a ]; then
    "$BIN/iomt-lab" ble-sim --adapter $hci --device $profile --records 3 --disconnect-after-sync >$L/sim-$dev.log 2>&1 &
  elif [ $dev = and-ua651ble ]; then
    "$BIN/iomt-lab" ble-sim --adapter $hci --device and-ua651ble --fixtures "$REPO/Firmware-Fixtures/and-ua651ble" \
      --interval-ms "$INTERVAL_MS" >$L/sim-$dev.log 2>&1 &
  else
    "$BIN/iomt-lab" ble-sim --adapter $hci --device $dev --fixtures "$REPO/Firmware-Fixtures/$fixtures" \
      --interval-ms "$INTERVAL_MS" --disconnect-after "$DISCONNECT_AFTER" >$L/sim-$dev.log 2>&1 &
  fi
  SIM=$!
  for i in $(seq 1 100); do grep -q "advertisement registered" $L/sim-$dev.log && break; sleep 0.2; done
  addr=$(address $hci)
  say "$dev: ble-sim on $hci ($addr) $(grep -q 'advertisement registered' $L/sim-$dev.log && echo advertising || echo 'DID NOT COME UP'); central $CENTRAL on hci1"
  prc=0
  case $CENTRAL in
    probe) /usr/bin/python3 "$G/probe-central.py" --adapter hci1 --target "$addr,$svc,$chrs,$rd" --timeout "$CENTRAL_TIMEOUT" \
             $PROBE_ARGS >$L/central-$dev.log 2>&1 || prc=1 ;;
    iomtd) case $dev in
             contec-spirometer) iomtd_spirometer "$addr" || prc=1 ;;
             o2ring) iomtd_o2ring "$addr" || prc=1 ;;
             omron|omron-fe4a) iomtd_omron "$addr" "$profile" $dev || prc=1 ;;
             and-ua651ble) iomtd_and "$addr" || prc=1 ;;
             *) iomtd_central $dev "$addr" "$profile" || prc=1 ;;
           esac ;;
    *) say "unknown CENTRAL=$CENTRAL (probe or iomtd)"; prc=1 ;;
  esac
  kill $SIM 2>/dev/null; wait $SIM 2>/dev/null
  kill $BTD 2>/dev/null; wait $BTD 2>/dev/null
  stop_controllers
  if [ $dev = o2ring ]; then
    say "$dev: central rc=$prc; ble-sim: $(grep -o 'stopped: .*' $L/sim-$dev.log | tail -1)"
    [ $prc -eq 0 ] || RC=1
    continue
  fi
  if [ $dev = and-ua651ble ]; then
    say "$dev: central rc=$prc; ble-sim: $(grep -o 'stopped after .*' $L/sim-$dev.log | tail -1)"
    [ $prc -eq 0 ] || RC=1
    continue
  fi
  if [ $dev = contec-spirometer ] || [ $dev = omron ] || [ $dev = omron-fe4a ]; then
    say "$dev: central rc=$prc; ble-sim: $(grep -c 'sync #' $L/sim-$dev.log) syncs ended, $(grep -c 'clock set to' $L/sim-$dev.log) clock sets, $(grep -o 'stopped: .*' $L/sim-$dev.log | tail -1)"
    [ $prc -eq 0 ] || RC=1
    continue
  fi
  # What every central must have done to the simulator: set its clock, subscribe, and re-subscribe after
  # the forced disconnect, with values sent after the re-subscription.
  f=$L/sim-$dev.log
  # (A bonded central keeps its CCC on the peripheral side: BlueZ then sends no new StartNotify, so the
  # criterion is values sent after the central reconnected; a non-bonded one must have re-subscribed.)
  c=$(grep -c "current time written" $f)
  resub=$(awk '/forcing disconnect/{f=1} f&&/StartNotify /{n++} END{print n+0}' $f)
  after=$(awk '/forcing disconnect/{f=1} f&&/central .* connected/{c=1} c&&/ sent /{n++} END{print n+0}' $f)
  say "$dev: central rc=$prc; ble-sim: clock writes=$c, StartNotify after the forced disconnect=$resub, values sent after the reconnect=$after"
  [ "$c" -ge 1 ] || [ "$clock" -eq 0 ] || { say "FAIL: $dev clock was never set"; prc=1; }
  grep -q "forcing disconnect" $f || { say "FAIL: $dev never reached the forced disconnect"; prc=1; }
  [ "$after" -ge 1 ] || { say "FAIL: $dev: no values sent after the central reconnected"; prc=1; }
  [ $prc -eq 0 ] || RC=1
done
say "DOM /stats: $(stats)"

for f in $L/central-*.log $L/sim-*.log; do
  echo "---- $(basename $f)"
  if [ $RC -eq 0 ]; then grep -v -E " sent 2A|value 2A.* #[0-9]*0 on" $f | tail -40; else tail -80 $f; fi
done
if [ $RC -ne 0 ]; then
  echo "---- receiver.log"; tail -20 $L/receiver.log
  for f in $L/bluetoothd-*.log; do echo "---- $(basename $f)"; grep -v "Adv Monitor" $f | tail -30; done
  echo "---- dmesg"; dmesg | grep -i -E "bluetooth|hci" | tail -20
fi
say "memory: $(free -m | awk '/Mem:/{print "used="$3"MB of "$2"MB"}')"
if [ $RC -eq 0 ]; then echo "BLE_E2E_RESULT=PASS central=$CENTRAL"; else echo "BLE_E2E_RESULT=FAIL central=$CENTRAL"; fi
sync
/bin/busybox poweroff -f
echo o > /proc/sysrq-trigger
while :; do /bin/busybox sleep 1; done
