#!/usr/bin/env bash
# `make demo`: validate, plan and sync the example statusfiles against the bundled sandbox: it opens an
# incident from an incident.yaml, posts its updates, schedules a maintenance window, and shows the page.
# The sandbox runs on a free port for the length of the demo; the ledger is a throwaway copy,
# so the repository's own statusfiles/ledger.jsonl is never touched. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/statusfiles-demo.XXXXXX")
statusfiles sandbox --port 0 --api-key demo-key --state "$work/sandbox.json" \
  >"$work/sandbox.out" 2>"$work/sandbox.log" &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true; wait "$sandbox" 2>/dev/null || true' EXIT

# The sandbox's first line on stdout is its address.
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/sandbox.out" && break
  if ! kill -0 "$sandbox" 2>/dev/null; then
    cat "$work/sandbox.log" >&2
    exit 1
  fi
  sleep 0.1
done
url=$(sed -n '1s/.* listening on //p' "$work/sandbox.out")
[ -n "$url" ] || { echo "the sandbox did not start" >&2; exit 1; }

export INCIDENT_IO_API_KEY=demo-key INCIDENT_IO_BASE_URL="$url" STATUSFILES_LEDGER="$work/ledger.jsonl"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
step "statusfiles validate"
statusfiles validate
step "statusfiles plan"
statusfiles plan
step "statusfiles sync   (to the sandbox at $url)"
statusfiles sync
step "statusfiles sync   (again: nothing is ever posted twice)"
statusfiles sync
step "statusfiles active   (what the page shows as open now, and the folder that tracks each)"
statusfiles active

step "Done"
echo "The sandbox showed the updates to subscribers at $url/ (stopped now)."
echo "Browse that state again with:  statusfiles sandbox --state $work/sandbox.json"
echo "The demo's ledger:             $work/ledger.jsonl"
