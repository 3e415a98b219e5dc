"""The issue's targets, evaluated against the figures of one run (met / missed / not measured)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.measure import ratio


@dataclass(frozen=True)
class Verdict:
    target: str
    rule: str
    measured: str
    met: bool | None  # None: the benchmark it needs was not run

    @property
    def label(self) -> str:
        return {True: "met", False: "MISSED", None: "not run"}[self.met]

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "rule": self.rule, "measured": self.measured, "result": self.label}


def _scenarios(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    block = results.get("time_to_image")
    return list(block["scenarios"]) if block else []


def overhead_at_one_hour(results: Mapping[str, Any]) -> Verdict:
    rule = "overhead ratio <= 1.02 for 1 h replication (every region count)"
    rows = [s for s in _scenarios(results) if s["replication_seconds"] == 3600]
    if not rows:
        return Verdict("detection overhead", rule, "-", None)
    worst = max(s["approaches"]["image_factory"]["overhead"] for s in rows)
    return Verdict("detection overhead", rule, f"worst {worst:.4f}", worst <= 1.02)


def arm_requests(results: Mapping[str, Any]) -> Verdict:
    rule = "ARM requests <= 1/2 of fixed-30 s polling, mean region lag not greater (every scenario)"
    rows = _scenarios(results)
    if not rows:
        return Verdict("ARM requests", rule, "-", None)
    shares: dict[str, float] = {}
    slower: list[str] = []
    for row in rows:
        ours, fixed = row["approaches"]["image_factory"], row["approaches"]["fixed_30s"]
        shares[row["scenario"]] = ratio(ours["requests"]["total"], fixed["requests"]["total"])
        if ours["lag_mean_seconds"] > fixed["lag_mean_seconds"]:
            slower.append(row["scenario"])
    worst = max(shares, key=lambda name: shares[name])
    over = [name for name, share in shares.items() if share > 0.5]
    measured = f"worst {shares[worst]:.2f} of fixed ({worst})"
    if over:
        measured += f"; over 1/2 in {', '.join(over)}"
    measured += f"; greater lag in {', '.join(slower)}" if slower else "; lag never greater"
    return Verdict("ARM requests", rule, measured, not over and not slower)


def compute_seconds(results: Mapping[str, Any]) -> Verdict:
    rule = "activity seconds <= 1 % of pipeline duration (every scenario)"
    rows = _scenarios(results)
    if not rows:
        return Verdict("compute seconds", rule, "-", None)
    worst = max(s["approaches"]["image_factory"]["compute_ratio"] for s in rows)
    return Verdict("compute seconds", rule, f"worst {100 * worst:.4f} %", worst <= 0.01)


def replay_cost(results: Mapping[str, Any]) -> Verdict:
    rule = "6 h / 10 min: largest history <= 1.0, orchestrator time per episode <= 1.2"
    block = results.get("replay_cost")
    if not block:
        return Verdict("replay cost", rule, "-", None)
    history, per_episode = block["history_ratio"], block["per_episode_ratio"]
    return Verdict(
        "replay cost", rule, f"history {history:.2f}, per episode {per_episode:.2f}",
        history <= 1.0 and per_episode <= 1.2,
    )


def cold_start(results: Mapping[str, Any]) -> Verdict:
    rule = "import time of function_app / bare DFApp <= 1.5"
    block = results.get("cold_start")
    if not block:
        return Verdict("cold start", rule, "-", None)
    value = block["import_ratio"]
    return Verdict("cold start", rule, f"{value:.2f}", value <= 1.5)


def worker_cold_start(results: Mapping[str, Any]) -> Verdict:
    rule = "worker start (init + index + load) of function_app / bare DFApp <= 1.3"
    block = results.get("worker_path")
    if not block:
        return Verdict("worker cold start", rule, "-", None)
    value = block["worker_start_ratio"]
    return Verdict("worker cold start", rule, f"{value:.2f}", value <= 1.3)


def memory(results: Mapping[str, Any]) -> Verdict:
    rule = "RSS after one pipeline <= 1.5 x after importing the app"
    block = results.get("cold_start")
    if not block:
        return Verdict("memory", rule, "-", None)
    value = block["memory_ratio"]
    return Verdict("memory", rule, f"{value:.2f}", value <= 1.5)


def scale(results: Mapping[str, Any]) -> Verdict:
    rule = "1,000 builds across 10 subscriptions at once: all complete, none fail, 429s <= 1 % of requests"
    block = results.get("scale")
    if not block:
        return Verdict("scale", rule, "-", None)
    bad = block["failed"] + block["unfinished"]
    share = float(block.get("throttled_share", 0.0))
    return Verdict(
        "scale",
        rule,
        f"{block['completed']}/{block['submitted']} completed, {bad} failed or unfinished, "
        f"429s {100 * share:.2f} %",
        bad == 0 and block["completed"] == block["submitted"] and share <= 0.01,
    )


TARGETS: tuple[Callable[[Mapping[str, Any]], Verdict], ...] = (
    overhead_at_one_hour,
    arm_requests,
    compute_seconds,
    replay_cost,
    cold_start,
    worker_cold_start,
    memory,
    scale,
)


def evaluate(results: Mapping[str, Any]) -> list[Verdict]:
    return [target(results) for target in TARGETS]
