#!/usr/bin/env python3
"""Generates Firmware-Fixtures/ble-<profile>/<case>/ from the Bluetooth SIG value layouts (GATT
Specification Supplement; BLS, PLXS, HTS, WSS, HRS, GLS) — independently of the Swift decoders — and the cases
of the vendor profiles that use those layouts unchanged (A&D: Firmware-Fixtures/and-ua651ble/, and-ut201ble/).

Each case: capture.hex (one characteristic value), case.json (profile, characteristic, description,
optional "before" values read first, optional "rejectedContaining" for values that must be
rejected) and expected.json (the `iomtctl decode` contract). Run from the repository root:
    python3 scripts/make-ble-fixtures.py
Every flag combination of every measurement characteristic and every IEEE 11073 special value is
covered. Expected values are written from the intended readings, not read back from the decoder.
"""
import datetime, itertools, json, os, shutil, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures")

# ---- IEEE 11073-20601 numbers -------------------------------------------------------------------
SFLOAT_SPECIAL = {"nan": 0x07FF, "nres": 0x0800, "+inf": 0x07FE, "-inf": 0x0802, "reserved": 0x0801}
FLOAT_SPECIAL = {"nan": 0x007FFFFF, "nres": 0x00800000, "+inf": 0x007FFFFE, "-inf": 0x00800002, "reserved": 0x00800001}
SPECIAL_STATUS = {"nan": "not-a-number", "nres": "not-at-this-resolution", "+inf": "positive-infinity",
                  "-inf": "negative-infinity", "reserved": "reserved-value"}

def sfloat(v):
    """v = (mantissa, exponent) or a special name."""
    if isinstance(v, str): return struct.pack("<H", SFLOAT_SPECIAL[v])
    m, e = v
    assert -2048 <= m <= 2047 and -8 <= e <= 7
    return struct.pack("<H", ((e & 0xF) << 12) | (m & 0xFFF))

def float32(v):
    if isinstance(v, str): return struct.pack("<I", FLOAT_SPECIAL[v])
    m, e = v
    return struct.pack("<I", ((e & 0xFF) << 24) | (m & 0xFFFFFF))

def decimal_text(m, e):
    """The exact decimal at the device's precision (trailing zeros kept)."""
    neg, digits = m < 0, str(abs(m))
    if e > 0: digits += "0" * e
    elif e < 0:
        f = -e
        if len(digits) <= f: digits = "0" * (f - len(digits) + 1) + digits
        digits = digits[:-f] + "." + digits[-f:]
    return ("-" if neg else "") + digits

def value_of(v, shift=0):
    """(value text or None, status list) for a medical float."""
    if isinstance(v, str): return None, [SPECIAL_STATUS[v]]
    return decimal_text(v[0], v[1] + shift), []

def date_time(y, mo, d, h, mi, s): return struct.pack("<HBBBBB", y, mo, d, h, mi, s)

def stamp_text(y, mo, d, h, mi, s): return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.000"

def clock_unset(y, mo, d, h, mi, s):
    if y == 0 or mo == 0 or d == 0 or y <= 2000: return True
    try: datetime.datetime(y, mo, d, h, mi, s); return False
    except ValueError: return True

# ---- Catalogue (IEEE 11073-10101 MDC, LOINC) ---------------------------------------------------------
TYPES = {
    "bp": ("MDC_PRESS_BLD_NONINV", 150020, "85354-9"), "sys": ("MDC_PRESS_BLD_NONINV_SYS", 150021, "8480-6"),
    "dia": ("MDC_PRESS_BLD_NONINV_DIA", 150022, "8462-4"), "map": ("MDC_PRESS_BLD_NONINV_MEAN", 150023, "8478-0"),
    "prbp": ("MDC_PULS_RATE_NON_INV", 149546, "8867-4"), "cuff": ("MDC_PRESS_CUFF", 150300, None),
    "spo2": ("MDC_PULS_OXIM_SAT_O2", 150456, "2708-6"), "prox": ("MDC_PULS_OXIM_PULS_RATE", 149530, "8867-4"),
    "pi": ("MDC_PULS_OXIM_PERF_REL", 150448, "61006-3"),
    "temp": ("MDC_TEMP_BODY", 150364, "8310-5"), "temp1": ("MDC_TEMP_AXILLA", 188452, "8328-7"),
    "temp3": ("MDC_TEMP_EAR", 188428, "8310-5"), "temp4": ("MDC_TEMP_FINGER", 188432, "8310-5"),
    "temp5": ("MDC_TEMP_GIT", 188456, "8310-5"), "temp6": ("MDC_TEMP_ORAL", 188424, "8331-1"),
    "temp7": ("MDC_TEMP_RECT", 188420, "8332-9"), "temp8": ("MDC_TEMP_TOE", 188448, "8310-5"),
    "temp9": ("MDC_TEMP_TYMP", 150392, "8333-7"),
    "weight": ("MDC_MASS_BODY_ACTUAL", 188736, "29463-7"), "height": ("MDC_LEN_BODY_ACTUAL", 188740, "8302-2"),
    "bmi": ("MDC_RATIO_MASS_BODY_LEN_SQ", 188752, "39156-5"),
    "hr": ("MDC_ECG_HEART_RATE", 147842, "8867-4"), "rr": ("MDC_ECG_TIME_PD_RR_GL", 147072, None),
    "hba1c": ("MDC_CONC_HBA1C", 160220, "4548-4"),
}
# Glucose Type nibble → (refid, mdc, mass LOINC, molar LOINC)
GLUCOSE = {
    1: ("MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", 160184, "41653-7", "14743-9"),
    2: ("MDC_CONC_GLU_CAPILLARY_PLASMA", 160188, "2345-7", "14749-6"),
    3: ("MDC_CONC_GLU_VENOUS_WHOLEBLOOD", 160192, "2339-0", "15074-8"),
    4: ("MDC_CONC_GLU_VENOUS_PLASMA", 160196, "2345-7", "14749-6"),
    5: ("MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD", 160200, "2339-0", "15074-8"),
    6: ("MDC_CONC_GLU_ARTERIAL_PLASMA", 160204, "2345-7", "14749-6"),
    7: ("MDC_CONC_GLU_GEN", 160020, "2339-0", "15074-8"),
    8: ("MDC_CONC_GLU_GEN", 160020, "2339-0", "15074-8"),
    9: ("MDC_CONC_GLU_ISF", 160212, None, None),
    10: ("MDC_CONC_GLU_CONTROL", 160208, None, None),
}

def obs(kind, value, unit, status=(), time=None, components=None, coding=None):
    code, mdc, loinc = coding or TYPES[kind]
    o = {"code": code, "mdc": mdc, "value": value, "unit": unit, "loinc": loinc, "status": sorted(set(status)), "deviceTime": time}
    if components is not None: o["components"] = components
    return o

def component(kind, value, unit, status=()):
    code, mdc, loinc = TYPES[kind]
    return {"code": code, "mdc": mdc, "value": value, "unit": unit, "loinc": loinc, "status": sorted(set(status))}

CASES = []
def case(profile, name, characteristic, value, observations, description, before=None, rejected=None):
    CASES.append((profile, name, characteristic, value, observations, description, before, rejected))

STAMP = (2026, 11, 23, 10, 15, 0)

# ---- Blood Pressure (0x2A35 / 0x2A36) --------------------------------------------------------------------
def bp_value(flags, sys, dia, mean, stamp=STAMP, pulse=(72, 0), user=1, status=0):
    b = bytes([flags]) + sfloat(sys) + sfloat(dia) + sfloat(mean)
    if flags & 0x02: b += date_time(*stamp)
    if flags & 0x04: b += sfloat(pulse)
    if flags & 0x08: b += bytes([user])
    if flags & 0x10: b += struct.pack("<H", status)
    return b

def cuff_status(bits):
    s = []
    if bits & 1: s.append("body-movement")
    if bits & 2: s.append("cuff-too-loose")
    if bits & 4: s.append("irregular-pulse")
    if (bits >> 3) & 3 == 1: s.append("pulse-rate-above-range")
    if (bits >> 3) & 3 == 2: s.append("pulse-rate-below-range")
    if bits & 0x20: s.append("improper-position")
    return s

def bp_expected(flags, sys, dia, mean, stamp=STAMP, pulse=(72, 0), status=0, intermediate=False):
    unit = "kPa" if flags & 1 else "mm[Hg]"
    common = []
    time = None
    if flags & 0x02:
        time = stamp_text(*stamp)
        if clock_unset(*stamp): common.append("device-clock-not-set")
    if flags & 0x10: common += cuff_status(status)
    out = []
    if intermediate:
        v, s = value_of(sys)
        out.append(obs("cuff", v, unit, common + s + ["msmt-ongoing"], time))
    else:
        comps = []
        for kind, f in (("sys", sys), ("dia", dia), ("map", mean)):
            v, s = value_of(f); comps.append(component(kind, v, unit, s))
        out.append(obs("bp", None, unit, common, time, comps))
    if flags & 0x04:
        v, s = value_of(pulse); out.append(obs("prbp", v, "/min", common + s, time))
    return out

for flags in range(32):
    kpa = flags & 1
    sys, dia, mean = ((160, -1), (107, -1), (125, -1)) if kpa else ((120, 0), (80, 0), (93, 0))
    parts = [n for bit, n in ((1, "kpa"), (2, "stamp"), (4, "pulse"), (8, "user"), (16, "status")) if flags & bit] or ["mmhg-only"]
    case("ble-blood-pressure", f"bpm-flags-{flags:02x}-" + "-".join(parts), "2A35",
         bp_value(flags, sys, dia, mean, status=0x0001), bp_expected(flags, sys, dia, mean, status=0x0001),
         f"Blood Pressure Measurement, flags 0x{flags:02x}: " + ", ".join(parts) + " (status, when present: body movement)")
for name, bits in (("body-movement", 0x01), ("cuff-too-loose", 0x02), ("irregular-pulse", 0x04), ("pulse-above-range", 0x08),
                   ("pulse-below-range", 0x10), ("pulse-range-reserved", 0x18), ("improper-position", 0x20), ("all-conditions", 0x2F),
                   ("reserved-status-bits", 0xFFC0)):
    case("ble-blood-pressure", f"bpm-status-{name}", "2A35", bp_value(0x14, (120, 0), (80, 0), (93, 0), status=bits),
         bp_expected(0x14, (120, 0), (80, 0), (93, 0), status=bits), f"Measurement Status 0x{bits:04x} ({name})")
for special in SFLOAT_SPECIAL:
    case("ble-blood-pressure", f"bpm-systolic-{special.replace('+', 'plus').replace('-', 'minus')}", "2A35",
         bp_value(0x04, special, (80, 0), (93, 0), pulse=special), bp_expected(0x04, special, (80, 0), (93, 0), pulse=special),
         f"Systolic and pulse rate are the SFLOAT special value {special}: no number, a status instead")
case("ble-blood-pressure", "bpm-negative-exponent-kpa", "2A35", bp_value(0x01, (1600, -2), (1066, -2), (1250, -2)),
     bp_expected(0x01, (1600, -2), (1066, -2), (1250, -2)), "kPa with two decimals: precision kept (16.00)")
case("ble-blood-pressure", "bpm-positive-exponent", "2A35", bp_value(0x00, (12, 1), (8, 1), (9, 1)),
     bp_expected(0x00, (12, 1), (8, 1), (9, 1)), "Exponent +1: 12 x 10^1 = 120")
case("ble-blood-pressure", "bpm-clock-year-0", "2A35", bp_value(0x02, (120, 0), (80, 0), (93, 0), stamp=(0, 0, 0, 0, 0, 0)),
     bp_expected(0x02, (120, 0), (80, 0), (93, 0), stamp=(0, 0, 0, 0, 0, 0)), "Time stamp year 0 (not known): device clock not set")
case("ble-blood-pressure", "bpm-clock-year-2000", "2A35", bp_value(0x02, (120, 0), (80, 0), (93, 0), stamp=(2000, 1, 1, 0, 3, 12)),
     bp_expected(0x02, (120, 0), (80, 0), (93, 0), stamp=(2000, 1, 1, 0, 3, 12)), "Time stamp 2000-01-01: a reset RTC, device clock not set")
case("ble-blood-pressure", "bpm-reserved-flag-bits", "2A35", bp_value(0xE0, (120, 0), (80, 0), (93, 0)),
     bp_expected(0xE0, (120, 0), (80, 0), (93, 0)), "Reserved flag bits 5-7 set: ignored, value decoded")
case("ble-blood-pressure", "bpm-truncated-diastolic", "2A35", bytes([0x00]) + sfloat((120, 0)) + b"\x50", [],
     "Truncated inside Diastolic: rejected", rejected=["Diastolic", "truncated"])
case("ble-blood-pressure", "bpm-truncated-time-stamp", "2A35", bp_value(0x02, (120, 0), (80, 0), (93, 0))[:10], [],
     "Time Stamp flag set but the stamp is cut short: rejected", rejected=["Time Stamp", "truncated"])
case("ble-blood-pressure", "bpm-empty", "2A35", b"", [], "Empty value: rejected", rejected=["Flags", "truncated"])
for flags in (0x00, 0x01, 0x02, 0x03):
    v = bp_value(flags, (150, 0) if not flags & 1 else (200, -1), "nan", "nan")
    case("ble-blood-pressure", f"icp-flags-{flags:02x}", "2A36", v,
         bp_expected(flags, (150, 0) if not flags & 1 else (200, -1), "nan", "nan", intermediate=True),
         f"Intermediate Cuff Pressure, flags 0x{flags:02x} (diastolic and MAP NaN as BLS requires)")

# ---- Pulse Oximeter (0x2A5E / 0x2A5F) ---------------------------------------------------------------------
MS_BITS = {5: "msmt-ongoing", 6: "early-indication", 7: "validated-data", 10: "demonstration-data", 11: "test-data",
           12: "calibration-ongoing", 13: "not-available", 14: "questionable", 15: "invalid"}
DSS_BITS = {1: "probe-error", 2: "artifact", 3: "low-signal", 4: "low-signal", 5: "low-signal", 6: "artifact", 7: "searching",
            8: "questionable", 9: "searching", 10: "artifact", 11: "sensor-off", 12: "probe-error", 13: "sensor-off",
            14: "probe-error", 15: "sensor-off"}

def bits_status(bits, table): return [n for b, n in table.items() if bits >> b & 1]

def plx_obs(spo2, pr, pai, status, time):
    out = []
    v, s = value_of(spo2); out.append(obs("spo2", v, "%", status + s, time))
    v, s = value_of(pr); out.append(obs("prox", v, "/min", status + s, time))
    if pai is not None:
        v, s = value_of(pai); out.append(obs("pi", v, "%", status + s, time))
    return out

def spot(flags, spo2=(97, 0), pr=(72, 0), stamp=STAMP, ms=0x0080, dss=0x000000, pai=(35, -1)):
    b = bytes([flags]) + sfloat(spo2) + sfloat(pr)
    if flags & 1: b += date_time(*stamp)
    if flags & 2: b += struct.pack("<H", ms)
    if flags & 4: b += struct.pack("<I", dss)[:3]
    if flags & 8: b += sfloat(pai)
    status, time = [], None
    if flags & 1:
        time = stamp_text(*stamp)
        if clock_unset(*stamp): status.append("device-clock-not-set")
    if flags & 2: status += bits_status(ms, MS_BITS)
    if flags & 4: status += bits_status(dss, DSS_BITS)
    if flags & 16: status.append("device-clock-not-set")
    return b, plx_obs(spo2, pr, pai if flags & 8 else None, status, time)

for flags in range(32):
    parts = [n for bit, n in ((1, "stamp"), (2, "status"), (4, "sensor"), (8, "pai"), (16, "clock-not-set")) if flags & bit] or ["bare"]
    b, e = spot(flags, dss=0x000020)
    case("ble-pulse-oximeter", f"spot-flags-{flags:02x}-" + "-".join(parts), "2A5E", b, e,
         f"PLX Spot-check, flags 0x{flags:02x}: " + ", ".join(parts) + " (status: validated data; sensor: low perfusion)")
for bit, name in MS_BITS.items():
    b, e = spot(0x02, ms=1 << bit)
    case("ble-pulse-oximeter", f"spot-measurement-status-bit{bit:02d}", "2A5E", b, e, f"Measurement Status bit {bit} ({name})")
for bit in list(range(0, 16)) + [16, 23]:
    b, e = spot(0x04, dss=1 << bit)
    case("ble-pulse-oximeter", f"spot-sensor-status-bit{bit:02d}", "2A5E", b, e, f"Device and Sensor Status bit {bit}")
for special in SFLOAT_SPECIAL:
    b, e = spot(0x08, spo2=special, pr=special, pai=special)
    case("ble-pulse-oximeter", f"spot-special-{special.replace('+', 'plus').replace('-', 'minus')}", "2A5E", b, e,
         f"SpO2, PR and PAI are the SFLOAT special value {special}")
b, e = spot(0x11, stamp=(2000, 1, 1, 0, 0, 5))
case("ble-pulse-oximeter", "spot-clock-not-set-flag-with-2000-stamp", "2A5E", b, e, "Flag 'device clock is not set' and a 2000-01-01 stamp")
b, e = spot(0x01, stamp=(0, 0, 0, 0, 0, 0))
case("ble-pulse-oximeter", "spot-clock-year-0", "2A5E", b, e, "Timestamp year 0 (not known), flag not set")
b, e = spot(0xE0)
case("ble-pulse-oximeter", "spot-reserved-flag-bits", "2A5E", b, e, "Reserved flag bits 5-7 set: ignored")
case("ble-pulse-oximeter", "spot-truncated-pr", "2A5E", bytes([0]) + sfloat((97, 0)) + b"\x48", [], "Cut inside PR: rejected",
     rejected=["PR", "truncated"])
case("ble-pulse-oximeter", "spot-truncated-sensor-status", "2A5E", spot(0x04)[0][:-1], [], "Device and Sensor Status cut short: rejected",
     rejected=["Device and Sensor Status", "truncated"])

def cont(flags, normal=((96, 0), (70, 0)), fast=((95, 0), (75, 0)), slow=((97, 0), (68, 0)), ms=0x0040, dss=0x000008, pai=(12, -1)):
    b = bytes([flags]) + sfloat(normal[0]) + sfloat(normal[1])
    if flags & 1: b += sfloat(fast[0]) + sfloat(fast[1])
    if flags & 2: b += sfloat(slow[0]) + sfloat(slow[1])
    if flags & 4: b += struct.pack("<H", ms)
    if flags & 8: b += struct.pack("<I", dss)[:3]
    if flags & 16: b += sfloat(pai)
    status = []
    if flags & 4: status += bits_status(ms, MS_BITS)
    if flags & 8: status += bits_status(dss, DSS_BITS)
    return b, plx_obs(normal[0], normal[1], pai if flags & 16 else None, status, None)

for flags in range(32):
    parts = [n for bit, n in ((1, "fast"), (2, "slow"), (4, "status"), (8, "sensor"), (16, "pai")) if flags & bit] or ["normal-only"]
    b, e = cont(flags)
    case("ble-pulse-oximeter", f"continuous-flags-{flags:02x}-" + "-".join(parts), "2A5F", b, e,
         f"PLX Continuous, flags 0x{flags:02x}: " + ", ".join(parts) + " (Fast/Slow decoded, Normal reported)")
for special in SFLOAT_SPECIAL:
    b, e = cont(0x03, normal=(special, special), fast=(special, special), slow=(special, special))
    case("ble-pulse-oximeter", f"continuous-special-{special.replace('+', 'plus').replace('-', 'minus')}", "2A5F", b, e,
         f"All SpO2/PR fields are {special}")
case("ble-pulse-oximeter", "continuous-truncated-slow", "2A5F", cont(0x02)[0][:-1], [], "SpO2PR-Slow cut short: rejected",
     rejected=["SpO2PR-Slow", "truncated"])

# ---- Health Thermometer (0x2A1C / 0x2A1E) -------------------------------------------------------------------
def temp(flags, t=(3650, -2), stamp=STAMP, site=6, static=None, characteristic="2A1C"):
    b = bytes([flags]) + float32(t)
    if flags & 2: b += date_time(*stamp)
    if flags & 4: b += bytes([site])
    status, time = [], None
    if flags & 2:
        time = stamp_text(*stamp)
        if clock_unset(*stamp): status.append("device-clock-not-set")
    if characteristic == "2A1E": status.append("msmt-ongoing")
    chosen = site if flags & 4 else static
    kind = f"temp{chosen}" if chosen in (1, 3, 4, 5, 6, 7, 8, 9) else "temp"
    v, s = value_of(t)
    return b, [obs(kind, v, "[degF]" if flags & 1 else "Cel", status + s, time)]

for flags in range(8):
    t = (9770, -2) if flags & 1 else (3650, -2)
    parts = [n for bit, n in ((1, "fahrenheit"), (2, "stamp"), (4, "type")) if flags & bit] or ["celsius-only"]
    b, e = temp(flags, t)
    case("ble-health-thermometer", f"temp-flags-{flags:02x}-" + "-".join(parts), "2A1C", b, e,
         f"Temperature Measurement, flags 0x{flags:02x}: " + ", ".join(parts) + " (36.50 Cel / 97.70 [degF], mouth)")
for site in range(0, 11):
    b, e = temp(0x04, site=site)
    case("ble-health-thermometer", f"temp-type-{site:02d}", "2A1C", b, e, f"Temperature Type field {site}")
b, e = temp(0x00, static=9)
case("ble-health-thermometer", "temp-static-type-tympanum", "2A1C", b, e, "No type field; Temperature Type 0x2A1D read first says tympanum (9)",
     before=[{"characteristic": "2A1D", "hex": "09"}])
b, e = temp(0x04, site=1, static=9)
case("ble-health-thermometer", "temp-field-overrides-static-type", "2A1C", b, e, "Type field armpit wins over the static tympanum",
     before=[{"characteristic": "2A1D", "hex": "09"}])
for special in FLOAT_SPECIAL:
    b, e = temp(0x00, t=special)
    case("ble-health-thermometer", f"temp-special-{special.replace('+', 'plus').replace('-', 'minus')}", "2A1C", b, e,
         f"Temperature is the FLOAT special value {special}")
for name, t in (("exponent-minus-3", (36875, -3)), ("negative", (-125, -1)), ("positive-exponent", (4, 1)), ("large-mantissa", (8388605, -5))):
    b, e = temp(0x00, t=t)
    case("ble-health-thermometer", f"temp-value-{name}", "2A1C", b, e, f"FLOAT {t[0]} x 10^{t[1]}: exact")
b, e = temp(0x02, stamp=(2000, 1, 1, 12, 0, 0))
case("ble-health-thermometer", "temp-clock-year-2000", "2A1C", b, e, "Stamp 2000-01-01: device clock not set")
b, e = temp(0x02, stamp=(2026, 2, 30, 8, 0, 0))
case("ble-health-thermometer", "temp-clock-impossible-date", "2A1C", b, e, "Stamp 2026-02-30 does not exist: device clock not set")
b, e = temp(0xF8)
case("ble-health-thermometer", "temp-reserved-flag-bits", "2A1C", b, e, "Reserved flag bits 3-7 set: ignored")
for flags in (0x00, 0x06):
    b, e = temp(flags, characteristic="2A1E")
    case("ble-health-thermometer", f"intermediate-flags-{flags:02x}", "2A1E", b, e, "Intermediate Temperature: measurement ongoing")
case("ble-health-thermometer", "temp-truncated-float", "2A1C", bytes([0, 0x6A, 0x0E, 0x00]), [], "FLOAT cut short: rejected",
     rejected=["Temperature Measurement Value", "truncated"])

# ---- Weight Scale (0x2A9D) -----------------------------------------------------------------------------
def weight(flags, w=14000, stamp=STAMP, user=2, bmi=228, height=1750):
    b = bytes([flags]) + struct.pack("<H", w)
    if flags & 2: b += date_time(*stamp)
    if flags & 4: b += bytes([user])
    if flags & 8: b += struct.pack("<HH", bmi, height)
    status, time = [], None
    if flags & 2:
        time = stamp_text(*stamp)
        if clock_unset(*stamp): status.append("device-clock-not-set")
    imperial = flags & 1
    failed = w == 0xFFFF
    def v(raw, m, e): return (None, ["not-available"]) if failed else (decimal_text(raw * m, e), [])
    out = []
    val, s = v(w, 1, -2) if imperial else v(w, 5, -3)
    out.append(obs("weight", val, "[lb_av]" if imperial else "kg", status + s, time))
    if flags & 8:
        val, s = v(bmi, 1, -1); out.append(obs("bmi", val, "kg/m2", status + s, time))
        val, s = v(height, 1, -1) if imperial else v(height, 1, -3)
        out.append(obs("height", val, "[in_i]" if imperial else "m", status + s, time))
    return b, out

for flags in range(16):
    parts = [n for bit, n in ((1, "imperial"), (2, "stamp"), (4, "user"), (8, "bmi-height")) if flags & bit] or ["si-only"]
    w, h = (15432, 689) if flags & 1 else (14000, 1750)
    b, e = weight(flags, w=w, height=h)
    case("ble-weight-scale", f"weight-flags-{flags:02x}-" + "-".join(parts), "2A9D", b, e,
         f"Weight Measurement, flags 0x{flags:02x}: " + ", ".join(parts) + " (70.000 kg / 154.32 lb, BMI 22.8, 1.750 m / 68.9 in)")
for flags in (0x00, 0x09):
    b, e = weight(flags, w=0xFFFF)
    case("ble-weight-scale", f"weight-unsuccessful-flags-{flags:02x}", "2A9D", b, e, "Weight 0xFFFF = measurement unsuccessful")
for name, raw in (("zero", 0), ("one-step", 1), ("max", 0xFFFE)):
    b, e = weight(0x00, w=raw)
    case("ble-weight-scale", f"weight-raw-{name}", "2A9D", b, e, f"Raw weight {raw} x 0.005 kg, exact")
b, e = weight(0x02, stamp=(0, 1, 1, 0, 0, 0))
case("ble-weight-scale", "weight-clock-year-0", "2A9D", b, e, "Stamp year 0: device clock not set")
b, e = weight(0xF0)
case("ble-weight-scale", "weight-reserved-flag-bits", "2A9D", b, e, "Reserved flag bits 4-7 set: ignored")
case("ble-weight-scale", "weight-truncated-height", "2A9D", weight(0x08)[0][:-1], [], "Height cut short: rejected",
     rejected=["Height", "truncated"])

# ---- Heart Rate (0x2A37) -----------------------------------------------------------------------------
def rr_text(raw):
    # raw/1024 s in ms, exact: raw x 0.9765625, trailing zeros dropped.
    m, e = raw * 9765625, -7
    while e < 0 and m != 0 and m % 10 == 0: m //= 10; e += 1
    if m == 0: e = 0
    return decimal_text(m, e)

def heart(flags, rate=72, energy=310, rrs=(853, 870)):
    b = bytes([flags]) + (struct.pack("<H", rate) if flags & 1 else bytes([rate]))
    if flags & 8: b += struct.pack("<H", energy)
    if flags & 16: b += b"".join(struct.pack("<H", r) for r in rrs)
    status = ["sensor-off"] if flags & 4 and not flags & 2 else []
    out = [obs("hr", str(rate), "/min", status)]
    if flags & 16: out += [obs("rr", rr_text(r), "ms", status) for r in rrs]
    return b, out

for flags in range(32):
    parts = [n for bit, n in ((1, "uint16"), (2, "contact"), (4, "contact-supported"), (8, "energy"), (16, "rr")) if flags & bit] or ["uint8-only"]
    b, e = heart(flags, rate=300 if flags & 1 else 72)
    case("ble-heart-rate", f"hrm-flags-{flags:02x}-" + "-".join(parts), "2A37", b, e, f"Heart Rate Measurement, flags 0x{flags:02x}: " + ", ".join(parts))
b, e = heart(0x10, rrs=(1024, 0, 65535, 1))
case("ble-heart-rate", "hrm-rr-edge-values", "2A37", b, e, "RR 1024 = 1000 ms, 0, 65535, 1 (0.9765625 ms)")
b, e = heart(0xE0)
case("ble-heart-rate", "hrm-reserved-flag-bits", "2A37", b, e, "Reserved flag bits 5-7 set: ignored")
case("ble-heart-rate", "hrm-truncated-uint16-rate", "2A37", bytes([0x01, 0x48]), [], "uint16 rate cut short: rejected",
     rejected=["Heart Rate Measurement Value", "truncated"])
case("ble-heart-rate", "hrm-rr-flag-without-interval", "2A37", bytes([0x10, 0x48]), [], "RR flag set, no interval: rejected",
     rejected=["RR-Interval"])

# ---- Glucose (0x2A18 / 0x2A34) ---------------------------------------------------------------------------
ANNUNCIATION = {1: ["invalid", "probe-error"], 2: ["invalid"], 3: ["invalid"], 4: ["invalid"], 5: ["above-measurement-range", "questionable"],
                6: ["below-measurement-range", "questionable"], 7: ["questionable"], 8: ["questionable"], 9: ["invalid"], 10: ["invalid"],
                11: ["device-clock-not-set"]}

def glucose(flags, seq=1, base=STAMP, offset=0, conc=(120, -5), type_location=0x11, annunciation=0):
    b = bytes([flags]) + struct.pack("<H", seq) + date_time(*base)
    if flags & 1: b += struct.pack("<h", offset)
    if flags & 2: b += sfloat(conc) + bytes([type_location])
    if flags & 8: b += struct.pack("<H", annunciation)
    status = []
    if clock_unset(*base):
        status.append("device-clock-not-set"); time = stamp_text(*base)
    else:
        t = datetime.datetime(*base) + datetime.timedelta(minutes=offset if flags & 1 else 0)
        time = stamp_text(t.year, t.month, t.day, t.hour, t.minute, t.second)
    if flags & 8:
        for bit, names in ANNUNCIATION.items():
            if annunciation >> bit & 1: status += names
    out = []
    if flags & 2:
        sample, location = type_location & 0xF, type_location >> 4
        if sample == 10 or location == 4: status.append("test-data")
        refid, mdc, mass, molar = GLUCOSE.get(sample, ("MDC_CONC_GLU_GEN", 160020, "2339-0", "15074-8"))
        mol = flags & 4
        v, s = value_of(conc, 3 if mol else 5)
        out.append(obs(None, v, "mmol/L" if mol else "mg/dL", status + s, time, coding=(refid, mdc, molar if mol else mass)))
    return b, out

for flags in range(32):
    parts = [n for bit, n in ((1, "offset"), (2, "concentration"), (4, "mol-per-l"), (8, "annunciation"), (16, "context-follows")) if flags & bit] or ["bare"]
    conc = (67, -4) if flags & 4 else (120, -5)
    b, e = glucose(flags, seq=flags + 1, offset=-90, conc=conc, annunciation=0x0000)
    case("ble-glucose", f"gm-flags-{flags:02x}-" + "-".join(parts), "2A18", b, e,
         f"Glucose Measurement, flags 0x{flags:02x}: " + ", ".join(parts) + " (120 mg/dL or 6.7 mmol/L, offset -90 min)")
for sample in range(0, 16):
    b, e = glucose(0x02, type_location=0x10 | sample)
    case("ble-glucose", f"gm-type-{sample:02d}", "2A18", b, e, f"Glucose type nibble {sample}, finger")
for location in (1, 2, 3, 4, 15):
    b, e = glucose(0x02, type_location=(location << 4) | 1)
    case("ble-glucose", f"gm-location-{location:02d}", "2A18", b, e, f"Sample location {location}")
for bit in range(16):
    b, e = glucose(0x0A, annunciation=1 << bit)
    case("ble-glucose", f"gm-annunciation-bit{bit:02d}", "2A18", b, e, f"Sensor Status Annunciation bit {bit}")
for special in SFLOAT_SPECIAL:
    b, e = glucose(0x02, conc=special)
    case("ble-glucose", f"gm-special-{special.replace('+', 'plus').replace('-', 'minus')}", "2A18", b, e, f"Concentration is {special}")
for name, offset, base in (("plus-day-rollover", 14 * 60 + 45, STAMP), ("minus-year-rollover", -2 * 24 * 60, (2026, 1, 1, 8, 0, 0)),
                           ("max", 32767, STAMP), ("min", -32768, STAMP), ("leap-day", 24 * 60, (2028, 2, 28, 12, 0, 0))):
    b, e = glucose(0x03, base=base, offset=offset)
    case("ble-glucose", f"gm-offset-{name}", "2A18", b, e, f"Time offset {offset} min added to the base time")
b, e = glucose(0x03, base=(2000, 1, 1, 0, 0, 0), offset=600)
case("ble-glucose", "gm-clock-year-2000", "2A18", b, e, "Base time 2000-01-01 (reset clock): not set, offset not applied")
b, e = glucose(0x02, base=(0, 0, 0, 0, 0, 0))
case("ble-glucose", "gm-clock-year-0", "2A18", b, e, "Base time year 0: not set")
b, e = glucose(0xE2)
case("ble-glucose", "gm-reserved-flag-bits", "2A18", b, e, "Reserved flag bits 5-7 set: ignored")
case("ble-glucose", "gm-truncated-base-time", "2A18", glucose(0x00)[0][:6], [], "Base Time cut short: rejected",
     rejected=["Base Time", "truncated"])
case("ble-glucose", "gm-truncated-annunciation", "2A18", glucose(0x0A)[0][:-1], [], "Annunciation cut short: rejected",
     rejected=["Sensor Status Annunciation", "truncated"])

def context(flags, seq=7, hba1c=(65, -1), time=None, status=()):
    b = bytes([flags]) + struct.pack("<H", seq)
    if flags & 0x80: b += bytes([0])
    if flags & 0x01: b += bytes([1]) + sfloat((50, -3))
    if flags & 0x02: b += bytes([1])
    if flags & 0x04: b += bytes([0x51])
    if flags & 0x08: b += struct.pack("<H", 1800) + bytes([40])
    if flags & 0x10: b += bytes([1]) + sfloat((5, -6))
    if flags & 0x40: b += sfloat(hba1c)
    out = []
    if flags & 0x40:
        v, s = value_of(hba1c); out.append(obs("hba1c", v, "%", list(status) + s, time))
    return b, out

for bit in range(8):
    b, e = context(1 << bit)
    case("ble-glucose", f"context-flag-bit{bit}", "2A34", b, e, f"Glucose Measurement Context with only flag bit {bit}")
b, e = context(0xFF)
case("ble-glucose", "context-all-fields", "2A34", b, e, "Every context field, HbA1c 6.5 %")
b, e = context(0x5F)
case("ble-glucose", "context-all-but-extended", "2A34", b, e, "Every field but the extended flags, medication in litres")
for special in SFLOAT_SPECIAL:
    b, e = context(0x40, hba1c=special)
    case("ble-glucose", f"context-hba1c-{special.replace('+', 'plus').replace('-', 'minus')}", "2A34", b, e, f"HbA1c is {special}")
# The context takes the time of the measurement with the same sequence number, sent just before it.
m, _ = glucose(0x13, seq=7, offset=-90)
b, e = context(0x40, seq=7, time=stamp_text(2026, 11, 23, 8, 45, 0))
case("ble-glucose", "context-after-its-measurement", "2A34", b, e, "HbA1c after measurement 7 (10:15 - 90 min): takes 08:45",
     before=[{"characteristic": "2A18", "hex": m.hex(" ")}])
m, _ = glucose(0x12, seq=6)
b, e = context(0x40, seq=7)
case("ble-glucose", "context-after-another-measurement", "2A34", b, e, "HbA1c for record 7 after measurement 6: no time",
     before=[{"characteristic": "2A18", "hex": m.hex(" ")}])
m, _ = glucose(0x12, seq=7, base=(2000, 1, 1, 0, 5, 0))
b, e = context(0x40, seq=7, time=stamp_text(2000, 1, 1, 0, 5, 0), status=["device-clock-not-set"])
case("ble-glucose", "context-after-measurement-with-unset-clock", "2A34", b, e, "HbA1c after a measurement stamped 2000-01-01: clock not set",
     before=[{"characteristic": "2A18", "hex": m.hex(" ")}])
case("ble-glucose", "context-truncated-exercise", "2A34", context(0x08)[0][:-1], [], "Exercise Intensity missing: rejected",
     rejected=["Exercise Intensity", "truncated"])

# ---- A&D UA-651BLE / UB-1100BLE and UT-201BLE (DEVICES.md section 3.2) ---------------------------------------------
# The standard Blood Pressure Measurement and Temperature Measurement layouts above, on the A&D profiles (which add only
# connection behaviour: bluetoothQuirks). No A&D capture is public: the cases are the SIG layouts as the devices use
# them, a record stamped by the Date Time the gateway writes (time stamp flag set), and one stamped by a clock nobody set.
for name, flags, status, description in (
        ("record-stamp-pulse", 0x06, 0, "a stored record: time stamp and pulse rate, mmHg"),
        ("record-stamp-pulse-status-irregular", 0x16, 0x0004, "a stored record with Measurement Status: irregular pulse"),
        ("record-stamp-pulse-user-body-movement", 0x1E, 0x0001, "a stored record with user id 1 and body movement")):
    case("and-ua651ble", name, "2A35", bp_value(flags, (128, 0), (84, 0), (99, 0), status=status),
         bp_expected(flags, (128, 0), (84, 0), (99, 0), status=status), "A&D UA-651BLE/UB-1100BLE: " + description)
UNSET_AND = (2000, 1, 1, 0, 12, 0)
case("and-ua651ble", "record-stamped-by-unset-clock", "2A35", bp_value(0x06, (128, 0), (84, 0), (99, 0), stamp=UNSET_AND),
     bp_expected(0x06, (128, 0), (84, 0), (99, 0), stamp=UNSET_AND),
     "A&D UA-651BLE: a record taken before any gateway wrote its Date Time (2000-01-01): device clock not set")
for name, flags, t, description in (("record-stamp-celsius", 0x02, (3672, -2), "a stored record: 36.72 Cel with its time stamp"),
                                    ("record-stamp-fahrenheit", 0x03, (9810, -2), "a stored record: 98.10 [degF] with its time stamp")):
    b, e = temp(flags, t)
    case("and-ut201ble", name, "2A1C", b, e, "A&D UT-201BLE: " + description)
b, e = temp(0x02, (3672, -2), stamp=UNSET_AND)
case("and-ut201ble", "record-stamped-by-unset-clock", "2A1C", b, e,
     "A&D UT-201BLE: a record taken before any gateway wrote its Date Time (2000-01-01): device clock not set")

# ---- Write --------------------------------------------------------------------------------------------
def main():
    for folder in {c[0] for c in CASES}:
        shutil.rmtree(os.path.join(ROOT, folder), ignore_errors=True)
    for profile, name, characteristic, value, observations, description, before, rejected in CASES:
        path = os.path.join(ROOT, profile, name)
        os.makedirs(path)
        with open(os.path.join(path, "capture.hex"), "w") as f: f.write(value.hex(" ") + "\n")
        info = {"profile": profile, "characteristic": characteristic, "description": description}
        if before: info["before"] = before
        if rejected: info["rejectedContaining"] = rejected
        with open(os.path.join(path, "case.json"), "w") as f: f.write(json.dumps(info, indent=2) + "\n")
        with open(os.path.join(path, "expected.json"), "w") as f: f.write(json.dumps({"observations": observations}, indent=2) + "\n")
    print(f"{len(CASES)} cases")

main()
