"""Replication watching: per-region progress, completion times, and when to look next.

Replication of a large image runs for hours at 1-3 % a minute per region. Polling at a fixed
interval either wastes calls (and history) or notices completion late. Each region's progress
grows roughly linearly, so a few samples bound its rate and its finish; the next poll goes to the
earliest finish any unfinished region can have, clamped to [min, max] and never before the
server's Retry-After.

Two details keep the prediction from being late, which is what readiness lag is made of:
- A region at 0 % is usually waiting for the source region, not replicating slowly; samples at 0 %
  would make its first rate far too low, so they are not kept. A region that has just started
  moving (one sample) is read again after the minimum interval to learn its rate.
- Azure reports progress as a truncated integer: true progress lies in [p, p+1). Every sample is
  a pair of linear constraints on the region's (rate, start); the estimate is the EARLIEST finish
  consistent with all of them, so it errs early (a cheap extra read) rather than late (a ready
  region left unannounced). The price is the last percent: truncation hides up to 1 % of
  progress, so it is read at the minimum interval, which is what bounds readiness lag.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from imagefactory.gateway.facts import ReplicationSummary

_SAMPLES_KEPT = 5  # per region, carried across continue_as_new: small and bounded


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgressSample(_Model):
    at: datetime
    progress: int


class RegionProgress(_Model):
    region: str
    state: str = "Unknown"  # Unknown | Replicating | Completed | Failed | Retrying
    progress: int = 0
    ready_at: datetime | None = None
    retries: int = 0
    details: str | None = None
    samples: list[ProgressSample] = Field(default_factory=list)  # first moving sample + latest few

    @property
    def done(self) -> bool:
        return self.state == "Completed"


class ReplicationWatch(_Model):
    """Everything the monitor carries from poll to poll (and across continue_as_new)."""

    regions: dict[str, RegionProgress]
    polls: int = 0
    last_delay_seconds: float = 0.0
    started_at: datetime

    @classmethod
    def start(cls, regions: list[str], now: datetime) -> ReplicationWatch:
        return cls(regions={name: RegionProgress(region=name) for name in regions}, started_at=now)

    @property
    def all_completed(self) -> bool:
        return all(region.done for region in self.regions.values())

    def failed_regions(self) -> list[str]:
        return sorted(name for name, region in self.regions.items() if region.state == "Failed")


class Observation(_Model):
    watch: ReplicationWatch
    newly_completed: list[str]
    failed: list[str]


def _likely_completion_order(watch: ReplicationWatch, names: list[str]) -> list[str]:
    """Regions seen Completed in the same read, earliest likely finisher first.

    Azure reports no completion time, so regions that finished between two reads are ordered by
    what the previous read predicted (then by progress, then by name) rather than alphabetically.
    """

    def key(name: str) -> tuple[datetime, int, str]:
        region = watch.regions.get(name)
        if region is None:
            return datetime.max.replace(tzinfo=watch.started_at.tzinfo), 0, name
        finish = predicted_finish(region) or datetime.max.replace(tzinfo=watch.started_at.tzinfo)
        return finish, -region.progress, name

    return sorted(names, key=key)


def observe(watch: ReplicationWatch, summary: ReplicationSummary | None, now: datetime) -> Observation:
    """Fold one replication status read into the watch; `newly_completed` is in likely completion order."""
    regions = {name: region.model_copy(deep=True) for name, region in watch.regions.items()}
    newly_completed: list[str] = []
    for item in summary.regions if summary is not None else []:
        region = regions.get(item.region)
        if region is None:
            region = RegionProgress(region=item.region)
            regions[item.region] = region
        was_done = region.done
        region.state = item.state
        region.details = item.details
        region.progress = 100 if item.state == "Completed" else item.progress
        if region.progress > 0:
            # Keep the first moving sample (the longest baseline bounds the rate tightest) and the
            # latest few (they bound the last integer step). Progress going down means a retry
            # restarted the region: its old samples describe another run.
            kept = [s for s in region.samples if s.progress <= region.progress]
            if len(kept) > _SAMPLES_KEPT:
                kept = [kept[0], *kept[-(_SAMPLES_KEPT - 1) :]]
            region.samples = [*kept, ProgressSample(at=now, progress=region.progress)]
        if region.done and not was_done:
            region.ready_at = now
            newly_completed.append(item.region)
    updated = watch.model_copy(update={"regions": regions, "polls": watch.polls + 1})
    return Observation(
        watch=updated,
        newly_completed=_likely_completion_order(watch, newly_completed),
        failed=updated.failed_regions(),
    )


def _rate_bounds(samples: list[ProgressSample]) -> tuple[float, float]:
    """(lowest, highest) rate in %/s that every pair of truncated samples allows."""
    low, high = 0.0, math.inf
    for i, earlier in enumerate(samples):
        for later in samples[i + 1 :]:
            elapsed = (later.at - earlier.at).total_seconds()
            if elapsed <= 0:
                continue
            high = min(high, (later.progress + 1 - earlier.progress) / elapsed)
            low = max(low, (later.progress - earlier.progress - 1) / elapsed)
    return low, high


def _consistent(samples: list[ProgressSample]) -> tuple[list[ProgressSample], float] | None:
    """The samples one linear run explains (all, else the last two) and their highest rate."""
    low, high = _rate_bounds(samples)
    if high <= low:  # replication sped up or slowed down: trust only the latest step
        samples = samples[-2:]
        low, high = _rate_bounds(samples)
    if not math.isfinite(high) or high <= 0:
        return None
    return samples, high


def predicted_finish(region: RegionProgress) -> datetime | None:
    """The earliest time the region can reach 100 % given its truncated samples, or None (no rate yet).

    Sample i says progress at t_i is below p_i + 1, so at the fastest rate r the samples allow,
    100 % comes no sooner than t_i + (99 - p_i) / r; the latest of those bounds is the answer.
    """
    if region.done or len(region.samples) < 2:
        return None
    fitted = _consistent(region.samples)
    if fitted is None:
        return None
    samples, high = fitted
    return max(s.at + timedelta(seconds=max(0, 99 - s.progress) / high) for s in samples)


def _just_started(region: RegionProgress) -> bool:
    """Moving, but with no rate yet: one more read soon gives it one."""
    return not region.done and region.state != "Failed" and len(region.samples) == 1


def next_poll_delay(
    watch: ReplicationWatch,
    now: datetime,
    *,
    min_seconds: float,
    max_seconds: float,
    retry_after: float | None = None,
) -> float:
    """Seconds until the next useful poll (see the module docstring)."""
    predictions = [
        finish for region in watch.regions.values() if (finish := predicted_finish(region)) is not None
    ]
    if any(_just_started(region) for region in watch.regions.values()):
        predictions.append(now + timedelta(seconds=min_seconds))
    if predictions:
        delay = (min(predictions) - now).total_seconds()
    else:
        # nothing measurable yet (first sample, or regions waiting for the source region): back off
        delay = max(min_seconds, watch.last_delay_seconds * 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(max_seconds, max(min_seconds, delay)))
