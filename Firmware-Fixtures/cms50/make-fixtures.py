#!/usr/bin/env python3
"""Writes the CMS50 fixture cases from the protocol facts in Sources/IoMTDrivers/CMS50/README.md.

Each case's expected.json is written from the values the capture was built to carry (not from the
driver), so the generic fixture test checks the driver against an independent statement.
Run from this folder: python3 make-fixtures.py
"""
import json, os

LEGACY, V46 = "contec-cms50d-plus", "contec-cms50e"

def legacy(spo2, pulse, signal=6, finger_out=False, searching=False, probe_error=False, beep=False, pleth=40, bar=4):
    return [0x80 | (signal & 0x0F) | (0x10 if finger_out else 0) | (0x40 if beep else 0),
            pleth & 0x7F,
            (bar & 0x0F) | (0x10 if probe_error else 0) | (0x20 if searching else 0) | (0x40 if pulse & 0x80 else 0),
            pulse & 0x7F,
            spo2 & 0x7F]

def v46(spo2, pulse, signal=5, beat=False, finger_out=False, searching=False, pleth=60, wave2=30):
    restored = [0x01, 0, signal | (0x40 if beat else 0) | (0x80 if finger_out else 0),
                pleth | (0x80 if searching else 0), wave2, pulse, spo2, 0xFF, 0xFF]
    carry = 0
    for i in range(2, 9):
        if restored[i] & 0x80: carry |= 1 << (i - 2)
    return [0x01, 0x80 | carry] + [b | 0x80 for b in restored[2:]]

def obs(kind, value, status):
    if kind == "spo2":
        head = {"code": "MDC_PULS_OXIM_SAT_O2", "mdc": 150456, "value": None, "unit": "%", "loinc": "2708-6"}
    else:
        head = {"code": "MDC_PULS_OXIM_PULS_RATE", "mdc": 149530, "value": None, "unit": "/min", "loinc": "8867-4"}
    head["value"] = None if value is None else str(value)
    head["status"] = sorted(status)
    head["deviceTime"] = None
    return head

def pair(spo2, pulse, status=(), spo2_status=None, pulse_status=None):
    return [obs("spo2", spo2, spo2_status if spo2_status is not None else status),
            obs("pulse", pulse, pulse_status if pulse_status is not None else status)]

def write(name, profile, description, data, observations, per_line):
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "capture.hex"), "w") as f:
        for i in range(0, len(data), per_line):
            f.write(" ".join("%02x" % b for b in data[i:i + per_line]) + "\n")
    with open(os.path.join(name, "case.json"), "w") as f:
        json.dump({"profile": profile, "description": description}, f, indent=2); f.write("\n")
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump({"observations": observations}, f, indent=2); f.write("\n")

def pleth(i): return 20 + (i * 7) % 80

# --- older firmware -------------------------------------------------------------------------
frames = []
for i in range(60):
    spo2 = 97 if i % 6 < 3 else (98 if i % 6 < 5 else 96)          # 30x97, 20x98, 10x96
    pulse = 72 if i % 4 < 2 else (73 if i % 4 == 2 else 71)        # 30x72, 15x73, 15x71
    frames += legacy(spo2, pulse, pleth=pleth(i), beep=(i % 50 == 0))
write("legacy-normal-97-72", LEGACY, "One second of live data with finger in; SpO2 96-98 and pulse 71-73 vary from frame to frame, the window reports the lower median 97 / 72.",
      frames, pair(97, 72), 5)

frames = []
for i in range(60): frames += legacy(0x7F, 0xFF, signal=0, finger_out=True, pleth=0, bar=0)
write("legacy-finger-out", LEGACY, "Finger out: byte 0 bit 4 set, pulse 0xFF (bit 7 carried in byte 2) and SpO2 0x7F markers; no value is reported.",
      frames, pair(None, None, ["not-available", "sensor-off"]), 5)

frames = []
for i in range(60): frames += legacy(0x7F, 0xFF, signal=0, searching=True, pleth=pleth(i), bar=0)
write("legacy-searching", LEGACY, "Finger in, device searching for a pulse (byte 2 bit 5) with signal strength 0: no value, searching and low signal.",
      frames, pair(None, None, ["low-signal", "not-available", "searching"]), 5)

frames = []
for i in range(60): frames += legacy(0x7F, 0xFF, signal=3, probe_error=True, pleth=0, bar=0)
write("legacy-probe-error", LEGACY, "Probe error (byte 2 bit 4): no value, probe-error flag.",
      frames, pair(None, None, ["not-available", "probe-error"]), 5)

frames = []
for i in range(60): frames += legacy(95, 150, pleth=pleth(i))
write("legacy-pulse-above-127", LEGACY, "Pulse rate 150/min: the low 7 bits are in byte 3 (0x16), bit 7 comes from byte 2 bit 6.",
      frames, pair(95, 150), 5)

garbage = [0x00, 0x11, 0x7F, 0x3C, 0x80, 0x80, 0xFF, 0x12, 0x34, 0xC5, 0x01, 0x02, 0x03, 0x99, 0x55, 0xAA, 0xEE]
frames = list(garbage)
for i in range(30): frames += legacy(98, 64, pleth=pleth(i))
write("legacy-garbage-then-frames", LEGACY, "17 bytes of garbage (including short candidates that look like frame starts) before 30 good frames; the framer resynchronises and reports 98 / 64.",
      frames, pair(98, 64), 5)

frames = []
for i in range(20):
    frames += legacy(96, 80, pleth=pleth(i))
    torn = legacy(88, 120, pleth=pleth(i))
    frames += torn[:4] if i % 2 == 0 else torn[1:]   # missing last byte / missing sync byte
write("legacy-torn-frames", LEGACY, "20 good frames (96 / 80) each followed by a torn frame carrying 88 / 120 (last byte or sync byte missing); torn frames never contribute.",
      frames, pair(96, 80), 5)

def uart_bits(data, parity=None):
    bits = []
    for b in data:
        bits.append(0)
        ones = 0
        for k in range(8):
            bit = (b >> k) & 1; ones += bit; bits.append(bit)
        if parity == "odd": bits.append(0 if ones % 2 else 1)
        bits.append(1)
    return bits

def resample(bits, ratio, frame_bits):
    """What a UART running `ratio` times slower sees: sample each slow bit at its middle."""
    out, t = [], 0.0
    n = len(bits)
    while True:
        while t < n and bits[int(t)] == 1: t += 1        # wait for a start bit (falling edge)
        if t + ratio * frame_bits >= n: break
        value = 0
        for k in range(8):
            if bits[int(t + ratio * (1.5 + k))]: value |= 1 << k
        out.append(value)
        t += ratio * frame_bits
    return out

fast = []
for i in range(120): fast += v46(97, 70, beat=(i % 50 == 0), pleth=pleth(i))
noise = resample(uart_bits(fast), 6.0, 10.5)   # 115200 8N1 read at 19200 8O1 (11 bit times, stop at 10.5)
write("legacy-wrong-baud-noise", LEGACY, "A v4.6 stream (115200 8N1) read at the legacy 19200 8O1 setting: the bytes never satisfy the sync rule, so no observation is produced.",
      noise, [], 16)

frames = []
for i in range(60):
    frames += legacy(95, 70, pleth=pleth(i)) if i < 40 else legacy(0x7F, 0xFF, signal=0, finger_out=True, pleth=0, bar=0)
write("legacy-partial-finger-out", LEGACY, "Finger pulled out two thirds into the window: the value comes from the 40 valid frames (95 / 70) and is marked questionable with sensor-off.",
      frames, pair(95, 70, ["questionable", "sensor-off"]), 5)

frames = []
for i in range(60): frames += legacy(93, 88, signal=1, pleth=pleth(i))
write("legacy-low-signal", LEGACY, "Valid values with signal strength 1 (of 8): reported with the low-signal flag.",
      frames, pair(93, 88, ["low-signal"]), 5)

# --- firmware v4.6 --------------------------------------------------------------------------
frames = []
for i in range(60): frames += v46(98, 61, beat=(i % 59 == 0), pleth=pleth(i))
write("v46-live-normal", V46, "One second of v4.6 live frames (01 e0 ...): SpO2 98, pulse 61, beat markers in byte 2.",
      frames, pair(98, 61), 9)

frames = []
for i in range(60): frames += v46(0, 0, signal=0, finger_out=True, pleth=0, wave2=0)
write("v46-finger-out", V46, "Finger out: byte 1 bit 0 (carried bit 7 of the status byte) set, pulse and SpO2 0; no value.",
      frames, pair(None, None, ["not-available", "sensor-off"]), 9)

frames = []
for i in range(60): frames += v46(0, 0, signal=0, searching=True, pleth=pleth(i))
write("v46-searching", V46, "Searching: byte 1 bit 1 (carried bit 7 of byte 3) set, signal 0, no value.",
      frames, pair(None, None, ["low-signal", "not-available", "searching"]), 9)

frames = []
for i in range(60): frames += v46(97, 140, pleth=pleth(i))
write("v46-high-bits-carry", V46, "Pulse rate 140/min: byte 5 travels as 0x8c and its bit 7 is byte 1 bit 3 (byte 1 = 0xe8).",
      frames, pair(97, 140), 9)

frames = [0x7D, 0x81, 0xA1, 0x80, 0x80, 0x0C, 0x80, 0x85, 0x33]   # echoed command and a non-live packet
for i in range(30):
    f = v46(96, 75, pleth=pleth(i))
    frames += f
    if i % 3 == 0: frames += f[:5]                                     # torn frame, next 0x01 restarts
write("v46-garbage-and-torn-frames", V46, "A command echo, a non-live packet and torn live frames around 30 good frames (96 / 75).",
      frames, pair(96, 75), 9)

slow = []
for i in range(12): slow += legacy(97, 70, pleth=pleth(i))
upsampled = [bit for bit in uart_bits(slow, parity="odd") for _ in range(6)]   # each 19200 bit lasts 6 bit times at 115200
noise = resample(upsampled, 1.0, 9.5)                                           # read at 115200 8N1
write("v46-wrong-baud-noise", V46, "A legacy stream (19200 8O1) read at the v4.6 setting 115200 8N1: no 01 byte followed by 8 bytes with bit 7 set, so no observation.",
      noise, [], 16)

# --- CMS50D-BT over Bluetooth Classic SPP ------------------------------------------------------
# The published capture of the v4.6 command family (DEVICES.md §2.2: headrotor/art-sensors spO2/stream_data.py header
# comment): `7D 81 A1 80 80 80 80 80 80` answered by the live frame `01 E0 85 B3 96 C1 E1 FF FF`. Byte 1 = 0xe0 carries
# bits 5 and 6 only (bytes 7, 8 restored to ff), so pulse = 0xc1 & 0x7f = 65 /min and SpO2 = 0xe1 & 0x7f = 97 %, by
# the layout in Sources/IoMTDrivers/CMS50/README.md, not by the driver. Repeated for one second, as the device streams.
published = [0x01, 0xE0, 0x85, 0xB3, 0x96, 0xC1, 0xE1, 0xFF, 0xFF]
write("v46-bt-published-frame", "contec-cms50d-bt",
      "The CMS50D-BT (Bluetooth SPP) profile on the published live frame 01 e0 85 b3 96 c1 e1 ff ff (headrotor/art-sensors, "
      "DEVICES.md 2.2), 60 times: SpO2 97, pulse 65.",
      published * 60, pair(97, 65), 9)

# --- CMS50D-BT stored data (recording memory) ----------------------------------------------------
# From Contec's "Communication Protocol of Pulse Oximeter V7.0" (2010-07-08; README [12]): every uplink package is a type
# byte (bit 7 clear), a high byte 0x80 | (bit 7 of byte n + 2 at bit n), then the data with bit 7 set. Answers: 0x0C free
# (2 bytes), 0x0A segment amount (user, amount), 0x08 data length (user, segment, 32 bits low byte first), 0x07 start
# date (user, segment, high year, low year, month, day), 0x12 start time (user, segment, hour, minute, second, unused),
# 0x0F stored data ((SpO2, pulse) x 3, the last padded with 0), 0x09 stored data with PI (SpO2, pulse, PI low, PI high).
# The length is in bytes (2 per sample in 0x0F, 4 in 0x09) and one sample is stored per second: the profile's
# driverOptions defaults (README "Stored data", from OSCAR's CMS50F loader). Replayed on a timeline after the link comes up
# (the gateway's commands are in the transcript for the reader; a replay does not need them). The expected session is
# worked out here from the samples with the method of docs/fhir-mapping.md "Overnight oximetry", not by the driver.

def package(kind, data):
    high = 0x80
    for i, b in enumerate(data):
        if b & 0x80: high |= 1 << i
    return [kind, high] + [b | 0x80 for b in data]

def command(code, params=()):
    return package(0x7D, [code] + list(params) + [0] * (6 - len(params)))

def local(code, value, unit):
    return {"code": "urn:iomtd:oximetry#" + code, "mdc": 0, "value": value, "unit": unit, "loinc": None, "status": []}

def tenths(value): return None if value is None else "%d.%d" % (value // 10, value % 10)

def session(start, samples, interval=1):
    """The overnight-session observation for (spo2, pulse) samples; a sample is valid when SpO2 is 1-100 and pulse 1-254."""
    valid = [(s, p) for s, p in samples if 1 <= s <= 100 and 1 <= p <= 254]
    n = len(valid)
    def mean(values): return (sum(values) * 10 + len(values) // 2) // len(values) if values else None
    spo2 = [s for s, _ in valid]; pulse = [p for _, p in valid]
    valid_seconds = n * interval
    below90 = sum(1 for s in spo2 if s < 90) * interval
    # No desaturation lasts 10 s in these cases: ODI3 = ODI4 = 0 events.
    index = lambda events: (events * 36000 + valid_seconds // 2) // valid_seconds if valid_seconds else None
    components = [local("recording-time", str(len(samples) * interval), "s"), local("valid-time", str(valid_seconds), "s"),
                  local("spo2-mean", tenths(mean(spo2)), "%"), local("spo2-min", str(min(spo2)), "%"), local("t90", str(below90), "s"),
                  local("t90-percent", tenths((below90 * 1000 + valid_seconds // 2) // valid_seconds), "%"),
                  local("odi3", tenths(index(0)), "/h"), local("odi4", tenths(index(0)), "/h"),
                  local("pulse-mean", tenths(mean(pulse)), "/min"), local("pulse-min", str(min(pulse)), "/min"),
                  local("pulse-max", str(max(pulse)), "/min")]
    ok = [1 <= s <= 100 and 1 <= p <= 254 for s, p in samples]
    return {"code": "urn:iomtd:oximetry#session", "mdc": 0, "value": None, "unit": "", "loinc": None, "status": [],
            "deviceTime": start, "components": components,
            "series": [{"code": "MDC_PULS_OXIM_SAT_O2", "mdc": 150456, "unit": "%", "periodMs": interval * 1000,
                        "samples": [s if k else None for (s, _), k in zip(samples, ok)]},
                       {"code": "MDC_PULS_OXIM_PULS_RATE", "mdc": 149530, "unit": "/min", "periodMs": interval * 1000,
                        "samples": [p if k else None for (_, p), k in zip(samples, ok)]}]}

def write_timeline(name, description, steps, observations):
    """steps: (offset ms, "command"|"bytes", bytes)."""
    os.makedirs(name, exist_ok=True)
    lines = ["# iomtd capture transcript 1", "# start 2026-12-05T07:00:00.000Z", "+0000000 link up"]
    for offset, kind, data in steps:
        direction = "gateway>device" if kind == "command" else "device>gateway"
        lines.append("+%07d %s %s %s" % (offset, direction, kind, " ".join("%02x" % b for b in data)))
    with open(os.path.join(name, "transcript.txt"), "w") as f: f.write("\n".join(lines) + "\n")
    device = [b for _, kind, data in steps if kind == "bytes" for b in data]
    with open(os.path.join(name, "capture.hex"), "w") as f:
        for i in range(0, len(device), 16): f.write(" ".join("%02x" % b for b in device[i:i + 16]) + "\n")
    with open(os.path.join(name, "case.json"), "w") as f:
        json.dump({"profile": "contec-cms50d-bt", "timeline": "transcript.txt", "description": description}, f, indent=2); f.write("\n")
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump({"observations": observations}, f, indent=2); f.write("\n")

def stored_sync(samples, with_pi):
    per_sample = 4 if with_pi else 2
    length = len(samples) * per_sample
    if with_pi:
        data = [b for s, p in samples for b in package(0x09, [s, p, 0x2C, 0x01])]       # PI 300 (3.00 %)
    else:
        padded = samples + [(0, 0)] * (-len(samples) % 3)
        data = [b for i in range(0, len(padded), 3) for b in package(0x0F, [v for pair in padded[i:i + 3] for v in pair])]
    return [(10, "command", command(0xA2)), (40, "bytes", package(0x0C, [])),
            (50, "command", command(0xA3, [0])), (80, "bytes", package(0x0A, [0, 1])),
            (90, "command", command(0xA4, [0, 0])), (120, "bytes", package(0x08, [0, 0, length & 0xFF, length >> 8 & 0xFF, length >> 16 & 0xFF, length >> 24])),
            (130, "command", command(0xA5, [0, 0])), (160, "bytes", package(0x07, [0, 0, 20, 26, 12, 4]) + package(0x12, [0, 0, 23, 45, 10, 0])),
            (170, "command", command(0xA6, [0, 0])), (300, "bytes", data),
            (310, "command", command(0xA7)), (340, "bytes", package(0x0C, [])), (350, "command", command(0xA1))]

night = [(97, 64)] * 4 + [(0x7F, 0xFF)] + [(89, 70), (88, 72)] + [(96, 66)] * 6            # 13 samples: the last 0x0F padded
write_timeline("v46-bt-stored-recording",
               "A CMS50D-BT sync by the V7.0 protocol: stop live (A2), one segment, 26 bytes stored (13 samples of 2 bytes), "
               "starting 2026-12-04 23:45:10; the data in 0x0F packages, the last padded with zeros; one invalid sample (7F/FF). "
               "One overnight-session reading: summary and series, stamped with the device's start time.",
               stored_sync(night, False), [session("2026-12-04T23:45:10.000", night)])

with_pi = [(95, 200), (94, 198), (96, 130), (0, 0), (93, 128)]                         # pulse >127: bit 7 in the high byte
write_timeline("v46-bt-stored-recording-with-pi",
               "A CMS50 that stores PI: 0x09 packages (SpO2, pulse, PI low, PI high), 20 bytes stored = 5 samples of 4 bytes; "
               "pulse rates above 127 carry bit 7 in the high byte; a 0/0 sample carries no value.",
               stored_sync(with_pi, True), [session("2026-12-04T23:45:10.000", with_pi)])
