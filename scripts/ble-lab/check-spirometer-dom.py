#!/usr/bin/env python3
"""The Contec spirometer phase of the BLE lab: compares what the local DOM receiver holds (a FHIR searchset Bundle of
Observations on stdin) with the records the simulator logged ("record #2 at 2026-12-05T01:40:00: FVC 4.14 L, FEV1
3.20 L"). Passes (exit 0) when DOM holds exactly one FEV1 and one FVC Observation for each of the first N records,
with the simulator's values and device times, and every FEV1 carries a referenceRange (the patient's height is
configured). Prints one summary line (nothing with --quiet)."""
import argparse, json, re, sys

FEV1 = {"152586", "20150-9"}
FVC = {"188928", "19868-9"}

def codes(observation):
    return {coding.get("code") for coding in observation.get("code", {}).get("coding", [])}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    records = {}
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"record #(\d+) at (\S+): FVC ([\d.]+) L, FEV1 ([\d.]+) L", line)
        if match:
            records[int(match.group(1))] = (match.group(2), float(match.group(3)), float(match.group(4)))
    try:
        bundle = json.load(sys.stdin)
    except ValueError:
        bundle = {}
    observations = [entry["resource"] for entry in bundle.get("entry", [])]
    problems = []
    expected = [records.get(number) for number in range(1, args.records + 1)]
    if None in expected:
        problems.append("the simulator logged %d of the %d records" % (len([e for e in expected if e]), args.records))
    found = {}
    for name, wanted, index in (("FEV1", FEV1, 2), ("FVC", FVC, 1)):
        chosen = [o for o in observations if codes(o) & wanted]
        found[name] = len(chosen)
        times = {}
        for o in chosen:
            times.setdefault(o.get("effectiveDateTime", "?")[:19], []).append(o)
        if len(chosen) != args.records:
            problems.append("%d %s observations, expected %d" % (len(chosen), name, args.records))
        for number, record in enumerate(expected, 1):
            if not record: continue
            at = times.get(record[0], [])
            if len(at) != 1:
                problems.append("record #%d: %d %s observations at %s" % (number, len(at), name, record[0])); continue
            value = at[0].get("valueQuantity", {}).get("value")
            if value is None or abs(float(value) - record[index]) > 0.0001:
                problems.append("record #%d: %s %s, simulator %s" % (number, name, value, record[index]))
            if name == "FEV1" and not at[0].get("referenceRange"):
                problems.append("record #%d: FEV1 without referenceRange" % number)
    ranged = sum(1 for o in observations if codes(o) & FEV1 and o.get("referenceRange"))
    if not args.quiet:
        print("observations=%d FEV1=%d FVC=%d FEV1-with-referenceRange=%d%s" % (
            len(observations), found["FEV1"], found["FVC"], ranged, ("; " + "; ".join(problems[:4])) if problems else "; values and device times match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
