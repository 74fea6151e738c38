"""The repository the tests run in, and copies of its example statusfiles."""

from __future__ import annotations

import shutil
from pathlib import Path

from sync.kinds import DECLARATION_FILES

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "statusfiles"


def copy_examples(dest: Path, *, declared: bool = False) -> Path:
    """The repository's example folders of updates to incidents created elsewhere (they match the sandbox's
    seed), without its ledger; with ``declared``, its declared incident and maintenance window too.

    Most tests count on exactly those updates; tests of declared objects build their own folders.
    """
    root = dest / "statusfiles"
    root.mkdir(parents=True)
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        if declared or not any((folder / name).exists() for name in DECLARATION_FILES):
            shutil.copytree(folder, root / folder.name)
    return dest
