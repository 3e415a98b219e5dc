"""Turns results into tables: plain data first (unit-tested), then rich for the terminal or Markdown
for the README. Formatting lives here only; the benchmarks return raw numbers."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.targets import Verdict

APPROACH_LABELS = {
    "image_factory": "Image Factory",
    "blocking_sdk": "blocking SDK poller",
    "fixed_30s": "fixed 30 s polling",
}


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def seconds(value: float) -> str:
    """Simulated durations: seconds under ten minutes, else h:mm:ss."""
    if abs(value) < 600:
        return f"{value:.0f} s" if abs(value) >= 10 or value == int(value) else f"{value:.1f} s"
    whole = round(value)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def ratio_text(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def percent(value: float) -> str:
    """A fraction as a percentage with enough digits to tell tiny values apart from zero."""
    pct = 100 * value
    if pct == 0 or pct >= 1:
        return f"{pct:.1f} %"
    digits = 1
    while round(pct, digits) == 0 and digits < 6:
        digits += 1
    return f"{pct:.{digits + 1}f} %"


def mebibytes(value: float) -> str:
    return f"{value / (1024 * 1024):.0f} MiB"


def milliseconds(value: float) -> str:
    return f"{1000 * value:.0f} ms"


def time_to_image_table(block: Mapping[str, Any]) -> Table:
    rows: list[tuple[str, ...]] = []
    for scenario in block["scenarios"]:
        for key, figures in scenario["approaches"].items():
            requests = figures["requests"]
            rows.append(
                (
                    scenario["scenario"],
                    APPROACH_LABELS.get(key, key),
                    seconds(figures["simulated_seconds"]),
                    seconds(figures["critical_path_seconds"]),
                    ratio_text(figures["overhead"]),
                    f"{seconds(figures['lag_mean_seconds'])} / {seconds(figures['lag_max_seconds'])}",
                    f"{requests['read']:.0f} / {requests['write'] + requests['action']:.0f} / "
                    f"{requests['async_poll']:.0f} = {requests['total']:.0f}",
                    percent(figures["compute_ratio"]),
                )
            )
    return Table(
        "1-3. Time to image, readiness lag, ARM requests, compute (virtual clock; mean of phase offsets)",
        (
            "replication x regions",
            "approach",
            "end to end",
            "critical path",
            "overhead",
            "region lag mean / max",
            "requests read / write / poll = total",
            "compute / duration",
        ),
        tuple(rows),
    )


def replay_table(block: Mapping[str, Any]) -> Table:
    rows = [
        (
            run["scenario"],
            str(run["max_history_events"]),
            run["largest_instance"],
            str(run["instances"]),
            f"{run['episodes']:.0f}",
            milliseconds(run["orchestrator_cpu_seconds"]),
            f"{1000 * run['seconds_per_episode']:.2f} ms",
        )
        for run in (block["short"], block["long"])
    ]
    rows.append(
        ("6 h / 10 min", ratio_text(block["history_ratio"], 2), "", "", "", ratio_text(block["cpu_ratio"], 2),
         ratio_text(block["per_episode_ratio"], 2))
    )
    return Table(
        "4. Replay cost per pipeline",
        (
            "replication x regions",
            "largest history",
            "in instance",
            "instances",
            "episodes",
            "orchestrator time",
            "per episode",
        ),
        tuple(rows),
    )


def cold_start_table(block: Mapping[str, Any]) -> Table:
    libraries = ", ".join(
        f"{item['module']} {milliseconds(item['seconds'])}" for item in block["heaviest_libraries"][:3]
    )
    slowest = block["heaviest_self"][0]
    rows = (
        ("import function_app (median)", milliseconds(block["app_import_seconds"])),
        ("import bare DFApp (median)", milliseconds(block["bare_import_seconds"])),
        ("cold-start ratio", ratio_text(block["import_ratio"], 2)),
        ("slowest module (own time)", f"{slowest['module']} {milliseconds(slowest['seconds'])}"),
        ("heaviest libraries (cumulative)", libraries),
        ("RSS after import", mebibytes(block["after_import_bytes"])),
        ("RSS after importing armsim + devhost too", mebibytes(block["after_standins_import_bytes"])),
        ("RSS after one pipeline (1 h x 3)", mebibytes(block["after_pipeline_bytes"])),
        ("after pipeline / after import", ratio_text(block["memory_ratio"], 2)),
    )
    return Table(
        f"5. Cold start and memory ({block['runs']} fresh interpreters each)", ("figure", "value"), rows
    )


def scale_table(block: Mapping[str, Any]) -> Table:
    rows = (
        (
            "builds submitted at once",
            f"{block['submitted']} across {block.get('subscriptions', 1)} subscriptions",
        ),
        (
            "completed / failed / unfinished",
            f"{block['completed']} / {block['failed']} / {block['unfinished']}",
        ),
        (
            "429 responses received",
            f"{block['throttled_429']} ({100 * block.get('throttled_share', 0.0):.2f} % of requests)",
        ),
        ("ARM requests", str(block["arm_requests"])),
        (
            "max ARM writes per second (1 s / 60 s window)",
            f"{block['max_writes_per_second_1s']:.1f} / {block['max_writes_per_second_60s']:.1f} "
            f"(limit {block['write_limit_per_second']:.0f}/s, bucket {block['write_bucket']:.0f})",
        ),
        ("simulated time to finish all", seconds(block["simulated_seconds"])),
        ("wall time", f"{block['wall_seconds']:.0f} s"),
        (
            "peak RSS devhost / armsim",
            f"{mebibytes(block['devhost_peak_rss_bytes'])} / {mebibytes(block['armsim_peak_rss_bytes'])}",
        ),
    )
    return Table(f"6. Scale ({block['scenario']} replication, default throttling)", ("figure", "value"), rows)


def worker_path_table(block: Mapping[str, Any]) -> Table:
    rows = [
        ("worker start, function_app (median)", milliseconds(block["app_worker_start_seconds"])),
        ("worker start, bare DFApp (median)", milliseconds(block["bare_worker_start_seconds"])),
        ("worker cold-start ratio", ratio_text(block["worker_start_ratio"], 2)),
        ("one activity through the worker", f"{1000 * block['worker_invocation_seconds']:.2f} ms"),
        ("the same function called directly", f"{1e6 * block['direct_call_seconds']:.1f} us"),
        ("worker overhead per invocation", f"{1000 * block['worker_overhead_seconds']:.2f} ms"),
    ]
    if "demo_wall_seconds" in block:
        rows.append(("python -m demo, wall time", f"{block['demo_wall_seconds']:.1f} s"))
    return Table(
        f"7. The worker path ({block['runs']} worker starts each, {block['invocations']} invocations)",
        ("figure", "value"), tuple(rows),
    )


def targets_table(verdicts: Sequence[Verdict]) -> Table:
    return Table(
        "Targets",
        ("target", "rule", "measured", "result"),
        tuple((v.target, v.rule, v.measured, v.label) for v in verdicts),
    )


BUILDERS = {
    "time_to_image": time_to_image_table,
    "replay_cost": replay_table,
    "cold_start": cold_start_table,
    "scale": scale_table,
    "worker_path": worker_path_table,
}


def tables(results: Mapping[str, Any], verdicts: Sequence[Verdict]) -> list[Table]:
    built = [builder(results[name]) for name, builder in BUILDERS.items() if results.get(name)]
    return [*built, targets_table(verdicts)]


def markdown(table: Table) -> str:
    def cells(values: Sequence[str]) -> str:
        return "| " + " | ".join(value.replace("|", "\\|") for value in values) + " |"

    lines = [f"**{table.title}**", "", cells(table.columns), cells(["---"] * len(table.columns))]
    lines.extend(cells(row) for row in table.rows)
    return "\n".join(lines)


def print_rich(all_tables: Sequence[Table]) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(width=None if sys.stdout.isatty() else 200)
    for table in all_tables:
        rich_table = RichTable(title=table.title, title_justify="left")
        for column in table.columns:
            rich_table.add_column(column)
        for row in table.rows:
            style = "bold red" if "MISSED" in row else None
            rich_table.add_row(*row, style=style)
        console.print(rich_table)
