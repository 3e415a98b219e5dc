"""NCRONTAB schedules (six fields, seconds first)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devhost.errors import ScheduleError
from devhost.timers import NcrontabSchedule


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 2 * * *", datetime(2024, 1, 1, 1, 0, tzinfo=UTC), datetime(2024, 1, 1, 2, 0, tzinfo=UTC)),
        ("0 0 2 * * *", datetime(2024, 1, 1, 2, 0, tzinfo=UTC), datetime(2024, 1, 2, 2, 0, tzinfo=UTC)),
        ("*/15 * * * * *", datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
         datetime(2024, 1, 1, 0, 0, 15, tzinfo=UTC)),
        ("0 30 9 * * 1-5", datetime(2024, 1, 6, 0, 0, tzinfo=UTC), datetime(2024, 1, 8, 9, 30, tzinfo=UTC)),
    ],
)
def test_next_occurrence(expression: str, after: datetime, expected: datetime) -> None:
    assert NcrontabSchedule(expression, where="f").next_after(after) == expected


@pytest.mark.parametrize(
    ("expression", "message"), [("0 2 * * *", "six fields"), ("0 0 25 * * *", "not a valid")]
)
def test_invalid_schedules_name_the_function(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message) as caught:
        NcrontabSchedule(expression, where="function 'nightly'")
    assert "function 'nightly'" in str(caught.value)
