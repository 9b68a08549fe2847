#!/bin/bash
# Issue 17, reproduced with Debian's own mosquitto and its clients only (no iomtd code):
# a persistent session (clean start off, session expiry set) is restored from mosquitto.db after a restart
# (SIGTERM); a QoS 1 message is published to it before its client is back; the client reconnects.
#
#   anonymous-acl   anonymous subscriber, broker with an acl_file   → PUBACK rc 0, message never delivered
#   user-acl        subscriber logs in as "sub", which has a `user` entry in the acl_file → delivered
#   no-acl          anonymous subscriber, no acl_file                → delivered
#   anonymous-after-user  as anonymous-acl, but a session with a username was saved first → delivered
#                   (mosquitto ≤ 2.0.15 writes the anonymous session with that username: src/persist_write.c)
#
# Cause (mosquitto 2.0.11, unchanged up to 2.0.20): at start, src/mosquitto.c attaches ACLs only to restored
# sessions that have a username; an anonymous one has none until it reconnects, and with an acl_file
# src/security_default.c denies every message for a client without ACLs — subs__send() drops it silently,
# while handle__publish() answers the publisher "success" because a subscription matched.
# Usage: scripts/mosquitto-restored-session-acl.sh  (needs apt packages mosquitto and mosquitto-clients)
set -u
work=$(mktemp -d /tmp/mosquitto-acl-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0

run() {
  local variant=$1 dir=$work/$1 port=$((20000 + RANDOM % 20000)) broker
  mkdir -p "$dir"
  {
    echo "user $(id -un)"; echo "listener $port 127.0.0.1"; echo "allow_anonymous true"
    echo "persistence true"; echo "persistence_location $dir/"; echo "log_dest file $dir/mosquitto.log"; echo "log_type all"
    case $variant in
      no-acl) ;;
      *) echo "acl_file $dir/acl"; printf 'topic readwrite #\nuser sub\ntopic readwrite #\nuser other\ntopic readwrite #\n' > "$dir/acl" ;;
    esac
  } > "$dir/mosquitto.conf"
  local login=(); [ "$variant" = user-acl ] && login=(-u sub)
  start() {
    mosquitto -c "$dir/mosquitto.conf" 2>/dev/null & broker=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return; sleep 0.05; done
  }
  start
  if [ "$variant" = anonymous-after-user ]; then
    mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -x 86400 -c -i other -u other -q 1 -t 'y/#' -E
  fi
  mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -x 86400 -c -i sub "${login[@]}" -q 1 -t 'x/#' -E   # subscribe, leave
  kill -TERM "$broker"; wait "$broker"; start                                                       # session restored from mosquitto.db
  local puback
  puback=$(mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -q 1 -t x/a -m published-while-away -d | grep -o 'PUBACK (Mid: 1, RC:[0-9]*)')
  local received
  received=$(mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -x 86400 -c -i sub "${login[@]}" -q 1 -t 'x/#' -W 2 2>/dev/null)
  kill -TERM "$broker"; wait "$broker"
  printf '%-22s publisher got %-24s subscriber received: %s\n' "$variant" "$puback" "${received:-nothing}"
  [ "$variant" = anonymous-acl ] && [ -z "$received" ] && status=1
}

mosquitto -h 2>&1 | head -1
for variant in anonymous-acl user-acl no-acl anonymous-after-user; do run "$variant"; done
[ $status = 1 ] && echo "this mosquitto drops messages for restored anonymous sessions under an acl_file (issue 17)"
exit $status
