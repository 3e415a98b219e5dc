"""Each target's verdict follows the issue's rule, and a benchmark not run is said so."""

from __future__ import annotations

from typing import Any

from bench.targets import evaluate


def _scenario(
    seconds: float,
    overhead: float,
    ours_requests: int,
    fixed_requests: int,
    ours_lag: float,
    fixed_lag: float,
    compute: float,
) -> dict[str, Any]:
    def approach(requests: int, lag: float, **extra: float) -> dict[str, Any]:
        return {"requests": {"total": requests}, "lag_mean_seconds": lag, **extra}

    return {
        "scenario": f"{seconds:g} s",
        "replication_seconds": seconds,
        "approaches": {
            "image_factory": approach(ours_requests, ours_lag, overhead=overhead, compute_ratio=compute),
            "fixed_30s": approach(fixed_requests, fixed_lag),
        },
    }


def _verdicts(figures: dict[str, Any]) -> dict[str, str]:
    return {v.target: v.label for v in evaluate(figures)}


def test_nothing_run_means_nothing_judged() -> None:
    assert set(_verdicts({}).values()) == {"not run"}


def test_time_to_image_targets() -> None:
    good = {
        "scenarios": [
            _scenario(3600, 1.01, 30, 130, 14, 700, 0.0001),
            _scenario(600, 1.3, 20, 30, 5, 10, 0.001),
        ]
    }
    verdicts = _verdicts({"time_to_image": good})
    assert verdicts["detection overhead"] == "met"  # 10 min is not judged by the 1 h rule
    assert verdicts["ARM requests"] == "MISSED"  # 20 of 30 is more than half
    measured = {v.target: v.measured for v in evaluate({"time_to_image": good})}["ARM requests"]
    assert measured == "worst 0.67 of fixed (600 s); over 1/2 in 600 s; lag never greater"
    assert verdicts["compute seconds"] == "met"
    slow = {"scenarios": [_scenario(3600, 1.03, 30, 130, 900, 700, 0.02)]}
    verdicts = _verdicts({"time_to_image": slow})
    assert verdicts["detection overhead"] == "MISSED"
    assert verdicts["ARM requests"] == "MISSED"  # fewer requests but a greater lag
    assert verdicts["compute seconds"] == "MISSED"


def test_replay_cold_start_memory_and_scale() -> None:
    figures = {
        "replay_cost": {"history_ratio": 1.0, "cpu_ratio": 1.6, "per_episode_ratio": 1.3},
        "cold_start": {"import_ratio": 1.4, "memory_ratio": 1.1},
        "scale": {"submitted": 200, "completed": 200, "failed": 0, "unfinished": 0},
    }
    verdicts = _verdicts(figures)
    assert verdicts["replay cost"] == "MISSED"  # per episode 1.3 > 1.2 (the total's 1.6 is allowed)
    figures["replay_cost"] = {"history_ratio": 1.0, "cpu_ratio": 1.6, "per_episode_ratio": 1.1}
    assert _verdicts(figures)["replay cost"] == "met"
    assert verdicts["cold start"] == "met" and verdicts["memory"] == "met" and verdicts["scale"] == "met"
    figures["scale"] = {"submitted": 200, "completed": 199, "failed": 0, "unfinished": 1}
    assert _verdicts(figures)["scale"] == "MISSED"


def test_worker_cold_start_target_reads_the_worker_path_ratio() -> None:
    from bench.report import worker_path_table
    from bench.targets import worker_cold_start

    block = {"runs": 3, "invocations": 100, "app_worker_start_seconds": 1.2, "bare_worker_start_seconds": 0.6,
             "worker_start_ratio": 2.0, "worker_invocation_seconds": 0.0018, "direct_call_seconds": 4e-6,
             "worker_overhead_seconds": 0.001796}
    verdict = worker_cold_start({"worker_path": block})
    assert (verdict.measured, verdict.met) == ("2.00", False)
    assert worker_cold_start({"worker_path": {**block, "worker_start_ratio": 1.25}}).met is True
    assert worker_cold_start({}).met is None
    rows = dict(worker_path_table(block).rows)
    assert rows["worker overhead per invocation"] == "1.80 ms"
