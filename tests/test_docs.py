"""The documentation: every relative link leads somewhere, and the rule table is the code's list of rules.

The rules are checked three ways: the table in docs/file-format.md against ``sync.rulenames.RULES``, the
registry against the code (each name is emitted somewhere, and each name the code passes as a rule is
registered), and the registry against what the corpora expect.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.rulenames import RULES, SCHEMA_FALLBACK, is_registered
from tests.support.lint_corpus import HITS
from tests.support.repo import REPO
from tests.support.validation_corpus import INVALID

DOCS = [REPO / "README.md", REPO / "DEVELOPERS.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


# --- links -------------------------------------------------------------------------------------------


def prose(text: str) -> Iterator[str]:
    """The lines of a Markdown document outside its fenced code blocks."""
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            yield line


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens,
    and -1, -2, … on repeats."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose(path.read_text(encoding="utf-8")):
        if m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def broken_links(doc: Path) -> list[str]:
    """Each relative link in ``doc`` whose file, or anchor in that file, does not exist."""
    broken = []
    for line in prose(doc.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, …
                continue
            path_part, _, anchor = target.partition("#")
            path = (doc.parent / path_part).resolve() if path_part else doc
            if not path.exists():
                broken.append(f"{target}: no such file")
            elif anchor and (path.suffix != ".md" or anchor not in anchors(path)):
                broken.append(f"{target}: no such heading in {path.name}")
    return broken


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(doc: Path) -> None:
    assert broken_links(doc) == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## What `sync` does, in order\n")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Doc\n\n[ok](other.md#what-sync-does-in-order) [ok](#doc) [web](https://example.com/x)\n"
        "[gone](missing.md) [no heading](other.md#nowhere) [self](#nowhere-here)\n"
        "```\n[in code](missing-too.md)\n```\n"
    )
    assert broken_links(doc) == [
        "missing.md: no such file",
        "other.md#nowhere: no such heading in other.md",
        "#nowhere-here: no such heading in doc.md",
    ]


def test_readme_keeps_the_two_setup_commands_and_stays_short() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert len(readme.splitlines()) < 250, "the README is the newcomer's page: move detail to docs/"


# --- rules -------------------------------------------------------------------------------------------


def rule_table() -> list[str]:
    """The rule names in the first column of the table under "## Rules" in docs/file-format.md."""
    lines = list(prose((REPO / "docs" / "file-format.md").read_text(encoding="utf-8")))
    start = lines.index("## Rules")
    names: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


def test_the_rule_table_lists_every_rule_once_and_no_other() -> None:
    table = rule_table()
    assert sorted(set(table)) == sorted(table), "a rule listed twice"
    assert set(table) - RULES.keys() == set(), "in the table, not in sync/rulenames.py"
    assert RULES.keys() - set(table) == set(), "in sync/rulenames.py, not in the table"


CODE = [
    p for p in sorted((REPO / "sync").rglob("*.py")) if "sandbox" not in p.parts and p.name != "rulenames.py"
]
# Where each call that makes a diagnostic, or a problem that becomes one, takes its rule: (position, keyword).
RULE_ARGUMENT = {
    "Diagnostic": 5,
    "SchemaProblem": 2,
    "Problem": 4,
    "Finding": 0,
    "diagnostic": 2,
    "at_file": 3,
    "at_path": 2,
    "at_ledger": 2,
    "fatal": 3,
    "_blank": 2,
    "_ends_with_components": 4,
}


def rule_arguments(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, rule) for each rule passed to a RULE_ARGUMENT call as a string, or as a module constant."""
    constants = {
        t.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for t in node.targets
        if isinstance(t, ast.Name) and isinstance(node.value.value, str)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in RULE_ARGUMENT:
            continue
        at = RULE_ARGUMENT[name]
        args = [*node.args[at : at + 1], *(k.value for k in node.keywords if k.arg == "rule")]
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield node.lineno, arg.value
            elif isinstance(arg, ast.Name) and arg.id in constants:
                yield node.lineno, constants[arg.id]
            elif isinstance(arg, ast.IfExp):
                yield from (
                    (node.lineno, v.value) for v in (arg.body, arg.orelse) if isinstance(v, ast.Constant)
                )


def test_every_rule_the_code_passes_is_registered() -> None:
    found, unregistered = set(), []
    for path in CODE:
        for line, rule in rule_arguments(ast.parse(path.read_text(encoding="utf-8"))):
            found.add(rule)
            if not is_registered(rule):
                unregistered.append(f"{path.relative_to(REPO)}:{line}: {rule}")
    assert unregistered == [], "add these to sync/rulenames.py and the rule table in docs/file-format.md"
    assert len(found) > 40, "the scan no longer finds the code's rules"


def test_every_registered_rule_is_in_the_code() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in CODE)
    missing = [r for r in RULES if r != SCHEMA_FALLBACK and f'"{r}"' not in code]
    assert missing == [], "registered, but nothing emits them"


def test_every_rule_the_corpora_expect_is_registered() -> None:
    expected = {rule for c in INVALID for rule, *_ in c.expected} | {
        rule for h in HITS for rule, _ in h.expected
    }
    assert expected, "the corpora are empty"
    assert {r for r in expected if not is_registered(r)} == set()


def test_is_registered_knows_only_the_registry_and_schema_keywords() -> None:
    assert is_registered("yaml-anchor") and is_registered("schema-minItems")
    assert not is_registered("yaml-anchors") and not is_registered("")
