"""Every corpus file gives exactly the diagnostics listed for it, through the loader and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.diagnostics import StatusfileError
from sync.kinds import DECLARATION_FILES, Placement, declarations, place
from sync.statusfile import Source, load_bytes
from tests.support.cli import run_json
from tests.support.validation_corpus import INVALID, VALID, Case

# A valid declaration to put beside an update case, by the update's kind.
BESIDE = {
    "incident-update": next(c for c in VALID if c.name == "incident-minimal"),
    "maintenance-update": next(c for c in VALID if c.name == "maintenance-minimal"),
}


def corpus_path(c: Case) -> str:
    """Where the case lives under statusfiles/corpus/: its kind follows from its name and folder."""
    if c.kind is None:
        return f"{c.name}.yaml"
    if c.kind in ("incident", "maintenance"):
        return f"{c.name}/{c.kind}.yaml"
    return f"{c.name}/01-update.yaml"


def declaration_beside(c: Case) -> str | None:
    if c.kind in BESIDE:
        return f"{c.name}/{DECLARATION_FILES[c.kind == 'maintenance-update']}"
    return None


def _placement(c: Case) -> Placement:
    rels = [corpus_path(c), *filter(None, [declaration_beside(c)])]
    return place(corpus_path(c), declarations(rels))


def _outcome(c: Case, *, pure: bool) -> tuple[tuple[str, int, int, str], ...]:
    rel = corpus_path(c)
    try:
        load_bytes(c.content, Source(Path(rel), rel, rel), pure=pure, placement=_placement(c))
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
        "injected-field",
        "blank-name",
        "naive-time",
        "date-time",
        "end-before-start",
        "complete-with-components",
        "too-many-components",
        "id-too-long",
        "yaml-trailing-comment",
        "yaml-hidden-line-break",
        "yaml-surrogate",
    }


def test_every_kind_has_cases() -> None:
    for kind in ("incident", "maintenance", "incident-update", "maintenance-update", None):
        assert any(c.kind == kind for c in VALID) and any(c.kind == kind for c in INVALID), kind


def test_cli_reports_every_file_in_one_run(tmp_path: Path) -> None:
    root = tmp_path / "statusfiles" / "corpus"
    beside = 0
    for c in VALID + INVALID:
        (root / corpus_path(c)).parent.mkdir(parents=True, exist_ok=True)
        (root / corpus_path(c)).write_bytes(c.content)
        if declaration := declaration_beside(c):
            (root / declaration).write_bytes(BESIDE[str(c.kind)].content)
            beside += 1
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert report["summary"] == {
        "files_checked": len(VALID) + len(INVALID) + beside,
        "files_failed": len(INVALID),
        "errors": sum(len(c.expected) for c in INVALID),
        "warnings": 0,
    }
    got: dict[str, list[tuple[str, int, int, str]]] = {}
    for d in report["diagnostics"]:
        got.setdefault(d["file"], []).append((d["rule"], d["line"], d["column"], d["field"]))
        assert d["severity"] == "error" and d["message"]
    assert got == {f"statusfiles/corpus/{corpus_path(c)}": list(c.expected) for c in INVALID}
