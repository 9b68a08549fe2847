#!/usr/bin/env python3
"""The Omron phase of the BLE lab: compares what the local DOM receiver holds (a FHIR searchset Bundle of Observations
on stdin) with the records the simulated cuff logged ("record user 1 at 2026-12-05T01:40:00: 121/77 mmHg, pulse 65").
Passes (exit 0) when DOM holds exactly one blood-pressure Observation (systolic and diastolic components) and one pulse
Observation for each of user 1's first N records, with the cuff's values and device times (within 2 s: the clock offset
is measured to the second), and nothing of user 2 (another patient). Observations DOM held before the phase (`--before`,
a searchset saved then: other phases' blood pressure and pulse) are left out. Prints one summary line (nothing with
--quiet)."""
import argparse, datetime, json, re, sys
from lab_dom import observations_since

BP = {"150020", "85354-9"}
PULSE = {"149546", "8867-4"}
SYS = {"150021", "8480-6"}
DIA = {"150022", "8462-4"}

def codes(element):
    return {coding.get("code") for coding in element.get("code", {}).get("coding", [])}

def when(text):
    try:
        return datetime.datetime.fromisoformat(text[:19])
    except ValueError:
        return None

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--before", help="a searchset of the Observations DOM held before this phase")
    args = parser.parse_args()
    records = {1: [], 2: []}
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"record user (\d) at (\S+): (\d+)/(\d+) mmHg, pulse (\d+)", line)
        if match and "GATT application" not in line:
            entry = (when(match.group(2)), int(match.group(3)), int(match.group(4)), int(match.group(5)))
            if entry not in records[int(match.group(1))]:
                records[int(match.group(1))].append(entry)
    observations = observations_since(args.before)
    pressures = [o for o in observations if codes(o) & BP]
    pulses = [o for o in observations if codes(o) & PULSE]
    problems = []
    expected = records[1][:args.records]
    if len(expected) < args.records:
        problems.append("the simulator logged %d of the %d records of user 1" % (len(expected), args.records))
    if len(pressures) != args.records or len(pulses) != args.records:
        problems.append("%d blood-pressure and %d pulse observations, expected %d each" % (len(pressures), len(pulses), args.records))

    def near(observation, at):
        t = when(observation.get("effectiveDateTime", ""))
        return t is not None and at is not None and abs((t - at).total_seconds()) <= 2

    for number, (at, systolic, diastolic, pulse) in enumerate(expected, 1):
        bp = [o for o in pressures if near(o, at)]
        if len(bp) != 1:
            problems.append("record %d (%s): %d blood-pressure observations" % (number, at, len(bp))); continue
        values = {}
        for component in bp[0].get("component", []):
            name = "sys" if codes(component) & SYS else "dia" if codes(component) & DIA else None
            if name: values[name] = component.get("valueQuantity", {}).get("value")
        if values.get("sys") != systolic or values.get("dia") != diastolic:
            problems.append("record %d: %s/%s at DOM, cuff %d/%d" % (number, values.get("sys"), values.get("dia"), systolic, diastolic))
        pr = [o for o in pulses if near(o, at)]
        if len(pr) != 1 or pr[0].get("valueQuantity", {}).get("value") != pulse:
            problems.append("record %d: pulse %s at DOM, cuff %d" % (number, [o.get("valueQuantity", {}).get("value") for o in pr], pulse))
    for at, systolic, _, _ in records[2]:
        if any(near(o, at) for o in pressures):
            problems.append("user 2's record (%s, %d) reached this patient" % (at, systolic))
    if not args.quiet:
        print("observations=%d blood-pressure=%d pulse=%d%s" % (len(observations), len(pressures), len(pulses),
              ("; " + "; ".join(problems[:4])) if problems else "; values and device times match, nothing of user 2"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
