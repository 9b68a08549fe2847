#!/usr/bin/env python3
"""Generates Firmware-Fixtures/omron-ble-classic/<case>/ from the published Omron record layouts
(DEVICES.md section 3.1; Sources/IoMTDrivers/OmronBLE/README.md) -- independently of the Swift decoder.

Each case is one record as read from a cuff's EEPROM (`iomtctl decode --profile P --record`): capture.hex,
case.json (profile, "record": true, optional user/address, description, optional "rejectedContaining") and
expected.json (user, slot and the observation contract), written from the intended readings, never by decoding.
The bit positions are omblepy's (deviceSpecific/hem-7322t.py, hem-7361t.py: bit 0 = most significant bit of the
record read as one integer in the model's byte order); hass-omron record_parsers.py agrees.
Run from the repository root:
    python3 scripts/make-omron-fixtures.py
"""
import json, os, shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Firmware-Fixtures", "omron-ble-classic")


def pack_bits(size, byteorder, fields):
    """fields: (first bit, last bit, value), bit 0 the most significant of the record read as one integer."""
    number = 0
    for first, last, value in fields:
        width = last - first + 1
        assert 0 <= value < (1 << width), (first, last, value)
        number |= value << (size * 8 - (last + 1))
    return number.to_bytes(size, byteorder)


def record_be14(sys, dia, pulse, y, mo, d, h, mi, s, ihb=0, mov=0):
    # omblepy hem-7322t.py: dia 0-7, sys-25 8-15, year-2000 16-23, bpm 24-31, mov 32, ihb 33, month 34-37,
    # day 38-42, hour 43-47, minute 52-57, second 58-63; bytes 8-13 not interpreted.
    return pack_bits(14, "big", [(0, 7, dia), (8, 15, sys - 25), (16, 23, y - 2000), (24, 31, pulse), (32, 32, mov),
                                 (33, 33, ihb), (34, 37, mo), (38, 42, d), (43, 47, h), (52, 57, mi), (58, 63, s)])


def record_le16(sys, dia, pulse, y, mo, d, h, mi, s, ihb=0, mov=0):
    # omblepy hem-7361t.py (little-endian integer): minute 68-73, second 74-79, mov 80, ihb 81, month 82-85,
    # day 86-90, hour 91-95, year-2000 98-103, bpm 104-111, dia 112-119, sys-25 120-127.
    return pack_bits(16, "little", [(68, 73, mi), (74, 79, s), (80, 80, mov), (81, 81, ihb), (82, 85, mo), (86, 90, d),
                                    (91, 95, h), (98, 103, y - 2000), (104, 111, pulse), (112, 119, dia), (120, 127, sys - 25)])


def observations(sys, dia, pulse, time, status):
    bp = {"code": "MDC_PRESS_BLD_NONINV", "mdc": 150020, "value": None, "unit": "mm[Hg]", "loinc": "85354-9",
          "status": status, "deviceTime": time, "components": [
              {"code": "MDC_PRESS_BLD_NONINV_SYS", "mdc": 150021, "value": str(sys), "unit": "mm[Hg]", "loinc": "8480-6", "status": []},
              {"code": "MDC_PRESS_BLD_NONINV_DIA", "mdc": 150022, "value": str(dia), "unit": "mm[Hg]", "loinc": "8462-4", "status": []}]}
    pr = {"code": "MDC_PULS_RATE_NON_INV", "mdc": 149546, "value": str(pulse), "unit": "/min", "loinc": "8867-4",
          "status": status, "deviceTime": time}
    return [bp, pr]


def write_case(name, profile, raw, description, user, slot, obs, address=None, rejected=None):
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "capture.hex"), "w") as f:
        f.write(" ".join(f"{b:02x}" for b in raw) + "\n")
    info = {"profile": profile, "record": True}
    if address is not None:
        info["address"] = f"0x{address:04X}"
    elif user != 1:
        info["user"] = user
    info["description"] = description
    if rejected:
        info["rejectedContaining"] = rejected
    with open(os.path.join(folder, "case.json"), "w") as f:
        f.write(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    expected = {"user": user, "slot": slot, "observations": obs}
    with open(os.path.join(folder, "expected.json"), "w") as f:
        f.write(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")


def t(y, mo, d, h, mi, s):
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.000"


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    # HEM-7322T (big-endian bit-packed, 14 bytes; users at 0x02AC / 0x0824).
    write_case("hem-7322t-user1-slot0", "omron-hem-7322t", record_be14(132, 84, 66, 2026, 12, 4, 7, 31, 12),
               "a record of the first slot of user 1 (0x02AC), built from the omblepy hem-7322t.py bit layout", 1, 0,
               observations(132, 84, 66, t(2026, 12, 4, 7, 31, 12), []), address=0x02AC)
    write_case("hem-7322t-user2-slot3-flags", "omron-hem-7322t",
               record_be14(151, 97, 88, 2025, 2, 28, 23, 59, 30, ihb=1, mov=1),
               "user 2's slot 3 (0x0824 + 3 x 14 = 0x084E) with the irregular-heartbeat and body-movement bits set", 2, 3,
               observations(151, 97, 88, t(2025, 2, 28, 23, 59, 30), ["body-movement", "irregular-pulse"]), address=0x084E)
    write_case("hem-7322t-seconds-63-clamped", "omron-hem-7322t", record_be14(118, 76, 60, 2026, 1, 15, 9, 5, 63),
               "the seconds field reads 63 (omblepy: 'the second value can range up to 63'): clamped to 59", 1, None,
               observations(118, 76, 60, t(2026, 1, 15, 9, 5, 59), []))
    write_case("hem-7322t-empty-slot-ff", "omron-hem-7322t", bytes([0xFF] * 14),
               "an erased slot (all FF): no record", 1, None, [], rejected=["empty slot"])
    write_case("hem-7322t-wrong-length", "omron-hem-7322t", record_le16(120, 80, 70, 2026, 3, 3, 3, 3, 3),
               "a 16-byte record for a model whose records are 14 bytes", 1, None, [], rejected=["16 bytes, expected 14"])
    # A real record: hass-omron tests/test_record_parsers.py, HEM-7600T-E slot 23, "confirmed against device EEPROM
    # dump": sys 145, dia 91, bpm 72. The HEM-7600T uses the HEM-7322T's bit-packed layout (DEVICES.md 3.1); the
    # date is not asserted by the source and is read here by the published bit positions: month 6, day 14, hour 23,
    # minute 45, second 2 of year 26.
    real = bytes.fromhex("5b781a4819d71b42000014006996")
    assert real[0] == 91 and real[1] + 25 == 145 and real[3] == 72
    write_case("real-hem-7600t-e-slot23", "omron-hem-7322t", real,
               "real record bytes of a HEM-7600T-E (hass-omron tests/test_record_parsers.py, test_hem7600t_slot23; "
               "sys 145, dia 91, bpm 72 confirmed there against the device's EEPROM dump), decoded with the bit-packed "
               "layout the HEM-7322T shares", 1, None, observations(145, 91, 72, t(2026, 6, 14, 23, 45, 2), []))
    # HEM-7361T and HEM-7155T (little-endian classic_vital_14, 16 bytes).
    write_case("hem-7361t-user2-slot99", "omron-hem-7361t", record_le16(127, 83, 71, 2026, 11, 30, 18, 2, 44),
               "user 2's last slot (0x06D8 + 99 x 16 = 0x0D08), built from the omblepy hem-7361t.py bit layout", 2, 99,
               observations(127, 83, 71, t(2026, 11, 30, 18, 2, 44), []), address=0x0D08)
    write_case("hem-7361t-irregular-heartbeat", "omron-hem-7361t", record_le16(164, 102, 95, 2026, 7, 1, 0, 0, 0, ihb=1),
               "the irregular-heartbeat bit (IHB) set", 1, None, observations(164, 102, 95, t(2026, 7, 1, 0, 0, 0), ["irregular-pulse"]))
    write_case("hem-7155t-user1", "omron-hem-7155t", record_le16(109, 71, 58, 2027, 1, 2, 6, 45, 0, mov=1),
               "a HEM-7155T record of user 1 with the body-movement bit (MOV) set", 1, None,
               observations(109, 71, 58, t(2027, 1, 2, 6, 45, 0), ["body-movement"]))
    write_case("hem-7155t-empty-systolic-e2", "omron-hem-7155t", bytes([0xE2]) + bytes(15),
               "a stored systolic above E1 marks an empty slot (hass-omron tests/test_record_parsers.py, test_sys_above_0xe1_is_empty_marker)",
               1, None, [], rejected=["empty slot"])
    write_case("hem-7155t-user-out-of-range", "omron-hem-7155t", record_le16(120, 80, 70, 2026, 3, 3, 3, 3, 3),
               "user 3 on a two-user cuff", 3, None, [], rejected=["users 1-2"])
    # HEM-7155T-MW3: the HEM-7155T's FE4A ("modern", token) firmware; the same classic_vital_14 records, its user areas
    # at 0x02E8 / 0x06A8 x 60 (hass-omron device_catalog.py).
    write_case("hem-7155t-fe4a-user2-slot59", "omron-hem-7155t-fe4a", record_le16(141, 92, 77, 2026, 12, 5, 8, 15, 30),
               "user 2's last slot on the FE4A firmware (0x06A8 + 59 x 16 = 0x0A58), built from the omblepy hem-7361t.py "
               "bit layout the model shares", 2, 59, observations(141, 92, 77, t(2026, 12, 5, 8, 15, 30), []), address=0x0A58)
    write_case("hem-7155t-fe4a-address-between-areas", "omron-hem-7155t-fe4a", record_le16(141, 92, 77, 2026, 12, 5, 8, 15, 30),
               "an address 8 bytes into user 1's last slot (0x0698): no record starts there", 1, None, [],
               address=0x06A0, rejected=["does not start a record"])


if __name__ == "__main__":
    main()
