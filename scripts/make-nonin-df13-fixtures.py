#!/usr/bin/env python3
"""Generates Firmware-Fixtures/nonin-df13/<case>/ from the published layout of Nonin data format #13 (Nonin 9560
Bluetooth Specification, 6470-000-01, "Data Format 13", pp. 5-7), without calling the decoder.

Packet: 00 02 00 0D LenMSB LenLSB | CC YY MM DD hh mm ss ff (BCD) STATUS-MSB STATUS-LSB HR-MSB HR-LSB reserved SpO2
        | checksum (low byte of the sum of the data bytes) 03.
STATUS MSB bit1 SPA (high-quality SmartPoint), bit0 NOMS (no measurement); STATUS LSB bit4 MEM, bit0 LOW BAT.
HR is 9 bits (MSB bit0 = HR8); missing HR 511, missing SpO2 127.
Expected output follows the iomtctl decode contract: SpO2 (MDC_PULS_OXIM_SAT_O2) then pulse rate
(MDC_PULS_OXIM_PULS_RATE) per spot-check, with the device time; no value and "not-available" for a missing value
or NOMS; "questionable" when SPA is clear.
Session end (case.json "sessionEvents", the driver's `session` device events after the capture and the link closing):
at a link the 9560 sends its stored spot-checks (MEM set) oldest first, then the one just taken (MEM clear), which
ends the session; a link closing after stored ones only ends it without the current one.
Usage: scripts/make-nonin-df13-fixtures.py  (rewrites the folder)
"""
import json, os, shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures", "nonin-df13")

def bcd(n):
    return ((n // 10) << 4) | (n % 10)

def packet(time=(2026, 12, 4, 10, 15, 30, 0), spo2=97, hr=72, spa=True, noms=False, mem=False, lowbat=False,
           extra=b"", raw_time=None, break_checksum=False, etx=0x03):
    century, year = divmod(time[0], 100)
    stamp = raw_time if raw_time is not None else bytes([bcd(century), bcd(year), bcd(time[1]), bcd(time[2]), bcd(time[3]),
                                                         bcd(time[4]), bcd(time[5]), bcd(time[6])])
    status_msb = (0x02 if spa else 0) | (0x01 if noms else 0)
    status_lsb = (0x10 if mem else 0) | (0x01 if lowbat else 0)
    data = stamp + bytes([status_msb, status_lsb, (hr >> 8) & 0x01, hr & 0xFF, 0x00, spo2 & 0x7F]) + extra
    checksum = sum(data) & 0xFF
    if break_checksum:
        checksum ^= 0x5A
    return bytes([0x00, 0x02, 0x00, 0x0D, len(data) >> 8, len(data) & 0xFF]) + data + bytes([checksum, etx])

def iso(time):
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d" % (time[0], time[1], time[2], time[3], time[4], time[5], time[6] * 10)

def observation(code, mdc, loinc, unit, value, status, time):
    return {"code": code, "mdc": mdc, "value": None if value is None else str(value), "unit": unit, "loinc": loinc,
            "status": sorted(status), "deviceTime": time}

def expected(spo2, hr, time, spa=True, noms=False):
    base = [] if spa else ["questionable"]
    def one(value, missing):
        present = None if noms or value == missing else value
        return present, base + (["not-available"] if present is None else [])
    s, s_status = one(spo2, 127)
    h, h_status = one(hr, 511)
    return [observation("MDC_PULS_OXIM_SAT_O2", 150456, "2708-6", "%", s, s_status, time),
            observation("MDC_PULS_OXIM_PULS_RATE", 149530, "8867-4", "/min", h, h_status, time)]

T1 = (2026, 12, 4, 10, 15, 30, 0)
T0 = (2026, 12, 3, 21, 2, 5, 50)

CASES = {
    "df13-spot-check-97-72": ("One high-quality SmartPoint spot-check with the device time.",
                              packet(), expected(97, 72, iso(T1))),
    "df13-stored-then-live": ("A stored reading (MEM) forwarded first, oldest first, then the new one; each keeps its own time.",
                              packet(time=T0, spo2=94, hr=88, mem=True) + packet(),
                              expected(94, 88, iso(T0)) + expected(97, 72, iso(T1))),
    "df13-not-high-quality": ("SPA clear: the value at 40 s without a high-quality SmartPoint, flagged questionable.",
                              packet(spo2=91, hr=104, spa=False), expected(91, 104, iso(T1), spa=False)),
    "df13-no-measurement": ("NOMS set: the device reports no measurement; both values absent.",
                            packet(spo2=0, hr=0, spa=False, noms=True), expected(0, 0, iso(T1), spa=False, noms=True)),
    "df13-missing-values": ("Missing-data codes: pulse 511 and SpO2 127.",
                            packet(spo2=127, hr=511), expected(127, 511, iso(T1))),
    "df13-pulse-above-255": ("HR8 in the pulse MSB: 300 /min.", packet(spo2=88, hr=300), expected(88, 300, iso(T1))),
    "df13-checksum-failure": ("A packet with a wrong checksum is rejected; the next one is read.",
                              packet(spo2=50, hr=50, break_checksum=True) + packet(), expected(97, 72, iso(T1))),
    "df13-garbage-around-packets": ("Line noise before, between and after two packets (also a stray NUL STX).",
                                    b"\x55\xaa\x00\x02\x13" + packet(time=T0, spo2=95, hr=61) + b"\x03\x06" + packet() + b"\x00\x02",
                                    expected(95, 61, iso(T0)) + expected(97, 72, iso(T1))),
    "df13-invalid-time": ("A month that is not BCD (0x1A): the reading keeps no device time.",
                          packet(raw_time=bytes([0x20, 0x26, 0x1A, 0x04, 0x10, 0x15, 0x30, 0x00])), expected(97, 72, None)),
    "df13-longer-data": ("Data length 16: two bytes of parameters added after the 14 defined ones are skipped.",
                         packet(extra=b"\x11\x22"), expected(97, 72, iso(T1))),
    "df13-low-battery": ("LOW BAT set: the reading stands (the battery is reported as a device event).",
                         packet(lowbat=True), expected(97, 72, iso(T1))),
}

def session_events(packets):
    """The session events for a capture of `packets` (each (mem,) as sent, checksum-valid ones only), link closing after."""
    events, count, memory = [], 0, 0
    for mem in packets:
        count += 1
        if mem:
            memory += 1
            continue
        events.append("ended after %d spot-check%s (%d from memory)" % (count, "" if count == 1 else "s", memory))
        count, memory = 0, 0
    if count:
        events.append("link closed after %d stored spot-check%s without the current one" % (count, "" if count == 1 else "s"))
    return events

# The MEM bit of each readable packet of each case, in order (a packet with a broken checksum is not read).
SESSIONS = {name: [False] for name in [
    "df13-spot-check-97-72", "df13-not-high-quality", "df13-no-measurement", "df13-missing-values", "df13-pulse-above-255",
    "df13-checksum-failure", "df13-invalid-time", "df13-longer-data", "df13-low-battery"]}
SESSIONS["df13-stored-then-live"] = [True, False]
SESSIONS["df13-garbage-around-packets"] = [False, False]

CASES["df13-two-sessions"] = ("Two sessions: two stored spot-checks and the current one, then (at the next link) a "
                              "current one alone; each current one (MEM clear) ends its session.",
                              packet(time=T0, spo2=94, hr=88, mem=True) + packet(time=(2026, 12, 4, 8, 0, 0, 0), spo2=95, hr=80, mem=True)
                              + packet() + packet(time=(2026, 12, 5, 9, 30, 0, 0), spo2=98, hr=66),
                              expected(94, 88, iso(T0)) + expected(95, 80, iso((2026, 12, 4, 8, 0, 0, 0))) + expected(97, 72, iso(T1))
                              + expected(98, 66, iso((2026, 12, 5, 9, 30, 0, 0))))
SESSIONS["df13-two-sessions"] = [True, True, False, False]
CASES["df13-stored-link-closed"] = ("The link closes after a stored spot-check (MEM) before the current one came: "
                                    "the reading stands and the session ends without the current one.",
                                    packet(time=T0, spo2=94, hr=88, mem=True), expected(94, 88, iso(T0)))
SESSIONS["df13-stored-link-closed"] = [True]

def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for name, (description, capture, observations) in CASES.items():
        folder = os.path.join(ROOT, name)
        os.makedirs(folder)
        with open(os.path.join(folder, "capture.hex"), "w") as f:
            f.write(" ".join("%02x" % b for b in capture) + "\n")
        with open(os.path.join(folder, "case.json"), "w") as f:
            json.dump({"profile": "nonin-9560-onyx2-format13", "description": description,
                       "source": "Nonin 9560 Bluetooth Specification 6470-000-01, Data Format 13 (layout); generated by scripts/make-nonin-df13-fixtures.py",
                       "sessionEvents": session_events(SESSIONS[name])},
                      f, indent=2)
            f.write("\n")
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump({"observations": observations}, f, indent=2)
            f.write("\n")
    print("wrote %d cases to %s" % (len(CASES), os.path.normpath(ROOT)))

if __name__ == "__main__":
    main()
