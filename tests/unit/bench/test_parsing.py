"""Parsers and selectors: -X importtime lines, write-rate windows, --only names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench.__main__ import selected
from bench.cold_start import heaviest, parse_importtime
from bench.errors import BenchError
from bench.scale import max_rate_per_second, request_figures

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     aiohttp.connector
import time:       500 |        900 |   aiohttp
import time:       300 |        300 |     imagefactory.gateway.facts
import time:        50 |       1500 | function_app
"""


def test_parse_importtime_skips_the_header() -> None:
    lines = parse_importtime(IMPORTTIME)
    first = lines[0]
    assert (first.module, first.self_us, first.cumulative_us) == ("aiohttp.connector", 100, 100)
    assert len(lines) == 4


def test_heaviest_libraries_exclude_the_project_and_hide_submodules() -> None:
    found = heaviest(parse_importtime(IMPORTTIME))
    assert [x["module"] for x in found["heaviest_libraries"]] == ["aiohttp"]
    assert found["heaviest_self"][0] == {"module": "aiohttp", "seconds": 0.0005}


def test_max_rate_uses_a_sliding_window() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    times = [t0, t0 + timedelta(seconds=0.5), t0 + timedelta(seconds=0.9), t0 + timedelta(seconds=5)]
    assert max_rate_per_second(times, 1.0) == 3.0
    assert max_rate_per_second(times, 10.0) == 0.4
    assert max_rate_per_second([], 1.0) == 0.0


def test_request_figures_count_429s_and_writes_but_not_admin_calls() -> None:
    at = "2026-01-01T00:00:00+00:00"
    entries = [
        {"kind": "write", "status": 201, "sim_time": at},
        {"kind": "action", "status": 429, "sim_time": at},
        {"kind": "read", "status": 429, "sim_time": at},
        {"kind": "admin", "status": 429, "sim_time": at},
    ]
    figures = request_figures(entries)
    assert figures["arm_requests"] == 3 and figures["throttled_429"] == 2
    assert figures["max_writes_per_second_1s"] == 2.0
    assert figures["write_limit_per_second"] == 10


def test_only_accepts_names_and_aliases_in_run_order() -> None:
    assert selected(["scale", "overhead", "requests"]) == ["time_to_image", "scale"]
    assert selected(None)[0] == "time_to_image"
    with pytest.raises(BenchError, match="--only 'nope': unknown benchmark"):
        selected(["nope"])
