#!/usr/bin/env bash
# Screenshot of the reviewer's attempt page: a real backend, a real unattended interview
# uploaded to it, and headless Chromium (Debian's `chromium`) signed in as a reviewer.
#   scripts/test-env scripts/take_review_screenshot.sh docs/screenshots/review-attempt.png
set -euo pipefail
out=${1:-docs/screenshots/review-attempt.png}
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'kill $backend 2>/dev/null; rm -rf "$work"' EXIT
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY main.py backend --data "$work/backend" --port "$port" >"$work/backend.log" 2>&1 &
backend=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
station=$($PY main.py backend token create --data "$work/backend" --role station --name CAND-0042)
reviewer=$($PY main.py backend token create --data "$work/backend" --role reviewer --name reviewer)
mkdir -p "$work/answers"
cp ../shared/testdata/speech/jfk.wav "$work/answers/1.wav"
cp ../shared/testdata/speech/cathy_arctic_a0024_1592747999.wav "$work/answers/2.wav"
cp ../shared/testdata/speech/pocketsphinx_sense_and_sensibility_0870.wav "$work/answers/3.wav"
$PY main.py run --interview tests/cli/run_interview.yaml \
  --camera ../shared/testdata/faces/intel_head-pose-face-detection-female.mp4 \
  --answers "$work/answers" --out "$work/out" \
  --backend "http://127.0.0.1:$port" --token "$station" --json
id=$(curl -sf -H "Authorization: Bearer $reviewer" "http://127.0.0.1:$port/api/attempts" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,900)
"${chrome[@]}" --dump-dom "http://127.0.0.1:$port/review/login?token=$reviewer" >/dev/null 2>&1
"${chrome[@]}" --virtual-time-budget=5000 --screenshot="$work/shot.png" \
  "http://127.0.0.1:$port/review/attempts/$id" >/dev/null 2>&1
cp "$work/shot.png" "$out"
echo "saved $out"
