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
