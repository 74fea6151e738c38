"""``statusfiles sync`` as a real process against the sandbox on 127.0.0.1."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sync import ledger
from sync.sandbox import Fault, Sandbox
from tests.support.cli import SANDBOX_KEY, run_cli, run_json, sync_env
from tests.support.payloads import update, write_statusfile
from tests.support.repo import copy_examples

API = "01FCNDV6P870EA6S7TK1DSYDG1"  # "Elevated API error rates" in the sandbox seed
EU = "01FCNDV6P870EA6S7TK1DSYDG3"  # "Slow dashboards in the EU"
API_FILES = ["01-investigating", "02-identified", "03-monitoring", "04-resolved"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_examples(tmp_path)


def sync(
    project: Path, sandbox: Sandbox, *args: str, key: str = SANDBOX_KEY, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", *args, cwd=project, env={**sync_env(sandbox.base_url, key), **(env or {})})


def messages(sandbox: Sandbox, incident: str) -> list[str]:
    """What subscribers see, oldest first, without the seed's initial update."""
    return [u["message"].strip() for u in sandbox.updates(incident)][1:]


def file_messages(project: Path, folder: str, names: list[str]) -> list[str]:
    from sync.statusfile import Source, load_statusfile

    out = []
    for name in names:
        path = project / "statusfiles" / folder / f"{name}.yaml"
        out.append(load_statusfile(Source(path, str(path), name)).message.strip())
    return out


def ledger_state(project: Path) -> ledger.LedgerState:
    return ledger.read(project / "statusfiles" / "ledger.jsonl")


def api_messages(project: Path) -> list[str]:
    return file_messages(project, "2026-11-26-api-errors", API_FILES)


def test_publishes_everything_once_in_order(project: Path, sandbox: Sandbox) -> None:
    proc = sync(project, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "Published 6 updates to 2 incidents."
    posted = [line.split() for line in lines if line.startswith("posted ")]
    assert sorted(p[1] for p in posted) == sorted(
        f"statusfiles/{p.relative_to(project / 'statusfiles').as_posix()}"
        for p in (project / "statusfiles").rglob("*.yaml")
    )
    first = next(p for p in posted if p[1].endswith("02-identified.yaml"))
    assert first[2:5] == ["incident", API, "identified"] and first[5] == "update"
    assert messages(sandbox, API) == api_messages(project)
    assert messages(sandbox, EU) == file_messages(
        project, "2026-11-25-eu-dashboard-latency", ["01-investigating", "02-monitoring"]
    )
    state = ledger_state(project)
    assert len(list(state.posted())) == 6 and not list(state.unsettled())
    assert state.records == 12  # an intent and an outcome for each

    again = sync(project, sandbox)
    assert (again.returncode, again.stdout) == (0, "Nothing new to publish.\n")
    assert messages(sandbox, API) == api_messages(project)


def test_nothing_to_publish_writes_no_ledger(tmp_path: Path, sandbox: Sandbox) -> None:
    (tmp_path / "statusfiles").mkdir()
    proc = sync(tmp_path, sandbox)
    assert (proc.returncode, proc.stdout) == (0, "Nothing new to publish.\n")
    assert list((tmp_path / "statusfiles").iterdir()) == []


def test_new_file_after_merge_publishes_only_it(project: Path, sandbox: Sandbox) -> None:
    assert sync(project, sandbox).returncode == 0
    (project / "statusfiles" / "2026-11-26-api-errors" / "04-resolved.yaml").unlink()
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api-errors" / "05-postmortem.yaml",
        update("The write-up is published.", incident=API, status=None),
    )
    proc = sync(project, sandbox)
    assert proc.returncode == 0
    assert [line.split()[0] for line in proc.stdout.splitlines()[:-1]] == ["posted"]
    assert messages(sandbox, API)[-1] == "The write-up is published."
    assert len(messages(sandbox, API)) == 5


def test_dry_run_reads_but_posts_and_records_nothing(project: Path, sandbox: Sandbox) -> None:
    proc = sync(project, sandbox, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "Dry run: nothing was posted and the ledger was not changed." in proc.stdout
    assert '"Elevated API error rates"' in proc.stdout  # the page was read
    assert messages(sandbox, API) == [] and not (project / "statusfiles" / "ledger.jsonl").exists()
    assert all(r["method"] == "GET" for r in sandbox.requests())


def test_lost_ledger_adopts_instead_of_reposting(project: Path, sandbox: Sandbox) -> None:
    assert sync(project, sandbox).returncode == 0
    (project / "statusfiles" / "ledger.jsonl").unlink()
    dry = sync(project, sandbox, "--dry-run")
    assert (
        sum(
            line.startswith("  = ") and "found on the page with no intent" in line
            for line in dry.stdout.splitlines()
        )
        == 6
    )
    proc = sync(project, sandbox)
    assert proc.returncode == 0
    assert (
        proc.stdout.splitlines()[-1]
        == "Published 0 updates to 0 incidents; 6 already on the page (recorded)."
    )
    assert messages(sandbox, API) == api_messages(project)
    assert len(list(ledger_state(project).posted())) == 6


def _long_record(event: str) -> bytes:
    """A record of an update with a thousand components: one line far longer than any read buffer."""
    payload = update(
        "Old.", incident=API, components={f"01OLDCOMPONENT{n:012d}": "full_outage" for n in range(1000)}
    )
    fields = {"path": "2026-11-01-old/01.yaml", "sha256": "0" * 64, "incident": API, "payload": payload}
    if event == "adopted":
        fields.update(update_id="U-old", published_at="2026-11-01T00:00:00Z")
    return ledger.encode({"v": 1, "event": event, "at": "t", "run": "r", **fields}).rstrip(b"\n")


@pytest.mark.parametrize(
    ("tail", "records", "plan_rule"),
    [
        (_long_record("adopted"), 13, "deleted-after-publish"),  # complete, without its final newline
        (_long_record("intent")[:-20], 12, "ledger-torn-line"),  # cut off by a crash
    ],
)
def test_plan_and_sync_agree_on_a_long_last_ledger_line(
    project: Path, sandbox: Sandbox, tail: bytes, records: int, plan_rule: str
) -> None:
    assert sync(project, sandbox).returncode == 0
    path = project / "statusfiles" / "ledger.jsonl"
    before = path.read_bytes()
    path.write_bytes(before + tail)

    code, planned = run_json("plan", cwd=project)
    assert code == 0 and planned["summary"]["publish"] == 0
    assert [d["rule"] for d in planned["diagnostics"]] == [plan_rule]

    proc = sync(project, sandbox)
    assert (proc.returncode, proc.stdout) == (0, "Nothing new to publish.\n")
    assert ledger_state(project).records == records
    assert path.read_bytes() == (before + tail + b"\n" if records == 13 else before)
    assert messages(sandbox, API) == api_messages(project)


MONITOR = "We are continuing to monitor."


def repeat_an_update(project: Path) -> list[str]:
    """Only the API incident, its resolution replaced by one update twice: returns what the page will show."""
    shutil.rmtree(project / "statusfiles" / "2026-11-25-eu-dashboard-latency")
    folder = project / "statusfiles" / "2026-11-26-api-errors"
    (folder / "04-resolved.yaml").unlink()
    for name in ("04-monitoring.yaml", "05-monitoring.yaml"):
        write_statusfile(folder / name, update(MONITOR, incident=API, status="monitoring"))
    return [*file_messages(project, folder.name, API_FILES[:3]), MONITOR, MONITOR]


def test_the_same_update_twice_is_posted_exactly_twice(project: Path, sandbox: Sandbox) -> None:
    expected = repeat_an_update(project)
    proc = sync(project, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "Published 5 updates to 1 incident."
    assert messages(sandbox, API) == expected

    again = sync(project, sandbox)
    assert (again.returncode, again.stdout) == (0, "Nothing new to publish.\n")

    (project / "statusfiles" / "ledger.jsonl").unlink()  # every copy on the page is recognised, once
    lost = sync(project, sandbox)
    assert lost.returncode == 0, lost.stdout
    assert (
        lost.stdout.splitlines()[-1]
        == "Published 0 updates to 0 incidents; 5 already on the page (recorded)."
    )
    assert messages(sandbox, API) == expected
    ids = [e.update_id for e in ledger_state(project).posted()]
    assert len(ids) == len(set(ids)) == 5

    write_statusfile(  # and a third time, later: a copy of a published update is a new update
        project / "statusfiles" / "2026-11-26-api-errors" / "06-monitoring.yaml",
        update(MONITOR, incident=API, status="monitoring"),
    )
    assert sync(project, sandbox).returncode == 0
    assert messages(sandbox, API) == [*expected, MONITOR]


@pytest.mark.parametrize("stage", ["before", "after"])
def test_a_lost_response_to_the_second_copy_is_judged_by_the_second_copy(
    project: Path, sandbox: Sandbox, stage: str
) -> None:
    """The first copy is on the page either way: it must not be taken for the second."""
    expected = repeat_an_update(project)
    sandbox.add_fault(Fault(kind="drop", method="POST", stage=stage, skip=4, count=1))  # the 5th POST
    proc = sync(project, sandbox)
    if stage == "after":  # stored, then the connection dropped: found on the page, recorded, not reposted
        assert proc.returncode == 0, proc.stdout
        assert messages(sandbox, API) == expected
    else:  # never stored: its outcome stays unknown until a run finds it missing and posts it
        assert (
            proc.returncode == 1
            and "unknown   statusfiles/2026-11-26-api-errors/05-monitoring.yaml" in proc.stdout
        )
        assert messages(sandbox, API) == expected[:-1]
        assert sync(project, sandbox, "--settle-after", "0").returncode == 0
        assert messages(sandbox, API) == expected
    state = ledger_state(project)
    assert len(list(state.posted())) == 5 and not list(state.unsettled())
    assert len(state.claimed_update_ids()) == 5


def test_ambiguous_drop_after_store_is_recorded_not_reposted(project: Path, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault(kind="drop", method="POST", stage="after", skip=1))
    proc = sync(project, sandbox, "--concurrency", "1")
    assert proc.returncode == 0, proc.stdout
    assert "the response was lost; found on the page" not in proc.stdout  # detail stays in JSON/ledger
    assert messages(sandbox, API) == api_messages(project)
    assert len(list(ledger_state(project).posted())) == 6


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="drop", method="POST", stage="before", skip=1),
        Fault(kind="error", method="POST", status=500, stage="before", skip=1),
    ],
)
def test_unknown_outcome_stops_the_incident_and_the_next_run_finishes(
    project: Path, sandbox: Sandbox, fault: Fault
) -> None:
    only_api = project / "statusfiles"
    for path in (only_api / "2026-11-25-eu-dashboard-latency").iterdir():
        path.unlink()
    sandbox.add_fault(fault)
    proc = sync(project, sandbox)
    assert proc.returncode == 1
    out = proc.stdout
    assert "unknown   statusfiles/2026-11-26-api-errors/02-identified.yaml" in out
    assert out.count("skipped   ") == 2
    assert (
        "[outcome-unknown]" in out and "Check incident 01FCNDV6P870EA6S7TK1DSYDG1 on the status page" in out
    )
    assert messages(sandbox, API) == api_messages(project)[:1]
    state = ledger_state(project)
    assert [e.path for e in state.unsettled()] == ["2026-11-26-api-errors/02-identified.yaml"]

    plan = run_cli("plan", cwd=project)
    assert "[unsettled]" in plan.stdout

    # At once, the page not showing it proves nothing (the API may still be applying it): held, not posted.
    held = sync(project, sandbox)
    assert held.returncode == 1
    assert "skipped   statusfiles/2026-11-26-api-errors/02-identified.yaml" in held.stdout
    assert "02-identified.yaml:2:1: error: an earlier sync posted this and did not learn" in held.stdout
    assert "may still be applying that post" in held.stdout and held.stdout.count("skipped   ") == 3
    assert "  - An earlier sync lost track of a post, and the page does not show it yet" in held.stdout
    assert "unknown outcome" not in held.stdout.split("Sync failed")[1]  # no step for what did not happen
    assert messages(sandbox, API) == api_messages(project)[:1]
    assert [e.path for e in ledger_state(project).unsettled()] == ["2026-11-26-api-errors/02-identified.yaml"]

    proc = sync(project, sandbox, "--settle-after", "0")
    assert proc.returncode == 0, proc.stdout
    assert messages(sandbox, API) == api_messages(project)


def test_crash_between_post_and_record_is_settled_by_reading_back(project: Path, sandbox: Sandbox) -> None:
    """The ledger says "intent", the update is on the page: the next run records it and posts nothing."""
    assert sync(project, sandbox).returncode == 0
    path = project / "statusfiles" / "ledger.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if '"event": "posted"' not in line or "04-resolved" not in line)
    )
    assert [e.path for e in ledger_state(project).unsettled()] == ["2026-11-26-api-errors/04-resolved.yaml"]
    proc = sync(project, sandbox)
    assert proc.returncode == 0
    # Named as every other line names its file: the statusfiles folder included, relative to the cwd.
    assert proc.stdout.startswith(
        "settled   statusfiles/2026-11-26-api-errors/04-resolved.yaml  incident "
    ), proc.stdout
    assert messages(sandbox, API) == api_messages(project)
    assert not list(ledger_state(project).unsettled())


def test_429_storm_is_ridden_out(project: Path, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault(kind="rate_limit", count=8, retry_after=0))
    proc = sync(project, sandbox, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["posted"] == 6 and report["summary"]["throttled"] == 8
    assert messages(sandbox, API) == api_messages(project)


def test_a_run_alone_is_paced_under_the_rate_limit(project: Path, tmp_path: Path) -> None:
    from sync.sandbox import SandboxConfig

    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY, rate_limit=600, burst=3)) as sb:
        proc = sync(project, sb, "--format", "json")
        report = json.loads(proc.stdout)
        assert report["summary"]["posted"] == 6
        assert report["summary"]["throttled"] == 0
        assert all(r["status"] != 429 for r in sb.requests())


def test_missing_or_wrong_key(project: Path, sandbox: Sandbox) -> None:
    env = sync_env(sandbox.base_url)
    del env["INCIDENT_IO_API_KEY"]
    proc = run_cli("sync", cwd=project, env=env)
    assert proc.returncode == 2 and "INCIDENT_IO_API_KEY is not set" in proc.stderr
    proc = sync(project, sandbox, key="not-the-key")
    assert proc.returncode == 1
    assert "Nothing was published" in proc.stdout and "the API key was refused" in proc.stdout
    assert messages(sandbox, API) == []


def test_key_without_write_scope_stops_the_whole_run(project: Path, sandbox: Sandbox) -> None:
    proc = sync(project, sandbox, key="sandbox-read-only-key")
    assert proc.returncode == 1
    assert (
        "lacks the scope 'Create status page incidents, status page maintenance windows, and publish"
        in proc.stdout
    )
    assert sum(1 for r in sandbox.requests() if r["method"] == "POST") <= 2  # one per worker at most
    assert messages(sandbox, API) == [] and messages(sandbox, EU) == []
    assert "Stopped: HTTP 403" in proc.stdout


def test_a_refused_post_says_why_once_per_file_and_once_in_the_summary(
    project: Path, sandbox: Sandbox
) -> None:
    proc = sync(project, sandbox, "--concurrency", "1", key="sandbox-read-only-key")
    assert proc.returncode == 1
    assert proc.stdout.count("HTTP 403") == 2, proc.stdout  # the one POST's diagnostic, and "Stopped:"
    assert ":2:1: error: HTTP 403: the API key lacks the scope" in proc.stdout


def test_missing_incident_publishes_nothing_at_all(project: Path, sandbox: Sandbox) -> None:
    write_statusfile(
        project / "statusfiles" / "2026-11-27-typo" / "01-investigating.yaml",
        update("Investigating.", incident="01TYPOTYPOTYPOTYPOTYPOTYPO"),
    )
    proc = sync(project, sandbox)
    assert proc.returncode == 1
    assert (
        "statusfiles/2026-11-27-typo/01-investigating.yaml:2:26: error: status_page_incident_id: status page "
        "incident 01TYPOTYPOTYPOTYPOTYPOTYPO does not exist (404)"
    ) in proc.stdout
    assert messages(sandbox, API) == [] and messages(sandbox, EU) == []
    assert all(r["method"] == "GET" for r in sandbox.requests())


def test_422_is_shown_against_the_file_and_line(project: Path, sandbox: Sandbox) -> None:
    bad = project / "statusfiles" / "2026-11-26-api-errors" / "02-identified.yaml"
    bad.write_text(bad.read_text().replace("01FCNDV6P870EA6S7TK1DSYDG2", "01NOTACOMPONENTOFTHISPAGE0"))
    # sync's own check against the page's structure would refuse this before posting; with that structure
    # unreadable (404) for an incident created elsewhere, the API's own 422 is what the user sees.
    sandbox.add_fault(Fault(kind="error", method="GET", path="/v2/status_page_structures/", status=404))
    proc = sync(project, sandbox)
    assert proc.returncode == 1
    assert (
        "statusfiles/2026-11-26-api-errors/02-identified.yaml:6:19: error: "
        "component_statuses[0].component_id: rejected by the API (HTTP 422): "
        "component '01NOTACOMPONENTOFTHISPAGE0' is not a component of status page"
    ) in proc.stdout
    assert messages(sandbox, API) == api_messages(project)[:1]  # the rest of the incident is held back
    assert len(messages(sandbox, EU)) == 2  # other incidents are published
    state = ledger_state(project)
    assert state.entries["2026-11-26-api-errors/02-identified.yaml"].status == "rejected"
    assert not list(state.unsettled())


def test_second_concurrent_run_is_locked_out(project: Path, sandbox: Sandbox) -> None:
    fd = os.open(project / "statusfiles", os.O_RDONLY)  # sync locks the ledger's folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another sync holds the ledger
        proc = sync(project, sandbox)
        assert (proc.returncode, proc.stderr) == (1, "")
        assert proc.stdout == (
            "Nothing was published: another statusfiles sync is running with this ledger "
            "(--lock-timeout SECONDS waits for it).\n"
        )
        assert sandbox.requests() == []
    finally:
        os.close(fd)


def test_two_runs_at_once_post_everything_exactly_once(project: Path, sandbox: Sandbox) -> None:
    env = {**os.environ, **sync_env(sandbox.base_url), "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "sync", "sync", "--lock-timeout", "60"]
    procs = [
        subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(out.splitlines()[-1] for out, _ in outs) == [
        "Nothing new to publish.",
        "Published 6 updates to 2 incidents.",
    ]
    assert messages(sandbox, API) == api_messages(project)


def test_insecure_base_url_is_refused(project: Path) -> None:
    proc = run_cli(
        "sync", "--base-url", "http://api.incident.io", cwd=project, env={"INCIDENT_IO_API_KEY": "any-key-1"}
    )
    assert proc.returncode == 2 and "refusing to send the API key over plain HTTP" in proc.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://api.incident.io:99999", "is not a URL: Port out of range"),
        ("https://a..b", "host 'a..b' is not a host name"),
        ("https://api.incident.io\t", "must not contain spaces"),
        ("https://[v1.x]/", "host '[v1.x]' is not a host name"),  # httpx refuses it: was a crash
        ("https://xn--0/", "host 'xn--0' is not a host name"),
    ],
)
def test_a_malformed_base_url_is_a_usage_error_not_a_bug(project: Path, url: str, message: str) -> None:
    proc = run_cli("sync", "--base-url", url, cwd=project, env={"INCIDENT_IO_API_KEY": "sandbox-key"})
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "a bug" not in proc.stderr


def test_a_key_too_short_to_keep_out_of_the_output_is_refused(project: Path, sandbox: Sandbox) -> None:
    """Redacting a key like "test" would cut it out of every message and ID read back from the API."""
    proc = sync(project, sandbox, key="test")
    assert proc.returncode == 2 and "INCIDENT_IO_API_KEY is too short to be an API key" in proc.stderr
    assert not messages(sandbox, API)


def test_validation_errors_publish_nothing(project: Path, sandbox: Sandbox) -> None:
    write_statusfile(project / "statusfiles" / "x.yaml", "status_page_incident_id: 1\n")
    proc = sync(project, sandbox)
    assert proc.returncode == 1 and "statusfiles/x.yaml:1:26: error:" in proc.stdout
    assert sandbox.requests() == []


def test_json_report_and_step_summary(project: Path, sandbox: Sandbox, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    sandbox.add_fault(Fault(kind="drop", method="POST", stage="before", skip=2))
    proc = sync(
        project, sandbox, "--format", "json", "--concurrency", "1", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["version"] == 1 and report["summary"]["ok"] is False
    assert report["summary"]["unknown"] == 1
    results = {r["path"]: r["result"] for r in report["results"]}
    assert results["2026-11-25-eu-dashboard-latency/01-investigating.yaml"] == "posted"
    assert "unknown" in results.values() and "skipped" in results.values()
    text = summary.read_text()
    assert text.startswith("### statusfiles sync\n\n**Sync failed: 1 with unknown outcome")
    assert "#### What to do" in text and "once the update shows on the page it is recorded" in text


def test_the_key_never_appears_anywhere(project: Path, tmp_path: Path) -> None:
    from sync.sandbox import SandboxConfig

    secret = "sk_live_NEVER_PRINT_ME_0123456789"
    summary = tmp_path / "summary.md"
    outputs = []
    with Sandbox(SandboxConfig(api_key=secret, read_only_keys=("ro-" + secret,))) as sb:
        sb.add_fault(Fault(kind="drop", method="POST", stage="before", skip=1))
        sb.add_fault(Fault(kind="error", method="GET", status=500, count=2))
        for key, args in (
            (secret, ()),
            (secret, ("--format", "json")),
            ("ro-" + secret, ()),
            ("x" + secret, ()),
            (secret, ("--dry-run",)),
        ):
            proc = sync(project, sb, *args, key=key, env={"GITHUB_STEP_SUMMARY": str(summary)})
            outputs += [proc.stdout, proc.stderr]
    outputs += [summary.read_text(), (project / "statusfiles" / "ledger.jsonl").read_text()]
    assert not any(secret in text for text in outputs)


def test_dry_run_shows_a_messages_control_characters_escaped(project: Path, sandbox: Sandbox) -> None:
    # "\e]0;title\a" is a valid YAML scalar; raw, it would set the title of the terminal reading the output
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api-errors" / "05-more.yaml",
        f'status_page_incident_id: {API}\nnotify_subscribers: false\nmessage: "More \\e]0;title\\a, ünï."\n',
    )
    proc = sync(project, sandbox, "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "      message:    More \\x1b]0;title\\x07, ünï.\n" in proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
