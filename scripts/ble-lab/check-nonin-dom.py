#!/usr/bin/env python3
"""The Nonin 9560 (Bluetooth Classic SPP) phase of the BLE lab: compares what the local DOM receiver holds (a FHIR
searchset Bundle of Observations on stdin) with the packets nonin-spp-sim.py logged for the first N sessions.
Passes (exit 0) when DOM holds exactly one SpO2 and one pulse-rate Observation at each logged device time, with the
logged values (observations at other times, from the lab's other phases, are not counted). Prints one summary line (nothing with --quiet)."""
import argparse, json, re, sys

SPO2 = {"150456", "2708-6"}
PULSE = {"149530", "8867-4"}

def codes(observation):
    return {coding.get("code") for coding in observation.get("code", {}).get("coding", [])}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    packets = []
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"session (\d+): packet at (\S+): SpO2 (\d+) %, pulse (\d+) /min", line)
        if match and int(match.group(1)) <= args.sessions:
            packets.append((match.group(2), int(match.group(3)), int(match.group(4))))
    try:
        bundle = json.load(sys.stdin)
    except ValueError:
        bundle = {}
    observations = [entry["resource"] for entry in bundle.get("entry", [])]
    problems = [] if len(packets) >= 2 * args.sessions else ["the simulator logged %d packets for %d sessions" % (len(packets), args.sessions)]
    counts = {}
    for name, wanted, index in (("SpO2", SPO2, 1), ("pulse", PULSE, 2)):
        # Only at the simulator's device times: earlier phases of the lab (the BLE pulse oximeter) sent the same codes.
        times = {packet[0] for packet in packets}
        chosen = [o for o in observations if codes(o) & wanted and o.get("effectiveDateTime", "?")[:19] in times]
        counts[name] = len(chosen)
        if len(chosen) != len(packets):
            problems.append("%d %s observations, expected %d" % (len(chosen), name, len(packets)))
        for packet in packets:
            at = [o for o in chosen if o.get("effectiveDateTime", "?")[:19] == packet[0]]
            if len(at) != 1:
                problems.append("%d %s observations at %s" % (len(at), name, packet[0])); continue
            value = at[0].get("valueQuantity", {}).get("value")
            if value is None or float(value) != packet[index]:
                problems.append("%s at %s: %s, simulator %d" % (name, packet[0], value, packet[index]))
    if not args.quiet:
        print("observations=%d, at the packets' times SpO2=%d pulse=%d for %d packets (%s)%s" % (
            len(observations), counts["SpO2"], counts["pulse"], len(packets), ", ".join(p[0][11:] for p in packets),
            ("; " + "; ".join(problems[:4])) if problems else "; values and device times match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
