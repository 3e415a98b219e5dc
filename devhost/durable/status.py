"""What the engine reports about instances and about its own work."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devhost.durable.history import parse_time
from devhost.durable.store import InstanceRow

TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
LIVE = frozenset({"Pending", "Running", "Suspended", "ContinuedAsNew"})


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class InstanceStatus:
    instance_id: str
    name: str
    runtime_status: str
    input: Any
    output: Any
    custom_status: Any
    created_time: datetime
    last_updated_time: datetime
    history_length: int

    @property
    def is_terminal(self) -> bool:
        return self.runtime_status in TERMINAL

    @classmethod
    def from_row(cls, row: InstanceRow) -> InstanceStatus:
        return cls(
            row.instance_id,
            row.name,
            row.status,
            _loads(row.input),
            _loads(row.output),
            _loads(row.custom_status),
            parse_time(row.created),
            parse_time(row.updated),
            row.history_length,
        )


@dataclass(frozen=True)
class ActivityInvocation:
    name: str
    instance_id: str
    wall_seconds: float
    succeeded: bool


@dataclass
class EngineStats:
    """Counters the benchmarks read; updated in place as the engine works."""

    episodes: int = 0
    # Wall time of each instance's orchestrator invocations, round trip to the worker included.
    orchestrator_seconds: dict[str, float] = field(default_factory=dict)
    activity_invocations: list[ActivityInvocation] = field(default_factory=list)
    max_history_length: dict[str, int] = field(default_factory=dict)

    @property
    def total_orchestrator_seconds(self) -> float:
        return sum(self.orchestrator_seconds.values())
