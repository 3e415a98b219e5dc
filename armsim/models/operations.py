"""Async-operation records behind the `Azure-AsyncOperation` and `Location` monitor URLs.

An operation does not store a status: it holds a resolver that computes the outcome from the
current simulated time (and, for image versions, from the version's replication), so polling a
virtual clock is deterministic. Once a terminal outcome has been observed it is frozen, as a real
operation record would be.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso

IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"


@dataclass(frozen=True)
class Outcome:
    status: str
    end_time: datetime | None = None
    output: Any = None
    error: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.status != IN_PROGRESS


Resolver = Callable[[datetime], Outcome]


def finishes_at(end: datetime, output: Any = None, error: dict[str, Any] | None = None) -> Resolver:
    """An operation that is InProgress until `end`, then Succeeded (or Failed with `error`)."""

    def resolve(now: datetime) -> Outcome:
        if now < end:
            return Outcome(IN_PROGRESS)
        if error is not None:
            return Outcome(FAILED, end, error=error)
        return Outcome(SUCCEEDED, end, output=output)

    return resolve


@dataclass
class AsyncOperation:
    """One long-running operation; `family` picks the URL style (compute `operations`, gallery
    `capsOperations`, or disk and snapshot `DiskOperations`)."""

    name: str  # e.g. "virtualMachines.deallocate"
    subscription: str
    location: str  # normalised region, e.g. "westus"
    family: str  # "compute" | "caps" | "disk"
    api_version: str
    started_at: datetime
    resolver: Resolver
    retry_after: float
    op_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    injected_failure: bool = False  # a fault made it fail; the resource it creates must fail too
    _final: Outcome | None = None

    def outcome(self, now: datetime) -> Outcome:
        if self._final is not None:
            return self._final
        result = self.resolver(now)
        if result.done:
            self._final = result
        return result

    def path(self, monitor: bool) -> str:
        base = f"/subscriptions/{self.subscription}/providers/Microsoft.Compute/locations/{self.location}"
        if self.family in ("caps", "disk"):
            query = "monitor=true&" if monitor else ""
            kind = "capsOperations" if self.family == "caps" else "DiskOperations"
            return f"{base}/{kind}/{self.op_id}?{query}api-version={self.api_version}"
        query = f"p={self.token}&monitor=true" if monitor else f"p={self.token}"
        return f"{base}/operations/{self.op_id}?{query}&api-version={self.api_version}"

    def status_body(self, now: datetime) -> dict[str, Any]:
        result = self.outcome(now)
        body: dict[str, Any] = {"startTime": iso(self.started_at)}
        if result.end_time is not None:
            body["endTime"] = iso(result.end_time)
        body["status"] = result.status
        if result.status == SUCCEEDED and result.output is not None:
            body["properties"] = {"output": result.output}
        if result.error is not None:
            body["error"] = result.error
        body["name"] = self.op_id
        return body
