"""The linter of public text against text written to slip past it or to break its reports, through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli import run_cli, run_json
from tests.support.payloads import HEAD
from tests.test_lint import found, write


def test_control_characters_in_a_finding_reach_no_terminal_or_ci_log(tmp_path: Path) -> None:
    # ESC ] 0 ; … BEL retitles a terminal, CR rewrites the line: both written as YAML escapes
    message = r'"see <@U024|\e]0;owned\a\rx> and http://\e7x.corp/ now"'
    write(tmp_path, {"a/01.yaml": HEAD + f"message: {message}\n"})
    for fmt in ("text", "github"):
        proc = run_cli("validate", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", proc.stdout), repr(proc.stdout)
        assert r"<@U024|\x1b]0;owned\x07\rx>" in proc.stdout
        assert r"internal host \x1b7x.corp" in proc.stdout
    _, report = run_json("validate", cwd=tmp_path)
    assert [d[0] for d in found(report)] == ["mention", "internal-host"]


def test_an_allowance_names_its_text_in_any_case(tmp_path: Path) -> None:
    """Host names, e-mail addresses and IPv6 addresses are the same in any case: copied as the message
    writes them, or as the finding shows them, the allowance must apply."""
    files = {
        "a/01.yaml": HEAD
        + "message: |  # statusfiles: allow internal-host Grafana.corp\n  Grafana.corp is down\n",
        "a/02.yaml": HEAD
        + "message: >-  # statusfiles: allow email alice@acme.com\n  Mail\n  Alice@Acme.com\n",
        "a/03.yaml": HEAD + "message: |  # statusfiles: allow private-address FD00::1\n  From fd00::1\n",
        # still only that text
        "a/04.yaml": HEAD + "message: |  # statusfiles: allow internal-host GRAFANA.corp\n  wiki.corp\n",
    }
    write(tmp_path, files)
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert found(report) == [("lint-allow", 3, 13, "warning"), ("internal-host", 4, 3, "error")]
    assert report["diagnostics"][0]["file"].endswith("04.yaml")


def test_text_hidden_in_invisible_or_fullwidth_characters_is_found_and_said_so(tmp_path: Path) -> None:
    message = '"Mail alice@\\u200bacme.com; \\uff21\\uff22 at 10.0.0.7 is fine"'
    write(tmp_path, {"a/01.yaml": HEAD + f"message: {message}\n"})
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    (email, address) = report["diagnostics"]
    assert (email["rule"], email["column"]) == ("email", 16)
    assert email["message"].startswith("alice@acme.com looks like")
    assert email["message"].endswith("(written with invisible or look-alike characters)")
    assert (address["rule"], address["column"]) == ("private-address", 54)
    assert "look-alike" not in address["message"]


def test_a_rule_left_empty_in_the_configuration_is_named_as_empty(tmp_path: Path) -> None:
    write(tmp_path, {"a/01.yaml": HEAD + "message: Fine.\n"}, "rules:\n  email:\n  raw-log: ~\n")
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    got = [(d["file"], d["line"], d["field"], d["message"]) for d in report["diagnostics"]]
    assert got == [
        ("statusfiles/.lint.yaml", 2, "rules.email", "is empty; write error, warning or off"),
        ("statusfiles/.lint.yaml", 3, "rules.raw-log", "is empty; write error, warning or off"),
    ]


def test_a_lint_configuration_in_the_wrong_folder_is_named_as_such(tmp_path: Path) -> None:
    """pre-commit passes it like any changed YAML file: it has no effect, which is what to say."""
    root = write(
        tmp_path, {"a/01.yaml": HEAD + "message: Fine.\n", "a/.lint.yaml": "rules:\n  email: error\n"}
    )
    code, report = run_json(
        "validate", str(root / "a" / ".lint.yaml"), str(root / "a" / "01.yaml"), cwd=tmp_path
    )
    assert code == 1
    got = [(d["file"], d["line"], d["rule"], d["message"]) for d in report["diagnostics"]]
    assert got == [
        (
            "statusfiles/a/.lint.yaml",
            1,
            "lint-config",
            "the linter reads its configuration only from statusfiles/.lint.yaml, so this file has no "
            "effect; move it there",
        )
    ]
    assert report["summary"] == {"files_checked": 2, "files_failed": 1, "errors": 1, "warnings": 0}


def test_one_allowance_names_several_texts(tmp_path: Path) -> None:
    """A block holds one comment, on its first line: it must be able to allow each text the block needs."""
    header = "message: |  # statusfiles: allow private-address 10.0.0.7, 10.0.0.8 fd00::1\n"
    body = "  From 10.0.0.7 to 10.0.0.8 and fd00::1,\n  but not 10.0.0.9.\n"
    write(tmp_path, {"a/01.yaml": HEAD + header + body})
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, found(report)) == (1, [("private-address", 5, 11, "error")])


def test_a_severity_in_the_wrong_case_gets_a_hint() -> None:
    from sync import lint

    _, problems = lint.settings_from({"rules": {"email": "Error", "raw-log": "sometimes"}})
    assert [p.message for p in problems] == [
        "'Error' is not error, warning or off (did you mean 'error'?)",
        "'sometimes' is not error, warning or off",
    ]


def test_yaml_comments_are_never_published_so_never_linted(tmp_path: Path) -> None:
    """Notes for reviewers (the failing host, who to ask) belong in comments; only values are published."""
    content = (
        "# primary 10.0.0.7 (db-1.prod.internal) failed; ask alice@acme.com\n"
        + HEAD
        + "message: |  # was 10.0.0.8 @here\n  We failed over the primary database.\n"
        + "# 10.0.0.9 after the value\n"
    )
    write(tmp_path, {"a/01.yaml": content})
    code, report = run_json("validate", cwd=tmp_path)
    assert (code, found(report)) == (0, [])
