#!/usr/bin/env python3
"""Writes the Nonin fixture cases from the protocol facts in Sources/IoMTDrivers/Nonin/README.md.

Each case's expected.json is written from the values the capture was built to carry (not from the
driver), so the generic fixture test checks the driver against an independent statement.
Run from this folder: python3 make-fixtures.py
"""
import json, os, random

F2, F8 = "nonin-serial-format2", "nonin-serial-format8"
SNSD, ARTF, OOT, SNSA, SYNC = 0x40, 0x20, 0x10, 0x08, 0x01
GREEN, RED, YELLOW = 0x02, 0x04, 0x06
MISSING_SPO2, MISSING_HR = 127, 511

def f2_frame(status, pleth, value):
    frame = [0x01, 0x80 | status, pleth & 0xFF, value & 0xFF]
    return frame + [sum(frame) & 0xFF]

def f2_packet(spo2, hr, status=0, perfusion=GREEN, perfusion_frames=range(6, 18)):
    """25 frames; FLOAT bytes: 1 HR MSB, 2 HR LSB, 3 SpO2, 4 revision, the rest display/extended values."""
    floats = [0] * 25
    floats[0], floats[1], floats[2], floats[3] = (hr >> 7) & 0x03, hr & 0x7F, spo2 & 0x7F, 0x2A
    # display and extended copies (frames 9-11, 14-17, 20-23) carry the same reading
    floats[8] = floats[9] = floats[10] = floats[15] = floats[16] = spo2 & 0x7F
    floats[13] = floats[19] = floats[21] = (hr >> 7) & 0x03
    floats[14] = floats[20] = floats[22] = hr & 0x7F
    frames = []
    for i in range(25):
        s = status | (SYNC if i == 0 else 0) | (perfusion if i in perfusion_frames else 0)
        frames.append(f2_frame(s, 40 + (i * 9) % 150, floats[i]))
    return frames

def f8_frame(spo2, hr, status=0, status2=0):
    return [0x80 | status | ((hr >> 7) & 0x03), hr & 0x7F, spo2 & 0x7F, status2 & 0x7F]

def obs(kind, value, status):
    if kind == "spo2":
        head = {"code": "MDC_PULS_OXIM_SAT_O2", "mdc": 150456, "value": None, "unit": "%", "loinc": "2708-6"}
    else:
        head = {"code": "MDC_PULS_OXIM_PULS_RATE", "mdc": 149530, "value": None, "unit": "/min", "loinc": "8867-4"}
    head["value"] = None if value is None else str(value)
    head["status"] = sorted(status)
    head["deviceTime"] = None
    return head

def pair(spo2, pulse, status=()):
    return [obs("spo2", spo2, status), obs("pulse", pulse, status)]

def write(name, profile, description, data, observations, per_line):
    if profile == F8 and data[:1] != [0x06]:
        # The format #8 profile selects the format at start; the device's ACK comes first.
        data = [0x06] + data
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "capture.hex"), "w") as f:
        for i in range(0, len(data), per_line):
            f.write(" ".join("%02x" % b for b in data[i:i + per_line]) + "\n")
    with open(os.path.join(name, "case.json"), "w") as f:
        json.dump({"profile": profile, "description": description}, f, indent=2); f.write("\n")
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump({"observations": observations}, f, indent=2); f.write("\n")

def flat(frames): return [b for frame in frames for b in frame]

# --- data format #2 ---------------------------------------------------------------------------
packets = f2_packet(97, 72) + f2_packet(98, 73) + f2_packet(96, 71)
write("f2-normal-97-72", F2, "One second: three packets (97/72, 98/73, 96/71) with green perfusion during the pulse; lower median 97 / 72.",
      flat(packets), pair(97, 72), 5)

packets = f2_packet(94, 200) + f2_packet(94, 200) + f2_packet(94, 200)
write("f2-pulse-above-127", F2, "Pulse 200/min: HR MSB (frame 1) carries bits 8-7 = 01, HR LSB (frame 2) the low 7 bits 0x48.",
      flat(packets), pair(94, 200), 5)

packets = f2_packet(95, 300) * 1
write("f2-pulse-above-255", F2, "Pulse 300/min uses bit 8 (HR MSB = 10b); one packet.", flat(packets), pair(95, 300), 5)

packets = [f for _ in range(3) for f in f2_packet(MISSING_SPO2, MISSING_HR, status=SNSD, perfusion=0)]
write("f2-sensor-disconnect", F2, "SNSD (status bit 6) in every frame with the missing codes 127 / 511: no value, sensor-off.",
      flat(packets), pair(None, None, ["not-available", "sensor-off"]), 5)

packets = [f for _ in range(3) for f in f2_packet(MISSING_SPO2, MISSING_HR, status=OOT, perfusion=0)]
write("f2-out-of-track", F2, "OOT (status bit 4) with the missing codes: no value, out-of-track.",
      flat(packets), pair(None, None, ["not-available", "out-of-track"]), 5)

packets = [f for _ in range(3) for f in f2_packet(97, 72, status=SNSA, perfusion=0)]
write("f2-sensor-alarm", F2, "SNSA (status bit 3, sensor providing unusable data) while the value bytes still hold 97 / 72: the values are not used.",
      flat(packets), pair(None, None, ["not-available", "probe-error"]), 5)

packets = f2_packet(96, 80) + f2_packet(96, 80, status=ARTF) + f2_packet(96, 80)
write("f2-artifact", F2, "ARTF (status bit 5) in the second packet: the value stands, flagged artifact and questionable.",
      flat(packets), pair(96, 80, ["artifact", "questionable"]), 5)

packets = [f for _ in range(3) for f in f2_packet(93, 88, perfusion=RED)]
write("f2-red-perfusion", F2, "Red perfusion (status bits 2-1 = 10b, low signal quality) during the pulse: value stands, low-signal.",
      flat(packets), pair(93, 88, ["low-signal"]), 5)

packets = [f for _ in range(3) for f in f2_packet(93, 88, perfusion=YELLOW)]
write("f2-yellow-perfusion", F2, "Yellow perfusion (status bits 2-1 = 11b, medium signal quality): value stands, no flag.",
      flat(packets), pair(93, 88), 5)

packets = [f for _ in range(3) for f in f2_packet(MISSING_SPO2, MISSING_HR, perfusion=0)]
write("f2-missing-values", F2, "No status bit, but SpO2 127 and HR 511 (the missing codes): no value, not-available only.",
      flat(packets), pair(None, None, ["not-available"]), 5)

good = f2_packet(97, 72)
bad = f2_packet(85, 110)
bad[7][4] ^= 0x5A   # checksum of frame 8 broken
write("f2-checksum-failure", F2, "Packet 1 carries 97/72; packet 2 (85/110) has a frame with a wrong checksum, so the packet is incomplete and dropped: 97 / 72, not 85 / 110.",
      flat(good + bad), pair(97, 72), 5)

rng = random.Random(7)
torn = f2_packet(85, 110)
data = [rng.randrange(256) for _ in range(11)] + flat(f2_packet(96, 80))
data += flat(torn[:12]) + torn[12][:3] + flat(torn[13:])            # frame 13 loses its last 2 bytes
data += [0x01, 0x80, 0x55] + flat(f2_packet(96, 80))              # a torn frame start before the next packet
data += [0x7e, 0x01, 0x13] + flat(f2_packet(97, 81))
write("f2-garbage-and-torn-frames", F2, "Noise, a packet (85/110) with a torn frame, a torn frame start and more noise between good packets (96/80, 96/80, 97/81): only complete packets count, 96 / 80.",
      data, pair(96, 80), 5)

late = f2_packet(85, 110)[9:]
write("f2-starts-mid-packet", F2, "The capture starts at frame 10 of a packet (85/110, no SYNC seen), then a whole packet 97/72: frames before the first SYNC are dropped.",
      flat(late + f2_packet(97, 72)), pair(97, 72), 5)

# --- data format #8 ---------------------------------------------------------------------------
data = [0x06] + flat([f8_frame(97, 72), f8_frame(98, 73), f8_frame(96, 71)])
write("f8-normal-97-72", F8, "The ACK (06) answering the format-select command, then three seconds of frames (97/72, 98/73, 96/71): lower median 97 / 72.",
      data, pair(97, 72), 4)

write("f8-pulse-above-127", F8, "Pulse 321/min: STATUS bits 1-0 = 10b carry HR bits 8-7, HR LSB 0x41.",
      flat([f8_frame(92, 321)] * 2), pair(92, 321), 4)

write("f8-sensor-disconnect", F8, "SNSD (STATUS bit 6) with the missing codes 127 / 511.",
      flat([f8_frame(MISSING_SPO2, MISSING_HR, status=0x40)] * 3), pair(None, None, ["not-available", "sensor-off"]), 4)

write("f8-out-of-track", F8, "OOT (STATUS bit 5) with the missing codes.",
      flat([f8_frame(MISSING_SPO2, MISSING_HR, status=0x20)] * 3), pair(None, None, ["not-available", "out-of-track"]), 4)

write("f8-low-perfusion", F8, "LPRF (STATUS bit 4): value stands, low-signal.",
      flat([f8_frame(95, 66, status=0x10)] * 3), pair(95, 66, ["low-signal"]), 4)

write("f8-marginal-perfusion", F8, "MPRF (STATUS bit 3, marginal perfusion): value stands, no flag.",
      flat([f8_frame(95, 66, status=0x08)] * 3), pair(95, 66), 4)

write("f8-artifact", F8, "ARTF (STATUS bit 2) in one of three frames: value stands, artifact and questionable.",
      flat([f8_frame(95, 66), f8_frame(95, 66, status=0x04), f8_frame(95, 66)]), pair(95, 66, ["artifact", "questionable"]), 4)

write("f8-sensor-alarm", F8, "STATUS2 bit 3 (sensor alarm: unusable data) with values 97 / 72 still present: not used.",
      flat([f8_frame(97, 72, status2=0x08)] * 3), pair(None, None, ["not-available", "probe-error"]), 4)

write("f8-low-battery-and-smartpoint", F8, "STATUS2 bits 0 (low battery) and 5 (SmartPoint) carry no measurement condition.",
      flat([f8_frame(98, 60, status2=0x21)] * 3), pair(98, 60), 4)

write("f8-missing-values", F8, "No status bit, SpO2 127 and HR 511: no value.",
      flat([f8_frame(MISSING_SPO2, MISSING_HR)] * 3), pair(None, None, ["not-available"]), 4)

data = [0x13, 0x00] + f8_frame(96, 80) + f8_frame(85, 110)[:3] + [0x42] + f8_frame(96, 80) + f8_frame(85, 110)[:2] + f8_frame(97, 81) + f8_frame(85, 110)[:1]
write("f8-garbage-and-torn-frames", F8, "Noise and frames cut short (85/110) between good frames (96/80, 96/80, 97/81): 96 / 80.",
      data, pair(96, 80), 4)

# --- the 9560 Onyx II over Bluetooth, format #8 continuous (profile nonin-9560-onyx2-format8) ----------------------
# The gateway connects and selects format #8 (02 70 02 02 08 03); the 9560 answers ACK within 5 s and streams one frame a
# second (Nonin 9560 Bluetooth Specification, DEVICES.md §4.1).
data = [0x06] + flat([f8_frame(95, 64), f8_frame(95, 66), f8_frame(94, 65)])
write("f8-9560-bluetooth-continuous", "nonin-9560-onyx2-format8",
      "The 9560 profile for continuous monitoring over SPP: the ACK to the format-select command, then three frames (95/64, 95/66, 94/65): lower median 95 / 65.",
      data, pair(95, 65), 4)
