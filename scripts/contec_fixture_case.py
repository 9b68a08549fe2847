"""Writes one Firmware-Fixtures case of a Contec BLE driver: one notification (capture.hex; FF02 unless named), case.json (profile,
characteristic, description, optional "rejectedContaining") and expected.json (the `iomtctl decode` contract).
Shared by scripts/make-contec-spirometer-fixtures.py, scripts/make-contec-oximeter-ble-fixtures.py and
scripts/make-live-oximeter-fixtures.py and scripts/make-viatom-oxy-fixtures.py (other characteristics; `source` cites a real capture;
`before` values notified first)."""
import json, os

def write_case(root, profile, name, description, capture, expected, rejected=None, characteristic="FF02", source=None, before=None):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "capture.hex"), "w") as f:
        f.write(" ".join("%02x" % b for b in capture) + "\n")
    case = {"profile": profile, "characteristic": characteristic, "description": description}
    if source: case["source"] = source
    if rejected: case["rejectedContaining"] = rejected
    if before: case["before"] = [{"characteristic": characteristic, "hex": " ".join("%02x" % b for b in value)} for value in before]
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=2); f.write("\n")
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"observations": expected}, f, indent=2); f.write("\n")
