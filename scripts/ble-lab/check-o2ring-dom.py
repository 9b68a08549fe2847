#!/usr/bin/env python3
"""The O2Ring phase of the BLE lab: compares what the local DOM receiver holds (a FHIR searchset Bundle of Observations on
stdin) with the stored records the simulator logged ("record 20261203223000 #5 at 2026-12-03T22:30:20: SpO2 95, PR 62").

A session's readings carry the device times start + i x interval, corrected by iomtd with the offset of the device clock
(CurTIME, whole seconds) it read at that connection: the whole session is shifted by one constant, up to a few seconds
under load. Passes (exit 0) when, for every session, DOM holds exactly one SpO2 and one pulse-rate Observation per record
with a value (none for a no-finger record), with the simulator's values in record order, spaced exactly as the records,
all shifted by the same amount (at most 5 s) -- and, with --central-log, that shift is the clock offset iomtd logged
("deviceClock = <CurTIME>" at its log time) within 1 s; and at least --live SpO2 Observations outside the sessions (the
live readings). Prints one summary line (nothing with --quiet)."""
import argparse, json, re, sys
from lab_dom import observations_since
from datetime import datetime, timezone

SPO2 = {"150456", "2708-6"}
PULSE = {"149530", "8867-4"}
MAX_SHIFT = 5.0

def codes(observation):
    return {coding.get("code") for coding in observation.get("code", {}).get("coding", [])}

def seconds(text):
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None: stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.timestamp()

def logged_offsets(path):
    """Gateway time minus device clock, per clock read iomtd logged (what a session's times are shifted by)."""
    offsets = []
    for line in open(path, errors="replace"):
        match = re.match(r"(\S+) .*deviceClock = (\S+)", line)
        if match: offsets.append(seconds(match.group(1)) - seconds(match.group(2) + "+00:00"))
    return offsets

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--central-log")
    parser.add_argument("--live", type=int, default=0)
    parser.add_argument("--before", help="a searchset of the Observations DOM held before this phase (not this device's)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    sessions = {}
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"record (\d+) #(\d+) at (\S+): SpO2 (\d+), PR (\d+)", line)
        if match:
            sessions.setdefault(match.group(1), []).append((seconds(match.group(3) + "+00:00"), int(match.group(4)), int(match.group(5))))
    observations = observations_since(args.before)
    offsets = logged_offsets(args.central_log) if args.central_log else None
    problems, matched, shifts, counts = [], set(), [], {"SpO2": 0, "PR": 0}
    if not sessions: problems.append("the simulator logged no records")
    for name, wanted, field in (("SpO2", SPO2, 1), ("PR", PULSE, 2)):
        timed = sorted(((seconds(o["effectiveDateTime"]), o) for o in observations if codes(o) & wanted and "effectiveDateTime" in o),
                       key=lambda pair: pair[0])
        for session, records in sorted(sessions.items()):
            valid = [r for r in records if 1 <= r[1] <= 100]
            start, end = records[0][0], records[-1][0]
            near = [(t, o) for t, o in timed if start - MAX_SHIFT <= t <= end + MAX_SHIFT]
            for _, o in near: matched.add(id(o))
            if len(near) != len(valid):
                problems.append("session %s: %d %s observations, expected %d" % (session, len(near), name, len(valid))); continue
            shift = near[0][0] - valid[0][0] if near else 0.0
            shifts.append(shift)
            if abs(shift) > MAX_SHIFT: problems.append("session %s: %s shifted by %.3f s" % (session, name, shift))
            for (t, o), record in zip(near, valid):
                if abs((t - record[0]) - shift) > 0.01:
                    problems.append("session %s: %s at %s not spaced as the records (shift %.3f s, here %.3f s)" % (session, name, o["effectiveDateTime"], shift, t - record[0])); break
                value = o.get("valueQuantity", {}).get("value")
                if value is None or float(value) != float(record[field]):
                    problems.append("session %s: %s %s at %s, simulator %s" % (session, name, value, o["effectiveDateTime"], record[field])); break
            else:
                counts[name] += len(valid)
            if offsets is not None and not any(abs(shift - offset) <= 1.0 for offset in offsets):
                problems.append("session %s: %s shifted by %.3f s, iomtd's clock reads gave %s s" % (
                    session, name, shift, ", ".join("%.3f" % offset for offset in offsets)))
    live = sum(1 for o in observations if codes(o) & SPO2 and id(o) not in matched)
    if live < args.live: problems.append("%d live SpO2 observations, expected at least %d" % (live, args.live))
    if not args.quiet:
        print("observations=%d sessions=%d records=%d SpO2=%d PR=%d shifts=%s live SpO2=%d%s" % (
            len(observations), len(sessions), sum(len(r) for r in sessions.values()), counts["SpO2"], counts["PR"],
            "/".join("%.2f" % s for s in shifts[:2]), live,
            ("; " + "; ".join(problems[:4])) if problems else "; values, spacing and clock shift match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
