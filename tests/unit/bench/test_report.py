"""Table formatting: the numbers a reader sees must be the numbers measured."""

from __future__ import annotations

from typing import Any

from bench.report import Table, markdown, mebibytes, percent, replay_table, seconds, time_to_image_table


def test_seconds_short_and_long() -> None:
    assert seconds(45) == "45 s"
    assert seconds(2.5) == "2.5 s"
    assert seconds(3763.5) == "1:02:44"
    assert seconds(21860) == "6:04:20"


def test_percent_keeps_tiny_fractions_visible() -> None:
    assert percent(0.5) == "50.0 %"
    assert percent(0.0) == "0.0 %"
    assert percent(0.000032) == "0.0032 %"


def test_mebibytes() -> None:
    assert mebibytes(96 * 1024 * 1024) == "96 MiB"


def _approach(overhead: float) -> dict[str, Any]:
    return {
        "simulated_seconds": 3763.5,
        "critical_path_seconds": 3710.0,
        "overhead": overhead,
        "lag_mean_seconds": 14.5,
        "lag_max_seconds": 26.25,
        "requests": {
            "read": 22.5,
            "write": 3.0,
            "delete": 0.0,
            "action": 3.0,
            "async_poll": 2.0,
            "total": 30.5,
        },
        "compute_ratio": 0.00003,
    }


def test_time_to_image_rows_carry_every_approach() -> None:
    block = {
        "scenarios": [
            {
                "scenario": "1 h x 3",
                "approaches": {"image_factory": _approach(1.0144), "fixed_30s": _approach(1.2)},
            }
        ]
    }
    table = time_to_image_table(block)
    assert [row[1] for row in table.rows] == ["Image Factory", "fixed 30 s polling"]
    first = table.rows[0]
    assert first[2] == "1:02:44" and first[4] == "1.014"
    assert first[5] == "14 s / 26 s"
    assert first[6] == "22 / 6 / 2 = 30"  # means over phase offsets may be fractional; shown rounded


def test_replay_table_ends_with_the_ratios() -> None:
    run = {
        "scenario": "x",
        "max_history_events": 46,
        "largest_instance": "build_image",
        "instances": 4,
        "episodes": 39.0,
        "orchestrator_cpu_seconds": 0.076,
        "seconds_per_episode": 0.0019487,
    }
    table = replay_table({"short": run, "long": run, "history_ratio": 2.1956, "cpu_ratio": 3.125,
                          "per_episode_ratio": 1.0449})
    assert table.rows[-1] == ("6 h / 10 min", "2.20", "", "", "", "3.12", "1.04")
    assert table.rows[0][5] == "76 ms" and table.rows[0][6] == "1.95 ms"


def test_markdown_escapes_pipes_and_has_a_separator_row() -> None:
    text = markdown(Table("T", ("a", "b"), (("x|y", "1"),)))
    assert text.splitlines() == ["**T**", "", "| a | b |", "| --- | --- |", "| x\\|y | 1 |"]
