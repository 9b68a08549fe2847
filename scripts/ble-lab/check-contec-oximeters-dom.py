#!/usr/bin/env python3
"""The contec-oximeters phase of the BLE lab: compares the SpO2 and pulse-rate Observations the local DOM receiver holds (a
FHIR searchset Bundle on stdin, without those held before the phase: --before) with what the simulator logged.

--device contec-oximeter-ble (EMAY SleepO2, live): the simulator's "live frame #3: eb 01 05 47 60 7f 00 1f (…)" lines are
read here by the published layout (Sources/IoMTDrivers/ContecOximeterBLE/README.md, DEVICES.md §2.1), not by the
gateway's decoder: 8 bytes `EB 01 05 PR SpO2 7F 00 ck`, ck = (sum of bytes 0-6) & 0x7F; PR or SpO2 0 or 0xFF is no value.
iomtd reports the lower median of each window's frames, so every value at DOM must be one the simulator sent. Passes
when every SpO2 and pulse-rate value at DOM was sent and at least --distinct different SpO2 values arrived.

--device beurer-po60 (stored spot checks): the simulator's "record #2 ending 2026-12-05T01:40:00: SpO2 avg 95 % (min 92,
max 98), pulse avg 72/min (min 63, max 85)" lines (stored at start, or "new record" after SIGUSR1). Passes when DOM holds
exactly --records SpO2 and --records pulse-rate Observations, one of each at each of the first N records' end times
(device time, as the gateway received it), with the record's averages; every pulse rate marked questionable (PHD
measurement-status interpretation `questionable`: 7-bit fields), no SpO2 so marked.

Prints one summary line (nothing with --quiet); exit 0 on pass."""
import argparse, re, sys
from lab_dom import PULSE, SPO2, codes, live_value_problems, observations_since

MEASUREMENT_STATUS = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"

def questionable(observation):
    return any(coding.get("system") == MEASUREMENT_STATUS and coding.get("code") == "questionable"
               for concept in observation.get("interpretation", []) for coding in concept.get("coding", []))

def live_frame(frame):
    """(SpO2, pulse rate) of one live frame, None for either when it carries no value; None when it is no live frame."""
    if len(frame) != 8 or frame[:3] != [0xEB, 0x01, 0x05] or frame[5:7] != [0x7F, 0x00] or frame[7] != sum(frame[:7]) & 0x7F:
        return None
    pulse, spo2 = frame[3], frame[4]
    return (spo2 if 1 <= spo2 <= 100 else None, pulse if pulse not in (0, 0xFF) else None)

def check_live(args, observations):
    sent = []
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"live frame #\d+: ([0-9a-f ]+) \(", line)
        if match:
            reading = live_frame([int(b, 16) for b in match.group(1).split()])
            if reading: sent.append(reading)
    spo2, pulse, problems = live_value_problems(observations, sent, args.distinct)
    if not sent: problems.insert(0, "the simulator logged no live frame")
    if not pulse: problems.append("no pulse rate at DOM")
    sent_spo2 = {s for s, _ in sent if s is not None}
    sent_pulse = {p for _, p in sent if p is not None}
    summary = "%d SpO2 (%s) and %d pulse-rate readings at DOM from %d live frames; sent SpO2 %s, pulse rate %s" % (
        len(spo2), " ".join(str(v) for v in sorted(set(spo2))), len(pulse), len(sent), sorted(sent_spo2), sorted(sent_pulse))
    return summary, problems

def record_problems(number, record, name, index, chosen, marked_questionable):
    """One record's reading of one kind: exactly one at its end time, with its value, questionable or not as expected."""
    ended, value = record[0], record[index]
    found = [o for o in chosen if o.get("effectiveDateTime", "")[:19] == ended]
    if len(found) != 1:
        return ["record #%d: %d %s observations at %s" % (number, len(found), name, ended)]
    problems = []
    at_dom = found[0].get("valueQuantity", {}).get("value")
    if at_dom != value:
        problems.append("record #%d: %s %s at DOM, simulator %s" % (number, name, at_dom, value))
    if questionable(found[0]) != marked_questionable:
        problems.append("record #%d: %s %s questionable" % (number, name, "not" if marked_questionable else "marked"))
    return problems

def check_records(args, observations):
    records = {}
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r"record #(\d+) ending (\S+): SpO2 avg (\d+) % .*pulse avg (\d+)/min", line)
        if match:
            records[int(match.group(1))] = (match.group(2)[:19], int(match.group(3)), int(match.group(4)))
    problems = []
    expected = [records.get(number) for number in range(1, args.records + 1)]
    if None in expected:
        problems.append("the simulator logged %d of the %d records" % (len([e for e in expected if e]), args.records))
    for name, wanted, index in (("SpO2", SPO2, 1), ("pulse rate", PULSE, 2)):
        chosen = [o for o in observations if codes(o) & wanted]
        if len(chosen) != args.records:
            problems.append("%d %s observations, expected %d" % (len(chosen), name, args.records))
        for number, record in enumerate(expected, 1):
            if record: problems += record_problems(number, record, name, index, chosen, wanted is PULSE)
    summary = "%d records: %s" % (args.records, "; ".join(
        "#%d %s SpO2 %d pulse %d" % ((n,) + r) for n, r in enumerate(expected, 1) if r))
    return summary, problems

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", required=True, choices=["contec-oximeter-ble", "beurer-po60"])
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--before", help="a searchset of the Observations DOM held before this phase (not this device's)")
    parser.add_argument("--distinct", type=int, default=1, help="contec-oximeter-ble: different SpO2 values that must have reached DOM")
    parser.add_argument("--records", type=int, default=0, help="beurer-po60: the records (1..N) DOM must hold, and nothing else")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    observations = [o for o in observations_since(args.before) if codes(o) & (SPO2 | PULSE)]
    check = check_live if args.device == "contec-oximeter-ble" else check_records
    summary, problems = check(args, observations)
    if not args.quiet:
        print("%s: %s%s" % (args.device, summary, "; PROBLEMS: " + "; ".join(problems[:6]) if problems else "; values match"))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
