#!/usr/bin/env bash
# Creates .venv with the independent FHIR validator (fhir.resources from PyPI). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import fhir.resources.R4B.bundle' >/dev/null 2>&1; then exit 0; fi
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
"$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check fhir.resources==8.3.0
echo "setup: .venv ready with fhir.resources 8.3.0"
