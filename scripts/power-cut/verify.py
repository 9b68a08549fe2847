#!/usr/bin/python3
"""Checks what the durability harnesses promise: every reading iomtd acknowledged (a `COMMITTED <device> <identifier>`
line of its commit witness, IOMT_COMMIT_WITNESS) is held by the DOM receiver (its --data NDJSON), exactly once.

usage: verify.py --receiver DOM.ndjson WITNESS_FILE... [--json OUT] [--quiet]
Witness files may hold other lines (a serial console log); only complete lines (ending in a newline) count:
a line torn by a power cut was never fully reported. The receiver's identifiers carry the patient part
(`<PESEL>-<system>`), the witness has `unbound` in its place (no patient identifier leaves the guest's
console); both are compared in the witness form. Exit 0 when nothing is lost or duplicated, 1 otherwise."""
import argparse, collections, json, os, re, sys

PATIENT_PART = re.compile(r'-[0-9A-Za-z]+-urn:oid:2\.16\.840\.1\.113883\.3\.4424\.1\.1\.616-')

def leaks(paths, forbidden):
    """Witness lines carrying a forbidden text (a patient identifier): must be none."""
    return sum(1 for path in paths for line in open(path, 'rb').read().decode('utf-8', 'replace').split('\n')
               if 'COMMITTED ' in line and any(f in line for f in forbidden)) if forbidden else 0

def witnessed(paths):
    """identifier -> number of COMMITTED lines naming it; identifier -> the witness file that named it first."""
    seen = collections.Counter(); origin = {}
    for path in paths:
        try: data = open(path, 'rb').read().decode('utf-8', 'replace')
        except FileNotFoundError: continue                       # nothing acknowledged (yet)
        lines = data.split('\n')
        if not data.endswith('\n'): lines = lines[:-1]          # torn by the cut: not reported
        for line in lines:
            line = line.rstrip('\r')
            at = line.find('COMMITTED ')
            if at < 0: continue
            parts = line[at:].split(' ')
            if len(parts) == 3 and parts[2]:
                seen[parts[2]] += 1; origin.setdefault(parts[2], os.path.basename(path))
    return seen, origin

def received(path):
    """identifier (witness form) -> number of Observation resources holding it."""
    held = collections.Counter()
    try: stream = open(path, 'rb')
    except FileNotFoundError: return held
    with stream:
        for raw in stream:
            try: resource = json.loads(raw)
            except ValueError: continue                         # a torn last line: never acknowledged by DOM
            if resource.get('resourceType') != 'Observation': continue
            for identifier in resource.get('identifier', []):
                value = identifier.get('value')
                if value: held[PATIENT_PART.sub('-unbound-', value, count=1)] += 1
    return held

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--receiver', required=True)
    ap.add_argument('--json')
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--forbid', action='append', default=[], help='text no witness line may contain (the patient identifier)')
    ap.add_argument('witness', nargs='+')
    a = ap.parse_args()
    (acked, origin), held = witnessed(a.witness), received(a.receiver)
    lost = sorted(i for i in acked if i not in held)
    leaked = leaks([w for w in a.witness if os.path.exists(w)], a.forbid)
    duplicated = sorted(i for i, n in held.items() if n > 1)
    figures = dict(acknowledged=len(acked), witnessLines=sum(acked.values()),
                   acknowledgedTwice=sum(1 for n in acked.values() if n > 1),
                   receiverObservations=sum(held.values()), lost=len(lost), duplicated=len(duplicated),
                   lostExamples=lost[:5], duplicatedExamples=duplicated[:5],
                   patientIdentifierLines=leaked, lostByFile=dict(collections.Counter(origin[i] for i in lost)))
    if a.json: json.dump(figures, open(a.json, 'w'), indent=1)
    if not a.quiet:
        print('VERIFY acknowledged=%(acknowledged)d (witness lines %(witnessLines)d, identifiers committed twice '
              '%(acknowledgedTwice)d) receiver observations=%(receiverObservations)d lost=%(lost)d duplicated=%(duplicated)d' % figures)
        if leaked: print('  %d witness line(s) carry the patient identifier' % leaked)
        for i in lost[:5]: print('  LOST ' + i)
        for i in duplicated[:5]: print('  DUPLICATED ' + i)
    return 1 if lost or duplicated or leaked else 0

if __name__ == '__main__':
    sys.exit(main())
