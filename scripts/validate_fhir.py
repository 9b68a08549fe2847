#!/usr/bin/env python3
"""Validates FHIR Bundles with fhir.resources (R4B models), independently of our Swift code, and checks every
resource claiming a PHD IG profile against the IG v1.1.0 profile sources (scripts/phd_conformance.py).

Usage: validate_fhir.py [FILE ...]   (no FILE or "-": read stdin)
Each input is either one JSON document or NDJSON (one Bundle per line).
Prints "OK n" when all n bundles validate and conform; otherwise prints each error (INVALID for fhir.resources,
NONCONFORMANT for a PHD IG profile rule) and exits 1.
Set up the interpreter first: scripts/setup-python.sh (creates .venv).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import phd_conformance  # noqa: E402  (beside this script)

try:
    from fhir.resources.R4B.bundle import Bundle
except ImportError:  # pragma: no cover - environment problem, not a validation result
    sys.stderr.write("fhir.resources is not installed: run scripts/setup-python.sh and use .venv/bin/python\n")
    sys.exit(2)


def main(argv):
    sources = argv[1:] or ["-"]
    count = 0
    failures = 0
    conformant_resources = 0
    try:
        checker = phd_conformance.Checker(phd_conformance.DEFAULT_PROFILES)
    except (phd_conformance.SourceError, OSError) as error:
        print(f"UNUSABLE PHD IG profile sources: {error}")
        return 2
    for source in sources:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
        try:
            docs = phd_conformance.documents("stdin" if source == "-" else source, text)
        except json.JSONDecodeError as error:
            print(f"INVALID {source}: not JSON: {error}")
            failures += 1
            continue
        for name, doc in docs:
            count += 1
            try:
                if doc.get("resourceType") != "Bundle":
                    raise ValueError(f"resourceType is {doc.get('resourceType')!r}, expected 'Bundle'")
                Bundle.model_validate(doc)
            except Exception as error:  # pydantic ValidationError and our own checks
                failures += 1
                print(f"INVALID {name}: {error}")
                continue
            lines = []
            try:
                resources, violations = phd_conformance.check_bundle(checker, name, doc, lines)
            except phd_conformance.SourceError as error:
                print(f"UNUSABLE PHD IG profile sources: {error}")
                return 2
            conformant_resources += resources
            if violations:
                failures += 1
                print("\n".join(lines))
    if failures:
        print(f"FAILED {failures} of {count}")
        return 1
    print(f"OK {count} (PHD IG v1.1.0 profiles: {conformant_resources} resources conformant)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
