"""Log of every request armsim served, for tests and benchmarks to count calls by kind."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LogEntry:
    seq: int
    method: str
    path: str
    api_version: str | None
    status: int
    kind: str  # read | write | delete | action | async_poll | admin
    operation: str  # e.g. "virtualMachines.deallocate"
    sim_time: str
    wall_time: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._lock = threading.Lock()
        self._seq = 0

    def append(self, **fields: Any) -> LogEntry:
        with self._lock:
            self._seq += 1
            entry = LogEntry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(self, since: int = 0) -> list[LogEntry]:
        """Entries with seq > `since`."""
        with self._lock:
            return [e for e in self._entries if e.seq > since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
