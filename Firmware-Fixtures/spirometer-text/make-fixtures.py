#!/usr/bin/env python3
"""Writes the text-report (spirometer) fixture cases for DeviceProfiles/generic-spirometer-text-report.json.

The reports follow the layout that profile declares (Sources/IoMTDrivers/SpirometryText/README.md);
expected.json is written from the values each report was built to carry, not from the driver.
Run from this folder: python3 make-fixtures.py
"""
import json, os

PROFILE = "generic-spirometer-text-report"
TYPES = {
    "FVC": ("MDC_VOL_AWAY_EXP_FORCED_CAPACITY", 188928, "L", "19868-9"),
    "FEV1": ("MDC_VOL_AWAY_EXP_FORCED_1S", 152586, "L", "20150-9"),
    "FEV1/FVC": ("MDC_RATIO_AWAY_EXP_FORCED_1S_FVC", 188948, "%", "19926-5"),
    "PEF": ("MDC_FLOW_AWAY_EXP_FORCED_PEAK", 152584, "L/s", "19935-6"),
    "FEF25-75": ("MDC_FLOW_AWAY_EXP_FORCED_25_75_FVC", 188960, "L/s", "19927-3"),
}
NORMAL = [("FVC", "4.12"), ("FEV1", "3.38"), ("FEV1/FVC", "82.0"), ("PEF", "8.45"), ("FEF25-75", "3.61")]

def report(values, grade="A", eol="\r\n", header=True, start=True, end=True, units=True):
    lines = []
    if start: lines.append("SPIROMETRY REPORT")
    if header: lines += ["Device: SPIRO-DEMO  SN 000123", "Date: 2026-11-23 14:05", "Best of 3 efforts"]
    for label, value in values:
        unit = TYPES[label][2]
        lines.append("%-9s: %s%s" % (label, value, (" " + unit) if units and value not in ("---", "N/A") else ""))
    if grade is not None: lines.append("QUALITY  : %s" % grade)
    if end: lines.append("END OF REPORT")
    return eol.join(lines) + eol

def obs(label, value, status=()):
    code, mdc, unit, loinc = TYPES[label]
    return {"code": code, "mdc": mdc, "value": None if value in ("---", "N/A") else value, "unit": unit, "loinc": loinc,
            "status": sorted(set(status) | ({"not-available"} if value in ("---", "N/A") else set())), "deviceTime": None}

def write(name, description, text, observations):
    data = text if isinstance(text, bytes) else text.encode("ascii")
    os.makedirs(name, exist_ok=True)
    with open(os.path.join(name, "capture.hex"), "w") as f:
        for i in range(0, len(data), 16):
            f.write(" ".join("%02x" % b for b in data[i:i + 16]) + "\n")
    with open(os.path.join(name, "case.json"), "w") as f:
        json.dump({"profile": PROFILE, "description": description}, f, indent=2); f.write("\n")
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump({"observations": observations}, f, indent=2); f.write("\n")

write("report-grade-a", "A complete report with grade A, CR LF line ends, header lines that are not data.",
      report(NORMAL), [obs(l, v) for l, v in NORMAL])
write("report-grade-c", "Grade C (ATS/ERS: acceptable but not repeatable within 150 mL): every value questionable.",
      report(NORMAL, grade="C"), [obs(l, v, ["questionable"]) for l, v in NORMAL])
write("report-grade-f", "Grade F (not acceptable): every value invalid.",
      report(NORMAL, grade="F"), [obs(l, v, ["invalid"]) for l, v in NORMAL])
write("report-unknown-grade", "A grade the profile does not list (Z): values stand, questionable.",
      report(NORMAL, grade="Z"), [obs(l, v, ["questionable"]) for l, v in NORMAL])
write("report-no-grade-lf", "No quality line, LF line ends, values printed without units.",
      report(NORMAL, grade=None, eol="\n", units=False), [obs(l, v) for l, v in NORMAL])
missing = [("FVC", "3.05"), ("FEV1", "2.10"), ("FEV1/FVC", "68.9"), ("PEF", "5.02"), ("FEF25-75", "---")]
write("report-missing-fef", "FEF25-75 printed as --- (not measured): value null, not-available.",
      report(missing, grade="B"), [obs(l, v) for l, v in missing])
partial = NORMAL[:4]
write("report-fef-not-printed", "The device does not print FEF25-75: four observations, none invented.",
      report(partial), [obs(l, v) for l, v in partial])
second = [("FVC", "4.20"), ("FEV1", "3.41"), ("FEV1/FVC", "81.2"), ("PEF", "8.60"), ("FEF25-75", "3.70")]
write("two-reports", "Two reports back to back: both emitted, in order.",
      report(NORMAL) + report(second, grade="B"), [obs(l, v) for l, v in NORMAL] + [obs(l, v) for l, v in second])
torn = report(NORMAL, end=False)
torn = torn[: torn.index("PEF")]   # the cable was pulled after FEV1/FVC
write("torn-report-then-complete", "A report cut off after FEV1/FVC (no end marker; a new report starts): the torn one is dropped whole, the next one is emitted.",
      torn + report(second), [obs(l, v) for l, v in second])
noise = bytes([0xff, 0x00, 0x9c, 0x1b, 0xe3]) + b"\x80\x80garbage\r\n"
write("noise-then-report", "Binary noise and a garbage line (a wrong baud rate while the device powered up) before a complete report.",
      noise + report(NORMAL).encode("ascii"), [obs(l, v) for l, v in NORMAL])
garbled = report(NORMAL).replace("3.38 L", "3.3\x7f8 L").encode("ascii")
write("garbled-value-rejects-report", "A noise byte inside the FEV1 value: the whole report is dropped, nothing emitted.",
      garbled, [])
write("unit-mismatch-rejects-report", "PEF printed in L/min while the profile says L/s: the report is dropped (a value in the wrong unit is never reported).",
      report(NORMAL).replace("8.45 L/s", "507 L/min"), [])
write("too-many-decimals-rejects-report", "FEV1 printed with 4 decimals where the profile allows 2 (a merged line): the report is dropped.",
      report(NORMAL).replace("3.38 L", "3.3812 L"), [])
write("unterminated-report", "A report without its end marker at the end of the stream: nothing emitted.",
      report(NORMAL, end=False), [])
