"""A virtual clock whose truth lives in an armsim running in another process, and that flows.

The scale benchmark keeps armsim in its own process so that the resident memory of armsim and of
devhost can be measured apart. They must still share one virtual clock: this object is the
devhost side of it. Only this process moves time, so the cached `now` is exact; each move is sent
to armsim's admin API first.

Why it flows: the durable engine jumps a virtual clock to the next timer only when nothing runs.
With hundreds of builds something always runs, so time would stand still, throttling buckets
would never refill, and every retry would meet another 429 (a livelock no real system has). While
`flow` is on, a ticker moves time forward at `scale` simulated seconds per wall second; when the
engine is idle it still jumps to the next timer.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta

from bench.errors import BenchError


def _call(url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="GET" if body is None else "POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read().decode("utf-8"))
    if not isinstance(answer, dict):
        raise BenchError(f"{url}: expected a JSON object, got {answer!r}")
    return answer


class ArmsimClock:
    virtual = True

    def __init__(self, endpoint: str, *, scale: float = 0.0, tick_seconds: float = 0.05) -> None:
        self._url = endpoint.rstrip("/") + "/_armsim/clock"
        state = _call(self._url)
        if not state.get("virtual"):
            raise BenchError(f"armsim at {endpoint} does not run a virtual clock (mode {state.get('mode')})")
        self._now = datetime.fromisoformat(str(state["now"]))
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[datetime], None]] = []
        self._scale = scale
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start_flow(self) -> None:
        """Let time flow at `scale` x wall time (no-op when scale is 0)."""
        if self._scale <= 0 or self._ticker is not None:
            return
        self._ticker = threading.Thread(target=self._flow, name="armsim-clock-flow", daemon=True)
        self._ticker.start()

    def stop_flow(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(5)
            self._ticker = None

    def _flow(self) -> None:
        while not self._stop.wait(self._tick):
            self.advance(self._tick * self._scale)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def seconds_until(self, t: datetime) -> float:
        return 0.0 if t <= self.now() else math.inf

    def advance_to(self, t: datetime) -> None:
        with self._lock:
            if t <= self._now:
                return
            state = _call(self._url, {"to": t.isoformat()})
            self._now = datetime.fromisoformat(str(state["now"]))
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(t)

    def advance(self, seconds: float) -> None:
        self.advance_to(self.now() + timedelta(seconds=seconds))

    def subscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
