"""Finding the Azurite executable, and the connection string devhost hands to bindings."""

from __future__ import annotations

from pathlib import Path

import pytest

from devhost.azurite import ACCOUNT_NAME, find_azurite, queue_connection_string
from devhost.errors import AzuriteNotInstalledError


def test_missing_azurite_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AzuriteNotInstalledError, match="make deps"):
        find_azurite([tmp_path])


def test_node_modules_bin_above_the_start_folder_is_found(tmp_path: Path) -> None:
    binary = tmp_path / "node_modules" / ".bin" / "azurite-queue"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_azurite([nested]) == binary


def test_connection_string_points_at_the_queue_endpoint() -> None:
    text = queue_connection_string(10001)
    assert f"AccountName={ACCOUNT_NAME};" in text
    assert f"QueueEndpoint=http://127.0.0.1:10001/{ACCOUNT_NAME};" in text
