#!/usr/bin/env bash
# Creates .venv at the repository root with fhir.resources (independent FHIR R4B validator used by
# scripts/validate_fhir.py and the IoMTFHIRTests). Idempotent: re-running keeps a good venv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
wanted="8.3.0"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("fhir.resources"))' 2>/dev/null || true)"
if [ "$installed" != "$wanted" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "fhir.resources==$wanted"
fi
"$venv/bin/python" -c 'import fhir.resources.R4B.bundle' && echo "fhir.resources $wanted ready in $venv"
