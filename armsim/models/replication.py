"""Per-region replication of an image version.

Each region copies over a window [starts_at, ends_at]; progress grows linearly across it. The
source region goes first and the other regions run in parallel after it, as Azure reports. A
region planned to fail (fault injection: "Storage allocation failure") stops at `fails_at` with
state Failed and the progress it had reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

REPLICATING = "Replicating"
COMPLETED = "Completed"
FAILED = "Failed"


@dataclass
class RegionReplication:
    region: str  # as the request spelled it, e.g. "East US"
    starts_at: datetime
    ends_at: datetime
    fails_at: datetime | None = None
    failure_message: str = ""

    def state(self, now: datetime) -> str:
        if self.fails_at is not None and now >= self.fails_at:
            return FAILED
        return COMPLETED if now >= self.ends_at else REPLICATING

    def progress(self, now: datetime) -> int:
        at = now if self.fails_at is None else min(now, self.fails_at)
        total = (self.ends_at - self.starts_at).total_seconds()
        if at >= self.ends_at:
            return 100
        if at <= self.starts_at or total <= 0:
            return 0
        return min(99, int(100 * (at - self.starts_at).total_seconds() / total))

    def terminal(self, now: datetime) -> bool:
        return self.state(now) != REPLICATING

    def settled_at(self) -> datetime:
        return self.fails_at if self.fails_at is not None else self.ends_at

    def summary(self, now: datetime) -> dict[str, object]:
        state = self.state(now)
        return {
            "region": self.region,
            "state": state,
            "details": self.failure_message if state == FAILED else "",
            "progress": self.progress(now),
        }


def aggregated_state(regions: list[RegionReplication], now: datetime) -> str:
    states = [r.state(now) for r in regions]
    if not states:
        return "Unknown"
    if any(s == REPLICATING for s in states):
        return "InProgress"
    if any(s == FAILED for s in states):
        return "Failed"
    return "Completed"
