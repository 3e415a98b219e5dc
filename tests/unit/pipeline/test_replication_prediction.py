"""Poll prediction: the next poll lands when the fastest region is predicted to finish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    assert predicted_finish(watch.regions["westeurope"]) == later + timedelta(minutes=35)
    delay = next_poll_delay(watch, later, min_seconds=30, max_seconds=7200)
    assert delay == 35 * 60


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
