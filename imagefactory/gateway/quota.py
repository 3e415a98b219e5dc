"""Pacing ARM requests before Azure says no: read the remaining-quota headers, hold back when low.

ARM answers every request with what is left of the caller's token buckets for that subscription
(`x-ms-ratelimit-remaining-subscription-reads|writes|deletes`; the buckets hold 250 reads refilled
at 25/s and 200 writes and 200 deletes at 10/s each), and Compute adds its own per-operation
windows (`x-ms-ratelimit-remaining-resource: Microsoft.Compute/<policy>3Min;<n>,...`). A fleet of
builds that waits for 429s spends its quota on refused requests and retries in herds; this module
keeps a per-process book of the latest answers and, before a request is sent, estimates what is
left now (the remaining count plus what refilled since Azure's answer, minus what this process has
sent since). When the estimate falls under a reserve, the request is not sent: the call fails with
a transient ThrottlingAvoided error carrying the wait, and the orchestrator waits on a durable
timer, as for a 429 (no activity ever sleeps). The waits are jittered so paused builds do not
return in one burst.

Time comes from the orchestration (`orchestration_time`), so the estimate follows the clock the
builds run on (a virtual clock in tests, real time in Azure); Azure's answers are placed in time
by their Date header.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy


@dataclass(frozen=True)
class Bucket:
    capacity: float
    refill_per_second: float


# ARM's documented token buckets per subscription (and principal), by request class.
ARM_BUCKETS = {
    "reads": Bucket(250.0, 25.0),
    "writes": Bucket(200.0, 10.0),
    "deletes": Bucket(200.0, 10.0),
}
RESERVE_SHARE = 0.2  # hold back while less than this share of a bucket is left
COMPUTE_RESERVE = 3  # ...or while a Compute window has this few calls left
COMPUTE_PAUSE_SECONDS = 20.0
JITTER_SECONDS = 10.0
CODE = "ThrottlingAvoided"
# The payload key under which an orchestrator gives an activity its own time (removed before the
# activity's code sees the payload).
ORCHESTRATION_TIME = "_orchestration_time"

_SUBSCRIPTION = re.compile(r"/subscriptions/([^/?#]+)", re.IGNORECASE)
_RESOURCE_TYPE = re.compile(r"/providers/[^/]+/(.*?)(?:\?|$)", re.IGNORECASE)
_COMPUTE_POLICY = re.compile(r"^\s*Microsoft\.Compute/([^;]+);(\d+)\s*$")
_now: ContextVar[datetime | None] = ContextVar("imagefactory_orchestration_time", default=None)


class ThrottlingAvoidedError(AzureError):
    """Not sent: the quota left is under the reserve. Transient, with the seconds to wait."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@contextlib.contextmanager
def orchestration_time(moment: datetime | None) -> Iterator[None]:
    """The orchestration's time for the requests sent in this block (None: the wall clock)."""
    token = _now.set(moment)
    try:
        yield
    finally:
        _now.reset(token)


def request_class(method: str) -> str:
    """The ARM bucket a request is charged to (POST actions count as writes)."""
    upper = method.upper()
    if upper in ("GET", "HEAD"):
        return "reads"
    if upper == "DELETE":
        return "deletes"
    return "writes"


def _resource_kind(url: str) -> str:
    """`virtualMachines`, `galleries/images/versions`, `locations/operations`... (names dropped)."""
    match = _RESOURCE_TYPE.search(url)
    if match is None:
        return ""
    parts = match.group(1).split("/")
    return "/".join(parts[0::2]).lower()


def _window_key(subscription: str, method: str, url: str, policy: str) -> tuple[str, str, str]:
    """Compute's short windows (`...3Min`) count per resource, the others per subscription."""
    if policy.endswith("3Min"):
        return (subscription, method.upper(), url.split("?", 1)[0].lower())
    return (subscription, method.upper(), _resource_kind(url))


def _server_time(headers: Mapping[str, str], fallback: datetime) -> datetime:
    value = headers.get("Date") or headers.get("date")
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        return fallback
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class _Seen:
    remaining: float
    at: datetime
    sent_since: int = 0


class QuotaBook:
    """The latest quota answers per subscription, shared by every call of this process."""

    def __init__(self, *, jitter: float = JITTER_SECONDS, rng: random.Random | None = None) -> None:
        self._arm: dict[tuple[str, str], _Seen] = {}
        self._compute: dict[tuple[str, str, str], dict[str, _Seen]] = {}
        self._lock = threading.Lock()
        self._jitter = jitter
        self._rng = rng or random.Random()
        self.avoided = 0

    def wait_before(self, subscription: str, method: str, url: str, now: datetime) -> float | None:
        """Seconds to hold back a request, or None to send it (then counted as sent)."""
        klass = request_class(method)
        keys = (_window_key(subscription, method, url, "3Min"), _window_key(subscription, method, url, ""))
        with self._lock:
            wait = self._arm_wait(subscription, klass, now)
            compute = [seen for key in keys for seen in self._compute.get(key, {}).values()]
            if any(seen.remaining - seen.sent_since <= COMPUTE_RESERVE for seen in compute):
                wait = max(wait or 0.0, COMPUTE_PAUSE_SECONDS)
            if wait is not None:
                self.avoided += 1
                return wait + self._rng.uniform(0.0, self._jitter)
            seen = self._arm.get((subscription, klass))
            if seen is not None:
                seen.sent_since += 1
            for seen in compute:
                seen.sent_since += 1
        return None

    def _arm_wait(self, subscription: str, klass: str, now: datetime) -> float | None:
        seen = self._arm.get((subscription, klass))
        bucket = ARM_BUCKETS[klass]
        if seen is None:
            return None
        elapsed = max(0.0, (now - seen.at).total_seconds())
        left = min(bucket.capacity, seen.remaining + elapsed * bucket.refill_per_second) - seen.sent_since
        reserve = RESERVE_SHARE * bucket.capacity
        if left >= reserve:
            return None
        return (reserve - left) / bucket.refill_per_second

    def observe(
        self, subscription: str, method: str, url: str, headers: Mapping[str, str], now: datetime
    ) -> None:
        """Record Azure's answer (the newest per bucket wins; an older one arriving late is ignored)."""
        at = _server_time(headers, now)
        lowered = {key.lower(): value for key, value in headers.items()}
        with self._lock:
            for klass in ARM_BUCKETS:
                value = lowered.get(f"x-ms-ratelimit-remaining-subscription-{klass}")
                if value is not None and value.strip().isdigit():
                    self._keep(self._arm, (subscription, klass), float(value), at)
            for part in (lowered.get("x-ms-ratelimit-remaining-resource") or "").split(","):
                match = _COMPUTE_POLICY.match(part)
                if match is not None:
                    policy = match.group(1)
                    windows = self._compute.setdefault(_window_key(subscription, method, url, policy), {})
                    self._keep(windows, policy, float(match.group(2)), at)

    @staticmethod
    def _keep(table: dict[Any, _Seen], key: Any, remaining: float, at: datetime) -> None:
        current = table.get(key)
        if current is None or at >= current.at:
            table[key] = _Seen(remaining, at)

    def clear(self) -> None:
        with self._lock:
            self._arm.clear()
            self._compute.clear()
            self.avoided = 0


BOOK = QuotaBook()


class QuotaPolicy(SansIOHTTPPolicy[Any, Any]):
    """Consults the book before each request and feeds it every answer (a per-call policy)."""

    def __init__(self, book: QuotaBook = BOOK) -> None:
        self._book = book

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        subscription = _subscription(http.url)
        if subscription is None:
            return
        now = _now.get() or datetime.now(UTC)
        wait = self._book.wait_before(subscription, http.method, http.url, now)
        if wait is not None:
            raise ThrottlingAvoidedError(
                f"held back {http.method} {http.url.split('?')[0]}: the subscription's ARM quota is "
                f"nearly spent; retry in {wait:.0f} s",
                retry_after=wait,
            )

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        http = request.http_request
        subscription = _subscription(http.url)
        if subscription is None:
            return
        now = _now.get() or datetime.now(UTC)
        self._book.observe(subscription, http.method, http.url, response.http_response.headers, now)


def _subscription(url: str) -> str | None:
    match = _SUBSCRIPTION.search(url)
    return match.group(1).lower() if match else None
