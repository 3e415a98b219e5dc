"""Benchmark 4: does replay cost grow with replication time?

Every episode of an orchestration replays its whole history, so an orchestration whose history
grows with each poll costs more CPU the longer Azure replicates. The same build is run with a
10-minute and a 6-hour replication; the figures are the largest history (events) of any instance
of the pipeline, the orchestrator time the engine spent on the pipeline (each episode's round trip
to the worker, where the SDK's replay runs: median of a few runs, it is noisy), the same per
episode, and their 6 h / 10 min ratios. A longer replication takes more episodes (more polls), so
the total grows; what must stay flat is the cost of ONE episode, which grows when replay does.
"""

from __future__ import annotations

from typing import Any

from bench.harness import armsim_for_pipeline, run_pipeline
from bench.measure import median, ratio
from bench.scenarios import Scenario, build_request, prepare

SHORT_SECONDS = 600.0
LONG_SECONDS = 21600.0
REGIONS = 3
REPEATS = 5


def measure(scenario: Scenario, repeats: int) -> dict[str, Any]:
    histories: list[int] = []
    cpu: list[float] = []
    episodes: list[int] = []
    largest_instance = ""
    for _ in range(repeats):
        with armsim_for_pipeline() as sim:
            run = run_pipeline(sim, build_request(prepare(sim, scenario), scenario))
        lengths = run.stats.max_history_length
        largest_instance = max(lengths, key=lambda name: lengths[name])
        histories.append(lengths[largest_instance])
        cpu.append(run.stats.total_orchestrator_seconds)
        episodes.append(run.stats.episodes)
    return {
        "scenario": scenario.name,
        "max_history_events": max(histories),
        "largest_instance": largest_instance.split(":", 1)[1] if ":" in largest_instance else "build_image",
        "instances": len(run.stats.max_history_length),
        "episodes": median([float(e) for e in episodes]),
        "orchestrator_cpu_seconds": median(cpu),
        "seconds_per_episode": median([c / e for c, e in zip(cpu, episodes, strict=True) if e]),
    }


def run(quick: bool = False) -> dict[str, Any]:
    repeats = 3 if quick else REPEATS
    short = measure(Scenario(SHORT_SECONDS, REGIONS), repeats)
    long = measure(Scenario(LONG_SECONDS, REGIONS), repeats)
    return {
        "short": short,
        "long": long,
        "history_ratio": ratio(long["max_history_events"], short["max_history_events"]),
        "cpu_ratio": ratio(long["orchestrator_cpu_seconds"], short["orchestrator_cpu_seconds"]),
        "per_episode_ratio": ratio(long["seconds_per_episode"], short["seconds_per_episode"]),
    }
