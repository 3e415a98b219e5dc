"""The start-or-report table every entry point follows."""

from __future__ import annotations

import pytest

from triggers.decisions import Action, ExistingBuild, decide, explain

SUCCEEDED = {"status": "Succeeded"}
FAILED = {"status": "Failed"}


@pytest.mark.parametrize(
    ("existing", "rebuild_failed", "expected"),
    [
        (None, False, Action.START),
        (None, True, Action.START),
        (ExistingBuild("Pending"), True, Action.REPORT_RUNNING),
        (ExistingBuild("Running"), False, Action.REPORT_RUNNING),
        (ExistingBuild("Running"), True, Action.REPORT_RUNNING),
        (ExistingBuild("ContinuedAsNew"), False, Action.REPORT_RUNNING),
        (ExistingBuild("Suspended"), True, Action.REPORT_RUNNING),
        (ExistingBuild("Completed", SUCCEEDED), False, Action.REPORT_SUCCEEDED),
        (ExistingBuild("Completed", SUCCEEDED), True, Action.REPORT_SUCCEEDED),
        (ExistingBuild("Completed", FAILED), False, Action.REPORT_FAILED),
        (ExistingBuild("Completed", FAILED), True, Action.START_AGAIN),
        (ExistingBuild("Failed", "boom"), False, Action.REPORT_FAILED),
        (ExistingBuild("Failed", "boom"), True, Action.START_AGAIN),
        (ExistingBuild("Terminated"), False, Action.REPORT_FAILED),
        (ExistingBuild("Terminated"), True, Action.START_AGAIN),
        (ExistingBuild("SomethingNew"), True, Action.REPORT_RUNNING),
    ],
)
def test_decision_table(existing: ExistingBuild | None, rebuild_failed: bool, expected: Action) -> None:
    assert decide(existing, rebuild_failed=rebuild_failed) is expected


def test_only_start_actions_start() -> None:
    assert {action for action in Action if action.starts} == {Action.START, Action.START_AGAIN}


def test_refusal_of_a_failed_build_says_how_to_retry() -> None:
    text = explain(Action.REPORT_FAILED, "build-x", ExistingBuild("Completed", FAILED))
    assert text == (
        "build build-x already ran and ended with result Failed; send rebuild_failed: true to start it again"
    )
    assert "Terminated" in explain(Action.REPORT_FAILED, "build-x", ExistingBuild("Terminated"))
