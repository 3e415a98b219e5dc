"""Project-wide test policy.

Tests that need Azurite skip when it is not installed, so a developer can run one test file
without npm. In CI (`CI` set, as `.ci/run` runs) `make test` has installed it, so such a skip can
only mean a broken install step: it is turned into a failure instead of hiding the tests.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if os.environ.get("CI") and report.skipped and "azurite" in str(report.longrepr).lower():
        report.outcome = "failed"
        report.longrepr = f"Azurite-backed test skipped in CI (install step broken?): {report.longrepr}"
    return report
