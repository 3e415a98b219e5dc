"""Benchmark 6: N builds across 10 subscriptions submitted at once through devhost + Azurite +
armsim, default throttling on (ARM's per-subscription buckets, Compute's windows).

armsim runs in its own process (virtual clock, throttling as ARM and Compute apply it); devhost
runs in another (bench.scale_host) and shares armsim's clock through the admin API. Reported:
completions, failures, 429s the product received, the highest ARM write rate seen against the
subscription limit, the simulated time to finish all builds, and each process's peak memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from armsim.throttling import ARM_LIMITS
from bench.errors import BenchError
from bench.harness import RESOURCE_GROUP
from bench.scale_host import subscription_of, vm_name
from bench.scenarios import HOME_REGION, OS_DISK_GB, Scenario

REPO = Path(__file__).resolve().parents[1]
COUNT = 1000
QUICK_COUNT = 100
SUBSCRIPTIONS = 10
SCENARIO = Scenario(3600.0, 3)
WALL_TIMEOUT = 1200.0
WRITE_KINDS = ("write", "action")  # armsim charges POST actions to the ARM writes bucket


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def max_rate_per_second(times: Iterable[datetime], window_seconds: float) -> float:
    """Highest number of events in any window of `window_seconds`, divided by the window."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while (moment - ordered[start]).total_seconds() >= window_seconds:
            start += 1
        best = max(best, end - start + 1)
    return best / window_seconds


def request_figures(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    product = [e for e in entries if e.get("kind") != "admin"]
    writes = [datetime.fromisoformat(str(e["sim_time"])) for e in product if e.get("kind") in WRITE_KINDS]
    limit = ARM_LIMITS["writes"]
    throttled = sum(1 for e in product if e.get("status") == 429)
    return {
        "arm_requests": len(product),
        "throttled_429": throttled,
        "throttled_share": throttled / len(product) if product else 0.0,
        "max_writes_per_second_1s": max_rate_per_second(writes, 1.0),
        "max_writes_per_second_60s": max_rate_per_second(writes, 60.0),
        "write_limit_per_second": limit.refill_per_second,
        "write_bucket": limit.capacity,
    }


class _PeakRss:
    """Samples a process's resident memory in the background and keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, int(self._process.memory_info().rss))
            except psutil.Error:
                return
            self._stop.wait(self._interval)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _start_armsim() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "armsim", "--clock", "virtual", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    prefix = "armsim listening on "
    if not first.startswith(prefix):
        process.kill()
        raise BenchError(f"armsim did not start: first line {first!r}")
    threading.Thread(target=process.stdout.read, name="armsim-stdout", daemon=True).start()
    return process, first[len(prefix) :]


def _run_host(command: list[str]) -> str:
    """Run bench.scale_host; on overrun, SIGTERM first so it stops its Azurite before exiting."""
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            out, err = process.communicate(timeout=WALL_TIMEOUT + 60)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                out, err = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
            raise BenchError(f"scale host overran {WALL_TIMEOUT + 60} s: {err.strip()[-2000:]}") from None
    if process.returncode != 0:
        raise BenchError(f"scale host failed ({process.returncode}): {err.strip()[-2000:]}")
    return out


def run(quick: bool = False) -> dict[str, Any]:
    count = QUICK_COUNT if quick else COUNT
    armsim, endpoint = _start_armsim()
    try:
        with _PeakRss(armsim.pid) as armsim_rss:
            _post(f"{endpoint}/_armsim/timings", SCENARIO.timings())
            for index in range(count):
                _post(
                    f"{endpoint}/_armsim/vms",
                    {
                        "subscription": subscription_of(index, SUBSCRIPTIONS),
                        "resource_group": RESOURCE_GROUP,
                        "name": vm_name(index),
                        "location": HOME_REGION,
                        "os_type": "Linux",
                        "os_disk_size_gb": OS_DISK_GB,
                    },
                )
            host = _run_host(
                [
                    sys.executable,
                    "-m",
                    "bench.scale_host",
                    "--armsim",
                    endpoint,
                    "--count",
                    str(count),
                    "--replication-seconds",
                    str(SCENARIO.replication_seconds),
                    "--regions",
                    str(SCENARIO.region_count),
                    "--timeout",
                    str(WALL_TIMEOUT),
                    "--subscriptions",
                    str(SUBSCRIPTIONS),
                ]
            )
            figures: dict[str, Any] = json.loads(host.strip().splitlines()[-1])
            figures.update(request_figures(_get(f"{endpoint}/_armsim/requests")["requests"]))
        figures["armsim_peak_rss_bytes"] = armsim_rss.peak
        figures["scenario"] = SCENARIO.name
        figures["subscriptions"] = SUBSCRIPTIONS
        return figures
    finally:
        armsim.terminate()
        try:
            armsim.wait(10)
        except subprocess.TimeoutExpired:
            armsim.kill()
            armsim.wait(5)
