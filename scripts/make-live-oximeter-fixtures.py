#!/usr/bin/env python3
"""Generates Firmware-Fixtures/{lepu-pc60fw,jumper-jpd500f,nonin-3230}/<case>/ from the published layouts
(DEVICES.md sections 2.4, 2.5, 2.6; the driver READMEs) -- independently of the Swift decoders. The Jumper case
"real-capture-pr56-spo2-99" is the public capture DEVICES.md section 7 item 6 lists (81 38 63 44).

Each case is one notification of the live characteristic: capture.hex, case.json (profile, characteristic,
description, optional "rejectedContaining", "source") and expected.json (the `iomtctl decode` contract: one
reporting window, closed at link down). Run from the repository root:
    python3 scripts/make-live-oximeter-fixtures.py
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contec_fixture_case import write_case

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures")

def observation(code, mdc, unit, loinc, value, status=None):
    flags = list(status or []) if value is not None else sorted(set(status or []) | {"not-available"})
    return {"code": code, "mdc": mdc, "value": None if value is None else str(value), "unit": unit, "loinc": loinc,
            "status": sorted(flags), "deviceTime": None}

ABSENT = object()
def window(spo2, pulse, status=None, pi=ABSENT):
    """One reporting window: SpO2 and pulse rate always, the perfusion index when the device sent one (pi: its text as
    the device scaled it, or None for a window whose samples were unusable)."""
    readings = [observation("MDC_PULS_OXIM_SAT_O2", 150456, "%", "2708-6", spo2, status),
                observation("MDC_PULS_OXIM_PULS_RATE", 149530, "/min", "8867-4", pulse, status)]
    if pi is not ABSENT:
        readings.append(observation("MDC_PULS_OXIM_PERF_REL", 150448, "%", "61006-3", pi, status))
    return readings

# --- Lepu PC-60FW: AA 55 token len payload... crc, CRC-8/MAXIM over the whole frame is 0 ---------------------------
def crc8_maxim(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8C if crc & 1 else crc >> 1
    return crc

def pc60_frame(payload, token=0x0F, crc=None):
    body = [0xAA, 0x55, token, len(payload) + 1] + payload
    return body + [crc8_maxim(body) if crc is None else crc]

def pc60_parameters(spo2, pulse, pi_tenths=24):
    return pc60_frame([0x01, spo2, pulse, 0x00, pi_tenths, 0x00, 0xC0])

TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
def pc60(name, description, capture, expected, rejected=None):
    write_case(os.path.join(FIXTURES, "lepu-pc60fw"), "lepu-pc60fw", name, description, capture, expected, rejected, TX)

pc60("live-normal", "one parameter frame: SpO2 98 %, pulse rate 75/min, perfusion index 2.4 % (24 tenths)", pc60_parameters(98, 75),
     window(98, 75, pi="2.4"))
pc60("live-low-saturation", "SpO2 86 %, pulse rate 112/min (a desaturation is reported as is), PI 2.4 %", pc60_parameters(86, 112),
     window(86, 112, pi="2.4"))
pc60("no-finger-zero", "no finger: SpO2 and pulse rate 0 (no value): both readings null, not-available; no perfusion index without a saturation",
     pc60_parameters(0, 0), window(None, None))
good = pc60_parameters(98, 75)
pc60("two-frames-one-notification", "a battery frame (level 3) and a parameter frame (SpO2 97 %, 70/min) in one notification",
     pc60_frame([0x03, 0x03]) + pc60_parameters(97, 70), window(97, 70, pi="2.4"))
pc60("wave-frame-only", "a pleth-wave frame (type 0x02): no reading, no rejection", pc60_frame([0x02, 0x40, 0x41, 0x42, 0x43, 0x44]), [])
pc60("crc-failure", "a parameter frame whose CRC byte is wrong", good[:-1] + [good[-1] ^ 0x01], [], ["CRC-8/MAXIM"])
pc60("spo2-above-100", "a parameter frame (valid CRC) with SpO2 0x7F = 127, which is no saturation",
     pc60_parameters(0x7F, 75), [], ["SpO2 127"])

# --- Jumper JPD-500F: 81 PR SpO2 xx -----------------------------------------------------------------------------------
NOTIFY = "cdeacb81-5235-4c07-8846-93a37ee6b86d"
def jumper(name, description, capture, expected, rejected=None, source=None):
    write_case(os.path.join(FIXTURES, "jumper-jpd500f"), "jumper-jpd500f", name, description, capture, expected, rejected, NOTIFY, source)

jumper("real-capture-pr56-spo2-99", "the public capture: PR 56/min, SpO2 99 %", [0x81, 0x38, 0x63, 0x44], window(99, 56),
       source="DEVICES.md section 7 item 6 and 2.5: KookKookKool/smarttelemed-v4 lib/core/device/add_device/Jumper/jumper_po_jpd_500f.dart")
jumper("live-low-saturation", "PR 104/min, SpO2 87 %", [0x81, 104, 87, 0x30], window(87, 104))
jumper("no-value-spo2-127", "SpO2 0x7F (above 100: no value) with a pulse rate of 0 (no value)", [0x81, 0x00, 0x7F, 0x00], window(None, None))
jumper("two-frames-one-notification", "two live frames in one notification: the window's lower median",
       [0x81, 60, 97, 0x40, 0x81, 62, 98, 0x40], window(97, 60))
jumper("unknown-frame", "a notification that is not a live frame", [0x80, 0x10, 0x20, 0x30], [], ["not a live frame"])
jumper("truncated-live-frame", "the first 3 bytes of a live frame", [0x81, 0x38, 0x63], [], ["truncated JPD-500F live frame"])

# --- Nonin 3230 continuous oximetry: 0A status battery PAI(BE) counter(BE) SpO2 PR(BE) ---------------------------------
CONTINUOUS = "0aad7ea0-0d60-11e2-8e3c-0002a5d5c51b"
ATTACHED, SEARCHING, SMARTPOINT, WEAK, LOW_BATTERY, ENCRYPTED = 0x10, 0x08, 0x04, 0x02, 0x20, 0x40
def nonin_value(status, spo2, pulse, counter=1, battery=30, pai=250):
    return [0x0A, status, battery, pai >> 8, pai & 0xFF, counter >> 8, counter & 0xFF, spo2, pulse >> 8, pulse & 0xFF]

def nonin(name, description, capture, expected, rejected=None):
    write_case(os.path.join(FIXTURES, "nonin-3230"), "nonin-3230", name, description, capture, expected, rejected, CONTINUOUS)

nonin("live-normal", "sensor attached, SmartPoint: SpO2 96 %, pulse rate 64/min, PAI 2.50 % (250 hundredths)",
      nonin_value(ATTACHED | SMARTPOINT, 96, 64), window(96, 64, pi="2.50"))
nonin("pulse-rate-above-255", "a pulse rate of 260/min needs the high byte: 01 04", nonin_value(ATTACHED, 91, 260), window(91, 260, pi="2.50"))
nonin("missing-sentinels", "sensor attached, searching: SpO2 127 and pulse rate 511 are the missing markers, never readings",
      nonin_value(ATTACHED | SEARCHING, 127, 511), window(None, None, ["searching"], pi=None))
nonin("sensor-detached", "sensor not attached (status bit 4 clear), stale numbers in the value: not used",
      nonin_value(0x00, 95, 70), window(None, None, ["sensor-off"], pi=None))
nonin("weak-signal", "weak signal (status bit 1): the values stand, marked low-signal", nonin_value(ATTACHED | WEAK, 93, 77),
      window(93, 77, ["low-signal"], pi="2.50"))
nonin("low-battery", "low battery (status bit 5): an event, the reading as usual", nonin_value(ATTACHED | LOW_BATTERY, 97, 66, battery=24),
      window(97, 66, pi="2.50"))
nonin("no-amplitude", "PAI 0 (no pulse amplitude): SpO2 and pulse rate as usual, no perfusion index",
      nonin_value(ATTACHED, 95, 68, pai=0), window(95, 68))
nonin("encrypted-value", "status bit 6: the value is encrypted and is not decoded", nonin_value(ATTACHED | ENCRYPTED, 97, 66), [], ["encrypted"])
nonin("wrong-length", "nine bytes", nonin_value(ATTACHED, 97, 66)[:9], [], ["expected 10 bytes"])
