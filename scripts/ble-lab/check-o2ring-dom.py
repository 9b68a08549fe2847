#!/usr/bin/env python3
"""The O2Ring phase of the BLE lab: compares what the local DOM receiver holds (a FHIR searchset Bundle of Observations on
stdin) with the stored records the simulator logged ("record 20261203223000 #5 at 2026-12-03T22:30:20: SpO2 95, PR 62").

A session reaches DOM as one SpO2 and one pulse-rate PhdRtsaObservation (valueSampledData: one sample per record, "E" for
a no-finger record, period = the record interval in ms, effectiveDateTime = the first record's device time corrected by
iomtd with the offset of the device clock it read at that connection) and one summary Observation
(urn:iomtd:oximetry#session, hasMember both series, its components iomtd's figures; docs/fhir-mapping.md, "Overnight
oximetry"). Passes (exit 0) when, for every session, DOM holds exactly one array of each with the simulator's values in
record order ("E" exactly where the record has no finger), the period of the records' spacing, both shifted by the same
amount (at most 5 s) -- and, with --central-log, that shift is the clock offset iomtd logged ("deviceClock = <CurTIME>" at
its log time) within 1 s -- and one summary starting there with two members and the SpO2 minimum of the valid records; and
at least --live SpO2 Observations with a single value (the live readings). Prints one summary line (nothing with --quiet)."""
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
    problems, shifts, counts = [], [], {"SpO2": 0, "PR": 0}
    if not sessions: problems.append("the simulator logged no records")
    arrays = [o for o in observations if "valueSampledData" in o and "effectiveDateTime" in o]
    summaries = [o for o in observations if "urn:iomtd:oximetry" in {c.get("system") for c in o.get("code", {}).get("coding", [])}]
    for session, records in sorted(sessions.items()):
        start = records[0][0]
        for name, wanted, field in (("SpO2", SPO2, 1), ("PR", PULSE, 2)):
            near = [o for o in arrays if codes(o) & wanted and abs(seconds(o["effectiveDateTime"]) - start) <= MAX_SHIFT]
            if len(near) != 1:
                problems.append("session %s: %d %s sample arrays, expected 1" % (session, len(near), name)); continue
            sampled = near[0]["valueSampledData"]
            shift = seconds(near[0]["effectiveDateTime"]) - start
            shifts.append(shift)
            interval = (records[1][0] - records[0][0]) if len(records) > 1 else None
            expected = [str(r[field]) if 1 <= r[1] <= 100 else "E" for r in records]
            data = sampled.get("data", "").split(" ")
            if data != expected:
                first = next((i for i, (a, b) in enumerate(zip(data, expected)) if a != b), min(len(data), len(expected)))
                problems.append("session %s: %s array has %d samples, expected %d; first difference at record %d" % (session, name, len(data), len(expected), first))
            elif interval is not None and float(sampled.get("period", 0)) != interval * 1000:
                problems.append("session %s: %s period %s ms, records every %s s" % (session, name, sampled.get("period"), interval))
            else:
                counts[name] += sum(1 for e in expected if e != "E")
            if abs(shift) > MAX_SHIFT: problems.append("session %s: %s shifted by %.3f s" % (session, name, shift))
            if offsets is not None and not any(abs(shift - offset) <= 1.0 for offset in offsets):
                problems.append("session %s: %s shifted by %.3f s, iomtd's clock reads gave %s s" % (
                    session, name, shift, ", ".join("%.3f" % offset for offset in offsets)))
        summary = [o for o in summaries if abs(seconds(o.get("effectivePeriod", {}).get("start", "1970-01-01T00:00:00Z")) - start) <= MAX_SHIFT]
        valid = [r[1] for r in records if 1 <= r[1] <= 100]
        if len(summary) != 1:
            problems.append("session %s: %d summary Observations, expected 1" % (session, len(summary)))
        else:
            figures = {c.get("code", {}).get("coding", [{}])[0].get("code"): c.get("valueQuantity", {}).get("value") for c in summary[0].get("component", [])}
            if len(summary[0].get("hasMember", [])) != 2:
                problems.append("session %s: the summary has %d members, expected the 2 arrays" % (session, len(summary[0].get("hasMember", []))))
            if valid and figures.get("spo2-min") is not None and float(figures["spo2-min"]) != min(valid):
                problems.append("session %s: summary SpO2 minimum %s, records %d" % (session, figures.get("spo2-min"), min(valid)))
            elif valid and figures.get("spo2-min") is None:
                problems.append("session %s: the summary has no spo2-min" % session)
    live = sum(1 for o in observations if codes(o) & SPO2 and "valueQuantity" in o)
    if live < args.live: problems.append("%d live SpO2 observations, expected at least %d" % (live, args.live))
    if not args.quiet:
        print("observations=%d sessions=%d records=%d SpO2 samples=%d PR samples=%d shifts=%s live SpO2=%d%s" % (
            len(observations), len(sessions), sum(len(r) for r in sessions.values()), counts["SpO2"], counts["PR"],
            "/".join("%.2f" % s for s in shifts[:2]), live,
            ("; " + "; ".join(problems[:4])) if problems else "; sample arrays, summaries, spacing and clock shift match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
