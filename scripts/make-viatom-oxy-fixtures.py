#!/usr/bin/env python3
"""Generates Firmware-Fixtures/viatom-oxy/<case>/ from the published Viatom "Oxy" layout (DEVICES.md section 2.3;
Sources/IoMTDrivers/ViatomOxy/README.md) -- independently of the Swift decoder: the packet, its CRC-8 (polynomial 0x07,
initial value 0) and the 0x1B real-time data payload are built here from the layout alone.

Each case is one notification of the response characteristic (0734594a-...), optionally after "before" notifications
(a response torn across notifications), read as `iomtctl decode` reads it: the reader has just asked for the info at
link up, so only a real-time answer recognised by its shape, an info answer or a refusal can appear. expected.json is
the `iomtctl decode` contract (one reporting window, closed at link down). Run from the repository root:
    python3 scripts/make-viatom-oxy-fixtures.py
"""
import os, sys, json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contec_fixture_case import write_case

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures", "viatom-oxy")
NOTIFY = "0734594a-a8e7-4b1a-a6b1-cd5243059a57"

def crc8(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc

assert crc8([0xAA, 0x17, 0xE8, 0, 0, 0, 0]) == 0x1B  # the known-good request of DEVICES.md section 7 item 4

def response(data, status=0x00, block=0, crc=None):
    body = [0x55, status, status ^ 0xFF, block & 0xFF, block >> 8, len(data) & 0xFF, len(data) >> 8] + list(data)
    return body + [crc8(body) if crc is None else crc]

def realtime(spo2, pulse, battery=80, charge=0, pi=25, lead=1, wave=(0x40, 0x41, 0x42, 0x43, 0x44)):
    """[0] SpO2, [1-2] PR LE, [3] battery %, [4] charge state, [5] PI, [6] lead state, [7-9] unused, [10-11] wave length LE, wave."""
    return [spo2, pulse & 0xFF, pulse >> 8, battery, charge, pi, lead, 0, 0, 0, len(wave) & 0xFF, len(wave) >> 8] + list(wave)

def observation(code, mdc, unit, loinc, value):
    return {"code": code, "mdc": mdc, "value": str(value), "unit": unit, "loinc": loinc, "status": [], "deviceTime": None}

def window(spo2, pulse):
    return [observation("MDC_PULS_OXIM_SAT_O2", 150456, "%", "2708-6", spo2),
            observation("MDC_PULS_OXIM_PULS_RATE", 149530, "/min", "8867-4", pulse)]

def case(name, description, capture, expected, rejected=None, before=None):
    write_case(ROOT, "viatom-o2ring", name, description, capture, expected, rejected, NOTIFY, before=before)

case("realtime-normal", "real-time data (0x1B answer): SpO2 97 %, pulse rate 72/min, worn, 5 wave bytes",
     response(realtime(97, 72)), window(97, 72))
case("realtime-low-saturation", "real-time data: SpO2 86 %, pulse rate 118/min (a desaturation is reported as is)",
     response(realtime(86, 118)), window(86, 118))
case("realtime-pulse-two-bytes", "real-time data: pulse rate 300/min needs both bytes of the little-endian field (2C 01)",
     response(realtime(95, 300)), window(95, 300))
case("realtime-no-wave", "real-time data with a wave length of 0: the 12-byte fixed part alone",
     response(realtime(98, 64, wave=())), window(98, 64))
case("realtime-no-finger-sentinels", "no finger: SpO2 255 and pulse rate 65535, lead off -- no reading, no rejection (a device event)",
     response(realtime(255, 65535, lead=0)), [])
case("realtime-lead-off", "lead state 0 (not worn) with stale values: no reading", response(realtime(96, 70, lead=0)), [])
case("realtime-settling", "worn, SpO2 and pulse rate still 0 (the device settling): no reading", response(realtime(0, 0)), [])
whole = response(realtime(94, 81))
case("realtime-torn-across-notifications", "a real-time answer in three notifications of 9, 6 and 8 bytes (20-byte ATT payloads or less)",
     whole[15:], window(94, 81), before=[whole[:9], whole[9:15]])
bad = response(realtime(97, 72))
case("realtime-crc-failure", "a real-time answer whose CRC byte is wrong", bad[:-1] + [bad[-1] ^ 0x01], [], ["CRC-8"])
case("realtime-spo2-out-of-range", "a real-time answer (valid CRC) with SpO2 150: not a saturation", response(realtime(150, 72)), [], ["SpO2 150"])
info = json.dumps({"Region": "CE", "Model": "O2Ring", "HardwareVer": "AA", "SoftwareVer": "1.5.0", "SN": "2107123456",
                   "CurTIME": "2026-12-04,07:15:00", "FileList": ""}, separators=(",", ":")).encode() + b"\0"
case("info-answer-no-sessions", "the info answer (0x14, JSON, NUL-padded) with no stored session: no reading, no rejection",
     response(list(info)), [])
case("info-refused", "the device refuses the info request (status 0x01)", response([], status=0x01), [], ["refused info (0x14)"])
