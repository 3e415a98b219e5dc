"""The sample apps' worker processes live for the session and are stopped at its end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.functional.devhost.durable.support import stop_workers


@pytest.fixture(scope="session", autouse=True)
def _sample_workers() -> Iterator[None]:
    yield
    stop_workers()
