"""One e2e stack per test session: Azurite + armsim + devhost on a shared virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devhost.azurite import AzuriteQueue
from devhost.clock import VirtualClock
from devhost.errors import AzuriteNotInstalledError
from imagefactory.settings import reload_settings
from tests.e2e.stack import (
    BUILD_QUEUE,
    FUNCTION_KEY,
    REPO,
    RESULTS_QUEUE,
    SUBSCRIPTION,
    Stack,
)

# The rollout schedule fires once a year on the virtual clock, so only the tests fire it.
ROLLOUT_SCHEDULE = "0 0 2 1 1 *"
ORIGIN = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from armsim.testing import running_armsim
    from devhost.testing import running_devhost

    work: Path = tmp_path_factory.mktemp("e2e")
    rollout_path = work / "rollout.yaml"
    rollout_path.write_text("lines: []\n", encoding="utf-8")
    clock = VirtualClock(ORIGIN)
    try:
        azurite = AzuriteQueue(location=work / "azurite")
        connection = azurite.start()
    except AzuriteNotInstalledError as missing:
        pytest.skip(f"Azurite is not installed: {missing}")
    try:
        with running_armsim(clock, throttling=False) as sim:
            settings = {
                "AzureWebJobsStorage": connection,
                "FUNCTIONS_WORKER_RUNTIME": "python",
                "IMAGEFACTORY_TASK_HUB": "ImageFactory",
                "IMAGEFACTORY_ARM_ENDPOINT": sim.endpoint,
                "IMAGEFACTORY_BUILD_QUEUE": BUILD_QUEUE,
                "IMAGEFACTORY_RESULTS_QUEUE": RESULTS_QUEUE,
                "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
                "IMAGEFACTORY_ROLLOUT_SCHEDULE": ROLLOUT_SCHEDULE,
                "IMAGEFACTORY_ROLLOUT_FILE": str(rollout_path),
                "IMAGEFACTORY_ROLLOUT_DRY_RUN": "false",
            }
            with running_devhost(
                REPO,
                clock=clock,
                azurite_connection=connection,
                store_path=work / "durable.sqlite",
                settings=settings,
                function_keys=[FUNCTION_KEY],
            ) as host:
                reload_settings()
                try:
                    yield Stack(host=host, sim=sim, connection=connection, rollout_path=rollout_path)
                finally:
                    reload_settings()
    finally:
        azurite.stop()
