#!/usr/bin/env python3
"""The vendor-oximeters phase of the BLE lab: compares the live SpO2 and pulse-rate Observations the local DOM receiver
holds (a FHIR searchset Bundle on stdin, without those held before the phase: --before) with the frames the simulator
logged as notified ("sent <uuid> notification #3 case live-normal: aa 55 0f 08 01 62 4b 00 18 00 c0 cd").

The frames are read here from the published layouts, not by the gateway's decoder: the Lepu PC-60FW's Nordic UART stream
`AA 55` token len payload CRC, payload type 0x01 = SpO2, pulse rate (DEVICES.md §2.4; the CRC is not checked here: only
what was sent counts, and a frame iomtd refuses adds nothing at DOM); the Jumper JPD-500F's
4-byte `81 PR SpO2 xx` (§2.5). A frame with SpO2 0 or above 100, or pulse rate 0 (or 255 for the Jumper), carries no
reading. iomtd reports one SpO2 and one pulse rate per window, the lower median of the window's frames, so every value
at DOM must be one the simulator sent. Passes (exit 0) when every SpO2 and pulse-rate value at DOM is among those sent,
and at least --distinct different SpO2 values arrived. Prints one summary line (nothing with --quiet)."""
import argparse, re, sys
from lab_dom import live_value_problems, observations_since

def pc60fw_readings(stream):
    """(SpO2, pulse rate) of every parameter frame in one notification."""
    readings, i = [], 0
    while i + 4 <= len(stream):
        if stream[i] != 0xAA or stream[i + 1] != 0x55:
            i += 1; continue
        end = i + 4 + stream[i + 3]
        if end > len(stream):
            break
        payload = stream[i + 4:end - 1]
        if len(payload) >= 3 and payload[0] == 0x01:
            readings.append((payload[1], payload[2]))
        i = end
    return [(s, p) for s, p in readings if 1 <= s <= 100 and p > 0]

def jpd500f_readings(stream):
    frames = [stream[i:i + 4] for i in range(0, len(stream) - 3, 4) if stream[i] == 0x81]
    return [(f[2], f[1]) for f in frames if 1 <= f[2] <= 100 and 0 < f[1] < 255]

DECODERS = {"lepu-pc60fw": pc60fw_readings, "jumper-jpd500f": jpd500f_readings}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", required=True, choices=sorted(DECODERS))
    parser.add_argument("--sim-log", required=True)
    parser.add_argument("--before", help="a searchset of the Observations DOM held before this phase (not this device's)")
    parser.add_argument("--distinct", type=int, default=1, help="different SpO2 values that must have reached DOM")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    sent = []
    for line in open(args.sim_log, errors="replace"):
        match = re.search(r" sent \S+ notification #\d+ case (\S+): ([0-9a-f ]+)$", line.rstrip("\n"))
        if match: sent += DECODERS[args.device]([int(b, 16) for b in match.group(2).split()])
    sent_spo2, sent_pulse = {s for s, _ in sent}, {p for _, p in sent}
    spo2, pulse, problems = live_value_problems(observations_since(args.before), sent, args.distinct)
    if not sent: problems.insert(0, "the simulator logged no frame with a reading")
    if not args.quiet:
        print("%s: %d SpO2 (%s) and %d pulse-rate readings at DOM; sent SpO2 %s, pulse rate %s%s" % (
            args.device, len(spo2), " ".join(str(v) for v in sorted(set(spo2))), len(pulse), sorted(sent_spo2), sorted(sent_pulse),
            "; PROBLEMS: " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
