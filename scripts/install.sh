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
# statusfiles. uv is the runner's when it has one (like its git and Python), else the one uv-requirements.txt
# locks, installed into PYTHON by pip only when its wheel has one of the locked hashes.
set -euo pipefail

venv=$1
python=${PYTHON:-python3}
source=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if command -v uv >/dev/null; then
  uv=(uv)
else
  uv=("$python" -m uv)
  # Another version already in PYTHON (an earlier, unpinned install) is replaced, without running it.
  locked=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' "$source/uv-requirements.txt")
  installed=$("$python" -c 'from importlib.metadata import version; print(version("uv"))' 2>/dev/null || true)
  if [ "$installed" != "$locked" ]; then
    "$python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
      -r "$source/uv-requirements.txt"
  fi
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
