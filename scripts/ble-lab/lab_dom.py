"""What the lab's DOM checks share: the Observations of a FHIR searchset Bundle read from stdin, without those DOM already
held before the phase (`before`: a searchset saved then), so that an earlier phase's readings (another device's blood
pressure or pulse, at times that may fall inside this phase's records) are never counted as this device's."""
import json, sys

SPO2 = {"150456", "2708-6"}
PULSE = {"149530", "8867-4"}

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

def codes(observation):
    return {coding.get("code") for coding in observation.get("code", {}).get("coding", [])}

def live_value_problems(observations, sent, distinct):
    """A live oximeter's readings at DOM against the (SpO2, pulse rate) pairs the simulator sent (None: no value): every
    value at DOM must be one sent (a window's lower median is one of its frames' values), and at least `distinct`
    different SpO2 values must have arrived. Returns (SpO2 values, pulse-rate values, problems)."""
    sent_spo2 = {s for s, _ in sent if s is not None}
    sent_pulse = {p for _, p in sent if p is not None}
    def values(wanted):
        return [o["valueQuantity"]["value"] for o in observations if codes(o) & wanted and "valueQuantity" in o]
    spo2, pulse = values(SPO2), values(PULSE)
    problems = []
    for name, at_dom, were_sent in (("SpO2", spo2, sent_spo2), ("pulse rate", pulse, sent_pulse)):
        stray = sorted({v for v in at_dom if v not in were_sent})
        if stray: problems.append("%s %s at DOM was never sent" % (name, stray))
    if len(set(spo2)) < distinct:
        problems.append("%d different SpO2 values at DOM, expected at least %d" % (len(set(spo2)), distinct))
    return spo2, pulse, problems
