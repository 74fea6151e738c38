"""scripts/install.sh on a runner without uv: it installs only the uv that uv-requirements.txt locks, and only
from a wheel with one of its hashes.

The index is a local folder of wheels (pip's find-links, no network) holding a stand-in named like uv that
only records that it ran; the interpreter is a new virtualenv with pip and without uv.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pip

from tests.support.repo import REPO

SCRIPT = REPO / "scripts" / "install.sh"
[LOCKED] = re.findall(r"^uv==(\S+)", (REPO / "uv-requirements.txt").read_text(), re.MULTILINE)


def stand_in_wheel(folder: Path, version: str, ran: Path) -> Path:
    """A wheel named like uv's: `python -m uv ARGS` appends ARGS to ``ran`` and does nothing else."""
    info = f"uv-{version}.dist-info"
    files = {
        "uv/__init__.py": "",
        "uv/__main__.py": (
            f"import sys\nwith open({str(ran)!r}, 'a') as f:\n    f.write(' '.join(sys.argv[1:]) + '\\n')\n"
        ),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"uv-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return wheel


def python_without_uv(tmp: Path) -> Path:
    """A new virtualenv's interpreter with this environment's pip and nothing else."""
    venv = tmp / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "pip").symlink_to(Path(pip.__file__).parent)
    return python


def tools(tmp: Path) -> Path:
    """A PATH of the commands install.sh uses, so that no uv of this machine's is found."""
    folder = tmp / "bin"
    folder.mkdir()
    for name in ("bash", "dirname", "sed", "cp", "chmod"):
        found = shutil.which(name)
        assert found, name
        (folder / name).symlink_to(found)
    return folder


def pip_install(python: Path, wheel: Path) -> None:
    """Install ``wheel`` as an earlier install.sh, or someone else, would have: no hash checked."""
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check", wheel],
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
        check=True,
    )


def install(tmp: Path, python: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(tools(tmp)),
        "HOME": str(tmp / "home"),
        "PYTHON": str(python),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_NO_CACHE_DIR": "1",
    }
    return subprocess.run(
        [str(SCRIPT), str(tmp / "venv")], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def has_uv(python: Path) -> str | None:
    proc = subprocess.run(
        [python, "-c", "from importlib.metadata import version; print(version('uv'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_a_uv_wheel_without_a_locked_hash_is_refused_and_never_run(tmp_path: Path) -> None:
    python, ran = python_without_uv(tmp_path), tmp_path / "ran"
    wheels = stand_in_wheel(tmp_path / "wheels", LOCKED, ran).parent  # the locked version, another wheel

    proc = install(tmp_path, python, wheels)

    assert proc.returncode != 0
    assert "DO NOT MATCH THE HASHES" in proc.stderr
    assert not ran.exists() and has_uv(python) is None and not (tmp_path / "venv").exists()


def test_another_uv_already_in_the_interpreter_is_never_run(tmp_path: Path) -> None:
    python, ran = python_without_uv(tmp_path), tmp_path / "ran"
    pip_install(python, stand_in_wheel(tmp_path / "old", "0.4.0", ran))
    wheels = stand_in_wheel(tmp_path / "wheels", LOCKED, tmp_path / "ran-new").parent

    proc = install(tmp_path, python, wheels)

    # The locked version is asked for (and this stand-in of it refused): the old one never ran, not even
    # to tell its version.
    assert proc.returncode != 0 and "DO NOT MATCH THE HASHES" in proc.stderr
    assert not ran.exists() and not (tmp_path / "ran-new").exists()
    assert has_uv(python) == "0.4.0"


def test_the_locked_uv_already_in_the_interpreter_is_used_without_asking_the_index(tmp_path: Path) -> None:
    python, ran = python_without_uv(tmp_path), tmp_path / "ran"
    pip_install(python, stand_in_wheel(tmp_path / "earlier", LOCKED, ran))  # as an earlier run left it

    proc = install(tmp_path, python, tmp_path / "no-wheels")

    # No pip install (the index is empty: it would have failed); the stand-in is asked to make the venv.
    assert "DO NOT MATCH" not in proc.stderr and "No matching distribution" not in proc.stderr
    assert ran.read_text().splitlines()[0].startswith("venv --quiet --python ")
