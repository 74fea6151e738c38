#!/usr/bin/env bash
# `make demo`: validate and show the example statusfiles.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== statusfiles validate"
statusfiles validate
