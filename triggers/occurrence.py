"""Which schedule occurrence a timer invocation belongs to.

Idempotency of the rollout hangs on this: the occurrence, not "now", names every build of a run
({line}@{occurrence}), so a timer fired twice, fired late, or re-run after a host restart maps to
the same occurrence and the same instance ids. The host tells us the NEXT occurrence in the
schedule status; the current one is the schedule's previous point before it. Without a schedule
status (monitoring off) it is the latest occurrence not after now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def previous_occurrence(schedule: str, before: datetime) -> datetime:
    """The last occurrence of the six-field NCRONTAB `schedule` strictly before `before` (UTC)."""
    iterator = croniter(schedule, _aware(before).astimezone(UTC), second_at_beginning=True)
    found: datetime = iterator.get_prev(datetime)
    return found.astimezone(UTC)


def occurrence_of(schedule: str, schedule_status: Mapping[str, Any] | None, now: datetime) -> datetime:
    """The occurrence this invocation stands for (see the module docstring)."""
    following = (schedule_status or {}).get("Next")
    if following:
        next_time = datetime.fromisoformat(str(following).replace("Z", "+00:00"))
        return previous_occurrence(schedule, next_time)
    whole_second = _aware(now).replace(microsecond=0)
    return previous_occurrence(schedule, whole_second + timedelta(seconds=1))
