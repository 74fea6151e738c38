"""``statusfiles new``: where the file goes, what it holds, and what it refuses."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sync.commands import create
from sync.commands.new import next_name
from sync.statusfile import Source
from sync.writer import dump, render
from tests.support.cli import run_cli
from tests.support.payloads import COMPONENT, INCIDENT, update, write_statusfile


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "status-page-incident-update.schema.json").write_text("{}")
    root = tmp_path / "statusfiles" / "2026-11-26-api"
    for n in (1, 2, 9):
        write_statusfile(root / f"{n:02d}-x.yaml", update(f"update {n}"))
    return tmp_path


def test_writes_the_next_file_in_the_incidents_folder(project: Path) -> None:
    proc = run_cli(
        "new",
        "--incident",
        INCIDENT,
        "--status",
        "monitoring",
        "--component",
        f"{COMPONENT}=operational",
        "-m",
        "A fix is deployed.",
        cwd=project,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "statusfiles/2026-11-26-api/10-monitoring.yaml\n"
    assert (project / proc.stdout.strip()).read_text() == (
        "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"
        f"status_page_incident_id: {INCIDENT}\n"
        "incident_status: monitoring\n"
        "notify_subscribers: false\n"
        "component_statuses:\n"
        f"  - component_id: {COMPONENT}\n"
        "    component_status: operational\n"
        "message: A fix is deployed.\n"
    )
    assert run_cli("validate", cwd=project).returncode == 0
    plan = run_cli("plan", cwd=project)
    assert plan.stdout.index("10-monitoring.yaml") > plan.stdout.index("09-x.yaml")


def test_new_incident_needs_a_slug(project: Path) -> None:
    proc = run_cli("new", "--incident", "01NEW", "--status", "investigating", "-m", "x", cwd=project)
    assert proc.returncode == 2 and "pass --slug" in proc.stderr
    proc = run_cli(
        "new",
        "--incident",
        "01NEW",
        "--slug",
        "EU Login: failures!",
        "--status",
        "investigating",
        "--notify",
        "-m",
        "Investigating.",
        cwd=project,
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert proc.stdout == f"statusfiles/{today}-eu-login-failures/01-investigating.yaml\n"
    assert "notify_subscribers: true\n" in (project / proc.stdout.strip()).read_text()

    spelled = run_cli(
        "new",
        "--incident",
        "01NEXT",
        "--slug",
        "Straße in Łódź",
        "--status",
        "investigating",
        "-m",
        "x",
        cwd=project,
    )
    assert spelled.stdout == f"statusfiles/{today}-strasse-in-lodz/01-investigating.yaml\n", spelled.stderr


def test_message_from_file_stdin_and_editor(project: Path, tmp_path: Path) -> None:
    body = tmp_path / "msg.md"
    body.write_text("Line one\n\n- a bullet\n")
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", body, cwd=project)
    assert proc.stdout.endswith("10-update.yaml\n")
    assert (project / proc.stdout.strip()).read_text().endswith("message: |\n  Line one\n\n  - a bullet\n")

    proc = run_cli("new", "--incident", INCIDENT, "--message-file", "-", input="from stdin", cwd=project)
    assert (project / proc.stdout.strip()).read_text().endswith("message: from stdin\n")

    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\ntext = open(p).read()\n"
        "open(p, 'w').write('# Heading kept\\nWritten in the editor.\\n' + text)\n"
    )
    env = {"EDITOR": f"{sys.executable} {editor}", "VISUAL": f"{sys.executable} {editor}"}
    proc = run_cli("new", "--incident", INCIDENT, "--status", "identified", cwd=project, env=env)
    assert proc.returncode == 0, proc.stderr
    content = (project / proc.stdout.strip()).read_text()
    assert content.endswith("message: |\n  # Heading kept\n  Written in the editor.\n")
    assert ">8" not in content


def test_empty_message_writes_nothing(project: Path, tmp_path: Path) -> None:
    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    proc = run_cli("new", "--incident", INCIDENT, "-m", "   ", cwd=project)
    assert proc.returncode == 1 and "empty" in proc.stderr
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_invalid_update_is_refused_before_writing(project: Path) -> None:
    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    proc = run_cli(
        "new",
        "--incident",
        INCIDENT,
        "--status",
        "resolved",
        "--component",
        f"{COMPONENT}=operational",
        "-m",
        "Done.",
        cwd=project,
    )
    assert (
        proc.returncode == 1 and "[resolved-with-components]" in proc.stdout and "not written" in proc.stderr
    )
    proc = run_cli(
        "new", "--incident", INCIDENT, "--component", f"{COMPONENT}=degraded", "-m", "x", cwd=project
    )
    assert proc.returncode == 1 and "did you mean 'degraded_performance'" in proc.stdout
    proc = run_cli("new", "--incident", INCIDENT, "--component", "nonsense", "-m", "x", cwd=project)
    assert proc.returncode == 2 and "COMPONENT=STATUS" in proc.stderr
    proc = run_cli("new", "--incident", INCIDENT, "--status", "fixed", "-m", "x", cwd=project)
    assert proc.returncode == 2
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_names_never_collide_and_writes_never_overwrite(project: Path) -> None:
    folder = project / "statusfiles" / "2026-11-26-api"
    (folder / "10-draft.yml").write_text("not even valid: [")  # any numbered file counts, valid or not
    assert next_name(folder, "resolved") == "11-resolved.yaml"
    target = folder / "09-x.yaml"
    before = target.read_text()
    with pytest.raises(click.ClickException, match="already exists"):
        create(target, "replacement")
    assert target.read_text() == before


@pytest.mark.parametrize(
    "message",
    [
        "plain",
        "yes",
        "0123",
        "2026-11-26",
        "a: b",
        "# not a comment",
        "two\nlines\n",
        "two\nlines",
        "trailing \n",
        "  leading space\nx\n",
        "tab\there\n",
        "ends with blank lines\n\n\n",
        'quote " and \\ backslash',
        "ünï ✓\n",
        "- looks like a list\n",
        "line\r\nwindows\r\n",
        "\x07bell\n",
    ],
)
def test_dump_reads_back_exactly(message: str) -> None:
    payload = update(message, components={COMPONENT: "operational"})
    text, loaded = render(payload, None, Source(Path("x.yaml"), "x.yaml", "x.yaml"))
    assert loaded.payload == payload
    assert text == dump(payload, None) or '"' in text.split("message: ", 1)[1][:1]


@pytest.mark.parametrize("incident", [(), ("--incident", INCIDENT)])
def test_a_folder_outside_the_statusfiles_directory_is_refused(
    project: Path, incident: tuple[str, ...]
) -> None:
    # sync never reads a file outside statusfiles/, so writing one there would lose the update
    outside = project / "elsewhere"
    write_statusfile(outside / "01-x.yaml", update("update 1"))
    proc = run_cli(
        "new", "--folder", "elsewhere", *incident, "--status", "monitoring", "-m", "x", cwd=project
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "elsewhere is not inside the statusfiles directory statusfiles" in proc.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["01-x.yaml"]


# --- --message-file: whatever the path names is read safely -----------------------------------------


def _run_limited(*args: str, cwd: Path, memory: int = 1 << 30) -> subprocess.CompletedProcess[str]:
    """The CLI with its address space capped: a read without limit fails at once instead of filling memory."""
    code = (
        "import resource, runpy, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n"
        "sys.argv = ['statusfiles', *sys.argv[1:]]\n"
        "runpy.run_module('sync', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**env, "NO_COLOR": "1", "PYTHONUTF8": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_message_file_without_end_is_refused_as_too_long(project: Path) -> None:
    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    proc = _run_limited("new", "--incident", INCIDENT, "--message-file", "/dev/zero", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "/dev/zero is too long: over 16384 bytes" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_a_long_message_file_is_refused_naming_it(project: Path, tmp_path: Path) -> None:
    body = tmp_path / "long.md"
    body.write_text("a" * (4 * 4096 + 1))
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", body, cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{body} is too long: over 16384 bytes, and a message holds at most 4096 characters" in proc.stderr


def test_a_message_file_at_the_cap_is_read_whole(project: Path, tmp_path: Path) -> None:
    # 4096 four-byte characters: the most a message can hold, exactly at the byte cap
    body = tmp_path / "full.md"
    body.write_text("\U0001f600" * 4096)
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", body, cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\U0001f600" * 4096 in (project / proc.stdout.strip()).read_text()


def test_a_message_from_process_substitution_and_windows_line_ends(project: Path, tmp_path: Path) -> None:
    script = f'exec "$0" -m sync new --incident {INCIDENT} --message-file <(printf "one\\r\\ntwo\\r\\n")'
    proc = subprocess.run(
        ["bash", "-c", script, sys.executable],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / proc.stdout.strip()).read_text().endswith("message: |\n  one\n  two\n")


def test_a_byte_order_mark_is_not_part_of_the_message(project: Path, tmp_path: Path) -> None:
    body = tmp_path / "notepad.md"
    body.write_bytes(b"\xef\xbb\xbfOne\r\ntwo\r\n")
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", body, cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / proc.stdout.strip()).read_text().endswith("message: |\n  One\n  two\n")

    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    body.write_bytes(b"\xef\xbb\xbf")  # only the mark: nothing to say
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", body, cwd=project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the message is empty; nothing written" in proc.stderr
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_a_message_given_with_m_has_its_line_ends_as_a_file_would(project: Path) -> None:
    proc = run_cli("new", "--incident", INCIDENT, "-m", "\ufeffOne\r\ntwo\rthree", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / proc.stdout.strip()).read_text().endswith("message: |\n  One\n  two\n  three\n")


def test_a_fifo_nothing_writes_to_is_an_empty_message_not_a_hang(project: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", fifo, cwd=project, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the message is empty; nothing written" in proc.stderr
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_an_unreadable_message_file_is_a_usage_error(project: Path, tmp_path: Path) -> None:
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", tmp_path / "missing.md", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "missing.md" in proc.stderr and "No such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("script", "shown"),
    [
        ("os.remove(p)", "the editor left no message: No such file or directory; nothing written"),
        (
            "open(p, 'wb').write(b'ok \\xff')",
            "the edited message is not UTF-8 text (byte 3); nothing written",
        ),
    ],
)
def test_an_editor_that_removes_or_garbles_the_message_writes_nothing(
    project: Path, tmp_path: Path, script: str, shown: str
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(f"import os, sys\np = sys.argv[1]\n{script}\n")
    before = sorted(os.listdir(project / "statusfiles" / "2026-11-26-api"))
    env = {"EDITOR": f"{sys.executable} {editor}", "VISUAL": f"{sys.executable} {editor}"}
    proc = run_cli("new", "--incident", INCIDENT, cwd=project, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == f"Error: {shown}\n"
    assert sorted(os.listdir(project / "statusfiles" / "2026-11-26-api")) == before


def test_a_sibling_gone_since_it_was_loaded_gives_no_schema_line_and_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.statusfile import Source, load_statusfile
    from sync.writer import modeline_for

    folder = tmp_path / "statusfiles" / "a"
    folder.mkdir(parents=True)
    kept, gone = folder / "01-update.yaml", folder / "02-update.yaml"
    line = "# yaml-language-server: $schema=../../elsewhere/status-page-incident-update.schema.json\n"
    for path in (kept, gone):
        path.write_text(f"{line}status_page_incident_id: {INCIDENT}\nnotify_subscribers: false\nmessage: m\n")
    siblings = [load_statusfile(Source(p, p.name, f"a/{p.name}")) for p in (kept, gone)]
    monkeypatch.chdir(tmp_path)  # no schemas/ folder here or beside the statusfiles: the siblings decide
    gone.unlink()
    os.mkfifo(gone)  # nothing writes to it: reading it would never end
    assert modeline_for(folder, tmp_path / "statusfiles", siblings) == (line.rstrip("\n"), None)
