"""Poll prediction: the next poll lands when the fastest region is predicted to finish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imagefactory.gateway.facts import RegionReplication, ReplicationSummary
from imagefactory.replication import ReplicationWatch, next_poll_delay, observe, predicted_finish

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _summary(**progress: int) -> ReplicationSummary:
    return ReplicationSummary(
        aggregated_state="InProgress",
        regions=[
            RegionReplication(region=name, state="Completed" if p >= 100 else "Replicating", progress=p)
            for name, p in progress.items()
        ],
    )


def test_two_samples_predict_linear_finish_and_next_poll_targets_earliest_region() -> None:
    watch = ReplicationWatch.start(["westeurope", "eastus"], T0)
    watch = observe(watch, _summary(westeurope=10, eastus=0), T0).watch
    later = T0 + timedelta(minutes=10)
    watch = observe(watch, _summary(westeurope=30, eastus=5), later).watch
    # 10 % -> 30 % in 10 min: truncated progress allows up to 21 % growth and as little as 69 % left,
    # so the earliest finish is 69 / 2.1 = 32.86 min away (a plain linear fit would say 35: too late).
    finish = predicted_finish(watch.regions["westeurope"])
    assert finish == later + timedelta(minutes=10 * 69 / 21)
    # eastus (0 % -> 5 %) has just started moving: one read at the minimum interval learns its rate.
    assert next_poll_delay(watch, later, min_seconds=30, max_seconds=7200) == 30
    third = later + timedelta(seconds=30)
    watch = observe(watch, _summary(westeurope=31, eastus=5), third).watch
    # no growth in 30 s still says something: under 1 % per 30 s, so 94 % more take at least 47 min
    assert predicted_finish(watch.regions["eastus"]) == third + timedelta(seconds=94 * 30)
    # westeurope keeps its first sample (10 % at T0): 22 % in 630 s at most, 68 % left at least.
    expected = 68 * 630 / 22
    assert next_poll_delay(watch, third, min_seconds=30, max_seconds=7200) == pytest.approx(expected)


def test_delay_is_clamped_and_retry_after_is_honoured() -> None:
    watch = ReplicationWatch.start(["westeurope"], T0)
    watch = observe(watch, _summary(westeurope=10), T0).watch
    watch = observe(watch, _summary(westeurope=90), T0 + timedelta(seconds=80)).watch
    now = T0 + timedelta(seconds=80)
    assert next_poll_delay(watch, now, min_seconds=30, max_seconds=900) == 30
    assert next_poll_delay(watch, now, min_seconds=30, max_seconds=900, retry_after=120) == 120
    slow = ReplicationWatch.start(["eastus"], T0)
    slow = observe(slow, _summary(eastus=1), T0).watch
    slow = observe(slow, _summary(eastus=2), T0 + timedelta(minutes=1)).watch
    assert next_poll_delay(slow, T0 + timedelta(minutes=1), min_seconds=30, max_seconds=900) == 900


def test_without_progress_growth_polling_backs_off_from_the_minimum() -> None:
    watch = ReplicationWatch.start(["eastus"], T0)
    watch = observe(watch, _summary(eastus=0), T0).watch
    assert next_poll_delay(watch, T0, min_seconds=30, max_seconds=900) == 30
    watch.last_delay_seconds = 30
    assert next_poll_delay(watch, T0, min_seconds=30, max_seconds=900) == 60


def test_completion_is_recorded_once_with_its_time_and_failures_are_listed() -> None:
    watch = ReplicationWatch.start(["westeurope", "northeurope"], T0)
    first = observe(watch, _summary(westeurope=100, northeurope=40), T0)
    assert first.newly_completed == ["westeurope"]
    assert first.watch.regions["westeurope"].ready_at == T0
    failed = ReplicationSummary(
        regions=[
            RegionReplication(region="westeurope", state="Completed", progress=100),
            RegionReplication(
                region="northeurope", state="Failed", progress=40, details="Storage allocation"
            ),
        ]
    )
    second = observe(first.watch, failed, T0 + timedelta(minutes=5))
    assert second.newly_completed == []
    assert second.failed == ["northeurope"]
    assert second.watch.regions["westeurope"].ready_at == T0


def test_regions_completed_between_two_reads_are_listed_by_likely_finish_not_by_name() -> None:
    watch = ReplicationWatch.start(["austriaeast", "westeurope", "brazilsouth"], T0)
    watch = observe(watch, _summary(austriaeast=10, westeurope=40, brazilsouth=20), T0).watch
    later = T0 + timedelta(minutes=10)
    # westeurope predicted to finish first, then brazilsouth, then austriaeast
    watch = observe(watch, _summary(austriaeast=20, westeurope=80, brazilsouth=50), later).watch
    done_at = later + timedelta(hours=2)
    seen = observe(watch, _summary(austriaeast=100, westeurope=100, brazilsouth=100), done_at)
    assert seen.newly_completed == ["westeurope", "brazilsouth", "austriaeast"]
    assert {r.ready_at for r in seen.watch.regions.values()} == {done_at}


def test_without_a_prediction_higher_progress_is_taken_as_the_earlier_finisher() -> None:
    watch = ReplicationWatch.start(["alpha", "beta"], T0)
    watch = observe(watch, _summary(alpha=10, beta=60), T0).watch
    seen = observe(watch, _summary(alpha=100, beta=100), T0 + timedelta(minutes=30))
    assert seen.newly_completed == ["beta", "alpha"]


def test_samples_at_zero_are_ignored_so_a_waiting_region_gets_a_fair_rate() -> None:
    # northeurope waits at 0 % for 20 min while the source region replicates, then moves 2 %/min.
    watch = ReplicationWatch.start(["northeurope"], T0)
    watch = observe(watch, _summary(northeurope=0), T0).watch
    watch = observe(watch, _summary(northeurope=10), T0 + timedelta(minutes=25)).watch
    assert predicted_finish(watch.regions["northeurope"]) is None  # one moving sample: no rate yet
    watch = observe(watch, _summary(northeurope=20), T0 + timedelta(minutes=30)).watch
    finish = predicted_finish(watch.regions["northeurope"])
    assert finish is not None
    # true finish at 2 %/min is 40 min after 20 %, i.e. T0+70 min; a fit through the 0 % sample
    # would have said T0+150 min. The estimate errs early, never late.
    assert T0 + timedelta(minutes=65) < finish <= T0 + timedelta(minutes=70)


def test_a_region_restarted_by_a_retry_drops_its_old_samples() -> None:
    watch = ReplicationWatch.start(["eastus"], T0)
    watch = observe(watch, _summary(eastus=40), T0).watch
    watch = observe(watch, _summary(eastus=50), T0 + timedelta(minutes=5)).watch
    watch = observe(watch, _summary(eastus=5), T0 + timedelta(minutes=10)).watch
    assert [s.progress for s in watch.regions["eastus"].samples] == [5]
    watch = observe(watch, _summary(eastus=9), T0 + timedelta(minutes=12)).watch
    watch = observe(watch, _summary(eastus=15), T0 + timedelta(minutes=15)).watch
    assert [s.progress for s in watch.regions["eastus"].samples] == [5, 9, 15]


def test_a_steady_region_is_read_a_few_times_and_noticed_within_the_minimum_interval() -> None:
    # A steady 1 %/min region: the reads jump to the earliest possible finish, the final percent is
    # bounded by the samples around its last integer step, not polled through at the minimum.
    watch = ReplicationWatch.start(["eastus"], T0)
    now = T0
    delays = []
    for _ in range(20):
        progress = min(100, int((now - T0).total_seconds() / 60) + 1)
        watch = observe(watch, _summary(eastus=progress), now).watch
        if watch.all_completed:
            break
        delay = next_poll_delay(watch, now, min_seconds=15, max_seconds=900)
        watch.last_delay_seconds = delay
        delays.append(delay)
        now += timedelta(seconds=delay)
    finished_at = T0 + timedelta(minutes=99)
    assert watch.all_completed
    assert now - finished_at <= timedelta(seconds=15)  # noticed within the minimum interval
    # 2 reads learn the rate, reads at the 15-minute cap follow it, ~5 reads cover the final truncated
    # percent at the minimum interval: 14 in all, where a fixed 30 s poll reads 198 times.
    assert len(delays) <= 14
    assert delays.count(900) >= 5
