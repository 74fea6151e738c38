"""The report's next steps, from the outcomes alone (pure)."""

from __future__ import annotations

from sync.diagnostics import Diagnostic, Severity
from sync.publisher import Outcome, Report
from sync.reportview import what_to_do

_UNKNOWN = Diagnostic("statusfiles/a/02.yaml", 2, 1, "", "timed out", "outcome-unknown", Severity.ERROR)


def _held_steps(*outcomes: Outcome) -> list[str]:
    return [s for s in what_to_do(Report(list(outcomes))) if s.startswith("An earlier sync lost track")]


def test_a_held_update_gets_the_wait_and_re_run_step() -> None:
    held = Outcome("skipped", "a/02.yaml", "statusfiles/a/02.yaml", "01F", diagnostic=_UNKNOWN, held=True)
    assert len(_held_steps(held)) == 1


def test_a_skip_that_is_not_a_hold_gets_no_held_step_whatever_its_diagnostic() -> None:
    skipped = Outcome("skipped", "a/03.yaml", "statusfiles/a/03.yaml", "01F", diagnostic=_UNKNOWN)
    unknown = Outcome("unknown", "a/02.yaml", "statusfiles/a/02.yaml", "01F", diagnostic=_UNKNOWN)
    assert _held_steps(skipped, unknown) == []
    assert any("unknown outcome" in s for s in what_to_do(Report([skipped, unknown])))


_UNSENT = Diagnostic(
    "statusfiles/a/02.yaml", 2, 1, "", "not sent: unreachable", "api-unreachable", Severity.ERROR
)
_REFUSED = Diagnostic("statusfiles/a/02.yaml", 3, 1, "message", "rejected", "api-rejected", Severity.ERROR)


def test_an_update_never_sent_is_sent_again_later_not_fixed_in_a_pull_request() -> None:
    unsent = Outcome("failed", "a/02.yaml", "statusfiles/a/02.yaml", "01F", diagnostic=_UNSENT, unsent=True)
    steps = what_to_do(Report([unsent]))
    assert [s.split(":")[0] for s in steps] == ["An update could not be sent"]
    assert "Run sync again later" in steps[0]


def test_a_refused_update_and_an_unsent_one_each_get_their_step() -> None:
    unsent = Outcome("failed", "a/02.yaml", "statusfiles/a/02.yaml", "01F", diagnostic=_UNSENT, unsent=True)
    refused = Outcome("failed", "b/01.yaml", "statusfiles/b/01.yaml", "01G", diagnostic=_REFUSED)
    steps = what_to_do(Report([unsent, refused]))
    assert len(steps) == 2 and "could not be sent" in steps[0] and "The API refused" in steps[1]
