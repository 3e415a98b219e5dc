"""Fixtures for devhost host tests: one Azurite for the whole session, sample app paths, helpers."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import AzuriteQueue, find_azurite
from devhost.errors import AzuriteNotInstalledError

SAMPLES = Path(__file__).resolve().parents[3] / "samples"

_names = itertools.count(1)


@pytest.fixture(scope="session")
def azurite() -> Iterator[str]:
    """A real Azurite queue service shared by the session's tests (each test uses its own queues)."""
    try:
        find_azurite()
    except AzuriteNotInstalledError as error:
        pytest.skip(str(error))
    emulator = AzuriteQueue()
    emulator.start()
    try:
        yield emulator.connection_string
    finally:
        emulator.stop()


def records(path: Path) -> list[dict[str, Any]]:
    """What a sample app's functions recorded (SAMPLE_RECORD_FILE): they run in the worker process."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return tmp_path / "records.jsonl"


@pytest.fixture
def sample() -> Callable[[str], Path]:
    def locate(name: str) -> Path:
        return SAMPLES / name

    return locate


@pytest.fixture
def queue_name() -> Callable[[str], str]:
    """Unique queue names, so tests sharing one Azurite never see each other's messages."""

    def make(stem: str) -> str:
        return f"{stem}-{next(_names)}-{time.time_ns() % 1_000_000}"

    return make


def eventually[T](probe: Callable[[], T | None], *, timeout: float = 15.0, interval: float = 0.02) -> T:
    """Poll `probe` until it returns something truthy; fail the test after `timeout` wall seconds.

    This bounds waiting for asynchronous delivery; it asserts nothing about speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s (last value: {value!r})")
        time.sleep(interval)
