"""Benchmarks 1-3, measured side by side in one run: detection overhead, ARM requests, compute seconds.

For every scenario (replication time x region count, at each phase offset) the same build is done
three times on a fresh armsim: by the product (whole pipeline on the durable engine), by a script
blocking in the SDK poller, and by a script polling every 30 s. From each run:
- overhead: simulated end-to-end time / the simulated durations on the approach's critical path
  (the product prepares the VM and the gallery side by side, a script one after the other, so each
  is divided by its own critical path: the ratio isolates time lost to noticing completion late);
- readiness lag per region: the moment the region was reported ready minus armsim's completion;
- ARM requests by kind, from armsim's request log;
- compute seconds: the product's summed activity wall time / the pipeline's simulated duration.
  A script holds one process from start to end: its ratio is 1.0 by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from armsim.testing import ArmsimHandle
from bench.baselines import blocking_sdk, fixed_poll
from bench.baselines.script import BaselineRun
from bench.harness import armsim_for_pipeline, run_pipeline
from bench.measure import ReadinessLag, RequestCounts, average_dicts, ratio
from bench.scenarios import (
    PHASE_OFFSETS_SECONDS,
    Scenario,
    build_request,
    critical_path_seconds,
    prepare,
    region_completions,
    standard_scenarios,
)

OURS = "image_factory"
BLOCKING = "blocking_sdk"
FIXED = "fixed_30s"
APPROACHES = (OURS, BLOCKING, FIXED)


def _figures(
    sim: ArmsimHandle, scenario: Scenario, seconds: float, lag: ReadinessLag, *, parallel: bool
) -> dict[str, Any]:
    critical = critical_path_seconds(sim, scenario, parallel=parallel)
    return {
        "simulated_seconds": seconds,
        "critical_path_seconds": critical,
        "overhead": ratio(seconds, critical),
        "lag_mean_seconds": lag.mean,
        "lag_max_seconds": lag.max,
        "requests": RequestCounts.from_log(sim.requests()).as_dict(),
    }


def measure_ours(scenario: Scenario) -> dict[str, Any]:
    with armsim_for_pipeline() as sim:
        run = run_pipeline(sim, build_request(prepare(sim, scenario), scenario))
        completed = region_completions(sim)
        reported = {
            str(region["name"]): datetime.fromisoformat(str(region["ready_at"]))
            for region in run.output["regions"]
            if region.get("ready_at")
        }
        figures = _figures(
            sim, scenario, run.simulated_seconds, ReadinessLag.between(completed, reported), parallel=True
        )
    activity_seconds = sum(call.wall_seconds for call in run.stats.activity_invocations)
    figures.update(
        activity_invocations=len(run.stats.activity_invocations),
        compute_seconds=activity_seconds,
        compute_ratio=ratio(activity_seconds, run.simulated_seconds),
        wall_seconds=run.wall_seconds,
    )
    return figures


def measure_script(
    scenario: Scenario, script: Callable[[ArmsimHandle, str, Scenario], BaselineRun]
) -> dict[str, Any]:
    with armsim_for_pipeline() as sim:
        run = script(sim, prepare(sim, scenario), scenario)
        lag = ReadinessLag.all_at(region_completions(sim), run.finished_at)
        figures = _figures(sim, scenario, run.simulated_seconds, lag, parallel=False)
    # one process is held from the first call to the last: compute time equals the duration
    figures.update(compute_seconds=run.simulated_seconds, compute_ratio=1.0)
    return figures


def measure_scenario(
    scenario: Scenario, offsets: tuple[float, ...] = PHASE_OFFSETS_SECONDS
) -> dict[str, Any]:
    """All three approaches at every phase offset; figures are the mean over offsets."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in APPROACHES}
    for offset in offsets:
        shifted = scenario.at_offset(offset)
        runs[OURS].append(measure_ours(shifted))
        runs[BLOCKING].append(measure_script(shifted, blocking_sdk.run))
        runs[FIXED].append(measure_script(shifted, fixed_poll.run))
    return {
        "scenario": scenario.name,
        "replication_seconds": scenario.replication_seconds,
        "regions": scenario.region_count,
        "phase_offsets_seconds": list(offsets),
        "approaches": {name: average_dicts(items) for name, items in runs.items()},
    }


def run(quick: bool = False) -> dict[str, Any]:
    return {"scenarios": [measure_scenario(scenario) for scenario in standard_scenarios(quick)]}
