"""The occurrence of a timer run comes from the schedule, not from the moment it ran."""

from __future__ import annotations

from datetime import UTC, datetime

from triggers.occurrence import occurrence_of

NIGHTLY = "0 0 2 * * *"


def test_occurrence_is_the_schedule_point_before_next() -> None:
    status = {"Last": "2030-03-01T02:00:00+00:00", "Next": "2030-03-02T02:00:00+00:00"}
    late = datetime(2030, 3, 1, 5, 17, 3, tzinfo=UTC)
    assert occurrence_of(NIGHTLY, status, late) == datetime(2030, 3, 1, 2, 0, tzinfo=UTC)


def test_two_fires_and_a_restart_name_the_same_occurrence() -> None:
    status = {"Next": "2030-03-02T02:00:00Z"}
    first = occurrence_of(NIGHTLY, status, datetime(2030, 3, 1, 2, 0, 0, 120_000, tzinfo=UTC))
    second = occurrence_of(NIGHTLY, status, datetime(2030, 3, 1, 2, 0, 9, tzinfo=UTC))
    restarted = occurrence_of(NIGHTLY, None, datetime(2030, 3, 1, 3, 30, tzinfo=UTC))
    assert first == second == restarted == datetime(2030, 3, 1, 2, 0, tzinfo=UTC)


def test_without_status_a_fire_exactly_on_time_is_its_own_occurrence() -> None:
    on_time = datetime(2030, 3, 1, 2, 0, 0, 400_000, tzinfo=UTC)
    assert occurrence_of(NIGHTLY, None, on_time) == datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
    just_before = datetime(2030, 3, 1, 1, 59, 59, tzinfo=UTC)
    assert occurrence_of(NIGHTLY, None, just_before) == datetime(2030, 2, 28, 2, 0, tzinfo=UTC)
