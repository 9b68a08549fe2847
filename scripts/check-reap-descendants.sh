#!/usr/bin/env bash
# Checks scripts/reap-descendants.py: a command that crashes (SIGSEGV) after leaving a child in its process group,
# one in a session of its own (setsid, as dbus-daemon --fork does) and a double-forked orphan must leave nothing
# running, and its exit status must come through (139 = 128 + SIGSEGV); a clean command's 0 and a failing one's 3 too.
set -euo pipefail
cd "$(dirname "$0")/.."
marker="iomt-reap-check-$$"
status=0
python3 scripts/reap-descendants.py bash -c "
  exec -a $marker-a sleep 1000 &
  setsid bash -c 'exec -a $marker-b sleep 1000' &
  ( bash -c 'exec -a $marker-c sleep 1000' & ) 
  trap '' TERM; kill -SEGV \$\$" 2>/dev/null || status=$?
[ "$status" = 139 ] || { echo "reap check: expected exit status 139 from a crashed command, got $status"; exit 1; }
if pgrep -f "$marker" >/dev/null; then
  echo "reap check: processes left behind by a crashed command still run:"; pgrep -af "$marker"; pkill -KILL -f "$marker"; exit 1
fi
python3 scripts/reap-descendants.py true || { echo "reap check: a clean command did not exit 0"; exit 1; }
status=0; python3 scripts/reap-descendants.py bash -c 'exit 3' || status=$?
[ "$status" = 3 ] || { echo "reap check: expected exit status 3, got $status"; exit 1; }
echo "reap check: ok (crash → 139 and no process left, 0 and 3 passed through)"
