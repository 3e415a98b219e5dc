"""Ratio and counting maths behind every figure the benchmark tables show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bench.errors import BenchError
from bench.measure import ReadinessLag, RequestCounts, average_dicts, mean, median, ratio

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Entry:
    kind: str


def test_request_counts_by_kind_ignore_admin_calls() -> None:
    log = [Entry("read"), Entry("read"), Entry("write"), Entry("action"), Entry("async_poll"), Entry("admin")]
    counts = RequestCounts.from_log(log)
    assert (counts.read, counts.write, counts.action, counts.async_poll, counts.delete) == (2, 1, 1, 1, 0)
    assert counts.total == 5
    assert counts.as_dict()["total"] == 5


def test_ratio_refuses_a_zero_reference() -> None:
    assert ratio(3.0, 2.0) == 1.5
    with pytest.raises(BenchError, match="reference measurement is zero"):
        ratio(1.0, 0.0)


def test_median_and_mean_refuse_no_measurements() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert mean([1.0, 2.0]) == 1.5
    with pytest.raises(BenchError):
        median([])
    with pytest.raises(BenchError):
        mean([])


def test_readiness_lag_per_region() -> None:
    completed = {"westeurope": T0, "eastus": T0 + timedelta(seconds=100)}
    reported = {"westeurope": T0 + timedelta(seconds=30), "eastus": T0 + timedelta(seconds=110)}
    lag = ReadinessLag.between(completed, reported)
    assert lag.by_region == {"westeurope": 30.0, "eastus": 10.0}
    assert lag.mean == 20.0 and lag.max == 30.0


def test_a_script_reports_every_region_when_its_one_wait_returns() -> None:
    completed = {"westeurope": T0, "eastus": T0 + timedelta(seconds=100)}
    lag = ReadinessLag.all_at(completed, T0 + timedelta(seconds=120))
    assert lag.by_region == {"westeurope": 120.0, "eastus": 20.0}


def test_a_region_never_reported_is_an_error_not_a_zero_lag() -> None:
    with pytest.raises(BenchError, match="never reported ready: eastus"):
        ReadinessLag.between({"westeurope": T0, "eastus": T0}, {"westeurope": T0})


def test_average_dicts_means_numbers_and_keeps_labels() -> None:
    first = {"name": "a", "overhead": 1.0, "requests": {"total": 10}, "ok": True}
    second = {"name": "a", "overhead": 2.0, "requests": {"total": 20}, "ok": True}
    assert average_dicts([first, second]) == {
        "name": "a",
        "overhead": 1.5,
        "requests": {"total": 15.0},
        "ok": True,
    }
