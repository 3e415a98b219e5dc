"""Creation and deletion windows shared by every simulated resource.

A resource is "Creating" until `ready_at`, then settled; once a delete starts it is "Deleting"
until `gone_at`, after which lookups no longer find it. Nothing runs in the background: callers
pass the current simulated time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Lifecycle:
    created_at: datetime
    ready_at: datetime
    delete_started_at: datetime | None = None
    gone_at: datetime | None = None
    updating_until: datetime | None = None
    fails: bool = False  # its create operation ends Failed (an injected `operation_failed` fault)

    def is_gone(self, now: datetime) -> bool:
        return self.gone_at is not None and now >= self.gone_at

    def is_deleting(self, now: datetime) -> bool:
        return self.gone_at is not None and now < self.gone_at

    def is_ready(self, now: datetime) -> bool:
        return now >= self.ready_at

    def provisioning_state(self, now: datetime) -> str:
        if self.is_deleting(now):
            return "Deleting"
        if not self.is_ready(now):
            return "Creating"
        if self.fails:
            return "Failed"
        return "Updating" if self.updating_until is not None and now < self.updating_until else "Succeeded"

    def start_update(self, until: datetime) -> None:
        self.updating_until = until

    def start_delete(self, now: datetime, until: datetime) -> None:
        if self.gone_at is None:
            self.delete_started_at = now
            self.gone_at = until
