"""What armsim answered one SDK call with: status, parsed body and headers, caught by a
`raw_response_hook` (the first response of an LRO, before any poll)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Captured:
    status: int
    body: Any
    headers: dict[str, str]
    result: Any = None  # the LRO's final result, when the example shows it


def capture() -> tuple[list[Captured], Callable[[Any], None]]:
    seen: list[Captured] = []

    def hook(response: Any) -> None:
        http = response.http_response
        http.read()
        text = http.text() if http.status_code != 204 else ""
        seen.append(
            Captured(http.status_code, json.loads(text) if text.strip() else None, dict(http.headers))
        )

    return seen, hook


def first(seen: list[Captured], result: Any = None) -> Captured:
    captured = seen[0]
    captured.result = result
    return captured
