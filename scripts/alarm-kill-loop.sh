#!/bin/sh
# SIGKILL trials against the real iomtd during simulated desaturations (issue 12): each episode (a 20 s dip of a
# simulated CMS50 to 85 %) sees 2-3 kills at random moments with immediate restarts; the exec hook and the webhook
# must see exactly one alarm and one resolution per episode. About 40 s per episode.
#   scripts/alarm-kill-loop.sh [EPISODES (default 50)] [SEED]
set -eu
cd "$(dirname "$0")/.."
episodes="${1:-50}"
seed="${2:-$(date +%s)}"
export PATH=/opt/swift/usr/bin:$PATH
log="${TMPDIR:-/tmp}/alarm-kill-loop-$$.log"
echo "alarm-kill-loop: $episodes episodes, seed $seed (about $((episodes * 40 / 60)) min); full output in $log"
status=0
IOMT_ALARM_KILL_EPISODES="$episodes" IOMT_ALARM_KILL_SEED="$seed" \
    swift test --filter AlarmKillRestartEndToEndTests >"$log" 2>&1 || status=$?
grep -E "^alarm-kill-loop:|Expectation failed|✘|passed|failed" "$log" | head -40
exit "$status"
