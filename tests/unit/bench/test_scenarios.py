"""Scenario timing: the slowest region must finish exactly when the scenario says."""

from __future__ import annotations

import pytest

from armsim.timing import TimingModel
from bench.errors import ScenarioError
from bench.scenarios import OS_DISK_GB, Scenario, duration_label, standard_scenarios


def _region_seconds(scenario: Scenario) -> list[float]:
    model = TimingModel()
    model.update(scenario.timings())
    return [
        model.replication_seconds(OS_DISK_GB, region["replica_count"], "Standard_LRS", shallow=False)
        for region in scenario.target_regions()
    ]


@pytest.mark.parametrize("count", [1, 3, 10])
@pytest.mark.parametrize("seconds", [600.0, 3600.0, 21600.0])
def test_home_then_slowest_region_add_up_to_the_replication_time(seconds: float, count: int) -> None:
    scenario = Scenario(seconds, count, phase_offset_seconds=15.0)
    durations = _region_seconds(scenario)
    home, others = durations[0], durations[1:]
    finish = home + max(others) if others else home
    assert finish == pytest.approx(seconds + 15.0)


def test_other_regions_finish_at_distinct_times() -> None:
    durations = _region_seconds(Scenario(3600.0, 10))
    assert len(set(durations[1:])) == 9


def test_the_home_region_is_listed_first() -> None:
    regions = Scenario(600.0, 3).regions
    assert regions[0] == "westeurope" and len(regions) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replication_seconds": 0.0, "region_count": 1}, "replication_seconds"),
        ({"replication_seconds": 60.0, "region_count": 11}, "region_count"),
        (
            {"replication_seconds": 60.0, "region_count": 1, "phase_offset_seconds": 60.0},
            "phase_offset_seconds",
        ),
    ],
)
def test_bad_scenarios_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ScenarioError, match=field):
        Scenario(**kwargs)  # type: ignore[arg-type]


def test_labels_and_the_standard_grid() -> None:
    assert duration_label(600) == "10 min" and duration_label(21600) == "6 h" and duration_label(45) == "45 s"
    assert [s.name for s in standard_scenarios(quick=True)] == [
        "10 min x 1",
        "10 min x 3",
        "1 h x 1",
        "1 h x 3",
    ]
    assert len(standard_scenarios()) == 9
