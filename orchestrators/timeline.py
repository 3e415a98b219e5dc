"""Phase timings and the custom status the build shows while it runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from imagefactory.result import BuildStatus, PhaseTiming, RegionResult


class Timeline:
    """Collects phase start/finish times (orchestration time, so replay-safe) and renders status."""

    def __init__(self, build_id: str, started_at: datetime) -> None:
        self.build_id = build_id
        self.started_at = started_at
        self.phases: list[PhaseTiming] = []
        self.current = "starting"
        self.target: str | None = None
        self.regions: list[RegionResult] = []
        self.monitor_instance_id: str | None = None

    def begin(self, phase: str, now: datetime) -> None:
        self.current = phase
        self.phases.append(PhaseTiming(name=phase, started_at=now))

    def end(self, phase: str, now: datetime) -> None:
        for timing in reversed(self.phases):
            if timing.name == phase and timing.finished_at is None:
                timing.finished_at = now
                timing.duration_seconds = (now - timing.started_at).total_seconds()
                return

    def add(self, timings: list[dict[str, Any]]) -> None:
        """Phase timings reported by a sub-orchestration."""
        self.phases.extend(PhaseTiming.model_validate(item) for item in timings)

    def close_open(self, now: datetime) -> None:
        for timing in self.phases:
            if timing.finished_at is None:
                self.end(timing.name, now)

    def status(self, now: datetime, status: str = "Running") -> dict[str, Any]:
        return BuildStatus(
            build_id=self.build_id,
            status=status,  # type: ignore[arg-type]
            phase=self.current,
            started_at=self.started_at,
            updated_at=now,
            target=self.target,
            phases=self.phases,
            regions=self.regions,
            monitor_instance_id=self.monitor_instance_id,
        ).model_dump(mode="json")

    def publish(self, context: Any, status: str = "Running") -> None:
        context.set_custom_status(self.status(context.current_utc_datetime, status))
