#!/usr/bin/env python3
"""Generates Firmware-Fixtures/contec-spirometer/<case>/ from the published Contec BLE spirometer layout
(DEVICES.md section 1.1; Sources/IoMTDrivers/ContecSpirometer/README.md) -- independently of the Swift decoder.

Each case is one FF02 notification: capture.hex, case.json (profile, characteristic, description, optional
"rejectedContaining") and expected.json (the `iomtctl decode` contract), written from the intended readings.
Run from the repository root:
    python3 scripts/make-contec-spirometer-fixtures.py
"""
import json, os, shutil, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contec_fixture_case import write_case

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures", "contec-spirometer")
PROFILE = "contec-spirometer-ble"

# (MDC reference id, MDC code, unit, record offset, decimals); LOINC where the catalogue has one.
FIELDS = [
    ("MDC_VOL_AWAY_EXP_FORCED_CAPACITY", 188928, "L", 17, 2, "19868-9", "FVC"),
    ("MDC_VOL_AWAY_EXP_FORCED_0_5S", 188940, "L", 19, 2, None, "FEV05"),
    ("MDC_VOL_AWAY_EXP_FORCED_1S", 152586, "L", 21, 2, "20150-9", "FEV1"),
    ("MDC_RATIO_AWAY_EXP_FORCED_1S_FVC", 188948, "%", 23, 1, "19926-5", "FEV1_FVC"),
    ("MDC_VOL_AWAY_EXP_FORCED_3S", 189044, "L", 25, 2, None, "FEV3"),
    ("MDC_VOL_AWAY_EXP_FORCED_6S", 152587, "L", 27, 2, None, "FEV6"),
    ("MDC_FLOW_AWAY_EXP_FORCED_PEAK", 152584, "L/s", 29, 2, "19935-6", "PEF"),
    ("MDC_FLOW_AWAY_EXP_FORCED_25_FVC", 188964, "L/s", 31, 2, None, "FEF25"),
    ("MDC_FLOW_AWAY_EXP_FORCED_50_FVC", 188968, "L/s", 33, 2, None, "FEF50"),
    ("MDC_FLOW_AWAY_EXP_FORCED_75_FVC", 188972, "L/s", 35, 2, None, "FEF75"),
    ("MDC_FLOW_AWAY_EXP_FORCED_25_75_FVC", 188960, "L/s", 37, 2, "19927-3", "FEF2575"),
    ("MDC_FLOW_AWAY_EXP_PEAK_TIME", 189124, "ms", 39, 0, None, "PEFT"),
    ("MDC_VOL_AWAY_EXTRAP", 189020, "mL", 41, 0, None, "EVOL"),
]

def seven_bit_pair(value):
    """A 14-bit integer as (low 7 bits, high 7 bits)."""
    assert 0 <= value < 1 << 14
    return [value & 0x7F, value >> 7]

def record_frame(number, when, values, mode=1, sex=0, age=39, height=175, reference=1, drug=1, slot=0x00):
    """The 44-byte E1 answer: values are integers as sent (hundredths, tenths of a percent, ms, mL)."""
    year, month, day, hour, minute, second = when
    frame = [0xE1, slot, mode] + seven_bit_pair(number) + [year - 2000, month, day, hour, minute, second, sex, age]
    frame += seven_bit_pair(height) + [reference, drug]
    for _, _, _, offset, _, _, key in FIELDS:
        assert len(frame) == offset, (key, len(frame))
        frame += seven_bit_pair(values.get(key, 0))
    # Byte 43: no source says what it holds; the sum rule of the F3/E3 answers is put there (the driver ignores it).
    frame.append(sum(frame) & 0x7F)
    assert len(frame) == 44 and all(b < 0x80 for b in frame[1:])
    return frame

def text(raw, decimals):
    if decimals == 0: return str(raw)
    digits = str(raw).rjust(decimals + 1, "0")
    return digits[:-decimals] + "." + digits[-decimals:]

def observations(when, values):
    time = "%04d-%02d-%02dT%02d:%02d:%02d.000" % when
    out = []
    for code, mdc, unit, _, decimals, loinc, key in FIELDS:
        raw = values.get(key, 0)
        if raw == 0 and key != "EVOL": continue  # zero: not measured (the example record's FEV0.5, FEV3, FEV6)
        out.append({"code": code, "mdc": mdc, "value": text(raw, decimals), "unit": unit, "loinc": loinc,
                    "status": [], "deviceTime": time})
    return out

def write(name, description, capture, expected, rejected=None):
    write_case(ROOT, PROFILE, name, description, capture, expected, rejected)

# The decoded example record shipped in tikhonp/contec-spirometer-ios-app spirometer/ContecSDK/Models.swift
# (FVCDataBEXP.example): mode FVC, record 1, 2022-08-29 17:30:36, male, 39 y, 175 cm, ECCS, drug flag 1,
# FVC 5.10, FEV0.5 0.00, FEV1 4.95, FEV1/FVC 97.1 %, FEV3 0.00, FEV6 0.00, PEF 9.33, FEF25/50/75 8.01/6.52/3.91,
# FEF25-75 6.14, PEFT 291, EVOL 79. Only its decoded values are published, so the raw frame is built from the layout.
EXAMPLE_WHEN = (2022, 8, 29, 17, 30, 36)
EXAMPLE = {"FVC": 510, "FEV1": 495, "FEV1_FVC": 971, "PEF": 933, "FEF25": 801, "FEF50": 652, "FEF75": 391,
           "FEF2575": 614, "PEFT": 291, "EVOL": 79}
FULL_WHEN = (2026, 11, 23, 9, 5, 7)
FULL = {"FVC": 4123, "FEV05": 1987, "FEV1": 3210, "FEV1_FVC": 779, "FEV3": 3890, "FEV6": 4050, "PEF": 8765,
        "FEF25": 7012, "FEF50": 4321, "FEF75": 1234, "FEF2575": 3456, "PEFT": 96, "EVOL": 0}

def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    example = record_frame(1, EXAMPLE_WHEN, EXAMPLE)
    write("example-record-models-swift", "the decoded example record of tikhonp/contec-spirometer-ios-app Models.swift "
          "(FVCDataBEXP.example), built from the DEVICES.md 1.1 layout; FEV0.5, FEV3 and FEV6 are 0 there (not measured)",
          example, observations(EXAMPLE_WHEN, EXAMPLE))
    write("record-every-field", "record 200 (two 7-bit bytes), every value set, 14-bit values above 127, EVOL 0 mL",
          record_frame(200, FULL_WHEN, FULL, mode=0, sex=1, age=71, height=158, reference=3, drug=0),
          observations(FULL_WHEN, FULL))
    write("truncated-record", "the example record cut after 29 data bytes (the link ended mid-frame)",
          example[:30], [], ["truncated record (E1)", "29 of 43"])
    empty = [0xE1, 0x7E] + [0] * 41
    empty.append(sum(empty) & 0x7F)
    write("empty-slot-7e", "an E1 answer whose byte 1 is 0x7E: no record in this slot (skipped, not rejected)", empty, [])
    empty7f = [0xE1, 0x7F] + [0] * 41
    empty7f.append(sum(empty7f) & 0x7F)
    write("empty-slot-7f", "an E1 answer whose byte 1 is 0x7F: no record in this slot (skipped, not rejected)", empty7f, [])
    write("clock-answer-wrong-checksum", "an F3 clock answer whose last byte is not (F3 + status) & 0x7F",
          [0xF3, 0x00, 0x05], [], ["clock answer (F3)", "checksum"])
    write("unknown-mode", "an E1 answer with test mode 9 at byte 2 (another layout?): rejected, no partial reading",
          record_frame(3, EXAMPLE_WHEN, EXAMPLE, mode=9), [], ["test mode 9"])

if __name__ == "__main__":
    main()
