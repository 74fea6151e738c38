"""Strings read from the ledger reach the plan and the sync report escaped, as file names from disk do: a
hostile ledger line cannot move the cursor, start a line of its own (a GitHub workflow command) or break out
of Markdown code."""

from __future__ import annotations

from pathlib import Path

from sync.sandbox import Sandbox
from sync.statusfile import Source, load_statusfile
from tests.support.cli import run_cli, sync_env
from tests.support.payloads import update, write_statusfile
from tests.support.planning import Ledger

HOSTILE = "old\x1b]0;owned\x07\x1b[2J\n::error file=x::forged\n\n# heading `code` |cell|.yaml"
ESCAPED = "old\\x1b]0;owned\\x07\\x1b[2J\\n::error file=x::forged\\n\\n# heading `code` |cell|.yaml"


def _posted_at(project: Path, rel: str, path: str, update_id: str = "U1") -> None:
    """Record the file at ``rel`` as posted from ``path``: the plan sees a move from ``path``."""
    file = project / "statusfiles" / rel
    f = load_statusfile(Source(file, str(file), rel))
    records = Ledger().posted(f, path=path, update_id=update_id)
    (project / "statusfiles" / "ledger.jsonl").write_text("".join(records.lines))


def _project(tmp_path: Path) -> Path:
    write_statusfile(
        tmp_path / "statusfiles" / "2026-11-26-api" / "01-investigating.yaml", update("Looking.")
    )
    return tmp_path


def _safe(text: str) -> None:
    """Nothing raw from HOSTILE: no control character but newlines, no line made by it."""
    assert not any(c < " " and c != "\n" for c in text), text
    assert not any(line.startswith(("::error", "# heading")) for line in text.splitlines()), text


def test_plan_text_and_github_escape_a_ledger_path(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _posted_at(project, "2026-11-26-api/01-investigating.yaml", HOSTILE)
    for fmt in ("text", "github"):
        proc = run_cli("plan", "--format", fmt, cwd=project)
        assert proc.returncode == 0, proc.stdout
        assert f"Moved: {ESCAPED} -> 2026-11-26-api/01-investigating.yaml" in proc.stdout
        _safe(proc.stdout)


def test_plan_markdown_shows_a_ledger_path_as_one_line_of_code(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _posted_at(project, "2026-11-26-api/01-investigating.yaml", HOSTILE)
    proc = run_cli("plan", "--format", "markdown", cwd=project)
    assert proc.returncode == 0, proc.stdout
    quoted = ESCAPED.replace("`", "'")
    assert f"- `{quoted}` → `2026-11-26-api/01-investigating.yaml`" in proc.stdout
    _safe(proc.stdout)


def test_sync_report_escapes_an_update_id_from_the_ledger(sandbox: Sandbox, tmp_path: Path) -> None:
    project = _project(tmp_path)
    _posted_at(project, "2026-11-26-api/01-investigating.yaml", "old/01.yaml", update_id=HOSTILE)
    summary = tmp_path / "summary.md"
    env = {**sync_env(sandbox.base_url), "GITHUB_STEP_SUMMARY": str(summary)}
    proc = run_cli("sync", cwd=project, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"update {ESCAPED}" in proc.stdout
    _safe(proc.stdout)
    markdown = summary.read_text()
    assert "`" + ESCAPED.replace("`", "'").replace("|", "\\|") + "` |" in markdown
    _safe(markdown)
