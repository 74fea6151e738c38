"""The linter of public text, through the CLI: every rule on its corpus, exact positions, no false
positives, secrets never shown, configuration, inline allowances, and plan and sync."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.support.cli import run_cli, run_json
from tests.support.lint_corpus import CLEAN, HITS, SECRETS, Hit
from tests.support.payloads import HEAD

ROOT = "statusfiles"


def locate(content: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` after the ``message:`` key."""
    at = content.index(needle, content.index("message:"))
    return content.count("\n", 0, at) + 1, at - (content.rfind("\n", 0, at) + 1) + 1


def write(tmp_path: Path, files: dict[str, str], config: str | None = None) -> Path:
    root = tmp_path / ROOT
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    if config is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / ".lint.yaml").write_text(config, encoding="utf-8")
    return root


def found(report: dict, file: str | None = None) -> list[tuple[str, int, int, str]]:
    return [
        (d["rule"], d["line"], d["column"], d["severity"])
        for d in report["diagnostics"]
        if file is None or d["file"].endswith(file)
    ]


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One validate run over the whole corpus (true and false positives), as CI runs it."""
    tmp = tmp_path_factory.mktemp("lint-corpus")
    files = {f"hits/{h.name}.yaml": h.content for h in HITS}
    files |= {f"clean/{i:02d}.yaml": HEAD + "message: |\n  " + text + "\n" for i, text in enumerate(CLEAN)}
    write(tmp, files)
    code, report = run_json("validate", cwd=tmp)
    assert code == 1, report
    return report


@pytest.mark.parametrize("hit", HITS, ids=lambda h: h.name)
def test_rule_fires_with_exact_position(corpus_report: dict, hit: Hit) -> None:
    expected = []
    for rule, needle in hit.expected:
        line, col = locate(hit.content, needle)
        expected.append((rule, line, col, "warning" if rule == "email" else "error"))
    assert found(corpus_report, f"hits/{hit.name}.yaml") == sorted(expected, key=lambda e: (e[1], e[2]))


def test_every_rule_has_a_corpus() -> None:
    assert {rule for h in HITS for rule, _ in h.expected} == {
        "secret",
        "private-address",
        "internal-host",
        "mention",
        "raw-log",
        "email",
    }


def test_no_rule_fires_on_clean_text(corpus_report: dict) -> None:
    clean = [d for d in corpus_report["diagnostics"] if "/clean/" in d["file"]]
    assert clean == []
    checked = corpus_report["summary"]["files_checked"]
    assert checked == len(HITS) + len(CLEAN)
    # Every hit file fails except those whose only findings are e-mail warnings.
    failing = sum(1 for h in HITS if any(rule != "email" for rule, _ in h.expected))
    assert corpus_report["summary"]["files_failed"] == failing


# --- positions in every scalar style ---------------------------------------------


@pytest.mark.parametrize(
    ("message_yaml", "line", "column"),
    [
        # the third line of a | block: line 6 (message: is line 3), after "  The primary "
        (
            " |\n  We are investigating.\n  Customers may see errors.\n  The primary 10.20.30.40 failed.\n",
            6,
            15,
        ),
        (" >\n  We are investigating\n  elevated errors from\n  10.20.30.40 today.\n", 6, 3),
        (" |+\n\n  blank line first, then\n    indented 10.20.30.40\n", 6, 14),
        (" Failover from the old\n  primary 10.20.30.40 done.\n", 4, 11),
        (' "Tab\\there, \\u00e9 then 10.20.30.40"\n', 3, 34),
        (' "Escaped \\\n  line break, then 10.20.30.40"\n', 4, 20),
        (" 'It''s 10.20.30.40 now'\n", 3, 17),
        (' "Ünïcödé ✓ 10.20.30.40"\n', 3, 21),
        (" |\n  tab\tinside, then 10.20.30.40\n", 4, 20),
    ],
    ids=[
        "literal-3rd-line",
        "folded",
        "keep-indented",
        "plain-2-lines",
        "double-escapes",
        "escaped-break",
        "single-quotes",
        "unicode",
        "tab",
    ],
)
def test_position_in_each_style(tmp_path: Path, message_yaml: str, line: int, column: int) -> None:
    write(tmp_path, {"a/01.yaml": HEAD + "message:" + message_yaml})
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert found(report) == [("private-address", line, column, "error")]


def test_position_with_crlf_line_endings(tmp_path: Path) -> None:
    text = (HEAD + "message: |\n  First line.\n  Then 10.20.30.40 failed.\n").replace("\n", "\r\n")
    write(tmp_path, {"a/01.yaml": text})
    _, report = run_json("validate", cwd=tmp_path)
    assert found(report) == [("private-address", 5, 8, "error")]


# --- secrets are never shown ------------------------------------------------------


def _secret_files() -> dict[str, str]:
    return {f"leak/{h.name}.yaml": h.content for h in HITS if any(rule == "secret" for rule, _ in h.expected)}


def _assert_no_secret(output: str) -> None:
    for name, secret in SECRETS.items():
        random_part = secret[len(secret) // 3 :]  # past any well-known prefix
        assert random_part not in output, f"{name} leaked"


def test_secrets_never_appear_in_any_output(tmp_path: Path) -> None:
    write(tmp_path, _secret_files())
    outputs = []
    for fmt in ("text", "json", "github"):
        proc = run_cli("validate", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1
        outputs.append(proc.stdout + proc.stderr)
    assert outputs[0].count("[secret]") == len(_secret_files())
    assert "********" in outputs[0]
    for fmt in ("text", "markdown", "json"):
        proc = run_cli("plan", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1
        outputs.append(proc.stdout + proc.stderr)
    summary = tmp_path / "summary.md"
    proc = run_cli(
        "sync",
        "--format",
        "json",
        "--base-url",
        "http://127.0.0.1:9",
        cwd=tmp_path,
        env={"INCIDENT_IO_API_KEY": "test-key", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert proc.returncode == 1
    assert '"rule": "secret"' in proc.stdout
    assert "**secret**" in summary.read_text(encoding="utf-8")
    outputs += [proc.stdout + proc.stderr, summary.read_text(encoding="utf-8")]
    for output in outputs:
        _assert_no_secret(output)


# --- configuration ------------------------------------------------------------------

LEAKY = (
    HEAD
    + "message: |\n  Ask alice@acme.com; 10.0.0.7 and grafana.corp were down, as was wiki.acme-prod.net.\n"
)


def test_configuration_changes_severity_suffixes_and_allowlists(tmp_path: Path) -> None:
    write(tmp_path, {"a/01.yaml": LEAKY})
    _, default = run_json("validate", cwd=tmp_path)
    assert [d[0] for d in found(default)] == ["email", "private-address", "internal-host"]

    config = (
        "# what this repository's public text may hold\n"
        "rules:\n  email: error\n  private-address: warning\n"
        "internal_suffixes: [.acme-prod.net]\n"
    )
    write(tmp_path, {}, config)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert found(report) == [
        ("email", 4, 7, "error"),
        ("private-address", 4, 23, "warning"),
        ("internal-host", 4, 36, "error"),
        ("internal-host", 4, 67, "error"),
    ]

    config = 'rules:\n  internal-host: "off"\nallow:\n  addresses: [10.0.0.0/24]\n  emails: ["*@acme.com"]\n'
    write(tmp_path, {}, config)
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, found(report)) == (0, [])

    # YAML reads an unquoted off as a boolean, so false means off too
    write(tmp_path, {}, "rules:\n  internal-host: false\n  private-address: false\n")
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, found(report)) == (0, [("email", 4, 7, "warning")])


def test_configuration_errors_are_diagnostics(tmp_path: Path) -> None:
    config = (
        "rules:\n"
        "  secret: warning\n"  # 2
        "  emial: warning\n"  # 3
        "  email: sometimes\n"  # 4
        "internal_suffix: [.corp]\n"  # 5
        "allow:\n"
        "  addresses: [10.0.0.0/33, 'not a host']\n"  # 7
        "  emails: [nobody]\n"  # 8
    )
    write(tmp_path, {"a/01.yaml": HEAD + "message: Fine.\n"}, config)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    got = [(d["file"], d["line"], d["column"], d["rule"], d["field"]) for d in report["diagnostics"]]
    cfg = f"{ROOT}/.lint.yaml"
    assert got == [
        (cfg, 2, 11, "lint-config", "rules.secret"),
        (cfg, 3, 3, "lint-config", "rules.emial"),
        (cfg, 4, 10, "lint-config", "rules.email"),
        (cfg, 5, 1, "lint-config", "internal_suffix"),
        (cfg, 7, 15, "lint-config", "allow.addresses[0]"),
        (cfg, 7, 28, "lint-config", "allow.addresses[1]"),
        (cfg, 8, 12, "lint-config", "allow.emails[0]"),
    ]
    messages = " ".join(d["message"] for d in report["diagnostics"])
    assert "did you mean 'email'?" in messages and "did you mean 'internal_suffixes'?" in messages
    assert report["summary"] == {"files_checked": 1, "files_failed": 0, "errors": 7, "warnings": 0}

    proc = run_cli("plan", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"No plan: the lint configuration {cfg} is invalid." in proc.stdout


def test_configuration_yaml_problems_that_leave_a_value_are_reported(tmp_path: Path) -> None:
    # A duplicate key keeps its first value: the later, stricter one would silently not apply.
    config = "rules:\n  email: off\n  email: error\n"
    write(tmp_path, {"a/01.yaml": LEAKY}, config)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    got = [(d["line"], d["column"], d["rule"], d["field"]) for d in report["diagnostics"]]
    assert (3, 3, "yaml-duplicate-key", "rules.email") in got
    assert "yaml-boolean" not in {d["rule"] for d in report["diagnostics"]}  # off is a documented value
    write(tmp_path, {}, "rules:\n  email: off\n")
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, [d for d in report["diagnostics"] if d["file"].endswith(".lint.yaml")]) == (1, [])


def test_configuration_yaml_errors_and_explicit_path(tmp_path: Path) -> None:
    write(tmp_path, {"a/01.yaml": HEAD + "message: Fine.\n"}, "rules: [unclosed\n")
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{ROOT}/.lint.yaml:2:1: error: invalid YAML" in proc.stdout
    # pre-commit names the configuration like any changed YAML file: it is checked as configuration
    write(tmp_path, {}, "rules:\n  email: error\n")
    proc = run_cli("validate", f"{ROOT}/.lint.yaml", f"{ROOT}/a/01.yaml", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, 0 failed.\n")
    write(tmp_path, {}, "# everything commented out\n")
    assert run_cli("validate", cwd=tmp_path).returncode == 0


# --- inline allowances ------------------------------------------------------------------


def test_inline_allowance_silences_one_occurrence_only(tmp_path: Path) -> None:
    files = {
        # on the line of the occurrence: only that line
        "a/01.yaml": HEAD
        + "message: Failover from 10.0.0.7\n  to 10.0.0.8  # statusfiles: allow private-address\n",
        # in a block, on the header line, naming the text: only that text
        "a/02.yaml": HEAD
        + "message: |  # statusfiles: allow private-address 10.0.0.7\n  From 10.0.0.7\n  to 10.0.0.8.\n",
        # the same words inside a block are message text, not an allowance
        "a/03.yaml": HEAD + "message: |\n  10.0.0.9  # statusfiles: allow private-address\n",
    }
    write(tmp_path, files)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert found(report, "01.yaml") == [("private-address", 3, 24, "error")]
    assert found(report, "02.yaml") == [("private-address", 5, 6, "error")]
    assert found(report, "03.yaml") == [("private-address", 4, 3, "error")]


def test_allowance_mistakes_are_reported(tmp_path: Path) -> None:
    aws = SECRETS["aws"]
    files = {
        "a/01.yaml": HEAD + f"message: Key {aws}  # statusfiles: allow secret\n",
        "a/02.yaml": HEAD + "message: From 10.0.0.7  # statusfiles: allow privat-address\n",
        "a/03.yaml": HEAD + "message: All fine now  # statusfiles: allow email\n",
        "a/04.yaml": HEAD + "message: From 10.0.0.7  # statusfiles: allow private-address\n",
    }
    write(tmp_path, files)
    _, report = run_json("validate", cwd=tmp_path)
    assert found(report, "01.yaml") == [("secret", 3, 14, "error"), ("lint-allow", 3, 36, "error")]
    assert found(report, "02.yaml") == [("private-address", 3, 15, "error"), ("lint-allow", 3, 25, "error")]
    assert found(report, "03.yaml") == [("lint-allow", 3, 24, "warning")]
    assert found(report, "04.yaml") == []
    text = json.dumps(report)
    assert "did you mean 'private-address'?" in text
    _assert_no_secret(text)


# --- plan and sync ------------------------------------------------------------------


def test_plan_shows_lint_warnings_beside_their_update(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a/01.yaml": HEAD + "message: All clear.\n",
            "a/02.yaml": HEAD + "message: |\n  Thanks to\n  alice@acme.com for the report.\n",
        },
    )
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 0  # a warning does not fail validation
    assert "a/02.yaml:5:3: warning: message: alice@acme.com" in proc.stdout
    assert proc.stdout.endswith("2 files checked, 0 failed (1 warning).\n")
    proc = run_cli("validate", "--format", "github", cwd=tmp_path)
    assert proc.returncode == 0
    assert (
        "::warning file=statusfiles/a/02.yaml,line=5,col=3,title=statusfiles email::message: alice@"
        in proc.stdout
    )

    proc = run_cli("plan", cwd=tmp_path)
    assert proc.returncode == 0
    block = proc.stdout.split("+ a/02.yaml")[1].split("+ ")[0]
    assert "warning:    line 5: alice@acme.com looks like a person's e-mail address" in block

    proc = run_cli("plan", "--format", "markdown", cwd=tmp_path)
    assert proc.returncode == 0
    second = proc.stdout.split("`a/02.yaml`")[1]
    assert second.index("**email** (line 5): alice@acme.com") < second.index("> Thanks to")
    assert "**email**" not in proc.stdout.split("`a/02.yaml`")[0]

    _, plan = run_json("plan", cwd=tmp_path)
    updates = plan["incidents"][0]["updates"]
    assert [len(u["warnings"]) for u in updates] == [0, 1]
    assert (updates[1]["warnings"][0]["rule"], updates[1]["warnings"][0]["line"]) == ("email", 5)


def test_sync_refuses_a_file_with_a_lint_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"a/01.yaml": HEAD + "message: All clear.\n", "a/02.yaml": HEAD + "message: '@here fixed'\n"},
    )
    # Nothing listens on the base URL: refusing must happen before any request.
    proc = run_cli(
        "sync", "--base-url", "http://127.0.0.1:9", cwd=tmp_path, env={"INCIDENT_IO_API_KEY": "test-key"}
    )
    assert proc.returncode == 1
    assert "a/02.yaml:3:11: error: message: @here is a chat mention" in proc.stdout
    assert "Nothing was published: 1 of 2 statusfiles failed validation." in proc.stdout
    assert not (tmp_path / ROOT / "ledger.jsonl").exists()


def test_the_documented_configuration_example_is_valid(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "file-format.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```yaml\n(.*?)```", docs, re.S) if "internal_suffixes:" in b]
    write(
        tmp_path,
        {"a/01.yaml": HEAD + "message: Mail oncall@example.com or bob@status.example.com.\n"},
        example,
    )
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, found(report)) == (0, [])


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_lint_configuration_that_is_not_a_file_is_an_error_not_ignored(tmp_path: Path, kind: str) -> None:
    """Silently linting with the defaults would drop the team's allowances and severities without a word."""
    folder = tmp_path / "statusfiles" / "2026-11-27-api"
    folder.mkdir(parents=True)
    (folder / "01-investigating.yaml").write_text(HEAD + "message: We are looking into it.\n")
    config = tmp_path / "statusfiles" / ".lint.yaml"
    config.mkdir() if kind == "folder" else os.mkfifo(config)
    proc = run_cli("validate", cwd=tmp_path, timeout=30)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "statusfiles/.lint.yaml" in proc.stdout and "not-a-regular-file" in proc.stdout
