#!/usr/bin/env bash
# Builds the frozen app into dist/interview-kiosk/ and smoke-tests it.
set -euo pipefail
cd "$(dirname "$0")/.."
make setup
.venv/bin/pip install -q pyinstaller==6.22.3
.venv/bin/pyinstaller --noconfirm --distpath dist --workpath build installer/interview_kiosk.spec
.venv/bin/python installer/smoke_test.py dist/interview-kiosk/interview-kiosk
