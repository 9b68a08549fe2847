#!/usr/bin/env python3
"""The Contec CMS50D-BT (Bluetooth Classic SPP, the gateway connects) phase of the BLE lab: compares what the local DOM
receiver holds (a FHIR searchset Bundle of Observations on stdin) with the values cms50-spp-sim.py logged per session.
Live readings carry the gateway's time, so observations DOM held before the phase (--before, their ids, one a line;
written with --record-before) are set aside. Passes (exit 0) when, among the new SpO2 and pulse-rate observations, each
of the first N sessions' values is present and no other value is (a value the simulator never sent would be a decoding
or framing error), and the simulator's stored recording (its "stored recording: …" log line) is at DOM exactly once, as
the O2Ring's night is: one session summary (urn:iomtd:oximetry#session) over the device's times — effectivePeriod.start
is the recording's start (the simulator logs it in UTC) — with its recording time and SpO2 minimum, and two SampledData
series (SpO2, pulse rate) starting there, the SpO2 one with one sample per stored sample. The device keeps its recording,
so a later session must not ask for the data again (the simulator logs every A6). Prints one summary line (nothing with
--quiet)."""
import argparse, importlib.util, json, os, re, sys

# The SpO2 and pulse-rate codes (MDC, LOINC) and how to read an Observation's codes: the Nonin phase's checker's.
_spec = importlib.util.spec_from_file_location("check_nonin_dom", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-nonin-dom.py"))
_nonin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nonin)
SPO2, PULSE, codes = _nonin.SPO2, _nonin.PULSE, _nonin.codes

LOCAL = "urn:iomtd:oximetry"

def local_code(observation):
    return next((c.get("code") for c in observation.get("code", {}).get("coding", []) if c.get("system") == LOCAL), None)

def stored_problems(new, sim_log):
    """The stored recording the simulator logged, at DOM once, with the device's times."""
    lines = open(sim_log, errors="replace").read()
    match = re.search(r"stored recording: (\d+) samples from .* \(UTC (\S+)\), every 1 s, SpO2 min (\d+)", lines)
    if not match:
        return ["the simulator logged no stored recording"]
    count, start, minimum = int(match.group(1)), match.group(2)[:19], match.group(3)
    problems = []
    summaries = [o for o in new if local_code(o) == "session"]
    if len(summaries) != 1:
        return ["%d session summaries at DOM (expected 1)" % len(summaries)]
    summary = summaries[0]
    if summary.get("effectivePeriod", {}).get("start", "")[:19] != start:
        problems.append("summary starts %s, the recording %s" % (summary.get("effectivePeriod", {}).get("start"), start))
    figures = {local_code(c): c.get("valueQuantity", {}).get("value") for c in summary.get("component", [])}
    if str(figures.get("recording-time")) != str(count) or str(figures.get("spo2-min")) != minimum:
        problems.append("summary recording time %s s / SpO2 min %s, expected %d / %s" % (figures.get("recording-time"), figures.get("spo2-min"), count, minimum))
    series = [o for o in new if "valueSampledData" in o]
    if len(series) != 2 or any(o.get("effectiveDateTime", "")[:19] != start for o in series):
        problems.append("%d series at DOM starting %s (expected 2 starting %s)" % (len(series), [o.get("effectiveDateTime") for o in series], start))
    spo2 = [o for o in series if codes(o) & SPO2]
    if spo2 and len(spo2[0]["valueSampledData"].get("data", "").split()) != count:
        problems.append("the SpO2 series holds %d samples, the recording %d" % (len(spo2[0]["valueSampledData"].get("data", "").split()), count))
    transfers = len(re.findall(r"session \d+: A6 \(stored data\) answered", lines))
    if transfers != 1:
        problems.append("the stored data was asked for %d times (expected once: the record mark)" % transfers)
    return problems

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
    problems = stored_problems(new, args.sim_log)
    values = {"SpO2": [], "pulse": []}
    for o in new:
        if "valueSampledData" in o or local_code(o):
            continue  # the stored recording's series and summary: checked above
        value = o.get("valueQuantity", {}).get("value")
        if codes(o) & SPO2:
            values["SpO2"].append(value)
        elif codes(o) & PULSE:
            values["pulse"].append(value)
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
