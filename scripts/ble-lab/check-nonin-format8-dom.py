#!/usr/bin/env python3
"""The Nonin 9560 continuous (data format #8, the gateway connects) phase of the BLE lab: compares what the local DOM
receiver holds (a FHIR searchset Bundle of Observations on stdin; those DOM held before the phase, --before, set aside)
with the stretches and commands nonin-continuous-sim.py logged. Passes (exit 0), for the first --connections connections,
when:
- the gateway sent the format-select command `02 70 02 02 08 03` exactly once per connection, within the first 5 s
  (the simulator ACKed it), and nothing the simulator NAKed or ignored;
- every SpO2 and pulse-rate value at DOM is one a valid (or low-perfusion) stretch sent: none of the sensor-off
  stretch's numbers, no missing code, nothing decoded wrong;
- no SpO2 or pulse rate with a value is stamped inside the sensor-off stretch (after its first 1.5 s: the window holding
  the last valid frame is stamped at its end, a little after the stretch began), and both are there without a value;
- each ended stretch with values reached DOM (a connection's ended stretches at least half as many readings as they had
  frames), and after the reconnect at least --after readings of connection 2's values, stamped after it began streaming;
- no reading of this device is stamped before connection 1 began streaming.
Prints one summary line (nothing with --quiet)."""
import argparse, datetime, importlib.util, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lab_dom import observations_since
_spec = importlib.util.spec_from_file_location("check_nonin_dom", os.path.join(HERE, "check-nonin-dom.py"))
_nonin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nonin)
SPO2, PULSE, codes = _nonin.SPO2, _nonin.PULSE, _nonin.codes

SELECT_FORMAT_8 = "02 70 02 02 08 03"
SENSOR_OFF_MARGIN_S = 1.5
VALUES = re.compile(r"SpO2 (\d+) %, pulse (\d+) /min, status ([0-9a-f]{2})")

def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

def read_sim_log(path):
    """Stretches by (connection, number): kind, [(SpO2, pulse)], start, end (None while it runs), frames; commands and
    connections by number."""
    stretches, commands, connections, dropped = {}, {}, set(), set()
    for line in open(path, errors="replace"):
        started = re.search(r"connection (\d+): stretch (\d+) (\S+) started at (\S+): (.*)", line)
        ended = re.search(r"connection (\d+): stretch (\d+) (\S+): (.*); (\d+) frames from (\S+) to (\S+)", line)
        command = re.search(r"connection (\d+): command (.*?) at \+([\d.]+) s: (.*)", line)
        if started or ended:
            m = started or ended
            key = (int(m.group(1)), int(m.group(2)))
            stretch = stretches.setdefault(key, {"kind": m.group(3), "end": None, "frames": 0})
            stretch["values"] = [(int(s), int(p)) for s, p, _ in VALUES.findall(m.group(5 if started else 4))]
            stretch["start"] = instant(m.group(4) if started else m.group(6))
            if ended:
                stretch["end"], stretch["frames"] = instant(ended.group(7)), int(ended.group(5))
        elif command:
            commands.setdefault(int(command.group(1)), []).append((command.group(2), float(command.group(3)), command.group(4)))
        elif re.search(r"connection (\d+): connected from", line):
            connections.add(int(re.search(r"connection (\d+):", line).group(1)))
        elif re.search(r"connection (\d+): disconnected", line):
            dropped.add(int(re.search(r"connection (\d+):", line).group(1)))
    return stretches, commands, connections, dropped

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--before", required=True, help="DOM's searchset saved before the phase")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--after", type=int, default=3, help="readings of connection 2's values wanted")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    stretches, commands, connections, dropped = read_sim_log(args.sim_log)
    problems = []
    for number in range(1, args.connections + 1):
        if number not in connections:
            problems.append("connection %d never came" % number); continue
        sent = [c for c in commands.get(number, []) if c[0] == SELECT_FORMAT_8]
        if len(sent) != 1 or not sent[0][2].startswith("select format #8: ACK"):
            problems.append("connection %d: the format-select command %d times (%s), expected once, ACKed" % (number, len(sent), sent))
        for text, after, answer in commands.get(number, []):
            if not answer.startswith("select format #8: ACK"):
                problems.append("connection %d: %s at +%.1f s: %s" % (number, text, after, answer))
    if args.connections >= 2 and 1 not in dropped:
        problems.append("connection 1 was never dropped")

    ours = [o for o in observations_since(args.before) if codes(o) & (SPO2 | PULSE)]
    readings = []   # (kind, value or None, time)
    for o in ours:
        value = o.get("valueQuantity", {}).get("value")
        readings.append(("SpO2" if codes(o) & SPO2 else "pulse", None if value is None else float(value), instant(o.get("effectiveDateTime", "1970-01-01T00:00:00Z"))))
    valid = {"SpO2": set(), "pulse": set()}
    for stretch in stretches.values():
        if stretch["kind"] != "sensor-off":
            for spo2, pulse in stretch["values"]:
                valid["SpO2"].add(spo2); valid["pulse"].add(pulse)
    for kind in ("SpO2", "pulse"):
        wrong = sorted({v for k, v, _ in readings if k == kind and v is not None and v not in valid[kind]})
        if wrong:
            problems.append("%s values no valid stretch sent: %s" % (kind, wrong[:5]))
    first = min((s["start"] for (c, _), s in stretches.items() if c == 1), default=None)
    if first is not None and any(t < first for _, _, t in readings):
        problems.append("%d readings stamped before connection 1 streamed" % sum(1 for _, _, t in readings if t < first))

    counts, absent_in_sensor_off, frames_with_values, readings_with_values = [], 0, {}, {}
    for (connection, number), stretch in sorted(stretches.items()):
        if connection > args.connections:
            continue
        label = "c%d.%d %s" % (connection, number, stretch["kind"])
        if stretch["kind"] == "sensor-off":
            if stretch["end"] is None:
                continue
            # The logged end is nominal (first frame + one second per frame); frames are paced on a schedule, so when the
            # first one left late the next stretch began before it (seen: 36 ms): the stretch ends where the next begins.
            following = stretches.get((connection, number + 1))
            end = min(stretch["end"], following["start"]) if following else stretch["end"]
            inside = [r for r in readings if stretch["start"] + SENSOR_OFF_MARGIN_S < r[2] < end]
            absent_in_sensor_off = sum(1 for r in inside if r[1] is None)
            valued = [r for r in inside if r[1] is not None]
            if valued:
                problems.append("%s: %d readings with a value inside it: %s" % (label, len(valued), valued[:2]))
            # The gateway reports the sensor off as readings without a value (dataAbsentReason), not as silence.
            for kind in ("SpO2", "pulse"):
                if not any(r[0] == kind and r[1] is None for r in inside):
                    problems.append("%s: no %s reading without a value inside it" % (label, kind))
            counts.append("%s: %d without a value" % (label, absent_in_sensor_off))
            continue
        spo2_values = {spo2 for spo2, _ in stretch["values"]}
        pulse_values = {pulse for _, pulse in stretch["values"]}
        end = stretch["end"] if stretch["end"] is not None else float("inf")
        found = [sum(1 for k, v, t in readings if k == kind and v in wanted and t > stretch["start"] and t < end + 5)
                 for kind, wanted in (("SpO2", spo2_values), ("pulse", pulse_values))]
        counts.append("%s %s: %d/%d of %s" % (label, "/".join("%d" % v for v in sorted(spo2_values) + sorted(pulse_values)),
                                              found[0], found[1], stretch["frames"] or "running"))
        needed = args.after if stretch["end"] is None and connection >= 2 else 1
        if min(found) < needed:
            problems.append("%s: %d SpO2 / %d pulse readings at DOM, expected at least %d" % (label, found[0], found[1], needed))
        if stretch["end"] is not None:
            frames_with_values[connection] = frames_with_values.get(connection, 0) + stretch["frames"]
            readings_with_values[connection] = readings_with_values.get(connection, 0) + min(found)
    # Frames that reach the gateway close together share a window (one reading), so a short stretch may have fewer
    # readings than frames (3 of 5 in one loaded run); a connection's ended stretches as a whole still need half.
    for connection, frames in sorted(frames_with_values.items()):
        if readings_with_values[connection] * 2 < frames:
            problems.append("connection %d: %d readings at DOM for %d frames with values" % (connection, readings_with_values[connection], frames))
    if not args.quiet:
        print("%d new SpO2/pulse observations (%d without a value); %s%s" % (
            len(readings), sum(1 for r in readings if r[1] is None), "; ".join(counts) or "no stretch logged",
            ("; PROBLEMS: " + "; ".join(problems[:5])) if problems else "; values, stretches and commands match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
