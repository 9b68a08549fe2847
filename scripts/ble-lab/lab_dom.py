"""What the lab's DOM checks share: the Observations of a FHIR searchset Bundle read from stdin, without those DOM already
held before the phase (`before`: a searchset saved then), so that an earlier phase's readings (another device's blood
pressure or pulse, at times that may fall inside this phase's records) are never counted as this device's."""
import json, sys

def observations_since(before=None):
    try:
        bundle = json.load(sys.stdin)
    except ValueError:
        bundle = {}
    earlier = set()
    if before:
        try:
            earlier = {entry["resource"].get("id") for entry in json.load(open(before)).get("entry", [])}
        except (OSError, ValueError):
            pass
    return [entry["resource"] for entry in bundle.get("entry", []) if entry["resource"].get("id") not in earlier]
