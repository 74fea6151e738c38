"""Every corpus file gives exactly the diagnostics listed for it, through the loader and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import INVALID, VALID, Case
from helpers import run_json

from sync.diagnostics import StatusfileError
from sync.statusfile import Source, load_bytes


def _source(name: str) -> Source:
    return Source(path=Path(name), display=f"{name}.yaml", rel=f"{name}.yaml")


def _outcome(c: Case, *, pure: bool) -> tuple[tuple[str, int, int, str], ...]:
    try:
        load_bytes(c.content, _source(c.name), pure=pure)
    except StatusfileError as exc:
        return tuple((d.rule, d.line, d.column, d.field) for d in exc.diagnostics)
    return ()


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure"])
@pytest.mark.parametrize("c", VALID + INVALID, ids=lambda c: c.name)
def test_case(c: Case, pure: bool) -> None:
    assert _outcome(c, pure=pure) == c.expected


def test_corpus_names_are_unique() -> None:
    names = [c.name for c in VALID + INVALID]
    assert len(names) == len(set(names))


def test_every_rule_is_exercised() -> None:
    """The corpus is the documentation of the rules: each one appears in it."""
    rules = {rule for c in INVALID for rule, *_ in c.expected}
    assert rules >= {
        "not-utf8",
        "file-too-large",
        "empty-file",
        "yaml-multiple-documents",
        "not-a-mapping",
        "yaml-syntax",
        "yaml-duplicate-key",
        "yaml-anchor",
        "yaml-alias",
        "yaml-merge-key",
        "yaml-tag",
        "yaml-complex-key",
        "yaml-too-deep",
        "yaml-implicit-type",
        "yaml-boolean",
        "required",
        "unknown-field",
        "enum",
        "type",
        "max-length",
        "resolved-with-components",
        "duplicate-component",
        "blank-message",
        "empty-id",
        "id-whitespace",
        "too-many-components",
        "id-too-long",
        "yaml-trailing-comment",
        "yaml-hidden-line-break",
        "yaml-surrogate",
    }


def test_cli_reports_every_file_in_one_run(tmp_path: Path) -> None:
    root = tmp_path / "statusfiles"
    for c in VALID + INVALID:
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        (root / "corpus" / f"{c.name}.yaml").write_bytes(c.content)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert report["summary"] == {
        "files_checked": len(VALID) + len(INVALID),
        "files_failed": len(INVALID),
        "errors": sum(len(c.expected) for c in INVALID),
        "warnings": 0,
    }
    got: dict[str, list[tuple[str, int, int, str]]] = {}
    for d in report["diagnostics"]:
        got.setdefault(d["file"], []).append((d["rule"], d["line"], d["column"], d["field"]))
        assert d["severity"] == "error" and d["message"]
    assert got == {f"statusfiles/corpus/{c.name}.yaml": list(c.expected) for c in INVALID}
