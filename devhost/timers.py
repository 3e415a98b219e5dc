"""Timer triggers: six-field NCRONTAB schedules evaluated on the host's clock.

The clock may be real, scaled or virtual (duck-typed: `virtual`, `now()`, `seconds_until(t)`, and
optionally `subscribe(callback)`), so a nightly schedule can be exercised in a test by moving a
virtual clock to 02:00 instead of waiting for it. When the clock jumps over several occurrences the
function runs once, flagged past due, as the Functions host does after downtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from croniter import croniter

from devhost.errors import ScheduleError

LOGGER = logging.getLogger("devhost.timers")

# A firing later than this after its occurrence is reported as past due.
PAST_DUE_TOLERANCE = timedelta(seconds=1)
# Longest single wait before re-reading a real or scaled clock (keeps lateness small, stop prompt).
REAL_CLOCK_STEP = 0.5
# How often a virtual clock is re-read when it offers no subscribe() notification.
VIRTUAL_CLOCK_POLL = 0.02


class Clock(Protocol):
    virtual: bool

    def now(self) -> datetime: ...

    def seconds_until(self, t: datetime) -> float: ...


class NcrontabSchedule:
    """`{second} {minute} {hour} {day} {month} {day-of-week}`, the format of timerTrigger schedules."""

    def __init__(self, expression: str, *, where: str) -> None:
        fields = expression.split()
        if len(fields) != 6:
            raise ScheduleError(
                f"{where}: schedule {expression!r} must be an NCRONTAB expression with six fields "
                "(second minute hour day month day-of-week), e.g. \"0 */5 * * * *\""
            )
        if not croniter.is_valid(expression, second_at_beginning=True):
            raise ScheduleError(f"{where}: schedule {expression!r} is not a valid NCRONTAB expression")
        self.expression = expression

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (tz-aware, same zone as `moment`)."""
        iterator = croniter(self.expression, moment, second_at_beginning=True, ret_type=datetime)
        occurrence: datetime = iterator.get_next(datetime)
        return occurrence


TimerFire = Callable[[bool, dict[str, Any]], Awaitable[None]]


class TimerRunner:
    """Fires one timer function at each occurrence of its schedule on the given clock."""

    def __init__(
        self, *, function_name: str, schedule: NcrontabSchedule, clock: Clock, fire: TimerFire,
        run_on_startup: bool = False,
    ) -> None:
        self.function_name = function_name
        self.schedule = schedule
        self._clock = clock
        self._fire = fire
        self._run_on_startup = run_on_startup
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._subscription: Callable[..., None] | None = None
        self.last_fired: datetime | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        subscribe = getattr(self._clock, "subscribe", None)
        if self._clock.virtual and callable(subscribe):
            def on_advance(*_: object) -> None:
                if not self._stopped:
                    loop.call_soon_threadsafe(self._wake.set)

            self._subscription = on_advance
            subscribe(on_advance)
        self._task = asyncio.create_task(self._run(), name=f"timer:{self.function_name}")

    async def stop(self) -> None:
        self._stopped = True
        self._wake.set()  # the loop also checks the flag: Python 3.11's wait_for can swallow a cancel
        unsubscribe = getattr(self._clock, "unsubscribe", None)
        if self._subscription is not None and callable(unsubscribe):
            unsubscribe(self._subscription)
            self._subscription = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def status(self, last: datetime | None, following: datetime) -> dict[str, Any]:
        """The ScheduleStatus the host passes in the TimerRequest (Last, Next, LastUpdated)."""
        now = self._clock.now()
        return {
            "Last": (last or now).isoformat(),
            "Next": following.isoformat(),
            "LastUpdated": now.isoformat(),
        }

    async def _run(self) -> None:
        if self._run_on_startup:
            await self._invoke(past_due=False, occurrence=self._clock.now())
        occurrence = self.schedule.next_after(self._clock.now())
        while not self._stopped:
            await self._wait_until(occurrence)
            if self._stopped:
                return
            now = self._clock.now()
            await self._invoke(past_due=now - occurrence > PAST_DUE_TOLERANCE, occurrence=occurrence)
            occurrence = self.schedule.next_after(max(now, occurrence))

    async def _invoke(self, *, past_due: bool, occurrence: datetime) -> None:
        following = self.schedule.next_after(max(self._clock.now(), occurrence))
        status = self.status(self.last_fired, following)
        self.last_fired = occurrence
        try:
            await self._fire(past_due, status)
        except Exception as error:  # a failing run must not stop the schedule
            LOGGER.warning("timer %s: invocation failed: %s", self.function_name, error)

    async def _wait_until(self, occurrence: datetime) -> None:
        while not self._stopped:
            self._wake.clear()  # before reading the clock, so an advance in between is not lost
            if self._clock.now() >= occurrence:
                return
            if self._clock.virtual:
                timeout = 1.0 if callable(getattr(self._clock, "subscribe", None)) else VIRTUAL_CLOCK_POLL
            else:
                timeout = max(0.001, min(self._clock.seconds_until(occurrence), REAL_CLOCK_STEP))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
