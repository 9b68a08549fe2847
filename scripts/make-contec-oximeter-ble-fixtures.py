#!/usr/bin/env python3
"""Generates Firmware-Fixtures/contec-oximeter-ble/<case>/ from the published EMAY SleepO2 live-frame layout
(DEVICES.md section 2.1; Sources/IoMTDrivers/ContecOximeterBLE/README.md) -- independently of the Swift decoder.

Live frame, 8 bytes: EB 01 05 PR SpO2 7F 00 ck, ck = sum of bytes 0-6 & 0x7F; PR/SpO2 0 or 0xFF = no value.
Each case is one FF02 notification: capture.hex, case.json (profile, characteristic, description, optional
"rejectedContaining") and expected.json (the `iomtctl decode` contract: one reporting window, closed at link down).
Run from the repository root:
    python3 scripts/make-contec-oximeter-ble-fixtures.py
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contec_fixture_case import write_case

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures", "contec-oximeter-ble")
PROFILE = "contec-oximeter-ble"
NO_VALUE = (0x00, 0xFF)

def live_frame(pulse_rate, spo2, checksum=None):
    body = [0xEB, 0x01, 0x05, pulse_rate, spo2, 0x7F, 0x00]
    return body + [sum(body) & 0x7F if checksum is None else checksum]

def spo2_observation(value):
    return {"code": "MDC_PULS_OXIM_SAT_O2", "mdc": 150456, "value": value, "unit": "%", "loinc": "2708-6",
            "status": [] if value is not None else ["not-available"], "deviceTime": None}

def pulse_observation(value):
    return {"code": "MDC_PULS_OXIM_PULS_RATE", "mdc": 149530, "value": value, "unit": "/min", "loinc": "8867-4",
            "status": [] if value is not None else ["not-available"], "deviceTime": None}

def window(pulse_rate, spo2):
    """The one window a single frame makes: each value, or null with not-available for a no-value marker."""
    return [spo2_observation(None if spo2 in NO_VALUE else str(spo2)),
            pulse_observation(None if pulse_rate in NO_VALUE else str(pulse_rate))]

def write(name, description, capture, expected, rejected=None):
    write_case(ROOT, PROFILE, name, description, capture, expected, rejected)

write("live-normal", "one live frame: pulse rate 72/min, SpO2 97 %", live_frame(72, 97), window(72, 97))
write("live-low-saturation", "one live frame: pulse rate 118/min, SpO2 84 % (a desaturation is reported as is)",
      live_frame(118, 84), window(118, 84))
write("live-slow-pulse", "one live frame: pulse rate 28/min (below the 30 a published client drops), SpO2 95 %",
      live_frame(28, 95), window(28, 95))
write("no-value-zero", "no finger: PR and SpO2 both 0 (no value): both readings null, not-available",
      live_frame(0, 0), window(0, 0))
write("no-value-ff", "searching: PR and SpO2 both 0xFF (no value): both readings null, not-available",
      live_frame(0xFF, 0xFF), window(0xFF, 0xFF))
write("pulse-without-spo2", "a pulse rate (65/min) without a saturation (0xFF): SpO2 null, not-available",
      live_frame(65, 0xFF), window(65, 0xFF))
good = live_frame(72, 97)
write("checksum-failure", "a live frame whose last byte is not the sum of bytes 0-6 & 0x7F",
      good[:7] + [(good[7] + 1) & 0x7F], [], ["checksum"])
write("spo2-above-100", "a live frame (valid checksum) with SpO2 0x7E = 126, which is no saturation",
      live_frame(72, 0x7E), [], ["SpO2 126"])
write("unknown-frame", "a notification that is not a live frame (an answer with no published layout)",
      [0x89, 0x01, 0x0A], [], ["unknown frame 0x89"])
write("truncated-live-frame", "the first 6 bytes of a live frame", good[:6], [], ["truncated live frame"])
