"""Fixtures of the pipeline's functional tests: one Azurite queue service for the module that asks."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from devhost.azurite import AzuriteQueue, queue_connection_string
from devhost.errors import AzuriteNotInstalledError


@pytest.fixture(scope="module")
def azurite() -> Iterator[str]:
    """The connection string of a running Azurite queue service (stopped after the module)."""
    service = AzuriteQueue()
    try:
        connection = service.start(timeout=30)
    except AzuriteNotInstalledError as error:
        pytest.skip(f"Azurite is not installed: {error}")
    try:
        yield connection
    finally:
        service.stop()


@pytest.fixture
def storage_down() -> str:
    """A connection string for a queue service that is not running (a port nothing listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return queue_connection_string(port)
