#!/usr/bin/env python3
"""Validates FHIR Bundles with fhir.resources (R4B models), independently of our Swift code.

Usage: validate_fhir.py [FILE ...]   (no FILE or "-": read stdin)
Each input is either one JSON document or NDJSON (one Bundle per line).
Prints "OK n" when all n bundles validate; otherwise prints each error and exits 1.
Set up the interpreter first: scripts/setup-python.sh (creates .venv).
"""
import json
import sys

try:
    from fhir.resources.R4B.bundle import Bundle
except ImportError:  # pragma: no cover - environment problem, not a validation result
    sys.stderr.write("fhir.resources is not installed: run scripts/setup-python.sh and use .venv/bin/python\n")
    sys.exit(2)


def documents(name, text):
    stripped = text.strip()
    if not stripped:
        return []
    try:
        return [(name, json.loads(stripped))]
    except json.JSONDecodeError:
        pass
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            result.append((f"{name}:{number}", json.loads(line)))
    return result


def main(argv):
    sources = argv[1:] or ["-"]
    count = 0
    failures = 0
    for source in sources:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
        try:
            docs = documents("stdin" if source == "-" else source, text)
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
    if failures:
        print(f"FAILED {failures} of {count}")
        return 1
    print(f"OK {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
