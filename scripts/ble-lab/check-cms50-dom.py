#!/usr/bin/env python3
"""The Contec CMS50D-BT (Bluetooth Classic SPP, the gateway connects) phase of the BLE lab: compares what the local DOM
receiver holds (a FHIR searchset Bundle of Observations on stdin) with the values cms50-spp-sim.py logged per session.
Live readings carry the gateway's time, so observations DOM held before the phase (--before, their ids, one a line;
written with --record-before) are set aside. Passes (exit 0) when, among the new SpO2 and pulse-rate observations, each
of the first N sessions' values is present and no other value is (a value the simulator never sent would be a decoding
or framing error). Prints one summary line (nothing with --quiet)."""
import argparse, importlib.util, json, os, re, sys

# The SpO2 and pulse-rate codes (MDC, LOINC) and how to read an Observation's codes: the Nonin phase's checker's.
_spec = importlib.util.spec_from_file_location("check_nonin_dom", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-nonin-dom.py"))
_nonin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nonin)
SPO2, PULSE, codes = _nonin.SPO2, _nonin.PULSE, _nonin.codes

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log")
    parser.add_argument("--before", required=True)
    parser.add_argument("--record-before", action="store_true", help="write the ids of the observations on stdin to --before")
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    try:
        bundle = json.load(sys.stdin)
    except ValueError:
        bundle = {}
    observations = [entry["resource"] for entry in bundle.get("entry", [])]
    if args.record_before:
        with open(args.before, "w") as f:
            f.write("".join("%s\n" % o.get("id") for o in observations))
        return 0
    before = set(open(args.before).read().split())
    sessions = {}
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"session (\d+): A1 received, streaming SpO2 (\d+) %, pulse (\d+) /min", line)
        if match:
            sessions[int(match.group(1))] = (int(match.group(2)), int(match.group(3)))
    new = [o for o in observations if o.get("id") not in before]
    values = {"SpO2": [], "pulse": []}
    for o in new:
        value = o.get("valueQuantity", {}).get("value")
        if codes(o) & SPO2:
            values["SpO2"].append(value)
        elif codes(o) & PULSE:
            values["pulse"].append(value)
    problems = []
    if len([n for n in sessions if n <= args.sessions]) < args.sessions:
        problems.append("the simulator logged %d of %d sessions" % (len(sessions), args.sessions))
    for name, index in (("SpO2", 0), ("pulse", 1)):
        sent = {sessions[n][index] for n in sessions}
        for number in range(1, args.sessions + 1):
            if number in sessions and not any(v is not None and float(v) == sessions[number][index] for v in values[name]):
                problems.append("no %s %d (session %d) at DOM" % (name, sessions[number][index], number))
        wrong = sorted({v for v in values[name] if v is None or float(v) not in sent}, key=str)
        if wrong:
            problems.append("%s values the simulator never sent: %s" % (name, wrong[:5]))
    if not args.quiet:
        counts = ", ".join("%s %s: %d" % (name, v, values[name].count(v)) for name in ("SpO2", "pulse") for v in sorted(set(values[name]), key=str))
        print("%d new observations (%s) for sessions %s%s" % (len(new), counts or "none", sessions,
                                                              ("; " + "; ".join(problems[:4])) if problems else "; values match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
