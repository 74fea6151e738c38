#!/usr/bin/env bash
# Install statusfiles into a new virtualenv, in well under a second with a warm cache: what action.yml's
# `Install statusfiles` step and the publish workflow run.
#
# The dependencies are exactly those action-requirements.txt locks (versions and hashes), taken from uv's
# cache when it has them (no resolving, no request to the index), else from PyPI. statusfiles itself is
# copied from this checkout as its wheel lays it out (the package, with the schemas inside it), so no wheel
# is built: building one in an isolated environment took most of the install's time.
#
# Usage: scripts/install.sh VENV    PYTHON: the interpreter (default python3). Afterwards VENV/bin holds
# statusfiles. uv is the runner's when it has one, else installed from PyPI into PYTHON.
set -euo pipefail

venv=$1
python=${PYTHON:-python3}
source=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if command -v uv >/dev/null; then
  uv=(uv)
else
  uv=("$python" -m uv)
  "${uv[@]}" --version >/dev/null 2>&1 ||
    "$python" -m pip install --quiet --disable-pip-version-check "uv>=0.5"
fi
"${uv[@]}" venv --quiet --python "$python" "$venv"
install=("${uv[@]}" pip install --quiet --python "$venv/bin/python" --require-hashes --no-deps
  -r "$source/action-requirements.txt")
"${install[@]}" --offline 2>/dev/null || "${install[@]}"

site=$("$venv/bin/python" -c 'import sys, sysconfig
if sys.version_info < (3, 11):
    sys.exit("statusfiles needs Python 3.11 or newer")
print(sysconfig.get_path("purelib"))')
cp -R "$source/sync" "$site/sync"
cp -R "$source/schemas" "$site/sync/schemas"
# The command, as an installer writes it for the entry point in pyproject.toml.
printf '#!%s\nimport sys\n\nfrom sync.cli import main\n\nsys.exit(main())\n' "$venv/bin/python" >"$venv/bin/statusfiles"
chmod +x "$venv/bin/statusfiles"
